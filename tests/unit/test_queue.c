/* The worker loop, in process, against both backends. */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue/queue.h"
#include "store_harness.h"
#include "test.h"
#include "core/banned.h"

struct probe {
    int runs;
    enum reel_code result;
    enum job_status final;
    volatile sig_atomic_t *stop_after_first;
};

static enum reel_code probe_run(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                                void *arg, struct reel_err *err)
{
    struct probe *p = arg;
    p->runs++;
    /* The handler may use the store while it holds the job. */
    json_t *r = json_pack("{s:i}", "run", p->runs);
    enum reel_code rc = store_stage_put(s, job->id, "probe", r, ctx->worker_id, err);
    json_decref(r);
    if (rc)
        return rc;
    if (p->stop_after_first)
        *p->stop_after_first = 1;
    if (p->result == REEL_OK) {
        ctx->final_status = p->final;
        if (p->final == JOB_REVIEW_REQUIRED)
            snprintf(ctx->reason, sizeof(ctx->reason), "score 0.7 below 0.85");
        return REEL_OK;
    }
    if (p->result == REEL_ECANCELED && !queue_should_stop(ctx))
        return reel_fail(err, REEL_EINVAL, NULL, "expected to be asked to stop");
    return reel_fail(err, p->result, "probe", "probe failed with %s", reel_code_name(p->result));
}

static const struct queue_handler probe_handler = {"probe", probe_run};

static enum job_status status_of(struct store *s, const char *id, int *attempts, char **last)
{
    struct store_job j;
    struct reel_err err = REEL_ERR_INIT;
    if (store_job_get(s, id, &j, &err))
        return (enum job_status) - 1;
    enum job_status st = j.status;
    if (attempts)
        *attempts = j.attempts;
    if (last) {
        *last = j.last_error;
        j.last_error = NULL;
    }
    store_job_release(&j);
    return st;
}

static void create(struct store *s, int max_attempts, char id[STORE_ID_LEN])
{
    struct reel_err err = REEL_ERR_INIT;
    struct store_job_new nj = {NULL, "queued", NULL, max_attempts, 0, NULL, 0};
    if (store_job_create(s, &nj, id, NULL, &err))
        test_fail(__FILE__, __LINE__, err.msg);
}

BOTH(worker_completes_every_job)
{
    (void)url;
    char ids[5][STORE_ID_LEN];
    for (int i = 0; i < 5; i++)
        create(s, 0, ids[i]);
    struct probe p = {0, REEL_OK, JOB_COMPLETED, NULL};
    struct queue_opts o = {.worker_id = "t1", .lease_s = 10, .poll_ms = 10, .exit_when_empty = 1};
    struct queue_stats st;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, &st, &err) == REEL_OK);
    CHECK(p.runs == 5 && st.jobs == 5 && st.completed == 5);
    for (int i = 0; i < 5; i++)
        CHECK(status_of(s, ids[i], NULL, NULL) == JOB_COMPLETED);
}

BOTH(worker_final_status_from_handler)
{
    (void)url;
    char id[STORE_ID_LEN];
    create(s, 0, id);
    struct probe p = {0, REEL_OK, JOB_REVIEW_REQUIRED, NULL};
    struct queue_opts o = {.worker_id = "t1", .once = 1};
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, NULL, &err) == REEL_OK);
    char *last = NULL;
    CHECK(status_of(s, id, NULL, &last) == JOB_REVIEW_REQUIRED);
    CHECK(last && strstr(last, "below 0.85"));
    free(last);
}

BOTH(worker_retries_transient_then_fails)
{
    (void)url;
    char id[STORE_ID_LEN];
    create(s, 3, id);
    struct probe p = {0, REEL_ETOOL, JOB_COMPLETED, NULL};
    struct queue_opts o = {.worker_id = "t1", .poll_ms = 10, .exit_when_empty = 1};
    struct queue_stats st;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, &st, &err) == REEL_OK);
    int attempts = 0;
    char *last = NULL;
    CHECK(status_of(s, id, &attempts, &last) == JOB_FAILED);
    CHECK(p.runs == 3 && attempts == 3 && st.retried == 2 && st.failed == 1);
    CHECK(last && strstr(last, "probe failed with tool"));
    free(last);
}

