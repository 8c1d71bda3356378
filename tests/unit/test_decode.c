/* media_decode: frame count and times, sizes, rotation, audio, early stop. */
#include <stdio.h>
#include <stdlib.h>

#include "core/proc.h"
#include "core/util.h"
#include "media/decode.h"
#include "test.h"
#include "core/banned.h"

/* Run ffmpeg with the given arguments after "-nostdin -v error -y"; 0 on success. */
static int ffmpeg_make(const char *const *args)
{
    struct argv a = ARGV_INIT;
    argv_push(&a, "ffmpeg");
    argv_push(&a, "-nostdin");
    argv_push(&a, "-v");
    argv_push(&a, "error");
    argv_push(&a, "-y");
    argv_pushv(&a, args);
    int st = -1;
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = proc_run(&a, NULL, NULL, 0, &st, &err);
    argv_release(&a);
    return rc == REEL_OK && st == 0 ? 0 : -1;
}

struct collect {
    long frames;
    double t[400];
    int w, h;
    int bad_order;
    int rgb_seen;
    long stop_after;
    double top_mean, bottom_mean, left_mean, right_mean;
    long samples, il_frames;
    int channels, src_rate, rate;
    double first_audio_t, last_audio_end;
    double sumsq;
};

static int on_video(void *ctx, const struct media_frame *f)
{
    struct collect *c = ctx;
    if (c->frames < 400)
        c->t[c->frames] = f->t;
    if (f->index != c->frames)
        c->bad_order = 1;
    if (c->frames && f->t <= c->t[c->frames < 400 ? c->frames - 1 : 399])
        c->bad_order = 1;
    c->w = f->width;
    c->h = f->height;
    c->rgb_seen = f->rgb != NULL;
    double top = 0, bottom = 0, left = 0, right = 0;
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            double v = f->gray[y * f->stride + x];
            if (y < f->height / 2)
                top += v;
            else
                bottom += v;
            if (x < f->width / 2)
                left += v;
            else
                right += v;
        }
    double half = f->width * f->height / 2.0;
    c->top_mean = top / half;
    c->bottom_mean = bottom / half;
    c->left_mean = left / half;
    c->right_mean = right / half;
    c->frames++;
    return c->stop_after && c->frames >= c->stop_after;
}

static int on_audio(void *ctx, const struct media_audio *a)
{
    struct collect *c = ctx;
    if (!c->samples)
        c->first_audio_t = a->t;
    c->samples += a->n;
    c->il_frames += a->n_interleaved;
    c->channels = a->channels;
    c->src_rate = a->src_sample_rate;
    c->rate = a->sample_rate;
    c->last_audio_end = a->t + (double)a->n / a->sample_rate;
    for (int i = 0; i < a->n; i++)
        c->sumsq += (double)a->samples[i] * a->samples[i];
    return 0;
}

static const char *clip_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof(p), "%s/%s", test_tmpdir(), name);
    return p;
}

TEST(decode_frames_times_and_audio)
{
    char f[512];
    snprintf(f, sizeof(f), "%s", clip_path("dec.mp4"));
    const char *args[] = {"-f",      "lavfi",     "-i",        "testsrc2=s=320x180:r=30:d=2",
                          "-f",      "lavfi",     "-i",        "sine=f=440:r=48000:d=2",
                          "-ac",     "2",         "-c:v",      "libx264",
                          "-preset", "ultrafast", "-pix_fmt",  "yuv420p",
                          "-c:a",    "aac",       "-shortest", f,
                          NULL};
    REQUIRE(ffmpeg_make(args) == 0);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct media_info info;
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.want_rgb = 1;
    o.want_interleaved = 1;
    o.on_video = on_video;
    o.on_audio = on_audio;
    o.ctx = &c;
    o.info_out = &info;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_decode(f, &o, &err) == REEL_OK);
    CHECK(info.has_video && info.has_audio);
    CHECK(c.frames == 60);
    CHECK(!c.bad_order);
    CHECK(c.w == 160);
    CHECK(c.h == 90);
    CHECK(c.rgb_seen);
    for (int i = 0; i < 60 && i < c.frames; i++)
        CHECK_NEAR(c.t[i], i / 30.0, 0.002);
    CHECK(c.rate == 22050);
    CHECK_NEAR((double)c.samples / 22050, 2.0, 0.06);
    CHECK(c.channels == 2);
    CHECK(c.src_rate == 48000);
    CHECK_NEAR((double)c.il_frames / 48000, 2.0, 0.06);
    CHECK_NEAR(c.first_audio_t, 0, 0.03);
    /* a full-scale-ish sine: RMS well above silence */
    CHECK(c.sumsq / (c.samples ? c.samples : 1) > 0.001);
}

