/*
 * Detail kept against the sources: the clarity metric's test of upscaling,
 * blur and heavy compression. A no-reference sharpness measure cannot tell
 * a soft real camera clip from an upscaled one (both lack their top
 * octave), so the render is compared with its own sources: before the
 * decode pass a few source frames are decoded (at keyframes, so a sample
 * costs one seek and a frame or two), brought to the render's geometry the
 * way the renderer does it (cover: scale, then crop at the focus; contain:
 * scale and pad; stretch), and the render frame at the matching timeline
 * time is kept at its own size. The measure is the high-frequency energy
 * (picture minus a 3x3 binomial blur) of the render over that of the
 * reference, per 16x16 block where the reference has detail and the two
 * pictures agree (a logo or caption drawn over a block leaves it out), the
 * median of the blocks, then of the samples. A clean render keeps about
 * 0.9 of its sources' detail; one upscaled 1.5x from a smaller copy about
 * 0.6, blurred or starved of bits less (docs/eval.md).
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define DETAIL_SAMPLES 8
#define DETAIL_BLOCK 16
#define DETAIL_MIN_HF 1.0   /* mean squared high-pass of a reference block with detail */
#define DETAIL_MAX_MAD 12.0 /* mean |render - reference| of a block that shows the source */
#define DETAIL_MIN_BLOCKS 12
#define DETAIL_MARGIN 0.2   /* seconds kept clear of a cut's ends */

static const struct plan_asset *asset_of(const struct plan *p, const char *label)
{
    for (size_t i = 0; label && i < p->nassets; i++)
        if (p->assets[i].label && !strcmp(p->assets[i].label, label))
            return &p->assets[i];
    return NULL;
}

/* 1 when timeline time t is where the render does not show the cut's own
 * picture as it is: a transition or fade, a grade that changes luma, a
 * video overlay over much of the frame. */
static int covered(const struct plan *p, const struct plan_timeline *tl, double t)
{
    for (size_t s = 0; s < tl->nspans; s++) {
        const struct plan_op *op = &p->ops[tl->spans[s].op_index];
        const struct plan_span *sp = &tl->spans[s];
        int in = t >= sp->start - 0.1 && t < sp->end + 0.1;
        if (!in)
            continue;
        if (op->kind == OP_TRANSITION || op->kind == OP_FADE)
            return 1;
        if (op->kind == OP_COLOR && (fabs(op->brightness) > 1e-6 || fabs(op->contrast - 1) > 1e-6 ||
                                     fabs(op->gamma - 1) > 1e-6 || op->lut))
            return 1;
        if (op->kind == OP_OVERLAY && op->width >= 0.3) {
            const struct plan_asset *a = asset_of(p, op->asset);
            if (!a || !a->probed || a->info.kind != MEDIA_IMAGE)
                return 1;
        }
    }
    return 0;
}

/* Decode the first frame at or after `want` seconds (from the keyframe at
 * or before it; at most a few frames on). Fills *frame, *t. 0 on success. */
