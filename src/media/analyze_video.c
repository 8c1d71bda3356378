/*
 * Picture analysers: per-frame features while decoding (a joint RGB
 * histogram and a 16x9 grid of mean colours), distances to the frames up to
 * 64 back, then, once the file is read, cut detection on those distances:
 *
 *  - hard cut at frame k: d(k-1, k) is high in absolute terms and against
 *    the median of its neighbours (an adaptive threshold that tolerates
 *    fast motion), and the picture does not come back within a few frames
 *    (a flash, a strobe or a single odd frame returns to what came before);
 *  - gradual transition centred at c: G(c) = d(c-w, c+w) forms a plateau
 *    clearly above what it is on both sides (a crossfade or a fade through
 *    black changes the picture over many frames, each step small); the
 *    centre is the middle of the plateau's half-height crossings.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/analyze_internal.h"
#include "core/banned.h"

const int an_lags[AN_NLAG] = {1,  2,  3,  4,  5,  6,  7,  8,  10, 12,
                              14, 16, 20, 24, 28, 32, 40, 48, 56, 64};

#define T_HARD 0.30 /* minimum distance for a hard cut */
#define T_GRAD 0.35 /* minimum plateau height for a gradual transition */
#define SAMPLE_CAP 240
#define EXTRA_CAP 300
#define DARK_LEVEL 26 /* gray level under which a pixel counts as black (0.1 of full scale) */

json_t *an_time(double t)
{
    return json_real(round(t * 1000.0) / 1000.0);
}

json_t *an_num(double x, int decimals)
{
    double m = pow(10, decimals);
    if (!isfinite(x))
        return json_null();
    return json_real(round(x * m) / m);
}

void an_video_init(struct an_video *v)
{
    memset(v, 0, sizeof(*v));
    v->extra_at = -1;
    for (int i = 0; i < 256; i++) {
        float pos = i / 64.0f - 0.5f;
        int lo = (int)floorf(pos);
        float fr = pos - lo;
        if (lo < 0) {
            lo = 0;
            fr = 0;
        } else if (lo >= 3) {
            lo = 2;
            fr = 1;
        }
        v->lo_of[i] = lo;
        v->w_of[i] = fr;
    }
}

static void stills_free(struct an_still *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].rgb);
}

void an_video_release(struct an_video *v)
{
    VEC_FREE(&v->frames);
    free(v->hist);
    free(v->prev_gray);
    stills_free(v->samples.v, v->samples.n);
    VEC_FREE(&v->samples);
    stills_free(v->extra.v, v->extra.n);
    VEC_FREE(&v->extra);
}

static float feat_dist(const float *ha, const float *ga, const float *hb, const float *gb)
{
    float hd = 0, gd = 0;
    for (int i = 0; i < AN_HIST_BINS; i++)
        hd += fabsf(ha[i] - hb[i]);
    for (int i = 0; i < AN_GRID; i++)
        gd += fabsf(ga[i] - gb[i]);
    hd *= 0.5f;
    gd = gd / AN_GRID / 255.0f * 4.0f;
    if (gd > 1)
        gd = 1;
    return 0.5f * hd + 0.5f * gd;
}

static struct an_still still_copy(const struct media_frame *f)
{
    struct an_still s;
    s.index = f->index;
    s.t = f->t;
    s.rgb = xmalloc((size_t)f->width * f->height * 3);
    for (int y = 0; y < f->height; y++)
        memcpy(s.rgb + (size_t)y * f->width * 3, f->rgb + (size_t)y * f->rgb_stride,
               (size_t)f->width * 3);
    return s;
}

