/* The rules planner over footage described by facts (analysis, transcript). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/proc.h"
#include "planner/planner.h"
#include "test.h"
#include "core/banned.h"

/* Phrases of words (0.3 s each, 0.1 s apart) separated by silences; one
 * filler "um" inside the third phrase. */
static const double phrases[][2] = {{0.5, 4.1}, {6.0, 9.6}, {10.0, 14.0}, {16.0, 19.6}};
#define FILLER_AT 12.0

static json_t *make_transcript(void)
{
    json_t *words = json_array();
    for (size_t p = 0; p < 4; p++)
        for (double t = phrases[p][0]; t + 0.3 <= phrases[p][1] + 1e-9; t += 0.4) {
            json_t *w = json_object();
            int filler = p == 2 && fabs(t - FILLER_AT) < 1e-6;
            json_object_set_new(w, "start", json_real(t));
            json_object_set_new(w, "end", json_real(t + 0.3));
            json_object_set_new(w, "word", json_string(filler ? "um" : "word"));
            json_object_set_new(w, "confidence", json_real(0.9));
            json_object_set_new(w, "filler", json_boolean(filler));
            json_array_append_new(words, w);
        }
    json_t *t = json_object();
    json_object_set_new(t, "words", words);
    json_object_set_new(t, "segments", json_array());
    json_object_set_new(t, "pauses", json_array());
    return t;
}

/* Is time t inside a (non-filler) word? */
static int in_word(const json_t *tr, double t)
{
    size_t i;
    json_t *w;
    json_array_foreach(json_object_get(tr, "words"), i, w)
    {
        if (json_is_true(json_object_get(w, "filler")))
            continue;
        if (t >= json_number_value(json_object_get(w, "start")) &&
            t < json_number_value(json_object_get(w, "end")))
            return 1;
    }
    return 0;
}

/* Longest stretch without a word in the cut storyline (source times mapped
 * through the cuts), sampled every 10 ms. */
static double longest_silence(const json_t *plan, const json_t *tr, int *filler_kept)
{
    double run = 0, worst = 0;
    size_t i;
    json_t *op;
    *filler_kept = 0;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_string_value(json_object_get(op, "op")), "cut"))
            continue;
        double in = json_number_value(json_object_get(op, "in"));
        double out = json_number_value(json_object_get(op, "out"));
        for (double t = in; t < out; t += 0.01) {
            if (t >= FILLER_AT + 0.02 && t < FILLER_AT + 0.28)
                *filler_kept = 1;
            if (in_word(tr, t))
                run = 0;
            else {
                run += 0.01;
                worst = run > worst ? run : worst;
            }
        }
    }
    return worst;
}

static void fill_video(struct planner_asset *a, const char *label, double dur, int w, int h)
{
    memset(a, 0, sizeof(*a));
    a->label = label;
    a->path = label;
    a->probe.kind = MEDIA_VIDEO;
    a->probe.duration = dur;
    a->probe.width = w;
    a->probe.height = h;
    a->probe.fps = 30;
    a->probe.fps_num = 30;
    a->probe.fps_den = 1;
    a->probe.has_video = 1;
    a->probe.has_audio = 1;
}

static json_t *make_broll_analysis(double dur)
{
    json_t *an = json_object(), *shots = json_array(), *motion = json_array(), *act = json_array();
    for (double s = 0; s < dur; s += 5) {
        json_t *sh = json_object();
        json_object_set_new(sh, "start", json_real(s));
        json_object_set_new(sh, "end", json_real(fmin(dur, s + 5)));
        json_object_set_new(sh, "score", json_real(0.8));
        json_array_append_new(shots, sh);
    }
    for (int t = 0; t < (int)dur; t++) {
        json_array_append_new(motion, json_real((t % 7) / 7.0));
        json_t *a = json_object();
        json_object_set_new(a, "t", json_real(t));
        json_object_set_new(a, "x", json_real(0.25));
        json_object_set_new(a, "y", json_real(0.5));
        json_object_set_new(a, "w", json_real(1));
        json_array_append_new(act, a);
    }
    json_object_set_new(an, "shots", shots);
    json_object_set_new(an, "motion", motion);
    json_object_set_new(an, "activity", act);
    return an;
}

