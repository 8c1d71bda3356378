/*
 * Planners: turn a brief and the facts about the assets into an EditPlan
 * (../shared/spec/editplan-v1.md), and revise a plan from feedback.
 *
 * Two strategies behind one interface (a table, planner_strategies()):
 *  - "rules": offline, deterministic; the default when no model is set;
 *  - "llm": an OpenAI-compatible POST {base}/chat/completions (libcurl) with
 *    structured outputs (the EditPlan JSON Schema), falling back to JSON
 *    mode and then to plain prompting when the server lacks them; a repair
 *    loop sends validation errors / FFmpeg stderr back to the model.
 *
 * The planner never probes or analyses files itself (except, optionally,
 * keyframe thumbnails for the LLM): the caller gives it each asset's facts.
 * Every plan returned has been run through plan_validate; the result says
 * whether it passed.
 *
 * Ownership: every json_t * in a struct filled by the planner (results,
 * attempts) is OWNED by that struct and freed by its _release function.
 * `const json_t *` fields the caller fills (analysis, transcript, style,
 * replay, feedback) are BORROWED for the duration of the call.
 *
 * Errors (enum reel_code): REEL_EUSAGE bad options (no model configured for
 * "llm"...), REEL_EINVAL the brief/feedback/style is invalid or the model
 * refused / never produced a valid plan within max_attempts (the result
 * still holds every attempt), REEL_ENET / REEL_ETIMEOUT the endpoint failed
 * after its retries, REEL_ELIMIT a reply over the size cap.
 */
#ifndef REEL_PLANNER_PLANNER_H
#define REEL_PLANNER_PLANNER_H

#include <stddef.h>

#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "media/probe.h"

/* ---- inputs ---- */

/* One asset the planner may use. All fields borrowed. */
struct planner_asset {
    const char *label; /* [a-z0-9_-]+, unique in the list */
    const char *path;  /* file path or URL (written to the plan's "assets") */
    const char
        *asset_type; /* "raw_footage" "b-roll" "audio" "image" "logo" "lut" (NULL: from probe) */
    struct media_info probe;
    const json_t *analysis;   /* media_analyze output, or NULL */
    const json_t *transcript; /* {"words":[...],"segments":[...],"pauses":[...]}, or NULL */
};

enum planner_pace { PACE_UNSET = 0, PACE_SLOW, PACE_MEDIUM, PACE_FAST };

/*
 * The brief: the user's words plus structured hints. Flags set fields
 * directly; planner_brief_parse() then fills only the fields still unset
 * from the words ("30 s", "vertical", "9:16", "square", "fast", "captions",
 * "logo top-right", "on the beat", "title \"...\""). Owns its strings.
 */
struct planner_brief {
    char *text;      /* the brief as written (may be NULL) */
    double duration; /* target seconds; 0 = unset (keep what the footage gives) */
    char aspect[8];  /* "16:9" "9:16" "1:1" "4:5"; "" = unset (from the footage) */
    enum planner_pace pace;
    int captions;           /* -1 unset, 0 no, 1 yes */
    int on_beat;            /* -1 unset, 0/1: cut on the music's beats */
    char *music;            /* asset label of the music bed, NULL = pick an "audio" asset */
    char *logo;             /* asset label of the logo, NULL = pick a "logo" asset */
    char *title;            /* title text, NULL = none */
    char logo_position[16]; /* "top-right" ...; "" = style or default */
    json_t *style;          /* brand style document (owned), NULL = none; see docs/planner.md */
    /* From the words only (docs/planner.md, "The brief grammar"): */
    int no_music, no_logo;   /* 1: the brief says "no music" / "no logo" */
    int mute_broll;          /* -1 unset, 0 keep the b-roll's sound, 1 mute it */
    int duck;                /* -1 unset, 0/1: lower the music under speech */
    char look[8];            /* "bw" "vivid" "muted" "lut"; "" = none */
    char *first_word, *last_word; /* "open on X" / "end on X": X as written */
    json_t *only_words, *exclude_words; /* "only X" / "no X": arrays of words, or NULL */
    /* planner_brief_resolve() turns the words into asset labels: */
    char *first_asset, *last_asset;       /* labels, NULL = none */
    json_t *only_assets, *exclude_assets; /* arrays of labels, or NULL */
    /* What became of each phrase (owned, NULL before parse):
     * {"constraints": [{"key", "value", "phrase", "source": "brief"|"flag"}],
     *  "overridden": [{"key", "phrase", "value", "by"}], "unused": ["word", ...],
     *  "unresolved": [{"key", "phrase", "word", "reason"}]} */
    json_t *explain;
};

void planner_brief_init(struct planner_brief *b);
void planner_brief_release(struct planner_brief *b);
/* Fill unset fields from b->text. Never fails on odd words; REEL_EINVAL for
 * a brief over 8000 bytes or invalid UTF-8. */
