#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"
#include "test.h"
#include "test_plan_facts.h"

/* Decode text and validate with the test facts, as `reel plan validate` does. */
static enum reel_code check_text(const char *text, struct plan *p, struct plan_issues *is)
{
    plan_init(p);
    enum reel_code rc = plan_decode_text(text, strlen(text), "t.json", p, is);
    plan_test_facts(p);
    if (rc == REEL_OK || p->nops)
        if (plan_validate(p, is) != REEL_OK)
            rc = REEL_EINVAL;
    return rc;
}

static enum reel_code check_file(const char *path, struct plan *p, struct plan_issues *is)
{
    struct reel_err err = REEL_ERR_INIT;
    plan_init(p);
    enum reel_code rc = plan_decode_file(path, p, is, &err);
    if (rc != REEL_OK && rc != REEL_EINVAL)
        return rc;
    plan_test_facts(p);
    if (rc == REEL_OK || p->nops)
        if (plan_validate(p, is) != REEL_OK)
            rc = REEL_EINVAL;
    return rc;
}

static int has_issue(const struct plan_issues *is, const char *code, const char *path)
{
    for (size_t i = 0; i < is->n; i++)
        if (!strcmp(is->v[i].code, code) && (!path || !strcmp(is->v[i].path, path)))
            return 1;
    return 0;
}

static void dump_issues(const struct plan_issues *is)
{
    for (size_t i = 0; i < is->n; i++)
        fprintf(stderr, "      %s: %s: %s\n", is->v[i].path, is->v[i].code, is->v[i].message);
}

static char *encode_text(const struct plan *p)
{
    json_t *j = plan_encode(p);
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 0);
    json_decref(j);
    return buf_detach(&b);
}

