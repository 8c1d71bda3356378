/*
 * media_analyze against footage with known facts, made here with ffmpeg's
 * lavfi sources and espeak-ng: cut frames, transitions, a click track, a
 * calibrated tone, speech with silence gaps, black and frozen stretches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"
#include "media/analyze.h"
#include "test.h"
#include "core/banned.h"

static int run_tool(const char *prog, const char *const *args)
{
    struct argv a = ARGV_INIT;
    argv_push(&a, prog);
    if (!strcmp(prog, "ffmpeg")) {
        argv_push(&a, "-nostdin");
        argv_push(&a, "-v");
        argv_push(&a, "error");
        argv_push(&a, "-y");
    }
    argv_pushv(&a, args);
    int st = -1;
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = proc_run(&a, NULL, NULL, 0, &st, &err);
    argv_release(&a);
    return rc == REEL_OK && st == 0 ? 0 : -1;
}

static const char *tmp(const char *name)
{
    static char p[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", test_tmpdir(), name);
    return p[i];
}

static json_t *analyze(const char *path, unsigned which)
{
    struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
    o.which = which;
    o.use_cache = 0;
    json_t *r = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (media_analyze(path, &o, &r, &err) != REEL_OK) {
        fprintf(stderr, "analyze %s: %s\n", path, err.msg);
        return NULL;
    }
    return r;
}

static double num(const json_t *o, const char *k)
{
    return json_get_num(o, k, -1e9);
}

/* Five shots of different colours and textures, cut at frames 50, 120, 165, 230. */
#define SRC_A "testsrc2=s=320x180:r=30"
#define SRC_B "mandelbrot=s=320x180:r=30"
#define SRC_C "smptebars=s=320x180:r=30"
#define SRC_D "life=s=320x180:r=30:mold=10:ratio=0.5:death_color=#203040:life_color=#f0c020"
#define SRC_E "color=c=0x2060c0:s=320x180:r=30,drawgrid=w=40:h=30:t=3:c=white"

TEST(analyze_hard_cuts_at_known_frames)
{
    const char *f = tmp("cuts.mp4");
    const char *args[] = {
        "-f",
        "lavfi",
        "-i",
        SRC_A ",trim=end_frame=50",
        "-f",
        "lavfi",
        "-i",
        SRC_B ",trim=end_frame=70",
        "-f",
        "lavfi",
        "-i",
        SRC_C ",trim=end_frame=45",
        "-f",
        "lavfi",
        "-i",
        SRC_D ",trim=end_frame=65",
        "-f",
        "lavfi",
        "-i",
        SRC_E ",trim=end_frame=60",
        "-filter_complex",
        "[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];[2:v]format=yuv420p,"
        "setsar=1[c];[3:v]format=yuv420p,setsar=1[d];[4:v]format=yuv420p,setsar=1[e];"
        "[a][b][c][d][e]concat=n=5:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        f,
        NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_SHOTS | MEDIA_AN_MOTION);
    REQUIRE(r);
    const json_t *cuts = json_object_get(r, "cuts");
    const long want[] = {50, 120, 165, 230};
    CHECK(json_array_size(cuts) == 4); /* no extra cuts */
    for (size_t i = 0; i < 4 && i < json_array_size(cuts); i++) {
        const json_t *c = json_array_get(cuts, i);
        CHECK(labs(json_get_int(c, "frame", -1) - want[i]) <= 1);
        CHECK_NEAR(num(c, "t"), want[i] / 30.0, 1.0 / 30 + 0.001);
        CHECK_STR(json_get_str(c, "kind", ""), "cut");
        CHECK(num(c, "score") > 0.3);
    }
    const json_t *shots = json_object_get(r, "shots");
    REQUIRE(json_array_size(shots) == 5);
    CHECK_NEAR(num(json_array_get(shots, 0), "start"), 0, 0.001);
    CHECK_NEAR(num(json_array_get(shots, 4), "end"), 290 / 30.0, 0.04);
    for (size_t i = 0; i < 5; i++) {
        const json_t *s = json_array_get(shots, i);
        double kt = num(s, "keyframe_t");
        CHECK(kt >= num(s, "start") && kt < num(s, "end"));
        CHECK(json_array_size(json_object_get(s, "histogram")) == 64);
        CHECK(json_array_size(json_object_get(s, "avg_color")) == 3);
    }
    /* the last shot is blue with a white grid: blue dominates */
    const json_t *col = json_object_get(json_array_get(shots, 4), "avg_color");
    CHECK(json_integer_value(json_array_get(col, 2)) >
          json_integer_value(json_array_get(col, 0)) + 60);
    /* the static grid is frozen; the others move */
    const json_t *frozen = json_object_get(r, "frozen");
    int grid_frozen = 0;
    for (size_t i = 0; i < json_array_size(frozen); i++) {
        const json_t *z = json_array_get(frozen, i);
        if (fabs(num(z, "start") - 230 / 30.0) < 0.1 && num(z, "end") > 9.5)
            grid_frozen = 1;
        CHECK(num(z, "start") > 3.9); /* the moving shots are not frozen */
    }
    CHECK(grid_frozen);
    const json_t *motion = json_object_get(r, "motion");
    REQUIRE(json_array_size(motion) == 10);
    CHECK(json_real_value(json_array_get(motion, 0)) > 0.01);  /* testsrc2 moves */
    CHECK(json_real_value(json_array_get(motion, 9)) < 0.005); /* the grid does not */
    json_decref(r);
}

