/*
 * The job lifecycle: ingest -> (plan -> validate -> render -> evaluate)* -> decide.
 *
 * Every stage looks up its stored result first and only does the work when
 * there is none, then stores the result before the next stage starts. That
 * one rule is what makes a job resumable by another worker after a crash:
 * the stage keys are "ingest", "ingest/<label>", "plan/<v>", "validate/<v>",
 * "render/<v>", "evaluate/<v>" and "decide", and the feedback for version
 * v + 1 is rebuilt from the stored results of version v.
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
#include "core/banned.h"

/* ---- events, stages, spans ---- */

int agent_should_stop(struct agent_job *aj)
{
    if (aj->stopped)
        return 1;
    if (aj->o && aj->o->keepalive && aj->o->keepalive(aj->o->keepalive_ctx)) {
        aj->stopped = 1;
        aj->cancel = 1;
    }
    return aj->stopped;
}

void agent_emit(struct agent_job *aj, const struct agent_event *ev)
{
    if (aj->o && aj->o->on_event)
        aj->o->on_event(ev, aj->o->ctx);
    /* `reel wait` and the HTTP API follow the job through the stored events;
     * progress is stored at most about once a second */
    if (ev->kind == AGENT_EV_PROGRESS) {
        int64_t now = now_mono_ms();
        if (now - aj->last_progress_store_ms < 1000 && ev->fraction < 1)
            return;
        aj->last_progress_store_ms = now;
    }
    json_t *j = agent_event_to_json(ev);
    store_event_append(aj->st, aj->job.id, ev->kind == AGENT_EV_PROGRESS ? "progress" : "agent", j,
                       NULL, NULL);
    json_decref(j);
}

void agent_emit_simple(struct agent_job *aj, enum agent_event_kind kind, const char *stage,
                       int version, const char *message)
{
    struct agent_event ev = {.kind = kind,
                             .job_id = aj->job.id,
                             .stage = stage,
                             .version = version,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .message = message};
    agent_emit(aj, &ev);
}

enum reel_code agent_stage_get(struct agent_job *aj, const char *stage, json_t **out,
                               struct reel_err *err)
{
    *out = NULL;
    return store_stage_get(aj->st, aj->job.id, stage, out, err);
}

enum reel_code agent_stage_put(struct agent_job *aj, const char *stage, const json_t *result,
                               struct reel_err *err)
{
    return store_stage_put(aj->st, aj->job.id, stage, result, aj->worker_arg, err);
}

enum reel_code agent_span_start(struct agent_job *aj, struct trace_span *sp,
                                const struct trace_span *parent, const char *name,
                                struct reel_err *err)
{
    return trace_span_start(sp, aj->st, aj->job.id, aj->job.trace_id,
                            parent ? parent->span_id : NULL, name, err);
}

void agent_span_end(struct trace_span *sp, const json_t *payload, const char *fail_msg)
{
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.payload = payload;
    r.is_failure = fail_msg != NULL;
    r.logs = fail_msg;
    trace_span_end(sp, &r, NULL);
}

const char *agent_pace_name(enum planner_pace p)
{
    switch (p) {
    case PACE_SLOW:
        return "slow";
    case PACE_FAST:
        return "fast";
    case PACE_MEDIUM:
        return "medium";
    default:
        return NULL;
    }
}

/* ---- submit ---- */

static void unique_labels(struct agent_request *r)
{
    for (size_t i = 0; i < r->ninputs; i++) {
        char base[64];
        if (r->inputs[i].label)
            snprintf(base, sizeof(base), "%s", r->inputs[i].label);
        else
            agent_label_from_path(r->inputs[i].path, base, sizeof(base));
        char cand[80];
        snprintf(cand, sizeof(cand), "%s", base);
        for (int k = 2;; k++) {
            int taken = 0;
            for (size_t j = 0; j < i; j++)
                taken |= !strcmp(r->inputs[j].label, cand);
            if (!taken)
                break;
            snprintf(cand, sizeof(cand), "%s_%d", base, k);
        }
        free(r->inputs[i].label);
        r->inputs[i].label = xstrdup(cand);
    }
}

