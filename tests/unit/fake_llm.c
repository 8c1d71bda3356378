/* The fake chat-completions server of the tests (fake_llm.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/util.h"
#include "fake_llm.h"
#include "core/banned.h"

struct conn {
    struct buf body;
};

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct conn *cn = *con_cls;
    if (cn) {
        buf_release(&cn->body);
        free(cn);
    }
    *con_cls = NULL;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *con, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    (void)version;
    struct fake *f = cls;
    struct conn *cn = *con_cls;
    if (!cn) {
        cn = xcalloc(1, sizeof(*cn));
        buf_init(&cn->body);
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size) {
        buf_add(&cn->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    const char *auth = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
    json_t *rec = json_object(), *body = NULL;
    if (json_parse(cn->body.buf, cn->body.len, 0, "request", &body, NULL))
        body = json_string("(not JSON)");
    json_object_set_new(rec, "body", body);
    json_object_set_new(rec, "auth", json_string(auth ? auth : ""));
    json_object_set_new(rec, "path", json_string(url));
    json_object_set_new(rec, "method", json_string(method));
    pthread_mutex_lock(&f->mu);
    json_array_append_new(f->requests, rec);
    struct fake_reply r = {500, "{\"error\":{\"message\":\"script exhausted\"}}", 0};
    if (f->pos < f->n)
        r = f->script[f->pos++];
    pthread_mutex_unlock(&f->mu);
    if (r.delay_ms) {
        struct timespec ts = {r.delay_ms / 1000, (r.delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(r.body), r.body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (r.status == 429)
        MHD_add_response_header(resp, "Retry-After", "0");
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r.status, resp);
    MHD_destroy_response(resp);
    return ret;
}

int fake_start(struct fake *f)
{
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    f->requests = json_array();
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handler, f, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    if (!f->d)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : 0;
    return f->port ? 0 : -1;
}

void fake_stop(struct fake *f)
{
    if (f->d)
        MHD_stop_daemon(f->d);
    for (size_t i = 0; i < f->n; i++)
        free(f->script[i].body);
    json_decref(f->requests);
    pthread_mutex_destroy(&f->mu);
}

void fake_add(struct fake *f, int status, char *body, int delay_ms)
{
    f->script[f->n++] = (struct fake_reply){status, body, delay_ms};
}

/* A chat.completion whose message has this content (or refusal). */
char *chat_body(const char *content, const char *refusal)
{
    json_t *msg = json_object();
    json_object_set_new(msg, "role", json_string("assistant"));
    json_object_set_new(msg, "content", content ? json_string(content) : json_null());
    if (refusal)
        json_object_set_new(msg, "refusal", json_string(refusal));
    json_t *ch = json_object();
    json_object_set_new(ch, "index", json_integer(0));
    json_object_set_new(ch, "message", msg);
    json_object_set_new(ch, "finish_reason", json_string("stop"));
    json_t *choices = json_array();
    json_array_append_new(choices, ch);
    json_t *usage = json_object();
    json_object_set_new(usage, "prompt_tokens", json_integer(1000));
    json_object_set_new(usage, "completion_tokens", json_integer(200));
    json_t *b = json_object();
    json_object_set_new(b, "id", json_string("chatcmpl-1"));
    json_object_set_new(b, "object", json_string("chat.completion"));
    json_object_set_new(b, "model", json_string("test-model"));
    json_object_set_new(b, "choices", choices);
    json_object_set_new(b, "usage", usage);
    char *s = json_dumps(b, JSON_COMPACT);
    json_decref(b);
    return s;
}