static json_t *make_music_analysis(double first, double period, double dur)
{
    json_t *an = json_object(), *beats = json_object(), *times = json_array();
    for (double t = first; t < dur; t += period)
        json_array_append_new(times, json_real(t));
    json_object_set_new(beats, "bpm", json_real(60 / period));
    json_object_set_new(beats, "confidence", json_real(0.9));
    json_object_set_new(beats, "times", times);
    json_object_set_new(an, "beats", beats);
    return an;
}

/* b-roll cutaways: full-frame overlays the rules planner names broll1, broll2, ... */
static int broll_count(const json_t *plan)
{
    int n = 0;
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *id = json_string_value(json_object_get(op, "id"));
        n += id && !strncmp(id, "broll", 5);
    }
    return n;
}

static double plan_duration(const json_t *plan, int *ncuts)
{
    double d = 0;
    size_t i;
    json_t *op;
    *ncuts = 0;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_string_value(json_object_get(op, "op")), "cut"))
            continue;
        (*ncuts)++;
        if (json_object_get(op, "duration"))
            d += json_number_value(json_object_get(op, "duration"));
        else
            d += json_number_value(json_object_get(op, "out")) -
                 json_number_value(json_object_get(op, "in"));
    }
    return d;
}

static const json_t *find_op(const json_t *plan, const char *kind)
{
    size_t i;
    json_t *op;
    json_array_foreach(
        json_object_get(plan, "operations"), i,
        op) if (!strcmp(json_string_value(json_object_get(op, "op")), kind)) return op;
    return NULL;
}

TEST(planner_brief_words)
{
    struct planner_brief b;
    planner_brief_init(&b);
    b.text = xstrdup("A fast 30 s vertical cut with captions, logo top right, on the beat. "
                     "Title \"Summer recap\"");
    CHECK(planner_brief_parse(&b, NULL) == REEL_OK);
    CHECK_NEAR(b.duration, 30, 1e-9);
    CHECK_STR(b.aspect, "9:16");
    CHECK(b.pace == PACE_FAST);
    CHECK(b.captions == 1);
    CHECK(b.on_beat == 1);
    CHECK_STR(b.logo_position, "top-right");
    CHECK_STR(b.title, "Summer recap");
    planner_brief_release(&b);

    /* flags win over words */
    planner_brief_init(&b);
    b.text = xstrdup("a slow square 1.5 min film, no captions");
    b.duration = 12;
    snprintf(b.aspect, sizeof(b.aspect), "16:9");
    CHECK(planner_brief_parse(&b, NULL) == REEL_OK);
    CHECK_NEAR(b.duration, 12, 1e-9);
    CHECK_STR(b.aspect, "16:9");
    CHECK(b.pace == PACE_SLOW);
    CHECK(b.captions == 0);
    CHECK(b.on_beat == -1);
    CHECK(b.title == NULL);
    planner_brief_release(&b);

    planner_brief_init(&b);
    b.text = xstrdup("square, 90 seconds");
    CHECK(planner_brief_parse(&b, NULL) == REEL_OK);
    CHECK_STR(b.aspect, "1:1");
    CHECK_NEAR(b.duration, 90, 1e-9);
    planner_brief_release(&b);

    planner_brief_init(&b);
    b.text = xstrdup("1 min");
    CHECK(planner_brief_parse(&b, NULL) == REEL_OK);
    CHECK_NEAR(b.duration, 60, 1e-9);
    planner_brief_release(&b);
}

TEST(planner_labels)
{
    char l[64];
    planner_label_from_path("/x/My Clip (final).MP4", NULL, 0, l, sizeof(l));
    CHECK_STR(l, "my_clip_final");
    CHECK(planner_label_valid(l));
    const char *taken[] = {"my_clip_final", "my_clip_final_2"};
    planner_label_from_path("other/My Clip (final).mov", taken, 2, l, sizeof(l));
    CHECK_STR(l, "my_clip_final_3");
    planner_label_from_path("/x/.hidden", NULL, 0, l, sizeof(l));
    CHECK(planner_label_valid(l));
    planner_label_from_path("/x/été-2024.png", NULL, 0, l, sizeof(l));
    CHECK(planner_label_valid(l));
    CHECK(!planner_label_valid("Bad Label"));
    CHECK(!planner_label_valid(""));
}

