/*
 * Audio/video sync from the render alone: flashes in the picture (a frame
 * that brightens sharply and comes back within a few frames, as a clapper,
 * a camera flash or a test flash does) against sharp onsets in the sound
 * near them. When at least three such pairs agree on an offset, that offset
 * is how far the sound is late (or early) against the picture.
 *
 * The decode pass leaves only a 2 ms energy envelope of the mono track (one
 * float per 32 samples at 16 kHz); everything else runs once after the
 * pass, and only in windows around the flashes. There are two envelopes:
 * of the track itself, and of the pre-emphasised track (y[n] = x[n] - 0.97
 * x[n-1], about +6 dB an octave), and an onset found in either counts (the
 * stronger where both have it). A beep or a click under a mix of hum,
 * rumble, wind, a bass line or brown noise stands out only once the lows
 * are taken down (a 1 kHz beep stood 10 dB over the corpus's gen_mandel bed
 * and the onset test missed it at random); under broadband sound, a film's
 * music or a room's hiss, the pre-emphasis takes the beep down 18 dB
 * against it and only the track itself shows it (the real clips' sync
 * renders).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define BLOCK_S 0.002     /* envelope block */
#define PRE_BLOCKS 20     /* 40 ms before an onset */
#define POST_BLOCKS 5     /* 10 ms after it */
#define ONSET_DB 12.0     /* the 10 ms after is this far above the 40 ms before */
#define ONSET_FLOOR 1e-6  /* -60 dBFS: quieter "onsets" are noise */
#define QUIET 1e-9        /* -90 dBFS: the floor of the "before" energy */
#define MIN_GAP_S 0.02    /* between two onsets */
#define SEARCH_S 0.4      /* onsets looked for within this of a flash */
#define FLASH_RISE 0.15   /* relative luminance over the frame before */
#define FLASH_BACK 0.4    /* back to within this share of the rise ... */
#define FLASH_FRAMES 4    /* ... within this many frames */
#define MIN_EVENTS 3
#define MAX_MAD_MS 25.0
#define AGREE_MS 50.0     /* at least MIN_EVENTS offsets this near the median */
#define MAX_GAP_FILL_S 60 /* a hole in the sound wider than this is not filled */
#define PRE_EMPHASIS 0.97

static void push_block(struct eval_ctx *c, double ms, double ms_pre)
{
    VEC_PUSH(&c->sync_env, (float)ms);
    VEC_PUSH(&c->sync_pre, (float)ms_pre);
}

void sync_feed(struct eval_ctx *c, const float *x, int n, int rate, double t)
{
    if (!x || n <= 0 || rate <= 0)
        return;
    if (!c->sync_blk) {
        c->sync_rate = rate;
        c->sync_blk = (int)lround(rate * BLOCK_S) > 0 ? (int)lround(rate * BLOCK_S) : 1;
        c->sync_t0 = t;
    }
    if (rate != c->sync_rate)
        return;
    /* the decoder's mono track is contiguous; should it ever skip ahead,
     * silence keeps later blocks at their times */
    double expect = c->sync_t0 + ((double)c->sync_env.n * c->sync_blk + c->sync_n) / rate;
    long missing = lround((t - expect) * rate);
    if (missing > c->sync_blk && missing < (long)MAX_GAP_FILL_S * rate) {
        for (; missing > 0; missing--)
            if (++c->sync_n == c->sync_blk) {
                push_block(c, c->sync_sum / c->sync_blk, c->sync_sum_pre / c->sync_blk);
                c->sync_sum = 0, c->sync_sum_pre = 0, c->sync_n = 0;
            }
        c->sync_prev = 0;
    }
    double s = c->sync_sum, sp = c->sync_sum_pre;
    int k = c->sync_n, blk = c->sync_blk;
    float prev = c->sync_prev;
    for (int i = 0; i < n; i++) {
        double y = (double)x[i] - PRE_EMPHASIS * prev;
        prev = x[i];
        s += (double)x[i] * x[i];
        sp += y * y;
        if (++k == blk) {
            push_block(c, s / blk, sp / blk);
            s = 0, sp = 0, k = 0;
        }
    }
    c->sync_sum = s;
    c->sync_sum_pre = sp;
    c->sync_n = k;
    c->sync_prev = prev;
}

void sync_release(struct eval_ctx *c)
{
    VEC_FREE(&c->sync_env);
    VEC_FREE(&c->sync_pre);
}

/* ---- visual events ---- */

/* Frames where relative luminance jumps up and comes back soon: a cut to a
 * brighter shot stays, a flash returns. Fills ev (at most max), returns the
 * count found (which may be more). */
static size_t find_flashes(const struct eval_ctx *c, double *ev, size_t max)
{
    size_t n = c->frames.n, k = 0;
    for (size_t i = 1; i < n; i++) {
        double before = c->frames.v[i - 1].rel_lum;
        double rise = c->frames.v[i].rel_lum - before;
        if (rise < FLASH_RISE)
            continue;
        size_t back = 0;
        for (size_t j = i + 1; j <= i + FLASH_FRAMES && j < n && !back; j++)
            if (c->frames.v[j].rel_lum <= before + FLASH_BACK * rise)
                back = j;
        if (!back)
            continue;
        if (k < max)
            ev[k] = c->frames.v[i].t;
        k++;
        i = back; /* the next flash starts after this one has ended */
    }
    return k;
}

/* ---- sound onsets ---- */

static double env_mean(const float *e, long a, long b) /* blocks [a, b) */
{
    double s = 0;
    for (long i = a; i < b; i++)
        s += e[i];
    return s / (double)(b - a);
}

