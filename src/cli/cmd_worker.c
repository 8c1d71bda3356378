/*
 * reel worker [--once] [--noop] [--handler NAME] [--lease S] [--poll-ms N]
 *             [--max-jobs N] [--exit-when-empty] [--worker-id ID] [--concurrency N]
 *
 * Runs queued jobs with a handler from the table below. The first entry is
 * the default; the job lifecycle registers itself there with one line.
 * SIGTERM/SIGINT: claim nothing more, let the running job finish or hand it
 * back, exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "core/log.h"
#include "queue/queue.h"
#include "store/store.h"
#include "trace/trace.h"
#include "core/banned.h"

/*
 * --noop: completes each job at once (tests, the queue benchmark). For
 * tests, the environment shapes it:
 *   REEL_NOOP_SLEEP_MS   work this long first (stops early on SIGTERM: hands back)
 *   REEL_NOOP_MARK=1     append a "noop" event {worker} per run (to count runs)
 *                        and write spans (job > work, noop) for reel trace
 *   REEL_NOOP_RESULT     completed (default) | failed | review_required |
 *                        transient (a retryable error) | invalid (a permanent one)
 */
static enum reel_code noop_run(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                               void *arg, struct reel_err *err)
{
    (void)arg;
    const char *v = getenv("REEL_NOOP_MARK");
    int mark = v && !strcmp(v, "1");
    const char *result = getenv("REEL_NOOP_RESULT");
    struct trace_span root, step;
    enum reel_code rc = REEL_OK;
    if (mark) {
        /* Runs are counted by these events; the spans show in reel trace. */
        json_t *p = json_pack("{s:s}", "worker", ctx->worker_id);
        rc = store_event_append(s, job->id, "noop", p, NULL, err);
        json_decref(p);
        if (!rc)
            rc = trace_span_start(&root, s, job->id, job->trace_id, NULL, "job", err);
        if (rc)
            return rc;
    }
    v = getenv("REEL_NOOP_SLEEP_MS");
    long ms = 0;
    if (v && parse_long(v, &ms) && ms > 0) {
        if (mark &&
            (rc = trace_span_start(&step, s, job->id, job->trace_id, root.span_id, "work", err)))
            return rc;
        int64_t end = now_mono_ms() + ms;
        while (now_mono_ms() < end) {
            if (queue_should_stop(ctx))
                return reel_fail(err, REEL_ECANCELED, NULL, "stopped");
            struct timespec ts = {0, 20 * 1000000L};
            nanosleep(&ts, NULL);
        }
        if (mark && (rc = trace_span_end(&step, NULL, err)))
            return rc;
    }
    int failing = result && (!strcmp(result, "failed") || !strcmp(result, "transient") ||
                             !strcmp(result, "invalid"));
    if (mark) {
        if ((rc = trace_span_start(&step, s, job->id, job->trace_id, root.span_id, "noop", err)))
            return rc;
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.ffmpeg_args = "true";
        r.is_failure = failing;
        r.logs = failing ? "noop: asked to fail" : NULL;
        if ((rc = trace_span_end(&step, &r, err)) || (rc = trace_span_end(&root, &r, err)))
            return rc;
    }
    if (result && !strcmp(result, "transient"))
        return reel_fail(err, REEL_ETOOL, NULL, "noop: a transient failure (attempt %d)",
                         job->attempts);
    if (result && !strcmp(result, "invalid"))
        return reel_fail(err, REEL_EINVAL, NULL, "noop: a permanent failure");
    if (result && !strcmp(result, "failed")) {
        ctx->final_status = JOB_FAILED;
        snprintf(ctx->reason, sizeof(ctx->reason), "noop: asked to fail");
    } else if (result && !strcmp(result, "review_required")) {
        ctx->final_status = JOB_REVIEW_REQUIRED;
    }
    return REEL_OK;
}

static const struct queue_handler noop_handler = {"noop", noop_run};

/* Without the job lifecycle built in, a job cannot run: fail it clearly. */
static enum reel_code none_run(struct store *s, const struct store_job *job, struct queue_ctx *ctx,
                               void *arg, struct reel_err *err)
{
    (void)s, (void)job, (void)ctx, (void)arg;
    return reel_fail(err, REEL_EINVAL, NULL,
                     "this reel has no job lifecycle to run jobs with (use --noop for tests)");
}
static const struct queue_handler none_handler = {"none", none_run};

