/*
 * The stages of one plan version: plan/<v> (the planner, its model calls as spans),
 * validate/<v>, render/<v> (one FFmpeg run) and evaluate/<v> (the six metrics, the
 * brief's constraints, the model's judgement). Each looks up its stored result
 * first (agent.c explains why).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/internal.h"
#include "eval/eval.h"
#include "plan/plan.h"
#include "render/render.h"
#include "transcribe/transcribe.h"
#include "core/banned.h"

/* ---- planning ---- */

int agent_best_version(struct agent_job *aj, int upto, double *score)
{
    int best = 0;
    double bs = -1;
    for (int k = 1; k <= upto; k++) {
        char key[32];
        json_t *res = NULL;
        snprintf(key, sizeof(key), "evaluate/%d", k);
        if (agent_stage_get(aj, key, &res, NULL) || !res)
            continue;
        double sc = json_get_num(res, "score", -1);
        /* a version that meets the brief beats one that does not at any score */
        int ok = json_is_true(json_object_get(json_object_get(res, "brief_check"), "passed"));
        double rank = sc + (ok ? 1 : 0);
        if (rank > bs) {
            bs = rank;
            best = k;
        }
        json_decref(res);
    }
    if (score)
        *score = bs;
    return best;
}

enum reel_code agent_build_brief(struct agent_job *aj, struct reel_err *err)
{
    struct planner_brief *b = &aj->brief;
    const struct agent_request *r = &aj->req;
    planner_brief_init(b);
    b->text = xstrdup(r->brief);
    b->duration = r->duration;
    if (r->aspect)
        snprintf(b->aspect, sizeof(b->aspect), "%s", r->aspect);
    if (r->pace)
        b->pace = !strcmp(r->pace, "slow")   ? PACE_SLOW
                  : !strcmp(r->pace, "fast") ? PACE_FAST
                                             : PACE_MEDIUM;
    if (r->captions)
        b->captions = r->captions > 0;
    if (r->title)
        b->title = xstrdup(r->title);
    for (size_t i = 0; i < aj->nassets; i++) {
        const struct agent_asset *a = &aj->assets[i];
        if (!b->music && !strcmp(a->type, "audio"))
            b->music = xstrdup(a->label);
        if (!b->logo && !strcmp(a->type, "logo"))
            b->logo = xstrdup(a->label);
    }
    enum reel_code rc;
    if (r->style_file && (rc = planner_brief_load_style(b, r->style_file, err)))
        return rc;
    if ((rc = planner_brief_parse(b, err)))
        return rc;
    planner_brief_resolve(b, aj->passets, aj->nassets);
    return REEL_OK;
}

struct llm_rec {
    struct agent_job *aj;
    struct trace_span *parent;
};

/* One model call as a span "<what> (attempt N)" under the stage's span, with
 * the request and response (the key is never in them), latency and tokens. */
static void llm_span(struct llm_rec *lr, const char *what, const json_t *request,
                     const json_t *response, double latency_ms, int prompt_tokens,
                     int completion_tokens, int attempt, const char *error)
{
    struct trace_span sp = {0};
    char name[64];
    snprintf(name, sizeof(name), "%s (attempt %d)", what, attempt);
    if (agent_span_start(lr->aj, &sp, lr->parent, name, NULL))
        return;
    json_t *pl = json_pack("{s:O?, s:O?, s:f, s:i, s:i}", "request", request, "response", response,
                           "latency_ms", latency_ms, "prompt_tokens", prompt_tokens,
                           "completion_tokens", completion_tokens);
    if (error)
        json_object_set_new(pl, "error", json_string(error));
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.payload = pl;
    r.is_failure = error != NULL;
    r.logs = error;
    trace_span_end(&sp, &r, NULL);
    json_decref(pl);
}

static void on_llm_call(void *ctx, const json_t *request, const json_t *response, double latency_ms,
                        int prompt_tokens, int completion_tokens, int attempt, const char *error)
{
    llm_span(ctx, "llm call", request, response, latency_ms, prompt_tokens, completion_tokens,
             attempt, error);
}

