/*
 * One decode pass (media/decode.h): libavformat demuxes, libavcodec decodes
 * with threads, libswscale shrinks each picture to the analysis size (gray,
 * and rgb24 on request), libswresample makes mono float at a fixed rate and,
 * on request, interleaved float at the source rate. Rotation is applied to
 * the small pictures (cheap) rather than to the decoded ones.
 */
#include "media/decode.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

struct dec {
    const struct media_decode_opts *o;
    AVFormatContext *fc;
    int vi, ai;
    AVCodecContext *vc, *ac;
    AVFrame *frame;
    double start; /* file start time, seconds */
    int rotation;
    int stopped;

    /* video */
    struct SwsContext *sws_gray, *sws_rgb;
    int sw, sh;          /* scaled size before rotation */
    int ow, oh;          /* delivered size (after rotation) */
    uint8_t *gray, *rgb; /* scaled */
    int gray_stride, rgb_stride;
    uint8_t *rgray, *rrgb; /* rotated */
    uint8_t *sgray, *srgb; /* point-sampled (want_full said no) */
    /* per sampled column: its luma and chroma source column, for frames
     * scol_fw wide with chroma shift scol_cx */
    int *scol, scol_fw, scol_cx;
    int ssw, ssh;
    long vindex;
    double last_vt, vdur;

    /* audio */
    SwrContext *swr_mono, *swr_il;
    AVChannelLayout in_layout;
    int in_fmt, in_rate;
    float *mono;
    int mono_cap;
    float *il;
    int il_cap;
    int64_t mono_total;
    double audio_t0;
    int have_audio_t0;
};

static int ptime_ok(int64_t ts)
{
    return ts != AV_NOPTS_VALUE;
}

/* Display size with the sample aspect ratio and rotation applied. */
static void display_dims(const AVCodecContext *c, const AVStream *st, int rotation, int *w, int *h)
{
    AVRational sar = st->sample_aspect_ratio.num ? st->sample_aspect_ratio : c->sample_aspect_ratio;
    double dw = c->width, dh = c->height;
    if (sar.num > 0 && sar.den > 0)
        dw = dw * sar.num / sar.den;
    int iw = (int)lround(dw), ih = (int)lround(dh);
    if (iw < 1)
        iw = 1;
    if (ih < 1)
        ih = 1;
    if (rotation == 90 || rotation == 270) {
        *w = ih;
        *h = iw;
    } else {
        *w = iw;
        *h = ih;
    }
}

static void pick_size(struct dec *d, int fw, int fh)
{
    int dw, dh;
    AVStream *st = d->fc->streams[d->vi];
    (void)fw, (void)fh;
    display_dims(d->vc, st, d->rotation, &dw, &dh);
    int aw = d->o->analysis_width, ah = d->o->analysis_height;
    int ow, oh;
    if (aw > 0 && ah > 0) {
        ow = aw;
        oh = ah;
    } else if (aw > 0) {
        ow = aw;
        oh = (int)lround((double)aw * dh / dw);
    } else if (ah > 0) {
        oh = ah;
        ow = (int)lround((double)ah * dw / dh);
    } else {
        ow = dw;
        oh = dh;
    }
    if (ow < 1)
        ow = 1;
    if (oh < 1)
        oh = 1;
    d->ow = ow;
    d->oh = oh;
    if (d->rotation == 90 || d->rotation == 270) {
        d->sw = oh;
        d->sh = ow;
    } else {
        d->sw = ow;
        d->sh = oh;
    }
}

static void alloc_pictures(struct dec *d)
{
    free(d->gray);
    free(d->rgb);
    free(d->rgray);
    free(d->rrgb);
    d->gray = d->rgb = d->rgray = d->rrgb = NULL;
    d->gray_stride = (d->sw + 31) & ~31;
    d->gray = xcalloc((size_t)d->gray_stride * d->sh + 64, 1);
    if (d->o->want_rgb) {
        d->rgb_stride = (3 * d->sw + 31) & ~31;
        d->rgb = xcalloc((size_t)d->rgb_stride * d->sh + 64, 1);
    }
    if (d->rotation) {
        d->rgray = xcalloc((size_t)d->ow * d->oh + 64, 1);
        if (d->o->want_rgb)
            d->rrgb = xcalloc((size_t)3 * d->ow * d->oh + 64, 1);
    }
}

