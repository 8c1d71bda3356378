/* Trace ids and spans written as they start and end, on both backends. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core/proc.h"
#include "store_harness.h"
#include "test.h"
#include "trace/trace.h"
#include "core/banned.h"

TEST(trace_ids_are_hex_and_fresh)
{
    char a[33], b[33], s1[17];
    trace_id_new(a);
    trace_id_new(b);
    trace_span_id_new(s1);
    CHECK(trace_id_valid(a) && trace_id_valid(b) && strcmp(a, b));
    CHECK(trace_span_id_valid(s1) && strlen(s1) == 16);
    CHECK(!trace_id_valid("00000000000000000000000000000000"));
    CHECK(!trace_id_valid("ABCDEF0123456789abcdef0123456789"));
    CHECK(!trace_span_id_valid("abc"));
    CHECK(!trace_span_id_valid(a));
}

TEST(trace_usage_counts_child_processes)
{
    struct rusage s0, s1, c0, c1;
    getrusage(RUSAGE_SELF, &s0);
    getrusage(RUSAGE_CHILDREN, &c0);
    /* A child that burns some CPU. */
    struct argv a = ARGV_INIT;
    argv_push(&a, "sh");
    argv_push(&a, "-c");
    argv_push(&a, "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done");
    int status = -1;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(proc_run(&a, NULL, NULL, 0, &status, &err) == REEL_OK && status == 0);
    argv_release(&a);
    getrusage(RUSAGE_SELF, &s1);
    getrusage(RUSAGE_CHILDREN, &c1);
    json_t *u = trace_usage_json(&s0, &s1, &c0, &c1, NULL, 5);
    CHECK(json_get_int(u, "wall_ms", -1) == 5);
    CHECK(json_get_int(u, "child_cpu_user_ms", 0) + json_get_int(u, "child_cpu_system_ms", 0) > 0);
    CHECK(json_get_int(u, "max_rss_kb", 0) > 0);
    json_decref(u);
    /* A wait4 rusage passed in wins over the RUSAGE_CHILDREN delta. */
    struct rusage given;
    memset(&given, 0, sizeof(given));
    given.ru_utime.tv_sec = 2;
    given.ru_maxrss = 12345;
    u = trace_usage_json(&s0, &s1, &c0, &c1, &given, 1);
    CHECK(json_get_int(u, "child_cpu_user_ms", 0) == 2000);
    CHECK(json_get_int(u, "child_max_rss_kb", 0) == 12345);
    json_decref(u);
}