enum reel_code agent_recorded_calls(struct store *st, const char *job_id, json_t **out,
                                    struct reel_err *err)
{
    static const char *const keys[] = {"request",    "response",      "error",
                                       "latency_ms", "prompt_tokens", "completion_tokens"};
    struct store_span_list l = {0};
    *out = NULL;
    enum reel_code rc = store_span_list(st, job_id, &l, err);
    if (rc)
        return rc;
    json_t *calls = json_array();
    for (size_t i = 0; i < l.n; i++) {
        const struct store_span *sp = &l.v[i];
        if (!starts_with(sp->step_name, "llm call") || !json_is_object(sp->payload))
            continue;
        json_t *c = json_object();
        for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
            json_t *v = json_object_get(sp->payload, keys[k]);
            if (v)
                json_object_set(c, keys[k], v);
        }
        json_array_append_new(calls, c);
    }
    store_span_list_release(&l);
    if (!json_array_size(calls)) {
        json_decref(calls);
        return reel_fail(err, REEL_ENOTFOUND, job_id,
                         "the job has no recorded model calls (it was planned by the rules "
                         "planner, or not planned yet)");
    }
    *out = calls;
    return REEL_OK;
}

/* The feedback for the version after v, from v's stored results. NULL: none. */
static json_t *feedback_of(struct agent_job *aj, int v, struct reel_err *err)
{
    char key[32];
    json_t *res = NULL, *fb = json_object();
    snprintf(key, sizeof(key), "validate/%d", v);
    if (!agent_stage_get(aj, key, &res, err) && res && !json_is_true(json_object_get(res, "valid")))
        json_object_set(fb, "validation_errors", json_object_get(res, "issues"));
    json_decref(res);
    res = NULL;
    snprintf(key, sizeof(key), "render/%d", v);
    if (!agent_stage_get(aj, key, &res, err) && res && !json_is_true(json_object_get(res, "ok")))
        json_object_set(fb, "ffmpeg_stderr", json_object_get(res, "errors"));
    json_decref(res);
    res = NULL;
    snprintf(key, sizeof(key), "evaluate/%d", v);
    if (!agent_stage_get(aj, key, &res, err) && res) {
        json_object_set(fb, "evaluation", json_object_get(res, "report"));
        json_t *bc = json_object_get(res, "brief_check");
        if (bc && !json_is_true(json_object_get(bc, "passed")))
            json_object_set(fb, "brief", bc);
    }
    json_decref(res);
    if (json_object_size(fb) == 0) {
        json_decref(fb);
        return NULL;
    }
    return fb;
}

/* Stage "<stage>/<v>": its key, and its stored result (*done, owned; NULL when
 * the stage has not finished before). */
static enum reel_code stage_lookup(struct agent_job *aj, const char *stage, int v, char key[32],
                                   json_t **done, struct reel_err *err)
{
    snprintf(key, 32, "%s/%d", stage, v);
    *done = NULL;
    return agent_stage_get(aj, key, done, err);
}

/* Open the stage's span "<stage> v<v>" under the root and announce the stage. */
static enum reel_code stage_open(struct agent_job *aj, const char *stage, int v, const char *detail,
                                 struct trace_span *span, int64_t *t0, struct reel_err *err)
{
    char name[32];
    snprintf(name, sizeof(name), "%s v%d", stage, v);
    enum reel_code rc = agent_span_start(aj, span, &aj->root, name, err);
    if (rc)
        return rc;
    *t0 = now_mono_ms();
    agent_emit_simple(aj, AGENT_EV_STAGE_BEGIN, stage, v, detail);
    return REEL_OK;
}