TEST(plan_defaults_are_the_spec)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t = "{\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":2},"
                    "{\"op\":\"text\",\"text\":\"hi\"},{\"op\":\"captions\"},"
                    "{\"op\":\"audio\",\"asset\":\"music\"},{\"op\":\"color\"},"
                    "{\"op\":\"fade\",\"kind\":\"out\"},{\"op\":\"overlay\",\"asset\":\"still\"}]}";
    REQUIRE(check_text(t, &p, &is) == REEL_OK);
    const struct plan_op *c = &p.ops[0];
    CHECK(c->speed == 1.0 && c->volume_db == 0 && !c->mute && c->fit == FIT_COVER);
    CHECK(c->focus_x == 0.5 && c->focus_y == 0.5);
    const struct plan_op *tx = &p.ops[1];
    CHECK_STR(tx->style.font, "DejaVu Sans");
    CHECK(tx->style.size == 0.06 && tx->start == 0 && tx->end < 0);
    CHECK(tx->position.anchor == POS_CENTER);
    CHECK(tx->style.color.set && tx->style.color.r == 255 && tx->style.color.a == 255);
    CHECK(tx->style.outline.set && tx->style.outline.r == 0);
    CHECK(!tx->style.box.set);
    const struct plan_op *cap = &p.ops[2];
    CHECK(cap->source_transcript && cap->position.anchor == POS_BOTTOM);
    CHECK(cap->style.max_chars_per_line == 42 && cap->style.max_lines == 2);
    CHECK(!cap->style.highlight.set);
    const struct plan_op *au = &p.ops[3];
    CHECK(!au->loop && !au->duck && au->fade_in == 0 && au->in == 0);
    const struct plan_op *co = &p.ops[4];
    CHECK(co->brightness == 0 && co->contrast == 1 && co->saturation == 1 && co->gamma == 1);
    CHECK(co->lut == NULL);
    CHECK(p.ops[5].fade_out_kind == 1 && p.ops[5].duration == 0.5);
    const struct plan_op *ov = &p.ops[6];
    CHECK(ov->width == 1.0 && ov->margin == 0.03 && ov->opacity == 1.0 && !ov->audio);
    const struct plan_output *o = &p.output;
    CHECK(o->vcodec == VCODEC_H264 && o->crf == 20 && o->acodec == ACODEC_AAC);
    CHECK_STR(o->preset, "medium");
    CHECK(o->audio_bitrate_kbps == 160 && o->sample_rate == 48000);
    CHECK(o->loudness_set && o->loudness_lufs == -14 && o->true_peak_dbtp == -1);
    CHECK(o->container == CONT_MP4 && o->background.set && o->background.r == 0);
    /* resolved from the first cut */
    CHECK(o->width == 320 && o->height == 180 && o->fps == 30 && o->fps_num == 30);
    CHECK(!o->size_given && !o->fps_given);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_null_means_default_or_none)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t =
        "{\"schema\":null,\"title\":null,\"output\":{\"width\":null,\"fps\":null,\"video\":null,"
        "\"audio\":{\"loudness_lufs\":null,\"codec\":null}},"
        "\"operations\":[{\"op\":\"cut\",\"id\":null,\"asset\":\"clip\",\"in\":0,\"out\":2,"
        "\"speed\":null,\"focus\":null,\"duration\":null},"
        "{\"op\":\"text\",\"text\":\"hi\",\"end\":null,\"style\":{\"outline\":null,\"box\":null,"
        "\"color\":null}}]}";
    REQUIRE(check_text(t, &p, &is) == REEL_OK);
    CHECK(p.ops[0].speed == 1.0 && p.ops[0].id == NULL && p.ops[0].duration < 0);
    CHECK(!p.output.loudness_set);      /* null: leave loudness as is */
    CHECK(!p.ops[1].style.outline.set); /* null: no outline */
    CHECK(p.ops[1].style.color.set);    /* null: the default white */
    CHECK(p.output.acodec == ACODEC_AAC);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_colors_positions_and_enums_decode)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t =
        "{\"output\":{\"background\":\"#1a2B3c\",\"container\":\"mkv\","
        "\"video\":{\"codec\":\"hevc\"},\"fps\":29.97},"
        "\"operations\":[{\"op\":\"cut\",\"id\":\"x\",\"asset\":\"clip\",\"in\":0,"
        "\"out\":1,\"fit\":\"stretch\"},{\"op\":\"cut\",\"asset\":\"clip\",\"in\":1,\"out\":2},"
        "{\"op\":\"transition\",\"after\":\"x\",\"kind\":\"circle_open\",\"duration\":0.2},"
        "{\"op\":\"text\",\"text\":\"a\",\"position\":{\"x\":0.25,\"y\":1},"
        "\"style\":{\"color\":\"#FFFF00CC\"}}]}";
    REQUIRE(check_text(t, &p, &is) == REEL_OK);
    CHECK(p.output.background.r == 0x1a && p.output.background.g == 0x2b &&
          p.output.background.b == 0x3c);
    CHECK(p.output.container == CONT_MKV && p.output.vcodec == VCODEC_HEVC);
    CHECK(p.output.fps_num == 30000 && p.output.fps_den == 1001 && p.output.fps_given);
    CHECK(p.ops[0].fit == FIT_STRETCH);
    CHECK(p.ops[2].transition == TR_CIRCLE_OPEN);
    CHECK(p.ops[3].position.anchor == POS_XY && p.ops[3].position.x == 0.25 &&
          p.ops[3].position.y == 1);
    const struct plan_color *c = &p.ops[3].style.color;
    CHECK(c->r == 255 && c->g == 255 && c->b == 0 && c->a == 0xCC);
    CHECK_STR(plan_transition_name(TR_CIRCLE_OPEN), "circle_open");
    CHECK_STR(plan_op_kind_name(OP_CAPTIONS), "captions");
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_snap_rounds_to_the_frame_grid)
{
    CHECK_NEAR(plan_snap(0.51, 30), 15.0 / 30, 1e-12);
    CHECK_NEAR(plan_snap(1.0 / 60, 30), 1.0 / 30, 1e-12); /* half a frame rounds up */
    CHECK_NEAR(plan_snap(2.0, 30000.0 / 1001), 60 / (30000.0 / 1001), 1e-12);
    CHECK_NEAR(plan_snap(0.0, 25), 0, 0);
    CHECK(plan_snap(1.234, 0) == 1.234); /* no grid yet */
}

