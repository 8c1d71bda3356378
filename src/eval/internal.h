/*
 * Private to src/eval: the state the one decode pass fills (struct
 * eval_ctx), the metric table, and the image/audio helpers the metrics
 * share.
 */
#ifndef REEL_EVAL_INTERNAL_H
#define REEL_EVAL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/json.h"
#include "core/util.h"
#include "eval/eval.h"
#include "media/decode.h"
#include "media/probe.h"
#include "plan/plan.h"

#define THUMB_W 32
#define THUMB_H 18
#define THUMB_N (THUMB_W * THUMB_H)
#define GRID 4 /* GRID x GRID cells of relative luminance per frame (flashes) */
#define HIST_BITS 4
#define HIST_N (1 << (3 * HIST_BITS))

/* Per decoded frame: what the metrics need, computed in the frame callback. */
struct frame_rec {
    double t;
    float luma;            /* mean luma 0..255 */
    float rel_lum;         /* mean relative luminance 0..1 (linear sRGB) */
    float cell_lum[GRID * GRID];
    float red;             /* WCAG "saturated red" value, mean over the frame */
    float cell_red[GRID * GRID];
    float diff;            /* mean |thumb - previous thumb| (0..255) */
};

/* A frame kept for a later look (OCR, logo, keyframes). */
enum still_purpose { STILL_TEXT, STILL_LOGO, STILL_DETAIL };
struct still {
    double want_t; /* requested time */
    double t;      /* time of the frame kept (-1: none) */
    enum still_purpose purpose;
    size_t item; /* index into the purpose's list */
    int w, h;
    uint8_t *rgb;  /* w*h*3, owned */
    uint8_t *gray; /* w*h, owned */
    uint8_t *native; /* STILL_DETAIL, STILL_LOGO: the render's own luma plane, nw*nh, owned (NULL: none) */
    int nw, nh;
};

/* A source frame placed as the renderer places it (detail.c). */
struct detail_ref {
    double t;          /* timeline time of the render frame it matches */
    double src_t;      /* the source frame's time */
    const char *label; /* the cut's asset */
    int w, h;          /* the render's size */
    uint8_t *ref;      /* Y', w*h, owned */
};

/* One piece of text the plan burns in: a caption cue or a text op. */
struct text_item {
    size_t op;         /* index of the op in the plan */
    int is_caption;
    double start, end; /* timeline seconds */
    const char *text;  /* borrowed from the plan */
    const struct plan_text_style *style;
    enum plan_anchor anchor;
};

/* A planned logo (overlay of an image asset that is not full-frame). */
struct logo_item {
    size_t op;
    double start, end;
    const char *label, *path;
    int tw, th;        /* template size at analysis scale */
    uint8_t *templ;    /* gray tw*th, owned; NULL when the image could not be read */
    char why[160];     /* why there is no template */
};

struct silence_block { /* 100 ms of the mono track */
    double t;
    float rms_db;
};

struct eval_ctx {
    const struct plan *plan;
    const struct eval_opts *opts;
    struct media_info info; /* the render */
    double duration;        /* of the render (video) */
    double fps;
    int aw, ah;             /* analysis size */

    /* video */
    VEC(struct frame_rec) frames;
    VEC(uint8_t) thumbs; /* THUMB_N per frame, in frame order */
    long ts_back, ts_gaps, ts_dups; /* timestamp anomalies */
    double max_gap;
    /* sharpness and black bars: every ~0.5 s */
    double next_sample_t;
    VEC(float) sharp_ratio; /* per sampled frame: median block ratio */
    VEC(float) sharp_t;
    long bars_samples, bars_top, bars_bottom, bars_left, bars_right;
    double bars_frac_v, bars_frac_h; /* sum of measured bar fraction when found */
    double hist[HIST_N];         /* colour histogram of sampled frames */
    double hist_total;

    /* source frames for the detail-kept test (detail.c) */
    struct detail_ref *detail;
    size_t ndetail;

    /* frames kept for OCR and logo matching */
    struct still *stills;
    size_t nstills, next_still;
    struct text_item *texts;
    size_t ntexts;
    struct logo_item *logos;
    size_t nlogos;

    /* audio */
    void *ebur; /* ebur128_state * */
    int ebur_channels, ebur_rate;
    int audio_seen;
    double clip_samples, total_samples; /* interleaved samples at |x| >= 0.999 in runs >= 3 */
    long clip_runs;
    int clip_run_len;
    double peak_sample;
    VEC(struct silence_block) blocks;
    double blk_sum;
    long blk_n, blk_target;
    double blk_t;

