/* reel show JOB [--json]: a job with its assets, plan versions, renders,
 * stage results and status history. JOB is an id or a unique prefix.
 * The agent adds each plan version's diff from the previous one, its
 * validation, render and evaluation, and the decision (agent_show_json). */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

static void short_time(int64_t ms, char out[32])
{
    store_time_iso(ms, out);
    if (out[0]) {
        out[10] = ' ';
        out[23] = 0;
    }
}

static void print_payload_brief(const json_t *p)
{
    const char *keys[] = {"from", "to", "reason", "worker", "attempt", "stage", "counted"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
        json_t *v = json_object_get(p, keys[i]);
        if (!v)
            continue;
        if (json_is_string(v))
            printf(" %s=%s", keys[i], json_string_value(v));
        else if (json_is_integer(v))
            printf(" %s=%lld", keys[i], (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            printf(" %s=%s", keys[i], json_is_true(v) ? "yes" : "no");
    }
}

int cmd_show(int argc, char **argv)
{
    const char *jobarg = NULL;
    int as_json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("show", "unknown option '%s'", argv[i]);
        else if (jobarg)
            return cli_usage_error("show", "one job at a time");
        else
            jobarg = argv[i];
    }
    if (!jobarg)
        return cli_usage_error("show", "no job given");
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open(NULL, &s, &err))
        return cli_fail(&err);
    char id[STORE_ID_LEN];
    struct store_job job = {0};
    struct store_asset_list assets = {0};
    struct store_plan_list plans = {0};
    struct store_render_list renders = {0};
    struct store_event_list events = {0};
    json_t *stages = NULL, *view = NULL;
    int rc = 0;
    if (store_job_resolve(s, jobarg, id, &err) || store_job_get(s, id, &job, &err) ||
        store_asset_list(s, id, &assets, &err) || store_plan_list(s, id, &plans, &err) ||
        store_render_list(s, id, &renders, &err) || store_stage_all(s, id, &stages, &err) ||
        store_events_since(s, id, 0, 100000, &events, &err) ||
        agent_show_json(s, id, &view, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if (as_json) {
        json_t *o = json_object();
        json_object_set_new(o, "job", store_job_to_json(&job));
        json_t *a = json_array();
        for (size_t i = 0; i < assets.n; i++)
            json_array_append_new(a, store_asset_to_json(&assets.v[i]));
        json_object_set_new(o, "assets", a);
        a = json_array();
        for (size_t i = 0; i < plans.n; i++)
            json_array_append_new(a, store_plan_to_json(&plans.v[i], 1));
        json_object_set_new(o, "plans", a);
        a = json_array();
        for (size_t i = 0; i < renders.n; i++)
            json_array_append_new(a, store_render_to_json(&renders.v[i]));
        json_object_set_new(o, "renders", a);
        json_object_set(o, "stages", stages);
        a = json_array();
        for (size_t i = 0; i < events.n; i++)
            json_array_append_new(a, store_event_to_json(&events.v[i]));
        json_object_set_new(o, "events", a);
        json_object_set(o, "versions", json_object_get(view, "versions"));
        if (json_object_get(view, "decision"))
            json_object_set(o, "decision", json_object_get(view, "decision"));
        struct buf b = BUF_INIT;
        json_dump_buf(o, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(o);
        goto out;
    }
    int color = cli_isatty(1);
    char t1[32], t2[32];
    short_time(job.created_at, t1);
    short_time(job.updated_at, t2);
    const char *red = color ? "\033[31m" : "", *green = color ? "\033[32m" : "",
               *off = color ? "\033[0m" : "";
    const char *sc = job.status == JOB_FAILED ? red : job.status == JOB_COMPLETED ? green : "";
    printf("job      %s\n", job.id);
    printf("title    %s\n", job.title);
    printf("status   %s%s%s (attempt %d of %d)\n", sc, job_status_name(job.status), *sc ? off : "",
           job.attempts, job.max_attempts);
    /* a job that did not fail still says why it ended as it did (review_required...) */
    if (job.last_error && job.status == JOB_FAILED)
        printf("error    %s%s%s\n", red, job.last_error, off);
    else if (job.last_error)
        printf("why      %s\n", job.last_error);
    if (job.lease_owner) {
        char t3[32];
        short_time(job.lease_expires_at, t3);
        printf("worker   %s (lease until %s UTC)\n", job.lease_owner, t3);
    }
    printf("user     %s\n", job.user_id);
    printf("trace    %s\n", job.trace_id);
    printf("created  %s UTC, updated %s UTC\n", t1, t2);
    const char *brief = json_get_str(job.brief, "brief", NULL);
    if (brief)
        printf("brief    %s\n", brief);
    printf("\nassets (%zu)\n", assets.n);
    for (size_t i = 0; i < assets.n; i++) {
        const struct store_asset *a = &assets.v[i];
        printf("  %-6s %-12s %s", a->label ? a->label : "-", a->asset_type, a->storage_url);
        double d = json_get_num(a->metadata, "duration", -1);
        if (d >= 0)
            printf("  (%.2f s)", d);
        printf("\n");
    }
    printf("\nplan versions (%zu)\n", plans.n);
    for (size_t i = 0; i < plans.n; i++) {
        const struct store_plan *p = &plans.v[i];
        short_time(p->created_at, t1);
        printf("  v%-3d %s UTC  %s", p->version, t1, p->llm_model ? p->llm_model : "rules");
        if (p->prompt_tokens >= 0)
            printf("  tokens %d+%d", p->prompt_tokens, p->completion_tokens);
        if (!strcmp(p->id, job.edit_plan_id))
            printf("  (current)");
        printf("\n");
    }
    if (renders.n) {
        printf("\nrenders (%zu)\n", renders.n);
        for (size_t i = 0; i < renders.n; i++) {
            const struct store_render *r = &renders.v[i];
            printf("  v%-3d %s", r->plan_version, r->path);
            if (r->score >= 0)
                printf("  score %.3f", r->score);
            if (r->golden)
                printf("  %sgolden%s", green, off);
            printf("\n");
        }
    }
    if (json_object_size(stages)) {
        printf("\nstages done:");
        const char *k;
        json_t *v;
        json_object_foreach(stages, k, v) printf(" %s", k);
        printf("\n");
    }
    if (json_array_size(json_object_get(view, "versions")) || json_object_get(view, "decision")) {
        fflush(stdout);
        agent_show_print(stdout, view, color);
    }
    printf("\nhistory\n");
    for (size_t i = 0; i < events.n; i++) {
        const struct store_event *e = &events.v[i];
        /* progress ticks and span start/end are for live followers; the
         * trace (reel trace) is the record of spans */
        if (!strcmp(e->kind, "progress") || !strcmp(e->kind, "span"))
            continue;
        /* one line per stage: its end (with what it gave); the stored result
         * ("stage") and the begin are the same step seen twice */
        const char *ev = json_get_str(e->payload, "event", "");
        if (!strcmp(e->kind, "stage") ||
            (!strcmp(e->kind, "agent") && !strcmp(ev, "stage_begin")))
            continue;
        short_time(e->created_at, t1);
        if (!strcmp(e->kind, "agent") && !strcmp(ev, "stage_end")) {
            int ver = (int)json_get_int(e->payload, "version", 0);
            printf("  %s  %-9s", t1, json_get_str(e->payload, "stage", "?"));
            if (ver > 0)
                printf(" v%d", ver);
            printf(" %s in %.1f s", json_get_bool(e->payload, "failed", 0) ? "failed" : "done",
                   json_get_num(e->payload, "elapsed_ms", 0) / 1000.0);
            if (json_get_num(e->payload, "score", -1) >= 0)
                printf(", score %.3f", json_get_num(e->payload, "score", 0));
            if (json_get_str(e->payload, "message", NULL))
                printf(": %s", json_get_str(e->payload, "message", ""));
            printf("\n");
            continue;
        }
        printf("  %s  %-9s", t1, !strcmp(e->kind, "agent") && *ev ? ev : e->kind);
        print_payload_brief(e->payload);
        printf("\n");
    }
out:
    json_decref(view);
    json_decref(stages);
    store_event_list_release(&events);
    store_render_list_release(&renders);
    store_plan_list_release(&plans);
    store_asset_list_release(&assets);
    store_job_release(&job);
    store_close(s);
    return rc;
}