TEST(plan_timeline_frames)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    /* cut a 0..2 (60 f), transition 0.5 (15 f), image 2 s (60 f), cut 1..3 at 2x (30 f),
     * text 0.51..1 -> frames 15..30, overlay from 1 to the end, fade out 0.5 */
    const char *t = "{\"output\":{\"fps\":30},\"operations\":["
                    "{\"op\":\"cut\",\"id\":\"a\",\"asset\":\"clip\",\"in\":0,\"out\":2},"
                    "{\"op\":\"transition\",\"after\":\"a\",\"duration\":0.5},"
                    "{\"op\":\"cut\",\"asset\":\"still\",\"duration\":2},"
                    "{\"op\":\"cut\",\"asset\":\"clip2\",\"in\":1,\"out\":3,\"speed\":2},"
                    "{\"op\":\"text\",\"text\":\"hi\",\"start\":0.51,\"end\":1},"
                    "{\"op\":\"overlay\",\"asset\":\"clip2\",\"start\":1,\"in\":0.5},"
                    "{\"op\":\"fade\",\"kind\":\"out\",\"duration\":0.5}]}";
    REQUIRE(check_text(t, &p, &is) == REEL_OK);
    struct plan_timeline tl;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(plan_timeline(&p, &tl, &err) == REEL_OK);
    CHECK(tl.total_frames == 60 + 60 + 30 - 15);
    CHECK_NEAR(tl.duration, 135 / 30.0, 1e-9);
    CHECK(tl.nspans == 7);
    CHECK(tl.spans[0].start_frame == 0 && tl.spans[0].end_frame == 60);
    CHECK(tl.spans[0].in_frame == 0 && tl.spans[0].out_frame == 60);
    CHECK(tl.spans[1].start_frame == 45 && tl.spans[1].end_frame == 60);
    CHECK(tl.spans[2].start_frame == 45 && tl.spans[2].end_frame == 105);
    CHECK(tl.spans[2].in_frame == -1);
    CHECK(tl.spans[3].start_frame == 105 && tl.spans[3].end_frame == 135);
    CHECK(tl.spans[3].in_frame == 30 && tl.spans[3].out_frame == 90);
    CHECK(tl.spans[4].start_frame == 15 && tl.spans[4].end_frame == 30);
    CHECK_NEAR(tl.spans[4].start, 0.5, 1e-12);
    CHECK(tl.spans[5].start_frame == 30 && tl.spans[5].end_frame == 135);
    CHECK(tl.spans[5].in_frame == 15);
    CHECK(tl.spans[6].start_frame == 120 && tl.spans[6].end_frame == 135);
    json_t *j = plan_timeline_to_json(&p, &tl);
    CHECK(json_integer_value(json_object_get(j, "total_frames")) == 135);
    CHECK(json_array_size(json_object_get(j, "spans")) == 7);
    json_decref(j);
    plan_timeline_release(&tl);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_timeline_needs_a_validated_plan)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    const char *t = "{\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":1}]}";
    REQUIRE(plan_decode_text(t, strlen(t), NULL, &p, &is) == REEL_OK);
    struct plan_timeline tl;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(plan_timeline(&p, &tl, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "validate") != NULL);
    plan_issues_release(&is);
    plan_release(&p);
}

