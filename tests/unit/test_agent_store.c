/* The agent against the store: submit's checks, what it stores, the plan diff. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/internal.h"
#include "core/util.h"
#include "store/store.h"
#include "trace/trace.h"
#include "test.h"
#include "core/banned.h"

static struct store *open_tmp(void)
{
    char rnd[17];
    random_hex(rnd, 8);
    char *url = xasprintf("sqlite:%s/agent-%s.db", test_tmpdir(), rnd);
    struct store *s = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (store_open(url, &s, &err))
        fprintf(stderr, "    %s\n", err.msg);
    free(url);
    return s;
}

static char *touch(const char *name)
{
    char *p = xasprintf("%s/%s", test_tmpdir(), name);
    write_file_atomic(p, "x", 1, NULL);
    return p;
}

TEST(agent_submit_checks_and_stores_the_request)
{
    struct store *s = open_tmp();
    REQUIRE(s);
    struct reel_err err = REEL_ERR_INIT;
    char id[37];
    struct agent_request r;
    agent_request_init(&r);

    /* an empty brief, then a missing file, are refused and create nothing */
    char *clip = touch("My Clip.mp4"), *clip2 = touch("my-clip.mov");
    agent_request_add_input(&r, clip, NULL, AGENT_ASSET_GUESS);
    CHECK(agent_submit(s, &r, id, &err) == REEL_EINVAL);
    r.brief = xstrdup("a teaser");
    agent_request_add_input(&r, "/nonexistent/clip.mp4", NULL, AGENT_ASSET_GUESS);
    CHECK(agent_submit(s, &r, id, &err) == REEL_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/clip.mp4") != NULL);
    struct store_job_list jl = {0};
    REQUIRE(store_job_list(s, NULL, &jl, &err) == REEL_OK);
    CHECK(jl.n == 0);
    store_job_list_release(&jl);

    /* two files with the same label get unique ones; the request is the job's brief */
    free(r.inputs[1].path);
    r.inputs[1].path = xstrdup(clip2);
    r.inputs[1].type = AGENT_ASSET_BROLL;
    r.duration = 12;
    REQUIRE(agent_submit(s, &r, id, &err) == REEL_OK);
    struct store_job j;
    memset(&j, 0, sizeof(j));
    REQUIRE(store_job_get(s, id, &j, &err) == REEL_OK);
    CHECK(j.status == JOB_PENDING);
    CHECK(strlen(j.trace_id) == 32);
    CHECK(!strcmp(j.title, "a teaser"));
    struct agent_request back;
    agent_request_init(&back);
    REQUIRE(agent_request_from_json(j.brief, &back, &err) == REEL_OK);
    REQUIRE(back.ninputs == 2);
    CHECK(!strcmp(back.inputs[0].label, "my_clip"));
    CHECK(!strcmp(back.inputs[1].label, "my-clip"));
    CHECK(back.inputs[1].type == AGENT_ASSET_BROLL);
    CHECK(back.duration == 12);
    CHECK(back.inputs[0].path[0] == '/');
    agent_request_release(&back);
    store_job_release(&j);

    /* the same label twice: suffixed */
    struct agent_request r2;
    agent_request_init(&r2);
    r2.brief = xstrdup("twice");
    agent_request_add_input(&r2, clip, "take", AGENT_ASSET_GUESS);
    agent_request_add_input(&r2, clip2, "take", AGENT_ASSET_GUESS);
    REQUIRE(agent_submit(s, &r2, id, &err) == REEL_OK);
    memset(&j, 0, sizeof(j));
    REQUIRE(store_job_get(s, id, &j, &err) == REEL_OK);
    agent_request_init(&back);
    REQUIRE(agent_request_from_json(j.brief, &back, &err) == REEL_OK);
    CHECK(!strcmp(back.inputs[0].label, "take") && !strcmp(back.inputs[1].label, "take_2"));
    agent_request_release(&back);
    store_job_release(&j);
    agent_request_release(&r2);

    agent_request_release(&r);
    free(clip);
    free(clip2);
    store_close(s);
}