/* Stage plan/<v>: *plan_out gets the plan document (owned). */
enum reel_code agent_stage_plan(struct agent_job *aj, int v, json_t **plan_out,
                                struct reel_err *err)
{
    char key[32];
    json_t *done = NULL;
    enum reel_code rc = stage_lookup(aj, "plan", v, key, &done, err);
    if (rc)
        return rc;
    struct store_plan sp;
    memset(&sp, 0, sizeof(sp));
    if (done) {
        json_decref(done);
        if ((rc = store_plan_get(aj->st, aj->job.id, v, &sp, err)))
            return rc;
        *plan_out = json_incref(sp.plan_data);
        store_plan_release(&sp);
        agent_emit_simple(aj, AGENT_EV_STAGE_SKIP, "plan", v, NULL);
        return REEL_OK;
    }

    struct trace_span span = {0};
    int64_t t0;
    if ((rc = stage_open(aj, "plan", v, v > 1 ? "revising from feedback" : NULL, &span, &t0, err)))
        return rc;

    json_t *previous = NULL, *feedback = NULL, *plan = NULL, *result = NULL;
    struct planner_result pr;
    planner_result_init(&pr);
    /* a row left by an interrupted run of this stage is the plan (planners are deterministic
     * enough for the rules planner; for a model, the recorded answer is what counts) */
    struct reel_err gerr = REEL_ERR_INIT;
    if (store_plan_get(aj->st, aj->job.id, v, &sp, &gerr) == REEL_OK) {
        plan = json_incref(sp.plan_data);
        store_plan_release(&sp);
        result = json_pack("{s:i, s:b}", "version", v, "recovered", 1);
        goto store_it;
    }

    struct planner_opts po;
    planner_opts_init(&po);
    po.base_url = aj->cfg.llm_base_url;
    po.api_key = aj->cfg.llm_api_key;
    po.model = aj->cfg.llm_model;
    po.stop_at_plan = 1; /* each plan a model writes is a version of its own */
    struct llm_rec lr = {aj, &span};
    struct planner_recorder rec = {on_llm_call, NULL, &lr};
    po.recorder = &rec;
    if (v > 1) {
        /* a revision starts from the best version so far (a worse one is kept as a
         * version, never built on), with that version's feedback and what the
         * versions after it tried */
        int from = agent_best_version(aj, v - 1, NULL);
        if (from < 1)
            from = v - 1;
        if ((rc = store_plan_get(aj->st, aj->job.id, from, &sp, err)))
            goto out;
        previous = json_incref(sp.plan_data);
        store_plan_release(&sp);
        feedback = feedback_of(aj, from, err);
        if (feedback && from < v - 1) {
            json_t *tried = json_array();
            for (int k = from + 1; k < v; k++) {
                struct store_plan tp;
                memset(&tp, 0, sizeof(tp));
                if (store_plan_get(aj->st, aj->job.id, k, &tp, NULL) == REEL_OK) {
                    json_array_append_new(
                        tried, json_pack("{s:i, s:s}", "version", k, "notes",
                                         json_get_str(tp.plan_data, "notes", "")));
                    store_plan_release(&tp);
                }
            }
            json_object_set_new(feedback, "tried", tried);
            json_object_set_new(feedback, "from_version", json_integer(from));
        }
        if (!feedback)
            feedback = json_pack("{s:s}", "note", "the previous version was not golden");
        rc =
            planner_revise(&aj->brief, aj->passets, aj->nassets, previous, feedback, &po, &pr, err);
    } else {
        rc = planner_plan(&aj->brief, aj->passets, aj->nassets, &po, &pr, err);
    }
    /* an invalid plan is still a version: validation reports it and the next version fixes it */
    if (pr.plan)
        plan = json_incref(pr.plan);
    else if (pr.nattempts && pr.attempts[pr.nattempts - 1].plan)
        plan = json_incref(pr.attempts[pr.nattempts - 1].plan);
    if (!plan) {
        if (!rc)
            rc = reel_fail(err, REEL_EINVAL, NULL, "the planner returned no plan");
        reel_err_prefix(err, "planning version %d", v);
        goto out;
    }
    rc = REEL_OK;
    reel_err_clear(err);
    result = planner_result_to_json(&pr);
    json_object_set_new(result, "version", json_integer(v));
    if (aj->brief.explain)
        json_object_set(result, "explain", aj->brief.explain);

store_it : {
    struct store_plan_new np = {.job_id = aj->job.id,
                                .plan_data = plan,
                                .llm_model =
                                    pr.model[0] && strcmp(pr.strategy, "rules") ? pr.model : NULL,
                                .prompt_tokens = pr.calls ? pr.prompt_tokens : -1,
                                .completion_tokens = pr.calls ? pr.completion_tokens : -1,
                                .feedback = feedback};
    char plan_id[STORE_ID_LEN];
    int got_v = v;
    if (!json_is_true(json_object_get(result, "recovered"))) {
        if ((rc = store_plan_add(aj->st, &np, plan_id, &got_v, err)))
            goto out;
        if (got_v != v) {
            rc = reel_fail(err, REEL_ECONFLICT, NULL,
                           "plan version %d was stored as version %d (another writer?)", v, got_v);
            goto out;
        }
        json_object_set_new(result, "plan_id", json_string(plan_id));
    }
    if ((rc = agent_stage_put(aj, key, result, err)))
        goto out;
}
out : {
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = aj->job.id,
                             .stage = "plan",
                             .version = v,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .failed = rc != REEL_OK,
                             .elapsed_ms = now_mono_ms() - t0};
    char msg[200] = "";
    if (!rc)
        snprintf(msg, sizeof(msg), "%s%s%s", pr.strategy[0] ? pr.strategy : "stored",
                 pr.model[0] && strcmp(pr.strategy, "rules") ? " " : "",
                 pr.model[0] && strcmp(pr.strategy, "rules") ? pr.model : "");
    ev.message = rc ? err->msg : msg;
    agent_emit(aj, &ev);
    if (rc) {
        trace_span_fail(&span, err, NULL);
    } else {
        json_t *pl =
            json_pack("{s:O, s:O?, s:O?}", "result", result, "feedback", feedback, "plan", plan);
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.payload = pl;
        trace_span_end(&span, &r, NULL);
        json_decref(pl);
        *plan_out = json_incref(plan);
    }
}
    planner_result_release(&pr);
    json_decref(previous);
    json_decref(feedback);
    json_decref(plan);
    json_decref(result);
    return rc;
}

