/* Unit tests of the evaluation's building blocks, on synthetic data. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "eval/internal.h"
#include "render/internal.h"
#include "test.h"
#include "core/banned.h"

TEST(eval_weights_parse_and_errors)
{
    double w[EVAL_NMETRICS];
    eval_weights_default(w);
    struct reel_err e = REEL_ERR_INIT;
    CHECK(eval_weights_parse("captions=2,brand=0.5", w, &e) == REEL_OK);
    CHECK_NEAR(w[EVAL_CAPTIONS], 2, 1e-9);
    CHECK_NEAR(w[EVAL_BRAND], 0.5, 1e-9);
    CHECK_NEAR(w[EVAL_CLARITY], 1, 1e-9);
    CHECK(eval_weights_parse("sparkle=1", w, &e) == REEL_EINVAL);
    CHECK(strstr(e.msg, "sparkle") != NULL);
    CHECK(eval_weights_parse("clarity=-1", w, &e) == REEL_EINVAL);
    CHECK(eval_weights_parse("clarity", w, &e) == REEL_EINVAL);
    CHECK(eval_weights_parse("", w, &e) == REEL_OK);
    CHECK_STR(eval_metric_name(EVAL_WATCHABILITY), "watchability");
}

TEST(eval_golden_needs_score_and_every_gate)
{
    json_t *r = json_pack("{s:f, s:[{s:b}, {s:b}]}", "overall", 0.9, "metrics", "gate", 1, "gate", 1);
    CHECK(eval_is_golden(r));
    json_object_set_new(r, "overall", json_real(0.85));
    CHECK(!eval_is_golden(r)); /* over 0.85, not at it */
    json_object_set_new(r, "overall", json_real(0.95));
    json_object_set_new(json_array_get(json_object_get(r, "metrics"), 1), "gate", json_false());
    CHECK(!eval_is_golden(r));
    json_decref(r);
    CHECK(!eval_is_golden(NULL));
}

TEST(eval_text_distance_and_contrast)
{
    CHECK(utf8_levenshtein("kitten", "sitting") == 3);
    CHECK(utf8_levenshtein("", "abc") == 3);
    CHECK(utf8_levenshtein("café", "cafe") == 1); /* one code point, not two bytes */
    char *n = text_normalize("  Hello,   World!\nIt's ok ");
    CHECK_STR(n, "hello world it s ok");
    free(n);
    CHECK_NEAR(wcag_contrast(rel_luminance(255, 255, 255), rel_luminance(0, 0, 0)), 21, 0.01);
    /* yellow on white is famously unreadable: about 1.07:1 */
    double y = wcag_contrast(rel_luminance(255, 255, 0), rel_luminance(255, 255, 255));
    CHECK(y > 1.0 && y < 1.2);
    uint8_t rgb[3];
    CHECK(parse_hex_color("#1E3A8A", rgb) && rgb[0] == 0x1E && rgb[2] == 0x8A);
    CHECK(!parse_hex_color("1E3A8A", rgb));
}

TEST(eval_upscale_ratio_finds_an_upscaled_picture)
{
    /* native: detail in every octave (noise); upscaled: only low
     * frequencies (a sum of slow waves, as a 4x bicubic upscale leaves) */
    int W = 320, H = 192;
    uint8_t *sharp = malloc((size_t)W * H), *up = malloc((size_t)W * H);
    unsigned s = 12345;
    for (int i = 0; i < W * H; i++) {
        s = s * 1103515245u + 12345u;
        sharp[i] = (uint8_t)(s >> 16);
    }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double v = 128;
            for (int k = 1; k <= 6; k++)
                v += 20 * sin((0.25 + 0.07 * k) * x + (0.5 - 0.06 * k) * y + k);
            up[y * W + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    double a = upscale_ratio(sharp, W, H, W), b = upscale_ratio(up, W, H, W);
    printf("# detail ratio: native %.3f, upscaled %.3f\n", a, b);
    CHECK(a > 0.4);
    CHECK(b >= 0 && b < 0.2);
    free(sharp), free(up);
}

TEST(eval_ncc_finds_a_template)
{
    int W = 200, H = 120, tw = 24, th = 16;
    uint8_t *img = calloc((size_t)W * H, 1), *t = malloc((size_t)tw * th);
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++)
            t[y * tw + x] = (uint8_t)((x * 37 + y * 91) % 251);
    for (int y = 0; y < th; y++)
        memcpy(img + (size_t)(50 + y) * W + 130, t + y * tw, tw);
    int bx, by;
    double v = ncc_search(img, W, H, t, NULL, tw, th, 100, 30, 160, 80, 2, &bx, &by);
    CHECK(v > 0.99);
    CHECK(bx == 130 && by == 50);
    free(img), free(t);
}

/* Adds frame r, whose thumbnail was just pushed, with its difference from
 * the frame before, as the decode callback does. */