TEST(planner_style_file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/style.json", test_tmpdir());
    const char *good = "{\"palette\":[\"#FF0000\"],\"font\":\"DejaVu Sans\","
                       "\"logo\":{\"position\":\"bottom-left\",\"width\":0.2},"
                       "\"loudness_lufs\":-16,\"captions\":{\"box\":\"#00000080\"}}";
    REQUIRE(write_file_atomic(path, good, strlen(good), NULL) == REEL_OK);
    struct planner_brief b;
    planner_brief_init(&b);
    CHECK(planner_brief_load_style(&b, path, NULL) == REEL_OK);
    CHECK(b.style != NULL);
    const char *bad = "{\"logo\":{\"position\":\"middle\"}}";
    REQUIRE(write_file_atomic(path, bad, strlen(bad), NULL) == REEL_OK);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_brief_load_style(&b, path, &err) == REEL_EINVAL);
    CHECK(strstr(err.path, "$.logo.position") != NULL);
    planner_brief_release(&b);
}

TEST(planner_rules_talking_footage)
{
    json_t *tr = make_transcript();
    struct planner_asset a[1];
    fill_video(&a[0], "talk", 20, 320, 180);
    a[0].transcript = tr;
    struct planner_brief b;
    planner_brief_init(&b);
    b.text = xstrdup("a 12 s edit with captions and a title \"Hello\"");
    REQUIRE(planner_brief_parse(&b, NULL) == REEL_OK);
    struct planner_opts o;
    planner_opts_init(&o);
    struct planner_result r;
    planner_result_init(&r);
    struct reel_err err = REEL_ERR_INIT;
    CHECK(planner_plan(&b, a, 1, &o, &r, &err) == REEL_OK);
    REQUIRE(r.plan);
    CHECK(r.valid);
    CHECK_STR(r.strategy, "rules");
    int ncuts;
    double d = plan_duration(r.plan, &ncuts);
    CHECK_NEAR(d, 12, 1.0);
    CHECK(ncuts >= 2);
    const json_t *cap = find_op(r.plan, "captions");
    REQUIRE(cap);
    CHECK_STR(json_string_value(json_object_get(cap, "source")), "transcript");
    CHECK(find_op(r.plan, "text") != NULL);
    int filler;
    double worst = longest_silence(r.plan, tr, &filler);
    CHECK(worst <= 0.5);
    CHECK(!filler);
    /* 16:9 source, no aspect asked: same frame */
    const json_t *out = json_object_get(r.plan, "output");
    CHECK(json_integer_value(json_object_get(out, "width")) == 320);
    CHECK(json_integer_value(json_object_get(out, "height")) == 180);
    CHECK_NEAR(json_number_value(json_object_get(json_object_get(out, "audio"), "loudness_lufs")),
               -14, 1e-9);
    planner_result_release(&r);

    /* No target: every spoken second, none of the silences. */
    planner_result_init(&r);
    free(b.text);
    b.text = xstrdup("tighten this talk");
    b.duration = 0;
    CHECK(planner_plan(&b, a, 1, &o, &r, &err) == REEL_OK);
    REQUIRE(r.plan);
    d = plan_duration(r.plan, &ncuts);
    CHECK(d > 13 && d < 16.5); /* 14.4 s of words + padding, minus the filler */
    CHECK(longest_silence(r.plan, tr, &filler) <= 0.5);
    CHECK(!filler);
    planner_result_release(&r);
    planner_brief_release(&b);
    json_decref(tr);
}

