/*
 * The agent: the job lifecycle that ties every stage together
 * (../shared/DESIGN.md, "The job lifecycle"):
 *
 *   create -> ingest -> plan -> validate -> render -> evaluate -> decide
 *                        ^         |          |          |
 *                        +---------+----------+----------+  feedback -> version + 1
 *
 * - create: a job row (status pending) with its root trace id and the
 *   request (brief, hints, inputs) stored as the job's "request" stage result.
 * - ingest: every input is copied (or referenced, see agent_request.reference)
 *   into the media store $REEL_DATA_DIR/media/<job>/, probed, analysed and
 *   transcribed; one assets row per input with the facts in assets.metadata.
 * - plan: the planner (rules, or LLM when REEL_LLM_* is set) writes plan
 *   version N (an edit_plans row); from version 2 on it gets the feedback
 *   of version N-1 (validation errors, FFmpeg stderr, evaluation report).
 * - validate: the plan is checked against the probed assets.
 * - render: one FFmpeg run into $REEL_DATA_DIR/renders/<job>/v<N>.<ext>.
 * - evaluate: the six metrics; golden = score > 0.85 and every gate passes.
 * - decide: golden => completed (copied to $REEL_DATA_DIR/golden/ and to
 *   the request's output path); versions left => back to plan; revisions
 *   spent => review_required keeping the best render and its report;
 *   an unrecoverable error => failed with the exact error in the job and
 *   in the trace.
 *
 * Durability: each stage is a span of the job's trace and stores its result
 * in the store (keyed job, stage name, plan version) before the next stage
 * begins. agent_run() on a job that was started before (its worker died)
 * resumes at the first stage without a stored result; nothing finished is
 * done again.
 *
 * Ownership: every `const char *` parameter is borrowed. Strings in
 * struct agent_result are owned by it (agent_result_release). Events passed
 * to callbacks are borrowed for the duration of the call.
 */
#ifndef REEL_AGENT_AGENT_H
#define REEL_AGENT_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/json.h"

struct store; /* store/store.h */

/* ---- the request: what `reel edit` / `reel submit` / POST /jobs ask for ---- */

/* Asset types as stored in assets.asset_type. */
enum agent_asset_type {
    AGENT_ASSET_GUESS = 0, /* decided from the probe at ingest: video raw_footage,
                              audio audio, image image, .cube lut */
    AGENT_ASSET_RAW_FOOTAGE,
    AGENT_ASSET_BROLL,
    AGENT_ASSET_AUDIO,
    AGENT_ASSET_IMAGE,
    AGENT_ASSET_LOGO,
    AGENT_ASSET_LUT,
};

struct agent_input {
    char *path;  /* a file on this machine (or in the shared media store) */
    char *label; /* NULL: derived from the file name (agent_label_from_path) */
    enum agent_asset_type type;
};

struct agent_request {
    char *brief;       /* plain words; required */
    char *title;       /* NULL: derived from the brief */
    char *output;      /* -o: where the final render is copied; NULL: none */
    int max_revisions; /* plan versions after the first; default 2 (=> up to 3 versions) */
    int reference;     /* 1: reference inputs in place instead of copying them */
    /* planner hints (override the brief's words); 0 / NULL when not given */
    double duration;  /* seconds */
    char *aspect;     /* "16:9" "9:16" "1:1" "4:5" */
    char *pace;       /* "slow" "medium" "fast" */
    int captions;     /* 1 yes, -1 no, 0 let the planner decide */
    char *style_file; /* brand style JSON */
    char *script;     /* what is said (plain text, SRT or WebVTT), for the captions; NULL: none */
    /* queue settings (not stored in the request JSON) */
    int priority;     /* higher runs first; default 0 */
    int max_attempts; /* worker attempts before the job fails; <= 0: the store's default */
    char *user_id;    /* NULL: the local user */
    struct agent_input *inputs;
    size_t ninputs;
};

void agent_request_init(struct agent_request *r);
void agent_request_release(struct agent_request *r);
/* Append an input (path and label copied; label may be NULL). */
void agent_request_add_input(struct agent_request *r, const char *path, const char *label,
                             enum agent_asset_type type);
/* The request as JSON (stored with the job) and back. from_json fails with
 * REEL_EINVAL naming the field. */
json_t *agent_request_to_json(const struct agent_request *r);
enum reel_code agent_request_from_json(const json_t *j, struct agent_request *r,
                                       struct reel_err *err);

