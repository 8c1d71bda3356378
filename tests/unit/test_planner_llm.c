/*
 * The LLM planner against a fake chat-completions server (libmicrohttpd on
 * 127.0.0.1, a free port) that answers from a script and keeps every
 * request, so the tests check what reel sent, not only the outcome.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/proc.h"
#include "plan/plan.h"
#include "planner/planner.h"
#include "fake_llm.h"
#include "test.h"
#include "core/banned.h"

#define VALID_PLAN                                                                                 \
    "{\"schema\":\"reel.editplan/1\",\"title\":\"t\",\"output\":{\"width\":320,\"height\":180,"    \
    "\"fps\":30},\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":1,\"out\":6}]}"
#define INVALID_PLAN                                                                               \
    "{\"schema\":\"reel.editplan/1\",\"title\":\"t\",\"output\":{\"width\":320,\"height\":180,"    \
    "\"fps\":30},\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":1,\"out\":15}]}"

struct llm_fixture {
    struct fake f;
    struct planner_asset a[1];
    struct planner_brief b;
    struct planner_opts o;
    struct planner_result r;
    struct planner_recorder rec;
    json_t *calls; /* recorded by planner_record_array_on_call */
    char url[64];
};

static int fixture_start(struct llm_fixture *x)
{
    memset(x, 0, sizeof(*x));
    if (fake_start(&x->f))
        return -1;
    x->a[0].label = "clip";
    x->a[0].path = "/nonexistent/clip.mp4";
    x->a[0].probe.kind = MEDIA_VIDEO;
    x->a[0].probe.duration = 10;
    x->a[0].probe.width = 320;
    x->a[0].probe.height = 180;
    x->a[0].probe.fps = 30;
    x->a[0].probe.fps_num = 30;
    x->a[0].probe.fps_den = 1;
    x->a[0].probe.has_video = 1;
    x->a[0].probe.has_audio = 1;
    snprintf(x->a[0].probe.vcodec, sizeof(x->a[0].probe.vcodec), "h264");
    planner_brief_init(&x->b);
    x->b.text = xstrdup("a 5 s teaser");
    planner_brief_parse(&x->b, NULL);
    planner_opts_init(&x->o);
    snprintf(x->url, sizeof(x->url), "http://127.0.0.1:%d/v1", x->f.port);
    x->o.base_url = x->url;
    x->o.model = "gpt-4o-mini";
    x->o.api_key = "sk-test-secret";
    x->o.retry_base_ms = 5;
    x->o.timeout_s = 5;
    x->o.no_images = 1;
    x->calls = json_array();
    x->rec.on_call = planner_record_array_on_call;
    x->rec.ctx = x->calls;
    x->o.recorder = &x->rec;
    planner_result_init(&x->r);
    return 0;
}

static void fixture_stop(struct llm_fixture *x)
{
    fake_stop(&x->f);
    planner_brief_release(&x->b);
    planner_result_release(&x->r);
    json_decref(x->calls);
}

static const json_t *req_body(const struct llm_fixture *x, size_t i)
{
    return json_object_get(json_array_get(x->f.requests, i), "body");
}

static const json_t *last_message(const json_t *body)
{
    const json_t *m = json_object_get(body, "messages");
    return json_array_get(m, json_array_size(m) - 1);
}

static const char *msg_text(const json_t *msg)
{
    return json_string_value(json_object_get(msg, "content"));
}

