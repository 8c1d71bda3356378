/*
 * The one decode pass: what each frame and each block of sound leaves for
 * the metrics. Everything here is computed once per frame at the analysis
 * size; heavier looks (sharpness, black bars, colour histogram) run on one
 * frame per half second, and OCR and logo matching run afterwards on the
 * few frames kept as stills.
 */
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "eval/internal.h"
#include "core/banned.h"

#define SAMPLE_EVERY 0.5  /* seconds between sharpness/bars/histogram samples */
#define MAX_TEXT_STILLS 12

void ctx_init(struct eval_ctx *c, const struct plan *p, const struct eval_opts *o)
{
    memset(c, 0, sizeof(*c));
    c->plan = p;
    c->opts = o;
}

void ctx_release(struct eval_ctx *c)
{
    text_reader_free(c);
    VEC_FREE(&c->frames);
    VEC_FREE(&c->thumbs);
    VEC_FREE(&c->sharp_ratio);
    VEC_FREE(&c->sharp_t);
    VEC_FREE(&c->blocks);
    sync_release(c);
    for (size_t i = 0; i < c->nstills; i++) {
        free(c->stills[i].rgb);
        free(c->stills[i].gray);
        free(c->stills[i].native);
    }
    free(c->stills);
    detail_release(c);
    free(c->texts);
    for (size_t i = 0; i < c->nlogos; i++)
        free(c->logos[i].templ);
    free(c->logos);
    free(c->beats);
    if (c->ebur) {
        ebur128_state *st = c->ebur;
        ebur128_destroy(&st);
    }
    memset(c, 0, sizeof(*c));
}

static const struct plan_asset *find_asset(const struct plan *p, const char *label)
{
    for (size_t i = 0; label && i < p->nassets; i++)
        if (p->assets[i].label && !strcmp(p->assets[i].label, label))
            return &p->assets[i];
    return NULL;
}

static void add_still(struct eval_ctx *c, double t, enum still_purpose purpose, size_t item)
{
    c->stills = xrealloc(c->stills, (c->nstills + 1) * sizeof(*c->stills));
    struct still *s = &c->stills[c->nstills++];
    memset(s, 0, sizeof(*s));
    s->want_t = t;
    s->t = -1;
    s->purpose = purpose;
    s->item = item;
}

void add_still_for(struct eval_ctx *c, double t, enum still_purpose purpose, size_t item)
{
    add_still(c, t, purpose, item);
}

static int cmp_still(const void *a, const void *b)
{
    const struct still *x = a, *y = b;
    return x->want_t < y->want_t ? -1 : x->want_t > y->want_t;
}

static int asset_is_image(const struct plan *p, const char *label, struct media_info *mi)
{
    const struct plan_asset *a = find_asset(p, label);
    if (!a)
        return 0;
    if (a->probed) {
        *mi = a->info;
    } else {
        struct reel_err e = REEL_ERR_INIT;
        if (!a->path || media_probe(a->path, mi, &e) != REEL_OK)
            return 0;
    }
    return mi->kind == MEDIA_IMAGE;
}

