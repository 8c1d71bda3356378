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

/* Decoding allowed from the keyframe before a wanted source frame, in
 * Mpixel: real camera and web files put keyframes 5-10 s apart (150-300
 * frames); a 480p frame decodes in about a millisecond (docs/eval.md). */
#define SOURCE_MPIX 150.0

/* Decode the first frame at or after `want` seconds (from the keyframe at
 * or before it, at most SOURCE_MPIX of decoding on). Fills *frame, *t. 0 on
 * success. */
static int decode_near(AVFormatContext *fc, AVCodecContext *dc, int vi, double want, double lo,
                       AVFrame *frame, double *t)
{
    AVCodecParameters *cp = fc->streams[vi]->codecpar;
    double px = cp->width > 0 && cp->height > 0 ? (double)cp->width * cp->height : 1e6;
    int budget = (int)fmin(600, fmax(48, SOURCE_MPIX * 1e6 / px));
    AVStream *st = fc->streams[vi];
    double tb = av_q2d(st->time_base);
    double start = st->start_time != AV_NOPTS_VALUE ? st->start_time * tb : 0;
    int64_t ts = (int64_t)((want + start) / tb);
    /* where the file's index says the keyframe is too far back for the
     * budget, decode nothing (it would be decoded in vain); only MP4/MOV
     * index every keyframe (Matroska's cues may be seconds apart) */
    double rate = av_q2d(st->avg_frame_rate) > 0 ? av_q2d(st->avg_frame_rate) : 30;
    int full_index = fc->iformat && fc->iformat->name && strstr(fc->iformat->name, "mp4");
    int ki = full_index ? av_index_search_timestamp(st, ts, AVSEEK_FLAG_BACKWARD) : -1;
    const AVIndexEntry *ke = ki >= 0 ? avformat_index_get_entry(st, ki) : NULL;
    if (ke && (want + start - ke->timestamp * tb) * rate > budget)
        return -1;
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
    /* the best-kept quarter: compression takes more detail from fast motion than
     * from the rest, upscaling and blur take it everywhere */
    double m = n ? percentile(v, n, 75) : -1;
    free(v);
    return m;
}

/* ---- frozen and repeated frames, against the sources ----
 *
 * A render that holds one picture while its source moves (a frozen
 * stretch), or repeats frames its source does not (a 22.5 fps copy shown
 * at 30), shows no timestamp anomaly: every frame is there, some are the
 * same picture. Neither is wrong on its own (a still shot, animation on
 * twos, a 24 fps source at 30 fps, slow motion), so each is checked
 * against the source at the same times: a stretch of identical render
 * frames is frozen only where the source's frames at its two ends differ;
 * repeated frames count only beyond the repeats the source's own frames
 * and frame rate give. */

#define STILL_DIFF 0.35    /* mean |thumb - previous| (0..255): the same picture */
#define MOVE_DIFF 1.0      /* a frame that moves */
#define FREEZE_MIN_S 1.0   /* a stretch of the same picture this long is looked at */
#define FREEZE_SRC_DIFF 2.0 /* the source's two ends differ this much: it moved */
#define REPEAT_EXCESS 0.08 /* repeated frames over the expected share */
#define REPEAT_SRC_FRAMES 24
#define SRC_MOVE_DIFF 0.6  /* a source frame that moves (it moves less per frame than a
                            * render that skips or repeats its frames) */

/* The frame as a thumbnail; *sws is kept for the next frame of the run
 * (the caller frees it). */
static void frame_thumb(struct SwsContext **sws, const AVFrame *f, uint8_t *out)
{
    *sws = sws_getCachedContext(*sws, f->width, f->height, f->format, THUMB_W, THUMB_H,
                                AV_PIX_FMT_GRAY8, SWS_AREA, NULL, NULL, NULL);
    if (!*sws) {
        memset(out, 0, THUMB_N);
        return;
    }
    uint8_t *dst[4] = {out, NULL, NULL, NULL};
    int ds[4] = {THUMB_W, 0, 0, 0};
    sws_scale(*sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, ds);
}

/* The cut span on screen at timeline time t that shows a video asset, or NULL. */
static const struct plan_span *video_span_at(const struct plan *p, const struct plan_timeline *tl,
                                             double t, const struct plan_asset **asset)
{
    for (size_t s = 0; s < tl->nspans; s++) {
        const struct plan_op *o = &p->ops[tl->spans[s].op_index];
        if (o->kind != OP_CUT || t < tl->spans[s].start || t >= tl->spans[s].end)
            continue;
        const struct plan_asset *a = asset_of(p, o->asset);
        if (!a || !a->path || !a->probed || a->info.kind != MEDIA_VIDEO)
            return NULL;
        *asset = a;
        return &tl->spans[s];
    }
    return NULL;
}