static void resolve_case(const char *output, const struct media_info *first, int want_w, int want_h,
                         double want_fps)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    char *t = xasprintf("{\"output\":%s,\"operations\":[{\"op\":\"cut\",\"asset\":\"src\","
                        "\"in\":0,\"out\":1}]}",
                        output);
    plan_init(&p);
    CHECK(plan_decode_text(t, strlen(t), NULL, &p, &is) == REEL_OK);
    plan_set_asset_info(&p, "src", NULL, first);
    CHECK(plan_validate(&p, &is) == REEL_OK);
    if (p.output.width != want_w || p.output.height != want_h ||
        fabs(p.output.fps - want_fps) > 1e-9) {
        fprintf(stderr, "    %s: got %dx%d@%g, want %dx%d@%g\n", output, p.output.width,
                p.output.height, p.output.fps, want_w, want_h, want_fps);
        CHECK(!"output resolved as expected");
    }
    dump_issues(&is);
    free(t);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_output_resolves_from_first_cut)
{
    struct media_info hd;
    memset(&hd, 0, sizeof(hd));
    hd.kind = MEDIA_VIDEO, hd.duration = 10, hd.width = 1920, hd.height = 1080, hd.fps = 29.97;
    hd.fps_num = 30000, hd.fps_den = 1001, hd.has_video = 1;
    resolve_case("{}", &hd, 1920, 1080, 29.97);
    resolve_case("{\"aspect\":\"9:16\"}", &hd, 1080, 1920, 29.97);
    resolve_case("{\"aspect\":\"4:5\"}", &hd, 1080, 1350, 29.97);
    resolve_case("{\"aspect\":\"1:1\",\"fps\":25}", &hd, 1080, 1080, 25);
    resolve_case("{\"width\":1280}", &hd, 1280, 720, 29.97);
    resolve_case("{\"height\":1920,\"aspect\":\"9:16\"}", &hd, 1080, 1920, 29.97);
    struct media_info rot = hd;
    rot.rotation = 90, rot.fps = 120, rot.fps_num = 120, rot.fps_den = 1;
    resolve_case("{}", &rot, 1080, 1920, 60); /* display size; nearest offered rate */
    struct media_info odd = hd;
    odd.width = 853, odd.height = 481, odd.fps = 15, odd.fps_num = 15;
    resolve_case("{}", &odd, 852, 480, 23.976);
    struct media_info img;
    memset(&img, 0, sizeof(img));
    img.kind = MEDIA_IMAGE, img.width = 8000, img.height = 4000, img.has_video = 1;
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    const char *t = "{\"operations\":[{\"op\":\"cut\",\"asset\":\"big\",\"duration\":1}]}";
    CHECK(plan_decode_text(t, strlen(t), NULL, &p, &is) == REEL_OK);
    plan_set_asset_info(&p, "big", NULL, &img);
    CHECK(plan_validate(&p, &is) == REEL_OK);
    CHECK(p.output.width == 7680 && p.output.height == 3840 && p.output.fps == 30);
    plan_issues_release(&is);
    plan_release(&p);
}

