/*
 * The agent's LLM path end to end against the fake chat-completions server:
 * every plan the model writes is a version of its own in edit_plans (with
 * llm_model and token counts), the validation errors of one version are what
 * the next request carries, every HTTP call (a 429 retry included) is a span
 * with the request and response and no API key, the job's planning replays
 * from those spans, and `reel show` totals the cost.
 */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/util.h"
#include "planner/planner.h"
#include "store/store.h"
#include "fake_llm.h"
#include "test.h"
#include "test_render_util.h"
#include "core/banned.h"

/* cut out 15 s of a 6 s clip: invalid against the asset */
#define AGENT_INVALID_PLAN                                                                         \
    "{\"schema\":\"reel.editplan/1\",\"title\":\"t\",\"output\":{\"width\":320,\"height\":180,"    \
    "\"fps\":30},\"operations\":[{\"op\":\"cut\",\"id\":\"c1\",\"asset\":\"clip\",\"in\":1,"       \
    "\"out\":15}]}"
#define AGENT_VALID_PLAN                                                                           \
    "{\"schema\":\"reel.editplan/1\",\"title\":\"t\",\"output\":{\"width\":320,\"height\":180,"    \
    "\"fps\":30},\"operations\":[{\"op\":\"cut\",\"id\":\"c1\",\"asset\":\"clip\",\"in\":1,"       \
    "\"out\":5}]}"

static void set_env(const char *k, const char *v, char **saved)
{
    const char *old = getenv(k);
    *saved = old ? xstrdup(old) : NULL;
    setenv(k, v, 1);
}

static void restore_env(const char *k, char *saved)
{
    if (saved)
        setenv(k, saved, 1);
    else
        unsetenv(k);
    free(saved);
}