static double src_time(const struct plan *p, const struct plan_timeline *tl,
                       const struct plan_span *sp, double t)
{
    const struct plan_op *op = &p->ops[sp->op_index];
    double in = sp->in_frame >= 0 ? sp->in_frame / tl->fps : op->in > 0 ? op->in : 0;
    double speed = op->speed > 0 ? op->speed : 1;
    return in + (t - sp->start) * speed;
}

/* Thumbs of n consecutive source frames from time `want`; returns how many. */
static int source_run(const char *path, double want, int n, uint8_t *thumbs)
{
    struct src_reader r;
    if (reader_open(&r, path))
        return 0;
    AVFrame *f = av_frame_alloc();
    struct SwsContext *sws = NULL;
    double ft;
    int got = 0;
    if (decode_near(r.fc, r.dc, r.vi, want, want - 0.05, f, &ft) == 0) {
        frame_thumb(&sws, f, thumbs);
        av_frame_unref(f);
        got = 1;
        AVPacket *pkt = av_packet_alloc();
        int eof = 0;
        while (got < n) {
            int rc = avcodec_receive_frame(r.dc, f);
            if (rc == 0) {
                frame_thumb(&sws, f, thumbs + (size_t)got++ * THUMB_N);
                av_frame_unref(f);
                continue;
            }
            if (rc == AVERROR_EOF || (rc == AVERROR(EAGAIN) && eof))
                break;
            if (av_read_frame(r.fc, pkt) < 0) {
                avcodec_send_packet(r.dc, NULL);
                eof = 1;
                continue;
            }
            if (pkt->stream_index == r.vi)
                avcodec_send_packet(r.dc, pkt);
            av_packet_unref(pkt);
        }
        av_packet_free(&pkt);
    }
    av_frame_free(&f);
    sws_freeContext(sws);
    reader_close(&r);
    return got;
}