/* Decode a plan document and give it the job's assets (probed facts from ingest). */
enum reel_code agent_load_plan(struct agent_job *aj, const json_t *doc, struct plan *p,
                               struct plan_issues *issues)
{
    plan_init(p);
    enum reel_code rc = plan_decode(doc, p, issues);
    for (size_t i = 0; i < aj->nassets; i++)
        plan_set_asset_info(p, aj->assets[i].label, aj->assets[i].path, &aj->assets[i].info);
    if (rc)
        return rc;
    return plan_validate(p, issues);
}

enum reel_code agent_stage_validate(struct agent_job *aj, int v, const json_t *doc, int *valid,
                                    struct reel_err *err)
{
    char key[32];
    json_t *done = NULL;
    enum reel_code rc = stage_lookup(aj, "validate", v, key, &done, err);
    if (rc)
        return rc;
    if (done) {
        *valid = json_is_true(json_object_get(done, "valid"));
        json_decref(done);
        agent_emit_simple(aj, AGENT_EV_STAGE_SKIP, "validate", v, NULL);
        return REEL_OK;
    }
    struct trace_span span = {0};
    int64_t t0;
    if ((rc = stage_open(aj, "validate", v, NULL, &span, &t0, err)))
        return rc;
    struct plan p;
    struct plan_issues issues = PLAN_ISSUES_INIT;
    agent_load_plan(aj, doc, &p, &issues);
    *valid = issues.n == 0;
    json_t *ij = plan_issues_to_json(&issues);
    json_t *result = json_pack("{s:b, s:o}", "valid", *valid, "issues", ij);
    rc = agent_stage_put(aj, key, result, err);
    char msg[400];
    if (*valid)
        snprintf(msg, sizeof(msg), "valid");
    else
        snprintf(msg, sizeof(msg), "%zu problem%s, first: %s: %s", issues.n,
                 issues.n == 1 ? "" : "s", issues.v[0].path, issues.v[0].message);
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = aj->job.id,
                             .stage = "validate",
                             .version = v,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .failed = !*valid || rc,
                             .elapsed_ms = now_mono_ms() - t0,
                             .message = rc ? err->msg : msg};
    agent_emit(aj, &ev);
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.payload = result;
    r.is_failure = !*valid || rc;
    r.logs = *valid ? NULL : msg;
    trace_span_end(&span, &r, NULL);
    json_decref(result);
    plan_issues_release(&issues);
    plan_release(&p);
    return rc;
}