void ctx_prepare(struct eval_ctx *c)
{
    const struct plan *p = c->plan;
    double D = c->duration;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind == OP_CAPTIONS && !op->source_transcript) {
            for (size_t k = 0; k < op->ncues; k++) {
                c->texts = xrealloc(c->texts, (c->ntexts + 1) * sizeof(*c->texts));
                struct text_item *t = &c->texts[c->ntexts++];
                t->op = i;
                t->is_caption = 1;
                t->start = op->cues[k].start;
                t->end = op->cues[k].end;
                t->text = op->cues[k].text;
                t->style = &op->style;
                t->anchor = op->position.anchor;
            }
        } else if (op->kind == OP_CAPTIONS && c->opts && c->opts->caption_cues) {
            size_t k;
            json_t *q;
            json_array_foreach(c->opts->caption_cues, k, q)
            {
                const char *text = json_get_str(q, "text", NULL);
                if (json_get_int(q, "op", -1) != (long long)i || !text || !*text)
                    continue;
                c->texts = xrealloc(c->texts, (c->ntexts + 1) * sizeof(*c->texts));
                struct text_item *t = &c->texts[c->ntexts++];
                t->op = i;
                t->is_caption = 1;
                t->start = json_get_num(q, "start", 0);
                t->end = json_get_num(q, "end", 0);
                t->text = text;
                t->style = &op->style;
                t->anchor = op->position.anchor;
            }
        } else if (op->kind == OP_TEXT && op->text) {
            c->texts = xrealloc(c->texts, (c->ntexts + 1) * sizeof(*c->texts));
            struct text_item *t = &c->texts[c->ntexts++];
            t->op = i;
            t->is_caption = 0;
            t->start = op->start;
            t->end = op->end >= 0 ? op->end : D;
            t->text = op->text;
            t->style = &op->style;
            t->anchor = op->position.anchor;
        } else if (op->kind == OP_OVERLAY && op->width < 0.9) {
            struct media_info mi;
            if (!asset_is_image(p, op->asset, &mi))
                continue;
            c->logos = xrealloc(c->logos, (c->nlogos + 1) * sizeof(*c->logos));
            struct logo_item *l = &c->logos[c->nlogos++];
            memset(l, 0, sizeof(*l));
            l->op = i;
            l->start = op->start;
            l->end = op->end >= 0 ? op->end : D;
            l->label = op->asset;
            const struct plan_asset *a = find_asset(p, op->asset);
            l->path = a ? a->path : NULL;
        }
    }
    /* Stills: the middle of each text (at most MAX_TEXT_STILLS, spread out),
     * and three moments of each logo's span. */
    size_t step = c->ntexts > MAX_TEXT_STILLS ? (c->ntexts + MAX_TEXT_STILLS - 1) / MAX_TEXT_STILLS
                                              : 1;
    for (size_t i = 0; i < c->ntexts; i += step) {
        double mid = (c->texts[i].start + c->texts[i].end) / 2;
        if (D > 0 && mid >= D)
            mid = (c->texts[i].start + D) / 2;
        add_still(c, mid, STILL_TEXT, i);
    }
    for (size_t i = 0; i < c->nlogos; i++) {
        double s = c->logos[i].start, e = c->logos[i].end;
        if (D > 0 && e > D)
            e = D;
        for (int k = 1; k <= 3; k++)
            add_still(c, s + (e - s) * k / 4.0, STILL_LOGO, i);
    }
    detail_prepare(c);
    if (c->nstills)
        qsort(c->stills, c->nstills, sizeof(*c->stills), cmp_still);
}

static void thumb_of(const struct media_frame *f, uint8_t *out)
{
    uint32_t sum[THUMB_N];
    uint32_t cnt[THUMB_N];
    memset(sum, 0, sizeof(sum));
    memset(cnt, 0, sizeof(cnt));
    struct media_frame pf;
    if (f->full && f->sampled_gray) {
        /* the points a passed-over frame is sampled at (decode.h) */
        pf = *f;
        pf.full = 0;
        pf.gray = f->sampled_gray;
        pf.width = f->sampled_w;
        pf.height = f->sampled_h;
        pf.stride = f->sampled_w;
        f = &pf;
    }
    int xs[4096];
    int W = f->width < 4096 ? f->width : 4096;
    for (int x = 0; x < W; x++)
        xs[x] = x * THUMB_W / W;
    /* every 3rd pixel of a full frame, every pixel of a sampled one (which
     * is a third of the size): the same points of the picture either way */
    int step = f->full ? 3 : 1, o = f->full ? 1 : 0;
    for (int y = o; y < f->height; y += step) {
        const uint8_t *row = f->gray + (size_t)y * f->stride;
        int ty = y * THUMB_H / f->height;
        uint32_t *srow = sum + ty * THUMB_W, *crow = cnt + ty * THUMB_W;
        for (int x = o; x < W; x += step) {
            srow[xs[x]] += row[x];
            crow[xs[x]]++;
        }
    }
    for (int i = 0; i < THUMB_N; i++)
        out[i] = (uint8_t)(cnt[i] ? (sum[i] + cnt[i] / 2) / cnt[i] : 0);
}

double thumb_dist(const uint8_t *a, const uint8_t *b)
{
    unsigned s = 0;
    for (int i = 0; i < THUMB_N; i++)
        s += (unsigned)abs((int)a[i] - (int)b[i]);
    return (double)s / THUMB_N;
}

