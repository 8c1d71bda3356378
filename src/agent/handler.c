/* The agent as the queue's job handler: what `reel worker` runs for each claimed job. */
#include <string.h>

#include "agent/internal.h"
#include "queue/queue.h"
#include "core/banned.h"

struct keep {
    struct queue_ctx *ctx;
};

static int keepalive(void *p)
{
    struct keep *k = p;
    return queue_should_stop(k->ctx);
}

static enum reel_code run_job(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                              void *arg, struct reel_err *err)
{
    const struct agent_opts *given = arg;
    struct agent_opts o = AGENT_OPTS_INIT;
    if (given)
        o = *given;
    struct keep k = {ctx};
    o.worker_id = ctx->worker_id;
    if (!o.keepalive) {
        o.keepalive = keepalive;
        o.keepalive_ctx = &k;
    }
    struct agent_result res;
    agent_result_init(&res);
    enum reel_code rc = agent_run(s, job->id, &o, &res, err);
    if (rc == REEL_OK) {
        if (!strcmp(res.status, "completed"))
            ctx->final_status = JOB_COMPLETED;
        else if (!strcmp(res.status, "review_required"))
            ctx->final_status = JOB_REVIEW_REQUIRED;
        else
            ctx->final_status = JOB_FAILED;
        snprintf(ctx->reason, sizeof(ctx->reason), "%s", res.reason ? res.reason : "");
    } else if (queue_should_stop(ctx)) {
        /* stopping (SIGTERM) or the lease is gone: hand the job back as it is */
        rc = REEL_ECANCELED;
    }
    agent_result_release(&res);
    return rc;
}

const struct queue_handler agent_queue_handler = {"agent", run_job};