TEST(analyze_crossfade_and_fade_through_black)
{
    const char *f = tmp("grad.mp4");
    /* A -(1 s crossfade centred at 2.5 s)- B | cut at 5.0 s | C fades out over
     * 0.5 s, D fades in over 0.5 s (black at 8.0 s) | cut at 11.0 s | E */
    const char *args[] = {
        "-f",
        "lavfi",
        "-i",
        SRC_A ",trim=end_frame=90",
        "-f",
        "lavfi",
        "-i",
        SRC_B ",trim=end_frame=90",
        "-f",
        "lavfi",
        "-i",
        SRC_C ",trim=end_frame=90",
        "-f",
        "lavfi",
        "-i",
        SRC_D ",trim=end_frame=90",
        "-f",
        "lavfi",
        "-i",
        SRC_E ",trim=end_frame=90",
        "-filter_complex",
        "[0:v]format=yuv420p,setsar=1,settb=1/30[a];[1:v]format=yuv420p,setsar=1,settb=1/30[b];"
        "[2:v]format=yuv420p,setsar=1,settb=1/30,fade=t=out:start_frame=75:nb_frames=15[c];"
        "[3:v]format=yuv420p,setsar=1,settb=1/30,fade=t=in:start_frame=0:nb_frames=15[d];"
        "[4:v]format=yuv420p,setsar=1,settb=1/30[e];"
        "[a][b]xfade=transition=fade:duration=1:offset=2[ab];"
        "[ab][c][d][e]concat=n=4:v=1:a=0[v]",
        "-map",
        "[v]",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        f,
        NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_SHOTS | MEDIA_AN_MOTION);
    REQUIRE(r);
    const json_t *cuts = json_object_get(r, "cuts");
    REQUIRE(json_array_size(cuts) == 4);
    const double want_t[] = {2.5, 5.0, 8.0, 11.0};
    const char *want_kind[] = {"gradual", "cut", "gradual", "cut"};
    for (size_t i = 0; i < 4; i++) {
        const json_t *c = json_array_get(cuts, i);
        CHECK_NEAR(num(c, "t"), want_t[i], 1.0 / 30 + 0.001);
        CHECK_STR(json_get_str(c, "kind", ""), want_kind[i]);
    }
    /* the crossfade's extent: 2.0 .. 3.0 s, give or take a few frames */
    const json_t *x = json_array_get(cuts, 0);
    CHECK_NEAR(num(x, "start"), 2.0, 0.15);
    CHECK_NEAR(num(x, "end"), 3.0, 0.15);
    CHECK(json_array_size(json_object_get(r, "shots")) == 5);
    /* the black frames between the fades */
    const json_t *black = json_object_get(r, "black");
    REQUIRE(json_array_size(black) == 1);
    CHECK(num(json_array_get(black, 0), "start") <= 8.0 &&
          num(json_array_get(black, 0), "end") >= 8.0);
    json_decref(r);
}