TEST(planner_llm_valid_first_answer)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, &err) == REEL_OK);
    CHECK(x.r.valid);
    CHECK_STR(x.r.strategy, "llm");
    CHECK(x.r.nattempts == 1);
    CHECK(x.r.calls == 1);
    CHECK(x.r.prompt_tokens == 1000 && x.r.completion_tokens == 200);
    CHECK_STR(x.r.attempts[0].model, "gpt-4o-mini");
    /* 1000 * 0.15 + 200 * 0.6 per 1M tokens */
    CHECK_NEAR(x.r.cost_usd, 0.00027, 1e-9);
    REQUIRE(json_array_size(x.f.requests) == 1);
    const json_t *rq = json_array_get(x.f.requests, 0);
    CHECK_STR(json_string_value(json_object_get(rq, "path")), "/v1/chat/completions");
    CHECK_STR(json_string_value(json_object_get(rq, "auth")), "Bearer sk-test-secret");
    const json_t *body = req_body(&x, 0);
    CHECK_STR(json_string_value(json_object_get(body, "model")), "gpt-4o-mini");
    const json_t *rf = json_object_get(body, "response_format");
    CHECK_STR(json_string_value(json_object_get(rf, "type")), "json_schema");
    const json_t *js = json_object_get(rf, "json_schema");
    CHECK(json_is_true(json_object_get(js, "strict")));
    CHECK(json_is_string(json_object_get(js, "name")));
    CHECK(json_is_object(json_object_get(js, "schema")));
    json_t *strict = plan_schema_strict();
    CHECK(json_equal(json_object_get(js, "schema"), strict)); /* the project's schema */
    json_decref(strict);
    const json_t *msgs = json_object_get(body, "messages");
    REQUIRE(json_array_size(msgs) == 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 0), "role")), "system");
    const char *user = msg_text(json_array_get(msgs, 1));
    REQUIRE(user);
    CHECK(strstr(user, "a 5 s teaser") != NULL);
    CHECK(strstr(user, "\"label\":\"clip\"") != NULL);
    CHECK(strstr(user, "image_url") == NULL);
    /* recorded: the request without the key, the response, the tokens */
    REQUIRE(json_array_size(x.calls) == 1);
    char *dump = json_dumps(x.calls, 0);
    CHECK(strstr(dump, "sk-test-secret") == NULL);
    CHECK(strstr(dump, "REDACTED") != NULL);
    free(dump);
    const json_t *c0 = json_array_get(x.calls, 0);
    CHECK(json_integer_value(json_object_get(c0, "prompt_tokens")) == 1000);
    CHECK(json_integer_value(json_object_get(json_object_get(c0, "response"), "status")) == 200);
    fixture_stop(&x);
}

TEST(planner_llm_repairs_invalid_plan)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 200, chat_body(INVALID_PLAN, NULL), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    REQUIRE(x.r.nattempts == 2);
    CHECK(!x.r.attempts[0].valid && x.r.attempts[1].valid);
    CHECK(json_array_size(x.r.attempts[0].issues) >= 1);
    CHECK(x.r.attempts[1].prompt_tokens == 1000);
    REQUIRE(json_array_size(x.f.requests) == 2);
    /* the 2nd request: the same conversation plus the bad reply and the errors */
    const json_t *msgs = json_object_get(req_body(&x, 1), "messages");
    REQUIRE(json_array_size(msgs) == 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 2), "role")), "assistant");
    CHECK_STR(msg_text(json_array_get(msgs, 2)), INVALID_PLAN);
    const char *fix = msg_text(json_array_get(msgs, 3));
    REQUIRE(fix);
    const json_t *iss = json_array_get(x.r.attempts[0].issues, 0);
    CHECK(strstr(fix, json_string_value(json_object_get(iss, "path"))) != NULL);
    CHECK(strstr(fix, json_string_value(json_object_get(iss, "code"))) != NULL);
    CHECK(strstr(fix, json_string_value(json_object_get(iss, "message"))) != NULL);
    CHECK(strstr(fix, "$.operations[0]") != NULL);
    fixture_stop(&x);
}

TEST(planner_llm_malformed_json)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 200, chat_body("{\"schema\": \"reel.editplan/1\", \"operations\": [", NULL), 0);
    /* fenced and with prose: repaired locally */
    fake_add(&x.f, 200, chat_body("Here it is:\n```json\n" VALID_PLAN "\n```", NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    REQUIRE(x.r.nattempts == 2);
    CHECK(x.r.attempts[0].plan == NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(x.r.attempts[0].issues, 0), "code")),
              "bad_json");
    const char *fix = msg_text(last_message(req_body(&x, 1)));
    REQUIRE(fix);
    CHECK(strstr(fix, "not a valid JSON") != NULL);
    fixture_stop(&x);
}