    /* A/V sync (sync.c) */
    VEC(float) sync_env;    /* mean square of each 2 ms block of the mono track */
    VEC(float) sync_pre;    /* the same of the pre-emphasised track */
    double sync_t0;         /* time of the first block */
    int sync_rate, sync_blk; /* sample rate of the mono track, samples per block */
    double sync_sum, sync_sum_pre; /* of the block being filled */
    float sync_prev;        /* the last sample, for the pre-emphasis */
    int sync_n;

    /* text stills located and read (OCR) beside the decode (m_captions.c) */
    struct text_reader *reader;

    /* beats of the music asset on the timeline */
    double *beats;
    size_t nbeats;
    char beats_source[64];
    const char *music_label;
    double bpm, beat_confidence;
};

/* ---- the metrics: a table, one function per metric (m_*.c) ---- */

struct metric_out {
    int applicable;
    double score;
    int gate;
    json_t *threshold; /* object */
    json_t *evidence;  /* object */
    json_t *advice;    /* array of strings */
};

struct eval_metric {
    enum eval_metric_id id;
    const char *name;
    void (*run)(struct eval_ctx *c, struct metric_out *m);
};

void metric_clarity(struct eval_ctx *c, struct metric_out *m);
void metric_punchiness(struct eval_ctx *c, struct metric_out *m);
void metric_retention(struct eval_ctx *c, struct metric_out *m);
void metric_captions(struct eval_ctx *c, struct metric_out *m);
/* Lines of a caption as the renderer breaks it at `limit` characters a line;
 * *longest (may be NULL) gets the longest line's characters. */
int eval_wrapped_lines(const char *text, int limit, int *longest);
void metric_brand(struct eval_ctx *c, struct metric_out *m);
void metric_watchability(struct eval_ctx *c, struct metric_out *m);

