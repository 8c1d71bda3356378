/* Private to src/agent: the state of one job run, and the helpers the stage files share. */
#ifndef REEL_AGENT_INTERNAL_H
#define REEL_AGENT_INTERNAL_H

#include <signal.h>

#include "agent/agent.h"
#include "core/config.h"
#include "core/util.h"
#include "media/probe.h"
#include "plan/plan.h"
#include "planner/planner.h"
#include "render/render.h"
#include "store/store.h"
#include "trace/trace.h"

/* Bumped when what ingest stores in assets.metadata changes (cache key). */
#define AGENT_INGEST_VERSION 2 /* 2: heard words outside speech left out */

/* One ingested asset: what the stage "ingest/<label>" stored plus the facts. */
struct agent_asset {
    char id[STORE_ID_LEN];
    char *label;
    char *type; /* asset_type */
    char *path; /* in the media store (or the original when referenced) */
    char sha256[65];
    struct media_info info;
    json_t *metadata; /* owned: {"probe", "analysis", "transcript", ...} */
};

struct agent_job {
    struct store *st;
    const struct agent_opts *o;
    struct reel_config cfg;
    char worker[160];
    const char *worker_arg; /* NULL when not run under a lease */
    struct store_job job;
    struct agent_request req;
    struct trace_span root;
    struct agent_asset *assets;
    size_t nassets;
    struct planner_asset *passets;
    struct planner_brief brief;
    json_t *transcripts; /* {label: transcript} for captions */
    volatile sig_atomic_t cancel;
    int64_t last_progress_store_ms;
    double last_progress_fraction;
    int stopped; /* keepalive said stop */
};

/* Events: to the caller's callback and (not every progress tick) to the store. */
void agent_emit(struct agent_job *aj, const struct agent_event *ev);
void agent_emit_simple(struct agent_job *aj, enum agent_event_kind kind, const char *stage,
                       int version, const char *message);
/* Non-zero when the job must stop (keepalive refused, lease lost). */
int agent_should_stop(struct agent_job *aj);

/* Stage results. */
enum reel_code agent_stage_get(struct agent_job *aj, const char *stage, json_t **out,
                               struct reel_err *err);
enum reel_code agent_stage_put(struct agent_job *aj, const char *stage, const json_t *result,
                               struct reel_err *err);

/* Span under the job's root span. */
enum reel_code agent_span_start(struct agent_job *aj, struct trace_span *sp,
                                const struct trace_span *parent, const char *name,
                                struct reel_err *err);
/* End a span with a payload (borrowed; may be NULL); failed when fail_msg is
 * not NULL, which becomes its logs. */
void agent_span_end(struct trace_span *sp, const json_t *payload, const char *fail_msg);

/* ingest.c: every input into the media store, probed, analysed, transcribed. */
enum reel_code agent_ingest(struct agent_job *aj, struct reel_err *err);
void agent_assets_release(struct agent_job *aj);
/* Load the ingested assets of a job from the store (replay, show). */
enum reel_code agent_assets_load(struct agent_job *aj, struct reel_err *err);

/* Copy a file (hard link when possible, else a byte copy to a temp + rename). */
enum reel_code agent_copy_file(const char *from, const char *to, struct reel_err *err);

/* show.c: JSON diff of two plans, one line per change. */
void agent_json_diff(const json_t *a, const json_t *b, const char *path, struct buf *out);

/* agent.c */
const char *agent_pace_name(enum planner_pace p);

/* stages.c: plan/<v>, validate/<v>, render/<v>, evaluate/<v>. */
struct agent_render_cb {
    struct agent_job *aj;
    int v;
};
/* The best evaluated version among 1..upto (highest score; one that meets the
 * brief's constraints first); 0 when none was evaluated. */
int agent_best_version(struct agent_job *aj, int upto, double *score);
enum reel_code agent_build_brief(struct agent_job *aj, struct reel_err *err);
enum reel_code agent_stage_plan(struct agent_job *aj, int v, json_t **plan_out,
                                struct reel_err *err);
enum reel_code agent_stage_validate(struct agent_job *aj, int v, const json_t *doc, int *valid,
                                    struct reel_err *err);
enum reel_code agent_stage_render(struct agent_job *aj, int v, const json_t *doc, int *ok,
                                  json_t **result_out, struct reel_err *err);
enum reel_code agent_stage_evaluate(struct agent_job *aj, int v, const json_t *doc,
                                    const json_t *rendered, double *score, int *golden,
                                    struct reel_err *err);
/* Decode a plan document, give it the job's assets (probed facts from
 * ingest) and validate it; *p must be released by the caller. */
enum reel_code agent_load_plan(struct agent_job *aj, const json_t *doc, struct plan *p,
                               struct plan_issues *issues);
enum reel_code agent_render_doc(struct agent_job *aj, const json_t *doc, const char *out_path,
                                const char *preset, render_progress_fn cb, void *ud,
                                struct render_result *rr, struct reel_err *err);
void agent_on_render_progress(const struct render_progress *pr, void *ud);

/* constraints.c: what the brief asked for, checked against the render and plan:
 * {"passed": bool, "problems": [text]}. New ref. */
json_t *agent_brief_check(struct agent_job *aj, const struct plan *p, double duration);
/* The same from its parts (unit-testable): every constraint of the brief with
 * key, want, got, met, fixable (can the footage given meet it), evidence and
 * advice; render_duration is the render's probed length (0: unknown). */
json_t *agent_constraints_check(const struct planner_brief *b, const struct planner_asset *assets,
                                size_t n, const struct plan *p, double render_duration);

#endif