TEST(planner_rules_music_on_beat_vertical)
{
    struct planner_asset a[3];
    json_t *an = make_broll_analysis(40);
    json_t *man = make_music_analysis(0.25, 0.5, 30);
    fill_video(&a[0], "broll", 40, 320, 180);
    a[0].analysis = an;
    memset(&a[1], 0, sizeof(a[1]));
    a[1].label = "music";
    a[1].path = "music.wav";
    a[1].probe.kind = MEDIA_AUDIO;
    a[1].probe.duration = 30;
    a[1].probe.has_audio = 1;
    a[1].analysis = man;
    memset(&a[2], 0, sizeof(a[2]));
    a[2].label = "logo";
    a[2].path = "logo.png";
    a[2].probe.kind = MEDIA_IMAGE;
    a[2].probe.width = 64;
    a[2].probe.height = 64;
    a[2].probe.has_video = 1;
    struct planner_brief b;
    planner_brief_init(&b);
    b.text = xstrdup("fast vertical 10 s teaser on the beat, logo bottom left");
    REQUIRE(planner_brief_parse(&b, NULL) == REEL_OK);
    struct planner_opts o;
    planner_opts_init(&o);
    struct planner_result r;
    planner_result_init(&r);
    CHECK(planner_plan(&b, a, 3, &o, &r, NULL) == REEL_OK);
    REQUIRE(r.plan);
    int ncuts;
    double d = plan_duration(r.plan, &ncuts);
    CHECK_NEAR(d, 10, 1.0);
    CHECK(ncuts >= 3);
    const json_t *out = json_object_get(r.plan, "output");
    CHECK_STR(json_string_value(json_object_get(out, "aspect")), "9:16");
    long w = json_integer_value(json_object_get(out, "width"));
    long h = json_integer_value(json_object_get(out, "height"));
    CHECK(w * 16 == h * 9);
    CHECK(h <= 180 && w % 2 == 0 && h % 2 == 0);
    /* every boundary within one frame of a beat */
    double fps = json_number_value(json_object_get(out, "fps"));
    double t = 0;
    size_t i;
    json_t *op;
    int boundaries = 0;
    json_array_foreach(json_object_get(r.plan, "operations"), i, op)
    {
        if (strcmp(json_string_value(json_object_get(op, "op")), "cut"))
            continue;
        if (t > 0) {
            double k = round((t - 0.25) / 0.5);
            double beat = 0.25 + k * 0.5;
            CHECK(fabs(t - beat) <= 1.0 / fps + 1e-9);
            boundaries++;
        }
        t += json_number_value(json_object_get(op, "out")) -
             json_number_value(json_object_get(op, "in"));
        /* reframed towards the activity (x = 0.25) */
        const json_t *f = json_object_get(op, "focus");
        REQUIRE(f);
        CHECK_NEAR(json_number_value(json_object_get(f, "x")), 0.25, 1e-6);
        CHECK(json_is_true(json_object_get(op, "mute")));
    }
    CHECK(boundaries >= 2);
    const json_t *logo = find_op(r.plan, "overlay");
    REQUIRE(logo);
    CHECK_STR(json_string_value(json_object_get(logo, "position")), "bottom-left");
    const json_t *mus = find_op(r.plan, "audio");
    REQUIRE(mus);
    CHECK_STR(json_string_value(json_object_get(mus, "asset")), "music");
    CHECK(json_object_get(mus, "duck") == NULL); /* no speech to duck under */
    CHECK(find_op(r.plan, "captions") == NULL);
    planner_result_release(&r);
    planner_brief_release(&b);
    json_decref(an);
    json_decref(man);
}

TEST(planner_rules_probe_only)
{
    /* no analysis, no transcript: still a valid plan of the asked length */
    struct planner_asset a[1];
    fill_video(&a[0], "clip", 25, 640, 360);
    struct planner_brief b;
    planner_brief_init(&b);
    b.text = xstrdup("square 8 seconds");
    REQUIRE(planner_brief_parse(&b, NULL) == REEL_OK);
    struct planner_opts o;
    planner_opts_init(&o);
    struct planner_result r;
    planner_result_init(&r);
    CHECK(planner_plan(&b, a, 1, &o, &r, NULL) == REEL_OK);
    REQUIRE(r.plan);
    int n;
    CHECK_NEAR(plan_duration(r.plan, &n), 8, 1.0);
    const json_t *out = json_object_get(r.plan, "output");
    CHECK(json_integer_value(json_object_get(out, "width")) ==
          json_integer_value(json_object_get(out, "height")));
    planner_result_release(&r);
    planner_brief_release(&b);
}

/* ---- revisions ---- */

struct revise_fixture {
    struct planner_asset a[3];
    json_t *tr, *an;
    struct planner_brief b;
    struct planner_opts o;
    json_t *plan;
};

