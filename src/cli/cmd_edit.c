/*
 * reel edit: submit + work + wait in one process. The job goes through the
 * queue like any other (so a crash leaves it for `reel worker` to resume),
 * with a high priority so that this process claims its own job.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "queue/queue.h"
#include "store/store.h"
#include "core/banned.h"

static volatile sig_atomic_t edit_stop;

static void on_signal(int sig)
{
    (void)sig;
    edit_stop = 1;
}

struct edit_run {
    const char *job_id;
    struct agent_opts opts;
    struct agent_result res;
    int ran; /* our job was claimed and run */
    enum reel_code rc;
};

static int keepalive(void *p)
{
    return queue_should_stop(p);
}

static enum reel_code run_ours(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                               void *arg, struct reel_err *err)
{
    struct edit_run *er = arg;
    if (strcmp(job->id, er->job_id))
        return reel_fail(err, REEL_ECANCELED, NULL, "not this process's job: handed back");
    er->ran = 1;
    struct agent_opts o = er->opts;
    o.worker_id = ctx->worker_id;
    o.keepalive = keepalive;
    o.keepalive_ctx = ctx;
    enum reel_code rc = agent_run(s, job->id, &o, &er->res, err);
    er->rc = rc;
    if (rc == REEL_OK) {
        ctx->final_status = !strcmp(er->res.status, "completed")         ? JOB_COMPLETED
                            : !strcmp(er->res.status, "review_required") ? JOB_REVIEW_REQUIRED
                                                                         : JOB_FAILED;
        snprintf(ctx->reason, sizeof(ctx->reason), "%s", er->res.reason ? er->res.reason : "");
    } else if (queue_should_stop(ctx)) {
        rc = REEL_ECANCELED;
    }
    return rc;
}

/* The summary a person reads at the end. */
static void print_summary(FILE *f, const struct agent_result *r)
{
    fprintf(f, "\nstatus   %s\n", r->status);
    if (r->best_score >= 0)
        fprintf(f, "score    %.3f (version %d of %d)%s\n", r->best_score, r->best_version,
                r->versions, r->golden ? ", golden" : "");
    if (r->output_path)
        fprintf(f, "output   %s\n", r->output_path);
    if (r->render_path && !r->output_path)
        fprintf(f, "render   %s\n", r->render_path);
    if (r->reason)
        fprintf(f, "why      %s\n", r->reason);
    fprintf(f, "details  reel show %s\ntrace    reel trace %s\n", r->job_id, r->job_id);
}

int cmd_edit(int argc, char **argv)
{
    struct agent_request req;
    agent_request_init(&req);
    struct reel_err err = REEL_ERR_INIT;
    int json = 0, status = 0;
    struct store *st = NULL;
    struct agent_progress *prog = NULL;
    struct edit_run er;
    memset(&er, 0, sizeof(er));
    agent_result_init(&er.res);
    enum reel_code rc = agent_request_parse_args(argc, argv, &req, &json, &err);
    if (rc) {
        status = cli_usage_error(argv[0], "%s", err.msg);
        goto out;
    }
    if (req.ninputs == 0) {
        status = cli_usage_error(argv[0], "give at least one asset (a video, image or sound file)");
        goto out;
    }
    req.priority = 1000; /* this process runs it now: ahead of queued jobs */
    if ((rc = store_open(NULL, &st, &err)))
        goto fail;
    char job_id[37];
    if ((rc = agent_submit(st, &req, job_id, &err)))
        goto fail;

    /* progress: JSON lines on stdout, or live lines on stderr for people */
    prog = json ? agent_progress_new(stdout, 1, 0) : agent_progress_new(stderr, 0, cli_isatty(2));
    er.job_id = job_id;
    er.opts.on_event = agent_progress_cb;
    er.opts.ctx = prog;
    snprintf(er.res.job_id, sizeof(er.res.job_id), "%s", job_id);

    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    struct queue_opts qo = {0};
    qo.max_jobs = 1;
    qo.exit_when_empty = 1;
    qo.stop = &edit_stop;
    for (int tries = 0; tries < 50 && !er.ran && !edit_stop; tries++) {
        if ((rc = queue_worker_run(st, &(struct queue_handler){"edit", run_ours}, &er, &qo, NULL,
                                   &err)))
            break;
        if (!er.ran)
            usleep(20000);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc)
        goto fail;
    if (edit_stop && (!er.ran || er.rc)) {
        fprintf(stderr,
                "reel edit: interrupted; job %s is queued again where it stopped: "
                "run 'reel worker' to finish it\n",
                job_id);
        status = 130;
        goto out;
    }
    if (!er.ran) {
        rc = reel_fail(&err, REEL_ECONFLICT, job_id,
                       "job %s was taken by another worker; follow it with 'reel wait %s'", job_id,
                       job_id);
        goto fail;
    }
    if (er.rc) {
        err.code = er.rc;
        rc = er.rc;
        struct store_job j;
        memset(&j, 0, sizeof(j));
        if (!store_job_get(st, job_id, &j, NULL) && j.last_error)
            snprintf(err.msg, sizeof(err.msg), "%s (job %s will be retried by 'reel worker')",
                     j.last_error, job_id);
        store_job_release(&j);
        goto fail;
    }
    if (json) {
        json_t *r = agent_result_to_json(&er.res);
        json_object_set_new(r, "event", json_string("result"));
        struct buf b = BUF_INIT;
        json_dump_buf(r, &b, 0);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(r);
    } else {
        agent_progress_free(prog);
        prog = NULL;
        print_summary(stdout, &er.res);
    }
    if (!strcmp(er.res.status, "failed") && !json)
        reel_err_print(&er.res.err);
    status = agent_status_exit(er.res.status, er.res.err.code);
    goto out;
fail:
    status = cli_fail(&err);
out:
    agent_progress_free(prog);
    agent_result_release(&er.res);
    agent_request_release(&req);
    store_close(st);
    return status;
}