void an_video_frame(struct an_video *v, const struct media_frame *f)
{
    int w = f->width, h = f->height;
    if (!v->prev_gray) {
        v->w = w;
        v->h = h;
        v->prev_gray = xcalloc((size_t)w * h, 1);
        v->sample_step = v->fps > 0 ? lround(v->fps / 4) : 6;
        if (v->sample_step < 1)
            v->sample_step = 1;
    }
    if (w != v->w || h != v->h || !f->rgb)
        return; /* the decoder keeps one analysis size; ignore anything else */
    long k = (long)v->frames.n;
    int slot = (int)(k % (AN_MAX_LAG + 1));
    float *hist = v->ring_hist[slot];
    float *grid = v->ring_grid[slot];
    memset(hist, 0, sizeof(v->ring_hist[0]));
    memset(grid, 0, sizeof(v->ring_grid[0]));
    float cell[AN_GRID_W * AN_GRID_H];
    int cellcount[AN_GRID_W * AN_GRID_H];
    memset(cell, 0, sizeof(cell));
    memset(cellcount, 0, sizeof(cellcount));
    /* soft (trilinear) binning keeps the histogram continuous in the pixel
     * values: a fade moves weight between bins instead of jumping */
    const int *lo_of = v->lo_of;
    const float *w_of = v->w_of;
    float counts[AN_HIST_BINS];
    memset(counts, 0, sizeof(counts));
    double sr = 0, sg = 0, sb = 0;
    long dark = 0;
    uint64_t sad = 0;
    for (int y = 0; y < h; y++) {
        const uint8_t *p = f->rgb + (size_t)y * f->rgb_stride;
        const uint8_t *g = f->gray + (size_t)y * f->stride;
        uint8_t *pg = v->prev_gray + (size_t)y * w;
        int cy = y * AN_GRID_H / h;
        uint32_t rr = 0, gg = 0, bb = 0;
        for (int x = 0; x < w; x++) {
            int r = p[3 * x], gr = p[3 * x + 1], b = p[3 * x + 2];
            {
                int r0 = lo_of[r], g0 = lo_of[gr], b0 = lo_of[b];
                float rw = w_of[r], gw = w_of[gr], bw = w_of[b];
                float *hb = counts + (r0 << 4) + (g0 << 2) + b0;
                float r1 = 1 - rw, g1 = 1 - gw, b1 = 1 - bw;
                hb[0] += r1 * g1 * b1;
                hb[1] += r1 * g1 * bw;
                hb[4] += r1 * gw * b1;
                hb[5] += r1 * gw * bw;
                hb[16] += rw * g1 * b1;
                hb[17] += rw * g1 * bw;
                hb[20] += rw * gw * b1;
                hb[21] += rw * gw * bw;
            }
            rr += r;
            gg += gr;
            bb += b;
            int cx = x * AN_GRID_W / w;
            int ci = cy * AN_GRID_W + cx;
            float *gc = grid + 3 * ci;
            gc[0] += r;
            gc[1] += gr;
            gc[2] += b;
            cell[ci] += g[x];
            cellcount[ci]++;
            dark += g[x] < DARK_LEVEL;
            int dd = (int)g[x] - pg[x];
            sad += (uint64_t)(dd < 0 ? -dd : dd);
            pg[x] = g[x];
        }
        sr += rr;
        sg += gg;
        sb += bb;
    }
    double npx = (double)w * h;
    for (int i = 0; i < AN_HIST_BINS; i++)
        hist[i] = (float)(counts[i] / npx);

    float maxcell = 0;
    for (int i = 0; i < AN_GRID_W * AN_GRID_H; i++) {
        int c = cellcount[i] ? cellcount[i] : 1;
        grid[3 * i] /= c;
        grid[3 * i + 1] /= c;
        grid[3 * i + 2] /= c;
        float lm = cell[i] / c;
        float dlt = fabsf(lm - v->prev_cell[i]);
        if (dlt > maxcell)
            maxcell = dlt;
        v->prev_cell[i] = lm;
    }

    struct an_vframe fr;
    memset(&fr, 0, sizeof(fr));
    fr.t = f->t;
    fr.rgb[0] = (float)(sr / npx);
    fr.rgb[1] = (float)(sg / npx);
    fr.rgb[2] = (float)(sb / npx);
    fr.dark = (float)(dark / npx);
    fr.mad = k ? (float)(sad / npx) : 0;
    fr.maxcell = k ? maxcell : 0;
    for (int j = 0; j < AN_NLAG; j++) {
        int lag = an_lags[j];
        if (lag > k) {
            fr.d[j] = -1;
            continue;
        }
        int o = (int)((k - lag) % (AN_MAX_LAG + 1));
        fr.d[j] = feat_dist(v->ring_hist[o], v->ring_grid[o], hist, grid);
    }
    VEC_PUSH(&v->frames, fr);
    if (v->frames.n > v->hist_cap) {
        v->hist_cap = v->hist_cap ? 2 * v->hist_cap : 1024;
        v->hist = xrealloc(v->hist, v->hist_cap * AN_HIST_BINS * sizeof(float));
    }
    memcpy(v->hist + (size_t)k * AN_HIST_BINS, hist, AN_HIST_BINS * sizeof(float));

    /* thumbnail candidates */
    if (k % v->sample_step == 0) {
        if (v->samples.n >= SAMPLE_CAP) {
            size_t o = 0;
            for (size_t i = 0; i < v->samples.n; i++) {
                if ((v->samples.v[i].index / v->sample_step) % 2 == 0)
                    v->samples.v[o++] = v->samples.v[i];
                else
                    free(v->samples.v[i].rgb);
            }
            v->samples.n = o;
            v->sample_step *= 2;
        }
        if (k % v->sample_step == 0)
            VEC_PUSH(&v->samples, still_copy(f));
    }
    if (k && fr.d[0] >= T_HARD * 0.8f)
        v->extra_at = k + 5;
    if (k == v->extra_at && v->extra.n < EXTRA_CAP) {
        VEC_PUSH(&v->extra, still_copy(f));
        v->extra_at = -1;
    }
}