BOTH(worker_fails_permanent_error_at_once)
{
    (void)url;
    char id[STORE_ID_LEN];
    create(s, 3, id);
    struct probe p = {0, REEL_EINVAL, JOB_COMPLETED, NULL};
    struct queue_opts o = {.worker_id = "t1", .poll_ms = 10, .exit_when_empty = 1};
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, NULL, &err) == REEL_OK);
    int attempts = 0;
    CHECK(status_of(s, id, &attempts, NULL) == JOB_FAILED);
    CHECK(p.runs == 1 && attempts == 1);
}

BOTH(worker_stop_hands_back)
{
    (void)url;
    char a[STORE_ID_LEN], b[STORE_ID_LEN];
    create(s, 3, a);
    create(s, 3, b);
    static volatile sig_atomic_t stop;
    stop = 0;
    struct probe p = {0, REEL_ECANCELED, JOB_COMPLETED, &stop};
    struct queue_opts o = {.worker_id = "t1", .poll_ms = 10, .stop = &stop};
    struct queue_stats st;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, &st, &err) == REEL_OK);
    CHECK(p.runs == 1 && st.handed_back == 1); /* stopped: claimed nothing more */
    int attempts = -1;
    CHECK(status_of(s, a, &attempts, NULL) == JOB_PENDING);
    CHECK(attempts == 0); /* a clean hand-back is not an attempt */
    CHECK(status_of(s, b, NULL, NULL) == JOB_PENDING);
    /* The stage result written before the stop is kept (durable stages). */
    json_t *r = NULL;
    CHECK(store_stage_get(s, a, "probe", &r, &err) == REEL_OK && r);
    json_decref(r);
}

struct slow {
    int renewed_seen;
};

static enum reel_code slow_run(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                               void *arg, struct reel_err *err)
{
    struct slow *sl = arg;
    /* Longer than the lease: only the renew thread keeps the job ours. */
    int64_t end = now_mono_ms() + 2600;
    while (now_mono_ms() < end && !queue_should_stop(ctx)) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    struct store_job j;
    if (store_job_get(s, job->id, &j, err))
        return err->code;
    sl->renewed_seen = j.lease_expires_at > job->lease_expires_at;
    store_job_release(&j);
    return queue_should_stop(ctx) ? reel_fail(err, REEL_ECANCELED, NULL, "lost") : REEL_OK;
}

BOTH(worker_renews_lease_while_running)
{
    (void)url;
    char id[STORE_ID_LEN];
    create(s, 1, id);
    struct slow sl = {0};
    struct queue_handler h = {"slow", slow_run};
    struct queue_opts o = {.worker_id = "t1", .lease_s = 1, .once = 1};
    struct queue_stats st;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(queue_worker_run(s, &h, &sl, &o, &st, &err) == REEL_OK);
    CHECK(sl.renewed_seen);
    CHECK(st.lease_lost == 0 && st.completed == 1);
    CHECK(status_of(s, id, NULL, NULL) == JOB_COMPLETED);
}

struct submit_later {
    const char *url;
    int delay_ms;
};

static void *submit_later_main(void *arg)
{
    struct submit_later *a = arg;
    struct timespec ts = {a->delay_ms / 1000, (a->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    struct store *s;
    struct reel_err err = REEL_ERR_INIT;
    if (store_open(a->url, &s, &err) == REEL_OK) {
        char id[STORE_ID_LEN];
        create(s, 1, id);
        store_close(s);
    }
    return NULL;
}

static void notify_wakes(struct store *s, const char *url)
{
    /* The worker waits up to 20 s between polls; NOTIFY must wake it. */
    struct submit_later sl = {url, 300};
    pthread_t th;
    pthread_create(&th, NULL, submit_later_main, &sl);
    struct probe p = {0, REEL_OK, JOB_COMPLETED, NULL};
    struct queue_opts o = {.worker_id = "t1", .poll_ms = 20000, .max_jobs = 1};
    struct reel_err err = REEL_ERR_INIT;
    int64_t t0 = now_mono_ms();
    CHECK(queue_worker_run(s, &probe_handler, &p, &o, NULL, &err) == REEL_OK);
    CHECK(p.runs == 1);
    CHECK(now_mono_ms() - t0 < 10000);
    pthread_join(th, NULL);
}

TEST(store_worker_wakes_on_notify_pg)
{
    store_test_pg(notify_wakes);
}