TEST(decode_stops_early_and_exact_size)
{
    char f[512];
    snprintf(f, sizeof(f), "%s", clip_path("early.mp4"));
    const char *args[] = {"-f",       "lavfi",   "-i",      "testsrc2=s=320x180:r=25:d=2",
                          "-c:v",     "libx264", "-preset", "ultrafast",
                          "-pix_fmt", "yuv420p", f,         NULL};
    REQUIRE(ffmpeg_make(args) == 0);
    struct collect c;
    memset(&c, 0, sizeof(c));
    c.stop_after = 5;
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.analysis_width = 64;
    o.analysis_height = 48;
    o.on_video = on_video;
    o.on_audio = on_audio;
    o.ctx = &c;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_decode(f, &o, &err) == REEL_OK);
    CHECK(c.frames == 5);
    CHECK(c.w == 64 && c.h == 48);
    CHECK(!c.rgb_seen);
    CHECK(c.samples == 0); /* no sound in the file */
}

TEST(decode_applies_rotation)
{
    char f[512], g[512];
    snprintf(f, sizeof(f), "%s", clip_path("flat.mp4"));
    snprintf(g, sizeof(g), "%s", clip_path("rot.mp4"));
    /* white left half, black right half */
    const char *args[] = {"-f",
                          "lavfi",
                          "-i",
                          "color=c=black:s=320x180:r=10:d=0.5,drawbox=x=0:y=0:w=160:h=180:"
                          "color=white:t=fill",
                          "-c:v",
                          "libx264",
                          "-preset",
                          "ultrafast",
                          "-pix_fmt",
                          "yuv420p",
                          f,
                          NULL};
    REQUIRE(ffmpeg_make(args) == 0);
    /* FFmpeg 5.1 writes the "rotate=90" tag as a display matrix that ffmpeg
     * itself shows turned 90 degrees counter-clockwise (270 clockwise). */
    const char *args2[] = {"-i", f, "-c", "copy", "-metadata:s:v:0", "rotate=90", g, NULL};
    REQUIRE(ffmpeg_make(args2) == 0);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct media_info info;
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.analysis_width = 90;
    o.on_video = on_video;
    o.ctx = &c;
    o.info_out = &info;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_decode(g, &o, &err) == REEL_OK);
    REQUIRE(info.rotation == 270);
    CHECK(c.frames == 5);
    CHECK(c.w == 90 && c.h == 160);
    /* turning counter-clockwise brings the left edge to the bottom (as ffmpeg shows it) */
    CHECK(c.bottom_mean > 200);
    CHECK(c.top_mean < 50);
}

TEST(decode_audio_only_and_not_media)
{
    char f[512];
    snprintf(f, sizeof(f), "%s", clip_path("tone.wav"));
    const char *args[] = {"-f", "lavfi", "-i", "sine=f=1000:r=44100:d=1", f, NULL};
    REQUIRE(ffmpeg_make(args) == 0);
    struct collect c;
    memset(&c, 0, sizeof(c));
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.sample_rate = 16000;
    o.on_video = on_video;
    o.on_audio = on_audio;
    o.ctx = &c;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_decode(f, &o, &err) == REEL_OK);
    CHECK(c.frames == 0);
    CHECK(c.rate == 16000);
    CHECK_NEAR((double)c.samples / 16000, 1.0, 0.02);

    char g[512];
    snprintf(g, sizeof(g), "%s", clip_path("junk.mp4"));
    struct reel_err e2 = REEL_ERR_INIT;
    REQUIRE(write_file_atomic(g, "this is not a video\n", 20, &e2) == REEL_OK);
    CHECK(media_decode(g, &o, &e2) == REEL_EINVAL);
    CHECK(media_decode(clip_path("missing.mp4"), &o, &e2) == REEL_ENOTFOUND);
}
