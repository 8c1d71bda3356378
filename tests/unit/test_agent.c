#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/util.h"
#include "test.h"
#include "core/banned.h"

TEST(agent_label_from_path)
{
    char l[64];
    agent_label_from_path("/x/y/My Clip (2).MP4", l, sizeof(l));
    CHECK(!strcmp(l, "my_clip_2"));
    agent_label_from_path("talk.mp4", l, sizeof(l));
    CHECK(!strcmp(l, "talk"));
    agent_label_from_path("/x/.mp4", l, sizeof(l));
    CHECK(!strcmp(l, "mp4"));
    agent_label_from_path("/x/---.wav", l, sizeof(l));
    CHECK(!strcmp(l, "asset"));
    agent_label_from_path("b-roll_1.mov", l, sizeof(l));
    CHECK(!strcmp(l, "b-roll_1"));
    agent_label_from_path("caf\xc3\xa9.png", l, sizeof(l));
    CHECK(!strcmp(l, "caf"));
    char small[4];
    agent_label_from_path("abcdef.mp4", small, sizeof(small));
    CHECK(!strcmp(small, "abc"));
}

TEST(agent_asset_types)
{
    CHECK(!strcmp(agent_asset_type_name(AGENT_ASSET_BROLL), "b-roll"));
    CHECK(agent_asset_type_parse("raw_footage") == AGENT_ASSET_RAW_FOOTAGE);
    CHECK(agent_asset_type_parse("logo") == AGENT_ASSET_LOGO);
    CHECK(agent_asset_type_parse("video") == -1);
    CHECK(!strcmp(agent_asset_type_guess_name("/a/b.WAV"), "audio"));
    CHECK(!strcmp(agent_asset_type_guess_name("logo.png"), "image"));
    CHECK(!strcmp(agent_asset_type_guess_name("x.cube"), "lut"));
    CHECK(!strcmp(agent_asset_type_guess_name("dir.png/clip"), "raw_footage"));
}

TEST(agent_request_args_and_json)
{
    char *argv[] = {"edit",     "--brief", "a 20 s teaser", "talk.mp4",   "--broll",
                    "city.mp4", "--music", "bed.wav",       "--logo",     "logo.png",
                    "-o",       "out.mp4", "--duration",    "20",         "--aspect",
                    "9:16",     "--pace",  "fast",          "--captions", "--max-revisions",
                    "3",        "--json"};
    struct agent_request r;
    agent_request_init(&r);
    struct reel_err err = REEL_ERR_INIT;
    int json = 0;
    REQUIRE(agent_request_parse_args((int)ARRAY_SIZE(argv), argv, &r, &json, &err) == REEL_OK);
    CHECK(json == 1);
    CHECK(!strcmp(r.brief, "a 20 s teaser"));
    CHECK(r.ninputs == 4);
    CHECK(r.inputs[0].type == AGENT_ASSET_GUESS);
    CHECK(r.inputs[1].type == AGENT_ASSET_BROLL);
    CHECK(r.inputs[2].type == AGENT_ASSET_AUDIO);
    CHECK(r.inputs[3].type == AGENT_ASSET_LOGO);
    CHECK(r.duration == 20 && r.captions == 1 && r.max_revisions == 3);
    CHECK(!strcmp(r.aspect, "9:16") && !strcmp(r.output, "out.mp4"));

    json_t *j = agent_request_to_json(&r);
    struct agent_request r2;
    agent_request_init(&r2);
    REQUIRE(agent_request_from_json(j, &r2, &err) == REEL_OK);
    json_t *j2 = agent_request_to_json(&r2);
    CHECK(json_equal(j, j2));
    json_decref(j);
    json_decref(j2);
    agent_request_release(&r);
    agent_request_release(&r2);
}