TEST(agent_llm_each_model_plan_is_a_version_with_spans)
{
    struct fake f;
    REQUIRE(fake_start(&f) == 0);
    fake_add(&f, 200, chat_body(AGENT_INVALID_PLAN, NULL), 0);
    fake_add(&f, 429, xstrdup("{\"error\":{\"message\":\"slow down\"}}"), 0);
    fake_add(&f, 200, chat_body(AGENT_VALID_PLAN, NULL), 0);
    /* the judgement of version 2's render (hook and pacing) */
    fake_add(&f, 200,
             chat_body("{\"hook\": 0.8, \"pacing\": 1.4, \"reason\": \"opens on colour\"}", NULL),
             0);

    char *clip = xasprintf("%s/clip.mp4", test_tmpdir());
    REQUIRE(rt_make_color(clip, "blue", 6, 440) == 0);
    char url[64], *data = xasprintf("%s/llm-data", test_tmpdir());
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", f.port);
    char *s_url, *s_model, *s_key, *s_data;
    set_env("REEL_LLM_BASE_URL", url, &s_url);
    set_env("REEL_LLM_MODEL", "gpt-4o-mini", &s_model);
    set_env("REEL_LLM_API_KEY", "sk-test-secret-4242", &s_key);
    set_env("REEL_DATA_DIR", data, &s_data);

    char *dburl = xasprintf("sqlite:%s/llm-agent.db", test_tmpdir());
    struct store *st = NULL;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(store_open(dburl, &st, &err) == REEL_OK);
    struct agent_request r;
    agent_request_init(&r);
    r.brief = xstrdup("a 4 second teaser");
    r.max_revisions = 1; /* two versions at most: the fake's script has two plans */
    agent_request_add_input(&r, clip, "clip", AGENT_ASSET_GUESS);
    char id[37];
    REQUIRE(agent_submit(st, &r, id, &err) == REEL_OK);
    struct agent_result res;
    agent_result_init(&res);
    REQUIRE(agent_run(st, id, NULL, &res, &err) == REEL_OK);
    /* a blue card may or may not be golden; it must have rendered version 2 */
    CHECK(!strcmp(res.status, "completed") || !strcmp(res.status, "review_required"));
    CHECK(res.versions == 2);
    CHECK(res.best_version == 2);

    /* one edit_plans row per plan the model wrote, each with its model and tokens */
    struct store_plan_list pl = {0};
    REQUIRE(store_plan_list(st, id, &pl, &err) == REEL_OK);
    REQUIRE(pl.n == 2);
    for (size_t i = 0; i < pl.n; i++) {
        CHECK(pl.v[i].version == (int)i + 1);
        CHECK(pl.v[i].llm_model && !strcmp(pl.v[i].llm_model, "gpt-4o-mini"));
        CHECK(pl.v[i].prompt_tokens == 1000);
        CHECK(pl.v[i].completion_tokens == 200);
    }
    const json_t *ops1 = json_object_get(pl.v[0].plan_data, "operations");
    CHECK(json_get_num(json_array_get(ops1, 0), "out", 0) == 15);
    /* version 2 was written from version 1's validation errors */
    char *fb = pl.v[1].feedback ? json_dumps(pl.v[1].feedback, JSON_COMPACT) : NULL;
    CHECK(fb && strstr(fb, "operations[0].out") != NULL);
    free(fb);
    store_plan_list_release(&pl);

    /* what the model got: the second request carries the errors of the first plan */
    REQUIRE(json_array_size(f.requests) == 4);
    for (size_t i = 0; i < 4; i++) {
        const json_t *q = json_array_get(f.requests, i);
        CHECK_STR(json_get_str(q, "auth", ""), "Bearer sk-test-secret-4242");
        CHECK_STR(json_get_str(json_object_get(q, "body"), "model", ""), "gpt-4o-mini");
    }
    char *req2 = json_dumps(json_object_get(json_array_get(f.requests, 2), "body"), JSON_COMPACT);
    CHECK(strstr(req2, "operations[0].out") != NULL);
    free(req2);

    /* the judge saw keyframes of the render and was asked for hook and pacing */
    char *req4 = json_dumps(json_object_get(json_array_get(f.requests, 3), "body"), JSON_COMPACT);
    CHECK(strstr(req4, "image_url") != NULL && strstr(req4, "data:image/jpeg;base64,") != NULL);
    CHECK(strstr(req4, "\"judgement\"") != NULL && strstr(req4, "hook") != NULL);
    free(req4);
    /* ... and its judgement is in the report, clamped, with its tokens */
    struct store_render_list rl = {0};
    REQUIRE(store_render_list(st, id, &rl, &err) == REEL_OK);
    REQUIRE(rl.n == 1);
    const json_t *jd = json_object_get(rl.v[0].report, "llm_judgement");
    CHECK_NEAR(json_get_num(jd, "hook", 0), 0.8, 1e-9);
    CHECK_NEAR(json_get_num(jd, "pacing", 0), 1.0, 1e-9);
    CHECK_STR(json_get_str(jd, "reason", ""), "opens on colour");
    CHECK(json_get_int(jd, "prompt_tokens", 0) == 1000);
    const json_t *ret = NULL;
    size_t mi;
    json_t *mm;
    json_array_foreach(json_object_get(rl.v[0].report, "metrics"), mi,
                       mm) if (!strcmp(json_get_str(mm, "metric", ""), "retention")) ret = mm;
    CHECK(json_equal(json_object_get(json_object_get(ret, "evidence"), "llm"), jd));
    store_render_list_release(&rl);

    /* every HTTP call is a span (the 429 too), with request and response, no key */
    struct store_span_list sl = {0};
    REQUIRE(store_span_list(st, id, &sl, &err) == REEL_OK);
    int calls = 0, failed_calls = 0;
    for (size_t i = 0; i < sl.n; i++) {
        if (!starts_with(sl.v[i].step_name, "llm call"))
            continue;
        calls++;
        failed_calls += sl.v[i].is_failure;
        CHECK(json_object_get(sl.v[i].payload, "request") != NULL);
        CHECK(json_object_get(sl.v[i].payload, "latency_ms") != NULL);
        char *pls = json_dumps(sl.v[i].payload, JSON_COMPACT);
        CHECK(strstr(pls, "sk-test-secret-4242") == NULL);
        free(pls);
    }
    CHECK(calls == 3);
    CHECK(failed_calls == 1);
    int judges = 0;
    for (size_t i = 0; i < sl.n; i++)
        judges += starts_with(sl.v[i].step_name, "llm judge");
    CHECK(judges == 1);
    store_span_list_release(&sl);

    /* the planning replays from the spans without the network */
    json_t *rec = NULL;
    REQUIRE(agent_recorded_calls(st, id, &rec, &err) == REEL_OK);
    CHECK(json_array_size(rec) == 3);
    json_decref(rec);

    /* the job's model cost from the price table */
    json_t *view = NULL;
    REQUIRE(agent_show_json(st, id, &view, &err) == REEL_OK);
    const json_t *llm = json_object_get(view, "llm");
    CHECK_STR(json_get_str(llm, "model", ""), "gpt-4o-mini");
    CHECK(json_get_int(llm, "prompt_tokens", 0) == 2000);
    CHECK(json_get_int(llm, "completion_tokens", 0) == 400);
    double want = planner_cost_usd("gpt-4o-mini", 2000, 400);
    CHECK(want > 0);
    CHECK_NEAR(json_get_num(llm, "cost_usd", 0), want, 1e-9);
    json_decref(view);

    agent_result_release(&res);
    agent_request_release(&r);
    store_close(st);
    restore_env("REEL_LLM_BASE_URL", s_url);
    restore_env("REEL_LLM_MODEL", s_model);
    restore_env("REEL_LLM_API_KEY", s_key);
    restore_env("REEL_DATA_DIR", s_data);
    fake_stop(&f);
    free(dburl);
    free(data);
    free(clip);
}