static int decode_near(AVFormatContext *fc, AVCodecContext *dc, int vi, double want, double lo,
                       AVFrame *frame, double *t)
{
    /* frames decoded on from the keyframe: about 40 Mpixel of work at most */
    AVCodecParameters *cp = fc->streams[vi]->codecpar;
    double px = cp->width > 0 && cp->height > 0 ? (double)cp->width * cp->height : 1e6;
    int budget = (int)fmin(240, fmax(24, 40e6 / px));
    AVStream *st = fc->streams[vi];
    double tb = av_q2d(st->time_base);
    double start = st->start_time != AV_NOPTS_VALUE ? st->start_time * tb : 0;
    int64_t ts = (int64_t)((want + start) / tb);
    if (av_seek_frame(fc, vi, ts, AVSEEK_FLAG_BACKWARD) < 0)
        av_seek_frame(fc, vi, 0, AVSEEK_FLAG_BACKWARD);
    avcodec_flush_buffers(dc);
    AVPacket *pkt = av_packet_alloc();
    int got = 0, frames = 0, eof = 0;
    while (!got && frames < budget) {
        int r = avcodec_receive_frame(dc, frame);
        if (r == 0) {
            frames++;
            int64_t pts = frame->best_effort_timestamp;
            double ft = pts == AV_NOPTS_VALUE ? 0 : pts * tb - start;
            if (ft >= lo - 1e-3 && (ft >= want - 0.02 || frames >= budget)) {
                *t = ft;
                got = 1;
                break;
            }
            av_frame_unref(frame);
            continue;
        }
        if (r == AVERROR_EOF || (r == AVERROR(EAGAIN) && eof))
            break;
        if (av_read_frame(fc, pkt) < 0) {
            avcodec_send_packet(dc, NULL);
            eof = 1;
            continue;
        }
        if (pkt->stream_index == vi)
            avcodec_send_packet(dc, pkt);
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    return got ? 0 : -1;
}

/* The source frame as the renderer places it, Y' at W x H. */
static uint8_t *place(const AVFrame *f, const struct plan_op *op, int W, int H, int sw, int sh)
{
    int nw = W, nh = H, x = 0, y = 0, padx = 0, pady = 0;
    if (op->fit == FIT_COVER) {
        double s = fmax((double)W / sw, (double)H / sh);
        nw = (int)ceil(sw * s - 1e-6), nh = (int)ceil(sh * s - 1e-6);
        if (nw < W)
            nw = W;
        if (nh < H)
            nh = H;
        long lx = lround(op->focus_x * nw - W / 2.0), ly = lround(op->focus_y * nh - H / 2.0);
        x = (int)(lx < 0 ? 0 : lx > nw - W ? nw - W : lx);
        y = (int)(ly < 0 ? 0 : ly > nh - H ? nh - H : ly);
    } else if (op->fit == FIT_CONTAIN) {
        double s = fmin((double)W / sw, (double)H / sh);
        nw = (int)lround(sw * s), nh = (int)lround(sh * s);
        nw = nw > W ? W : nw < 2 ? 2 : nw;
        nh = nh > H ? H : nh < 2 ? 2 : nh;
        nw -= nw % 2;
        nh -= nh % 2;
        padx = (W - nw) / 2, pady = (H - nh) / 2;
    }
    /* to yuv420p as the renderer's output, so that both are Y' alike */
    struct SwsContext *sws = sws_getContext(f->width, f->height, f->format, nw, nh,
                                            AV_PIX_FMT_YUV420P, SWS_BICUBIC, NULL, NULL, NULL);
    if (!sws)
        return NULL;
    int cw = (nw + 1) / 2, ch = (nh + 1) / 2;
    uint8_t *y0 = xmalloc((size_t)nw * nh), *u0 = xmalloc((size_t)cw * ch),
            *v0 = xmalloc((size_t)cw * ch);
    uint8_t *dst[4] = {y0, u0, v0, NULL};
    int ds[4] = {nw, cw, cw, 0};
    sws_scale(sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, ds);
    sws_freeContext(sws);
    uint8_t *out = xmalloc((size_t)W * H);
    memset(out, 16, (size_t)W * H);
    for (int r = 0; r < H; r++) {
        int sr = op->fit == FIT_CONTAIN ? r - pady : r + y;
        if (sr < 0 || sr >= nh)
            continue;
        if (op->fit == FIT_CONTAIN)
            memcpy(out + (size_t)r * W + padx, y0 + (size_t)sr * nw, (size_t)nw);
        else
            memcpy(out + (size_t)r * W, y0 + (size_t)sr * nw + x, (size_t)W);
    }
    free(y0), free(u0), free(v0);
    return out;
}

struct src_reader {
    AVFormatContext *fc;
    AVCodecContext *dc;
    int vi;
};

static int reader_open(struct src_reader *r, const char *path)
{
    memset(r, 0, sizeof(*r));
    if (avformat_open_input(&r->fc, path, NULL, NULL) < 0)
        return -1;
    if (avformat_find_stream_info(r->fc, NULL) < 0)
        goto fail;
    const AVCodec *codec = NULL;
    r->vi = av_find_best_stream(r->fc, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->vi < 0 || !codec)
        goto fail;
    r->dc = avcodec_alloc_context3(codec);
    if (!r->dc || avcodec_parameters_to_context(r->dc, r->fc->streams[r->vi]->codecpar) < 0)
        goto fail;
    r->dc->thread_count = 1;
    if (avcodec_open2(r->dc, codec, NULL) < 0)
        goto fail;
    return 0;
fail:
    avcodec_free_context(&r->dc);
    avformat_close_input(&r->fc);
    return -1;
}

static void reader_close(struct src_reader *r)
{
    avcodec_free_context(&r->dc);
    avformat_close_input(&r->fc);
}

void detail_prepare(struct eval_ctx *c)
{
    const struct plan *p = c->plan;
    int W, H;
    media_display_size(&c->info, &W, &H);
    if (W < 64 || H < 64 || !p || p->output.fps <= 0)
        return;
    struct plan_timeline tl;
    if (plan_timeline(p, &tl, NULL) != REEL_OK)
        return;
    double D = tl.duration;
    AVFrame *frame = av_frame_alloc();
    for (int k = 0; k < DETAIL_SAMPLES && D > 0; k++) {
        double T = (k + 0.5) * D / DETAIL_SAMPLES;
        /* the cut on screen at T */
        const struct plan_span *sp = NULL;
        const struct plan_op *op = NULL;
        for (size_t s = 0; s < tl.nspans; s++) {
            const struct plan_op *o = &p->ops[tl.spans[s].op_index];
            if (o->kind == OP_CUT && T >= tl.spans[s].start + DETAIL_MARGIN &&
                T < tl.spans[s].end - DETAIL_MARGIN)
                sp = &tl.spans[s], op = o;
        }
        if (!sp || covered(p, &tl, T))
            continue;
        const struct plan_asset *a = asset_of(p, op->asset);
        if (!a || !a->path)
            continue;
        struct media_info mi;
        if (a->probed)
            mi = a->info;
        else if (media_probe(a->path, &mi, NULL) != REEL_OK)
            continue;
        int sw, sh;
        media_display_size(&mi, &sw, &sh);
        if (sw <= 0 || sh <= 0 || mi.rotation)
            continue;
        double in = op->in >= 0 ? (sp->in_frame >= 0 ? sp->in_frame / tl.fps : op->in) : 0;
        double speed = op->speed > 0 ? op->speed : 1;
        int image = mi.kind == MEDIA_IMAGE;
        double want = image ? 0 : in + (T - sp->start) * speed;
        struct src_reader r;
        if (reader_open(&r, a->path))
            continue;
        double ft = 0;
        double lo = image ? 0 : in + DETAIL_MARGIN * speed;
        int ok = decode_near(r.fc, r.dc, r.vi, want, lo, frame, &ft) == 0;
        if (ok && (r.dc->sample_aspect_ratio.num > 0 &&
                   r.dc->sample_aspect_ratio.num != r.dc->sample_aspect_ratio.den))
            ok = 0; /* anamorphic: the render's geometry is not the coded one */
        double Tr = image ? T : sp->start + (ft - in) / speed;
        if (ok && (Tr < sp->start + DETAIL_MARGIN * 0.5 || Tr >= sp->end - DETAIL_MARGIN * 0.5 ||
                   covered(p, &tl, Tr)))
            ok = 0;
        for (size_t j = 0; ok && j < c->ndetail; j++)
            if (fabs(c->detail[j].t - plan_snap(Tr, tl.fps)) < 0.5 / tl.fps)
                ok = 0; /* the same frame again (a long GOP) */
        uint8_t *ref = ok ? place(frame, op, W, H, frame->width, frame->height) : NULL;
        av_frame_unref(frame);
        reader_close(&r);
        if (!ref)
            continue;
        c->detail = xrealloc(c->detail, (c->ndetail + 1) * sizeof(*c->detail));
        struct detail_ref *d = &c->detail[c->ndetail++];
        memset(d, 0, sizeof(*d));
        d->t = plan_snap(Tr, tl.fps);
        d->src_t = ft;
        d->label = op->asset;
        d->w = W, d->h = H;
        d->ref = ref;
        add_still_for(c, d->t, STILL_DETAIL, c->ndetail - 1);
    }
    av_frame_free(&frame);
    plan_timeline_release(&tl);
}

void detail_release(struct eval_ctx *c)
{
    for (size_t i = 0; i < c->ndetail; i++)
        free(c->detail[i].ref);
    free(c->detail);
    c->detail = NULL;
    c->ndetail = 0;
}

static void highpass(const uint8_t *g, int w, int h, int stride, float *o)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (x < 1 || y < 1 || x >= w - 1 || y >= h - 1) {
                o[(size_t)y * w + x] = 0;
                continue;
            }
            const uint8_t *r0 = g + (size_t)(y - 1) * stride + x, *r1 = r0 + stride,
                          *r2 = r1 + stride;
            int s = r0[-1] + 2 * r0[0] + r0[1] + 2 * (r1[-1] + 2 * r1[0] + r1[1]) + r2[-1] +
                    2 * r2[0] + r2[1];
            o[(size_t)y * w + x] = (float)(r1[0] - s / 16.0);
        }
}