/* ---- detection ---- */

static int lag_slot(int lag)
{
    for (int j = 0; j < AN_NLAG; j++)
        if (an_lags[j] == lag)
            return j;
    return -1;
}

/* d(a, b) for b - a in an_lags; -1 when unknown. */
static float fdist(const struct an_video *v, long a, long b)
{
    if (a < 0 || b >= (long)v->frames.n || b <= a)
        return -1;
    int j = lag_slot((int)(b - a));
    return j < 0 ? -1 : v->frames.v[b].d[j];
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static int cmp_cut(const void *a, const void *b)
{
    const struct an_cut *x = a, *y = b;
    return x->frame < y->frame ? -1 : x->frame > y->frame;
}

void an_detect_cuts(const struct an_video *v, struct an_cut **cuts_out, size_t *n_out)
{
    VEC(struct an_cut) cuts = VEC_INIT;
    long n = (long)v->frames.n;
    const struct an_vframe *fr = v->frames.v;
    /* hard cuts */
    for (long k = 1; k < n; k++) {
        float s = fr[k].d[0];
        if (s < T_HARD)
            continue;
        float win[32];
        int nw = 0;
        for (long j = k - 12; j <= k + 12; j++)
            if (j >= 1 && j < n && (j < k - 1 || j > k + 1) && nw < 32)
                win[nw++] = fr[j].d[0];
        float med = 0;
        if (nw) {
            qsort(win, nw, sizeof(float), cmp_float);
            med = win[nw / 2];
        }
        if (s < 2.5f * med + 0.08f)
            continue;
        int flash = 0;
        for (int m = 1; m <= 6; m++) {
            float back = fdist(v, k - 1, k + m);
            if (back >= 0 && back < 0.5f * s && back < T_HARD)
                flash = 1;
            /* the end of a flash: the picture is back to what it was before it */
            float before = fdist(v, k - 1 - m, k);
            if (before >= 0 && before < 0.5f * s && before < T_HARD)
                flash = 1;
        }
        if (flash)
            continue;
        struct an_cut c = {k, fr[k].t, s, 0, k, k};
        if (cuts.n && k - cuts.v[cuts.n - 1].frame <= 2) {
            if (s > cuts.v[cuts.n - 1].score)
                cuts.v[cuts.n - 1] = c;
            continue;
        }
        VEC_PUSH(&cuts, c);
    }
    size_t nhard = cuts.n;

    /* gradual transitions */
    int w = v->fps > 0 ? (int)lround(v->fps / 2) : 12;
    static const int ws[] = {4, 5, 6, 7, 8, 10, 12, 14, 16, 20, 24, 28, 32};
    int best = 8;
    for (size_t i = 0; i < ARRAY_SIZE(ws); i++)
        if (abs(ws[i] - w) < abs(best - w))
            best = ws[i];
    w = best;
    if (n > 4 * w) {
        float *G = xmalloc(sizeof(float) * n);
        for (long k = 0; k < n; k++)
            G[k] = (k >= w && k + w < n) ? fdist(v, k - w, k + w) : -1;
        for (long k = w; k + w < n; k++) {
            if (G[k] < T_GRAD)
                continue;
            /* a local maximum over +-w (the first one of a flat top) */
            int ismax = 1;
            for (long j = k - w; j <= k + w && ismax; j++)
                if (j >= 0 && j < n && j != k && (G[j] > G[k] || (G[j] == G[k] && j < k)))
                    ismax = 0;
            if (!ismax)
                continue;
            int near_hard = 0;
            for (size_t i = 0; i < nhard; i++)
                if (labs(cuts.v[i].frame - k) <= w + 1)
                    near_hard = 1;
            if (near_hard)
                continue;
            float p = G[k];
            /* what G is on either side, past the ramps of a transition at most 2w long */
            float left = 2, right = 2;
            int nl = 0, nr = 0;
            for (long j = k - 3 * w; j <= k - w; j++)
                if (j >= 0 && G[j] >= 0) {
                    nl++;
                    if (G[j] < left)
                        left = G[j];
                }
            for (long j = k + w; j <= k + 3 * w && j < n; j++)
                if (G[j] >= 0) {
                    nr++;
                    if (G[j] < right)
                        right = G[j];
                }
            if (nl < w / 2 || nr < w / 2)
                continue;
            float side = left > right ? left : right;
            if (p - side < 0.15f || p - side < 0.5f * p)
                continue;
            float level = (p + side) / 2;
            /* a transition keeps G high for about 2w frames; a flash only
             * while one end of the comparison sits on it */
            int wide = 0;
            for (long j = k - w; j <= k + w; j++)
                if (j >= 0 && j < n && G[j] >= level)
                    wide++;
            if (wide < w)
                continue;
            double xl = k, xr = k;
            for (long j = k; j > k - 3 * w && j > 0; j--)
                if (G[j - 1] >= 0 && G[j - 1] < level) {
                    xl = j - 1 + (level - G[j - 1]) / (G[j] - G[j - 1]);
                    break;
                }
            for (long j = k; j < k + 3 * w && j + 1 < n; j++)
                if (G[j + 1] >= 0 && G[j + 1] < level) {
                    xr = j + (G[j] - level) / (G[j] - G[j + 1]);
                    break;
                }
            long c = lround((xl + xr) / 2);
            if (c < 1 || c >= n)
                continue;
            /* the transition's frames: consecutive changes above what the
             * neighbouring shots show on their own */
            float nb[64];
            int nnb = 0;
            for (long j = c - 3 * w; j <= c + 3 * w && nnb < 64; j++)
                if (j >= 1 && j < n && labs(j - c) > 2 * w)
                    nb[nnb++] = fr[j].d[0];
            float base = 0;
            if (nnb) {
                qsort(nb, nnb, sizeof(float), cmp_float);
                base = nb[nnb / 2];
            }
            float thr = 1.5f * base + 0.004f;
            long from = c, to = c;
            while (from - 1 > c - 2 * w && from - 1 >= 1 &&
                   (fr[from].d[0] > thr || fr[from - 1].d[0] > thr))
                from--;
            while (to + 1 < c + 2 * w && to + 1 < n &&
                   (fr[to + 1].d[0] > thr || (to + 2 < n && fr[to + 2].d[0] > thr)))
                to++;
            if (from > 0)
                from--; /* the last frame before the change starts */
            /* through black: the cut is the middle of the black frames */
            long bs = -1, be = -1;
            for (long j = from; j <= to; j++)
                if (fr[j].dark >= 0.98f) {
                    if (bs < 0)
                        bs = j;
                    be = j;
                }
            if (bs >= 0)
                c = (bs + be + 1) / 2;
            if (cuts.n > nhard && labs(cuts.v[cuts.n - 1].frame - c) <= w) {
                if (p > cuts.v[cuts.n - 1].score)
                    cuts.n--;
                else
                    continue;
            }
            struct an_cut cut = {c, fr[c].t, p, 1, from, to};
            VEC_PUSH(&cuts, cut);
        }
        if (getenv("REEL_ANALYZE_DEBUG"))
            for (long j = 0; j < n; j++)
                fprintf(stderr, "k=%ld t=%.3f d1=%.3f G=%.3f\n", j, fr[j].t, fr[j].d[0], G[j]);
        free(G);
    }
    if (cuts.n)
        qsort(cuts.v, cuts.n, sizeof(cuts.v[0]), cmp_cut);
    *cuts_out = cuts.v;
    *n_out = cuts.n;
}

/* ---- results ---- */

static void add_interval(json_t *arr, double s, double e)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", an_time(s));
    json_object_set_new(o, "end", an_time(e));
    json_array_append_new(arr, o);
}