/* ---- render ---- */

void agent_on_render_progress(const struct render_progress *pr, void *ud)
{
    struct agent_render_cb *rc = ud;
    struct agent_event ev = {.kind = AGENT_EV_PROGRESS,
                             .job_id = rc->aj->job.id,
                             .stage = "render",
                             .version = rc->v,
                             .item = pr->measure ? "loudness analysis" : NULL,
                             .fraction = pr->percent / 100.0,
                             .speed = pr->speed,
                             .eta_s = pr->eta_s,
                             .score = -1};
    agent_emit(rc->aj, &ev);
    agent_should_stop(rc->aj); /* sets cancel when the job must stop */
}

static const char *container_ext(const struct plan *p)
{
    switch (p->output.container) {
    case CONT_MOV:
        return "mov";
    case CONT_MKV:
        return "mkv";
    case CONT_WEBM:
        return "webm";
    default:
        return "mp4";
    }
}

/* The lines of FFmpeg's relevant stderr as a JSON array (at most 40). */
static json_t *lines_json(const char *text)
{
    json_t *a = json_array();
    const char *s = text ? text : "";
    while (*s && json_array_size(a) < 40) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (n > 0)
            json_array_append_new(a, json_stringn(s, n < 500 ? n : 500));
        s += n + (nl ? 1 : 0);
    }
    return a;
}

/* Render a plan doc into out_path with the given preset override (NULL: the plan's). */
enum reel_code agent_render_doc(struct agent_job *aj, const json_t *doc, const char *out_path,
                                const char *preset, render_progress_fn cb, void *ud,
                                struct render_result *rr, struct reel_err *err)
{
    struct plan p;
    struct plan_issues issues = PLAN_ISSUES_INIT;
    enum reel_code rc = agent_load_plan(aj, doc, &p, &issues);
    if (rc) {
        rc = reel_fail(err, REEL_EINVAL, issues.n ? issues.v[0].path : NULL,
                       "the plan does not validate: %s", issues.n ? issues.v[0].message : "?");
        goto out;
    }
    struct render_opts ro = RENDER_OPTS_INIT;
    ro.transcripts = aj->transcripts;
    ro.preset = preset;
    ro.ffmpeg = aj->cfg.ffmpeg;
    rc = render_plan(&p, &ro, out_path, cb, ud, &aj->cancel, rr, err);
out:
    plan_issues_release(&issues);
    plan_release(&p);
    return rc;
}

