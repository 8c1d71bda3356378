/*
 * A fake OpenAI-compatible chat-completions server for the tests
 * (libmicrohttpd on 127.0.0.1, a free port): it answers from a script, in
 * order, and keeps every request it got, so tests check what reel sent.
 */
#ifndef REEL_TESTS_FAKE_LLM_H
#define REEL_TESTS_FAKE_LLM_H

#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>

#include "core/json.h"

struct fake_reply {
    int status;
    char *body;   /* owned */
    int delay_ms; /* sleep before answering (timeouts) */
};

struct fake {
    struct MHD_Daemon *d;
    int port;
    struct fake_reply script[8];
    size_t n, pos;
    json_t *requests; /* [{"body": parsed, "auth": header, "path": url}] */
    pthread_mutex_t mu;
};

/* Start on a free loopback port (f->port); 0 on success. */
int fake_start(struct fake *f);
void fake_stop(struct fake *f);
/* Queue a reply (body owned by the fake; 429 replies carry Retry-After: 0). */
void fake_add(struct fake *f, int status, char *body, int delay_ms);
/* A chat.completion body whose message has this content (or a refusal),
 * usage 1000 prompt + 200 completion tokens, model "test-model"; malloc'd. */
char *chat_body(const char *content, const char *refusal);

#endif