const char *agent_asset_type_name(enum agent_asset_type t); /* "raw_footage", "b-roll", ... */
/* Parse an asset_type name; returns -1 when unknown. */
int agent_asset_type_parse(const char *name);

/* The asset_type a file gets before it is probed, from its extension:
 * audio, image, lut, else raw_footage. */
const char *agent_asset_type_guess_name(const char *path);

/* A plan label from a file name: lower case, [a-z0-9_-], no extension,
 * at most 40 chars, "asset" when nothing is left. Written to dst (NUL-terminated). */
void agent_label_from_path(const char *path, char *dst, size_t n);

/*
 * Parse the command-line flags shared by `reel edit` and `reel submit` into
 * *r (argv[0] is the command name). Unknown flags, missing values and no
 * --brief give REEL_EUSAGE with a message; *json_out is set by --json (may
 * be NULL). Zero assets is accepted here (a queued job without assets fails
 * at ingest); `reel edit` asks for at least one.
 */
enum reel_code agent_request_parse_args(int argc, char **argv, struct agent_request *r,
                                        int *json_out, struct reel_err *err);

/* ---- progress events ---- */

enum agent_event_kind {
    AGENT_EV_JOB_BEGIN,   /* the job was created or picked up */
    AGENT_EV_STAGE_BEGIN, /* a stage starts */
    AGENT_EV_PROGRESS,    /* fraction of the running stage */
    AGENT_EV_STAGE_END,   /* a stage ended (failed or not) */
    AGENT_EV_STAGE_SKIP,  /* a stage already has a stored result (resume) */
    AGENT_EV_JOB_END,     /* the job reached completed / review_required / failed */
};

struct agent_event {
    enum agent_event_kind kind;
    const char *job_id;
    const char *stage;   /* "ingest", "plan", "validate", "render", "evaluate", "decide" */
    int version;         /* plan version the stage works on; 0 for ingest */
    const char *item;    /* what inside the stage (an asset label), or NULL */
    double fraction;     /* PROGRESS: 0..1; otherwise -1 */
    double speed;        /* PROGRESS of render: x realtime; 0 when unknown */
    double eta_s;        /* PROGRESS: seconds left; -1 when unknown */
    int failed;          /* STAGE_END: the stage failed (the job may still go on) */
    double score;        /* evaluate STAGE_END and JOB_END: overall score; -1 when none */
    const char *status;  /* JOB_END: the job's final status */
    const char *message; /* one line for people, or NULL */
    int64_t elapsed_ms;  /* STAGE_END: the stage's wall time */
};

typedef void (*agent_event_fn)(const struct agent_event *ev, void *ctx);

/* An event as one JSON object (the --json line and the stored job event):
 * {"event":"stage_end","job":..,"stage":..,"version":..,...}; new reference. */
json_t *agent_event_to_json(const struct agent_event *ev);
const char *agent_event_kind_name(enum agent_event_kind k); /* "stage_begin", ... */

/*
 * Showing progress to a person or a program. A terminal gets one live line
 * per stage (redrawn in place, with a bar for render and analysis), other
 * files get one plain line per finished stage; json mode writes one JSON
 * object per event and line. Used by `reel edit` and by `reel wait` (which
 * reads the stored events back as JSON: agent_progress_json).
 */
struct agent_progress;
struct agent_progress *agent_progress_new(FILE *f, int json, int tty);
void agent_progress_free(struct agent_progress *p);
void agent_progress_event(struct agent_progress *p, const struct agent_event *ev);
/* The same for an event given as JSON (as agent_event_to_json wrote it). */
void agent_progress_json(struct agent_progress *p, const json_t *ev);
/* agent_event_fn adapter: ctx is a struct agent_progress *. */
void agent_progress_cb(const struct agent_event *ev, void *ctx);

/* ---- running jobs ---- */

struct agent_opts {
    agent_event_fn on_event; /* may be NULL */
    void *ctx;
    /* Called between stages and on progress; non-zero cancels the job
     * (it stays resumable: its lease is handed back by the caller). May be NULL. */
    int (*keepalive)(void *ctx);
    void *keepalive_ctx;
    const char *worker_id; /* recorded in spans; NULL: "pid-<pid>" */
};
#define AGENT_OPTS_INIT                                                                            \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL                                                               \
    }