TEST(planner_llm_refusal)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 200, chat_body(NULL, "I can't help with that."), 0);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "refused") != NULL);
    CHECK(strstr(err.msg, "I can't help") != NULL);
    CHECK(!x.r.valid && x.r.plan == NULL);
    REQUIRE(x.r.nattempts == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(x.r.attempts[0].issues, 0), "code")),
              "refusal");
    CHECK(json_array_size(x.f.requests) == 1); /* no pointless retries */
    fixture_stop(&x);
}

TEST(planner_llm_429_then_success)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 429, xstrdup("{\"error\":{\"message\":\"rate limited\"}}"), 0);
    fake_add(&x.f, 503, xstrdup("{\"error\":{\"message\":\"overloaded\"}}"), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    CHECK(x.r.nattempts == 1);
    CHECK(x.r.calls == 3);
    REQUIRE(json_array_size(x.calls) == 3); /* each retry is its own recorded call */
    CHECK_STR(json_string_value(json_object_get(json_array_get(x.calls, 0), "error")), "HTTP 429");
    CHECK_STR(json_string_value(json_object_get(json_array_get(x.calls, 1), "error")), "HTTP 503");
    CHECK(json_is_null(json_object_get(json_array_get(x.calls, 2), "error")));
    CHECK(json_equal(req_body(&x, 0), req_body(&x, 2))); /* the same request again */
    fixture_stop(&x);
}

TEST(planner_llm_timeout_then_success)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    x.o.timeout_s = 0.5; /* room for the prompt answer on a loaded machine */
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 1200);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    REQUIRE(json_array_size(x.calls) == 2);
    const json_t *c0 = json_array_get(x.calls, 0);
    CHECK(strstr(json_string_value(json_object_get(c0, "error")), "timeout") != NULL);
    CHECK(json_is_null(json_object_get(c0, "response")));
    fixture_stop(&x);

    /* every try times out: REEL_ETIMEOUT */
    REQUIRE(fixture_start(&x) == 0);
    x.o.timeout_s = 0.2;
    x.o.max_retries = 1;
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 500);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 500);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, &err) == REEL_ETIMEOUT);
    CHECK(json_array_size(x.calls) == 2);
    fixture_stop(&x);
}

TEST(planner_llm_no_json_schema_support)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 400,
             xstrdup("{\"error\":{\"message\":\"response_format type 'json_schema' is not "
                     "supported\"}}"),
             0);
    fake_add(&x.f, 200, chat_body(INVALID_PLAN, NULL), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    CHECK(x.r.nattempts == 2);
    REQUIRE(json_array_size(x.f.requests) == 3);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(req_body(&x, 0), "response_format"), "type")),
              "json_schema");
    /* JSON mode from then on, with the schema in the system message */
    for (size_t i = 1; i < 3; i++) {
        const json_t *b = req_body(&x, i);
        CHECK_STR(json_string_value(json_object_get(json_object_get(b, "response_format"), "type")),
                  "json_object");
        const char *sys = msg_text(json_array_get(json_object_get(b, "messages"), 0));
        REQUIRE(sys);
        CHECK(strstr(sys, "JSON Schema") != NULL);
    }
    fixture_stop(&x);

    /* neither json_schema nor json_object: plain prompting */
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 400, xstrdup("{\"error\":\"unsupported response_format json_schema\"}"), 0);
    fake_add(&x.f, 400, xstrdup("{\"error\":\"unsupported response_format json_object\"}"), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    REQUIRE(json_array_size(x.f.requests) == 3);
    CHECK(json_object_get(req_body(&x, 2), "response_format") == NULL);
    fixture_stop(&x);
}

TEST(planner_llm_attempts_limit)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    x.o.max_attempts = 3;
    for (int i = 0; i < 4; i++)
        fake_add(&x.f, 200, chat_body(INVALID_PLAN, NULL), 0);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "3 attempts") != NULL);
    CHECK(x.r.nattempts == 3);
    CHECK(!x.r.valid && !x.r.plan);
    CHECK(json_array_size(x.f.requests) == 3);
    /* the last request carries the whole history: 2 replies, 2 error lists */
    CHECK(json_array_size(json_object_get(req_body(&x, 2), "messages")) == 6);
    CHECK(x.r.prompt_tokens == 3000);
    fixture_stop(&x);
}