double detail_kept(const uint8_t *render, const uint8_t *ref, int w, int h, int *blocks)
{
    float *hr = xmalloc((size_t)w * h * sizeof(float)), *hf = xmalloc((size_t)w * h * sizeof(float));
    highpass(render, w, h, w, hr);
    highpass(ref, w, h, w, hf);
    const int B = DETAIL_BLOCK;
    size_t cap = (size_t)(w / B + 1) * (h / B + 1), n = 0;
    double *rs = xmalloc(cap * sizeof(double));
    for (int by = 0; by + B <= h; by += B)
        for (int bx = 0; bx + B <= w; bx += B) {
            double er = 0, ef = 0, mad = 0;
            for (int y = by; y < by + B; y++)
                for (int x = bx; x < bx + B; x++) {
                    size_t i = (size_t)y * w + x;
                    er += (double)hr[i] * hr[i];
                    ef += (double)hf[i] * hf[i];
                    mad += abs((int)render[i] - (int)ref[i]);
                }
            if (ef / (B * B) > DETAIL_MIN_HF && mad / (B * B) < DETAIL_MAX_MAD)
                rs[n++] = er / ef;
        }
    free(hr);
    free(hf);
    double m = n >= DETAIL_MIN_BLOCKS ? percentile(rs, n, 50) : -1;
    free(rs);
    if (blocks)
        *blocks = (int)n;
    return m;
}

