/* The strategy table, results, validation of plan documents, prices. */
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "planner/internal.h"
#include "core/banned.h"

static const struct planner_strategy strategies[] = {
    {"rules", rules_plan, rules_revise},
    {"llm", llm_plan, llm_revise},
};

const struct planner_strategy *planner_strategy_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(strategies); i++)
        if (!strcmp(strategies[i].name, name))
            return &strategies[i];
    return NULL;
}

void planner_opts_init(struct planner_opts *o)
{
    memset(o, 0, sizeof(*o));
    o->max_attempts = 3;
    o->max_retries = 2;
    o->retry_base_ms = 500;
    o->timeout_s = 120;
    o->max_response_bytes = 4u << 20;
    o->max_images = 6;
    o->temperature = 0;
}

void planner_result_init(struct planner_result *r)
{
    memset(r, 0, sizeof(*r));
}

void planner_result_release(struct planner_result *r)
{
    json_decref(r->plan);
    for (size_t i = 0; i < r->nattempts; i++) {
        json_decref(r->attempts[i].plan);
        json_decref(r->attempts[i].issues);
        json_decref(r->attempts[i].feedback);
    }
    free(r->attempts);
    planner_result_init(r);
}

struct planner_attempt *planner_result_add(struct planner_result *res, json_t *plan, json_t *issues,
                                           int valid, const char *model)
{
    res->attempts = xrealloc(res->attempts, (res->nattempts + 1) * sizeof(*res->attempts));
    struct planner_attempt *a = &res->attempts[res->nattempts++];
    memset(a, 0, sizeof(*a));
    a->attempt = (int)res->nattempts;
    a->plan = plan;
    a->issues = issues ? issues : json_array();
    a->valid = valid;
    snprintf(a->model, sizeof(a->model), "%s", model ? model : "");
    if (valid && plan) {
        json_decref(res->plan);
        res->plan = json_incref(plan);
        res->valid = 1;
    }
    return a;
}

json_t *planner_result_to_json(const struct planner_result *r)
{
    json_t *j = json_object();
    json_object_set_new(j, "strategy", json_string(r->strategy));
    json_object_set_new(j, "model", json_string(r->model));
    json_object_set_new(j, "valid", json_boolean(r->valid));
    json_object_set_new(j, "cost_usd", json_real(r->cost_usd));
    json_object_set_new(j, "prompt_tokens", json_integer(r->prompt_tokens));
    json_object_set_new(j, "completion_tokens", json_integer(r->completion_tokens));
    json_object_set_new(j, "calls", json_integer(r->calls));
    json_t *arr = json_array();
    for (size_t i = 0; i < r->nattempts; i++) {
        const struct planner_attempt *a = &r->attempts[i];
        json_t *o = json_object();
        json_object_set_new(o, "attempt", json_integer(a->attempt));
        json_object_set_new(o, "valid", json_boolean(a->valid));
        json_object_set_new(o, "llm_model", json_string(a->model));
        json_object_set_new(o, "prompt_tokens", json_integer(a->prompt_tokens));
        json_object_set_new(o, "completion_tokens", json_integer(a->completion_tokens));
        json_object_set_new(o, "cost_usd", json_real(a->cost_usd));
        json_object_set(o, "issues", a->issues);
        if (a->feedback)
            json_object_set(o, "feedback", a->feedback);
        json_object_set(o, "plan", a->plan ? a->plan : json_null());
        json_array_append_new(arr, o);
    }
    json_object_set_new(j, "attempts", arr);
    return j;
}

const char *planner_asset_type(const struct planner_asset *a)
{
    if (a->asset_type && *a->asset_type)
        return a->asset_type;
    return media_kind_asset_type(a->probe.kind);
}

const struct planner_asset *planner_asset_find(const struct planner_asset *assets, size_t n,
                                               const char *label)
{
    for (size_t i = 0; label && i < n; i++)
        if (!strcmp(assets[i].label, label))
            return &assets[i];
    return NULL;
}