enum reel_code agent_submit(struct store *st, const struct agent_request *req0, char job_id[37],
                            struct reel_err *err)
{
    if (!req0->brief || !*req0->brief)
        return reel_fail(err, REEL_EINVAL, "brief", "the brief is empty: say what the edit is for");
    struct agent_request req;
    agent_request_init(&req);
    json_t *rj = agent_request_to_json(req0);
    enum reel_code rc = agent_request_from_json(rj, &req, err);
    json_decref(rj);
    if (rc)
        goto out;
    for (size_t i = 0; i < req.ninputs; i++) {
        struct stat sb;
        if (stat(req.inputs[i].path, &sb) != 0) {
            rc = reel_fail(err, errno == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, req.inputs[i].path,
                           "cannot read asset %s: %s", req.inputs[i].path, strerror(errno));
            goto out;
        }
        if (!S_ISREG(sb.st_mode)) {
            rc = reel_fail(err, REEL_EINVAL, req.inputs[i].path, "asset %s is not a regular file",
                           req.inputs[i].path);
            goto out;
        }
        /* workers may run in another directory: store absolute paths */
        char *abs = realpath(req.inputs[i].path, NULL);
        if (abs) {
            free(req.inputs[i].path);
            req.inputs[i].path = abs;
        }
    }
    if (req.output && req.output[0] != '/') {
        char cwd[4096];
        if (getcwd(cwd, sizeof(cwd))) {
            char *abs = xasprintf("%s/%s", cwd, req.output);
            free(req.output);
            req.output = abs;
        }
    }
    unique_labels(&req);
    char title[256];
    if (req.title && *req.title)
        snprintf(title, sizeof(title), "%.255s", req.title);
    else {
        /* the brief's first line, shortened at a word boundary */
        snprintf(title, sizeof(title), "%.80s", req.brief);
        char *nl = strchr(title, '\n');
        if (nl)
            *nl = '\0';
        if (strlen(req.brief) > 80) {
            char *sp = strrchr(title, ' ');
            if (sp && sp > title + 40)
                *sp = '\0';
        }
    }
    json_t *brief = agent_request_to_json(&req);
    /* the asset rows exist from the start, pointing at the files as given;
     * ingest moves them into the media store and fills in what they are */
    struct store_asset_new *na = xcalloc(req.ninputs + 1, sizeof(*na));
    for (size_t i = 0; i < req.ninputs; i++) {
        na[i].storage_url = req.inputs[i].path;
        na[i].asset_type = req.inputs[i].type != AGENT_ASSET_GUESS
                               ? agent_asset_type_name(req.inputs[i].type)
                               : agent_asset_type_guess_name(req.inputs[i].path);
        na[i].label = req.inputs[i].label;
    }
    struct store_job_new nj = {.user_id = req0->user_id,
                               .title = title,
                               .brief = brief,
                               .priority = req0->priority,
                               .max_attempts = req0->max_attempts,
                               .assets = na,
                               .nassets = req.ninputs};
    rc = store_job_create(st, &nj, job_id, NULL, err);
    free(na);
    json_decref(brief);
out:
    agent_request_release(&req);
    return rc;
}

/* ---- decide ---- */

/* The earlier version whose plan equals this one (notes aside), or 0. */
static int repeats_version(struct agent_job *aj, int v, const json_t *plan)
{
    json_t *a = json_deep_copy(plan);
    json_object_del(a, "notes");
    int found = 0;
    for (int k = v - 1; k >= 1 && !found; k--) {
        struct store_plan sp;
        memset(&sp, 0, sizeof(sp));
        if (store_plan_get(aj->st, aj->job.id, k, &sp, NULL) != REEL_OK)
            continue;
        json_t *b = json_deep_copy(sp.plan_data);
        json_object_del(b, "notes");
        if (json_equal(a, b))
            found = k;
        json_decref(b);
        store_plan_release(&sp);
    }
    json_decref(a);
    return found;
}