double detail_measure(struct eval_ctx *c, json_t *samples)
{
    double *v = xmalloc((c->ndetail + 1) * sizeof(double));
    size_t n = 0;
    for (size_t i = 0; i < c->nstills; i++) {
        const struct still *s = &c->stills[i];
        if (s->purpose != STILL_DETAIL || s->t < 0 || s->item >= c->ndetail)
            continue;
        const struct detail_ref *d = &c->detail[s->item];
        double k = -1;
        int blocks = 0;
        if (s->native && s->nw == d->w && s->nh == d->h) {
            k = detail_kept(s->native, d->ref, d->w, d->h, &blocks);
        } else if (s->gray && s->w > 0 && s->h > 0) {
            /* no native plane: compare at the analysis size */
            uint8_t *small = xmalloc((size_t)s->w * s->h);
            gray_resize(d->ref, d->w, d->h, d->w, small, s->w, s->h);
            k = detail_kept(s->gray, small, s->w, s->h, &blocks);
            free(small);
        }
        if (samples)
            json_array_append_new(samples, json_pack("{s:o, s:s, s:o, s:o, s:i}", "t",
                                                     json_round(s->t, 3), "source", d->label,
                                                     "source_t", json_round(d->src_t, 3), "kept",
                                                     json_round(k, 3), "blocks", blocks));
        if (k >= 0)
            v[n++] = k;
    }
    double m = n ? percentile(v, n, 50) : -1;
    free(v);
    return m;
}