enum reel_code planner_brief_parse(struct planner_brief *b, struct reel_err *err);
/* Load a brand style file (JSON object: palette, fonts, logo, loudness);
 * validates its fields, keeps it in b->style. */
enum reel_code planner_brief_load_style(struct planner_brief *b, const char *path,
                                        struct reel_err *err);
/* The asset's type: its asset_type, else from the probe ("raw_footage" for video...). */
const char *planner_asset_type(const struct planner_asset *a);

/* Resolve the words of "open on X", "end on X", "only X", "no X" to the labels
 * of footage or image assets: X is a label, or a word of a label or of the
 * file's name (a plural's "s" dropped). A word that names no asset is moved to
 * explain.unresolved with the reason, and that constraint stays unset. */
void planner_brief_resolve(struct planner_brief *b, const struct planner_asset *assets,
                           size_t n);
/* The explanation as text, a line per phrase (appended to out). */
void planner_brief_explain_text(const json_t *explain, struct buf *out);
/* The brief as JSON (what the LLM is told; also recorded in traces). New ref. */
json_t *planner_brief_to_json(const struct planner_brief *b);

/* Label from a file name: lower case [a-z0-9_-], extension dropped, never
 * empty. `taken`/`ntaken` are labels already used: a suffix _2, _3... makes
 * it unique. Writes at most n-1 chars + NUL. */
void planner_label_from_path(const char *path, const char *const *taken, size_t ntaken, char *out,
                             size_t n);
/* Is s a valid label ([a-z0-9_-]{1,63})? */
int planner_label_valid(const char *s);

/*
 * Facts helper for reframing: where the action is in a video, per second,
 * as [{"t": second, "x", "y": 0..1 centroid of frame-to-frame change, "w":
 * how much changed}] (new ref in *out; [] for a still picture). The rules
 * planner reads it from analysis["activity"] to set each cut's `focus`.
 * Errors: those of media_decode.
 */
enum reel_code planner_activity_track(const char *path, json_t **out, struct reel_err *err);

/* ---- recording (traces) and prices ---- */

/*
 * Called once per HTTP call to the model (each retry is its own call).
 * request: the JSON body sent plus {"url":..} with the API key never in it;
 * response: {"status": N, "body": <parsed JSON or string>} or NULL when no
 * reply came (timeout, connection refused); error: NULL on a usable reply,
 * else a sentence ("timeout after 30 s", "HTTP 429", "refusal: ...").
 * Both JSON values are borrowed for the call only (json_incref to keep).
 */
struct planner_recorder {
    void (*on_call)(void *ctx, const json_t *request, const json_t *response, double latency_ms,
                    int prompt_tokens, int completion_tokens, int attempt, const char *error);
    /* Called once per attempt (plan version), with the plan (or NULL when
     * the attempt produced none) and its validation issues (array). May be NULL. */
    void (*on_attempt)(void *ctx, int attempt, const json_t *plan, const json_t *issues);
    void *ctx;
};

/* USD per 1M tokens. planner_price_lookup: $REEL_LLM_PRICES (a JSON file
 * {"MODEL": {"prompt": USD, "completion": USD}, ...}, longest prefix of the
 * model name wins) else built-in defaults; 0/0 when the model is unknown. */
struct planner_price {
    double prompt_per_m, completion_per_m;
};
void planner_price_lookup(const char *model, struct planner_price *out);
double planner_cost_usd(const char *model, int prompt_tokens, int completion_tokens);

/* ---- options and results ---- */

/*
 * Optional check of a plan beyond validation (the agent renders it): return
 * REEL_OK when the plan is acceptable, else fill *feedback (owned by the
 * planner afterwards) in the planner_revise format, e.g. {"ffmpeg_stderr": [...]}.
 */
typedef enum reel_code (*planner_check_fn)(void *ctx, const json_t *plan, json_t **feedback);

struct planner_opts {
    const char *strategy; /* "rules", "llm", or NULL: llm when base_url and model are set */
    const char *base_url; /* e.g. http://127.0.0.1:8080/v1 (REEL_LLM_BASE_URL) */
    const char *api_key;  /* may be NULL (local servers) */
    const char *model;
    int max_attempts; /* plan versions the repair loop may make; 0: 3 */
    /* Return after the first reply that holds a plan, valid or not (replies
     * without one, malformed or empty, are still sent back up to
     * max_attempts). The agent sets it: each plan a model writes becomes its
     * own version, validated and fed back by the agent's loop. */
    int stop_at_plan;
    int max_retries; /* per attempt, on 429/5xx/timeouts/refused connections; <0: 0; default 0 means
                        2 */
    int retry_base_ms;         /* first backoff (doubles); 0: 500 */
    double timeout_s;          /* per HTTP call; 0: 120 */
    size_t max_response_bytes; /* 0: 4 MiB */
    int no_images;             /* do not send keyframe thumbnails */
    int max_images;            /* 0: 6 */
    double temperature; /* < 0: not sent; default 0 (deterministic as far as the server is) */
    const struct planner_recorder *recorder; /* may be NULL */
    /* Replay: an array of recorded calls [{"request":..,"response":..,
     * "error":..,"latency_ms":..}] (as written by planner_record_*); when set
     * no network is used, replies come from it in order. */
    const json_t *replay;
    planner_check_fn check; /* may be NULL */
    void *check_ctx;
};
void planner_opts_init(struct planner_opts *o); /* the defaults above, temperature 0 */

