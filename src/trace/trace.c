/*
 * Spans: a row written at the start (status running), completed at the end
 * with the step's result and its resource use.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"
#include "trace/trace.h"
#include "core/banned.h"

static int hex_ok(const char *s, size_t n)
{
    if (!s || strlen(s) != n || strspn(s, "0123456789abcdef") != n)
        return 0;
    return strspn(s, "0") != n;
}

int trace_id_valid(const char *s)
{
    return hex_ok(s, TRACE_ID_HEX);
}

int trace_span_id_valid(const char *s)
{
    return hex_ok(s, SPAN_ID_HEX);
}

void trace_id_new(char out[TRACE_ID_HEX + 1])
{
    do
        random_hex(out, TRACE_ID_HEX / 2);
    while (!trace_id_valid(out));
}

void trace_span_id_new(char out[SPAN_ID_HEX + 1])
{
    do
        random_hex(out, SPAN_ID_HEX / 2);
    while (!trace_span_id_valid(out));
}

/*
 * Tell whoever follows the job's events (reel serve's event streams, on any
 * server) that a span started or ended. Best effort: the span's row is the
 * record, so a failed append is not the step's failure.
 */
static void span_event(const struct trace_span *sp, const char *phase, int64_t duration_ms,
                       int is_failure)
{
    if (!sp->job_id[0])
        return;
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "phase", phase, "span_id", sp->span_id,
                           "parent_span_id", sp->parent_span_id, "step_name", sp->step_name);
    if (duration_ms >= 0) {
        json_object_set_new(ev, "duration_ms", json_integer(duration_ms));
        json_object_set_new(ev, "is_failure", json_boolean(is_failure));
    }
    store_event_append(sp->store, sp->job_id, "span", ev, NULL, NULL);
    json_decref(ev);
}

enum reel_code trace_span_start(struct trace_span *sp, struct store *s, const char *job_id,
                                const char *trace_id, const char *parent_span_id,
                                const char *step_name, struct reel_err *err)
{
    memset(sp, 0, sizeof(*sp));
    if (!trace_id_valid(trace_id))
        return reel_fail(err, REEL_EINVAL, NULL, "'%s' is not a trace id (32 hex digits)",
                         trace_id ? trace_id : "");
    if (parent_span_id && *parent_span_id && !trace_span_id_valid(parent_span_id))
        return reel_fail(err, REEL_EINVAL, NULL, "'%s' is not a span id (16 hex digits)",
                         parent_span_id);
    sp->store = s;
    snprintf(sp->job_id, sizeof(sp->job_id), "%s", job_id ? job_id : "");
    snprintf(sp->trace_id, sizeof(sp->trace_id), "%s", trace_id);
    snprintf(sp->parent_span_id, sizeof(sp->parent_span_id), "%s",
             parent_span_id ? parent_span_id : "");
    snprintf(sp->step_name, sizeof(sp->step_name), "%s", step_name ? step_name : "");
    trace_span_id_new(sp->span_id);
    getrusage(RUSAGE_SELF, &sp->ru_self0);
    getrusage(RUSAGE_CHILDREN, &sp->ru_children0);
    sp->start_mono_ms = now_mono_ms();
    enum reel_code rc = store_span_insert(s, job_id, trace_id, sp->span_id, sp->parent_span_id,
                                          step_name, sp->row_id, err);
    if (!rc) {
        sp->open = 1;
        span_event(sp, "start", -1, 0);
    }
    return rc;
}

static int64_t tv_ms(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000 + tv->tv_usec / 1000;
}

static int64_t diff_ms(const struct timeval *a, const struct timeval *b)
{
    int64_t d = tv_ms(b) - tv_ms(a);
    return d < 0 ? 0 : d;
}

json_t *trace_usage_json(const struct rusage *self0, const struct rusage *self1,
                         const struct rusage *child0, const struct rusage *child1,
                         const struct rusage *child_usage, int64_t wall_ms)
{
    json_t *u = json_object();
    json_object_set_new(u, "wall_ms", json_integer(wall_ms));
    json_object_set_new(u, "cpu_user_ms",
                        json_integer(diff_ms(&self0->ru_utime, &self1->ru_utime)));
    json_object_set_new(u, "cpu_system_ms",
                        json_integer(diff_ms(&self0->ru_stime, &self1->ru_stime)));
    /* ru_maxrss is a high-water mark: the process's peak so far (KiB). */
    json_object_set_new(u, "max_rss_kb", json_integer(self1->ru_maxrss));
    if (child_usage) {
        json_object_set_new(u, "child_cpu_user_ms", json_integer(tv_ms(&child_usage->ru_utime)));
        json_object_set_new(u, "child_cpu_system_ms", json_integer(tv_ms(&child_usage->ru_stime)));
        json_object_set_new(u, "child_max_rss_kb", json_integer(child_usage->ru_maxrss));
    } else {
        json_object_set_new(u, "child_cpu_user_ms",
                            json_integer(diff_ms(&child0->ru_utime, &child1->ru_utime)));
        json_object_set_new(u, "child_cpu_system_ms",
                            json_integer(diff_ms(&child0->ru_stime, &child1->ru_stime)));
        /* The largest child waited for so far (RUSAGE_CHILDREN keeps a maximum). */
        json_object_set_new(
            u, "child_max_rss_kb",
            json_integer(child1->ru_maxrss > child0->ru_maxrss ? child1->ru_maxrss : 0));
    }
    return u;
}