TEST(agent_run_decided_job_is_not_redone)
{
    /* a job whose decision is stored (its worker died after deciding) ends with
     * that decision: nothing is ingested, planned or rendered again */
    struct store *s = open_tmp();
    REQUIRE(s);
    struct reel_err err = REEL_ERR_INIT;
    char *clip = touch("c.mp4");
    struct agent_request r;
    agent_request_init(&r);
    r.brief = xstrdup("x");
    agent_request_add_input(&r, clip, NULL, AGENT_ASSET_GUESS);
    char id[37];
    REQUIRE(agent_submit(s, &r, id, &err) == REEL_OK);
    json_t *d = json_pack("{s:s, s:s, s:i, s:f, s:i}", "status", "review_required", "reason",
                          "stored", "best_version", 2, "score", 0.5, "versions", 3);
    REQUIRE(store_stage_put(s, id, "decide", d, NULL, &err) == REEL_OK);
    json_decref(d);
    struct agent_result res;
    agent_result_init(&res);
    REQUIRE(agent_run(s, id, NULL, &res, &err) == REEL_OK);
    CHECK(!strcmp(res.status, "review_required"));
    CHECK(res.best_version == 2 && res.versions == 3);
    CHECK(res.reason && !strcmp(res.reason, "stored"));
    struct store_span_list sl = {0};
    REQUIRE(store_span_list(s, id, &sl, &err) == REEL_OK);
    CHECK(sl.n == 0);
    store_span_list_release(&sl);
    agent_result_release(&res);
    agent_request_release(&r);
    free(clip);
    store_close(s);
}

TEST(agent_run_corrupt_asset_fails_with_the_error)
{
    struct store *s = open_tmp();
    REQUIRE(s);
    struct reel_err err = REEL_ERR_INIT;
    char *clip = touch("broken.mp4"); /* one byte: not media */
    struct agent_request r;
    agent_request_init(&r);
    r.brief = xstrdup("x");
    agent_request_add_input(&r, clip, NULL, AGENT_ASSET_GUESS);
    char id[37];
    REQUIRE(agent_submit(s, &r, id, &err) == REEL_OK);
    struct agent_result res;
    agent_result_init(&res);
    REQUIRE(agent_run(s, id, NULL, &res, &err) == REEL_OK);
    CHECK(!strcmp(res.status, "failed"));
    CHECK(res.err.code == REEL_EINVAL);
    CHECK(res.reason && strstr(res.reason, "broken") != NULL);
    json_t *d = NULL;
    REQUIRE(store_stage_get(s, id, "decide", &d, &err) == REEL_OK);
    CHECK(d && !strcmp(json_get_str(d, "status", ""), "failed"));
    json_decref(d);
    /* the trace holds the failure */
    struct store_span_list sl = {0};
    REQUIRE(store_span_list(s, id, &sl, &err) == REEL_OK);
    int failed_probe = 0;
    for (size_t i = 0; i < sl.n; i++)
        failed_probe |= !strcmp(sl.v[i].step_name, "probe") && sl.v[i].is_failure;
    CHECK(failed_probe);
    store_span_list_release(&sl);
    agent_result_release(&res);
    agent_request_release(&r);
    free(clip);
    store_close(s);
}