TEST(planner_llm_images)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/clip.mp4", test_tmpdir());
    struct argv av = ARGV_INIT;
    argv_pushv(&av, (const char *const[]){"ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi",
                                          "-i", "testsrc2=s=160x90:r=10:d=3", "-c:v", "libx264",
                                          "-preset", "ultrafast", "-pix_fmt", "yuv420p", NULL});
    argv_push(&av, path);
    int st = -1;
    CHECK(proc_run(&av, NULL, NULL, 0, &st, NULL) == REEL_OK && st == 0);
    argv_release(&av);
    x.a[0].path = path;
    x.a[0].probe.duration = 3;
    x.o.no_images = 0;
    x.o.max_images = 2;
    fake_add(&x.f, 200,
             chat_body("{\"schema\":\"reel.editplan/1\",\"operations\":[{\"op\":\"cut\","
                       "\"asset\":\"clip\",\"in\":0,\"out\":2}]}",
                       NULL),
             0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    const json_t *content =
        json_object_get(json_array_get(json_object_get(req_body(&x, 0), "messages"), 1), "content");
    REQUIRE(json_is_array(content));
    size_t i, nimg = 0;
    json_t *p;
    json_array_foreach(content, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "type")), "image_url"))
            continue;
        nimg++;
        const char *u = json_string_value(json_object_get(json_object_get(p, "image_url"), "url"));
        CHECK(u && starts_with(u, "data:image/jpeg;base64,/9j/"));
    }
    CHECK(nimg == 2);
    fixture_stop(&x);
}

TEST(planner_llm_replay_gives_same_plans)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 429, xstrdup("{}"), 0);
    fake_add(&x.f, 200, chat_body(INVALID_PLAN, NULL), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    REQUIRE(x.r.nattempts == 2);
    json_t *recorded = json_incref(x.calls);

    /* again with no server at all, from the recorded calls */
    struct planner_opts o;
    planner_opts_init(&o);
    o.base_url = "http://127.0.0.1:1/v1";
    o.model = "gpt-4o-mini";
    o.no_images = 1;
    o.replay = recorded;
    json_t *calls2 = json_array();
    struct planner_recorder rec = {planner_record_array_on_call, NULL, calls2};
    o.recorder = &rec;
    struct planner_result r2;
    planner_result_init(&r2);
    CHECK(planner_plan(&x.b, x.a, 1, &o, &r2, NULL) == REEL_OK);
    REQUIRE(r2.nattempts == 2);
    for (size_t i = 0; i < 2; i++) {
        CHECK(json_equal(r2.attempts[i].plan, x.r.attempts[i].plan));
        CHECK(r2.attempts[i].valid == x.r.attempts[i].valid);
    }
    CHECK(r2.calls == 3);
    /* and it sent the same requests it had sent then */
    for (size_t i = 0; i < 3; i++)
        CHECK(json_equal(
            json_object_get(json_object_get(json_array_get(calls2, i), "request"), "body"),
            json_object_get(json_object_get(json_array_get(recorded, i), "request"), "body")));
    planner_result_release(&r2);
    json_decref(calls2);
    json_decref(recorded);
    fixture_stop(&x);
}

TEST(planner_llm_revise_sends_feedback)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    json_t *prev = NULL, *fb = NULL;
    REQUIRE(json_parse(INVALID_PLAN, strlen(INVALID_PLAN), 0, "p", &prev, NULL) == REEL_OK);
    const char *fbt = "{\"ffmpeg_stderr\":[\"[AVFilterGraph @ 0x1] No such filter: 'foo'\"],"
                      "\"evaluation\":{\"score\":0.5,\"metrics\":{\"watchability\":{\"score\":0.2,"
                      "\"gate\":false,\"evidence\":{\"integrated_lufs\":-23}}}}}";
    REQUIRE(json_parse(fbt, strlen(fbt), 0, "f", &fb, NULL) == REEL_OK);
    CHECK(planner_revise(&x.b, x.a, 1, prev, fb, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    const json_t *msgs = json_object_get(req_body(&x, 0), "messages");
    REQUIRE(json_array_size(msgs) == 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(msgs, 2), "role")), "assistant");
    const char *u = msg_text(json_array_get(msgs, 3));
    REQUIRE(u);
    CHECK(strstr(u, "No such filter: 'foo'") != NULL);
    CHECK(strstr(u, "watchability") != NULL);
    CHECK(strstr(u, "-23") != NULL);
    json_decref(prev);
    json_decref(fb);
    fixture_stop(&x);
}