/* The handler table: the first entry is the default. */
static const struct queue_handler *const handlers[] = {
    &agent_queue_handler, /* the job lifecycle (src/agent) */
    &none_handler,
    &noop_handler,
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: waits return early */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int run_one_worker(const struct queue_handler *h, struct queue_opts *o)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open(NULL, &s, &err))
        return cli_fail(&err);
    struct queue_stats st;
    /* the job lifecycle reports each finished stage on stderr, one line each */
    struct agent_opts ao = AGENT_OPTS_INIT;
    struct agent_progress *prog = NULL;
    if (h == &agent_queue_handler) {
        prog = agent_progress_new(stderr, 0, 0);
        ao.on_event = agent_progress_cb;
        ao.ctx = prog;
    }
    enum reel_code rc = queue_worker_run(s, h, prog ? &ao : NULL, o, &st, &err);
    agent_progress_free(prog);
    store_close(s);
    if (rc)
        return cli_fail(&err);
    log_info("worker: %ld jobs (%ld completed, %ld failed, %ld retried, %ld handed back)", st.jobs,
             st.completed, st.failed, st.retried, st.handed_back);
    return 0;
}

int cmd_worker(int argc, char **argv)
{
    struct queue_opts o = {0};
    const struct queue_handler *h = handlers[0];
    long concurrency = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long v;
        if (!strcmp(a, "--once")) {
            o.once = 1;
        } else if (!strcmp(a, "--noop")) {
            h = &noop_handler;
        } else if (!strcmp(a, "--exit-when-empty")) {
            o.exit_when_empty = 1;
        } else if (!strcmp(a, "--handler") && i + 1 < argc) {
            const char *name = argv[++i];
            h = NULL;
            for (size_t k = 0; k < ARRAY_SIZE(handlers); k++)
                if (!strcmp(handlers[k]->name, name))
                    h = handlers[k];
            if (!h)
                return cli_usage_error("worker", "no handler '%s'", name);
        } else if (!strcmp(a, "--worker-id") && i + 1 < argc) {
            o.worker_id = argv[++i];
        } else if (!strcmp(a, "--lease") && i + 1 < argc) {
            if (!parse_long(argv[++i], &v) || v < 1 || v > 86400)
                return cli_usage_error("worker", "--lease needs seconds from 1 to 86400");
            o.lease_s = (int)v;
        } else if (!strcmp(a, "--poll-ms") && i + 1 < argc) {
            if (!parse_long(argv[++i], &v) || v < 1 || v > 600000)
                return cli_usage_error("worker", "--poll-ms needs milliseconds from 1 to 600000");
            o.poll_ms = (int)v;
        } else if (!strcmp(a, "--max-jobs") && i + 1 < argc) {
            if (!parse_long(argv[++i], &v) || v < 1)
                return cli_usage_error("worker", "--max-jobs needs a positive number");
            o.max_jobs = (int)v;
        } else if (!strcmp(a, "--concurrency") && i + 1 < argc) {
            if (!parse_long(argv[++i], &concurrency) || concurrency < 1 || concurrency > 256)
                return cli_usage_error("worker", "--concurrency needs a number from 1 to 256");
        } else {
            return cli_usage_error("worker", "unknown argument '%s'", a);
        }
    }
    install_signals();
    o.stop = &stop_flag;
    if (concurrency == 1)
        return run_one_worker(h, &o);
    /* Several workers: one process each (own connections, own crash domain). */
    pid_t *kids = xcalloc((size_t)concurrency, sizeof(pid_t));
    for (long i = 0; i < concurrency; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "reel worker: fork: %s\n", strerror(errno));
            concurrency = i;
            break;
        }
        if (pid == 0) {
            free(kids);
            _exit(run_one_worker(h, &o));
        }
        kids[i] = pid;
    }
    int status = 0, forwarded = 0;
    for (long done = 0; done < concurrency;) {
        int ws;
        pid_t p = waitpid(-1, &ws, 0);
        if (p < 0 && errno == EINTR) {
            if (stop_flag && !forwarded) {
                for (long i = 0; i < concurrency; i++)
                    kill(kids[i], SIGTERM);
                forwarded = 1;
            }
            continue;
        }
        if (p < 0)
            break;
        done++;
        int st = WIFEXITED(ws) ? WEXITSTATUS(ws) : 3;
        if (st > status)
            status = st;
    }
    free(kids);
    return status;
}