/* Black bars: rows (or columns) from an edge that are dark and flat. */
static void sample_bars(struct eval_ctx *c, const struct media_frame *f, double mean_luma)
{
    if (mean_luma < 30) /* a dark frame says nothing about bars */
        return;
    int W = f->width, H = f->height;
    int top = 0, bottom = 0, left = 0, right = 0;
    for (int y = 0; y < H / 3; y++) {
        const uint8_t *r = f->gray + (size_t)y * f->stride;
        int mx = 0;
        for (int x = 0; x < W; x += 2)
            if (r[x] > mx)
                mx = r[x];
        if (mx > 40)
            break;
        top++;
    }
    for (int y = H - 1; y > 2 * H / 3; y--) {
        const uint8_t *r = f->gray + (size_t)y * f->stride;
        int mx = 0;
        for (int x = 0; x < W; x += 2)
            if (r[x] > mx)
                mx = r[x];
        if (mx > 40)
            break;
        bottom++;
    }
    for (int x = 0; x < W / 3; x++) {
        int mx = 0;
        for (int y = 0; y < H; y += 2)
            if (f->gray[(size_t)y * f->stride + x] > mx)
                mx = f->gray[(size_t)y * f->stride + x];
        if (mx > 40)
            break;
        left++;
    }
    for (int x = W - 1; x > 2 * W / 3; x--) {
        int mx = 0;
        for (int y = 0; y < H; y += 2)
            if (f->gray[(size_t)y * f->stride + x] > mx)
                mx = f->gray[(size_t)y * f->stride + x];
        if (mx > 40)
            break;
        right++;
    }
    c->bars_samples++;
    int minv = H / 50 > 2 ? H / 50 : 2, minh = W / 50 > 2 ? W / 50 : 2;
    if (top >= minv)
        c->bars_top++;
    if (bottom >= minv)
        c->bars_bottom++;
    if (left >= minh)
        c->bars_left++;
    if (right >= minh)
        c->bars_right++;
    if (top >= minv && bottom >= minv)
        c->bars_frac_v += (double)(top + bottom) / H;
    if (left >= minh && right >= minh)
        c->bars_frac_h += (double)(left + right) / W;
}

static void sample_hist(struct eval_ctx *c, const struct media_frame *f)
{
    if (!f->rgb)
        return;
    const int sh = 8 - HIST_BITS;
    for (int y = 0; y < f->height; y += 4) {
        const uint8_t *r = f->rgb + (size_t)y * f->rgb_stride;
        for (int x = 0; x < f->width; x += 4) {
            const uint8_t *p = r + 3 * x;
            int bin = ((p[0] >> sh) << (2 * HIST_BITS)) | ((p[1] >> sh) << HIST_BITS) | (p[2] >> sh);
            c->hist[bin] += 1;
            c->hist_total += 1;
        }
    }
}

static void keep_still(struct still *s, const struct media_frame *f)
{
    free(s->rgb);
    free(s->gray);
    s->t = f->t;
    s->w = f->width;
    s->h = f->height;
    s->gray = xmalloc((size_t)f->width * f->height);
    for (int y = 0; y < f->height; y++)
        memcpy(s->gray + (size_t)y * f->width, f->gray + (size_t)y * f->stride, f->width);
    s->rgb = NULL;
    free(s->native);
    s->native = NULL;
    if ((s->purpose == STILL_DETAIL || s->purpose == STILL_LOGO) && f->native_y) {
        s->nw = f->native_w;
        s->nh = f->native_h;
        s->native = xmalloc((size_t)s->nw * s->nh);
        for (int y = 0; y < s->nh; y++)
            memcpy(s->native + (size_t)y * s->nw, f->native_y + (size_t)y * f->native_stride,
                   (size_t)s->nw);
    }
    if (f->rgb) {
        s->rgb = xmalloc((size_t)f->width * f->height * 3);
        for (int y = 0; y < f->height; y++)
            memcpy(s->rgb + (size_t)y * f->width * 3, f->rgb + (size_t)y * f->rgb_stride,
                   (size_t)f->width * 3);
    }
}