static enum reel_code failing_render(void *ctx, const json_t *plan, json_t **feedback)
{
    int *calls = ctx;
    (void)plan;
    if ((*calls)++ > 0)
        return REEL_OK;
    const char *fb = "{\"ffmpeg_stderr\":[\"[Parsed_xfade_2 @ 0x5] First input link main "
                     "timebase do not match\",\"Error reinitializing filters!\"]}";
    return json_parse(fb, strlen(fb), 0, "fb", feedback, NULL) ? REEL_ESYS : REEL_ETOOL;
}

TEST(planner_llm_render_failure_goes_back_to_the_model)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    int calls = 0;
    x.o.check = failing_render;
    x.o.check_ctx = &calls;
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    CHECK(x.r.valid);
    REQUIRE(x.r.nattempts == 2);
    CHECK(!x.r.attempts[0].valid);
    CHECK(json_object_get(x.r.attempts[0].feedback, "ffmpeg_stderr") != NULL);
    const char *fix = msg_text(last_message(req_body(&x, 1)));
    REQUIRE(fix);
    CHECK(strstr(fix, "FFmpeg rejected") != NULL);
    CHECK(strstr(fix, "Error reinitializing filters!") != NULL);
    /* the plan carries the paths the planner was given */
    CHECK_STR(json_string_value(json_object_get(json_object_get(x.r.plan, "assets"), "clip")),
              "/nonexistent/clip.mp4");
    fixture_stop(&x);
}

TEST(planner_llm_reply_size_cap)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    x.o.max_response_bytes = 100;
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, &err) == REEL_ELIMIT);
    CHECK(strstr(err.msg, "100 bytes") != NULL);
    CHECK(json_array_size(x.f.requests) == 1); /* not retried */
    fixture_stop(&x);
}

TEST(planner_llm_needs_endpoint)
{
    struct planner_brief b;
    planner_brief_init(&b);
    struct planner_opts o;
    planner_opts_init(&o);
    o.strategy = "llm";
    struct planner_result r;
    planner_result_init(&r);
    struct reel_err err = REEL_ERR_INIT;
    struct planner_asset a = {0};
    a.label = "x";
    CHECK(planner_plan(&b, &a, 1, &o, &r, &err) == REEL_EUSAGE);
    CHECK(strstr(err.msg, "REEL_LLM_BASE_URL") != NULL);
    o.strategy = "nope";
    CHECK(planner_plan(&b, &a, 1, &o, &r, &err) == REEL_EUSAGE);
    planner_result_release(&r);
}

TEST(planner_llm_server_refuses_temperature)
{
    struct llm_fixture x;
    REQUIRE(fixture_start(&x) == 0);
    fake_add(&x.f, 400,
             xstrdup("{\"error\":{\"message\":\"Unsupported parameter: 'temperature' is not "
                     "supported with this model.\"}}"),
             0);
    fake_add(&x.f, 200, chat_body(VALID_PLAN, NULL), 0);
    CHECK(planner_plan(&x.b, x.a, 1, &x.o, &x.r, NULL) == REEL_OK);
    REQUIRE(json_array_size(x.f.requests) == 2);
    CHECK(json_object_get(req_body(&x, 0), "temperature") != NULL);
    CHECK(json_object_get(req_body(&x, 1), "temperature") == NULL);
    /* structured outputs stay on */
    CHECK(json_object_get(req_body(&x, 1), "response_format") != NULL);
    fixture_stop(&x);
}
