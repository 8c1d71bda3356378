/*
 * One decode pass over a media file that feeds many consumers at once
 * (every analyser in media/analyze, every metric in eval): picture frames
 * scaled by libswscale to a small analysis size, and sound resampled by
 * libswresample to mono float at a fixed rate.
 *
 *   struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
 *   o.on_video = my_frame_cb; o.on_audio = my_audio_cb; o.ctx = state;
 *   media_decode(path, &o, &err);
 *
 * Callbacks return 0 to go on, non-zero to stop early (media_decode then
 * returns REEL_OK). The frame and sample buffers are borrowed for the call.
 */
#ifndef REEL_MEDIA_DECODE_H
#define REEL_MEDIA_DECODE_H

#include <stdint.h>

#include "core/err.h"
#include "media/probe.h"

enum media_pixfmt { MEDIA_PIX_GRAY, MEDIA_PIX_RGB24 };

struct media_frame {
    double t;   /* presentation time, seconds from the start of the file */
    long index; /* 0-based frame number in decode order of presentation */
    int width, height;
    int stride;          /* bytes per row */
    const uint8_t *gray; /* width*height luma (always present) */
    const uint8_t *rgb;  /* 3*width per row, when opts.want_rgb */
    int rgb_stride;
    /* 1: the analysis size (area-scaled); 0: a frame opts.want_full passed
     * over, point-sampled at about a third of that size (for per-frame
     * statistics: averages, motion, flashes) */
    int full;
    /* the decoded picture's own luma plane (Y' of 8-bit planar YUV, limited
     * or full range as coded), borrowed, when the frame has one and no
     * rotation applies; NULL otherwise */
    const uint8_t *native_y;
    int native_w, native_h, native_stride;
    /* with want_full: the same picture point-sampled as the frames
     * want_full passes over are (gray, sampled_w x sampled_h, stride
     * sampled_w), on full frames too, so that statistics compared across
     * frames of both kinds see the same points; NULL when not sampled */
    const uint8_t *sampled_gray;
    int sampled_w, sampled_h;
};

struct media_audio {
    double t;             /* time of samples[0] */
    const float *samples; /* mono, in [-1, 1] (may exceed on clipping) */
    int n;
    int sample_rate;
    /* the original channels, interleaved float, for loudness/true peak */
    const float *interleaved;
    int channels;
    int src_sample_rate; /* rate of `interleaved` (the file's own rate) */
    int n_interleaved;   /* frames (per channel) in `interleaved`; 0 when not wanted */
};

struct media_decode_opts {
    int analysis_width;   /* scale so that width is this (height keeps aspect); 0: native */
    int analysis_height;  /* if both set, exact size */
    int want_rgb;         /* also produce rgb24 */
    int sample_rate;      /* mono float rate (default 22050) */
    int want_interleaved; /* also deliver the original channels as float at the source rate */
    int threads;          /* decoder threads (0: auto) */
    /* When set, asked with each video frame's time whether it is needed at
     * the analysis size; when it answers 0 the frame comes point-sampled
     * from the decoded planes at a third of that size (media_frame.full 0),
     * which costs a small fraction of scaling the whole picture. 8-bit
     * YUV 4:2:0/4:2:2/4:4:4 without rotation; other frames are always full. */
    int (*want_full)(void *ctx, double t);
    int (*on_video)(void *ctx, const struct media_frame *f);
    int (*on_audio)(void *ctx, const struct media_audio *a);
    void *ctx;
    struct media_info *info_out; /* when set, filled with the probe of the file */
    int fast;                    /* allow decoder shortcuts that barely change a small picture
                                    (skip the H.264 loop filter): for analysis, not for metrics */
};
#define MEDIA_DECODE_OPTS_INIT                                                                     \
    {                                                                                              \
        160, 0, 0, 22050, 0, 0, NULL, NULL, NULL, NULL, NULL, 0                                    \
    }

/*
 * Decode the file once, calling the callbacks in presentation order
 * (video and audio interleaved as they come). Files without a picture or
 * without sound just never call that callback. Applies display rotation.
 */
enum reel_code media_decode(const char *path, const struct media_decode_opts *opts,
                            struct reel_err *err);

#endif