static void fixture_init(struct revise_fixture *f)
{
    f->tr = make_transcript();
    f->an = make_broll_analysis(40);
    fill_video(&f->a[0], "talk", 20, 320, 180);
    f->a[0].transcript = f->tr;
    fill_video(&f->a[1], "broll", 40, 320, 180);
    f->a[1].analysis = f->an;
    f->a[1].asset_type = "b-roll";
    memset(&f->a[2], 0, sizeof(f->a[2]));
    f->a[2].label = "logo";
    f->a[2].path = "logo.png";
    f->a[2].probe.kind = MEDIA_IMAGE;
    f->a[2].probe.width = f->a[2].probe.height = 64;
    f->a[2].probe.has_video = 1;
    planner_brief_init(&f->b);
    f->b.text = xstrdup("12 s with captions");
    planner_brief_parse(&f->b, NULL);
    planner_opts_init(&f->o);
    struct planner_result r;
    planner_result_init(&r);
    planner_plan(&f->b, f->a, 3, &f->o, &r, NULL);
    f->plan = json_incref(r.plan);
    planner_result_release(&r);
}

static void fixture_release(struct revise_fixture *f)
{
    json_decref(f->plan);
    json_decref(f->tr);
    json_decref(f->an);
    planner_brief_release(&f->b);
}

static json_t *revise(struct revise_fixture *f, const char *feedback_text)
{
    json_t *fb = NULL;
    if (json_parse(feedback_text, strlen(feedback_text), 0, "feedback", &fb, NULL))
        return NULL;
    struct planner_result r;
    planner_result_init(&r);
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = planner_revise(&f->b, f->a, 3, f->plan, fb, &f->o, &r, &err);
    json_t *p = rc == REEL_OK && r.valid ? json_incref(r.plan) : NULL;
    if (p && (r.nattempts != 1 || !r.attempts[0].feedback))
        p = (json_decref(p), NULL);
    planner_result_release(&r);
    json_decref(fb);
    return p;
}

static const json_t *op_by_id(const json_t *plan, const char *id)
{
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *s = json_string_value(json_object_get(op, "id"));
        if (s && !strcmp(s, id))
            return op;
    }
    return NULL;
}

TEST(planner_revise_loudness)
{
    struct revise_fixture f;
    fixture_init(&f);
    REQUIRE(f.plan);
    json_t *p = revise(&f, "{\"evaluation\":{\"score\":0.6,\"metrics\":{\"watchability\":"
                           "{\"score\":0.3,\"gate\":false,\"evidence\":{\"integrated_lufs\":-18,"
                           "\"target_lufs\":-14,\"true_peak_dbtp\":-0.2}}}}}");
    REQUIRE(p);
    CHECK(!json_equal(p, f.plan));
    const json_t *au = json_object_get(json_object_get(p, "output"), "audio");
    /* measured 4 LU too quiet: aim 4 LU higher; peak too hot: lower ceiling */
    CHECK_NEAR(json_number_value(json_object_get(au, "loudness_lufs")), -10, 1e-9);
    CHECK(json_number_value(json_object_get(au, "true_peak_dbtp")) < -1);
    json_decref(p);
    fixture_release(&f);
}

TEST(planner_revise_captions_logo_pace)
{
    struct revise_fixture f;
    fixture_init(&f);
    REQUIRE(f.plan);
    REQUIRE(op_by_id(f.plan, "captions"));
    CHECK(json_is_null(
        json_object_get(json_object_get(op_by_id(f.plan, "captions"), "style"), "box")));
    json_t *p = revise(&f, "{\"evaluation\":{\"metrics\":[{\"name\":\"caption_readability\","
                           "\"score\":0.4,\"passed\":false,\"evidence\":{\"contrast\":2.1}}]}}");
    REQUIRE(p);
    const json_t *st = json_object_get(op_by_id(p, "captions"), "style");
    CHECK(json_is_string(json_object_get(st, "box")));
    json_decref(p);

    /* the logo moves when brand fit fails */
    const char *before = json_string_value(json_object_get(op_by_id(f.plan, "logo"), "position"));
    REQUIRE(before);
    p = revise(&f, "{\"evaluation\":{\"metrics\":{\"brand_fit\":{\"score\":0.5,\"gate\":false}}}}");
    REQUIRE(p);
    const char *after = json_string_value(json_object_get(op_by_id(p, "logo"), "position"));
    REQUIRE(after);
    CHECK(strcmp(before, after) != 0);
    json_decref(p);

    /* too few cuts: more shots (cuts, or b-roll cutaways over the talk) */
    int n0, n1;
    plan_duration(f.plan, &n0);
    n0 += broll_count(f.plan);
    p = revise(&f, "{\"evaluation\":{\"metrics\":{\"punchiness\":{\"score\":0.2,"
                   "\"evidence\":{\"cuts_per_minute\":5,\"target_cuts_per_minute\":30}}}}}");
    REQUIRE(p);
    double d = plan_duration(p, &n1);
    n1 += broll_count(p);
    CHECK(n1 > n0);
    CHECK_NEAR(d, 12, 1.0);
    CHECK(op_by_id(p, "captions") != NULL); /* the rest of the plan stays */
    json_decref(p);
    fixture_release(&f);
}