static const struct an_still *pick_still(const struct an_video *v, long from, long to)
{
    const struct an_still *best = NULL;
    double mid = (from + to) / 2.0, bd = 1e18;
    for (int set = 0; set < 2; set++) {
        const struct an_still *s = set ? v->extra.v : v->samples.v;
        size_t ns = set ? v->extra.n : v->samples.n;
        for (size_t i = 0; i < ns; i++) {
            if (s[i].index < from || s[i].index > to)
                continue;
            double dd = fabs(s[i].index - mid);
            if (dd < bd) {
                bd = dd;
                best = &s[i];
            }
        }
    }
    return best;
}

static enum reel_code contact_sheet(const struct an_video *v, const struct an_still **st, size_t n,
                                    const char *path, struct reel_err *err)
{
    size_t cap = 60;
    size_t use = n < cap ? n : cap;
    int cols = use < 5 ? (int)use : 5, gap = 4;
    int rows = (int)((use + cols - 1) / cols);
    int W = cols * v->w + (cols + 1) * gap, H = rows * v->h + (rows + 1) * gap;
    uint8_t *img = xmalloc((size_t)W * H * 3);
    memset(img, 24, (size_t)W * H * 3);
    for (size_t i = 0; i < use; i++) {
        const struct an_still *s = st[use == n ? i : i * n / use];
        int cx = (int)(i % cols), cy = (int)(i / cols);
        int x0 = gap + cx * (v->w + gap), y0 = gap + cy * (v->h + gap);
        for (int y = 0; y < v->h; y++)
            memcpy(img + ((size_t)(y0 + y) * W + x0) * 3, s->rgb + (size_t)y * v->w * 3,
                   (size_t)v->w * 3);
    }
    enum reel_code rc = an_write_png(path, img, W, H, err);
    free(img);
    return rc;
}