static void push_frame(struct eval_ctx *c, struct frame_rec *r)
{
    size_t n = c->frames.n;
    if (n)
        r->diff = (float)thumb_dist(c->thumbs.v + n * THUMB_N, c->thumbs.v + (n - 1) * THUMB_N);
    VEC_PUSH(&c->frames, *r);
}

/* A context with synthetic frames, as the decode callback leaves it. */
static void fake_frames(struct eval_ctx *c, int n, double fps, double (*lum)(double t),
                        int (*scene)(double t))
{
    c->fps = fps;
    c->duration = n / fps;
    for (int i = 0; i < n; i++) {
        struct frame_rec r;
        memset(&r, 0, sizeof(r));
        r.t = i / fps;
        r.rel_lum = (float)lum(r.t);
        for (int k = 0; k < GRID * GRID; k++)
            r.cell_lum[k] = r.rel_lum;
        int sc = scene(r.t);
        for (int k = 0; k < THUMB_N; k++)
            VEC_PUSH(&c->thumbs, (uint8_t)((k * (7 + 13 * sc) + sc * 50) % 256));
        push_frame(c, &r);
    }
}

static double lum_flash5(double t)
{
    return (t >= 1 && t < 2 && ((int)(t * 10)) % 2) ? 1.0 : 0.05;
}
static double lum_flat(double t)
{
    return 0.3 + 0 * t;
}
static int scene_three(double t)
{
    return t < 1 ? 0 : t < 2.5 ? 1 : 2;
}
static int scene_one(double t)
{
    return 0 * (int)t;
}

TEST(eval_cuts_are_found_and_flashes_are_not_cuts)
{
    struct plan p;
    memset(&p, 0, sizeof(p));
    struct eval_opts o = EVAL_OPTS_INIT;
    struct eval_ctx c;
    ctx_init(&c, &p, &o);
    fake_frames(&c, 90, 30, lum_flat, scene_three);
    long *cuts = NULL;
    size_t n = find_cuts(&c, &cuts);
    CHECK(n == 2);
    if (n == 2) {
        CHECK(cuts[0] == 30);
        CHECK(cuts[1] == 75);
    }
    free(cuts);
    ctx_release(&c);
}

/* Fast motion in one part of a shot (a bird's wings) over a textured part
 * that stays (the branch) is not a cut: the moving part changes a little on
 * every frame and a lot on one, the frames around it moving too. The same
 * change over the whole picture is a cut, and so is a jump of the moving
 * part out of a still picture (a jump cut inside a static shot). */
static void fake_part_change(struct eval_ctx *c, int n, double fps, int whole, int still_before)
{
    c->fps = fps;
    c->duration = n / fps;
    int off = 0;
    for (int i = 0; i < n; i++) {
        struct frame_rec r;
        memset(&r, 0, sizeof(r));
        r.t = i / fps;
        r.rel_lum = 0.3f;
        int inc = i == n / 2 ? 30 : (i == n / 2 - 1 || i == n / 2 + 1) ? 8 : 1;
        if (still_before && i < n / 2)
            inc = 0;
        if (i)
            off += inc;
        for (int k = 0; k < THUMB_N; k++) {
            int y = k / THUMB_W, moves = whole || y < 2 * THUMB_H / 3;
            VEC_PUSH(&c->thumbs, (uint8_t)(40 + (k * 7) % 100 + (moves ? off : 0)));
        }
        push_frame(c, &r);
    }
}

TEST(eval_fast_motion_over_a_still_textured_part_is_not_a_cut)
{
    struct plan p;
    memset(&p, 0, sizeof(p));
    struct eval_opts o = EVAL_OPTS_INIT;
    /* {whole, still before, cuts expected} */
    static const int cases[][3] = {{0, 0, 0}, {1, 0, 1}, {0, 1, 1}};
    for (size_t k = 0; k < ARRAY_SIZE(cases); k++) {
        struct eval_ctx c;
        ctx_init(&c, &p, &o);
        fake_part_change(&c, 40, 30, cases[k][0], cases[k][1]);
        long *cuts = NULL;
        size_t n = find_cuts(&c, &cuts);
        CHECK(c.frames.v[20].diff >= 10);
        CHECK(n == (size_t)cases[k][2]);
        if (n == 1)
            CHECK(cuts[0] == 20);
        free(cuts);
        ctx_release(&c);
    }
}