/* Turn src (sw x sh, bytes per pixel bpp) clockwise by rot into dst (ow x oh, packed). */
static void rotate(const uint8_t *src, int sstride, int sw, int sh, int bpp, int rot, uint8_t *dst)
{
    int ow = (rot == 90 || rot == 270) ? sh : sw;
    int oh = (rot == 90 || rot == 270) ? sw : sh;
    for (int y = 0; y < oh; y++) {
        uint8_t *o = dst + (size_t)y * ow * bpp;
        for (int x = 0; x < ow; x++) {
            int sx, sy;
            if (rot == 90) {
                sx = y;
                sy = sh - 1 - x;
            } else if (rot == 180) {
                sx = sw - 1 - x;
                sy = sh - 1 - y;
            } else { /* 270 */
                sx = sw - 1 - y;
                sy = x;
            }
            const uint8_t *s = src + (size_t)sy * sstride + (size_t)sx * bpp;
            for (int k = 0; k < bpp; k++)
                o[x * bpp + k] = s[k];
        }
    }
}

static int sws_flags(const struct dec *d)
{
    const char *e = getenv("REEL_SWS_FLAGS"); /* for benchmarks: "fast", "bilinear", "area" */
    if (e && !strcmp(e, "fast"))
        return SWS_FAST_BILINEAR;
    if (e && !strcmp(e, "bilinear"))
        return SWS_BILINEAR;
    (void)d;
    return SWS_AREA;
}

/* Luma of an RGB pixel: full-range BT.601 weights, as libswscale's GRAY8. */
static inline uint8_t luma_of(const uint8_t *p)
{
    return (uint8_t)((19595 * p[0] + 38470 * p[1] + 7471 * p[2] + 32768) >> 16);
}

/*
 * Point-sample an 8-bit planar YUV frame at ssw x ssh into gray and RGB.
 * 0 when the frame's format is not one this handles.
 */