TEST(agent_request_args_errors)
{
    struct reel_err err = REEL_ERR_INIT;
    struct agent_request r;
    char *a1[] = {"edit", "x.mp4"};
    agent_request_init(&r);
    CHECK(agent_request_parse_args(2, a1, &r, NULL, &err) == REEL_EUSAGE);
    CHECK(strstr(err.msg, "--brief") != NULL);
    agent_request_release(&r);

    char *a2[] = {"edit", "--brief", "b"}; /* no assets: fine for a queued job */
    agent_request_init(&r);
    CHECK(agent_request_parse_args(3, a2, &r, NULL, &err) == REEL_OK);
    CHECK(r.ninputs == 0);
    agent_request_release(&r);

    char *a3[] = {"edit", "--brief", "b", "x.mp4", "--aspect", "2:1"};
    agent_request_init(&r);
    CHECK(agent_request_parse_args(6, a3, &r, NULL, &err) == REEL_EUSAGE);
    CHECK(strstr(err.msg, "2:1") != NULL);
    agent_request_release(&r);

    char *a4[] = {"edit", "--brief", "b", "x.mp4", "--max-revisions", "many"};
    agent_request_init(&r);
    CHECK(agent_request_parse_args(6, a4, &r, NULL, &err) == REEL_EUSAGE);
    agent_request_release(&r);

    char *a5[] = {"edit", "--brief", "b", "x.mp4", "--frobnicate"};
    agent_request_init(&r);
    CHECK(agent_request_parse_args(5, a5, &r, NULL, &err) == REEL_EUSAGE);
    CHECK(strstr(err.msg, "--frobnicate") != NULL);
    agent_request_release(&r);

    json_t *bad = json_pack("{s:s, s:[{s:s, s:s}]}", "brief", "x", "inputs", "path", "a.mp4",
                            "type", "hologram");
    agent_request_init(&r);
    CHECK(agent_request_from_json(bad, &r, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "hologram") != NULL);
    agent_request_release(&r);
    json_decref(bad);
}

static char *read_all(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    rewind(f);
    char *s = xcalloc(1, (size_t)n + 1);
    CHECK(fread(s, 1, (size_t)n, f) == (size_t)n);
    return s;
}

TEST(agent_progress_json_lines)
{
    FILE *f = tmpfile();
    REQUIRE(f);
    struct agent_progress *p = agent_progress_new(f, 1, 0);
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = "j1",
                             .stage = "render",
                             .version = 2,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .elapsed_ms = 1500};
    agent_progress_event(p, &ev);
    struct agent_event pr = {.kind = AGENT_EV_PROGRESS,
                             .job_id = "j1",
                             .stage = "render",
                             .version = 2,
                             .fraction = 0.5,
                             .speed = 2,
                             .eta_s = 3,
                             .score = -1};
    agent_progress_event(p, &pr);
    agent_progress_free(p);
    char *s = read_all(f);
    fclose(f);
    char *nl = strchr(s, '\n');
    REQUIRE(nl);
    json_t *j = NULL;
    REQUIRE(json_parse(s, (size_t)(nl - s), 0, "line", &j, NULL) == REEL_OK);
    CHECK(!strcmp(json_get_str(j, "event", ""), "stage_end"));
    CHECK(json_get_int(j, "version", 0) == 2);
    CHECK(json_get_int(j, "elapsed_ms", 0) == 1500);
    CHECK(json_get_bool(j, "failed", 1) == 0);
    json_decref(j);
    REQUIRE(json_parse(nl + 1, strlen(nl + 1), 0, "line", &j, NULL) == REEL_OK);
    CHECK(json_get_num(j, "fraction", 0) == 0.5);
    json_decref(j);
    free(s);
}

TEST(agent_progress_plain_roundtrip)
{
    /* the plain printer gets the same text from an event and from its JSON */
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = "j1",
                             .stage = "evaluate",
                             .version = 1,
                             .fraction = -1,
                             .eta_s = -1,
                             .score = 0.912,
                             .elapsed_ms = 2000,
                             .message = "golden"};
    FILE *a = tmpfile(), *b = tmpfile();
    REQUIRE(a && b);
    struct agent_progress *pa = agent_progress_new(a, 0, 0), *pb = agent_progress_new(b, 0, 0);
    agent_progress_event(pa, &ev);
    json_t *j = agent_event_to_json(&ev);
    agent_progress_json(pb, j);
    json_decref(j);
    agent_progress_free(pa);
    agent_progress_free(pb);
    char *sa = read_all(a), *sb = read_all(b);
    CHECK(!strcmp(sa, sb));
    CHECK(strstr(sa, "evaluate") && strstr(sa, "v1") && strstr(sa, "0.912"));
    free(sa);
    free(sb);
    fclose(a);
    fclose(b);
}

TEST(agent_status_exit_codes)
{
    CHECK(agent_status_exit("completed", REEL_OK) == 0);
    CHECK(agent_status_exit("review_required", REEL_OK) == 1);
    CHECK(agent_status_exit("failed", REEL_EINVAL) == 1);
    CHECK(agent_status_exit("failed", REEL_ETOOL) == 3);
}