TEST(analyze_flash_is_not_a_cut)
{
    const char *f = tmp("flash.mp4");
    /* a white flash of two frames and a 70% flash of one in a single shot */
    const char *args[] = {"-f",
                          "lavfi",
                          "-i",
                          SRC_A
                          ",trim=end_frame=150,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:"
                          "enable='between(n,40,41)',drawbox=x=0:y=0:w=iw:h=ih:color=white@0.7:"
                          "t=fill:enable='eq(n,100)',format=yuv420p",
                          "-c:v",
                          "libx264",
                          "-preset",
                          "ultrafast",
                          f,
                          NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_SHOTS);
    REQUIRE(r);
    CHECK(json_array_size(json_object_get(r, "cuts")) == 0);
    CHECK(json_array_size(json_object_get(r, "shots")) == 1);
    json_decref(r);
}

TEST(analyze_click_track_tempo_and_beats)
{
    const char *f = tmp("click.wav");
    /* a 1.5 kHz click every 0.5 s from 0.25 s: 120 BPM */
    const char *args[] = {"-f",
                          "lavfi",
                          "-i",
                          "aevalsrc='0.8*sin(2*PI*1500*t)*exp(-200*mod(t-0.25,0.5))*"
                          "lt(mod(t-0.25,0.5),0.03)':s=44100:d=20",
                          f,
                          NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_BEATS);
    REQUIRE(r);
    const json_t *b = json_object_get(r, "beats");
    REQUIRE(json_is_object(b));
    CHECK_NEAR(num(b, "bpm"), 120, 1.0);
    const json_t *times = json_object_get(b, "times");
    size_t n = json_array_size(times), good = 0;
    int hit[40];
    memset(hit, 0, sizeof(hit));
    for (size_t i = 0; i < n; i++) {
        double t = json_real_value(json_array_get(times, i));
        long k = lround((t - 0.25) / 0.5);
        if (k >= 0 && k < 40 && fabs(t - (0.25 + 0.5 * k)) <= 0.030) {
            good++;
            hit[k] = 1;
        }
    }
    /* >= 95% of the reported beats sit within 30 ms of a click ... */
    CHECK(n >= 30);
    CHECK(good * 100 >= n * 95);
    /* ... and once locked on (after 2 s), >= 95% of the clicks get a beat */
    int clicks = 0, found = 0;
    for (int k = 0; k < 40; k++)
        if (0.25 + 0.5 * k >= 2.0) {
            clicks++;
            found += hit[k];
        }
    CHECK(found * 100 >= clicks * 95);
    CHECK(num(b, "confidence") > 0.5);
    json_decref(r);
}

TEST(analyze_tone_loudness)
{
    const char *f = tmp("tone.wav");
    /* EBU Tech 3341 case 1 scaled: a 1 kHz sine at -20 dBFS peak in both
     * channels of a stereo file is -20 LUFS */
    const char *args[] = {"-f", "lavfi",
                          "-i", "aevalsrc=0.1*sin(2*PI*1000*t)|0.1*sin(2*PI*1000*t):s=48000:d=10",
                          f,    NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_LOUDNESS | MEDIA_AN_SPEECH);
    REQUIRE(r);
    const json_t *l = json_object_get(r, "loudness");
    REQUIRE(json_is_object(l));
    CHECK_NEAR(num(l, "integrated_lufs"), -20.0, 0.5);
    CHECK_NEAR(num(l, "true_peak_dbtp"), -20.0, 0.5);
    CHECK_NEAR(num(l, "range_lu"), 0, 0.5);
    const json_t *st = json_object_get(l, "short_term");
    REQUIRE(json_array_size(st) == 10);
    CHECK_NEAR(json_real_value(json_array_get(st, 5)), -20.0, 0.5);
    /* a steady tone is not speech and not silence */
    CHECK(json_array_size(json_object_get(r, "speech")) == 0);
    CHECK(json_array_size(json_object_get(r, "silence")) == 0);
    CHECK(json_array_size(json_object_get(r, "music")) == 1);
    json_decref(r);
}

static double wav_seconds(const char *path)
{
    struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
    o.which = MEDIA_AN_LOUDNESS;
    o.use_cache = 0;
    json_t *r = NULL;
    if (media_analyze(path, &o, &r, NULL))
        return -1;
    double d = json_get_num(json_object_get(r, "probe"), "duration", -1);
    json_decref(r);
    return d;
}