static int sample_yuv(struct dec *d, const AVFrame *f)
{
    int cx, cy; /* chroma subsampling shifts */
    switch (f->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
        cx = cy = 1;
        break;
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
        cx = 1, cy = 0;
        break;
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
        cx = cy = 0;
        break;
    default:
        return 0;
    }
    /* the same conversion the full-size path gets from libswscale's
     * defaults (BT.601 matrix, range from the pixel format), so that sampled
     * and full frames of one picture have the same colours */
    int full = f->format == AV_PIX_FMT_YUVJ420P || f->format == AV_PIX_FMT_YUVJ422P ||
               f->format == AV_PIX_FMT_YUVJ444P;
    /* 16.16 fixed point: R = Y' + A V, G = Y' - B U - C V, B = Y' + E U */
    const double kr = 0.299, kb = 0.114, kg = 1 - kr - kb;
    double ys = full ? 1.0 : 255.0 / 219.0, cs = full ? 1.0 : 255.0 / 224.0;
    int yo = full ? 0 : 16;
    int A = (int)lround(65536 * 2 * (1 - kr) * cs), E = (int)lround(65536 * 2 * (1 - kb) * cs);
    int B = (int)lround(65536 * 2 * (1 - kb) * kb / kg * cs);
    int C = (int)lround(65536 * 2 * (1 - kr) * kr / kg * cs);
    int Ys = (int)lround(65536 * ys);
    if (!d->sgray || d->ssw != (d->sw + 2) / 3 || d->ssh != (d->sh + 2) / 3) {
        d->ssw = (d->sw + 2) / 3 > 0 ? (d->sw + 2) / 3 : 1;
        d->ssh = (d->sh + 2) / 3 > 0 ? (d->sh + 2) / 3 : 1;
        free(d->sgray);
        free(d->srgb);
        free(d->scol);
        d->scol = NULL;
        d->sgray = xmalloc((size_t)d->ssw * d->ssh);
        d->srgb = xmalloc((size_t)3 * d->ssw * d->ssh);
    }
    if (!d->scol || d->scol_fw != f->width || d->scol_cx != cx) {
        /* the column a sampled pixel reads, worked out once and not with a
         * division per pixel (it was most of the sampling's time) */
        free(d->scol);
        d->scol = xmalloc(sizeof(int) * 2 * (size_t)d->ssw);
        for (int x = 0; x < d->ssw; x++) {
            int sx = (int)(((int64_t)x * 2 + 1) * f->width / (2 * d->ssw));
            d->scol[2 * x] = sx;
            d->scol[2 * x + 1] = sx >> cx;
        }
        d->scol_cx = cx;
        d->scol_fw = f->width;
    }
    const int *col = d->scol;
    for (int y = 0; y < d->ssh; y++) {
        int sy = (int)(((int64_t)y * 2 + 1) * f->height / (2 * d->ssh));
        const uint8_t *yr = f->data[0] + (size_t)sy * f->linesize[0];
        const uint8_t *ur = f->data[1] + (size_t)(sy >> cy) * f->linesize[1];
        const uint8_t *vr = f->data[2] + (size_t)(sy >> cy) * f->linesize[2];
        uint8_t *g = d->sgray + (size_t)y * d->ssw, *o = d->srgb + (size_t)3 * y * d->ssw;
        for (int x = 0; x < d->ssw; x++) {
            int Y = (yr[col[2 * x]] - yo) * Ys, U = ur[col[2 * x + 1]] - 128,
                V = vr[col[2 * x + 1]] - 128;
            int r = (Y + A * V + 32768) >> 16, gg = (Y - B * U - C * V + 32768) >> 16,
                b = (Y + E * U + 32768) >> 16;
            o[3 * x] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
            o[3 * x + 1] = (uint8_t)(gg < 0 ? 0 : gg > 255 ? 255 : gg);
            o[3 * x + 2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
            g[x] = luma_of(o + 3 * x);
        }
    }
    return 1;
}

/* The frame's own 8-bit luma plane for media_frame.native_y. */
static void native_luma(const struct dec *d, const AVFrame *f, struct media_frame *mf)
{
    switch (f->format) {
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_NV12:
    case AV_PIX_FMT_NV21:
        break;
    default:
        return;
    }
    if (d->rotation || !f->data[0])
        return;
    mf->native_y = f->data[0];
    mf->native_w = f->width;
    mf->native_h = f->height;
    mf->native_stride = f->linesize[0];
}

static double frame_time(struct dec *d, const AVFrame *f)
{
    AVStream *st = d->fc->streams[d->vi];
    int64_t pts = f->best_effort_timestamp;
    double t;
    if (ptime_ok(pts))
        t = pts * av_q2d(st->time_base) - d->start;
    else
        t = d->vindex ? d->last_vt + d->vdur : 0;
    if (d->vindex && t <= d->last_vt - 1e-9 && !ptime_ok(pts))
        t = d->last_vt + d->vdur;
    return t;
}

static enum reel_code deliver_video(struct dec *d, AVFrame *f, struct reel_err *err)
{
    if (!d->o->on_video)
        return REEL_OK;
    if (!d->gray) {
        pick_size(d, f->width, f->height);
        alloc_pictures(d);
    }
    double t = frame_time(d, f);
    if (d->o->want_full && d->o->want_rgb && !d->rotation && d->vindex > 0 &&
        !d->o->want_full(d->o->ctx, t) && sample_yuv(d, f)) {
        d->last_vt = t;
        struct media_frame mf;
        memset(&mf, 0, sizeof(mf));
        mf.t = t;
        mf.index = d->vindex++;
        mf.width = d->ssw;
        mf.height = d->ssh;
        mf.stride = d->ssw;
        mf.gray = d->sgray;
        mf.rgb = d->srgb;
        mf.rgb_stride = 3 * d->ssw;
        mf.full = 0;
        native_luma(d, f, &mf);
        mf.sampled_gray = d->sgray;
        mf.sampled_w = d->ssw;
        mf.sampled_h = d->ssh;
        if (d->o->on_video(d->o->ctx, &mf))
            d->stopped = 1;
        return REEL_OK;
    }
    if (!d->o->want_rgb) {
        d->sws_gray = sws_getCachedContext(d->sws_gray, f->width, f->height, f->format, d->sw,
                                           d->sh, AV_PIX_FMT_GRAY8, sws_flags(d), NULL, NULL, NULL);
        if (!d->sws_gray)
            return reel_fail(err, REEL_EINVAL, NULL, "cannot convert the picture format %d",
                             f->format);
        uint8_t *dst[4] = {d->gray, NULL, NULL, NULL};
        int dstride[4] = {d->gray_stride, 0, 0, 0};
        sws_scale(d->sws_gray, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst,
                  dstride);
    } else {
        d->sws_rgb = sws_getCachedContext(d->sws_rgb, f->width, f->height, f->format, d->sw, d->sh,
                                          AV_PIX_FMT_RGB24, sws_flags(d), NULL, NULL, NULL);
        if (!d->sws_rgb)
            return reel_fail(err, REEL_EINVAL, NULL, "cannot convert the picture format %d",
                             f->format);
        uint8_t *rd[4] = {d->rgb, NULL, NULL, NULL};
        int rs[4] = {d->rgb_stride, 0, 0, 0};
        sws_scale(d->sws_rgb, (const uint8_t *const *)f->data, f->linesize, 0, f->height, rd, rs);
        /* one scaling pass instead of two: luma from the small RGB picture
         * (full-range BT.601 weights, as libswscale's GRAY8 output) */
        for (int y = 0; y < d->sh; y++) {
            const uint8_t *p = d->rgb + (size_t)y * d->rgb_stride;
            uint8_t *g = d->gray + (size_t)y * d->gray_stride;
            for (int x = 0; x < d->sw; x++)
                g[x] = luma_of(p + 3 * x);
        }
    }

    d->last_vt = t;

    struct media_frame mf;
    memset(&mf, 0, sizeof(mf));
    mf.full = 1;
    native_luma(d, f, &mf);
    if (d->o->want_full && d->o->want_rgb && !d->rotation && sample_yuv(d, f)) {
        mf.sampled_gray = d->sgray;
        mf.sampled_w = d->ssw;
        mf.sampled_h = d->ssh;
    }
    mf.t = t;
    mf.index = d->vindex++;
    mf.width = d->ow;
    mf.height = d->oh;
    if (d->rotation) {
        rotate(d->gray, d->gray_stride, d->sw, d->sh, 1, d->rotation, d->rgray);
        mf.gray = d->rgray;
        mf.stride = d->ow;
        if (d->o->want_rgb) {
            rotate(d->rgb, d->rgb_stride, d->sw, d->sh, 3, d->rotation, d->rrgb);
            mf.rgb = d->rrgb;
            mf.rgb_stride = 3 * d->ow;
        }
    } else {
        mf.gray = d->gray;
        mf.stride = d->gray_stride;
        mf.rgb = d->rgb;
        mf.rgb_stride = d->rgb_stride;
    }
    if (d->o->on_video(d->o->ctx, &mf))
        d->stopped = 1;
    return REEL_OK;
}

static int setup_swr(SwrContext **s, AVChannelLayout *out_layout, int out_rate,
                     AVChannelLayout *in_layout, int in_fmt, int in_rate)
{
    swr_free(s);
    if (swr_alloc_set_opts2(s, out_layout, AV_SAMPLE_FMT_FLT, out_rate, in_layout, in_fmt, in_rate,
                            0, NULL) < 0)
        return -1;
    if (swr_init(*s) < 0) {
        swr_free(s);
        return -1;
    }
    return 0;
}

static enum reel_code audio_setup(struct dec *d, const AVFrame *f, struct reel_err *err)
{
    AVChannelLayout in;
    if (f->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || f->ch_layout.nb_channels <= 0)
        av_channel_layout_default(&in, f->ch_layout.nb_channels > 0 ? f->ch_layout.nb_channels : 1);
    else if (av_channel_layout_copy(&in, &f->ch_layout) < 0)
        return reel_fail(err, REEL_ESYS, NULL, "out of memory");
    if (d->swr_mono && d->in_fmt == f->format && d->in_rate == f->sample_rate &&
        !av_channel_layout_compare(&in, &d->in_layout)) {
        av_channel_layout_uninit(&in);
        return REEL_OK;
    }
    av_channel_layout_uninit(&d->in_layout);
    d->in_layout = in;
    d->in_fmt = f->format;
    d->in_rate = f->sample_rate;
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    int rate = d->o->sample_rate > 0 ? d->o->sample_rate : 22050;
    if (setup_swr(&d->swr_mono, &mono, rate, &d->in_layout, f->format, f->sample_rate) < 0)
        return reel_fail(err, REEL_EINVAL, NULL, "cannot resample this sound (%d Hz, %d channels)",
                         f->sample_rate, d->in_layout.nb_channels);
    if (d->o->want_interleaved && setup_swr(&d->swr_il, &d->in_layout, f->sample_rate,
                                            &d->in_layout, f->format, f->sample_rate) < 0)
        return reel_fail(err, REEL_EINVAL, NULL, "cannot convert this sound to float");
    return REEL_OK;
}

/* Convert one frame (or flush when f is NULL) and hand the samples over. */
static enum reel_code deliver_audio(struct dec *d, AVFrame *f, struct reel_err *err)
{
    if (!d->o->on_audio)
        return REEL_OK;
    if (f) {
        enum reel_code rc = audio_setup(d, f, err);
        if (rc)
            return rc;
        if (!d->have_audio_t0) {
            AVStream *st = d->fc->streams[d->ai];
            int64_t pts = f->best_effort_timestamp;
            d->audio_t0 = ptime_ok(pts) ? pts * av_q2d(st->time_base) - d->start : 0;
            d->have_audio_t0 = 1;
        }
    }
    if (!d->swr_mono)
        return REEL_OK;
    int rate = d->o->sample_rate > 0 ? d->o->sample_rate : 22050;
    const uint8_t **in = f ? (const uint8_t **)f->extended_data : NULL;
    int in_n = f ? f->nb_samples : 0;

    int need = swr_get_out_samples(d->swr_mono, in_n) + 32;
    if (need > d->mono_cap) {
        d->mono_cap = need * 2;
        d->mono = xrealloc(d->mono, sizeof(float) * d->mono_cap);
    }
    uint8_t *mo[1] = {(uint8_t *)d->mono};
    int n = swr_convert(d->swr_mono, mo, d->mono_cap, in, in_n);
    if (n < 0)
        return reel_fail(err, REEL_EINVAL, NULL, "resampling the sound failed");

    int nil = 0;
    if (d->o->want_interleaved && d->swr_il) {
        int ch = d->in_layout.nb_channels;
        int needi = swr_get_out_samples(d->swr_il, in_n) + 32;
        if ((long)needi * ch > d->il_cap) {
            d->il_cap = needi * ch * 2;
            d->il = xrealloc(d->il, sizeof(float) * d->il_cap);
        }
        uint8_t *io[1] = {(uint8_t *)d->il};
        nil = swr_convert(d->swr_il, io, d->il_cap / ch, in, in_n);
        if (nil < 0)
            return reel_fail(err, REEL_EINVAL, NULL, "converting the sound failed");
    }
    if (n == 0 && nil == 0)
        return REEL_OK;
    struct media_audio a;
    memset(&a, 0, sizeof(a));
    a.t = d->audio_t0 + (double)d->mono_total / rate;
    a.samples = d->mono;
    a.n = n;
    a.sample_rate = rate;
    if (d->o->want_interleaved) {
        a.interleaved = d->il;
        a.n_interleaved = nil;
        a.channels = d->in_layout.nb_channels;
        a.src_sample_rate = d->in_rate;
    }
    d->mono_total += n;
    if (d->o->on_audio(d->o->ctx, &a))
        d->stopped = 1;
    return REEL_OK;
}

static enum reel_code drain(struct dec *d, AVCodecContext *c, int video, struct reel_err *err)
{
    for (;;) {
        int r = avcodec_receive_frame(c, d->frame);
        if (r == AVERROR(EAGAIN) || r == AVERROR_EOF)
            return REEL_OK;
        if (r < 0)
            return REEL_OK; /* a broken frame: skip it, keep going */
        enum reel_code rc =
            video ? deliver_video(d, d->frame, err) : deliver_audio(d, d->frame, err);
        av_frame_unref(d->frame);
        if (rc)
            return rc;
        if (d->stopped)
            return REEL_OK;
    }
}

static enum reel_code open_codec(struct dec *d, int idx, AVCodecContext **out, struct reel_err *err)
{
    AVStream *st = d->fc->streams[idx];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return reel_fail(err, REEL_EINVAL, NULL, "no decoder for %s",
                         avcodec_get_name(st->codecpar->codec_id));
    AVCodecContext *c = avcodec_alloc_context3(codec);
    if (!c)
        return reel_fail(err, REEL_ESYS, NULL, "out of memory");
    avcodec_parameters_to_context(c, st->codecpar);
    c->pkt_timebase = st->time_base;
    if (st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO) {
        c->thread_count = d->o->threads > 0 ? d->o->threads : 0;
        c->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
        if (d->o->fast) {
            c->skip_loop_filter = AVDISCARD_ALL;
            c->flags2 |= AV_CODEC_FLAG2_FAST;
        }
    }
    int r = avcodec_open2(c, codec, NULL);
    if (r < 0) {
        avcodec_free_context(&c);
        return reel_fail(err, REEL_EINVAL, NULL, "cannot open the %s decoder", codec->name);
    }
    *out = c;
    return REEL_OK;
}

static void dec_free(struct dec *d)
{
    avcodec_free_context(&d->vc);
    avcodec_free_context(&d->ac);
    av_frame_free(&d->frame);
    if (d->fc)
        avformat_close_input(&d->fc);
    sws_freeContext(d->sws_gray);
    sws_freeContext(d->sws_rgb);
    free(d->sgray);
    free(d->srgb);
    free(d->scol);
    swr_free(&d->swr_mono);
    swr_free(&d->swr_il);
    av_channel_layout_uninit(&d->in_layout);
    free(d->gray);
    free(d->rgb);
    free(d->rgray);
    free(d->rrgb);
    free(d->mono);
    free(d->il);
}

enum reel_code media_decode(const char *path, const struct media_decode_opts *opts,
                            struct reel_err *err)
{
    struct media_info info;
    enum reel_code rc = media_probe(path, &info, err);
    if (rc)
        return rc;
    if (opts->info_out)
        *opts->info_out = info;
    if (info.kind == MEDIA_LUT)
        return reel_fail(err, REEL_EINVAL, path, "a LUT has neither picture nor sound to decode");

    struct dec d;
    memset(&d, 0, sizeof(d));
    d.o = opts;
    d.vi = d.ai = -1;
    d.rotation = info.rotation;
    av_log_set_level(AV_LOG_QUIET);
    int r = avformat_open_input(&d.fc, path, NULL, NULL);
    if (r < 0)
        return reel_fail(err, REEL_EINVAL, path, "not a media file FFmpeg can read");
    if (avformat_find_stream_info(d.fc, NULL) < 0) {
        dec_free(&d);
        return reel_fail(err, REEL_EINVAL, path, "cannot read stream information");
    }
    int vi = av_find_best_stream(d.fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = av_find_best_stream(d.fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (vi >= 0 && ((d.fc->streams[vi]->disposition & AV_DISPOSITION_ATTACHED_PIC) ||
                    d.fc->streams[vi]->codecpar->width <= 0))
        vi = -1;
    if (vi >= 0 && opts->on_video)
        d.vi = vi;
    if (ai >= 0 && opts->on_audio)
        d.ai = ai;
    for (unsigned i = 0; i < d.fc->nb_streams; i++)
        if ((int)i != d.vi && (int)i != d.ai)
            d.fc->streams[i]->discard = AVDISCARD_ALL;
    d.start = d.fc->start_time != AV_NOPTS_VALUE ? d.fc->start_time / (double)AV_TIME_BASE : 0;
    if (d.vi >= 0) {
        AVStream *st = d.fc->streams[d.vi];
        AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
        d.vdur = (fr.num > 0 && fr.den > 0) ? 1.0 / av_q2d(fr) : 1.0 / 25;
    }
    if (d.vi >= 0 && (rc = open_codec(&d, d.vi, &d.vc, err)))
        goto out;
    if (d.ai >= 0 && (rc = open_codec(&d, d.ai, &d.ac, err)))
        goto out;
    d.frame = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    if (!d.frame || !pkt) {
        av_packet_free(&pkt);
        rc = reel_fail(err, REEL_ESYS, path, "out of memory");
        goto out;
    }
    while (!d.stopped) {
        r = av_read_frame(d.fc, pkt);
        if (r == AVERROR(EAGAIN))
            continue;
        if (r < 0)
            break; /* end of file, or a read error: decode what we have */
        AVCodecContext *c = NULL;
        int video = 0;
        if (pkt->stream_index == d.vi) {
            c = d.vc;
            video = 1;
        } else if (pkt->stream_index == d.ai) {
            c = d.ac;
        }
        if (c) {
            r = avcodec_send_packet(c, pkt);
            if (r == AVERROR(EAGAIN)) {
                /* drain then resend */
                if ((rc = drain(&d, c, video, err)))
                    break;
                r = avcodec_send_packet(c, pkt);
            }
            if (!d.stopped && (rc = drain(&d, c, video, err)))
                break;
        }
        av_packet_unref(pkt);
    }
    av_packet_unref(pkt);
    av_packet_free(&pkt);
    if (!rc && !d.stopped && d.vc) {
        avcodec_send_packet(d.vc, NULL);
        rc = drain(&d, d.vc, 1, err);
    }
    if (!rc && !d.stopped && d.ac) {
        avcodec_send_packet(d.ac, NULL);
        rc = drain(&d, d.ac, 0, err);
        if (!rc && !d.stopped)
            rc = deliver_audio(&d, NULL, err); /* flush the resampler */
    }
    if (rc && err && !err->path[0])
        snprintf(err->path, sizeof(err->path), "%s", path);
out:
    dec_free(&d);
    return rc;
}