/* nvidia-smi on PATH? Looked up once. */
static int have_nvidia_smi(void)
{
    static int known = -1;
    if (known >= 0)
        return known;
    known = 0;
    const char *path = getenv("PATH");
    if (!path)
        return known;
    char *dup = xstrdup(path);
    for (char *save = NULL, *d = strtok_r(dup, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *f = xasprintf("%s/nvidia-smi", d);
        int ok = access(f, X_OK) == 0;
        free(f);
        if (ok) {
            known = 1;
            break;
        }
    }
    free(dup);
    return known;
}

json_t *trace_gpu_json(void)
{
    if (!have_nvidia_smi())
        return NULL;
    struct argv a = ARGV_INIT;
    argv_push(&a, "nvidia-smi");
    argv_push(&a, "--query-gpu=name,utilization.gpu,memory.used");
    argv_push(&a, "--format=csv,noheader,nounits");
    struct buf out = BUF_INIT;
    int status = -1;
    struct reel_err e = REEL_ERR_INIT;
    json_t *arr = NULL;
    if (proc_run(&a, &out, NULL, 1 << 16, &status, &e) == REEL_OK && status == 0) {
        arr = json_array();
        char *save = NULL;
        for (char *line = strtok_r(out.buf, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
            char *c1 = strchr(line, ',');
            char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
            if (!c2)
                continue;
            *c1 = *c2 = 0;
            json_array_append_new(arr, json_pack("{s:s, s:f, s:f}", "name", line, "utilization_pct",
                                                 strtod(c1 + 1, NULL), "memory_used_mib",
                                                 strtod(c2 + 1, NULL)));
        }
    }
    buf_release(&out);
    argv_release(&a);
    return arr;
}

enum reel_code trace_span_end(struct trace_span *sp, const struct trace_span_result *r,
                              struct reel_err *err)
{
    if (!sp->open)
        return REEL_OK;
    struct trace_span_result none = TRACE_SPAN_RESULT_INIT;
    if (!r)
        r = &none;
    struct rusage self1, child1;
    getrusage(RUSAGE_SELF, &self1);
    getrusage(RUSAGE_CHILDREN, &child1);
    int64_t wall = now_mono_ms() - sp->start_mono_ms;
    json_t *payload =
        r->payload && json_is_object(r->payload) ? json_deep_copy(r->payload) : json_object();
    if (r->payload && !json_is_object(r->payload))
        json_object_set_new(payload, "value", json_deep_copy(r->payload));
    json_object_set_new(
        payload, "usage",
        trace_usage_json(&sp->ru_self0, &self1, &sp->ru_children0, &child1, r->child_usage, wall));
    json_t *gpu = trace_gpu_json();
    if (gpu)
        json_object_set_new(payload, "gpu", gpu);
    struct store_span_end e = {r->ffmpeg_args, r->logs, r->render_time_ms, payload, r->is_failure};
    enum reel_code rc = store_span_finish(sp->store, sp->row_id, &e, err);
    json_decref(payload);
    if (!rc) {
        sp->open = 0;
        span_event(sp, "end", wall, r->is_failure);
    }
    return rc;
}

enum reel_code trace_span_fail(struct trace_span *sp, const struct reel_err *cause,
                               struct reel_err *err)
{
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.is_failure = 1;
    char *logs = NULL;
    json_t *payload = NULL;
    if (cause) {
        logs = cause->path[0] ? xasprintf("%s: %s", cause->path, cause->msg) : xstrdup(cause->msg);
        payload = json_pack("{s:s}", "error", reel_code_name(cause->code));
    }
    r.logs = logs;
    r.payload = payload;
    enum reel_code rc = trace_span_end(sp, &r, err);
    free(logs);
    json_decref(payload);
    return rc;
}