double facts_num(const json_t *o, const char *key, double def)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

static enum reel_code dispatch(const struct planner_opts *in, struct planner_opts *o,
                               const struct planner_strategy **s, struct reel_err *err)
{
    *o = *in;
    if (o->max_attempts <= 0)
        o->max_attempts = 3;
    if (o->max_retries < 0)
        o->max_retries = 0;
    if (o->timeout_s <= 0)
        o->timeout_s = 120;
    if (!o->max_response_bytes)
        o->max_response_bytes = 4u << 20;
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = 500;
    if (o->max_images <= 0)
        o->max_images = 6;
    const char *name = o->strategy;
    if (!name || !*name)
        name =
            (o->base_url && *o->base_url && o->model && *o->model) || o->replay ? "llm" : "rules";
    *s = planner_strategy_find(name);
    if (!*s)
        return reel_fail(err, REEL_EUSAGE, "strategy", "unknown planner '%s' (rules, llm)", name);
    if (!strcmp(name, "llm") && !o->replay && (!o->base_url || !*o->base_url))
        return reel_fail(err, REEL_EUSAGE, "REEL_LLM_BASE_URL",
                         "the llm planner needs a base URL (REEL_LLM_BASE_URL)");
    if (!strcmp(name, "llm") && !o->replay && (!o->model || !*o->model))
        return reel_fail(err, REEL_EUSAGE, "REEL_LLM_MODEL",
                         "the llm planner needs a model name (REEL_LLM_MODEL)");
    return REEL_OK;
}

static enum reel_code check_assets(const struct planner_asset *assets, size_t n,
                                   struct reel_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!assets[i].label || !planner_label_valid(assets[i].label))
            return reel_fail(err, REEL_EINVAL, assets[i].path ? assets[i].path : "asset",
                             "bad asset label '%s' (lower case [a-z0-9_-], 1..63 chars)",
                             assets[i].label ? assets[i].label : "");
        for (size_t j = 0; j < i; j++)
            if (!strcmp(assets[i].label, assets[j].label))
                return reel_fail(err, REEL_EINVAL, assets[i].path ? assets[i].path : "asset",
                                 "asset label '%s' is used twice", assets[i].label);
    }
    return REEL_OK;
}

enum reel_code planner_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                            size_t nassets, const struct planner_opts *opts,
                            struct planner_result *res, struct reel_err *err)
{
    struct planner_opts o;
    const struct planner_strategy *s;
    enum reel_code rc = dispatch(opts, &o, &s, err);
    if (rc || (rc = check_assets(assets, nassets, err)))
        return rc;
    snprintf(res->strategy, sizeof(res->strategy), "%s", s->name);
    return s->plan(brief, assets, nassets, &o, res, err);
}

enum reel_code planner_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                              size_t nassets, const json_t *previous, const json_t *feedback,
                              const struct planner_opts *opts, struct planner_result *res,
                              struct reel_err *err)
{
    struct planner_opts o;
    const struct planner_strategy *s;
    enum reel_code rc = dispatch(opts, &o, &s, err);
    if (rc || (rc = check_assets(assets, nassets, err)))
        return rc;
    if (!json_is_object(previous))
        return reel_fail(err, REEL_EINVAL, "previous", "the previous plan is not a JSON object");
    if (!json_is_object(feedback))
        return reel_fail(err, REEL_EINVAL, "feedback", "the feedback is not a JSON object");
    snprintf(res->strategy, sizeof(res->strategy), "%s", s->name);
    return s->revise(brief, assets, nassets, previous, feedback, &o, res, err);
}

/* ---- validation ---- */

