/* reel wait JOB: follow a job's progress (its stored events) until it ends. */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

static int is_final(enum job_status s)
{
    return s == JOB_COMPLETED || s == JOB_FAILED || s == JOB_REVIEW_REQUIRED;
}

int cmd_wait(int argc, char **argv)
{
    const char *id_arg = NULL;
    int json = 0;
    double timeout_s = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
            if (!parse_double(argv[++i], &timeout_s) || timeout_s < 0)
                return cli_usage_error(argv[0], "--timeout wants seconds, not '%s'", argv[i]);
        } else if (argv[i][0] == '-')
            return cli_usage_error(argv[0], "unknown option '%s'", argv[i]);
        else if (!id_arg)
            id_arg = argv[i];
        else
            return cli_usage_error(argv[0], "give one job id");
    }
    if (!id_arg)
        return cli_usage_error(argv[0], "which job? give its id (or a unique prefix)");
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = NULL;
    struct agent_progress *prog = NULL;
    int status = 0;
    char id[STORE_ID_LEN];
    enum reel_code rc = store_open(NULL, &st, &err);
    if (!rc)
        rc = store_job_resolve(st, id_arg, id, &err);
    if (rc)
        goto fail;
    prog = json ? agent_progress_new(stdout, 1, 0) : agent_progress_new(stderr, 0, cli_isatty(2));
    int64_t after = 0;
    double t0 = now_mono_s();
    struct store_job job;
    memset(&job, 0, sizeof(job));
    for (;;) {
        struct store_event_list el = {0};
        if ((rc = store_events_since(st, id, after, 500, &el, &err)))
            goto fail;
        for (size_t i = 0; i < el.n; i++) {
            after = el.v[i].id;
            if (!strcmp(el.v[i].kind, "agent") || !strcmp(el.v[i].kind, "progress"))
                agent_progress_json(prog, el.v[i].payload);
        }
        size_t n = el.n;
        store_event_list_release(&el);
        if (n == 500)
            continue; /* more to read before looking at the status */
        store_job_release(&job);
        if ((rc = store_job_get(st, id, &job, &err)))
            goto fail;
        if (is_final(job.status))
            break;
        if (timeout_s > 0 && now_mono_s() - t0 > timeout_s) {
            rc = reel_fail(&err, REEL_ETIMEOUT, id, "job %s is still %s after %.0f s", id,
                           job_status_name(job.status), timeout_s);
            store_job_release(&job);
            goto fail;
        }
        int ready = 0;
        if ((rc = store_events_wait(st, after, 1000, &ready, &err)))
            goto fail;
    }
    /* the decision holds the score and, for a failed job, the exact error */
    json_t *d = NULL;
    store_stage_get(st, id, "decide", &d, NULL);
    enum reel_code code = REEL_EINVAL;
    const char *ecode = json_get_str(json_object_get(d, "error"), "code", NULL);
    for (int c = 1; ecode && c < REEL_CODE_COUNT; c++)
        if (!strcmp(reel_code_name((enum reel_code)c), ecode))
            code = (enum reel_code)c;
    if (json) {
        json_t *r = json_pack("{s:s, s:s, s:s, s:s?}", "event", "result", "job", id, "status",
                              job_status_name(job.status), "reason", job.last_error);
        if (d) {
            json_object_set(r, "score", json_object_get(d, "score"));
            json_object_set(r, "best_version", json_object_get(d, "best_version"));
            json_object_set(r, "golden", json_object_get(d, "golden"));
            if (json_object_get(d, "output"))
                json_object_set(r, "output", json_object_get(d, "output"));
            if (json_object_get(d, "render"))
                json_object_set(r, "render", json_object_get(d, "render"));
            if (json_object_get(d, "error"))
                json_object_set(r, "error", json_object_get(d, "error"));
        }
        struct buf b = BUF_INIT;
        json_dump_buf(r, &b, 0);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(r);
    } else {
        agent_progress_free(prog);
        prog = NULL;
        printf("status   %s\n", job_status_name(job.status));
        if (d && json_get_num(d, "score", -1) >= 0)
            printf("score    %.3f (version %lld)\n", json_get_num(d, "score", 0),
                   json_get_int(d, "best_version", 0));
        if (json_get_str(d, "output", NULL))
            printf("output   %s\n", json_get_str(d, "output", ""));
        else if (json_get_str(d, "render", NULL))
            printf("render   %s\n", json_get_str(d, "render", ""));
        if (job.last_error && *job.last_error)
            printf("why      %s\n", job.last_error);
        printf("details  reel show %s\n", id);
    }
    status = agent_status_exit(job_status_name(job.status), code);
    json_decref(d);
    store_job_release(&job);
    goto out;
fail:
    status = cli_fail(&err);
out:
    agent_progress_free(prog);
    store_close(st);
    return status;
}