enum reel_code agent_stage_render(struct agent_job *aj, int v, const json_t *doc, int *ok,
                                  json_t **result_out, struct reel_err *err)
{
    char key[32];
    json_t *done = NULL;
    enum reel_code rc = stage_lookup(aj, "render", v, key, &done, err);
    if (rc)
        return rc;
    if (done) {
        *ok = json_is_true(json_object_get(done, "ok"));
        *result_out = done;
        agent_emit_simple(aj, AGENT_EV_STAGE_SKIP, "render", v, NULL);
        return REEL_OK;
    }
    struct trace_span span = {0};
    int64_t t0;
    if ((rc = stage_open(aj, "render", v, NULL, &span, &t0, err)))
        return rc;

    /* the container decides the extension */
    struct plan p;
    struct plan_issues issues = PLAN_ISSUES_INIT;
    plan_init(&p);
    plan_decode(doc, &p, &issues);
    const char *ext = container_ext(&p);
    plan_release(&p);
    plan_issues_release(&issues);

    char *dir = xasprintf("%s/renders/%s", aj->cfg.data_dir, aj->job.id);
    char *out_path = xasprintf("%s/v%d.%s", dir, v, ext);
    const char *preset = getenv("REEL_RENDER_PRESET");
    if (preset && !*preset)
        preset = NULL;
    struct render_result rr;
    render_result_init(&rr);
    struct agent_render_cb cb = {aj, v};
    json_t *result = NULL;
    rc = mkdir_p(dir, err);
    if (!rc)
        rc = agent_render_doc(aj, doc, out_path, preset, agent_on_render_progress, &cb, &rr, err);
    if (rc == REEL_ECANCELED || (aj->stopped && rc)) {
        trace_span_fail(&span, err, NULL);
        goto out;
    }
    *ok = rc == REEL_OK;
    result = json_pack("{s:b, s:s, s:s?, s:i}", "ok", *ok, "path", out_path, "preset", preset,
                       "threads", RENDER_DEFAULT_THREADS);
    json_object_set_new(result, "ffmpeg", render_run_info_to_json(&rr.final));
    if (rr.measure.exit_status != -1)
        json_object_set_new(result, "measure", render_run_info_to_json(&rr.measure));
    json_object_set_new(result, "duration", json_real(rr.duration));
    if (*ok) {
        char sha[65];
        if ((rc = sha256_file_hex(out_path, sha, err)))
            goto out;
        json_object_set_new(result, "sha256", json_string(sha));
        char rid[STORE_ID_LEN];
        struct store_render_new nr = {
            .job_id = aj->job.id, .path = out_path, .plan_version = v, .sha256 = sha, .score = -1};
        if ((rc = store_render_add(aj->st, &nr, rid, err)))
            goto out;
        json_object_set_new(result, "render_id", json_string(rid));
    } else if (rc == REEL_ETOOL || rc == REEL_EINVAL) {
        /* FFmpeg rejected the plan: that goes back to the planner */
        json_object_set_new(result, "error", json_string(err->msg));
        json_object_set_new(result, "errors",
                            lines_json(rr.final.errors.len ? rr.final.errors.buf : err->msg));
        rc = REEL_OK;
    } else {
        goto out; /* a system failure (no ffmpeg, disk full): the job is retried */
    }
    if ((rc = agent_stage_put(aj, key, result, err)))
        goto out;
    {
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.ffmpeg_args = rr.final.shell;
        r.render_time_ms = (int)rr.final.render_time_ms;
        r.logs = *ok ? NULL : rr.final.log.buf;
        r.payload = result;
        r.child_usage = &rr.final.ru;
        r.is_failure = !*ok;
        trace_span_end(&span, &r, NULL);
    }
out : {
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = aj->job.id,
                             .stage = "render",
                             .version = v,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .failed = rc != REEL_OK || !*ok,
                             .elapsed_ms = now_mono_ms() - t0};
    ev.message = rc ? err->msg : *ok ? NULL : json_get_str(result, "error", "ffmpeg failed");
    agent_emit(aj, &ev);
}
    if (rc) {
        if (span.open)
            trace_span_fail(&span, err, NULL);
        json_decref(result);
    } else {
        *result_out = result;
    }
    render_result_release(&rr);
    free(out_path);
    free(dir);
    return rc;
}

/* ---- evaluate ---- */

