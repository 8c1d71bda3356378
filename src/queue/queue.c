/*
 * The worker loop. A single renew thread per worker keeps the lease of the
 * job being run alive, on its own connection (opened when the worker
 * starts). Jobs start and end without waking it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "queue/queue.h"
#include "core/banned.h"

int queue_should_stop(const struct queue_ctx *ctx)
{
    return ctx->lease_lost || (ctx->stop && *ctx->stop);
}

void queue_worker_id(char *out, size_t n)
{
    char host[128] = "localhost";
    gethostname(host, sizeof(host) - 1);
    host[sizeof(host) - 1] = 0;
    char rnd[9];
    random_hex(rnd, 4);
    snprintf(out, n, "%s:%ld:%s", host, (long)getpid(), rnd);
}

struct renewer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int quit, active, started;
    char job_id[STORE_ID_LEN];
    int64_t last_ms;
    const char *url, *worker;
    int lease_s;
    struct queue_ctx *ctx;
    struct store *s; /* the thread's own connection, opened on first use */
};

static void abs_deadline(struct timespec *ts, int64_t ms_from_now)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms_from_now / 1000;
    ts->tv_nsec += (ms_from_now % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* The thread wakes every half renew period on its own (no signal per job:
 * jobs start and end without a system call), and renews a job that has run
 * a renew period since it started or was last renewed: the longest gap is
 * 1.5 periods = half the lease. */
static void *renew_main(void *arg)
{
    struct renewer *r = arg;
    int64_t every = r->lease_s * 1000LL / 3;
    if (every < 200)
        every = 200;
    /* Connect now, off the main loop, so that the first renewal does not
     * have to (a slow connect could outlast a short lease). */
    struct reel_err oerr = REEL_ERR_INIT;
    if (store_open_flags(r->url, STORE_OPEN_NO_MIGRATE, &r->s, &oerr))
        log_warn("worker %s: lease thread: %s (will retry)", r->worker, oerr.msg);
    pthread_mutex_lock(&r->mu);
    while (!r->quit) {
        int64_t due = r->active ? r->last_ms + every - now_mono_ms() : every / 2;
        if (due > every / 2)
            due = every / 2;
        if (due > 0) {
            struct timespec ts;
            abs_deadline(&ts, due);
            pthread_cond_timedwait(&r->cv, &r->mu, &ts);
            continue;
        }
        char id[STORE_ID_LEN];
        memcpy(id, r->job_id, sizeof(id));
        pthread_mutex_unlock(&r->mu);
        struct reel_err err = REEL_ERR_INIT;
        enum reel_code rc = REEL_OK;
        if (!r->s)
            rc = store_open_flags(r->url, STORE_OPEN_NO_MIGRATE, &r->s, &err);
        if (!rc)
            rc = store_job_renew(r->s, id, r->worker, r->lease_s, &err);
        pthread_mutex_lock(&r->mu);
        if (rc == REEL_ECONFLICT && r->active && !strcmp(id, r->job_id)) {
            log_warn("worker %s: %s", r->worker, err.msg);
            r->ctx->lease_lost = 1;
            r->active = 0;
        } else if (rc && r->active && !strcmp(id, r->job_id)) {
            log_warn("worker %s: renewing the lease of job %s: %s", r->worker, id, err.msg);
        } /* else the job ended meanwhile: nothing to renew */
        r->last_ms = now_mono_ms();
    }
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static int renewer_start(struct renewer *r)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&r->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&r->mu, NULL);
    if (pthread_create(&r->th, NULL, renew_main, r)) {
        pthread_cond_destroy(&r->cv);
        pthread_mutex_destroy(&r->mu);
        return -1;
    }
    r->started = 1;
    return 0;
}

static void renewer_set(struct renewer *r, const char *job_id, struct queue_ctx *ctx)
{
    pthread_mutex_lock(&r->mu);
    if (job_id) {
        snprintf(r->job_id, sizeof(r->job_id), "%s", job_id);
        r->ctx = ctx;
        r->last_ms = now_mono_ms();
        r->active = 1;
    } else {
        r->active = 0;
    }
    pthread_mutex_unlock(&r->mu);
}

static void renewer_stop(struct renewer *r)
{
    if (!r->started)
        return;
    pthread_mutex_lock(&r->mu);
    r->quit = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    pthread_cond_destroy(&r->cv);
    pthread_mutex_destroy(&r->mu);
    store_close(r->s);
}

static int transient(enum reel_code c)
{
    return c == REEL_EDB || c == REEL_ESYS || c == REEL_ETOOL || c == REEL_ENET ||
           c == REEL_ETIMEOUT;
}