/* Every plan in the invalid corpus gives exactly the error its table row names. */
TEST(plan_invalid_corpus_matches_table)
{
    struct buf tab = BUF_INIT;
    REQUIRE(buf_read_file(&tab, "tests/data/plan-invalid.tsv", 0, NULL) == REEL_OK);
    int rows = 0;
    char *save = NULL;
    for (char *line = strtok_r(tab.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#' || !line[0])
            continue;
        char *f[4] = {NULL};
        char *s2 = NULL;
        int k = 0;
        for (char *c = strtok_r(line, "\t", &s2); c && k < 4; c = strtok_r(NULL, "\t", &s2))
            f[k++] = c;
        REQUIRE(k == 4);
        rows++;
        char *path = xasprintf("tests/plans/invalid/%s", f[0]);
        struct plan p;
        struct plan_issues is = PLAN_ISSUES_INIT;
        enum reel_code rc = check_file(path, &p, &is);
        if (rc != REEL_EINVAL || is.n != 1 || !has_issue(&is, f[1], f[2])) {
            fprintf(stderr, "    %s: want %s at %s, got rc %d and:\n", f[0], f[1], f[2], rc);
            dump_issues(&is);
            CHECK(!"invalid plan gives exactly its expected error");
        }
        CHECK(is.n == 0 || strlen(is.v[0].message) > 10);
        free(path);
        plan_issues_release(&is);
        plan_release(&p);
    }
    CHECK(rows >= 40);
    buf_release(&tab);
}

static size_t list_json(const char *dir, char ***out)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    *out = NULL;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        *out = xrealloc(*out, (n + 1) * sizeof(**out));
        (*out)[n++] = xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    return n;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Every valid plan validates, and encode -> decode -> encode is a fixed point. */
TEST(plan_valid_corpus_round_trips)
{
    char **files;
    size_t n = list_json("tests/plans/valid", &files);
    CHECK(n >= 10);
    for (size_t i = 0; i < n; i++) {
        struct plan p, q;
        struct plan_issues is = PLAN_ISSUES_INIT;
        if (check_file(files[i], &p, &is) != REEL_OK) {
            fprintf(stderr, "    %s:\n", files[i]);
            dump_issues(&is);
            CHECK(!"valid plan validates");
            plan_release(&p);
            plan_issues_release(&is);
            continue;
        }
        char *a = encode_text(&p);
        CHECK(check_text(a, &q, &is) == REEL_OK);
        char *b = encode_text(&q);
        if (strcmp(a, b)) {
            fprintf(stderr, "    %s does not round-trip:\n%s\n%s\n", files[i], a, b);
            CHECK(!"round trip");
        }
        CHECK(p.nops == q.nops && p.output.width == q.output.width &&
              p.output.fps_num == q.output.fps_num);
        for (size_t k = 0; k < p.nops && k < q.nops; k++) {
            CHECK(p.ops[k].kind == q.ops[k].kind && p.ops[k].in == q.ops[k].in &&
                  p.ops[k].out == q.ops[k].out && p.ops[k].duration == q.ops[k].duration &&
                  p.ops[k].end == q.ops[k].end && p.ops[k].ncues == q.ops[k].ncues);
            CHECK(!memcmp(&p.ops[k].style.color, &q.ops[k].style.color, sizeof(struct plan_color)));
        }
        free(a);
        free(b);
        plan_issues_release(&is);
        plan_release(&p);
        plan_release(&q);
    }
    free_list(files, n);
}

/* The fuzz corpus (and the seed plans) through decode + validate: never a crash. */
TEST(plan_fuzz_corpus_replays)
{
    const char *dirs[] = {"tests/plans/valid", "tests/plans/invalid", "tests/fuzz/corpus"};
    size_t total = 0;
    for (size_t d = 0; d < 3; d++) {
        char **files;
        size_t n = list_json(dirs[d], &files);
        if (d == 2 && !n)
            n = 0;
        for (size_t i = 0; i < n; i++) {
            struct buf b = BUF_INIT;
            if (buf_read_file(&b, files[i], 1 << 20, NULL) != REEL_OK) {
                buf_release(&b);
                continue;
            }
            struct plan p;
            struct plan_issues is = PLAN_ISSUES_INIT;
            plan_init(&p);
            plan_test_facts(&p);
            enum reel_code rc = plan_decode_text(b.buf, b.len, files[i], &p, &is);
            if (rc == REEL_OK || p.nops)
                plan_validate(&p, &is);
            if (!is.n) {
                struct plan_timeline tl;
                CHECK(plan_timeline(&p, &tl, NULL) == REEL_OK);
                plan_timeline_release(&tl);
            }
            json_t *j = plan_encode(&p);
            json_decref(j);
            plan_issues_release(&is);
            plan_release(&p);
            buf_release(&b);
            total++;
        }
        free_list(files, n);
    }
    CHECK(total >= 50);
}

TEST(plan_bad_json_reports_line_and_column)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t = "{\"operations\": [\n  {\"op\": \"cut\",, }\n]}";
    plan_init(&p);
    CHECK(plan_decode_text(t, strlen(t), "x.json", &p, &is) == REEL_EINVAL);
    REQUIRE(is.n == 1);
    CHECK_STR(is.v[0].code, "bad_json");
    CHECK(starts_with(is.v[0].path, "x.json:2:"));
    plan_issues_release(&is);
    plan_release(&p);

    const char *bad[] = {
        "{\"operations\": [{\"op\": \"cut\", \"in\": NaN}]}",
        "{\"operations\": [{\"op\": \"cut\", \"in\": 1e400}]}",
        "{\"operations\": [{\"op\": \"cut\", \"in\": 99999999999999999999999}]}",
        "{\"title\": \"\xff\xfe\", \"operations\": []}",
        "{\"title\": \"a\", \"title\": \"b\", \"operations\": []}",
        "",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        plan_init(&p);
        CHECK(plan_decode_text(bad[i], strlen(bad[i]), "x.json", &p, &is) == REEL_EINVAL);
        CHECK(is.n == 1 && !strcmp(is.v[0].code, "bad_json"));
        plan_issues_release(&is);
        plan_release(&p);
    }
    /* a NUL byte inside */
    plan_init(&p);
    CHECK(plan_decode_text("{\"a\":\0}", 7, "x.json", &p, &is) == REEL_EINVAL);
    CHECK(is.n == 1 && !strcmp(is.v[0].code, "bad_json"));
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_deep_nesting_and_size_cap)
{
    struct buf b = BUF_INIT;
    buf_adds(&b, "{\"operations\":");
    for (int i = 0; i < 100000; i++)
        buf_addch(&b, '[');
    for (int i = 0; i < 100000; i++)
        buf_addch(&b, ']');
    buf_addch(&b, '}');
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    CHECK(plan_decode_text(b.buf, b.len, "deep.json", &p, &is) == REEL_EINVAL);
    CHECK(is.n == 1 && !strcmp(is.v[0].code, "bad_json"));
    plan_issues_release(&is);
    plan_release(&p);

    buf_reset(&b);
    buf_adds(&b, "{\"notes\":\"");
    while (b.len < PLAN_MAX_BYTES + 10)
        buf_adds(&b, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    buf_adds(&b, "\",\"operations\":[]}");
    plan_init(&p);
    CHECK(plan_decode_text(b.buf, b.len, "big.json", &p, &is) == REEL_EINVAL);
    CHECK(is.n == 1 && !strcmp(is.v[0].code, "too_large"));
    plan_issues_release(&is);
    plan_release(&p);
    buf_release(&b);
}

TEST(plan_many_errors_are_capped)
{
    struct buf b = BUF_INIT;
    buf_adds(&b, "{\"operations\":[");
    for (int i = 0; i < 500; i++)
        buf_addf(&b, "%s{\"op\":\"cut\",\"bogus\":1}", i ? "," : "");
    buf_adds(&b, "]}");
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    CHECK(plan_decode_text(b.buf, b.len, NULL, &p, &is) == REEL_EINVAL);
    CHECK(is.n == 101);
    CHECK_STR(is.v[100].code, "too_large");
    plan_issues_release(&is);
    plan_release(&p);
    buf_release(&b);
}

TEST(plan_unknown_key_suggests_the_nearest)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t = "{\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":1,"
                    "\"volume\":3}]}";
    plan_init(&p);
    CHECK(plan_decode_text(t, strlen(t), NULL, &p, &is) == REEL_EINVAL);
    REQUIRE(is.n == 1);
    CHECK_STR(is.v[0].path, "$.operations[0].volume");
    CHECK(strstr(is.v[0].message, "did you mean 'volume_db'") != NULL);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_assets_resolve_against_base_dir)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    const char *t = "{\"assets\":{\"a\":\"media/a.mp4\",\"b\":\"/abs/b.mp4\","
                    "\"c\":\"https://x.invalid/c.mp4\",\"d\":\"d.mp4\"},"
                    "\"operations\":[{\"op\":\"cut\",\"asset\":\"a\",\"in\":0,\"out\":1}]}";
    plan_init(&p);
    plan_set_asset(&p, "d", "given.mp4"); /* the caller's label wins */
    plan_set_base_dir(&p, "/plans");
    CHECK(plan_decode_text(t, strlen(t), NULL, &p, &is) == REEL_OK);
    CHECK_STR(plan_find_asset(&p, "a")->path, "/plans/media/a.mp4");
    CHECK_STR(plan_find_asset(&p, "b")->path, "/abs/b.mp4");
    CHECK_STR(plan_find_asset(&p, "c")->path, "https://x.invalid/c.mp4");
    CHECK_STR(plan_find_asset(&p, "d")->path, "given.mp4");
    plan_set_base_dir(&p, "/other");
    CHECK_STR(plan_find_asset(&p, "a")->path, "/other/media/a.mp4");
    CHECK_STR(plan_find_asset(&p, "d")->path, "given.mp4");
    plan_set_asset(&p, "a", "cli.mp4");
    CHECK_STR(plan_find_asset(&p, "a")->path, "cli.mp4");
    CHECK(plan_find_asset(&p, "zz") == NULL);
    plan_issues_release(&is);
    plan_release(&p);
}