/* Why a version was not golden, one clause per failing gate, with the advice. */
static void why_not_golden(struct agent_job *aj, int v, struct buf *out)
{
    char key[32];
    json_t *res = NULL;
    snprintf(key, sizeof(key), "evaluate/%d", v);
    if (agent_stage_get(aj, key, &res, NULL) || !res)
        return;
    json_t *bc = json_object_get(res, "brief_check");
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(bc, "problems"), i, m)
        buf_addf(out, "; %s", json_string_value(m));
    json_t *report = json_object_get(res, "report");
    json_array_foreach(json_object_get(report, "metrics"), i, m)
    {
        if (json_is_true(json_object_get(m, "gate")) || !json_object_get(m, "gate"))
            continue;
        buf_addf(out, "; %s gate failed (score %.2f)", json_get_str(m, "metric", "?"),
                 json_get_num(m, "score", 0));
        json_t *adv = json_array_get(json_object_get(m, "advice"), 0);
        if (json_is_string(adv))
            buf_addf(out, ": %s", json_string_value(adv));
    }
    double overall = json_get_num(report, "overall", 0);
    if (overall <= EVAL_GOLDEN_SCORE)
        buf_addf(out, "; overall score %.3f is not above %.2f", overall, EVAL_GOLDEN_SCORE);
    json_decref(res);
}

/* Copy the render to the request's output path (-o), when there is one. */
static enum reel_code deliver_output(struct agent_job *aj, const char *render_path,
                                     json_t *decision, struct reel_err *err)
{
    if (!aj->req.output)
        return REEL_OK;
    enum reel_code rc = REEL_OK;
    char *slash = strrchr(aj->req.output, '/');
    if (slash) {
        char *d = xstrndup(aj->req.output, (size_t)(slash - aj->req.output));
        if (*d)
            rc = mkdir_p(d, err);
        free(d);
    }
    if (!rc)
        rc = agent_copy_file(render_path, aj->req.output, err);
    if (!rc)
        json_object_set_new(decision, "output", json_string(aj->req.output));
    return rc;
}

static enum reel_code deliver(struct agent_job *aj, int v, const char *render_path,
                              json_t *decision, struct reel_err *err)
{
    const char *ext = strrchr(render_path, '.');
    char *gdir = xasprintf("%s/golden", aj->cfg.data_dir);
    char *gpath = xasprintf("%s/%s-v%d%s", gdir, aj->job.id, v, ext ? ext : "");
    enum reel_code rc = mkdir_p(gdir, err);
    if (!rc)
        rc = agent_copy_file(render_path, gpath, err);
    if (!rc)
        json_object_set_new(decision, "golden_path", json_string(gpath));
    if (!rc)
        rc = deliver_output(aj, render_path, decision, err);
    free(gdir);
    free(gpath);
    return rc;
}

static void fill_result(struct agent_result *res, const json_t *d)
{
    snprintf(res->status, sizeof(res->status), "%s", json_get_str(d, "status", "failed"));
    res->best_version = (int)json_get_int(d, "best_version", 0);
    res->best_score = json_get_num(d, "score", -1);
    res->golden = json_get_bool(d, "golden", 0);
    res->versions = (int)json_get_int(d, "versions", 0);
    free(res->render_path);
    free(res->output_path);
    free(res->reason);
    const char *s;
    res->render_path = (s = json_get_str(d, "render", NULL)) ? xstrdup(s) : NULL;
    res->output_path = (s = json_get_str(d, "output", NULL)) ? xstrdup(s) : NULL;
    res->reason = (s = json_get_str(d, "reason", NULL)) ? xstrdup(s) : NULL;
    json_t *e = json_object_get(d, "error");
    if (e) {
        const char *code = json_get_str(e, "code", "invalid");
        res->err.code = REEL_EINVAL;
        for (int c = 1; c < REEL_CODE_COUNT; c++)
            if (!strcmp(reel_code_name((enum reel_code)c), code))
                res->err.code = (enum reel_code)c;
        snprintf(res->err.path, sizeof(res->err.path), "%s", json_get_str(e, "path", ""));
        snprintf(res->err.msg, sizeof(res->err.msg), "%s", json_get_str(e, "message", ""));
    }
}