TEST(eval_watchability_counts_flashes)
{
    struct plan p;
    memset(&p, 0, sizeof(p));
    p.output.loudness_set = 1;
    p.output.loudness_lufs = -14;
    p.output.true_peak_dbtp = -1;
    struct eval_opts o = EVAL_OPTS_INIT;
    for (int flashing = 0; flashing <= 1; flashing++) {
        struct eval_ctx c;
        ctx_init(&c, &p, &o);
        fake_frames(&c, 90, 30, flashing ? lum_flash5 : lum_flat, scene_one);
        struct metric_out m = {0, 0, 1, json_object(), json_object(), json_array()};
        metric_watchability(&c, &m);
        double f = json_get_num(m.evidence, "max_flashes_per_s", -1);
        if (flashing) {
            CHECK(f > 3);
            CHECK(!m.gate);
            CHECK(json_array_size(m.advice) > 0);
        } else {
            CHECK(f == 0);
        }
        json_decref(m.threshold), json_decref(m.evidence), json_decref(m.advice);
        ctx_release(&c);
    }
}

/* In a thread of its own: OpenMP's settings are per thread. */
static void *ocr_levels(void *ocr)
{
    static int levels[2];
    int w = 64, h = 32;
    uint8_t *px = malloc((size_t)w * h);
    memset(px, 255, (size_t)w * h);
    levels[0] = omp_get_max_active_levels();
    free(ocr_read(ocr, px, w, h, NULL));
    levels[1] = omp_get_max_active_levels();
    free(px);
    return levels;
}

TEST(eval_ocr_reads_without_an_openmp_team)
{
    /* tesseract's OpenMP loops would start a team of spinning threads next
     * to the decoder; the reading thread allows none unless the user set
     * OMP_THREAD_LIMIT */
    if (getenv("OMP_THREAD_LIMIT")) {
        test_skip("OMP_THREAD_LIMIT is set: OpenMP keeps the user's setting");
        return;
    }
    struct reel_err e = REEL_ERR_INIT;
    void *ocr = ocr_new(&e);
    if (!ocr) {
        test_skip("no English OCR model");
        return;
    }
    pthread_t t;
    void *r = NULL;
    REQUIRE(pthread_create(&t, NULL, ocr_levels, ocr) == 0);
    pthread_join(t, &r);
    const int *levels = r;
    CHECK(levels[0] > 0);
    CHECK(levels[1] == 0);
    ocr_free(ocr);
}

TEST(eval_wrapped_lines_agree_with_the_renderer)
{
    /* eval judges line lengths of the captions the renderer burned: both
     * must break a caption the same way, long words and newlines included */
    static const char *texts[] = {
        "Caption number 1 of the benchmark edit",
        "a b c d e f g h i j k l m n o p q r s t u v w x y z",
        "supercalifragilisticexpialidocious is long",
        "x\nsupercalifragilisticexpialidocious\nand then more words here",
        "  spaces   between\t\twords  ",
        "Übergrößenträger café naïve façade — ½ ünïcödé",
        "",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        for (int limit = 4; limit <= 42; limit += 7) {
            struct buf b = BUF_INIT;
            size_t lines = captions_wrap(texts[i], limit, &b);
            int longest_r = 0;
            for (char *l = b.buf; l && *l;) {
                size_t n = strcspn(l, "\n");
                char *one = xstrndup(l, n);
                int c = (int)utf8_len(one);
                free(one);
                if (c > longest_r)
                    longest_r = c;
                l += n + (l[n] == '\n');
            }
            int longest_e = -1;
            int lines_e = eval_wrapped_lines(texts[i], limit, &longest_e);
            if (lines) {
                CHECK((size_t)lines_e == lines);
                CHECK(longest_e == longest_r);
            }
            buf_release(&b);
        }
    }
}

/* ---- A/V sync ---- */

static const double sync_flashes[] = {1.0, 2.5, 4.0, 5.0};

/* 6 s at 29.97 fps (frame times off the 2 ms grid) on a flat picture;
 * with `flashes`, white for two frames at each of sync_flashes. */
static void sync_frames(struct eval_ctx *c, int flashes)
{
    double fps = 29.97;
    c->fps = fps;
    c->duration = 6;
    for (int i = 0; i < 180; i++) {
        struct frame_rec r;
        memset(&r, 0, sizeof(r));
        r.t = i / fps;
        r.rel_lum = 0.25f;
        for (size_t k = 0; flashes && k < 4; k++) {
            int f0 = (int)ceil(sync_flashes[k] * fps - 1e-9);
            if (i == f0 || i == f0 + 1)
                r.rel_lum = 1.0f;
        }
        for (int k = 0; k < GRID * GRID; k++)
            r.cell_lum[k] = r.rel_lum;
        VEC_PUSH(&c->frames, r);
    }
}

/* 6 s of mono 16 kHz: low noise, and a 50 ms 1 kHz beep at each of
 * at[0..n), fed in chunks as the decoder does. */