TEST(plan_schema_is_embedded_and_strict_variant_is_strict)
{
    struct buf file = BUF_INIT;
    REQUIRE(buf_read_file(&file, "schema/editplan-v1.schema.json", 0, NULL) == REEL_OK);
    CHECK_STR(plan_schema_text(), file.buf);
    buf_release(&file);
    json_t *s = json_loads(plan_schema_text(), 0, NULL);
    REQUIRE(s);
    CHECK_STR(json_string_value(json_object_get(s, "$schema")),
              "https://json-schema.org/draft/2020-12/schema");
    CHECK(json_is_false(json_object_get(s, "additionalProperties")));
    json_decref(s);

    json_t *st = plan_schema_strict();
    json_t *props = json_object_get(st, "properties");
    CHECK(json_object_get(props, "assets") == NULL);
    CHECK(json_array_size(json_object_get(st, "required")) == json_object_size(props));
    json_t *cut = json_object_get(json_object_get(st, "$defs"), "cut");
    REQUIRE(cut);
    CHECK(json_array_size(json_object_get(cut, "required")) ==
          json_object_size(json_object_get(cut, "properties")));
    CHECK(json_is_false(json_object_get(cut, "additionalProperties")));
    json_t *op = json_object_get(json_object_get(cut, "properties"), "op");
    CHECK(json_object_get(op, "const") == NULL && json_is_array(json_object_get(op, "enum")));
    json_decref(st);
}