static int onset_fires(const float *e, long b, double *pre, double *post)
{
    *pre = env_mean(e, b - PRE_BLOCKS, b);
    *post = env_mean(e, b, b + POST_BLOCKS);
    return *post >= ONSET_FLOOR && *post >= pow(10, ONSET_DB / 10) * fmax(*pre, QUIET);
}

/*
 * The strongest onset within SEARCH_S of time ft; returns its time or NAN.
 * The test fires a few blocks before the sound begins (the 10 ms after
 * already holds enough of it), so the onset is the first block after the
 * firing one that stands halfway (in dB) from the quiet before to the peak
 * after (a block of noise can stand 6 dB over its mean), and within that block
 * where the energy came in: its energy against the next block's (a sound
 * that begins a quarter into a block fills three quarters of it).
 */
static double strongest_onset(const struct eval_ctx *c, const float *e, long N, double ft,
                              double *strength)
{
    double dt = (double)c->sync_blk / c->sync_rate;
    long lo = (long)floor((ft - SEARCH_S - c->sync_t0) / dt) - POST_BLOCKS - 1;
    long hi = (long)ceil((ft + SEARCH_S - c->sync_t0) / dt) + 1;
    if (lo < PRE_BLOCKS)
        lo = PRE_BLOCKS;
    if (hi > N - 3 * POST_BLOCKS - 1) /* room for the rise and the 10 ms after it */
        hi = N - 3 * POST_BLOCKS - 1;
    double best_t = NAN, best_db = -1, last_t = -1e9;
    for (long b = lo; b < hi; b++) {
        double pre, post;
        if (!onset_fires(e, b, &pre, &post))
            continue;
        double base = fmax(pre, QUIET), peak = 0;
        for (long i = b; i < b + 2 * POST_BLOCKS; i++)
            peak = fmax(peak, e[i]);
        double thr = fmax(4 * base, sqrt(base * peak)); /* halfway up in dB, at least 6 dB */
        long r = b;
        while (r < b + 2 * POST_BLOCKS - 1 && e[r] < thr)
            r++;
        double frac = 1;
        if (e[r + 1] > e[r] && e[r + 1] > base)
            frac = fmin(1, fmax(0, (e[r] - base) / (e[r + 1] - base)));
        double t = c->sync_t0 + ((double)r + 1 - frac) * dt;
        double db = 10 * log10(env_mean(e, r, r + POST_BLOCKS) / base);
        /* past this onset's rise before looking for the next one */
        while (b + 1 < hi && onset_fires(e, b + 1, &pre, &post))
            b++;
        if (t - last_t < MIN_GAP_S || fabs(t - ft) > SEARCH_S)
            continue;
        last_t = t;
        if (db > best_db)
            best_db = db, best_t = t;
    }
    *strength = best_db;
    return best_t;
}

/* The onset near ft in the track or its pre-emphasised copy: the one that
 * stands further over the sound before it. */
static double onset_near(const struct eval_ctx *c, double ft)
{
    double da, db;
    double a = strongest_onset(c, c->sync_env.v, (long)c->sync_env.n, ft, &da);
    double b = strongest_onset(c, c->sync_pre.v, (long)c->sync_pre.n, ft, &db);
    if (isnan(a))
        return b;
    if (isnan(b))
        return a;
    return db > da ? b : a;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, size_t n) /* sorts v */
{
    qsort(v, n, sizeof(*v), cmp_dbl);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void sync_measure(const struct eval_ctx *c, struct sync_result *r)
{
    memset(r, 0, sizeof(*r));
    size_t nf = find_flashes(c, NULL, 0);
    r->flashes = (int)nf;
    if (!nf) {
        snprintf(r->why, sizeof(r->why), "no flash events");
        return;
    }
    if (!c->sync_env.n) {
        snprintf(r->why, sizeof(r->why), "no sound");
        return;
    }
    double *ft = xmalloc(nf * sizeof(double)), *off = xmalloc(nf * sizeof(double));
    find_flashes(c, ft, nf);
    size_t k = 0;
    for (size_t i = 0; i < nf; i++) {
        double ot = onset_near(c, ft[i]);
        if (isnan(ot))
            continue;
        if (k < SYNC_MAX_EVENTS) {
            r->flash_t[k] = ft[i];
            r->onset_t[k] = ot;
        }
        off[k++] = (ot - ft[i]) * 1000;
    }
    r->events = (int)k;
    if (k < MIN_EVENTS) {
        if (!k)
            snprintf(r->why, sizeof(r->why), "no sound onset near any of the %zu flash event%s",
                     nf, nf == 1 ? "" : "s");
        else
            snprintf(r->why, sizeof(r->why), "only %zu flash event%s with a sound onset (of %zu)",
                     k, k == 1 ? "" : "s", nf);
        goto out;
    }
    double med = median(off, k);
    double *dev = ft; /* no longer needed */
    size_t agree = 0;
    for (size_t i = 0; i < k; i++) {
        dev[i] = fabs(off[i] - med);
        agree += dev[i] <= AGREE_MS;
    }
    r->mad_ms = median(dev, k);
    r->offset_ms = med;
    /* MAD alone lets two coincidences out of three through */
    if (r->mad_ms > MAX_MAD_MS || agree < MIN_EVENTS) {
        snprintf(r->why, sizeof(r->why), "offsets disagree (MAD %.0f ms, %zu of %zu within %.0f ms)",
                 r->mad_ms, agree, k, AGREE_MS);
        goto out;
    }
    r->measurable = 1;
out:
    free(ft);
    free(off);
}