/* End the job after the handler: see the table in queue.h. */
static void settle(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                   enum reel_code hrc, const struct reel_err *herr, struct queue_stats *st)
{
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc;
    const char *w = ctx->worker_id;
    if (ctx->lease_lost) {
        st->lease_lost++;
        log_warn("worker %s: lost the lease of job %s; leaving it to its new owner", w, job->id);
        return;
    }
    if (hrc == REEL_OK) {
        enum job_status fs = ctx->final_status;
        if (fs == JOB_PENDING || fs == JOB_PROCESSING)
            fs = JOB_COMPLETED;
        rc = store_job_finish(s, job->id, w, fs, ctx->reason[0] ? ctx->reason : NULL, &err);
        if (!rc) {
            if (fs == JOB_FAILED)
                st->failed++;
            else
                st->completed++;
        }
    } else if (hrc == REEL_ECANCELED) {
        rc = store_job_release_lease(s, job->id, w, 0, NULL, &err);
        if (!rc)
            st->handed_back++;
    } else {
        char reason[700];
        snprintf(reason, sizeof(reason), "%s%s%s", herr->path[0] ? herr->path : "",
                 herr->path[0] ? ": " : "", herr->msg[0] ? herr->msg : reel_code_name(hrc));
        if (transient(hrc) && job->attempts < job->max_attempts) {
            rc = store_job_release_lease(s, job->id, w, 1, reason, &err);
            if (!rc)
                st->retried++;
        } else {
            rc = store_job_finish(s, job->id, w, JOB_FAILED, reason, &err);
            if (!rc)
                st->failed++;
        }
    }
    if (rc == REEL_ECONFLICT) {
        st->lease_lost++;
        log_warn("worker %s: %s", w, err.msg);
    } else if (rc) {
        /* The lease will expire and another worker will pick the job up. */
        log_error("worker %s: ending job %s: %s", w, job->id, err.msg);
    }
}

enum reel_code queue_worker_run(struct store *s, const struct queue_handler *h, void *arg,
                                const struct queue_opts *o, struct queue_stats *stats,
                                struct reel_err *err)
{
    struct queue_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    char idbuf[200];
    const char *worker = o->worker_id;
    if (!worker || !*worker) {
        queue_worker_id(idbuf, sizeof(idbuf));
        worker = idbuf;
    }
    int lease_s = o->lease_s > 0 ? o->lease_s : 30;
    int poll_ms = o->poll_ms > 0 ? o->poll_ms : 1000;
    struct renewer rn;
    memset(&rn, 0, sizeof(rn));
    rn.url = store_url(s);
    rn.worker = worker;
    rn.lease_s = lease_s;
    if (renewer_start(&rn))
        return reel_fail(err, REEL_ESYS, NULL, "cannot start the lease thread");
    enum reel_code rc = REEL_OK;
    int db_errors = 0;
    log_info("worker %s: started on %s", worker, store_url_display(s));
    /* LISTEN before the first claim, so no submission slips between an
     * empty claim and the first wait. */
    struct reel_err lerr = REEL_ERR_INIT;
    if (!o->once && !o->exit_when_empty && store_wait_jobs(s, 0, &lerr))
        log_warn("worker %s: %s", worker, lerr.msg);
    while (!(o->stop && *o->stop)) {
        struct store_job job;
        int claimed = 0;
        struct reel_err cerr = REEL_ERR_INIT;
        enum reel_code crc = store_job_claim(s, worker, lease_s, &claimed, &job, &cerr);
        if (crc) {
            /* A database that is briefly locked or restarting: wait and retry;
             * give up after a minute of failures. */
            if (crc == REEL_EDB && ++db_errors < 60) {
                log_warn("worker %s: %s (retrying)", worker, cerr.msg);
                store_wait_jobs(s, poll_ms, &cerr);
                continue;
            }
            if (err)
                *err = cerr;
            rc = crc;
            break;
        }
        db_errors = 0;
        if (!claimed) {
            if (o->once || o->exit_when_empty)
                break;
            struct reel_err werr = REEL_ERR_INIT;
            if (store_wait_jobs(s, poll_ms, &werr))
                log_warn("worker %s: waiting: %s", worker, werr.msg);
            continue;
        }
        struct queue_ctx ctx;
        memset(&ctx, 0, sizeof(ctx));
        ctx.worker_id = worker;
        ctx.stop = o->stop;
        ctx.final_status = JOB_COMPLETED;
        renewer_set(&rn, job.id, &ctx);
        struct reel_err herr = REEL_ERR_INIT;
        log_info("worker %s: running job %s (attempt %d of %d)", worker, job.id, job.attempts,
                 job.max_attempts);
        enum reel_code hrc = h->run(s, &job, &ctx, arg, &herr);
        renewer_set(&rn, NULL, NULL);
        settle(s, &job, &ctx, hrc, &herr, stats);
        stats->jobs++;
        store_job_release(&job);
        if (o->once || (o->max_jobs > 0 && stats->jobs >= o->max_jobs))
            break;
    }
    renewer_stop(&rn);
    log_info("worker %s: stopped after %ld jobs", worker, stats->jobs);
    return rc;
}
