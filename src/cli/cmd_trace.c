/*
 * reel trace JOB [--json] [-v]: the job's spans as a tree, each with its
 * duration and a waterfall bar on the job's time line; failures in red on a
 * terminal; spans that never ended (a crash) are marked unfinished.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

#define BAR 40

struct view {
    const struct store_span_list *l;
    int64_t t0, t1, now;
    int color, verbose;
    int *done;
};

static void fmt_dur(int64_t ms, char out[24])
{
    if (ms < 1000)
        snprintf(out, 24, "%lld ms", (long long)ms);
    else if (ms < 60000)
        snprintf(out, 24, "%.2f s", ms / 1000.0);
    else
        snprintf(out, 24, "%lldm%02llds", (long long)(ms / 60000), (long long)(ms / 1000 % 60));
}

static void print_indented(const char *label, const char *text, int depth)
{
    const char *p = text;
    int lines = 0;
    while (*p && lines < 40) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("%*s  %s %.*s\n", depth * 2, "", lines ? "    " : label, n, p);
        lines++;
        p = nl ? nl + 1 : p + n;
    }
}

static void show(const struct view *v, size_t i, int depth, const char *prefix_unused)
{
    (void)prefix_unused;
    const struct store_span *sp = &v->l->v[i];
    v->done[i] = 1;
    int open = sp->ended_at == 0;
    int64_t end = open ? v->now : sp->ended_at;
    int64_t range = v->t1 - v->t0 > 0 ? v->t1 - v->t0 : 1;
    int a = (int)((sp->started_at - v->t0) * BAR / range);
    int b = (int)((end - v->t0) * BAR / range);
    if (a < 0)
        a = 0;
    if (a > BAR - 1)
        a = BAR - 1;
    if (b <= a)
        b = a + 1;
    if (b > BAR)
        b = BAR;
    char bar[BAR * 3 + 1];
    size_t k = 0;
    for (int c = 0; c < BAR; c++) {
        const char *ch = c >= a && c < b ? (open ? "░" : "█") : "·";
        if (!cli_isatty(1))
            ch = c >= a && c < b ? (open ? "~" : "#") : ".";
        size_t n = strlen(ch);
        memcpy(bar + k, ch, n);
        k += n;
    }
    bar[k] = 0;
    char dur[24];
    fmt_dur(end - sp->started_at, dur);
    const char *col = "", *off = "";
    if (v->color && sp->is_failure)
        col = "\033[31m", off = "\033[0m";
    else if (v->color && open)
        col = "\033[33m", off = "\033[0m";
    char name[300];
    snprintf(name, sizeof(name), "%*s%s", depth * 2, "", sp->step_name);
    printf("%s%-34s %10s%s  %s%s%s\n", col, name, dur,
           open             ? " unfinished"
           : sp->is_failure ? " FAILED    "
                            : "           ",
           bar, off, sp->render_time_ms >= 0 ? "" : "");
    if (v->verbose || sp->is_failure) {
        if (sp->ffmpeg_args && v->verbose)
            print_indented("$", sp->ffmpeg_args, depth + 1);
        if (sp->logs && (sp->is_failure || v->verbose))
            print_indented("!", sp->logs, depth + 1);
    }
    for (size_t c = 0; c < v->l->n; c++)
        if (!v->done[c] && sp->span_id[0] && !strcmp(v->l->v[c].parent_span_id, sp->span_id))
            show(v, c, depth + 1, NULL);
}

int cmd_trace(int argc, char **argv)
{
    const char *jobarg = NULL;
    int as_json = 0, verbose = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
            verbose = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("trace", "unknown option '%s'", argv[i]);
        else if (jobarg)
            return cli_usage_error("trace", "one job at a time");
        else
            jobarg = argv[i];
    }
    if (!jobarg)
        return cli_usage_error("trace", "no job given");
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open(NULL, &s, &err))
        return cli_fail(&err);
    char id[STORE_ID_LEN];
    struct store_job job = {0};
    struct store_span_list l = {0};
    int rc = 0;
    if (store_job_resolve(s, jobarg, id, &err) || store_job_get(s, id, &job, &err) ||
        store_span_list(s, id, &l, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    if (as_json) {
        json_t *o = json_object();
        json_object_set_new(o, "job_id", json_string(job.id));
        json_object_set_new(o, "trace_id", json_string(job.trace_id));
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, store_span_to_json(&l.v[i]));
        json_object_set_new(o, "spans", a);
        struct buf b = BUF_INIT;
        json_dump_buf(o, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(o);
        goto out;
    }
    printf("trace %s  job %s  %s (%s)\n", job.trace_id, job.id, job.title,
           job_status_name(job.status));
    if (!l.n) {
        printf("no spans yet\n");
        goto out;
    }
    struct view v = {&l, l.v[0].started_at, 0, now_wall_ms(), cli_isatty(1), verbose, NULL};
    int any_open = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].started_at < v.t0)
            v.t0 = l.v[i].started_at;
        if (l.v[i].ended_at > v.t1)
            v.t1 = l.v[i].ended_at;
        if (!l.v[i].ended_at)
            any_open = 1;
    }
    /* Open spans run to the last thing we know of (or now, while the job runs). */
    if (any_open) {
        int64_t last =
            job.status == JOB_PROCESSING ? v.now : (job.updated_at > v.t1 ? job.updated_at : v.t1);
        v.now = last;
        if (last > v.t1)
            v.t1 = last;
    }
    if (v.t1 <= v.t0)
        v.t1 = v.t0 + 1;
    v.done = xcalloc(l.n + 1, sizeof(int));
    /* Roots: no parent, or a parent that is not in this trace. */
    for (size_t i = 0; i < l.n; i++) {
        int has_parent = 0;
        if (l.v[i].parent_span_id[0])
            for (size_t k = 0; k < l.n; k++)
                if (!strcmp(l.v[k].span_id, l.v[i].parent_span_id))
                    has_parent = 1;
        if (!has_parent && !v.done[i])
            show(&v, i, 0, NULL);
    }
    for (size_t i = 0; i < l.n; i++) /* cycles or duplicates: still show */
        if (!v.done[i])
            show(&v, i, 0, NULL);
    char total[24];
    fmt_dur(v.t1 - v.t0, total);
    int failures = 0, open = 0;
    for (size_t i = 0; i < l.n; i++) {
        failures += l.v[i].is_failure;
        open += l.v[i].ended_at == 0;
    }
    printf("%zu spans, %s", l.n, total);
    if (failures)
        printf(", %d failed", failures);
    if (open)
        printf(", %d unfinished", open);
    printf("\n");
    free(v.done);
out:
    store_span_list_release(&l);
    store_job_release(&job);
    store_close(s);
    return rc;
}