struct agent_result {
    char job_id[37];
    char status[20];   /* "completed", "review_required", "failed" */
    int versions;      /* plan versions written */
    int best_version;  /* 0 when no render was evaluated */
    double best_score; /* -1 when none */
    int golden;
    char *render_path;   /* the best render in the data directory, or NULL */
    char *output_path;   /* where it was copied (-o) or NULL */
    char *reason;        /* why the job ended as it did (one paragraph) */
    struct reel_err err; /* failed: the exact error */
};

void agent_result_init(struct agent_result *r);
void agent_result_release(struct agent_result *r);
/* {"job":..,"status":..,"score":..,...}; new reference. */
json_t *agent_result_to_json(const struct agent_result *r);

/*
 * Create a job (status pending, root trace id) holding the request, with one
 * assets row per input (the file as given, its type from the flag or the
 * extension; ingest then points it into the media store). The inputs must
 * exist (REEL_ENOTFOUND names the file) and the brief must be non-empty
 * (REEL_EINVAL). Writes the new job id into job_id.
 */
enum reel_code agent_submit(struct store *st, const struct agent_request *req, char job_id[37],
                            struct reel_err *err);

/*
 * Run (or resume) the job's lifecycle to its end. The caller holds the job
 * (claimed it from the queue, or just submitted it). Returns REEL_OK when the
 * job reached a final status (completed, review_required or failed; see
 * res->status and res->err); an error return means the agent could not go
 * on (database gone, cancelled by keepalive or signal) and the job stays
 * resumable where it stopped.
 */
enum reel_code agent_run(struct store *st, const char *job_id, const struct agent_opts *o,
                         struct agent_result *res, struct reel_err *err);

/*
 * Re-render the stored plan `version` (0: the job's best or final one) of a
 * job with the recorded render options and compare the output's SHA-256
 * with the recorded render's. The replayed file is removed when identical
 * and kept (out->path) when not. REEL_ENOTFOUND when there is no recorded
 * render for that version.
 */
struct agent_replay {
    int version;
    int identical;
    char recorded_sha[65], replay_sha[65];
    char *path; /* the differing replayed file, or NULL */
    char *ffmpeg_args;
};
void agent_replay_release(struct agent_replay *r);

/*
 * The model calls a job's planning made, in the order they were made, as a
 * planner replay array ([{"request","response","error","latency_ms",
 * "prompt_tokens","completion_tokens"}], see planner_opts.replay), read back
 * from the job's "llm call" spans. REEL_ENOTFOUND when the job has none (it
 * was planned by the rules planner). *out is owned by the caller.
 */
enum reel_code agent_recorded_calls(struct store *st, const char *job_id, json_t **out,
                                    struct reel_err *err);
struct plan;
/*
 * Version `version` (<= 0: the latest) of a stored job's plan, decoded and
 * validated with the job's stored assets, into *p (released by the
 * caller, also on failure). REEL_ENOTFOUND when there is no such version,
 * REEL_EINVAL (with the first problem's JSON path) when it does not
 * validate. *version_out gets the version loaded. When transcripts is
 * not NULL it gets the job's transcripts ({label: transcript}, the ones its
 * render burned captions from; the caller's reference, NULL on failure).
 */
enum reel_code agent_plan_load(struct store *st, const char *job_id, int version, struct plan *p,
                               int *version_out, json_t **transcripts, struct reel_err *err);
enum reel_code agent_replay(struct store *st, const char *job_id, int version,
                            const struct agent_opts *o, struct agent_replay *out,
                            struct reel_err *err);

/*
 * The agent's view of a job, for `reel show`: every plan version with a diff
 * from the previous one, its feedback, validation, render and evaluation,
 * and the decision (why the job ended as it did):
 *   {"versions": [{"version", "plan", "diff": ["~ $.path: a -> b", ...],
 *                  "feedback", "planner", "validate", "render", "evaluate"}],
 *    "decision": {...} (absent until decided)}
 * *out is a new object. agent_show_print writes it for people.
 */
enum reel_code agent_show_json(struct store *st, const char *job_id, json_t **out,
                               struct reel_err *err);
void agent_show_print(FILE *f, const json_t *view, int color);

/* The worker's job handler (queue/queue.h): agent_run on each claimed job,
 * its final status and reason handed to the queue. `arg` of the queue loop
 * is a const struct agent_opts * (may be NULL; worker_id is filled in). */
struct queue_handler;
extern const struct queue_handler agent_queue_handler;

/* Exit status of `reel edit` / `reel wait` for a final job status:
 * completed 0, review_required 1, failed the error's exit code (1 or 3). */
int agent_status_exit(const char *status, enum reel_code code);

#endif