static json_t *error_json(const struct reel_err *e)
{
    json_t *o = json_pack("{s:s, s:s}", "code", reel_code_name(e->code), "message", e->msg);
    if (e->path[0])
        json_object_set_new(o, "path", json_string(e->path));
    return o;
}

/* Store the decision, end the trace's decide span, tell the caller. */
static enum reel_code decide(struct agent_job *aj, json_t *decision, struct agent_result *res,
                             struct reel_err *err)
{
    struct trace_span span = {0};
    enum reel_code rc = agent_span_start(aj, &span, &aj->root, "decide", err);
    if (rc)
        return rc;
    rc = agent_stage_put(aj, "decide", decision, err);
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.payload = decision;
    r.is_failure = strcmp(json_get_str(decision, "status", ""), "failed") == 0;
    r.logs = json_get_str(decision, "reason", NULL);
    trace_span_end(&span, &r, NULL);
    if (!rc)
        fill_result(res, decision);
    return rc;
}

static json_t *failed_decision(const struct reel_err *e, const char *stage, int versions)
{
    char reason[700];
    snprintf(reason, sizeof(reason), "%s failed: %s%s%s", stage, e->path[0] ? e->path : "",
             e->path[0] ? ": " : "", e->msg);
    return json_pack("{s:s, s:s, s:o, s:i, s:i, s:f, s:b}", "status", "failed", "reason", reason,
                     "error", error_json(e), "versions", versions, "best_version", 0, "score", -1.0,
                     "golden", 0);
}

/* Errors that no revision can fix and no retry will change. */
static int is_unrecoverable(enum reel_code rc)
{
    return rc == REEL_EINVAL || rc == REEL_ENOTFOUND || rc == REEL_EUSAGE || rc == REEL_EAUTH ||
           rc == REEL_ELIMIT;
}

/* ---- the run ---- */

static void job_release(struct agent_job *aj)
{
    agent_assets_release(aj);
    planner_brief_release(&aj->brief);
    agent_request_release(&aj->req);
    store_job_release(&aj->job);
    config_release(&aj->cfg);
}

static enum reel_code job_setup(struct agent_job *aj, struct store *st, const char *job_id,
                                const struct agent_opts *o, struct reel_err *err)
{
    memset(aj, 0, sizeof(*aj));
    aj->st = st;
    aj->o = o;
    config_load(&aj->cfg);
    agent_request_init(&aj->req);
    planner_brief_init(&aj->brief);
    if (o && o->worker_id) {
        snprintf(aj->worker, sizeof(aj->worker), "%s", o->worker_id);
        aj->worker_arg = aj->worker;
    } else {
        snprintf(aj->worker, sizeof(aj->worker), "pid-%d", (int)getpid());
    }
    enum reel_code rc = store_job_get(st, job_id, &aj->job, err);
    if (rc)
        return rc;
    rc = agent_request_from_json(aj->job.brief, &aj->req, err);
    if (rc)
        reel_err_prefix(err, "job %s has a malformed request", job_id);
    return rc;
}

enum reel_code agent_run(struct store *st, const char *job_id, const struct agent_opts *o,
                         struct agent_result *res, struct reel_err *err)
{
    struct agent_job aj;
    enum reel_code rc = job_setup(&aj, st, job_id, o, err);
    snprintf(res->job_id, sizeof(res->job_id), "%s", job_id);
    json_t *decision = NULL, *plan = NULL, *rendered = NULL;
    if (rc)
        goto out;

    /* a job that already decided (its worker died after storing it) */
    if ((rc = agent_stage_get(&aj, "decide", &decision, err)))
        goto out;
    if (decision) {
        fill_result(res, decision);
        goto end_event;
    }

    char root_name[64];
    snprintf(root_name, sizeof(root_name), "job (attempt %d)", aj.job.attempts);
    if ((rc = trace_span_start(&aj.root, st, aj.job.id, aj.job.trace_id, NULL, root_name, err)))
        goto out;
    {
        struct agent_event ev = {.kind = AGENT_EV_JOB_BEGIN,
                                 .job_id = aj.job.id,
                                 .fraction = -1,
                                 .eta_s = -1,
                                 .score = -1,
                                 .message = aj.job.title};
        agent_emit(&aj, &ev);
    }