void advise(struct metric_out *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- collection (collect.c): the decode callbacks ---- */

void ctx_init(struct eval_ctx *c, const struct plan *p, const struct eval_opts *o);
void ctx_release(struct eval_ctx *c);
/* Plan facts needed before decoding: text items, logo items, stills. */
void ctx_prepare(struct eval_ctx *c);
int ctx_on_video(void *ctx, const struct media_frame *f);
int ctx_want_full(void *ctx, double t);
int ctx_on_audio(void *ctx, const struct media_audio *a);
void ctx_finish_audio(struct eval_ctx *c);

/* Reading text stills in a thread of its own while the decode goes on:
 * start before decoding (nothing when no text is planned), feed each text
 * still as it is kept, finish (join) after decoding. metric_captions uses
 * what was read and reads the rest itself. */
void text_reader_start(struct eval_ctx *c);
void text_reader_feed(struct eval_ctx *c, size_t still);
void text_reader_finish(struct eval_ctx *c);
void text_reader_free(struct eval_ctx *c);

/* ---- A/V sync (sync.c) ---- */

/* Feed the mono track (from ctx_on_audio): adds to the 2 ms energy envelope,
 * a running sum per sample. */
void sync_feed(struct eval_ctx *c, const float *x, int n, int rate, double t);
void sync_release(struct eval_ctx *c);

#define SYNC_MAX_EVENTS 64 /* flash events kept with their onsets (the first ones) */
struct sync_result {
    int measurable;
    double offset_ms; /* median of onset - flash (> 0: the sound is late) */
    double mad_ms;    /* median absolute deviation of the offsets */
    int flashes;      /* visual events found */
    int events;       /* of those, the ones with a sound onset within 400 ms */
    double flash_t[SYNC_MAX_EVENTS], onset_t[SYNC_MAX_EVENTS]; /* the first `events` pairs */
    char why[128];    /* why not measurable ("" when measurable) */
};
/* Flashes in c->frames against sharp sound onsets in the envelope. */
void sync_measure(const struct eval_ctx *c, struct sync_result *r);

/* Keep the render frame at timeline time t for a later look (collect.c). */
void add_still_for(struct eval_ctx *c, double t, enum still_purpose purpose, size_t item);

/* Detail kept against the sources (detail.c): pick and decode the source
 * frames before the pass (adds STILL_DETAIL stills); after it, the median
 * share of the sources' high-frequency energy the render keeps (-1: not
 * measurable), one object per sample appended to `samples` (may be NULL). */
void detail_prepare(struct eval_ctx *c);
double detail_measure(struct eval_ctx *c, json_t *samples);
void detail_release(struct eval_ctx *c);
/* The share for one picture against its reference (both w x h, stride w). */
double detail_kept(const uint8_t *render, const uint8_t *ref, int w, int h, int *blocks);

/* Frozen stretches and repeated frames checked against the sources
 * (detail.c), after the pass. */
struct timing_result {
    double frozen_s;        /* longest stretch held while its source moves (0: none) */
    double frozen_at;       /* its start (-1: none) */
    double frozen_src_diff; /* how much the source moved across it (thumb MAD) */
    int checked_runs;       /* stretches of one picture checked against a source */
    double repeat_share;    /* repeated frames between moving ones (-1: not measurable) */
    double repeat_expected; /* the share the sources' rate and own repeats give */
    double repeat_src_share; /* the source's own repeats where looked at (-1: not) */
    int repeats_bad;
};
void timing_check(struct eval_ctx *c, struct timing_result *r);
/* Whether the source on screen at timeline time t itself cuts there (the
 * footage's own edit: a trailer, a pre-cut clip), seen as a jump of at
 * least half of d (the render's thumbnail difference) between its
 * consecutive frames at the matching source time; 0 when it does not or
 * cannot be read. */
int source_cuts_at(const struct eval_ctx *c, double t, double d);

/* ---- shared analysis helpers ---- */

/* Mean absolute difference of two thumbnails (THUMB_N pixels, 0..255). */
double thumb_dist(const uint8_t *a, const uint8_t *b);
/* Cuts found in the render (frame index of the first frame of each new shot). */
size_t find_cuts(const struct eval_ctx *c, long **cuts_out);
/* The most any part of the picture moved at frame i: the largest mean
 * |thumb - previous thumb| over a 4 x 3 grid of the frame (0..255). */
double local_motion(const struct eval_ctx *c, size_t i);
/* Mean frame difference excluding cuts, per frame (motion). */
double motion_at(const struct eval_ctx *c, size_t i);

/* Beats (beats.c): detect beats of an audio file with aubio. */
enum reel_code beats_detect(const char *path, double **times, size_t *n, double *bpm,
                            double *confidence, struct reel_err *err);
/* Place the plan's music on the timeline: fills c->beats. */
void beats_for_plan(struct eval_ctx *c);

/* OCR (ocr.c) of a gray image (0 = ink), returns malloc'd UTF-8 or NULL. */
void *ocr_new(struct reel_err *err);
char *ocr_read(void *ocr, const uint8_t *gray, int w, int h, int *confidence);
void ocr_free(void *ocr);

/* Image helpers (img.c). */
float srgb_to_linear(uint8_t v);
const float *srgb_linear_table(void); /* 256 entries, sRGB code -> linear 0..1 */
double rel_luminance(uint8_t r, uint8_t g, uint8_t b);
double wcag_contrast(double l1, double l2);
void rgb_to_lab(double r, double g, double b, double lab[3]);
int parse_hex_color(const char *s, uint8_t rgb[3]);
/* Bilinear resize of a gray image. */
void gray_resize(const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst, int dw, int dh);
/* Normalised cross-correlation of templ (tw x th) at (x, y) in img, over
 * the template pixels whose mask is non-zero (mask NULL: all). */
double ncc_at(const uint8_t *img, int iw, int ih, const uint8_t *templ, const uint8_t *mask, int tw,
              int th, int x, int y);
/* Best NCC in a window [x0..x1] x [y0..y1] (top-left positions); fills bx, by. */
double ncc_search(const uint8_t *img, int iw, int ih, const uint8_t *templ, const uint8_t *mask,
                  int tw, int th, int x0, int y0, int x1, int y1, int step, int *bx, int *by);

/* The logo image as RGBA (logo.c). */
struct logo_image {
    int w, h;
    uint8_t *rgba;
};
enum reel_code logo_load(const char *path, struct logo_image *out, struct reel_err *err);
/* Gray template and opacity mask (alpha >= 160) at w x h. */
void logo_template(const struct logo_image *img, int w, int h, uint8_t *gray, uint8_t *mask);
/* The logo scaled to w x h as the renderer scales it (bicubic, straight
 * RGBA) into rgba (w*h*4). -1 when swscale cannot. */
int logo_scaled(const struct logo_image *img, int w, int h, uint8_t *rgba);
void logo_image_release(struct logo_image *img);
/* Sharpness: median (lower quartile) over blocks with detail of |x - DU2(x)|^2 / |x - DU4(x)|^2
 * (DUk: k-times downscale, then upscale back): low when the picture was
 * upscaled. -1 when too few blocks have detail. */
double upscale_ratio(const uint8_t *gray, int w, int h, int stride);
/* Levenshtein distance between two UTF-8 strings in code points. */
size_t utf8_levenshtein(const char *a, const char *b);
/* Normalise for CER: lower-case ASCII, letters/digits kept, runs of anything
 * else become one space, trimmed. malloc'd. */
char *text_normalize(const char *s);

double clamp01(double x);
/* Percentile (0..100) of v (n values, modified in place: sorted). */
double percentile(double *v, size_t n, double p);

/* JSON helpers */
json_t *json_times(const double *t, size_t n, size_t max);
json_t *json_round(double v, int digits);

/* The expected primary storyline from the plan: cut start times on the timeline. */
size_t plan_cut_times(const struct plan *p, double **out, double *duration);

#endif