TEST(agent_json_diff_by_id)
{
    json_t *a = json_pack("{s:[{s:s,s:s,s:f},{s:s,s:s},{s:s,s:s}], s:{s:i}}", "operations", "op",
                          "cut", "id", "c1", "out", 2.0, "op", "cut", "id", "c2", "op", "fade",
                          "kind", "in", "output", "width", 320);
    json_t *b =
        json_pack("{s:[{s:s,s:s},{s:s,s:s},{s:s,s:s,s:f},{s:s,s:s}], s:{s:i}}", "operations", "op",
                  "cut", "id", "c9", "op", "cut", "id", "c2", "op", "cut", "id", "c1", "out", 3.0,
                  "op", "fade", "kind", "out", "output", "width", 640);
    struct buf d = BUF_INIT;
    agent_json_diff(a, b, "$", &d);
    CHECK(strstr(d.buf, "~ $.operations[c1].out: 2.0 -> 3.0\n") != NULL);
    CHECK(strstr(d.buf, "+ $.operations[c9]: ") != NULL);
    CHECK(strstr(d.buf, "~ $.operations[fade#1].kind: \"in\" -> \"out\"\n") != NULL);
    CHECK(strstr(d.buf, "~ $.operations order: c1 c2 fade#1 -> c2 c1 fade#1\n") != NULL);
    CHECK(strstr(d.buf, "~ $.output.width: 320 -> 640\n") != NULL);
    CHECK(strstr(d.buf, "c2]") == NULL); /* unchanged: not mentioned */
    buf_reset(&d);
    agent_json_diff(a, a, "$", &d);
    CHECK(d.len == 0);
    buf_release(&d);
    json_decref(a);
    json_decref(b);
}

/* A span like the agent's recorder writes for one model call. */
static void record_call(struct store *s, const char *job, const char *trace, const char *name,
                        const char *content, const char *error)
{
    struct trace_span sp = {0};
    struct reel_err err = REEL_ERR_INIT;
    if (trace_span_start(&sp, s, job, trace, NULL, name, &err))
        return;
    json_t *pl = json_pack("{s:{s:{s:s}}, s:{s:[{s:{s:s}}]}, s:f, s:i, s:i}", "request", "body",
                           "model", "m1", "response", "choices", "message", "content", content,
                           "latency_ms", 12.5, "prompt_tokens", 100, "completion_tokens", 20);
    if (error)
        json_object_set_new(pl, "error", json_string(error));
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.payload = pl;
    r.is_failure = error != NULL;
    trace_span_end(&sp, &r, &err);
    json_decref(pl);
}

TEST(agent_recorded_calls_reads_the_model_calls_back_in_order)
{
    struct store *s = open_tmp();
    REQUIRE(s);
    struct reel_err err = REEL_ERR_INIT;
    struct store_job_new nj = {0};
    nj.title = "replay me";
    char id[STORE_ID_LEN], trace[33];
    REQUIRE(store_job_create(s, &nj, id, trace, &err) == REEL_OK);
    json_t *calls = NULL;
    /* nothing recorded yet: the rules planner leaves no calls */
    CHECK(agent_recorded_calls(s, id, &calls, &err) == REEL_ENOTFOUND);
    CHECK(calls == NULL);

    record_call(s, id, trace, "llm call (attempt 1)", "first", "HTTP 429");
    struct trace_span other = {0};
    REQUIRE(trace_span_start(&other, s, id, trace, NULL, "render v1", &err) == REEL_OK);
    trace_span_end(&other, NULL, &err);
    record_call(s, id, trace, "llm call (attempt 1)", "second", NULL);

    REQUIRE(agent_recorded_calls(s, id, &calls, &err) == REEL_OK);
    REQUIRE(json_array_size(calls) == 2);
    json_t *a = json_array_get(calls, 0), *b = json_array_get(calls, 1);
    CHECK_STR(json_get_str(a, "error", NULL), "HTTP 429");
    CHECK(json_object_get(b, "error") == NULL);
    const char *c2 = json_string_value(json_object_get(
        json_object_get(json_array_get(json_object_get(json_object_get(b, "response"), "choices"), 0),
                        "message"),
        "content"));
    CHECK_STR(c2, "second");
    CHECK(json_get_int(b, "prompt_tokens", 0) == 100);
    CHECK_STR(json_get_str(json_object_get(json_object_get(a, "request"), "body"), "model", NULL),
              "m1");
    /* only the recorded keys, not the step's CPU and memory figures */
    CHECK(json_object_size(b) == 5);
    json_decref(calls);
    store_close(s);
}