TEST(planner_revise_misheard_captions)
{
    /* cues the recogniser was unsure of, or that the render's own sound
     * contradicts: no restyling helps; when the brief did not ask for
     * captions they go */
    const char *fbs[] = {
        "{\"evaluation\":{\"metrics\":{\"captions\":{\"score\":0.5,\"gate\":false,"
        "\"evidence\":{\"uncertain\":[{\"start\":0,\"end\":2,\"text\":\"a\"}]}}}}}",
        "{\"evaluation\":{\"metrics\":{\"captions\":{\"score\":0.5,\"gate\":false,"
        "\"evidence\":{\"uncertain\":[],\"hearing\":{\"contradicted\":2}}}}}}",
    };
    for (int k = 0; k < 2; k++) {
        struct revise_fixture f;
        fixture_init(&f);
        REQUIRE(op_by_id(f.plan, "captions"));
        f.b.captions = 0; /* as if the brief had not asked */
        json_t *p = revise(&f, fbs[k]);
        REQUIRE(p);
        CHECK(op_by_id(p, "captions") == NULL);
        CHECK(strstr(json_string_value(json_object_get(p, "notes")), "captions dropped") != NULL);
        json_decref(p);
        fixture_release(&f);
    }
}

/* script cues off their words' speech: no plan edit mends an alignment,
 * so the captions stay (the user asked for them, or gave the script) and
 * the revision says what must be done */
TEST(planner_revise_mistimed_script_captions)
{
    struct revise_fixture f;
    fixture_init(&f);
    REQUIRE(op_by_id(f.plan, "captions"));
    f.b.captions = 0;
    json_t *p = revise(&f, "{\"evaluation\":{\"metrics\":{\"captions\":{\"score\":0.5,"
                           "\"gate\":false,\"evidence\":{\"uncertain\":[],\"hearing\":"
                           "{\"contradicted\":0,\"mistimed\":2}}}}}}");
    REQUIRE(p);
    CHECK(op_by_id(p, "captions") != NULL);
    const char *notes = json_string_value(json_object_get(p, "notes"));
    CHECK(notes && strstr(notes, "not timed to their words") != NULL);
    CHECK(notes && strstr(notes, "captions dropped") == NULL);
    json_decref(p);
    fixture_release(&f);
}

TEST(planner_revise_validation_and_render)
{
    struct revise_fixture f;
    fixture_init(&f);
    REQUIRE(f.plan);
    /* break the plan: a cut past the end of its asset, an op naming nothing */
    json_t *bad = json_deep_copy(f.plan);
    json_t *ops = json_object_get(bad, "operations");
    json_object_set_new(json_array_get(ops, 0), "out", json_real(99));
    json_t *ghost = json_object();
    json_object_set_new(ghost, "op", json_string("overlay"));
    json_object_set_new(ghost, "asset", json_string("ghost"));
    json_array_append_new(ops, ghost);
    json_t *issues = NULL;
    CHECK(!planner_validate_plan(bad, f.a, 3, &issues));
    json_t *fb = json_object();
    json_object_set_new(fb, "validation_errors", issues);
    json_decref(f.plan);
    f.plan = bad;
    struct planner_result r;
    planner_result_init(&r);
    CHECK(planner_revise(&f.b, f.a, 3, f.plan, fb, &f.o, &r, NULL) == REEL_OK);
    CHECK(r.valid);
    REQUIRE(r.plan);
    CHECK(!json_equal(r.plan, f.plan));
    planner_result_release(&r);
    json_decref(fb);

    /* ffmpeg could not load the font */
    json_t *p = revise(&f, "{\"ffmpeg_stderr\":[\"[Parsed_drawtext_3 @ 0x55] Cannot find a "
                           "valid font for the family Comic\"]}");
    REQUIRE(p);
    CHECK(!json_equal(p, f.plan));
    json_decref(p);

    /* nothing to act on: still a different plan */
    p = revise(&f, "{\"evaluation\":{\"metrics\":{}}}");
    REQUIRE(p);
    CHECK(!json_equal(p, f.plan));
    json_decref(p);
    fixture_release(&f);
}