TEST(plan_encoders_exist_for_defaults)
{
    CHECK(plan_video_encoder(VCODEC_H264) != NULL);
    CHECK(plan_audio_encoder(ACODEC_AAC) != NULL);
    CHECK_STR(plan_vcodec_name(VCODEC_VP9), "vp9");
    CHECK_STR(plan_container_name(CONT_WEBM), "webm");
}

TEST(plan_an_op_past_the_issue_cap_is_still_judged)
{
    /* 120 ops with an unknown key each fill the list of problems past its
     * cap; a cut after them with no asset must still count as bad (it was
     * taken as sound, and the validator read the asset it does not have) */
    struct buf b = BUF_INIT;
    buf_adds(&b, "{\"schema\":\"reel.editplan/1\",\"operations\":[");
    for (int i = 0; i < 120; i++)
        buf_addf(&b, "{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":1,\"bogus%d\":1},", i);
    buf_adds(&b, "{\"op\":\"cut\",\"in\":0,\"out\":1}]}");
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    CHECK(check_text(b.buf, &p, &is) == REEL_EINVAL);
    CHECK(p.nops == 121);
    CHECK(p.ops[120].bad);
    CHECK(is.n == 101); /* the cap, and one line that says so */
    CHECK(is.seen == 121); /* 120 unknown keys and the missing asset */
    CHECK_STR(is.v[100].code, "too_large");
    plan_issues_release(&is);
    plan_release(&p);
    buf_release(&b);
}