    rc = agent_ingest(&aj, err);
    if (rc) {
        if (!is_unrecoverable(rc))
            goto out;
        decision = failed_decision(err, "ingest", 0);
        goto decide_now;
    }
    if ((rc = agent_build_brief(&aj, err))) {
        if (!is_unrecoverable(rc))
            goto out;
        decision = failed_decision(err, "the brief", 0);
        goto decide_now;
    }

    int maxv = 1 + aj.req.max_revisions;
    int best_v = 0, last_v = 0, golden_v = 0, repeat_v = 0, repeat_of = 0;
    double best_score = -1;
    char *best_path = NULL;
    struct reel_err last_err = REEL_ERR_INIT;
    for (int v = 1; v <= maxv; v++) {
        last_v = v;
        json_decref(plan);
        json_decref(rendered);
        plan = rendered = NULL;
        if (agent_should_stop(&aj)) {
            rc = reel_fail(err, REEL_ECANCELED, NULL, "stopped before version %d", v);
            break;
        }
        if ((rc = agent_stage_plan(&aj, v, &plan, err))) {
            if (is_unrecoverable(rc)) {
                decision = failed_decision(err, "planning", v - 1);
                rc = REEL_OK;
            }
            break;
        }
        /* a revision that gives back a plan already tried has nothing new to
         * offer: the job ends here, saying so, instead of rendering it again */
        int same = v > 1 ? repeats_version(&aj, v, plan) : 0;
        if (same) {
            repeat_v = v;
            repeat_of = same;
            last_v = v - 1;
            break;
        }
        int valid = 0, ok = 0, golden = 0;
        double score = -1;
        if ((rc = agent_stage_validate(&aj, v, plan, &valid, err)))
            break;
        if (!valid) {
            snprintf(last_err.msg, sizeof(last_err.msg), "plan version %d does not validate", v);
            continue;
        }
        if ((rc = agent_stage_render(&aj, v, plan, &ok, &rendered, err)))
            break;
        if (!ok) {
            snprintf(last_err.msg, sizeof(last_err.msg), "render of version %d failed: %s", v,
                     json_get_str(rendered, "error", "ffmpeg failed"));
            last_err.code = REEL_ETOOL;
            continue;
        }
        if ((rc = agent_stage_evaluate(&aj, v, plan, rendered, &score, &golden, err)))
            break;
        if (agent_best_version(&aj, v, NULL) == v) {
            best_score = score;
            best_v = v;
            free(best_path);
            best_path = xstrdup(json_get_str(rendered, "path", ""));
        }
        if (golden) {
            golden_v = v;
            break;
        }
    }
    if (rc || decision) {
        free(best_path);
        if (rc && is_unrecoverable(rc)) {
            decision = failed_decision(err, "the job", last_v);
            rc = REEL_OK;
        }
        if (rc)
            goto out;
        goto decide_now;
    }
    if (golden_v) {
        decision = json_pack("{s:s, s:i, s:i, s:f, s:b, s:s}", "status", "completed",
                             "best_version", golden_v, "versions", last_v, "score", best_score,
                             "golden", 1, "render", best_path);
        char reason[300];
        snprintf(reason, sizeof(reason),
                 "version %d scored %.3f (> %.2f) and passed every gate: golden render", golden_v,
                 best_score, EVAL_GOLDEN_SCORE);
        json_object_set_new(decision, "reason", json_string(reason));
        rc = deliver(&aj, golden_v, best_path, decision, err);
        if (rc == REEL_OK) {
            char rkey[32];
            json_t *rr = NULL;
            snprintf(rkey, sizeof(rkey), "render/%d", golden_v);
            if (!agent_stage_get(&aj, rkey, &rr, NULL) && rr && json_get_str(rr, "render_id", NULL))
                rc = store_render_set_golden(st, json_get_str(rr, "render_id", ""), 1, err);
            json_decref(rr);
        }
        if (rc) {
            free(best_path);
            goto out;
        }
    } else if (best_v) {
        struct buf why = BUF_INIT;
        if (repeat_v) {
            /* the planner's own words for why nothing more could change */
            const char *notes = json_get_str(plan, "notes", "");
            const char *r = strstr(notes, "revision: ");
            buf_addf(&why,
                     "%d plan version%s without a golden render; the best is version %d with "
                     "score %.3f, kept for review at %s; revising stopped: revision %d repeated "
                     "version %d%s%s",
                     last_v, last_v == 1 ? "" : "s", best_v, best_score, best_path, repeat_v,
                     repeat_of, r ? ": " : "", r ? r + 10 : "");
            while (why.len && (why.buf[why.len - 1] == ';' || why.buf[why.len - 1] == ' '))
                buf_setlen(&why, why.len - 1);
        } else
            buf_addf(&why,
                     "%d plan version%s without a golden render (revisions spent); the best is "
                     "version %d with score %.3f, kept for review at %s",
                     last_v, last_v == 1 ? "" : "s", best_v, best_score, best_path);
        why_not_golden(&aj, best_v, &why);
        decision = json_pack("{s:s, s:i, s:i, s:f, s:b, s:s, s:s}", "status", "review_required",
                             "best_version", best_v, "versions", last_v, "score", best_score,
                             "golden", 0, "render", best_path, "reason", why.buf);
        buf_release(&why);
        /* -o gets the best render too, to review where it was asked for;
         * the status (and the exit status) still says it is not golden */
        if ((rc = deliver_output(&aj, best_path, decision, err))) {
            free(best_path);
            goto out;
        }
    } else {
        /* no version rendered: every plan was invalid or every render failed */
        if (!last_err.code)
            last_err.code = REEL_EINVAL;
        decision = failed_decision(&last_err, "every plan version", last_v);
    }
    free(best_path);

decide_now:
    if ((rc = decide(&aj, decision, res, err)))
        goto out;
end_event : {
    struct agent_event ev = {.kind = AGENT_EV_JOB_END,
                             .job_id = aj.job.id,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = res->best_score,
                             .status = res->status,
                             .message = res->reason};
    agent_emit(&aj, &ev);
}
out:
    if (aj.root.open) {
        if (rc)
            trace_span_fail(&aj.root, err, NULL);
        else {
            json_t *pl = agent_result_to_json(res);
            struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
            r.payload = pl;
            r.is_failure = strcmp(res->status, "failed") == 0;
            trace_span_end(&aj.root, &r, NULL);
            json_decref(pl);
        }
    }
    json_decref(decision);
    json_decref(plan);
    json_decref(rendered);
    job_release(&aj);
    return rc;
}