TEST(planner_activity_finds_the_action)
{
    /* a white square moving in the left part of a black frame */
    char path[512];
    snprintf(path, sizeof(path), "%s/act.mp4", test_tmpdir());
    struct argv av = ARGV_INIT;
    argv_pushv(&av, (const char *const[]){"ffmpeg",
                                          "-nostdin",
                                          "-v",
                                          "error",
                                          "-y",
                                          "-f",
                                          "lavfi",
                                          "-i",
                                          "color=c=black:s=320x180:r=25:d=2",
                                          "-f",
                                          "lavfi",
                                          "-i",
                                          "color=c=white:s=24x24:r=25:d=2",
                                          "-filter_complex",
                                          "[0][1]overlay=x='40+30*sin(t*5)':y='70+20*cos(t*5)'",
                                          "-c:v",
                                          "libx264",
                                          "-preset",
                                          "ultrafast",
                                          "-pix_fmt",
                                          "yuv420p",
                                          NULL});
    argv_push(&av, path);
    int st = -1;
    REQUIRE(proc_run(&av, NULL, NULL, 0, &st, NULL) == REEL_OK && st == 0);
    argv_release(&av);
    json_t *track = NULL;
    REQUIRE(planner_activity_track(path, &track, NULL) == REEL_OK);
    CHECK(json_array_size(track) >= 1);
    size_t i;
    json_t *p;
    json_array_foreach(track, i, p)
    {
        double x = json_number_value(json_object_get(p, "x"));
        double y = json_number_value(json_object_get(p, "y"));
        CHECK(x > 0.05 && x < 0.35);
        CHECK(y > 0.25 && y < 0.75);
    }
    json_decref(track);
}

TEST(planner_rules_silence_inside_loose_words)
{
    /* the words claim speech over 10..14 s, the analysis heard 11.0..12.0 silent */
    json_t *tr = make_transcript();
    json_t *an = json_object(), *sil = json_array(), *s = json_object();
    json_object_set_new(s, "start", json_real(11.0));
    json_object_set_new(s, "end", json_real(12.0));
    json_array_append_new(sil, s);
    json_object_set_new(an, "silence", sil);
    struct planner_asset a[1];
    fill_video(&a[0], "talk", 20, 320, 180);
    a[0].transcript = tr;
    a[0].analysis = an;
    struct planner_brief b;
    planner_brief_init(&b);
    struct planner_opts o;
    planner_opts_init(&o);
    struct planner_result r;
    planner_result_init(&r);
    CHECK(planner_plan(&b, a, 1, &o, &r, NULL) == REEL_OK);
    REQUIRE(r.plan);
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(r.plan, "operations"), i, op)
    {
        if (strcmp(json_string_value(json_object_get(op, "op")), "cut"))
            continue;
        double in = json_number_value(json_object_get(op, "in"));
        double out = json_number_value(json_object_get(op, "out"));
        double ov = fmin(out, 12.0) - fmax(in, 11.0);
        CHECK(ov <= 0.2 + 1e-6); /* at most the 0.1 s kept at each side */
    }
    planner_result_release(&r);
    planner_brief_release(&b);
    json_decref(tr);
    json_decref(an);
}