/* media_decode's want_full: the first frame (it sets the analysis size),
 * the frames sampled every 0.5 s, and the stills for OCR and logos. */
int ctx_want_full(void *ctx, double t)
{
    struct eval_ctx *c = ctx;
    double fps = c->fps > 0 ? c->fps : 30;
    return !c->frames.n || t >= c->next_sample_t ||
           (c->next_still < c->nstills && c->stills[c->next_still].want_t <= t + 0.5 / fps);
}

int ctx_on_video(void *ctx, const struct media_frame *f)
{
    struct eval_ctx *c = ctx;
    double fps = c->fps > 0 ? c->fps : 30;
    if (!c->frames.n) {
        c->aw = f->width;
        c->ah = f->height;
    }
    struct frame_rec r;
    memset(&r, 0, sizeof(r));
    r.t = f->t;
    if (c->frames.n) {
        double dt = f->t - c->frames.v[c->frames.n - 1].t;
        if (dt < 0)
            c->ts_back++;
        else if (dt < 0.25 / fps)
            c->ts_dups++;
        else if (dt > 1.5 / fps) {
            c->ts_gaps += lround(dt * fps) - 1;
            if (dt > c->max_gap)
                c->max_gap = dt;
        }
    }

    /* thumb and motion */
    size_t off = c->thumbs.n;
    for (int i = 0; i < THUMB_N; i++)
        VEC_PUSH(&c->thumbs, 0);
    thumb_of(f, c->thumbs.v + off);
    if (c->frames.n) {
        const uint8_t *a = c->thumbs.v + off, *b = a - THUMB_N;
        r.diff = (float)thumb_dist(a, b);
    }

    /* luminance per cell, red, mean luma */
    double lsum = 0;
    long ln = 0;
    double cell_l[GRID * GRID] = {0}, cell_r[GRID * GRID] = {0};
    long cell_n[GRID * GRID] = {0};
    const float *lin = srgb_linear_table();
    /* every 3rd pixel of every 3rd row (a sampled frame: every pixel):
     * thousands of samples per cell */
    int step = f->full ? 3 : 1, o0 = f->full ? 1 : 0;
    for (int y = o0; y < f->height; y += step) {
        const uint8_t *g = f->gray + (size_t)y * f->stride;
        int cy = y * GRID / f->height;
        for (int x = o0; x < f->width; x += step) {
            lsum += g[x];
            ln++;
            if (!f->rgb)
                continue;
            const uint8_t *p = f->rgb + (size_t)y * f->rgb_stride + 3 * x;
            int ci = cy * GRID + x * GRID / f->width;
            cell_l[ci] += 0.2126f * lin[p[0]] + 0.7152f * lin[p[1]] + 0.0722f * lin[p[2]];
            int s = p[0] + p[1] + p[2];
            if (s > 0 && p[0] * 5 >= s * 4) { /* R/(R+G+B) >= 0.8: saturated red */
                double v = ((double)p[0] - p[1] - p[2]) / 255.0 * 320.0;
                cell_r[ci] += v > 0 ? v : 0;
            }
            cell_n[ci]++;
        }
    }
    r.luma = (float)(ln ? lsum / ln : 0);
    double tl = 0, tr = 0;
    long tn = 0;
    for (int i = 0; i < GRID * GRID; i++) {
        if (!cell_n[i]) {
            r.cell_lum[i] = (float)(r.luma / 255.0); /* gray only: an approximation */
            continue;
        }
        r.cell_lum[i] = (float)(cell_l[i] / cell_n[i]);
        r.cell_red[i] = (float)(cell_r[i] / cell_n[i]);
        tl += cell_l[i], tr += cell_r[i], tn += cell_n[i];
    }
    r.rel_lum = tn ? (float)(tl / tn) : (float)srgb_to_linear((uint8_t)r.luma);
    r.red = tn ? (float)(tr / tn) : 0;
    VEC_PUSH(&c->frames, r);

    if (f->full && f->t >= c->next_sample_t) {
        /* every 0.5 s, and at most about 120 times in a long render */
        double every = c->duration / 120 > SAMPLE_EVERY ? c->duration / 120 : SAMPLE_EVERY;
        c->next_sample_t = f->t + every;
        if (r.luma >= 30) {
            double u = upscale_ratio(f->gray, f->width, f->height, f->stride);
            if (u >= 0) {
                VEC_PUSH(&c->sharp_ratio, (float)u);
                VEC_PUSH(&c->sharp_t, (float)f->t);
            }
        }
        sample_bars(c, f, r.luma);
        sample_hist(c, f);
    }
    while (f->full && c->next_still < c->nstills &&
           c->stills[c->next_still].want_t <= f->t + 0.5 / fps) {
        keep_still(&c->stills[c->next_still], f);
        text_reader_feed(c, c->next_still);
        c->next_still++;
    }
    return 0;
}