/* ---- a stored plan, for export ---- */

enum reel_code agent_plan_load(struct store *st, const char *job_id, int version, struct plan *p,
                               int *version_out, json_t **transcripts, struct reel_err *err)
{
    if (transcripts)
        *transcripts = NULL;
    struct agent_job aj;
    struct store_plan sp;
    struct plan_issues issues = PLAN_ISSUES_INIT;
    memset(&sp, 0, sizeof(sp));
    plan_init(p);
    enum reel_code rc = job_setup(&aj, st, job_id, NULL, err);
    if (!rc)
        rc = store_plan_get(st, aj.job.id, version, &sp, err);
    if (!rc)
        rc = agent_assets_load(&aj, err);
    if (!rc) {
        *version_out = sp.version;
        plan_release(p);
        if (agent_load_plan(&aj, sp.plan_data, p, &issues) != REEL_OK || issues.n)
            rc = reel_fail(err, REEL_EINVAL, issues.n ? issues.v[0].path : NULL,
                           "version %d of job %s does not validate: %s", sp.version, job_id,
                           issues.n ? issues.v[0].message : "?");
    }
    if (!rc && transcripts)
        *transcripts = json_incref(aj.transcripts);
    plan_issues_release(&issues);
    store_plan_release(&sp);
    job_release(&aj);
    return rc;
}

/* ---- replay ---- */