BOTH(spans_written_at_start_and_end)
{
    (void)url;
    struct reel_err err = REEL_ERR_INIT;
    struct store_job_new nj = {NULL, "traced", NULL, 0, 0, NULL, 0};
    char id[STORE_ID_LEN], trace[33];
    REQUIRE(store_job_create(s, &nj, id, trace, &err) == REEL_OK);
    struct trace_span root, child, bad;
    REQUIRE(trace_span_start(&root, s, id, trace, NULL, "job", &err) == REEL_OK);
    REQUIRE(trace_span_start(&child, s, id, trace, root.span_id, "render", &err) == REEL_OK);
    /* Written at the start: visible, unfinished, before it ends. */
    struct store_span_list l;
    REQUIRE(store_span_list(s, id, &l, &err) == REEL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[1].status, "running");
        CHECK(l.v[1].ended_at == 0);
    }
    store_span_list_release(&l);

    json_t *payload = json_pack("{s:s}", "output", "out.mp4");
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.ffmpeg_args = "ffmpeg -i 'a b.mp4' -y out.mp4";
    r.render_time_ms = 1234;
    r.payload = payload;
    CHECK(trace_span_end(&child, &r, &err) == REEL_OK);
    CHECK(trace_span_end(&child, &r, &err) == REEL_OK); /* twice: nothing more */
    json_decref(payload);

    REQUIRE(trace_span_start(&bad, s, id, trace, root.span_id, "validate", &err) == REEL_OK);
    struct reel_err cause = REEL_ERR_INIT;
    reel_fail(&cause, REEL_EINVAL, "$.operations[0].in", "in is negative");
    CHECK(trace_span_fail(&bad, &cause, &err) == REEL_OK);
    /* root is left open, as after a crash */

    REQUIRE(store_span_list(s, id, &l, &err) == REEL_OK);
    REQUIRE(l.n == 3);
    const struct store_span *sr = &l.v[0], *sc = &l.v[1], *sb = &l.v[2];
    CHECK_STR(sr->step_name, "job");
    CHECK_STR(sr->status, "running");
    CHECK(sr->ended_at == 0 && sr->parent_span_id[0] == 0);
    CHECK_STR(sr->span_id, root.span_id);
    CHECK_STR(sc->parent_span_id, root.span_id);
    CHECK_STR(sc->trace_id, trace);
    CHECK_STR(sc->status, "ok");
    CHECK(!sc->is_failure && sc->render_time_ms == 1234);
    CHECK_STR(sc->ffmpeg_args, "ffmpeg -i 'a b.mp4' -y out.mp4");
    CHECK(sc->ended_at >= sc->started_at && sc->started_at > 0);
    CHECK(sc->payload && !strcmp(json_get_str(sc->payload, "output", ""), "out.mp4"));
    json_t *usage = sc->payload ? json_object_get(sc->payload, "usage") : NULL;
    CHECK(usage && json_object_get(usage, "cpu_user_ms") &&
          json_object_get(usage, "child_max_rss_kb"));
    CHECK(sb->is_failure);
    CHECK_STR(sb->status, "error");
    CHECK(sb->logs && strstr(sb->logs, "in is negative") && strstr(sb->logs, "$.operations[0]"));
    json_t *v = store_span_to_json(sc);
    CHECK(json_get_int(v, "duration_ms", -1) >= 0 && json_get_bool(v, "finished", 0));
    json_decref(v);
    v = store_span_to_json(sr);
    CHECK(json_is_null(json_object_get(v, "duration_ms")) && !json_get_bool(v, "finished", 1));
    json_decref(v);
    store_span_list_release(&l);

    CHECK(trace_span_start(&bad, s, id, "nothex", NULL, "x", &err) == REEL_EINVAL);
}

TEST(trace_spans_announce_start_and_end_as_job_events)
{
    char *url = xasprintf("sqlite:%s/trace-events.db", test_tmpdir());
    struct store *s = NULL;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(store_open(url, &s, &err) == REEL_OK);
    free(url);
    struct store_job_new nj = {0};
    nj.title = "events";
    char id[STORE_ID_LEN], trace[33];
    REQUIRE(store_job_create(s, &nj, id, trace, &err) == REEL_OK);
    struct trace_span sp = {0};
    REQUIRE(trace_span_start(&sp, s, id, trace, NULL, "render v1", &err) == REEL_OK);
    struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
    r.is_failure = 1;
    REQUIRE(trace_span_end(&sp, &r, &err) == REEL_OK);
    struct store_event_list l = {0};
    REQUIRE(store_events_since(s, id, 0, 0, &l, &err) == REEL_OK);
    int starts = 0, ends = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (strcmp(l.v[i].kind, "span"))
            continue;
        const json_t *p = l.v[i].payload;
        CHECK_STR(json_get_str(p, "span_id", NULL), sp.span_id);
        CHECK_STR(json_get_str(p, "step_name", NULL), "render v1");
        if (!strcmp(json_get_str(p, "phase", ""), "start"))
            starts++;
        if (!strcmp(json_get_str(p, "phase", ""), "end")) {
            ends++;
            CHECK(json_get_bool(p, "is_failure", 0) == 1);
            CHECK(json_get_int(p, "duration_ms", -1) >= 0);
        }
    }
    CHECK(starts == 1 && ends == 1);
    store_event_list_release(&l);
    store_close(s);
}