/* The footage's words mapped through the cuts to render time: [{start,end,word}]. */
static json_t *render_words(struct agent_job *aj, const struct plan *p)
{
    json_t *out = json_array();
    struct plan_timeline tl;
    memset(&tl, 0, sizeof(tl));
    if (plan_timeline(p, &tl, NULL))
        return out;
    for (size_t i = 0; i < tl.nspans; i++) {
        const struct plan_op *op = &p->ops[tl.spans[i].op_index];
        if (op->kind != OP_CUT || !op->asset || op->out < 0)
            continue;
        const json_t *tr = json_object_get(aj->transcripts, op->asset);
        json_t *words = json_object_get(tr, "words");
        double speed = op->speed > 0 ? op->speed : 1;
        double t_start = tl.spans[i].start_frame / tl.fps;
        size_t k;
        json_t *w;
        json_array_foreach(words, k, w)
        {
            double s = json_get_num(w, "start", -1), e = json_get_num(w, "end", -1);
            if (s < op->in || e > op->out)
                continue;
            json_array_append_new(out, json_pack("{s:f, s:f, s:s}", "start",
                                                 t_start + (s - op->in) / speed, "end",
                                                 t_start + (e - op->in) / speed, "word",
                                                 json_get_str(w, "word", "")));
        }
    }
    plan_timeline_release(&tl);
    return out;
}

static void on_judge_call(void *ctx, const json_t *request, const json_t *response,
                          double latency_ms, int prompt_tokens, int completion_tokens, int attempt,
                          const char *error)
{
    /* not "llm call": those are the planning's, which a replay feeds back in order */
    llm_span(ctx, "llm judge", request, response, latency_ms, prompt_tokens, completion_tokens,
             attempt, error);
}

/*
 * With a model configured, it judges the render's hook and pacing from
 * keyframes and the transcript (eval's retention metric, issue 8). The
 * judgement is recorded in the report (report.llm_judgement and the
 * retention metric's evidence, with its tokens and cost) and reaches the
 * planner with the report; it does not move the score, so scores stay
 * reproducible without a model. A failed call is recorded, never fatal.
 */
static void judge_render(struct agent_job *aj, struct trace_span *parent, const char *path,
                         const json_t *words, json_t *report)
{
    if (!aj->cfg.llm_base_url || !*aj->cfg.llm_base_url || !aj->cfg.llm_model ||
        !*aj->cfg.llm_model)
        return;
    struct planner_opts po;
    planner_opts_init(&po);
    po.base_url = aj->cfg.llm_base_url;
    po.api_key = aj->cfg.llm_api_key;
    po.model = aj->cfg.llm_model;
    struct llm_rec lr = {aj, parent};
    struct planner_recorder rec = {on_judge_call, NULL, &lr};
    po.recorder = &rec;
    struct planner_asset ra;
    memset(&ra, 0, sizeof(ra));
    ra.label = "render";
    ra.path = path;
    struct reel_err e = REEL_ERR_INIT;
    json_t *j = NULL;
    if (media_probe(path, &ra.probe, &e) == REEL_OK)
        planner_judge(&aj->brief, &ra, words, &po, &j, &e);
    if (!j)
        j = json_pack("{s:s, s:s}", "error", e.msg[0] ? e.msg : "no judgement", "model",
                      aj->cfg.llm_model);
    json_object_set(report, "llm_judgement", j);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(report, "metrics"), i, m)
    {
        if (!strcmp(json_get_str(m, "metric", ""), "retention") &&
            json_is_object(json_object_get(m, "evidence")))
            json_object_set(json_object_get(m, "evidence"), "llm", j);
    }
    json_decref(j);
}

/*
 * The render's own sound, transcribed again for the captions metric's
 * hearing check (span "hear"), when some caption cue comes from speech or a
 * script. Returns the heard words (new reference) or NULL: no such cue, or
 * the recogniser failed (the span says why; the metric then notes the
 * captions were not heard).
 */
static json_t *hear_render(struct agent_job *aj, struct trace_span *parent, const char *path,
                           const json_t *cues)
{
    size_t spoken = render_cues_spoken(cues);
    if (!spoken)
        return NULL;
    struct trace_span sp = {0};
    struct reel_err err = REEL_ERR_INIT;
    if (agent_span_start(aj, &sp, parent, "hear", &err))
        return NULL;
    struct transcribe_opts to = TRANSCRIBE_OPTS_INIT;
    transcribe_opts_from_config(&to, &aj->cfg);
    struct transcript t;
    transcript_init(&t);
    json_t *words = NULL;
    enum reel_code rc = transcribe_file(path, &to, &t, &err);
    json_t *pl = json_pack("{s:s, s:I}", "file", path, "cues", (json_int_t)spoken);
    if (!rc) {
        json_t *j = transcript_to_json(&t);
        words = json_incref(json_object_get(j, "words"));
        json_decref(j);
        json_object_set_new(pl, "words", json_integer((json_int_t)json_array_size(words)));
    }
    agent_span_end(&sp, pl, rc ? err.msg : NULL);
    json_decref(pl);
    transcript_release(&t);
    return words;
}

