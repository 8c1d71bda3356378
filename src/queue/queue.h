/*
 * The worker loop over the store's job queue.
 *
 *   queue_worker_run(store, handler, arg, &opts, &err)
 *
 * claims the oldest runnable job (store_job_claim), runs handler->run on it
 * while a thread renews the lease every lease_s/3 seconds (on its own
 * connection), and ends it according to what the handler returned:
 *
 *   REEL_OK           the job ends with ctx->final_status (default
 *                     completed; the handler may pick failed or
 *                     review_required and a reason in ctx->reason).
 *   REEL_ECANCELED    handed back: pending again, attempt not counted
 *                     (the worker is stopping: SIGTERM).
 *   REEL_EDB, ESYS, ETOOL, ENET, ETIMEOUT
 *                     transient: back to pending with the error recorded
 *                     (attempt counted) while attempts < max_attempts, else
 *                     failed with the error.
 *   anything else     failed with the error (bad input does not improve).
 *
 * If the lease is lost while the handler runs (another worker took the
 * job after this one stalled), ctx->lease_lost becomes 1; the handler
 * should stop, and nothing is written for the job afterwards.
 *
 * Stopping: set *opts.stop (from a SIGTERM/SIGINT handler). The loop
 * claims nothing more; the running handler sees queue_should_stop(ctx) and
 * either finishes or returns REEL_ECANCELED; the loop then returns REEL_OK.
 *
 * Waiting: between jobs the loop waits with store_wait_jobs (PostgreSQL
 * LISTEN/NOTIFY: wakes as soon as a job is submitted; SQLite: polls every
 * poll_ms).
 */
#ifndef REEL_QUEUE_QUEUE_H
#define REEL_QUEUE_QUEUE_H

#include <signal.h>

#include "core/err.h"
#include "store/store.h"

struct queue_ctx {
    const char *worker_id;
    volatile sig_atomic_t *stop; /* may be NULL */
    volatile int lease_lost;     /* set by the renew thread */
    /* Set by the handler before returning REEL_OK (defaults: completed, NULL). */
    enum job_status final_status;
    char reason[512];
};

/* 1 when the worker was asked to stop or lost the lease. */
int queue_should_stop(const struct queue_ctx *ctx);

struct queue_handler {
    const char *name;
    /* Run one claimed job. s is the worker's store (not shared with the
     * renew thread); job is borrowed for the call; on error fill err. */
    enum reel_code (*run)(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                          void *arg, struct reel_err *err);
};

struct queue_opts {
    const char *worker_id;       /* NULL: "HOST:PID" */
    int lease_s;                 /* <= 0: 30 */
    int poll_ms;                 /* <= 0: 1000 (SQLite poll; PostgreSQL wait cap) */
    int once;                    /* 1: run at most one job, return when the queue is empty */
    int max_jobs;                /* > 0: return after this many jobs */
    int exit_when_empty;         /* 1: return as soon as no job is runnable */
    volatile sig_atomic_t *stop; /* NULL: never stops by itself */
};

struct queue_stats {
    long jobs, completed, failed, retried, handed_back, lease_lost;
};

/* Run the loop until stopped (see top). stats may be NULL. Errors: the
 * store's (database gone and not coming back: REEL_EDB). */
enum reel_code queue_worker_run(struct store *s, const struct queue_handler *h, void *arg,
                                const struct queue_opts *opts, struct queue_stats *stats,
                                struct reel_err *err);

/* Default worker id "hostname:pid" into out. */
void queue_worker_id(char *out, size_t n);

#endif