TEST(analyze_speech_and_silence_intervals)
{
    if (access("/usr/bin/espeak-ng", X_OK) != 0) {
        test_skip("espeak-ng is not installed");
        return;
    }
    const char *s1 = tmp("s1.wav"), *s2 = tmp("s2.wav");
    const char *e1[] = {"-w", s1, "The quick brown fox jumps over the lazy dog near the river bank",
                        NULL};
    const char *e2[] = {"-w", s2, "Video editing needs to know where people are talking", NULL};
    REQUIRE(run_tool("espeak-ng", e1) == 0);
    REQUIRE(run_tool("espeak-ng", e2) == 0);
    /* trim espeak's own leading and trailing silence so the speech extents are known */
    const char *trim = "silenceremove=start_periods=1:start_threshold=-50dB,areverse,"
                       "silenceremove=start_periods=1:start_threshold=-50dB,areverse";
    const char *t1 = tmp("t1.wav"), *t2 = tmp("t2.wav");
    const char *a1[] = {"-i", s1, "-af", trim, t1, NULL};
    const char *a2[] = {"-i", s2, "-af", trim, t2, NULL};
    REQUIRE(run_tool("ffmpeg", a1) == 0);
    REQUIRE(run_tool("ffmpeg", a2) == 0);
    double d1 = wav_seconds(t1), d2 = wav_seconds(t2);
    REQUIRE(d1 > 1 && d2 > 1);
    const char *f = tmp("speech.wav");
    const char *cat[] = {"-f",
                         "lavfi",
                         "-i",
                         "anullsrc=r=22050:cl=mono:d=1.5",
                         "-i",
                         t1,
                         "-f",
                         "lavfi",
                         "-i",
                         "anullsrc=r=22050:cl=mono:d=1.2",
                         "-i",
                         t2,
                         "-f",
                         "lavfi",
                         "-i",
                         "anullsrc=r=22050:cl=mono:d=1.0",
                         "-filter_complex",
                         "[0][1][2][3][4]concat=n=5:v=0:a=1",
                         f,
                         NULL};
    REQUIRE(run_tool("ffmpeg", cat) == 0);
    json_t *r = analyze(f, MEDIA_AN_SPEECH);
    REQUIRE(r);
    const json_t *sp = json_object_get(r, "speech");
    REQUIRE(json_array_size(sp) == 2);
    double want[2][2] = {{1.5, 1.5 + d1}, {1.5 + d1 + 1.2, 1.5 + d1 + 1.2 + d2}};
    for (int i = 0; i < 2; i++) {
        CHECK_NEAR(num(json_array_get(sp, i), "start"), want[i][0], 0.1);
        CHECK_NEAR(num(json_array_get(sp, i), "end"), want[i][1], 0.1);
    }
    const json_t *sil = json_object_get(r, "silence");
    REQUIRE(json_array_size(sil) == 3);
    CHECK_NEAR(num(json_array_get(sil, 1), "start"), want[0][1], 0.1);
    CHECK_NEAR(num(json_array_get(sil, 1), "end"), want[1][0], 0.1);
    CHECK(json_array_size(json_object_get(r, "music")) == 0);
    json_decref(r);
}