struct planner_attempt {
    int attempt;      /* 1.. */
    json_t *plan;     /* NULL when the reply held no plan (malformed, refusal) */
    json_t *issues;   /* validation issues array ([] when valid) */
    json_t *feedback; /* what was sent back to the model after it, or NULL */
    int valid;
    char model[64]; /* "rules" for the rules planner */
    int prompt_tokens, completion_tokens;
    double cost_usd;
};

struct planner_result {
    json_t *plan; /* the last valid plan (NULL when none); owned */
    int valid;
    struct planner_attempt *attempts;
    size_t nattempts;
    char strategy[16]; /* "rules" or "llm" */
    char model[64];
    int prompt_tokens, completion_tokens; /* totals */
    int calls;                            /* HTTP calls made (retries included) */
    double cost_usd;
};
void planner_result_init(struct planner_result *r);
void planner_result_release(struct planner_result *r);
/* {"strategy","model","valid","cost_usd","prompt_tokens","completion_tokens",
 *  "attempts":[{"attempt","valid","issues","model",...}]}; new ref. */
json_t *planner_result_to_json(const struct planner_result *r);

/*
 * Ask the configured model (opts: base_url, api_key, model, recorder,
 * no_images, retries) to judge a finished render: its hook (the first 3 s)
 * and its pacing, from keyframes of `render` (a video asset: path and
 * probe), its words ([{"word","start","end"}] or {"words": [...]}, may be
 * NULL) and the brief. *out = {"hook": 0..1, "pacing": 0..1, "reason",
 * "model", "prompt_tokens", "completion_tokens", "cost_usd"}. Structured
 * output with a small schema, falling back like planning does. Errors as
 * planning's (REEL_ENET, REEL_ETIMEOUT, REEL_EAUTH; REEL_EINVAL for a reply
 * that is not a judgement).
 */
enum reel_code planner_judge(const struct planner_brief *brief, const struct planner_asset *render,
                             const json_t *words, const struct planner_opts *opts, json_t **out,
                             struct reel_err *err);

/* ---- the planners ---- */

/* Make a plan for the brief. The result holds every attempt. */
enum reel_code planner_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                            size_t nassets, const struct planner_opts *opts,
                            struct planner_result *res, struct reel_err *err);

/*
 * The next plan after `previous` given feedback, any of:
 *   {"validation_errors": [{"path","code","message"}, ...],
 *    "ffmpeg_stderr": ["line", ...],
 *    "evaluation": {"score": 0.7, "metrics": {NAME: {"score", "gate"|"passed",
 *                   "evidence": {...}}} or [{"name", ...}, ...]}}
 * The rules planner changes what the failing metric points at (loudness
 * target, cut density, caption contrast, logo placement...) and never
 * returns the same plan; the LLM planner sends the feedback to the model.
 */
enum reel_code planner_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                              size_t nassets, const json_t *previous, const json_t *feedback,
                              const struct planner_opts *opts, struct planner_result *res,
                              struct reel_err *err);

/* Strategy table (plug-in point): adding a planner is a file and a line. */
struct planner_strategy {
    const char *name;
    enum reel_code (*plan)(const struct planner_brief *brief, const struct planner_asset *assets,
                           size_t nassets, const struct planner_opts *opts,
                           struct planner_result *res, struct reel_err *err);
    enum reel_code (*revise)(const struct planner_brief *brief, const struct planner_asset *assets,
                             size_t nassets, const json_t *previous, const json_t *feedback,
                             const struct planner_opts *opts, struct planner_result *res,
                             struct reel_err *err);
};
const struct planner_strategy *planner_strategy_find(const char *name);

/* Validate a plan document against the assets (plan_decode + plan_validate
 * with the assets' labels/paths); returns 1 when valid; *issues (new ref)
 * gets the issue array. */
int planner_validate_plan(const json_t *plan, const struct planner_asset *assets, size_t nassets,
                          json_t **issues);

/* Recorded calls for replay: an on_call whose ctx is a json_t array it
 * appends {"attempt","request","response","error","latency_ms",
 * "prompt_tokens","completion_tokens"} to; that array is a replay file. */
void planner_record_array_on_call(void *ctx, const json_t *request, const json_t *response,
                                  double latency_ms, int prompt_tokens, int completion_tokens,
                                  int attempt, const char *error);

#endif
