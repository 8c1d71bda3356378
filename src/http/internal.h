/* Private to src/http. */
#ifndef REEL_HTTP_INTERNAL_H
#define REEL_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>

#include "core/util.h"
#include "http/http.h"
#include "store/store.h"

#define EV_RING 4096

struct ev_slot {
    int64_t id;
    char job_id[37];
    char *frame; /* "id: ..\nevent: ..\ndata: ..\n\n" */
};

struct bucket {
    char key_id[37];
    double tokens;
    int64_t t_ms;
};

struct key_cache_entry {
    char digest[65]; /* sha256 of the presented key */
    struct http_principal who;
    int64_t until_ms;
};
#define KEY_CACHE 256
#define KEY_CACHE_MS 5000

struct http_server {
    struct MHD_Daemon *d;
    int port;
    char *db_url, *data_dir, *roots;
    int allow_private;
    uint64_t max_upload;
    double rate, burst;
    volatile int stopping;
    /* store connections, one per request at a time: at most max_conns open
     * (idle in pool[] or lent out); a request that finds none free waits */
    pthread_mutex_t pool_mu;
    pthread_cond_t pool_cond;
    struct store *pool[64];
    int npool, nopen, max_conns;
    /* rate limits */
    pthread_mutex_t rl_mu;
    struct bucket buckets[1024];
    int nbuckets;
    /* verified keys, for KEY_CACHE_MS (a revoked key works at most that long) */
    pthread_mutex_t kc_mu;
    struct key_cache_entry kc[KEY_CACHE];
    /* event broadcast */
    pthread_t ev_thread;
    int ev_started;
    pthread_mutex_t ev_mu;
    pthread_cond_t ev_cond;
    struct ev_slot ring[EV_RING];
    int64_t ring_count; /* total appended */
    int64_t ev_last;    /* last event id seen */
};

struct store *srv_store_get(struct http_server *s, struct reel_err *err);
void srv_store_put(struct http_server *s, struct store *st);

char *sse_frame(const struct store_event *e);
void *events_thread(void *arg);
enum reel_code events_max_id(struct store *st, int64_t *out, struct reel_err *err);

#endif