TEST(planner_rules_edge_footage)
{
    /* a 0.3 s clip: played whole */
    struct planner_asset a[3];
    fill_video(&a[0], "tiny", 0.3, 320, 180);
    struct planner_brief b;
    planner_brief_init(&b);
    b.duration = 10;
    struct planner_opts o;
    planner_opts_init(&o);
    struct planner_result r;
    planner_result_init(&r);
    CHECK(planner_plan(&b, a, 1, &o, &r, NULL) == REEL_OK);
    int n;
    REQUIRE(r.plan);
    CHECK_NEAR(plan_duration(r.plan, &n), 0.3, 1e-6);
    planner_result_release(&r);

    /* images only, with a music bed on 0.5 s beats: a slideshow of the asked length */
    json_t *man = make_music_analysis(0.25, 0.5, 7);
    for (int i = 0; i < 2; i++) {
        memset(&a[i], 0, sizeof(a[i]));
        a[i].label = i ? "img2" : "img1";
        a[i].path = a[i].label;
        a[i].probe.kind = MEDIA_IMAGE;
        a[i].probe.width = 640;
        a[i].probe.height = 480;
        a[i].probe.has_video = 1;
    }
    memset(&a[2], 0, sizeof(a[2]));
    a[2].label = "bed";
    a[2].path = "bed.flac";
    a[2].probe.kind = MEDIA_AUDIO;
    a[2].probe.duration = 7;
    a[2].probe.has_audio = 1;
    a[2].analysis = man;
    b.duration = 8;
    planner_result_init(&r);
    CHECK(planner_plan(&b, a, 3, &o, &r, NULL) == REEL_OK);
    REQUIRE(r.plan);
    CHECK_NEAR(plan_duration(r.plan, &n), 8, 1e-6);
    CHECK(n == 2);
    const json_t *first = json_array_get(json_object_get(r.plan, "operations"), 0);
    double d0 = json_number_value(json_object_get(first, "duration"));
    CHECK(fabs(d0 - 3.75) < 1.0 / 30 + 1e-9 || fabs(d0 - 4.25) < 1.0 / 30 + 1e-9);
    const json_t *mus = find_op(r.plan, "audio");
    REQUIRE(mus);
    CHECK(json_is_true(json_object_get(mus, "loop"))); /* 7 s bed under 8 s */
    planner_result_release(&r);
    planner_brief_release(&b);
    json_decref(man);
}

/* A long title is broken into lines that fit the title-safe width of a small
 * frame; when the evaluation still sees text outside it, the revision
 * shrinks and re-breaks the title and narrows the captions. */
TEST(planner_title_fits_the_title_safe_area)
{
    struct revise_fixture f;
    fixture_init(&f);
    REQUIRE(f.plan);
    json_decref(f.plan);
    free(f.b.title);
    f.b.title = xstrdup("a short teaser of the talk with captions and the logo, made by reel");
    struct planner_result r;
    planner_result_init(&r);
    REQUIRE(planner_plan(&f.b, f.a, 3, &f.o, &r, NULL) == REEL_OK);
    f.plan = json_incref(r.plan);
    planner_result_release(&r);
    const json_t *t = op_by_id(f.plan, "title");
    REQUIRE(t);
    const char *text = json_string_value(json_object_get(t, "text"));
    double size = json_number_value(json_object_get(json_object_get(t, "style"), "size"));
    const json_t *out = json_object_get(f.plan, "output");
    double W = (double)json_integer_value(json_object_get(out, "width"));
    double H = (double)json_integer_value(json_object_get(out, "height"));
    REQUIRE(text && size > 0 && W > 0 && H > 0);
    int lines = 1, col = 0, widest = 0;
    for (const char *q = text; *q; q++) {
        if (*q == '\n') {
            lines++;
            col = 0;
        } else if (++col > widest) {
            widest = col;
        }
    }
    CHECK(lines >= 2 && lines <= 3);
    /* about 0.6 em a character: the widest line stays inside 90% of the width */
    CHECK(widest * 0.6 * size * H <= 0.9 * W);
    /* the words are all there, in order */
    char *flat = xstrdup(text);
    for (char *q = flat; *q; q++)
        if (*q == '\n')
            *q = ' ';
    CHECK_STR(flat, "a short teaser of the talk with captions and the logo, made by reel");
    free(flat);

    json_t *p = revise(&f, "{\"evaluation\":{\"metrics\":{\"captions\":{\"score\":0.8,\"gate\":"
                           "false,\"evidence\":{\"items\":[{\"kind\":\"text\",\"in_title_safe\":"
                           "false},{\"kind\":\"caption\",\"in_title_safe\":false}]}}}}}");
    REQUIRE(p);
    const json_t *t2 = op_by_id(p, "title");
    REQUIRE(t2);
    CHECK(json_number_value(json_object_get(json_object_get(t2, "style"), "size")) < size);
    const json_t *c1 = json_object_get(op_by_id(f.plan, "captions"), "style");
    const json_t *c2 = json_object_get(op_by_id(p, "captions"), "style");
    CHECK(json_number_value(json_object_get(c2, "size")) <
          json_number_value(json_object_get(c1, "size")));
    json_decref(p);
    fixture_release(&f);
}