enum reel_code agent_stage_evaluate(struct agent_job *aj, int v, const json_t *doc,
                                    const json_t *rendered, double *score, int *golden,
                                    struct reel_err *err)
{
    char key[32];
    json_t *done = NULL;
    enum reel_code rc = stage_lookup(aj, "evaluate", v, key, &done, err);
    if (rc)
        return rc;
    if (done) {
        *score = json_get_num(done, "score", 0);
        *golden = json_is_true(json_object_get(done, "golden"));
        json_decref(done);
        agent_emit_simple(aj, AGENT_EV_STAGE_SKIP, "evaluate", v, NULL);
        return REEL_OK;
    }
    struct trace_span span = {0};
    int64_t t0;
    if ((rc = stage_open(aj, "evaluate", v, NULL, &span, &t0, err)))
        return rc;
    struct plan p;
    struct plan_issues issues = PLAN_ISSUES_INIT;
    json_t *report = NULL, *result = NULL, *words = NULL, *bc = NULL;
    agent_load_plan(aj, doc, &p, &issues);
    struct eval_opts eo = EVAL_OPTS_INIT;
    eo.pace = agent_pace_name(aj->brief.pace);
    eo.style = aj->brief.style;
    eo.weights_spec = getenv("REEL_EVAL_WEIGHTS");
    for (size_t i = 0; i < aj->nassets; i++)
        if (aj->brief.music && !strcmp(aj->assets[i].label, aj->brief.music))
            eo.music_beats =
                json_object_get(json_object_get(aj->assets[i].metadata, "analysis"), "beats");
    words = render_words(aj, &p);
    eo.transcript = words;
    /* the text of transcript captions, as the render burned it, for the OCR check */
    json_t *cues = NULL;
    struct reel_err cerr = REEL_ERR_INIT;
    if (render_caption_cues(&p, aj->transcripts, &cues, &cerr) == REEL_OK)
        eo.caption_cues = cues;
    const char *path = json_get_str(rendered, "path", "");
    json_t *heard = hear_render(aj, &span, path, cues);
    eo.heard = heard;
    rc = eval_render(path, &p, &eo, &report, err);
    json_decref(cues);
    json_decref(heard);
    if (rc)
        goto out;
    judge_render(aj, &span, path, words, report);
    *score = json_get_num(report, "overall", 0);
    bc = agent_brief_check(aj, &p, json_get_num(rendered, "duration", 0));
    *golden = eval_is_golden(report) && json_is_true(json_object_get(bc, "passed"));
    result = json_pack("{s:f, s:b, s:O, s:O}", "score", *score, "golden", *golden, "report", report,
                       "brief_check", bc);
    const char *rid = json_get_str(rendered, "render_id", NULL);
    if (rid && (rc = store_render_set_score(aj->st, rid, *score, report, err)))
        goto out;
    if ((rc = agent_stage_put(aj, key, result, err)))
        goto out;
out : {
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = aj->job.id,
                             .stage = "evaluate",
                             .version = v,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = rc ? -1 : *score,
                             .failed = rc != REEL_OK,
                             .elapsed_ms = now_mono_ms() - t0};
    ev.message = rc ? err->msg : *golden ? "golden" : "not golden";
    agent_emit(aj, &ev);
    if (rc) {
        trace_span_fail(&span, err, NULL);
    } else {
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.payload = result;
        trace_span_end(&span, &r, NULL);
    }
}
    json_decref(report);
    json_decref(result);
    json_decref(words);
    json_decref(bc);
    plan_issues_release(&issues);
    plan_release(&p);
    return rc;
}