void timing_check(struct eval_ctx *c, struct timing_result *res)
{
    memset(res, 0, sizeof(*res));
    res->frozen_at = -1;
    res->repeat_share = res->repeat_expected = -1;
    const struct plan *p = c->plan;
    size_t n = c->frames.n;
    if (!p || n < 8)
        return;
    struct plan_timeline tl;
    if (plan_timeline(p, &tl, NULL) != REEL_OK)
        return;
    const struct frame_rec *fr = c->frames.v;
    /* frozen: runs of the same picture */
    for (size_t i = 1; i < n;) {
        if (fr[i].diff >= STILL_DIFF) {
            i++;
            continue;
        }
        size_t j = i;
        while (j + 1 < n && fr[j + 1].diff < STILL_DIFF)
            j++;
        double a = fr[i - 1].t, b = fr[j].t;
        i = j + 1;
        if (b - a < FREEZE_MIN_S)
            continue;
        const struct plan_asset *as = NULL;
        const struct plan_span *sp = video_span_at(p, &tl, (a + b) / 2, &as);
        if (!sp || covered(p, &tl, (a + b) / 2))
            continue;
        /* the part of the run inside this cut */
        double a2 = fmax(a, sp->start), b2 = fmin(b, sp->end - 1 / tl.fps);
        if (b2 - a2 < FREEZE_MIN_S)
            continue;
        uint8_t t0[THUMB_N], t1[THUMB_N];
        if (source_run(as->path, src_time(p, &tl, sp, a2), 1, t0) != 1 ||
            source_run(as->path, src_time(p, &tl, sp, b2), 1, t1) != 1)
            continue;
        double d = thumb_dist(t0, t1);
        res->checked_runs++;
        if (d >= FREEZE_SRC_DIFF && b2 - a2 > res->frozen_s) {
            res->frozen_s = b2 - a2;
            res->frozen_at = a2;
            res->frozen_src_diff = d;
        }
    }
    /* repeated frames between moving ones, per cut */
    long reps = 0, moving = 0;
    double exp_sum = 0;
    const struct plan_span *worst = NULL;
    const struct plan_asset *worst_a = NULL;
    long worst_reps = 0;
    double worst_t = 0; /* the render's first repeat in that cut */
    for (size_t s = 0; s < tl.nspans; s++) {
        const struct plan_op *o = &p->ops[tl.spans[s].op_index];
        const struct plan_asset *as = asset_of(p, o->asset);
        if (o->kind != OP_CUT || !as || !as->probed || as->info.kind != MEDIA_VIDEO)
            continue;
        long r = 0, m = 0;
        double first_rep = -1;
        for (size_t i = 2; i + 1 < n; i++) {
            double t = fr[i].t;
            if (t < tl.spans[s].start + 2 / tl.fps || t >= tl.spans[s].end - 2 / tl.fps ||
                covered(p, &tl, t))
                continue;
            if (fr[i].diff >= MOVE_DIFF) {
                m++;
            } else if (fr[i].diff < STILL_DIFF && fr[i - 1].diff >= MOVE_DIFF &&
                       fr[i + 1].diff >= MOVE_DIFF) {
                m++, r++; /* one picture shown twice amid motion */
                if (first_rep < 0)
                    first_rep = t;
            }
        }
        moving += m;
        reps += r;
        double speed = o->speed > 0 ? o->speed : 1;
        double adv = as->info.fps > 0 ? speed * as->info.fps / tl.fps : 1;
        exp_sum += m * (adv < 1 ? 1 - adv : 0);
        if (r > worst_reps)
            worst_reps = r, worst = &tl.spans[s], worst_a = as, worst_t = first_rep;
    }
    if (moving >= 20) {
        res->repeat_share = (double)reps / moving;
        res->repeat_expected = exp_sum / moving;
        res->repeat_src_share = -1;
        if (worst && res->repeat_share > res->repeat_expected + REPEAT_EXCESS) {
            /* the source's own repeats (animation on twos, a still stretch) */
            uint8_t *th = xmalloc((size_t)REPEAT_SRC_FRAMES * THUMB_N);
            /* where the render repeats amid motion, the source moves */
            double st = fmax(src_time(p, &tl, worst, worst->start),
                             src_time(p, &tl, worst, worst_t) - 0.3);
            int got = source_run(worst_a->path, st, REPEAT_SRC_FRAMES, th);
            long sr = 0, sm = 0;
            for (int k = 2; k + 1 < got; k++) {
                double d0 = thumb_dist(th + (size_t)(k - 1) * THUMB_N, th + (size_t)(k - 2) * THUMB_N);
                double d2 = thumb_dist(th + (size_t)(k + 1) * THUMB_N, th + (size_t)k * THUMB_N);
                double d1 = thumb_dist(th + (size_t)k * THUMB_N, th + (size_t)(k - 1) * THUMB_N);
                if (d1 >= SRC_MOVE_DIFF)
                    sm++;
                else if (d1 < STILL_DIFF && d0 >= SRC_MOVE_DIFF && d2 >= SRC_MOVE_DIFF)
                    sm++, sr++;
            }
            free(th);
            if (sm >= 8) {
                res->repeat_src_share = (double)sr / sm;
                /* the source repeats too: at the render's rate it shows these */
                res->repeat_expected = 1 - (1 - res->repeat_src_share) * (1 - res->repeat_expected);
            }
            /* unverified (the source does not move there): no verdict */
            res->repeats_bad = sm >= 8 && res->repeat_share > res->repeat_expected + REPEAT_EXCESS;
        }
    }
    plan_timeline_release(&tl);
}

int source_cuts_at(const struct eval_ctx *c, double t, double d)
{
    const struct plan *p = c->plan;
    if (!p)
        return 0;
    struct plan_timeline tl;
    if (plan_timeline(p, &tl, NULL) != REEL_OK)
        return 0;
    int yes = 0;
    const struct plan_asset *as = NULL;
    const struct plan_span *sp = video_span_at(p, &tl, t, &as);
    /* inside the cut, not at its ends (those are the plan's own cuts) */
    if (sp && t - sp->start > 1.5 / tl.fps && sp->end - t > 1.5 / tl.fps && !covered(p, &tl, t)) {
        double sfps = as->info.fps > 0 ? as->info.fps : tl.fps;
        enum { RUN = 6 };
        uint8_t th[RUN * THUMB_N];
        /* a cut whose source frames are out of reach is held to the beat, as
         * any other */
        int got = source_run(as->path, src_time(p, &tl, sp, t) - 3.0 / sfps, RUN, th);
        double most = 0;
        for (int k = 1; k < got; k++)
            most = fmax(most, thumb_dist(th + (size_t)k * THUMB_N, th + (size_t)(k - 1) * THUMB_N));
        yes = got >= 3 && most >= 0.5 * d && most >= 5;
    }
    plan_timeline_release(&tl);
    return yes;
}
