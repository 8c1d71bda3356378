/*
 * Server-sent events: one broadcaster thread per server follows the store's
 * job_events (store_events_wait: LISTEN/NOTIFY on PostgreSQL, polling on
 * SQLite) into a ring of ready frames; each stream waits on a condition
 * variable and sends its job's frames. A stream that fell behind the ring
 * reads the store directly.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/internal.h"
#include "store/internal.h"
#include "core/banned.h"

char *sse_frame(const struct store_event *e)
{
    json_t *j = store_event_to_json(e);
    struct buf b = BUF_INIT;
    buf_addf(&b, "id: %lld\ndata: ", (long long)e->id);
    json_dump_buf(j, &b, 0);
    buf_adds(&b, "\n\n");
    json_decref(j);
    return buf_detach(&b);
}

enum reel_code events_max_id(struct store *st, int64_t *out, struct reel_err *err)
{
    struct store_rows rows = {0};
    enum reel_code rc = sql_q(st, "SELECT max(id) FROM job_events", NULL, 0, &rows, err);
    if (rc)
        return rc;
    *out = rows.nrows ? cell_i64(rows_get(&rows, 0, 0), 0) : 0;
    store_rows_release(&rows);
    return REEL_OK;
}

void *events_thread(void *arg)
{
    struct http_server *s = arg;
    struct store *st = NULL;
    struct reel_err err = REEL_ERR_INIT;
    while (!s->stopping) {
        if (!st && store_open(s->db_url, &st, &err)) {
            st = NULL;
            for (int i = 0; i < 10 && !s->stopping; i++)
                nanosleep(&(struct timespec){0, 100000000}, NULL);
            continue;
        }
        int ready = 0;
        if (store_events_wait(st, s->ev_last, 500, &ready, &err)) {
            store_close(st);
            st = NULL;
            continue;
        }
        if (!ready)
            continue;
        struct store_event_list l = {0};
        if (store_events_since(st, NULL, s->ev_last, 1000, &l, &err)) {
            store_close(st);
            st = NULL;
            continue;
        }
        if (l.n) {
            pthread_mutex_lock(&s->ev_mu);
            for (size_t i = 0; i < l.n; i++) {
                struct ev_slot *sl = &s->ring[s->ring_count % EV_RING];
                free(sl->frame);
                sl->frame = sse_frame(&l.v[i]);
                sl->id = l.v[i].id;
                memcpy(sl->job_id, l.v[i].job_id, 37);
                s->ring_count++;
                s->ev_last = l.v[i].id;
            }
            pthread_cond_broadcast(&s->ev_cond);
            pthread_mutex_unlock(&s->ev_mu);
        }
        store_event_list_release(&l);
    }
    store_close(st);
    return NULL;
}
