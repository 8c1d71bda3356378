/*
 * Traces: W3C-style ids (a 32-hex trace id per job, a 16-hex span id per
 * step) and spans written to the store when they START (a row with status
 * "running") and completed when they END. A step that crashes leaves its
 * span running: readers show it as unfinished.
 *
 * At the end the span's payload gets, merged in under "usage":
 *   cpu_user_ms, cpu_system_ms, max_rss_kb         (this process, the step's delta)
 *   child_cpu_user_ms, child_cpu_system_ms, child_max_rss_kb
 *       (the child processes: from the struct rusage the caller got from
 *        wait4 (core/proc.h struct proc .ru), else the RUSAGE_CHILDREN delta)
 *   wall_ms
 * and, where `nvidia-smi` is on PATH, "gpu": [{"name", "utilization_pct",
 * "memory_used_mib"}...].
 *
 * Ownership: struct trace_span is the caller's (on the stack is fine); it
 * borrows the store, which must outlive it. Errors are the store's.
 */
#ifndef REEL_TRACE_TRACE_H
#define REEL_TRACE_TRACE_H

#include <stdint.h>
#include <sys/resource.h>

#include "core/err.h"
#include "core/json.h"
#include "store/store.h"

#define TRACE_ID_HEX 32
#define SPAN_ID_HEX 16

/* New random ids (never all zero). */
void trace_id_new(char out[TRACE_ID_HEX + 1]);
void trace_span_id_new(char out[SPAN_ID_HEX + 1]);
/* 1 when s is exactly 32 (16) lowercase hex digits, not all zero. */
int trace_id_valid(const char *s);
int trace_span_id_valid(const char *s);

struct trace_span {
    struct store *store;
    char row_id[STORE_ID_LEN];
    char job_id[STORE_ID_LEN];
    char trace_id[TRACE_ID_HEX + 1];
    char span_id[SPAN_ID_HEX + 1];
    char parent_span_id[SPAN_ID_HEX + 1]; /* "" for a root span */
    char step_name[256];
    int64_t start_mono_ms;
    struct rusage ru_self0, ru_children0;
    int open; /* 1 between start and end */
};

/*
 * Start a span: writes its row now. parent_span_id NULL or "": a root span
 * of the trace. trace_id is the job's (store_job.trace_id).
 */
enum reel_code trace_span_start(struct trace_span *sp, struct store *s, const char *job_id,
                                const char *trace_id, const char *parent_span_id,
                                const char *step_name, struct reel_err *err);

struct trace_span_result {
    const char *ffmpeg_args;          /* the exact command line (NULL: none) */
    int render_time_ms;               /* < 0: none */
    const char *logs;                 /* e.g. full ffmpeg stderr on failure */
    const json_t *payload;            /* inputs/outputs (object; NULL: {}) */
    const struct rusage *child_usage; /* from wait4; NULL: RUSAGE_CHILDREN delta */
    int is_failure;
};
#define TRACE_SPAN_RESULT_INIT                                                                     \
    {                                                                                              \
        NULL, -1, NULL, NULL, NULL, 0                                                              \
    }

/* End a span: completes its row with the result and usage. r may be NULL
 * (success, nothing to add). Ending a span twice does nothing. */
enum reel_code trace_span_end(struct trace_span *sp, const struct trace_span_result *r,
                              struct reel_err *err);

/* Shortcut: end with is_failure and logs = the error's message. */
enum reel_code trace_span_fail(struct trace_span *sp, const struct reel_err *cause,
                               struct reel_err *err);

/* The usage object described above, computed between two snapshots (used
 * by trace_span_end; exposed for tests). Returns an owned object. */
json_t *trace_usage_json(const struct rusage *self0, const struct rusage *self1,
                         const struct rusage *child0, const struct rusage *child1,
                         const struct rusage *child_usage, int64_t wall_ms);

/* GPU use from nvidia-smi, or NULL when there is none (owned). */
json_t *trace_gpu_json(void);

#endif
