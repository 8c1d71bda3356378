/* Private to media/analyze*.c: the per-pass analysers and their results. */
#ifndef REEL_MEDIA_ANALYZE_INTERNAL_H
#define REEL_MEDIA_ANALYZE_INTERNAL_H

#include <stdint.h>

#include "core/json.h"
#include "core/util.h"
#include "media/decode.h"

#define AN_HIST_BINS 64 /* joint RGB histogram, 4 levels per channel, r major */
#define AN_GRID_W 16
#define AN_GRID_H 9
#define AN_GRID (AN_GRID_W * AN_GRID_H * 3)
#define AN_NLAG 20
extern const int an_lags[AN_NLAG]; /* frame distances kept for every frame: 1..64 */
#define AN_MAX_LAG 64

/* One frame's summary (kept for the whole file). */
struct an_vframe {
    double t;
    float d[AN_NLAG]; /* distance to the frame an_lags[j] earlier; -1 when none */
    float rgb[3];     /* mean colour */
    float dark;       /* fraction of near-black pixels */
    float mad;        /* mean absolute luma difference to the previous frame, 0..255 */
    float maxcell;    /* largest grid-cell luma change to the previous frame */
};

/* A small picture kept as a thumbnail candidate. */
struct an_still {
    long index;
    double t;
    uint8_t *rgb; /* w*h*3 packed */
};

struct an_video {
    int w, h; /* analysis picture size */
    double fps;
    VEC(struct an_vframe) frames;
    float *hist; /* AN_HIST_BINS per frame, grows with frames */
    size_t hist_cap;
    /* ring of the last AN_MAX_LAG+1 frames' features */
    float ring_hist[AN_MAX_LAG + 1][AN_HIST_BINS];
    float ring_grid[AN_MAX_LAG + 1][AN_GRID];
    uint8_t *prev_gray;
    float prev_cell[AN_GRID_W * AN_GRID_H];
    /* thumbnail candidates: regular samples (decimated when full) and after likely cuts */
    VEC(struct an_still) samples;
    long sample_step;
    VEC(struct an_still) extra;
    long extra_at;  /* frame index to keep next as an "after a cut" candidate, -1 none */
    int lo_of[256]; /* soft histogram binning: lower bin and weight of the upper one */
    float w_of[256];
};

void an_video_init(struct an_video *v);
void an_video_release(struct an_video *v);
void an_video_frame(struct an_video *v, const struct media_frame *f);

struct an_cut {
    long frame; /* first frame of the new shot (hard) or the centre frame (gradual) */
    double t, score;
    int gradual;
    long from, to; /* transition frames [from, to] (== frame for hard cuts) */
};

/* Detect cuts, then build "shots", "cuts", "motion", "black", "frozen" into out.
 * thumb_dir NULL: no thumbnails. */
enum reel_code an_video_finish(struct an_video *v, double duration, unsigned which,
                               const char *thumb_dir, json_t *out, struct reel_err *err);
/* The cut detector alone (for tests): fills a vector the caller frees. */
void an_detect_cuts(const struct an_video *v, struct an_cut **cuts, size_t *n);

struct an_audio;
struct an_audio *an_audio_new(unsigned which);
void an_audio_free(struct an_audio *a);
void an_audio_samples(struct an_audio *a, const struct media_audio *m);
/* Adds "loudness", "speech", "silence", "music", "beats" as asked. */
void an_audio_finish(struct an_audio *a, double duration, json_t *out);

/* Thumbnails (libavcodec mjpeg / png). */
enum reel_code an_write_jpeg(const char *path, const uint8_t *rgb, int w, int h,
                             struct reel_err *err);
enum reel_code an_write_png(const char *path, const uint8_t *rgb, int w, int h,
                            struct reel_err *err);

/* Round to milliseconds (JSON stays short and stable). */
json_t *an_time(double t);
json_t *an_num(double x, int decimals);

#endif