int planner_validate_plan(const json_t *plan, const struct planner_asset *assets, size_t nassets,
                          json_t **issues_out)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    if (plan_decode(plan, &p, &is) == REEL_OK) {
        for (size_t i = 0; i < nassets; i++) {
            plan_set_asset(&p, assets[i].label, assets[i].path ? assets[i].path : "");
            /* the facts the planner was given: no second probe */
            struct plan_asset *pa = plan_find_asset(&p, assets[i].label);
            if (pa && (assets[i].probe.has_video || assets[i].probe.has_audio ||
                       assets[i].probe.kind == MEDIA_LUT)) {
                pa->info = assets[i].probe;
                pa->probed = 1;
            }
        }
        plan_validate(&p, &is);
    }
    json_t *issues = plan_issues_to_json(&is);
    plan_issues_release(&is);
    plan_release(&p);
    int ok = json_array_size(issues) == 0;
    if (issues_out)
        *issues_out = issues;
    else
        json_decref(issues);
    return ok;
}

json_t *planner_plan_schema(void)
{
    const char *text = plan_schema_text();
    json_t *j = NULL;
    if (json_parse(text, strlen(text), 0, "schema", &j, NULL) != REEL_OK)
        abort(); /* compiled into the binary and tested by the plan module */
    return j;
}

/* ---- prices ---- */

static const struct {
    const char *prefix;
    double prompt, completion;
} builtin_prices[] = {
    {"gpt-4o-mini", 0.15, 0.60},  {"gpt-4o", 2.50, 10.00},       {"gpt-4.1-nano", 0.10, 0.40},
    {"gpt-4.1-mini", 0.40, 1.60}, {"gpt-4.1", 2.00, 8.00},       {"o4-mini", 1.10, 4.40},
    {"o3-mini", 1.10, 4.40},      {"gpt-5-mini", 0.25, 2.00},    {"gpt-5-nano", 0.05, 0.40},
    {"gpt-5", 1.25, 10.00},       {"mistral-small", 0.10, 0.30}, {"mistral-large", 2.00, 6.00},
};

void planner_price_lookup(const char *model, struct planner_price *out)
{
    out->prompt_per_m = out->completion_per_m = 0;
    if (!model)
        return;
    size_t best = 0;
    const char *file = getenv("REEL_LLM_PRICES");
    if (file && *file) {
        json_t *t = NULL;
        if (json_parse_file(file, 1u << 20, &t, NULL) == REEL_OK && json_is_object(t)) {
            const char *k;
            json_t *v;
            json_object_foreach(t, k, v)
            {
                size_t kl = strlen(k);
                if (kl > best && !strncmp(model, k, kl)) {
                    best = kl;
                    out->prompt_per_m = json_get_num(v, "prompt", 0);
                    out->completion_per_m = json_get_num(v, "completion", 0);
                }
            }
        }
        json_decref(t);
        if (best)
            return;
    }
    for (size_t i = 0; i < ARRAY_SIZE(builtin_prices); i++) {
        size_t kl = strlen(builtin_prices[i].prefix);
        if (kl > best && !strncmp(model, builtin_prices[i].prefix, kl)) {
            best = kl;
            out->prompt_per_m = builtin_prices[i].prompt;
            out->completion_per_m = builtin_prices[i].completion;
        }
    }
}

double planner_cost_usd(const char *model, int prompt_tokens, int completion_tokens)
{
    struct planner_price p;
    planner_price_lookup(model, &p);
    return (prompt_tokens * p.prompt_per_m + completion_tokens * p.completion_per_m) / 1e6;
}

void planner_record_array_on_call(void *ctx, const json_t *request, const json_t *response,
                                  double latency_ms, int prompt_tokens, int completion_tokens,
                                  int attempt, const char *error)
{
    json_t *arr = ctx;
    json_t *o = json_object();
    json_object_set_new(o, "attempt", json_integer(attempt));
    json_object_set(o, "request", request ? (json_t *)request : json_null());
    json_object_set(o, "response", response ? (json_t *)response : json_null());
    json_object_set_new(o, "error", error ? json_string(error) : json_null());
    json_object_set_new(o, "latency_ms", json_real(latency_ms));
    json_object_set_new(o, "prompt_tokens", json_integer(prompt_tokens));
    json_object_set_new(o, "completion_tokens", json_integer(completion_tokens));
    json_array_append_new(arr, o);
}