static void block_flush(struct eval_ctx *c)
{
    if (!c->blk_n)
        return;
    struct silence_block b;
    b.t = c->blk_t;
    double ms = c->blk_sum / c->blk_n;
    b.rms_db = (float)(ms > 1e-12 ? 10 * log10(ms) : -120);
    VEC_PUSH(&c->blocks, b);
    c->blk_sum = 0;
    c->blk_n = 0;
}

int ctx_on_audio(void *ctx, const struct media_audio *a)
{
    struct eval_ctx *c = ctx;
    const float *data = a->interleaved && a->channels > 0 ? a->interleaved : a->samples;
    int ch = a->interleaved && a->channels > 0 ? a->channels : 1;
    int rate = a->interleaved && a->channels > 0 ? a->src_sample_rate : a->sample_rate;
    size_t frames = a->interleaved && a->channels > 0 ? (size_t)a->n_interleaved : (size_t)a->n;
    if (!c->audio_seen) {
        c->audio_seen = 1;
        c->ebur_channels = ch;
        c->ebur_rate = rate;
        c->ebur = ebur128_init((unsigned)ch, (unsigned long)rate,
                               EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    }
    if (c->ebur && ch == c->ebur_channels && frames) {
        ebur128_add_frames_float(c->ebur, data, frames);
        for (size_t i = 0; i < frames * (size_t)ch; i++) {
            float v = fabsf(data[i]);
            if (v > c->peak_sample)
                c->peak_sample = v;
            if (v >= 0.999f) {
                if (++c->clip_run_len == 3) {
                    c->clip_runs++;
                    c->clip_samples += 3;
                } else if (c->clip_run_len > 3) {
                    c->clip_samples += 1;
                }
            } else {
                c->clip_run_len = 0;
            }
        }
        c->total_samples += (double)frames * ch;
    }
    sync_feed(c, a->samples, a->n, a->sample_rate, a->t); /* 2 ms envelope (A/V sync) */
    /* 100 ms RMS blocks of the mono track (silence, dead air) */
    if (a->samples && a->sample_rate > 0) {
        c->blk_target = a->sample_rate / 10;
        for (int i = 0; i < a->n; i++) {
            if (!c->blk_n)
                c->blk_t = a->t + (double)i / a->sample_rate;
            c->blk_sum += (double)a->samples[i] * a->samples[i];
            if (++c->blk_n >= c->blk_target)
                block_flush(c);
        }
    }
    return 0;
}

void ctx_finish_audio(struct eval_ctx *c)
{
    block_flush(c);
}

/* ---- cuts and motion ---- */

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/*
 * Gradual transitions (crossfades, wipes, slides) spread the change of
 * picture over many frames, so no frame difference peaks. Where the plan
 * puts one, the render is checked: the picture just after it differs from
 * the one just before it far more (>= 2x) than the same clip changes over
 * as many frames on either side, and by at least a cut's threshold. Each
 * such transition is one cut, at its middle frame; one found already as a
 * hard cut inside it is not counted twice.
 */
static size_t gradual_cuts(const struct eval_ctx *c, long **cuts, size_t nc)
{
    struct plan_timeline tl;
    if (!c->plan || c->plan->output.fps <= 0 || plan_timeline(c->plan, &tl, NULL) != REEL_OK)
        return nc;
    long n = (long)c->frames.n;
    size_t hard = nc;
    /* the transitions in timeline order: a clip's own frames lie between them */
    long *ts = xmalloc((tl.nspans + 1) * 2 * sizeof(long));
    size_t nt = 0;
    for (size_t s = 0; s < tl.nspans; s++)
        if (c->plan->ops[tl.spans[s].op_index].kind == OP_TRANSITION) {
            ts[2 * nt] = tl.spans[s].start_frame;
            ts[2 * nt + 1] = tl.spans[s].end_frame;
            nt++;
        }
    plan_timeline_release(&tl);
    for (size_t k = 0; k < nt; k++) {
        long a = ts[2 * k] - 1, b = ts[2 * k + 1], L = b - a;
        if (a < 0 || b >= n || L < 2)
            continue;
        int dup = 0;
        for (size_t h = 0; h < hard; h++)
            dup |= (*cuts)[h] >= a && (*cuts)[h] <= b;
        if (dup)
            continue;
        const uint8_t *ta = c->thumbs.v + (size_t)a * THUMB_N, *tb = c->thumbs.v + (size_t)b * THUMB_N;
        double across = thumb_dist(ta, tb), same = 0;
        /* how much each clip changes by itself, over its own frames only,
         * scaled to the transition's length */
        long lo = k ? ts[2 * k - 1] : 0, hi = k + 1 < nt ? ts[2 * k + 2] - 1 : n - 1;
        long w1 = a - lo < L ? a - lo : L, w2 = hi - b < L ? hi - b : L;
        if (w1 >= 2)
            same = fmax(same, thumb_dist(c->thumbs.v + (size_t)(a - w1) * THUMB_N, ta) * L / w1);
        if (w2 >= 2)
            same = fmax(same, thumb_dist(tb, c->thumbs.v + (size_t)(b + w2) * THUMB_N) * L / w2);
        if (across < 10 || across < 2 * same)
            continue;
        *cuts = xrealloc(*cuts, (nc + 1) * sizeof(long));
        (*cuts)[nc++] = (a + b + 1) / 2;
    }
    free(ts);
    if (nc > hard)
        qsort(*cuts, nc, sizeof(long), cmp_long);
    return nc;
}

/* Cells of a 4x3 grid over the thumbnails a and b (consecutive frames) that
 * hold texture in both (standard deviation >= 10 levels) and did not change
 * (mean absolute difference < 4 levels and < 0.15 of the frame's d): the
 * part of one shot that stays while something in it moves fast (a bird's
 * wings over a still branch). Flat cells (sky, black bars, a dark night)
 * do not count: two different shots can share those. */
/* The 4 x 3 grid of cells over a thumbnail that motion is measured on. */
enum { GX = 4, GY = 3, CW = THUMB_W / GX, CH = THUMB_H / GY, CN = CW * CH };

static int still_textured_cells(const uint8_t *a, const uint8_t *b, double d)
{
    int n = 0;
    for (int gy = 0; gy < GY; gy++)
        for (int gx = 0; gx < GX; gx++) {
            double sa = 0, sb = 0, qa = 0, qb = 0, mad = 0;
            for (int y = gy * CH; y < (gy + 1) * CH; y++)
                for (int x = gx * CW; x < (gx + 1) * CW; x++) {
                    double va = a[y * THUMB_W + x], vb = b[y * THUMB_W + x];
                    sa += va, sb += vb, qa += va * va, qb += vb * vb;
                    mad += fabs(va - vb);
                }
            mad /= CN;
            double sda = sqrt(fmax(0, qa / CN - (sa / CN) * (sa / CN)));
            double sdb = sqrt(fmax(0, qb / CN - (sb / CN) * (sb / CN)));
            if (sda >= 10 && sdb >= 10 && mad < 4 && mad < 0.15 * d)
                n++;
        }
    return n;
}

size_t find_cuts(const struct eval_ctx *c, long **cuts_out)
{
    size_t n = c->frames.n;
    long *cuts = NULL;
    size_t nc = 0;
    double fps = c->fps > 0 ? c->fps : 30;
    int K = (int)lround(0.25 * fps);
    if (K < 3)
        K = 3;
    long last = -1000;
    for (size_t i = 1; i + 1 < n; i++) {
        double d = c->frames.v[i].diff;
        if (d < 10)
            continue;
        /* a local maximum, well above the motion around it */
        int peak = 1;
        double loc[16];
        int nl = 0;
        for (long j = (long)i - 8; j <= (long)i + 8; j++) {
            if (j < 1 || j >= (long)n || j == (long)i)
                continue;
            if (labs(j - (long)i) <= 2 && c->frames.v[j].diff > d)
                peak = 0;
            if (nl < 16)
                loc[nl++] = c->frames.v[j].diff;
        }
        if (!peak)
            continue;
        double med = percentile(loc, (size_t)nl, 50);
        if (d < 2.5 * med)
            continue;
        /* the new picture stays: the next K frames do not return to the old one
         * (that is a flash, not a cut) */
        const uint8_t *before = c->thumbs.v + (i - 1) * THUMB_N;
        int stays = 1;
        for (int k = 1; k <= K && i + k < n; k++)
            if (thumb_dist(c->thumbs.v + (i + k) * THUMB_N, before) < 0.5 * d) {
                stays = 0;
                break;
            }
        /* nor does it bring back the picture of a moment ago (the return
         * from a flash, or a frame or two of something else) */
        const uint8_t *after = c->thumbs.v + i * THUMB_N;
        for (long k = (long)i - K - 1; stays && k <= (long)i - 2; k++)
            if (k >= 0 && thumb_dist(c->thumbs.v + (size_t)k * THUMB_N, after) < 0.5 * d)
                stays = 0;
        if (!stays || (long)i - last < 3)
            continue;
        /* textured parts of the picture that stay put while the change goes
         * on in the frames before and after: one shot, with something in it
         * moving fast (docs/eval.md). A jump that ends in a still picture,
         * or comes out of one, is a cut even where part of the frame stays. */
        double around = fmin(c->frames.v[i - 1].diff, c->frames.v[i + 1].diff);
        if (around >= 0.25 * d && still_textured_cells(after, before, d) >= 2)
            continue;
        cuts = xrealloc(cuts, (nc + 1) * sizeof(long));
        cuts[nc++] = (long)i;
        last = (long)i;
    }
    nc = gradual_cuts(c, &cuts, nc);
    *cuts_out = cuts;
    return nc;
}

double local_motion(const struct eval_ctx *c, size_t i)
{
    if (i == 0 || i >= c->frames.n)
        return 0;
    const uint8_t *a = c->thumbs.v + i * THUMB_N, *b = a - THUMB_N;
    double best = 0;
    for (int gy = 0; gy < GY; gy++)
        for (int gx = 0; gx < GX; gx++) {
            unsigned s = 0;
            for (int y = gy * CH; y < (gy + 1) * CH; y++)
                for (int x = gx * CW; x < (gx + 1) * CW; x++)
                    s += (unsigned)abs((int)a[y * THUMB_W + x] - (int)b[y * THUMB_W + x]);
            double m = (double)s / CN;
            if (m > best)
                best = m;
        }
    return best;
}

double motion_at(const struct eval_ctx *c, size_t i)
{
    return c->frames.v[i].diff;
}

/* ---- the plan's storyline ---- */

size_t plan_cut_times(const struct plan *p, double **out, double *duration)
{
    double *v = NULL;
    size_t n = 0;
    /* the renderer's frame-exact view when the plan is validated */
    struct plan_timeline tl;
    if (p->output.fps > 0 && plan_timeline(p, &tl, NULL) == REEL_OK) {
        for (size_t i = 0; i < tl.nspans && i < p->nops; i++)
            if (p->ops[tl.spans[i].op_index].kind == OP_CUT) {
                v = xrealloc(v, (n + 1) * sizeof(double));
                v[n++] = tl.spans[i].start_frame / tl.fps;
            }
        if (duration)
            *duration = tl.duration;
        plan_timeline_release(&tl);
        *out = v;
        return n;
    }
    /* otherwise add up the cuts (transitions overlap their neighbours) */
    double t = 0;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind == OP_CUT) {
            v = xrealloc(v, (n + 1) * sizeof(double));
            v[n++] = t;
            double len = op->out >= 0 ? (op->out - op->in) : (op->duration > 0 ? op->duration : 0);
            t += len / (op->speed > 0 ? op->speed : 1);
        } else if (op->kind == OP_TRANSITION) {
            t -= op->duration > 0 ? op->duration : 0;
        }
    }
    *out = v;
    if (duration)
        *duration = t;
    return n;
}