TEST(analyze_noise_is_not_speech)
{
    const char *f = tmp("noise.wav");
    const char *args[] = {"-f", "lavfi", "-i", "anoisesrc=c=pink:a=0.2:r=22050:d=5:seed=7", f, NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    json_t *r = analyze(f, MEDIA_AN_SPEECH);
    REQUIRE(r);
    CHECK(json_array_size(json_object_get(r, "speech")) == 0);
    CHECK(json_array_size(json_object_get(r, "music")) == 1);
    json_decref(r);
}

TEST(analyze_thumbnails_and_cache)
{
    const char *f = tmp("two.mp4");
    const char *args[] = {"-f",
                          "lavfi",
                          "-i",
                          SRC_A ",trim=end_frame=30",
                          "-f",
                          "lavfi",
                          "-i",
                          SRC_E ",trim=end_frame=30",
                          "-f",
                          "lavfi",
                          "-i",
                          "sine=f=440:r=48000:d=2",
                          "-filter_complex",
                          "[0:v]format=yuv420p,setsar=1[a];[1:v]format=yuv420p,setsar=1[b];"
                          "[a][b]concat=n=2:v=1:a=0[v]",
                          "-map",
                          "[v]",
                          "-map",
                          "2:a",
                          "-c:v",
                          "libx264",
                          "-preset",
                          "ultrafast",
                          "-c:a",
                          "aac",
                          "-shortest",
                          f,
                          NULL};
    REQUIRE(run_tool("ffmpeg", args) == 0);
    struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
    o.data_dir = tmp("data");
    json_t *r = NULL;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_analyze(f, &o, &r, &err) == REEL_OK);
    CHECK(json_is_false(json_object_get(r, "cached")));
    const json_t *shots = json_object_get(r, "shots");
    REQUIRE(json_array_size(shots) == 2);
    for (size_t i = 0; i < 2; i++) {
        const char *th = json_get_str(json_array_get(shots, i), "thumbnail", NULL);
        REQUIRE(th);
        struct buf b = BUF_INIT;
        REQUIRE(buf_read_file(&b, th, 0, NULL) == REEL_OK);
        CHECK(b.len > 100 && (unsigned char)b.buf[0] == 0xff && (unsigned char)b.buf[1] == 0xd8);
        buf_release(&b);
    }
    const char *sheet = json_get_str(r, "contact_sheet", NULL);
    REQUIRE(sheet);
    struct buf b = BUF_INIT;
    REQUIRE(buf_read_file(&b, sheet, 0, NULL) == REEL_OK);
    CHECK(b.len > 8 && !memcmp(b.buf, "\x89PNG", 4));
    buf_release(&b);
    char *want_dir = xasprintf("%s/thumbs/%s/", o.data_dir, json_get_str(r, "sha256", ""));
    CHECK(starts_with(sheet, want_dir));
    free(want_dir);
    CHECK(json_is_object(json_object_get(r, "loudness")));

    /* the same bytes again: from the cache, nothing decoded */
    json_t *r2 = NULL;
    REQUIRE(media_analyze(f, &o, &r2, &err) == REEL_OK);
    CHECK(json_is_true(json_object_get(r2, "cached")));
    CHECK(json_equal(json_object_get(r, "shots"), json_object_get(r2, "shots")));
    char *cp = media_analyze_cache_path(o.data_dir, json_get_str(r, "sha256", ""));
    CHECK(access(cp, R_OK) == 0);
    free(cp);
    json_decref(r);
    json_decref(r2);
}

TEST(analyze_files_without_sound_or_picture)
{
    const char *v = tmp("silent.mp4"), *a = tmp("only.wav"), *img = tmp("still.png");
    const char *av[] = {"-f",       "lavfi",   "-i",      SRC_A ",trim=end_frame=30",
                        "-c:v",     "libx264", "-preset", "ultrafast",
                        "-pix_fmt", "yuv420p", v,         NULL};
    const char *aa[] = {"-f", "lavfi", "-i", "sine=f=440:r=44100:d=1", a, NULL};
    const char *ai[] = {"-f", "lavfi", "-i", SRC_C, "-frames:v", "1", img, NULL};
    REQUIRE(run_tool("ffmpeg", av) == 0);
    REQUIRE(run_tool("ffmpeg", aa) == 0);
    REQUIRE(run_tool("ffmpeg", ai) == 0);
    json_t *r = analyze(v, MEDIA_AN_ALL & ~MEDIA_AN_THUMBS);
    REQUIRE(r);
    CHECK(json_array_size(json_object_get(r, "shots")) == 1);
    CHECK(json_is_null(json_object_get(r, "loudness")));
    CHECK(json_array_size(json_object_get(r, "speech")) == 0);
    json_decref(r);
    r = analyze(a, MEDIA_AN_ALL & ~MEDIA_AN_THUMBS);
    REQUIRE(r);
    CHECK(json_array_size(json_object_get(r, "shots")) == 0);
    CHECK(json_array_size(json_object_get(r, "motion")) == 0);
    CHECK(json_is_object(json_object_get(r, "loudness")));
    json_decref(r);
    r = analyze(img, MEDIA_AN_ALL & ~MEDIA_AN_THUMBS);
    REQUIRE(r);
    CHECK(json_array_size(json_object_get(r, "shots")) == 1);
    json_decref(r);

    const char *junk = tmp("junk.mp4");
    REQUIRE(write_file_atomic(junk, "not a video at all\n", 19, NULL) == REEL_OK);
    struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
    o.use_cache = 0;
    struct reel_err err = REEL_ERR_INIT;
    json_t *out = NULL;
    CHECK(media_analyze(junk, &o, &out, &err) == REEL_EINVAL);
    CHECK(out == NULL);
}