void agent_replay_release(struct agent_replay *r)
{
    free(r->path);
    free(r->ffmpeg_args);
    memset(r, 0, sizeof(*r));
}

enum reel_code agent_replay(struct store *st, const char *job_id, int version,
                            const struct agent_opts *o, struct agent_replay *out,
                            struct reel_err *err)
{
    struct agent_job aj;
    json_t *rendered = NULL, *d = NULL;
    struct store_plan sp;
    memset(&sp, 0, sizeof(sp));
    memset(out, 0, sizeof(*out));
    char *out_path = NULL;
    struct render_result rr;
    render_result_init(&rr);
    enum reel_code rc = job_setup(&aj, st, job_id, o, err);
    if (rc)
        goto out;
    if (version <= 0) {
        if ((rc = agent_stage_get(&aj, "decide", &d, err)))
            goto out;
        version = (int)json_get_int(d, "best_version", 0);
        if (version <= 0) {
            rc = reel_fail(err, REEL_ENOTFOUND, job_id,
                           "job %s has no evaluated render to replay (give --version N)", job_id);
            goto out;
        }
    }
    out->version = version;
    char key[32];
    snprintf(key, sizeof(key), "render/%d", version);
    if ((rc = agent_stage_get(&aj, key, &rendered, err)))
        goto out;
    if (!rendered || !json_get_str(rendered, "sha256", NULL)) {
        rc = reel_fail(err, REEL_ENOTFOUND, key, "version %d of job %s has no recorded render",
                       version, job_id);
        goto out;
    }
    snprintf(out->recorded_sha, sizeof(out->recorded_sha), "%s",
             json_get_str(rendered, "sha256", ""));
    if ((rc = store_plan_get(st, aj.job.id, version, &sp, err)))
        goto out;
    if ((rc = agent_assets_load(&aj, err)))
        goto out;
    char *dir = xasprintf("%s/replay", aj.cfg.data_dir);
    rc = mkdir_p(dir, err);
    const char *rpath = json_get_str(rendered, "path", "x.mp4");
    const char *ext = strrchr(rpath, '.');
    char rnd[9];
    random_hex(rnd, 4);
    out_path = xasprintf("%s/%s-v%d-%s%s", dir, aj.job.id, version, rnd, ext ? ext : "");
    free(dir);
    if (rc)
        goto out;
    struct trace_span span = {0};
    char name[32];
    snprintf(name, sizeof(name), "replay v%d", version);
    if ((rc = agent_span_start(&aj, &span, NULL, name, err)))
        goto out;
    struct agent_render_cb cb = {&aj, version};
    rc = agent_render_doc(&aj, sp.plan_data, out_path, json_get_str(rendered, "preset", NULL),
                          o && o->on_event ? agent_on_render_progress : NULL, &cb, &rr, err);
    if (!rc)
        rc = sha256_file_hex(out_path, out->replay_sha, err);
    if (!rc)
        out->identical = !strcmp(out->recorded_sha, out->replay_sha);
    if (rr.final.shell)
        out->ffmpeg_args = xstrdup(rr.final.shell);
    json_t *pl =
        json_pack("{s:i, s:s, s:s, s:b}", "version", version, "recorded_sha256", out->recorded_sha,
                  "replay_sha256", out->replay_sha, "identical", out->identical);
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.ffmpeg_args = rr.final.shell;
    r.render_time_ms = rr.final.exit_status >= 0 ? (int)rr.final.render_time_ms : -1;
    r.payload = pl;
    r.child_usage = &rr.final.ru;
    r.is_failure = rc || !out->identical;
    r.logs = rc ? err->msg : NULL;
    trace_span_end(&span, &r, NULL);
    json_decref(pl);
    if (!rc && out->identical)
        unlink(out_path);
    else if (!rc) {
        out->path = out_path;
        out_path = NULL;
    }
out:
    if (out_path && rc)
        unlink(out_path);
    free(out_path);
    render_result_release(&rr);
    store_plan_release(&sp);
    json_decref(rendered);
    json_decref(d);
    job_release(&aj);
    return rc;
}