enum reel_code an_video_finish(struct an_video *v, double duration, unsigned which,
                               const char *thumb_dir, json_t *out, struct reel_err *err)
{
    long n = (long)v->frames.n;
    const struct an_vframe *fr = v->frames.v;
    double fdur = v->fps > 0 ? 1.0 / v->fps : 0.04;
    double vend = n ? fr[n - 1].t + fdur : 0;
    if (duration > 0 && vend > duration + fdur)
        vend = duration;
    enum reel_code rc = REEL_OK;
    struct an_cut *cuts = NULL;
    size_t ncut = 0;
    if (n)
        an_detect_cuts(v, &cuts, &ncut);

    if (which & 1 /* MEDIA_AN_SHOTS */) {
        json_t *jcuts = json_array();
        for (size_t i = 0; i < ncut; i++) {
            json_t *c = json_object();
            json_object_set_new(c, "t", an_time(cuts[i].t));
            json_object_set_new(c, "frame", json_integer(cuts[i].frame));
            json_object_set_new(c, "score", an_num(cuts[i].score, 3));
            json_object_set_new(c, "kind", json_string(cuts[i].gradual ? "gradual" : "cut"));
            if (cuts[i].gradual) {
                json_object_set_new(c, "start", an_time(fr[cuts[i].from].t));
                json_object_set_new(c, "end", an_time(fr[cuts[i].to].t + fdur));
            }
            json_array_append_new(jcuts, c);
        }
        json_object_set_new(out, "cuts", jcuts);

        json_t *shots = json_array();
        const struct an_still **chosen = xcalloc(ncut + 1, sizeof(*chosen));
        size_t nchosen = 0;
        int want_thumbs = thumb_dir != NULL;
        if (want_thumbs && (rc = mkdir_p(thumb_dir, err)))
            want_thumbs = 0;
        for (size_t i = 0; n && i <= ncut && !rc; i++) {
            long s = i ? cuts[i - 1].frame : 0;
            long e = i < ncut ? cuts[i].frame : n; /* exclusive */
            long cs = s, ce = e - 1;
            if (i && cuts[i - 1].gradual)
                cs = cuts[i - 1].to + 1;
            if (i < ncut && cuts[i].gradual)
                ce = cuts[i].from - 1;
            if (cs > ce) {
                cs = s;
                ce = e - 1;
            }
            if (ce < cs)
                ce = cs;
            double rgb[3] = {0, 0, 0};
            double hist[AN_HIST_BINS];
            memset(hist, 0, sizeof(hist));
            for (long k = cs; k <= ce; k++) {
                for (int c = 0; c < 3; c++)
                    rgb[c] += fr[k].rgb[c];
                for (int b = 0; b < AN_HIST_BINS; b++)
                    hist[b] += v->hist[(size_t)k * AN_HIST_BINS + b];
            }
            double cnt = (double)(ce - cs + 1);
            json_t *sh = json_object();
            json_object_set_new(sh, "start", an_time(i ? cuts[i - 1].t : 0));
            json_object_set_new(sh, "end", an_time(i < ncut ? cuts[i].t : vend));
            json_object_set_new(sh, "score", an_num(i ? cuts[i - 1].score : 0, 3));
            json_t *col = json_array();
            for (int c = 0; c < 3; c++)
                json_array_append_new(col, json_integer(lround(rgb[c] / cnt)));
            json_object_set_new(sh, "avg_color", col);
            json_t *jh = json_array();
            for (int b = 0; b < AN_HIST_BINS; b++)
                json_array_append_new(jh, an_num(hist[b] / cnt, 4));
            json_object_set_new(sh, "histogram", jh);
            const struct an_still *st = pick_still(v, cs, ce);
            if (!st)
                st = pick_still(v, s, e - 1);
            double kt = st ? st->t : fr[(cs + ce) / 2].t;
            json_object_set_new(sh, "keyframe_t", an_time(kt));
            if (want_thumbs && st) {
                char *p = xasprintf("%s/shot-%03zu.jpg", thumb_dir, i);
                rc = an_write_jpeg(p, st->rgb, v->w, v->h, err);
                json_object_set_new(sh, "thumbnail", json_string(p));
                free(p);
                chosen[nchosen++] = st;
            } else {
                json_object_set_new(sh, "thumbnail", json_null());
            }
            json_array_append_new(shots, sh);
        }
        json_object_set_new(out, "shots", shots);
        if (!rc && want_thumbs && nchosen) {
            char *p = xasprintf("%s/contact.png", thumb_dir);
            rc = contact_sheet(v, chosen, nchosen, p, err);
            json_object_set_new(out, "contact_sheet", json_string(p));
            free(p);
        } else {
            json_object_set_new(out, "contact_sheet", json_null());
        }
        free(chosen);
    }

    if (which & 16 /* MEDIA_AN_MOTION */) {
        int nsec = (int)ceil(vend - 1e-6);
        if (nsec < 0)
            nsec = 0;
        double *sum = xcalloc(nsec + 1, sizeof(double));
        int *cnt = xcalloc(nsec + 1, sizeof(int));
        size_t ci = 0;
        double last = 0;
        for (long k = 1; k < n; k++) {
            while (ci < ncut && cuts[ci].frame < k)
                ci++;
            double m = fr[k].mad / 40.0;
            if (m > 1)
                m = 1;
            if (ci < ncut && cuts[ci].frame == k && !cuts[ci].gradual)
                m = last; /* the cut itself is not motion */
            last = m;
            int s = (int)floor(fr[k].t);
            if (s >= 0 && s < nsec) {
                sum[s] += m;
                cnt[s]++;
            }
        }
        json_t *mo = json_array();
        for (int s = 0; s < nsec; s++)
            json_array_append_new(mo, an_num(cnt[s] ? sum[s] / cnt[s] : 0, 3));
        json_object_set_new(out, "motion", mo);
        free(sum);
        free(cnt);

        json_t *black = json_array(), *frozen = json_array();
        for (long k = 0; k < n;) {
            if (fr[k].dark < 0.98f) {
                k++;
                continue;
            }
            long a = k;
            while (k < n && fr[k].dark >= 0.98f)
                k++;
            double s = fr[a].t, e = k < n ? fr[k].t : vend;
            if (e - s >= 0.099)
                add_interval(black, s, e);
        }
        for (long k = 1; k < n;) {
            int same = fr[k].mad < 0.5f && fr[k].maxcell < 2.0f && fr[k].dark < 0.98f;
            if (!same) {
                k++;
                continue;
            }
            long a = k;
            while (k < n && fr[k].mad < 0.5f && fr[k].maxcell < 2.0f && fr[k].dark < 0.98f)
                k++;
            double s = fr[a - 1].t, e = k < n ? fr[k].t : vend;
            if (e - s >= 1.0)
                add_interval(frozen, s, e);
        }
        json_object_set_new(out, "black", black);
        json_object_set_new(out, "frozen", frozen);
    }
    free(cuts);
    return rc;
}