static void sync_sound(struct eval_ctx *c, const double *at, size_t n)
{
    int rate = 16000, len = 6 * rate;
    float *x = malloc((size_t)len * sizeof(float));
    unsigned s = 777;
    for (int i = 0; i < len; i++) {
        s = s * 1103515245u + 12345u;
        x[i] = 0.003f * ((float)((s >> 16) & 0x7fff) / 16384.0f - 1.0f);
        double t = (double)i / rate;
        for (size_t k = 0; k < n; k++)
            if (t >= at[k] && t < at[k] + 0.05)
                x[i] += 0.5f * (float)sin(2 * M_PI * 1000 * (t - at[k]));
    }
    for (int i = 0; i < len; i += 1152)
        sync_feed(c, x + i, len - i < 1152 ? len - i : 1152, rate, (double)i / rate);
    free(x);
}

static void sync_watch(struct eval_ctx *c, struct metric_out *m)
{
    static struct plan p;
    p.output.loudness_set = 1;
    p.output.loudness_lufs = -14;
    p.output.true_peak_dbtp = -1;
    c->plan = &p;
    m->applicable = 0, m->score = 0, m->gate = 1;
    m->threshold = json_object(), m->evidence = json_object(), m->advice = json_array();
    metric_watchability(c, m);
}

TEST(eval_sync_measures_the_offset_of_flashes_and_beeps)
{
    static const double shifts[] = {0, 80, 200, -120};
    for (size_t s = 0; s < 4; s++) {
        struct plan p;
        memset(&p, 0, sizeof(p));
        struct eval_opts o = EVAL_OPTS_INIT;
        struct eval_ctx c;
        ctx_init(&c, &p, &o);
        sync_frames(&c, 1);
        double at[4];
        for (int k = 0; k < 4; k++) /* the flash frame's time plus the shift */
            at[k] = ceil(sync_flashes[k] * 29.97 - 1e-9) / 29.97 + shifts[s] / 1000;
        sync_sound(&c, at, 4);
        struct sync_result r;
        sync_measure(&c, &r);
        printf("# sync: shifted %+.0f ms, measured %+.1f ms (MAD %.1f ms, %d events)%s%s\n",
               shifts[s], r.offset_ms, r.mad_ms, r.events, r.measurable ? "" : ": ", r.why);
        CHECK(r.measurable);
        CHECK(r.events == 4);
        CHECK_NEAR(r.offset_ms, shifts[s], 10);
        struct metric_out m;
        sync_watch(&c, &m);
        json_t *sj = json_object_get(m.evidence, "sync");
        CHECK(json_is_true(json_object_get(sj, "measurable")));
        int ok = shifts[s] <= 60 && shifts[s] >= -40;
        CHECK(m.gate == ok);
        CHECK(json_array_size(m.advice) == (ok ? 0u : 1u));
        if (!ok) {
            const char *adv = json_string_value(json_array_get(m.advice, 0));
            CHECK(strstr(adv, shifts[s] > 0 ? "late" : "early") != NULL);
            CHECK(strstr(adv, "shift the audio by") != NULL);
        }
        CHECK(json_get_num(m.threshold, "sync_late_ms", 0) == 60);
        CHECK(json_get_num(m.threshold, "sync_early_ms", 0) == 40);
        json_decref(m.threshold), json_decref(m.evidence), json_decref(m.advice);
        ctx_release(&c);
    }
}

TEST(eval_sync_is_not_measured_without_flash_and_sound_events)
{
    struct plan p;
    memset(&p, 0, sizeof(p));
    struct eval_opts o = EVAL_OPTS_INIT;
    /* music-like: 30 sharp onsets at random times, no flashes */
    double at[30];
    unsigned s = 4242;
    for (int k = 0; k < 30; k++) {
        s = s * 1103515245u + 12345u;
        at[k] = 0.1 + 5.7 * (double)((s >> 8) & 0xffff) / 65536.0;
    }
    for (int mode = 0; mode < 3; mode++) {
        struct eval_ctx c;
        ctx_init(&c, &p, &o);
        sync_frames(&c, mode != 0);
        if (mode == 1) /* flashes over noise only */
            sync_sound(&c, NULL, 0);
        else /* the random onsets: without flashes, then with them */
            sync_sound(&c, at, 30);
        struct sync_result r;
        sync_measure(&c, &r);
        printf("# sync, %s: %s\n",
               mode == 0 ? "random onsets, no flashes"
                         : mode == 1 ? "flashes, no sound events" : "flashes, random onsets",
               r.measurable ? "measured" : r.why);
        CHECK(!r.measurable);
        CHECK(r.why[0] != 0);
        if (mode == 0)
            CHECK(strstr(r.why, "no flash events") != NULL);
        if (mode == 1)
            CHECK(r.flashes == 4 && r.events == 0);
        struct metric_out m;
        sync_watch(&c, &m);
        CHECK(m.gate);
        CHECK(json_is_false(json_object_get(json_object_get(m.evidence, "sync"), "measurable")));
        json_decref(m.threshold), json_decref(m.evidence), json_decref(m.advice);
        ctx_release(&c);
    }
}
