/*
 * The rules planner: a deterministic, offline planner. It reads the facts
 * (probe, analysis, transcript) of each asset and writes an EditPlan:
 *
 *  1. candidates: for talking footage, the spoken stretches (transcript
 *     words without fillers, or the analysis' speech regions) padded a
 *     little and merged across short pauses, so no pause longer than 0.5 s
 *     survives; for other footage, windows inside each shot whose length
 *     follows the pace;
 *  2. scores: speech density, motion, loudness, shot strength; black and
 *     frozen stretches are penalised;
 *  3. selection: the best candidates that fit the target duration, played
 *     in source order, every time on the output frame grid;
 *  4. beats: with music, each cut boundary moves to the nearest beat (on
 *     the frame grid, so within one frame of it);
 *  5. the rest: reframing focus, logo, title, captions, music with ducking,
 *     fades, loudness target, brand style.
 *
 * The knobs that feedback turns (pace, loudness, caption style, logo
 * placement) are `struct rules_params`, so a revision is a rebuild with
 * different params or an edit of the previous plan.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/internal.h"
#include "core/banned.h"

#define PAD 0.08       /* kept around each word */
#define MERGE_GAP 0.45 /* pauses up to this stay inside a segment */
#define MIN_SEG 0.3

struct rules_params {
    const struct planner_brief *brief;
    int pace; /* 0 very fast, 1 fast, 2 medium, 3 slow */
    double loudness_lufs;
    double true_peak_dbtp;
    char logo_position[16];
    double logo_width, logo_margin;
    char cap_color[12], cap_outline[12], cap_box[12];
    double cap_size;
    int cap_max_chars;
};

static const double pace_window[] = {0.8, 1.6, 3.0, 5.0};
static const double pace_talk_max[] = {2.5, 4.0, 8.0, 1e9};

struct seg {
    size_t asset;
    double in, out;
    double score;
    int talking;
    int chosen;
    long in_f, len_f; /* on the output frame grid */
};
typedef VEC(struct seg) seg_vec;

struct ival {
    double s, e;
};
typedef VEC(struct ival) ival_vec;
typedef VEC(double) dbl_vec;

/* ---- facts ---- */

static void intervals(const json_t *arr, ival_vec *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        double s = facts_num(v, "start", -1), e = facts_num(v, "end", -1);
        if (s >= 0 && e > s)
            VEC_PUSH(out, ((struct ival){s, e}));
    }
}

/* Mean of a per-second series over [t0, t1). */
static double series_mean(const json_t *arr, double t0, double t1, double def)
{
    if (!json_is_array(arr) || !json_array_size(arr))
        return def;
    size_t a = (size_t)(t0 > 0 ? floor(t0) : 0), b = (size_t)ceil(t1);
    double sum = 0;
    int n = 0;
    for (size_t i = a; i < b && i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        if (json_is_number(v)) {
            sum += json_number_value(v);
            n++;
        }
    }
    return n ? sum / n : def;
}

static double overlap(const ival_vec *v, double s, double e)
{
    double sum = 0;
    for (size_t i = 0; i < v->n; i++) {
        double a = fmax(s, v->v[i].s), b = fmin(e, v->v[i].e);
        if (b > a)
            sum += b - a;
    }
    return sum;
}

static int is_filler(const json_t *w)
{
    if (json_is_true(json_object_get(w, "filler")))
        return 1;
    const char *s = json_get_str(w, "word", "");
    char t[16];
    size_t o = 0;
    for (; *s && o < sizeof(t) - 1; s++)
        if (isalpha((unsigned char)*s))
            t[o++] = (char)tolower((unsigned char)*s);
    t[o] = 0;
    static const char *const fillers[] = {"um", "umm", "uh",  "uhm", "uhh", "erm",
                                          "er", "ah",  "hmm", "mm",  "mhm"};
    for (size_t i = 0; i < ARRAY_SIZE(fillers); i++)
        if (!strcmp(t, fillers[i]))
            return 1;
    return 0;
}

static double asset_duration(const struct planner_asset *a)
{
    if (a->probe.duration > 0)
        return a->probe.duration;
    return facts_num(json_object_get(a->analysis, "probe"), "duration", 0);
}

static int is_footage(const struct planner_asset *a)
{
    const char *t = planner_asset_type(a);
    return a->probe.kind == MEDIA_VIDEO && (!strcmp(t, "raw_footage") || !strcmp(t, "b-roll"));
}

static const json_t *words_of(const struct planner_asset *a)
{
    const json_t *w = json_object_get(a->transcript, "words");
    return json_is_array(w) && json_array_size(w) ? w : NULL;
}

static int is_talking(const struct planner_asset *a)
{
    if (!strcmp(planner_asset_type(a), "b-roll"))
        return 0;
    if (words_of(a))
        return 1;
    ival_vec sp = VEC_INIT;
    intervals(json_object_get(a->analysis, "speech"), &sp);
    double d = asset_duration(a), s = overlap(&sp, 0, d > 0 ? d : 1e9);
    VEC_FREE(&sp);
    return d > 0 && s > 0.25 * d;
}

static int cmp_ival(const void *a, const void *b)
{
    const struct ival *x = a, *y = b;
    return x->s < y->s ? -1 : x->s > y->s;
}

/* Remove [s, e) from every interval of v; pieces shorter than MIN_SEG go. */
static void subtract(ival_vec *v, double s, double e)
{
    ival_vec out = VEC_INIT;
    for (size_t i = 0; i < v->n; i++) {
        struct ival k = v->v[i];
        if (e <= k.s || s >= k.e) {
            VEC_PUSH(&out, k);
            continue;
        }
        if (s - k.s >= MIN_SEG)
            VEC_PUSH(&out, ((struct ival){k.s, s}));
        if (k.e - e >= MIN_SEG)
            VEC_PUSH(&out, ((struct ival){e, k.e}));
    }
    VEC_FREE(v);
    *v = out;
}

/*
 * Talking footage: what is spoken, from both the transcript's words and
 * the analysis' speech regions (either may miss some: a recogniser drops
 * words it cannot read, a detector drops quiet syllables), merged across
 * short pauses; then the filler words and every silence the analysis heard
 * longer than 0.5 s are cut out.
 */
static void talking_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out)
{
    double dur = asset_duration(a);
    double lim = dur > 0 ? dur : 1e9;
    ival_vec raw = VEC_INIT, keep = VEC_INIT;
    const json_t *words = words_of(a);
    size_t i;
    json_t *w;
    json_array_foreach(words, i, w)
    {
        double s = facts_num(w, "start", -1), e = facts_num(w, "end", -1);
        if (s >= 0 && e >= s && !is_filler(w))
            VEC_PUSH(&raw, ((struct ival){fmax(0, s - PAD), fmin(lim, e + PAD)}));
    }
    ival_vec sp = VEC_INIT;
    intervals(json_object_get(a->analysis, "speech"), &sp);
    for (i = 0; i < sp.n; i++)
        VEC_PUSH(&raw, ((struct ival){fmax(0, sp.v[i].s - 0.1), fmin(lim, sp.v[i].e + 0.1)}));
    VEC_FREE(&sp);
    if (raw.n)
        qsort(raw.v, raw.n, sizeof(*raw.v), cmp_ival);
    /* padded intervals closer than this keep the pause between them:
     * at most MERGE_GAP of silence inside a stretch */
    double join = MERGE_GAP - 2 * PAD;
    for (i = 0; i < raw.n; i++) {
        if (keep.n && raw.v[i].s - keep.v[keep.n - 1].e <= join)
            keep.v[keep.n - 1].e = fmax(keep.v[keep.n - 1].e, raw.v[i].e);
        else
            VEC_PUSH(&keep, raw.v[i]);
    }
    VEC_FREE(&raw);
    /* fillers out */
    json_array_foreach(words, i, w) if (is_filler(w))
        subtract(&keep, facts_num(w, "start", 0), facts_num(w, "end", 0));
    /* silences the analysis heard inside what is kept (loose word times):
     * none longer than 0.5 s stays; 0.1 s of it stays at each side */
    ival_vec sil = VEC_INIT;
    intervals(json_object_get(a->analysis, "silence"), &sil);
    for (size_t k = 0; k < sil.n; k++) {
        double s = sil.v[k].s, e = sil.v[k].e;
        for (size_t j = 0; j < keep.n; j++) {
            double os = fmax(s, keep.v[j].s), oe = fmin(e, keep.v[j].e);
            if (oe - os <= 0.5)
                continue;
            double cs = os <= keep.v[j].s + 1e-9 ? os : os + 0.1;
            double ce = oe >= keep.v[j].e - 1e-9 ? oe : oe - 0.1;
            subtract(&keep, cs, ce);
            j = (size_t)-1; /* the list changed: look again */
        }
    }
    VEC_FREE(&sil);
    /* Split stretches longer than the pace allows at their longest pause. */
    double maxlen = pace_talk_max[pace];
    for (size_t i = 0; i < keep.n; i++) {
        struct ival k = keep.v[i];
        if (k.e - k.s <= maxlen || !words)
            continue;
        double best_gap = -1, cut = 0;
        size_t j;
        json_t *w;
        double prev_end = -1;
        json_array_foreach(words, j, w)
        {
            double s = facts_num(w, "start", -1), e = facts_num(w, "end", -1);
            if (s > k.s + 0.5 && s < k.e - 0.5 && prev_end >= k.s && s - prev_end > best_gap) {
                best_gap = s - prev_end;
                cut = (prev_end + s) / 2;
            }
            if (e <= k.e)
                prev_end = e;
        }
        if (best_gap < 0)
            continue;
        /* the pause itself goes: each side keeps PAD of it */
        struct ival right = {fmin(cut + best_gap / 2 - PAD, k.e), k.e};
        keep.v[i].e = fmax(cut - best_gap / 2 + PAD, k.s + 0.1);
        if (right.s < keep.v[i].e)
            right.s = keep.v[i].e;
        /* insert right after i */
        VEC_PUSH(&keep, right);
        memmove(&keep.v[i + 2], &keep.v[i + 1], (keep.n - i - 2) * sizeof(*keep.v));
        keep.v[i + 1] = right;
        i--; /* look at the left part again */
    }
    const json_t *motion = json_object_get(a->analysis, "motion");
    const json_t *st = json_object_get(json_object_get(a->analysis, "loudness"), "short_term");
    for (size_t i = 0; i < keep.n; i++) {
        struct ival k = keep.v[i];
        if (k.e - k.s < MIN_SEG)
            continue;
        int nw = 0;
        if (words) {
            size_t j;
            json_t *w;
            json_array_foreach(words, j, w)
            {
                double s = facts_num(w, "start", -1);
                if (s >= k.s && s < k.e && !is_filler(w))
                    nw++;
            }
        }
        double density = words ? fmin(1, nw / (k.e - k.s) / 3.0) : 0.6;
        double loud = series_mean(st, k.s, k.e, -30);
        double score = 0.5 * density + 0.3 * fmin(1, fmax(0, (loud + 50) / 40)) +
                       0.2 * series_mean(motion, k.s, k.e, 0.3);
        VEC_PUSH(out, ((struct seg){ai, k.s, k.e, score, 1, 0, 0, 0}));
    }
    VEC_FREE(&keep);
}

/* Other footage: windows inside each shot. */
static void footage_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out)
{
    double dur = asset_duration(a);
    if (dur <= 0)
        return;
    ival_vec shots = VEC_INIT, bad = VEC_INIT;
    intervals(json_object_get(a->analysis, "shots"), &shots);
    if (!shots.n) {
        /* from cut times, else the whole file */
        const json_t *cuts = json_object_get(a->analysis, "cuts");
        double prev = 0;
        size_t i;
        json_t *c;
        json_array_foreach(cuts, i, c)
        {
            double t = facts_num(c, "t", -1);
            if (t > prev + 0.2 && t < dur) {
                VEC_PUSH(&shots, ((struct ival){prev, t}));
                prev = t;
            }
        }
        VEC_PUSH(&shots, ((struct ival){prev, dur}));
    }
    intervals(json_object_get(a->analysis, "black"), &bad);
    intervals(json_object_get(a->analysis, "frozen"), &bad);
    const json_t *motion = json_object_get(a->analysis, "motion");
    const json_t *st = json_object_get(json_object_get(a->analysis, "loudness"), "short_term");
    const json_t *shot_arr = json_object_get(a->analysis, "shots");
    double L = pace_window[pace];
    for (size_t i = 0; i < shots.n; i++) {
        /* leave a few frames at shot edges: no flash frames of the neighbour */
        double s = shots.v[i].s + (shots.v[i].s > 0 ? 0.1 : 0);
        double e = fmin(shots.v[i].e, dur) - (shots.v[i].e < dur - 0.05 ? 0.1 : 0);
        double shot_score = facts_num(json_array_get(shot_arr, i), "score", 0.5);
        if (e - s < 0.5)
            continue;
        int nwin = (int)floor((e - s) / L);
        if (nwin < 1)
            nwin = 1;
        double wl = nwin == 1 ? fmin(L, e - s) : L;
        /* tile the shot, windows centred in it */
        double off = s + ((e - s) - nwin * wl) / 2;
        for (int k = 0; k < nwin; k++) {
            double ws = off + k * wl, we = ws + wl;
            double mot = series_mean(motion, ws, we, 0.3);
            double loud = series_mean(st, ws, we, -30);
            double score = 0.6 * mot + 0.2 * fmin(1, fmax(0, (loud + 50) / 40)) +
                           0.2 * fmin(1, fmax(0, shot_score));
            score -= overlap(&bad, ws, we) / wl; /* black / frozen */
            score -= 0.001 * k;                  /* ties: earlier first */
            VEC_PUSH(out, ((struct seg){ai, ws, we, score, 0, 0, 0, 0}));
        }
    }
    VEC_FREE(&shots);
    VEC_FREE(&bad);
}

/* Cut a talking segment at a word end so that it lasts about len. */
static double trim_talking(const struct planner_asset *a, double in, double len)
{
    const json_t *words = words_of(a);
    double best = in + len;
    if (!words)
        return best;
    size_t i;
    json_t *w;
    double cand = -1;
    json_array_foreach(words, i, w)
    {
        double e = facts_num(w, "end", -1);
        if (e > in && e + PAD <= in + len + 1e-9)
            cand = e + PAD;
    }
    if (cand > in + 0.3 && cand >= in + len - 0.7)
        return cand;
    return best;
}

static int cmp_score(const void *a, const void *b)
{
    const struct seg *x = *(const struct seg *const *)a, *y = *(const struct seg *const *)b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    if (x->asset != y->asset)
        return x->asset < y->asset ? -1 : 1;
    return x->in < y->in ? -1 : x->in > y->in;
}

static int cmp_time(const void *a, const void *b)
{
    const struct seg *x = a, *y = b;
    if (x->asset != y->asset)
        return x->asset < y->asset ? -1 : 1;
    return x->in < y->in ? -1 : x->in > y->in;
}

/* Keep the best segments that fit `target` seconds; returns the chosen
 * ones in source order. */
static void select_segments(const struct planner_asset *assets, seg_vec *all, double target,
                            seg_vec *out)
{
    struct seg **order = xcalloc(all->n ? all->n : 1, sizeof(*order));
    for (size_t i = 0; i < all->n; i++)
        order[i] = &all->v[i];
    qsort(order, all->n, sizeof(*order), cmp_score);
    double sum = 0;
    /* first pass: no two windows that continue each other (they would
     * merge into one long shot); second pass: fill what is left */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < all->n; i++) {
            struct seg *s = order[i];
            double len = s->out - s->in;
            if (s->chosen || sum + len > target + 0.01)
                continue;
            int adjacent = 0;
            for (size_t j = 0; pass == 0 && j < all->n; j++) {
                const struct seg *o = &all->v[j];
                adjacent |= o->chosen && o->asset == s->asset &&
                            (fabs(o->out - s->in) < 1e-6 || fabs(o->in - s->out) < 1e-6);
            }
            if (adjacent)
                continue;
            s->chosen = 1;
            sum += len;
        }
    double rem = target - sum;
    if (rem > 0.25) {
        for (size_t i = 0; i < all->n; i++) {
            struct seg *s = order[i];
            if (s->chosen || s->out - s->in <= rem)
                continue;
            s->out = s->talking ? trim_talking(&assets[s->asset], s->in, rem) : s->in + rem;
            s->chosen = 1;
            break;
        }
    }
    for (size_t i = 0; i < all->n; i++)
        if (all->v[i].chosen)
            VEC_PUSH(out, all->v[i]);
    free(order);
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), cmp_time);
    /* Still short (the candidates ran out): widen footage windows into the
     * unused source around them. Talk is not widened: that adds silence. */
    sum = 0;
    for (size_t i = 0; i < out->n; i++)
        sum += out->v[i].out - out->v[i].in;
    rem = target - sum;
    for (int side = 0; side < 2 && rem > 0.05; side++)
        for (size_t i = 0; i < out->n && rem > 0.05; i++) {
            struct seg *s = &out->v[i];
            if (s->talking || assets[s->asset].probe.kind != MEDIA_VIDEO)
                continue;
            int same_next = i + 1 < out->n && out->v[i + 1].asset == s->asset;
            int same_prev = i > 0 && out->v[i - 1].asset == s->asset;
            double room =
                side == 0
                    ? (same_next ? out->v[i + 1].in : asset_duration(&assets[s->asset])) - s->out
                    : s->in - (same_prev ? out->v[i - 1].out : 0);
            double grow = fmin(fmax(0, room), rem);
            if (grow <= 0)
                continue;
            if (side == 0)
                s->out += grow;
            else
                s->in -= grow;
            rem -= grow;
        }
}

/* ---- output geometry ---- */

static const double allowed_fps[] = {23.976, 24, 25, 29.97, 30, 50, 59.94, 60};

static double pick_fps(double src)
{
    if (src <= 0)
        return 30;
    double best = 30, bd = 1e9;
    for (size_t i = 0; i < ARRAY_SIZE(allowed_fps); i++)
        if (fabs(allowed_fps[i] - src) < bd) {
            bd = fabs(allowed_fps[i] - src);
            best = allowed_fps[i];
        }
    return best;
}

static void aspect_ratio(const char *aspect, int *a, int *b)
{
    *a = 16, *b = 9;
    if (!strcmp(aspect, "9:16"))
        *a = 9, *b = 16;
    else if (!strcmp(aspect, "1:1"))
        *a = 1, *b = 1;
    else if (!strcmp(aspect, "4:5"))
        *a = 4, *b = 5;
}

static const char *nearest_aspect(int w, int h)
{
    static const char *const names[] = {"16:9", "9:16", "1:1", "4:5"};
    static const double r[] = {16.0 / 9, 9.0 / 16, 1, 0.8};
    if (w <= 0 || h <= 0)
        return "16:9";
    double q = (double)w / h, bd = 1e9;
    const char *best = "16:9";
    for (size_t i = 0; i < 4; i++)
        if (fabs(log(q / r[i])) < bd) {
            bd = fabs(log(q / r[i]));
            best = names[i];
        }
    return best;
}

/* The largest a:b frame (even sides) that fits inside the source picture:
 * reframing crops, it never upscales. */
static void output_size(const char *aspect, int sw, int sh, int *w, int *h)
{
    int a, b;
    aspect_ratio(aspect, &a, &b);
    if (sw <= 0 || sh <= 0)
        sw = 1920, sh = 1080;
    long k = (long)fmin((double)sw / a, (double)sh / b);
    if ((a % 2 || b % 2) && k % 2)
        k--;
    while (k > 2 && (a * k < 16 || b * k < 16))
        break;
    if (a * k < 16 || b * k < 16) { /* tiny sources: smallest legal size */
        k = 1;
        while (a * k < 16 || b * k < 16 || (a * k) % 2 || (b * k) % 2)
            k++;
    }
    *w = (int)(a * k);
    *h = (int)(b * k);
}

/* Activity centre over [t0, t1) from analysis "activity": [{t, x, y, w}]. */
static int activity_focus(const json_t *analysis, double t0, double t1, double *fx, double *fy)
{
    const json_t *act = json_object_get(analysis, "activity");
    double sx = 0, sy = 0, sw = 0;
    size_t i;
    json_t *v;
    json_array_foreach(act, i, v)
    {
        double t = facts_num(v, "t", -1);
        if (t < t0 - 0.5 || t >= t1)
            continue;
        double w = facts_num(v, "w", 1);
        sx += w * facts_num(v, "x", 0.5);
        sy += w * facts_num(v, "y", 0.5);
        sw += w;
    }
    if (sw <= 1e-9)
        return 0;
    *fx = fmin(1, fmax(0, sx / sw));
    *fy = fmin(1, fmax(0, sy / sw));
    return 1;
}

/* ---- beats ---- */

static void beat_times(const struct planner_asset *music, double horizon, dbl_vec *out)
{
    const json_t *beats = json_object_get(music->analysis, "beats");
    const json_t *times = json_object_get(beats, "times");
    size_t i;
    json_t *v;
    json_array_foreach(times, i, v) if (json_is_number(v)) VEC_PUSH(out, json_number_value(v));
    double bpm = facts_num(beats, "bpm", 0);
    if (!out->n && bpm > 20 && bpm < 400) {
        double period = 60.0 / bpm;
        for (double t = 0; t < horizon; t += period)
            VEC_PUSH(out, t);
    }
    /* a looping bed repeats its beats */
    double md = asset_duration(music);
    size_t n0 = out->n;
    if (n0 && md > 1 && md < horizon)
        for (int r = 1; r * md < horizon + 1; r++)
            for (size_t k = 0; k < n0; k++)
                VEC_PUSH(out, out->v[k] + r * md);
}

/* Move each boundary between cuts to the nearest beat frame. */
static int snap_to_beats(seg_vec *cuts, const struct planner_asset *assets, double fps,
                         const dbl_vec *beats, long target_f)
{
    if (!beats->n || cuts->n < 2)
        return 0;
    long min_f = (long)ceil(0.4 * fps);
    long cur = 0;
    int snapped = 0;
    for (size_t i = 0; i + 1 < cuts->n; i++) {
        struct seg *s = &cuts->v[i];
        long end = cur + s->len_f;
        long src_max = (long)floor(asset_duration(&assets[s->asset]) * fps + 1e-6);
        long lo = -1, hi = -1;
        for (size_t k = 0; k < beats->n; k++) {
            long bf = lroundl(beats->v[k] * fps);
            if (bf < cur + min_f)
                continue;
            if (bf <= end && (lo < 0 || bf > lo))
                lo = bf;
            if (bf >= end && (hi < 0 || bf < hi))
                hi = bf;
        }
        int hi_ok = hi >= 0 && s->in_f + (hi - cur) <= src_max;
        if (s->talking && hi_ok && (hi - end) > 0.25 * fps)
            hi_ok = 0; /* lengthening talk adds silence */
        int lo_ok = lo >= 0;
        long pick = -1;
        if (lo_ok && hi_ok)
            pick = (end - lo <= hi - end) ? lo : hi;
        else if (lo_ok)
            pick = lo;
        else if (hi_ok)
            pick = hi;
        if (pick < 0) {
            cur = end;
            continue;
        }
        s->len_f = pick - cur;
        cur = pick;
        snapped++;
    }
    /* the last cut keeps the total where it was, if its source allows */
    struct seg *last = &cuts->v[cuts->n - 1];
    long src_max = (long)floor(asset_duration(&assets[last->asset]) * fps + 1e-6);
    long want = target_f - cur;
    int is_video = assets[last->asset].probe.kind == MEDIA_VIDEO;
    if (want >= min_f && (!is_video || last->in_f + want <= src_max))
        last->len_f = want;
    return snapped;
}

/* ---- building the plan ---- */

struct built {
    json_t *plan;
    double duration;
};

static const char *style_str(const json_t *style, const char *group, const char *key,
                             const char *def)
{
    const char *v = json_get_str(json_object_get(style, group), key, NULL);
    if (v)
        return v;
    if (!strcmp(key, "font"))
        return json_get_str(style, "font", def);
    return def;
}

static void params_defaults(struct rules_params *p, const struct planner_brief *b)
{
    memset(p, 0, sizeof(*p));
    p->brief = b;
    p->pace = b->pace == PACE_FAST ? 1 : b->pace == PACE_SLOW ? 3 : 2;
    p->loudness_lufs = facts_num(b->style, "loudness_lufs", -14);
    p->true_peak_dbtp = facts_num(b->style, "true_peak_dbtp", -1);
    const json_t *logo = json_object_get(b->style, "logo");
    snprintf(p->logo_position, sizeof(p->logo_position), "%s",
             b->logo_position[0] ? b->logo_position : json_get_str(logo, "position", "top-right"));
    p->logo_width = facts_num(logo, "width", 0.14);
    p->logo_margin = facts_num(logo, "margin", 0.04);
    snprintf(p->cap_color, sizeof(p->cap_color), "%s",
             style_str(b->style, "captions", "color", "#FFFFFF"));
    snprintf(p->cap_outline, sizeof(p->cap_outline), "%s",
             style_str(b->style, "captions", "outline", "#000000"));
    snprintf(p->cap_box, sizeof(p->cap_box), "%s", style_str(b->style, "captions", "box", ""));
    p->cap_size = facts_num(json_object_get(b->style, "captions"), "size", 0.055);
}

static json_t *jnum(double v)
{
    /* six decimals: readable plans, exact enough for frame times */
    return json_real(round(v * 1e6) / 1e6);
}

static json_t *color_or_null(const char *c)
{
    return c && *c ? json_string(c) : json_null();
}

static const struct planner_asset *pick_asset(const struct planner_asset *assets, size_t n,
                                              const char *label, const char *type)
{
    if (label)
        return planner_asset_find(assets, n, label);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(planner_asset_type(&assets[i]), type))
            return &assets[i];
    return NULL;
}

static const struct planner_asset *pick_logo(const struct planner_asset *assets, size_t n,
                                             const char *label)
{
    const struct planner_asset *a = pick_asset(assets, n, label, "logo");
    if (a || label)
        return a;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && strstr(assets[i].label, "logo"))
            return &assets[i];
    return NULL;
}

static const struct planner_asset *pick_music(const struct planner_asset *assets, size_t n,
                                              const char *label)
{
    const struct planner_asset *a = pick_asset(assets, n, label, "audio");
    if (a || label)
        return a;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_AUDIO)
            return &assets[i];
    return NULL;
}

/* The cuts for these params: the storyline and its facts. */
struct storyline {
    seg_vec cuts;
    double fps;
    int width, height;
    char aspect[8];
    int talking;
    int beats_snapped;
    double removed_s; /* talking footage: seconds of pauses and fillers cut */
    int from_words;   /* talking footage cut by transcript words (else speech regions) */
    long total_f;
};

static enum reel_code build_storyline(const struct rules_params *p,
                                      const struct planner_asset *assets, size_t n,
                                      const struct planner_asset *music, struct storyline *sl,
                                      struct reel_err *err)
{
    const struct planner_brief *b = p->brief;
    memset(sl, 0, sizeof(*sl));
    const struct planner_asset *first = NULL;
    for (size_t i = 0; i < n; i++)
        if (is_footage(&assets[i]) && !first)
            first = &assets[i];
    const struct planner_asset *first_pic = first;
    for (size_t i = 0; i < n && !first_pic; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && strcmp(planner_asset_type(&assets[i]), "logo"))
            first_pic = &assets[i];
    if (!first_pic)
        return reel_fail(err, REEL_EINVAL, "assets",
                         "nothing to put on the timeline: give at least one video or image");
    int sw = 0, sh = 0;
    media_display_size(&first_pic->probe, &sw, &sh);
    snprintf(sl->aspect, sizeof(sl->aspect), "%s",
             b->aspect[0] ? b->aspect : nearest_aspect(sw, sh));
    output_size(sl->aspect, sw, sh, &sl->width, &sl->height);
    sl->fps = pick_fps(first ? first->probe.fps : 30);

    seg_vec talk = VEC_INIT, other = VEC_INIT;
    double talk_total = 0, talk_src = 0, other_src = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_footage(&assets[i]))
            continue;
        if (is_talking(&assets[i])) {
            size_t before = talk.n;
            sl->from_words |= words_of(&assets[i]) != NULL;
            talking_segments(&assets[i], i, p->pace, &talk);
            for (size_t k = before; k < talk.n; k++)
                talk_total += talk.v[k].out - talk.v[k].in;
            talk_src += asset_duration(&assets[i]);
        } else {
            footage_segments(&assets[i], i, p->pace, &other);
            other_src += asset_duration(&assets[i]);
        }
    }
    sl->talking = talk.n > 0;
    /* no length asked: all the talk, or up to 30 s of the other footage */
    double target = b->duration > 0 ? b->duration : sl->talking ? talk_total : fmin(other_src, 30);
    seg_vec chosen = VEC_INIT;
    if (sl->talking) {
        select_segments(assets, &talk, target, &chosen);
        double sum = 0;
        for (size_t i = 0; i < chosen.n; i++)
            sum += chosen.v[i].out - chosen.v[i].in;
        sl->removed_s = talk_src - talk_total;
        if (sum < target - 0.5 && other.n) {
            /* not enough talk: b-roll after it */
            seg_vec more = VEC_INIT;
            select_segments(assets, &other, target - sum, &more);
            for (size_t i = 0; i < more.n; i++)
                VEC_PUSH(&chosen, more.v[i]);
            VEC_FREE(&more);
        }
    } else if (other.n) {
        select_segments(assets, &other, target, &chosen);
    }
    VEC_FREE(&talk);
    VEC_FREE(&other);

    /* Images: a slideshow when there is no footage, else fill a short edit. */
    double sum = 0;
    for (size_t i = 0; i < chosen.n; i++)
        sum += chosen.v[i].out - chosen.v[i].in;
    size_t nimg = 0;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && !strcmp(planner_asset_type(&assets[i]), "image"))
            nimg++;
    if (nimg && (!chosen.n || (b->duration > 0 && sum < b->duration - 0.5))) {
        double left = b->duration > 0 ? b->duration - sum : pace_window[p->pace] * nimg;
        double each = fmax(0.5, left / nimg);
        for (size_t i = 0; i < n && left > 0.25; i++) {
            if (assets[i].probe.kind != MEDIA_IMAGE ||
                strcmp(planner_asset_type(&assets[i]), "image"))
                continue;
            double d = fmin(each, left);
            VEC_PUSH(&chosen, ((struct seg){i, 0, d, 0, 0, 1, 0, 0}));
            left -= d;
        }
    }
    /* Clips too short for any window: play them whole. */
    for (size_t i = 0; i < n && !chosen.n; i++)
        if (is_footage(&assets[i]) && asset_duration(&assets[i]) > 0)
            VEC_PUSH(&chosen, ((struct seg){i, 0, asset_duration(&assets[i]), 0, 0, 1, 0, 0}));
    if (!chosen.n) {
        VEC_FREE(&chosen);
        return reel_fail(err, REEL_EINVAL, "assets", "no usable footage (no clip has a duration)");
    }
    /* Merge segments that continue each other in the same source. */
    seg_vec merged = VEC_INIT;
    for (size_t i = 0; i < chosen.n; i++) {
        struct seg *l = merged.n ? &merged.v[merged.n - 1] : NULL;
        if (l && l->asset == chosen.v[i].asset && fabs(l->out - chosen.v[i].in) < 1e-6 &&
            assets[l->asset].probe.kind == MEDIA_VIDEO)
            l->out = chosen.v[i].out;
        else
            VEC_PUSH(&merged, chosen.v[i]);
    }
    VEC_FREE(&chosen);
    /* Frame grid. */
    double fps = sl->fps;
    long total = 0;
    for (size_t i = 0; i < merged.n; i++) {
        struct seg *s = &merged.v[i];
        const struct planner_asset *a = &assets[s->asset];
        long src_max = (long)floor(asset_duration(a) * fps + 1e-6);
        s->in_f = a->probe.kind == MEDIA_VIDEO ? lround(s->in * fps) : 0;
        s->len_f = lround((s->out - s->in) * fps);
        if (s->len_f < 1)
            s->len_f = 1;
        if (a->probe.kind == MEDIA_VIDEO && s->in_f + s->len_f > src_max)
            s->len_f = src_max - s->in_f;
        total += s->len_f;
    }
    size_t w = 0;
    for (size_t i = 0; i < merged.n; i++)
        if (merged.v[i].len_f >= 1)
            merged.v[w++] = merged.v[i];
    merged.n = w;
    if (!merged.n) {
        VEC_FREE(&merged);
        return reel_fail(err, REEL_EINVAL, "assets", "no usable footage");
    }
    /* Beats. */
    if (music && music->analysis && p->brief->on_beat != 0) {
        dbl_vec beats = VEC_INIT;
        beat_times(music, total / fps + 2, &beats);
        sl->beats_snapped = snap_to_beats(&merged, assets, fps, &beats, total);
        VEC_FREE(&beats);
    }
    sl->total_f = 0;
    for (size_t i = 0; i < merged.n; i++)
        sl->total_f += merged.v[i].len_f;
    sl->cuts = merged;
    return REEL_OK;
}

static json_t *cuts_json(const struct storyline *sl, const struct planner_asset *assets,
                         int mute_other)
{
    json_t *arr = json_array();
    double fps = sl->fps;
    int a, b;
    aspect_ratio(sl->aspect, &a, &b);
    for (size_t i = 0; i < sl->cuts.n; i++) {
        const struct seg *s = &sl->cuts.v[i];
        const struct planner_asset *as = &assets[s->asset];
        json_t *op = json_object();
        char id[16];
        snprintf(id, sizeof(id), "c%zu", i + 1);
        json_object_set_new(op, "op", json_string("cut"));
        json_object_set_new(op, "id", json_string(id));
        json_object_set_new(op, "asset", json_string(as->label));
        if (as->probe.kind == MEDIA_VIDEO) {
            json_object_set_new(op, "in", jnum(s->in_f / fps));
            json_object_set_new(op, "out", jnum((s->in_f + s->len_f) / fps));
        } else {
            json_object_set_new(op, "duration", jnum(s->len_f / fps));
        }
        int sw, sh;
        media_display_size(&as->probe, &sw, &sh);
        double fx, fy;
        if (sw > 0 && sh > 0 && fabs(log(((double)sw / sh) / ((double)a / b))) > 0.02 &&
            activity_focus(as->analysis, s->in_f / fps, (s->in_f + s->len_f) / fps, &fx, &fy)) {
            json_t *f = json_object();
            json_object_set_new(f, "x", jnum(round(fx * 1000) / 1000));
            json_object_set_new(f, "y", jnum(round(fy * 1000) / 1000));
            json_object_set_new(op, "focus", f);
        }
        if (mute_other && !s->talking && as->probe.kind == MEDIA_VIDEO)
            json_object_set_new(op, "mute", json_true());
        json_array_append_new(arr, op);
    }
    return arr;
}

static json_t *text_style(const json_t *brand, const char *group, const char *color,
                          const char *outline, const char *box, double size)
{
    json_t *st = json_object();
    json_object_set_new(st, "font", json_string(style_str(brand, group, "font", "DejaVu Sans")));
    json_object_set_new(st, "size", jnum(size));
    json_object_set_new(st, "color", json_string(color));
    json_object_set_new(st, "outline", color_or_null(outline));
    json_object_set_new(st, "box", color_or_null(box));
    return st;
}

static json_t *captions_op(const struct rules_params *p, const struct storyline *sl)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("captions"));
    json_object_set_new(op, "id", json_string("captions"));
    json_object_set_new(op, "source", json_string("transcript"));
    json_object_set_new(op, "position", json_string("bottom"));
    json_t *st = text_style(p->brief->style, "captions", p->cap_color, p->cap_outline, p->cap_box,
                            p->cap_size);
    int maxc = p->cap_max_chars ? p->cap_max_chars
                                : (sl->width < sl->height    ? 24
                                   : sl->width == sl->height ? 30
                                                             : 38);
    json_object_set_new(st, "max_chars_per_line", json_integer(maxc));
    json_object_set_new(st, "max_lines", json_integer(2));
    const char *hl = style_str(p->brief->style, "captions", "highlight", NULL);
    if (hl)
        json_object_set_new(st, "highlight", json_string(hl));
    json_object_set_new(op, "style", st);
    return op;
}

static json_t *logo_op(const struct rules_params *p, const struct planner_asset *logo)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("overlay"));
    json_object_set_new(op, "id", json_string("logo"));
    json_object_set_new(op, "asset", json_string(logo->label));
    json_object_set_new(op, "start", jnum(0));
    json_object_set_new(op, "position", json_string(p->logo_position));
    json_object_set_new(op, "width", jnum(p->logo_width));
    json_object_set_new(op, "margin", jnum(p->logo_margin));
    json_object_set_new(op, "opacity",
                        jnum(facts_num(json_object_get(p->brief->style, "logo"), "opacity", 0.9)));
    return op;
}

/*
 * Fit a title into the title-safe area of a W x H frame: break it into at
 * most 3 lines at word boundaries so that each line, at `*size` (a fraction
 * of the height; DejaVu Sans averages about 0.6 em a character), stays
 * within 84% of the width, shrinking *size (not below 0.04) until it does.
 * Writes the text with '\n' between lines into out.
 */
static void fit_title(const char *text, double *size, int W, int H, struct buf *out)
{
    for (;;) {
        int maxc = (int)(0.84 * W / (0.6 * *size * H));
        if (maxc < 4)
            maxc = 4;
        buf_reset(out);
        int lines = 1, col = 0, fits = 1;
        const char *q = text;
        while (*q) {
            while (*q == ' ' || *q == '\n' || *q == '\t')
                q++;
            if (!*q)
                break;
            size_t wl = strcspn(q, " \n\t");
            int wchars = 0; /* characters, not bytes */
            for (size_t i = 0; i < wl; i++)
                wchars += ((unsigned char)q[i] & 0xC0) != 0x80;
            if (wchars > maxc)
                fits = 0;
            if (col && col + 1 + wchars > maxc) {
                buf_addch(out, '\n');
                lines++;
                col = 0;
            } else if (col) {
                buf_addch(out, ' ');
                col++;
            }
            buf_add(out, q, wl);
            col += wchars;
            q += wl;
        }
        if ((fits && lines <= 3) || *size <= 0.04)
            return;
        *size = fmax(0.04, *size * 0.85);
    }
}

static json_t *title_op(const struct rules_params *p, const char *title, double D, int W, int H)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("text"));
    json_object_set_new(op, "id", json_string("title"));
    double size = facts_num(json_object_get(p->brief->style, "title"), "size", 0.08);
    struct buf fitted = BUF_INIT;
    fit_title(title, &size, W > 0 ? W : 16, H > 0 ? H : 9, &fitted);
    json_object_set_new(op, "text", json_string(fitted.len ? fitted.buf : title));
    buf_release(&fitted);
    json_object_set_new(op, "start", jnum(0));
    json_object_set_new(op, "end", jnum(fmin(2.5, D * 0.5)));
    json_object_set_new(op, "position", json_string("center"));
    const json_t *pal = json_object_get(p->brief->style, "palette");
    const char *color =
        style_str(p->brief->style, "title", "color",
                  json_is_string(json_array_get(pal, 0)) ? json_string_value(json_array_get(pal, 0))
                                                         : "#FFFFFF");
    json_object_set_new(
        op, "style",
        text_style(p->brief->style, "title", color,
                   style_str(p->brief->style, "title", "outline", "#000000"),
                   style_str(p->brief->style, "title", "box", "#00000099"), size));
    return op;
}

/*
 * B-roll cutaways over talking footage: the talk keeps playing (its sound
 * carries on) while the picture cuts to a b-roll clip for a shot's length,
 * the way an editor covers an interview. One cutaway every other shot of the
 * pace, cycling through the b-roll clips; with music, each starts on a beat.
 */
static void broll_cutaways(const struct rules_params *p, const struct planner_asset *assets,
                           size_t n, const struct storyline *sl,
                           const struct planner_asset *music, json_t *ops)
{
    if (!sl->talking)
        return;
    size_t rolls[16], nrolls = 0;
    for (size_t i = 0; i < n && nrolls < ARRAY_SIZE(rolls); i++)
        if (is_footage(&assets[i]) && !is_talking(&assets[i]) && asset_duration(&assets[i]) >= 1)
            rolls[nrolls++] = i;
    if (!nrolls)
        return;
    double fps = sl->fps, D = sl->total_f / fps;
    double shot = pace_window[p->pace]; /* 1.6 fast, 3 medium, 5 slow */
    double len = fmin(shot, 3.0);
    int m = (int)floor((D - 1.0) / (2 * shot));
    if (m < 1 || D < len + 2)
        return;
    dbl_vec beats = VEC_INIT;
    if (music && music->analysis && p->brief->on_beat != 0)
        beat_times(music, D + 2, &beats);
    double prev_end = 0.5;
    for (int j = 0; j < m; j++) {
        const struct planner_asset *a = &assets[rolls[j % nrolls]];
        double t = (D - 1.0) * (j + 0.5) / m + 0.5 - len / 2;
        for (size_t k = 0; k < beats.n; k++) /* the nearest beat after the previous one */
            if (beats.v[k] > prev_end + 0.5 && fabs(beats.v[k] - t) < shot / 2) {
                t = beats.v[k];
                break;
            }
        double l = fmin(len, asset_duration(a) - 0.1);
        if (t < prev_end + 0.5 || t + l > D - 0.5 || l < 0.5)
            continue;
        double in = fmax(0, fmin(asset_duration(a) - l - 0.05, (asset_duration(a) - l) / 2));
        char id[16];
        snprintf(id, sizeof(id), "broll%d", j + 1);
        json_t *op = json_object();
        json_object_set_new(op, "op", json_string("overlay"));
        json_object_set_new(op, "id", json_string(id));
        json_object_set_new(op, "asset", json_string(a->label));
        json_object_set_new(op, "start", jnum(lround(t * fps) / fps));
        json_object_set_new(op, "end", jnum(lround((t + l) * fps) / fps));
        json_object_set_new(op, "in", jnum(lround(in * fps) / fps));
        json_object_set_new(op, "position", json_string("center"));
        json_object_set_new(op, "width", jnum(1));
        json_object_set_new(op, "margin", jnum(0));
        json_array_append_new(ops, op);
        prev_end = t + l;
    }
    VEC_FREE(&beats);
}

static json_t *build_plan(const struct rules_params *p, const struct planner_asset *assets,
                          size_t n, struct reel_err *err)
{
    const struct planner_brief *b = p->brief;
    const struct planner_asset *music = pick_music(assets, n, b->music);
    const struct planner_asset *logo = pick_logo(assets, n, b->logo);
    if (b->music && !music) {
        reel_fail(err, REEL_EINVAL, "--music", "no asset labelled '%s'", b->music);
        return NULL;
    }
    if (b->logo && !logo) {
        reel_fail(err, REEL_EINVAL, "--logo", "no asset labelled '%s'", b->logo);
        return NULL;
    }
    struct storyline sl;
    if (build_storyline(p, assets, n, music, &sl, err))
        return NULL;
    double D = sl.total_f / sl.fps;
    struct buf notes = BUF_INIT;
    buf_addf(&notes, "rules planner: %zu cut%s, %.2f s", sl.cuts.n, sl.cuts.n == 1 ? "" : "s", D);
    if (b->duration > 0)
        buf_addf(&notes, " (target %.2f s)", b->duration);
    if (sl.talking)
        buf_addf(&notes, "; talking footage cut by %s: %.1f s of pauses and fillers removed",
                 sl.from_words ? "transcript words" : "speech regions", sl.removed_s);
    if (music)
        buf_addf(&notes, "; music '%s'%s", music->label,
                 sl.beats_snapped ? ", cuts on its beats" : " (no beat facts: cuts not on beats)");

    json_t *plan = json_object();
    json_object_set_new(plan, "schema", json_string("reel.editplan/1"));
    const char *title = b->title;
    char deft[96];
    if (!title) {
        snprintf(deft, sizeof(deft), "Edit of %s",
                 sl.cuts.v[0].asset < n ? assets[sl.cuts.v[0].asset].label : "footage");
    }
    json_object_set_new(plan, "title", json_string(title ? title : deft));

    json_t *out = json_object();
    json_object_set_new(out, "width", json_integer(sl.width));
    json_object_set_new(out, "height", json_integer(sl.height));
    json_object_set_new(out, "fps", json_real(sl.fps));
    json_object_set_new(out, "aspect", json_string(sl.aspect));
    json_t *audio = json_object();
    json_object_set_new(audio, "loudness_lufs", jnum(p->loudness_lufs));
    json_object_set_new(audio, "true_peak_dbtp", jnum(p->true_peak_dbtp));
    json_object_set_new(out, "audio", audio);
    json_object_set_new(plan, "output", out);

    json_t *ops = cuts_json(&sl, assets, music != NULL);
    const struct planner_asset *lut = pick_asset(assets, n, NULL, "lut");
    if (lut) {
        json_t *op = json_object();
        json_object_set_new(op, "op", json_string("color"));
        json_object_set_new(op, "id", json_string("grade"));
        json_object_set_new(op, "lut", json_string(lut->label));
        json_array_append_new(ops, op);
    }
    broll_cutaways(p, assets, n, &sl, music, ops);
    if (logo)
        json_array_append_new(ops, logo_op(p, logo));
    if (b->title && D > 1)
        json_array_append_new(ops, title_op(p, b->title, D, sl.width, sl.height));
    if (b->captions > 0)
        json_array_append_new(ops, captions_op(p, &sl));
    if (music) {
        json_t *op = json_object();
        json_object_set_new(op, "op", json_string("audio"));
        json_object_set_new(op, "id", json_string("music"));
        json_object_set_new(op, "asset", json_string(music->label));
        json_object_set_new(op, "start", jnum(0));
        json_object_set_new(op, "volume_db", jnum(sl.talking ? -8 : 0));
        if (asset_duration(music) < D)
            json_object_set_new(op, "loop", json_true());
        json_object_set_new(op, "fade_out", jnum(fmin(1.5, D / 4)));
        if (sl.talking) {
            json_t *duck = json_object();
            json_object_set_new(duck, "under", json_string("speech"));
            json_object_set_new(duck, "amount_db", jnum(-12));
            json_object_set_new(op, "duck", duck);
        }
        json_array_append_new(ops, op);
    }
    if (D >= 2) {
        json_t *fi = json_object(), *fo = json_object();
        json_object_set_new(fi, "op", json_string("fade"));
        json_object_set_new(fi, "kind", json_string("in"));
        json_object_set_new(fi, "duration", jnum(0.3));
        json_object_set_new(fo, "op", json_string("fade"));
        json_object_set_new(fo, "kind", json_string("out"));
        json_object_set_new(fo, "duration", jnum(0.5));
        json_array_append_new(ops, fi);
        json_array_append_new(ops, fo);
    }
    json_object_set_new(plan, "operations", ops);

    /* the labels the plan uses, with their paths, so it renders on its own */
    json_t *amap = json_object();
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        const char *l = json_get_str(op, "asset", json_get_str(op, "lut", NULL));
        const struct planner_asset *a = planner_asset_find(assets, n, l);
        if (a && a->path)
            json_object_set_new(amap, a->label, json_string(a->path));
    }
    json_object_set_new(plan, "assets", amap);
    json_object_set_new(plan, "notes", json_string(notes.buf));
    buf_release(&notes);
    VEC_FREE(&sl.cuts);
    return plan;
}

enum reel_code rules_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const struct planner_opts *opts,
                          struct planner_result *res, struct reel_err *err)
{
    struct rules_params p;
    params_defaults(&p, brief);
    json_t *plan = build_plan(&p, assets, nassets, err);
    if (!plan)
        return err ? err->code : REEL_EINVAL;
    json_t *issues = NULL;
    int valid = planner_validate_plan(plan, assets, nassets, &issues);
    snprintf(res->model, sizeof(res->model), "rules");
    planner_result_add(res, plan, issues, valid, "rules");
    if (opts->recorder && opts->recorder->on_attempt)
        opts->recorder->on_attempt(opts->recorder->ctx, 1, plan, issues);
    if (!valid)
        return reel_fail(err, REEL_EINVAL, "plan",
                         "the rules planner wrote a plan that does not validate (%zu issues)",
                         json_array_size(issues));
    return REEL_OK;
}

/* ======================= revision ======================= */

static const char *const corners[] = {"top-right", "top-left", "bottom-right", "bottom-left"};

/* The first op of this kind (and id, when given). */
static json_t *find_op(json_t *plan, const char *kind, const char *id)
{
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_get_str(op, "op", ""), kind))
            continue;
        if (!id || !strcmp(json_get_str(op, "id", ""), id))
            return op;
    }
    return NULL;
}

static json_t *obj_child(json_t *o, const char *key)
{
    json_t *c = json_object_get(o, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(o, key, c);
    }
    return c;
}

/* A metric from an evaluation report, by any of its names. */
struct metric {
    const char *name;
    double score;
    int failed;
    const json_t *m;
    const json_t *evidence;
};
typedef VEC(struct metric) metric_vec;

static int metric_is(const char *name, const char *const *aliases)
{
    for (; *aliases; aliases++)
        if (strstr(name, *aliases))
            return 1;
    return 0;
}

static void collect_metrics(const json_t *report, metric_vec *out)
{
    const json_t *ms = json_object_get(report, "metrics");
    if (!ms)
        ms = report;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(ms)) {
        json_object_foreach((json_t *)ms, k, v)
        {
            if (!json_is_object(v))
                continue;
            VEC_PUSH(out, ((struct metric){k, 0, 0, v, NULL}));
        }
    } else if (json_is_array(ms)) {
        json_array_foreach(ms, i, v)
        {
            const char *name = json_get_str(v, "name", json_get_str(v, "metric", NULL));
            if (name)
                VEC_PUSH(out, ((struct metric){name, 0, 0, v, NULL}));
        }
    }
    for (size_t j = 0; j < out->n; j++) {
        struct metric *m = &out->v[j];
        m->score = facts_num(m->m, "score", 1);
        json_t *gate = json_object_get(m->m, "gate");
        json_t *passed = json_object_get(m->m, "passed");
        if (!passed)
            passed = json_object_get(m->m, "pass");
        if (json_is_object(gate))
            passed = json_object_get(gate, "passed");
        m->failed = m->score < 0.7 || json_is_false(passed) ||
                    (json_is_boolean(gate) && json_is_false(gate));
        m->evidence = json_object_get(m->m, "evidence");
        if (!m->evidence)
            m->evidence = m->m;
    }
}

/* Evidence numbers under any of the keys given. */
static double ev_num(const json_t *ev, const char *const *keys, double def)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(ev, *keys);
        if (json_is_number(v))
            return json_number_value(v);
    }
    return def;
}

static int fix_loudness(json_t *plan, const json_t *ev, struct buf *why)
{
    json_t *audio = obj_child(obj_child(plan, "output"), "audio");
    json_t *cur = json_object_get(audio, "loudness_lufs");
    double target = json_is_number(cur) ? json_number_value(cur) : -14;
    double tp = facts_num(audio, "true_peak_dbtp", -1);
    static const char *const measured_k[] = {"integrated_lufs", "measured_lufs", "lufs",
                                             "integrated", NULL};
    static const char *const target_k[] = {"target_lufs", "target", NULL};
    static const char *const peak_k[] = {"true_peak_dbtp", "true_peak", "peak_dbtp", NULL};
    double measured = ev_num(ev, measured_k, NAN);
    double want = ev_num(ev, target_k, target);
    double peak = ev_num(ev, peak_k, NAN);
    double nt = target, ntp = tp;
    if (!json_is_number(cur)) {
        nt = want; /* loudness was left as is: normalise */
    } else if (!isnan(measured) && fabs(measured - want) > 0.5) {
        nt = fmin(-8, fmax(-30, target + (want - measured))); /* compensate the miss */
    } else {
        nt = target - 1;
    }
    if (!isnan(peak) && peak > tp - 0.1)
        ntp = fmax(-6, tp - 1);
    else if (nt == target)
        ntp = fmax(-6, tp - 0.5);
    json_object_set_new(audio, "loudness_lufs", jnum(nt));
    json_object_set_new(audio, "true_peak_dbtp", jnum(ntp));
    buf_addf(why, "loudness target %.1f -> %.1f LUFS, true peak %.1f -> %.1f dBTP; ", target, nt,
             tp, ntp);
    return nt != target || ntp != tp;
}

/* Text the evaluation saw outside the title-safe area: smaller, re-broken
 * titles and narrower captions. Returns 1 when something changed. */
static int fix_title_safe(json_t *plan, const json_t *ev, struct buf *why)
{
    int text_unsafe = 0, cap_unsafe = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(ev, "items"), i, it)
    {
        if (!json_is_false(json_object_get(it, "in_title_safe")))
            continue;
        if (!strcmp(json_get_str(it, "kind", ""), "caption"))
            cap_unsafe = 1;
        else
            text_unsafe = 1;
    }
    const json_t *out = json_object_get(plan, "output");
    int W = (int)json_get_int(out, "width", 16), H = (int)json_get_int(out, "height", 9);
    int changed = 0;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *kind = json_get_str(op, "op", "");
        json_t *st = NULL;
        if ((text_unsafe && !strcmp(kind, "text")) || (cap_unsafe && !strcmp(kind, "captions")))
            st = obj_child(op, "style");
        if (text_unsafe && !strcmp(kind, "text") && json_is_string(json_object_get(op, "text"))) {
            double size = facts_num(st, "size", 0.08) * 0.8;
            struct buf t = BUF_INIT;
            fit_title(json_string_value(json_object_get(op, "text")), &size, W, H, &t);
            json_object_set_new(op, "text", json_string(t.buf));
            json_object_set_new(st, "size", jnum(size));
            buf_release(&t);
            changed = 1;
        } else if (cap_unsafe && !strcmp(kind, "captions")) {
            json_object_set_new(st, "size", jnum(fmax(0.035, facts_num(st, "size", 0.055) * 0.85)));
            int maxc = (int)json_get_int(st, "max_chars_per_line", 38);
            json_object_set_new(st, "max_chars_per_line", json_integer(maxc > 16 ? maxc - 6 : maxc));
            changed = 1;
        }
    }
    if (changed)
        buf_adds(why, "text moved inside the title-safe area: smaller, shorter lines; ");
    return changed;
}

static int fix_captions(json_t *plan, const struct rules_params *p, const json_t *ev,
                        struct buf *why)
{
    if (fix_title_safe(plan, ev, why))
        return 1;
    json_t *op = find_op(plan, "captions", NULL);
    if (!op) {
        struct storyline sl;
        memset(&sl, 0, sizeof(sl));
        json_t *out = json_object_get(plan, "output");
        sl.width = (int)json_get_int(out, "width", 16);
        sl.height = (int)json_get_int(out, "height", 9);
        json_array_append_new(json_object_get(plan, "operations"), captions_op(p, &sl));
        buf_adds(why, "added captions; ");
        return 1;
    }
    json_t *st = obj_child(op, "style");
    json_t *box = json_object_get(st, "box");
    if (!json_is_string(box)) {
        json_object_set_new(st, "box", json_string("#000000B3"));
        if (!json_is_string(json_object_get(st, "outline")))
            json_object_set_new(st, "outline", json_string("#000000"));
        buf_adds(why, "captions on a dark box for contrast; ");
        return 1;
    }
    if (strcasecmp(json_string_value(box), "#000000E6")) {
        json_object_set_new(st, "box", json_string("#000000E6"));
        json_object_set_new(st, "outline", json_string("#000000"));
        json_object_set_new(st, "color", json_string("#FFFFFF"));
        buf_adds(why, "captions: opaque box, white text, black outline; ");
        return 1;
    }
    double size = facts_num(st, "size", 0.055);
    json_object_set_new(st, "size", jnum(fmin(0.09, size + 0.01)));
    json_object_set_new(st, "color", json_string("#FFFF00"));
    int maxc = (int)json_get_int(st, "max_chars_per_line", 42);
    json_object_set_new(st, "max_chars_per_line", json_integer(maxc > 20 ? maxc - 6 : maxc));
    buf_adds(why, "captions: larger yellow text, shorter lines; ");
    return 1;
}

static int fix_logo(json_t *plan, const struct rules_params *p, const struct planner_asset *assets,
                    size_t n, const json_t *ev, struct buf *why)
{
    json_t *op = find_op(plan, "overlay", "logo");
    if (!op) {
        const struct planner_asset *logo = pick_logo(assets, n, p->brief->logo);
        if (!logo)
            return 0;
        json_array_append_new(json_object_get(plan, "operations"), logo_op(p, logo));
        buf_addf(why, "added the logo '%s' %s; ", logo->label, p->logo_position);
        return 1;
    }
    char pos[32]; /* a copy: the op's string is replaced below */
    snprintf(pos, sizeof(pos), "%s", json_get_str(op, "position", "center"));
    size_t k = 0;
    while (k < ARRAY_SIZE(corners) && strcmp(corners[k], pos))
        k++;
    const char *next = corners[k < ARRAY_SIZE(corners) ? (k + 1) % ARRAY_SIZE(corners) : 0];
    double width = facts_num(op, "width", 0.14), margin = facts_num(op, "margin", 0.03);
    json_object_set_new(op, "position", json_string(next));
    json_object_set_new(op, "margin", jnum(fmax(0.05, margin)));
    static const char *const small_k[] = {"too_small", "small", NULL};
    if (ev_num(ev, small_k, 0) > 0 || width < 0.1)
        json_object_set_new(op, "width", jnum(fmin(0.3, width + 0.04)));
    json_object_set_new(op, "opacity", jnum(1));
    buf_addf(why, "logo moved %s -> %s inside the safe area; ", pos, next);
    return 1;
}

static int fix_clarity(json_t *plan, const struct planner_asset *assets, size_t n, struct buf *why)
{
    json_t *out = obj_child(plan, "output");
    json_t *video = obj_child(out, "video");
    long crf = json_get_int(video, "crf", 20);
    int changed = 0;
    if (crf > 16) {
        json_object_set_new(video, "crf", json_integer(crf - 3));
        buf_addf(why, "crf %ld -> %ld; ", crf, crf - 3);
        changed = 1;
    }
    /* never larger than the sources */
    int maxw = 0, maxh = 0;
    for (size_t i = 0; i < n; i++)
        if (is_footage(&assets[i])) {
            int w, h;
            media_display_size(&assets[i].probe, &w, &h);
            maxw = w > maxw ? w : maxw;
            maxh = h > maxh ? h : maxh;
        }
    long w = json_get_int(out, "width", 0), h = json_get_int(out, "height", 0);
    if (maxw && w > maxw && h > 0) {
        const char *asp = json_get_str(out, "aspect", NULL);
        int nw, nh;
        output_size(asp ? asp : nearest_aspect((int)w, (int)h), maxw, maxh, &nw, &nh);
        json_object_set_new(out, "width", json_integer(nw));
        json_object_set_new(out, "height", json_integer(nh));
        buf_addf(why, "size %ldx%ld -> %dx%d (no upscaling); ", w, h, nw, nh);
        changed = 1;
    }
    return changed;
}

static int fix_retention(json_t *plan, const struct rules_params *p, struct buf *why)
{
    json_t *t = find_op(plan, "text", NULL);
    if (!t || facts_num(t, "start", 0) > 0.5) {
        const char *title =
            p->brief->title ? p->brief->title : json_get_str(plan, "title", "Watch this");
        const json_t *out = json_object_get(plan, "output");
        json_array_append_new(
            json_object_get(plan, "operations"),
            title_op(p, title, 6, (int)json_get_int(out, "width", 16),
                     (int)json_get_int(out, "height", 9)));
        buf_adds(why, "a title in the first seconds as a hook; ");
        return 1;
    }
    /* start later in the first clip: skip its slow opening */
    json_t *c = find_op(plan, "cut", NULL);
    double in = facts_num(c, "in", -1), out = facts_num(c, "out", -1);
    if (c && in >= 0 && out - in > 2) {
        json_object_set_new(c, "in", jnum(in + 1));
        buf_adds(why, "first clip starts 1 s later; ");
        return 1;
    }
    return 0;
}

static double mean_cut_length(const json_t *plan)
{
    size_t i, n = 0;
    json_t *op;
    double sum = 0;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_get_str(op, "op", ""), "cut"))
            continue;
        double d = json_is_number(json_object_get(op, "duration"))
                       ? facts_num(op, "duration", 0)
                       : facts_num(op, "out", 0) - facts_num(op, "in", 0);
        sum += d;
        n++;
    }
    return n ? sum / n : 0;
}

/* Shots of a plan: its cuts and its b-roll cutaways. */
static size_t shot_count(const json_t *plan)
{
    size_t i, n = 0;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *k = json_get_str(op, "op", "");
        n += !strcmp(k, "cut") ||
             (!strcmp(k, "overlay") && starts_with(json_get_str(op, "id", ""), "broll"));
    }
    return n;
}

/* Replace the cuts of `plan` with a new storyline at another pace; keep
 * the other operations, clipped to the new duration. */
static int replace_cuts(json_t *plan, struct rules_params *p, const struct planner_asset *assets,
                        size_t n, int faster, struct buf *why)
{
    double mean = mean_cut_length(plan);
    size_t shots = shot_count(plan);
    int cur = mean <= 1.2 ? 0 : mean <= 2.5 ? 1 : mean <= 4.5 ? 2 : 3;
    int next = faster ? cur - 1 : cur + 1;
    if (next < 0 || next > 3)
        return 0;
    p->pace = next;
    const struct planner_asset *music = pick_music(assets, n, p->brief->music);
    struct storyline sl;
    if (build_storyline(p, assets, n, music, &sl, NULL))
        return 0;
    json_t *cuts = cuts_json(&sl, assets, music != NULL);
    json_t *ops = json_array();
    json_array_extend(ops, cuts);
    /* the cutaways follow the new pace too */
    broll_cutaways(p, assets, n, &sl, music, ops);
    double D = sl.total_f / sl.fps;
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *k = json_get_str(op, "op", "");
        if (!strcmp(k, "cut") || !strcmp(k, "transition") ||
            (!strcmp(k, "overlay") && starts_with(json_get_str(op, "id", ""), "broll")))
            continue;
        if (facts_num(op, "start", 0) >= D - 0.05)
            continue;
        if (facts_num(op, "end", -1) > D)
            json_object_set_new(op, "end", json_null());
        json_array_append(ops, op);
    }
    json_object_set_new(plan, "operations", ops);
    buf_addf(why, "pace: %zu cuts, mean %.2f s -> %.2f s; ", sl.cuts.n, mean,
             sl.cuts.n ? D / sl.cuts.n : 0);
    json_decref(cuts);
    VEC_FREE(&sl.cuts);
    return mean_cut_length(plan) != mean || shot_count(plan) != shots;
}

/* Validation errors: drop or repair what each error points at. */
static int fix_validation(json_t *plan, const json_t *errors, const struct planner_asset *assets,
                          size_t n, struct buf *why)
{
    int changed = 0;
    json_t *ops = json_object_get(plan, "operations");
    VEC(size_t) drop = VEC_INIT;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *path = json_get_str(e, "path", "");
        const char *code = json_get_str(e, "code", "");
        unsigned long idx;
        int used = 0;
        if (sscanf(path, "$.operations[%lu]%n", &idx, &used) >= 1 && used > 0 &&
            idx < json_array_size(ops)) {
            json_t *op = json_array_get(ops, idx);
            const char *rest = path + used;
            const char *kind = json_get_str(op, "op", "");
            const struct planner_asset *a =
                planner_asset_find(assets, n, json_get_str(op, "asset", NULL));
            if (!strcmp(kind, "cut") && a && a->probe.kind == MEDIA_VIDEO &&
                (!strcmp(code, "out_of_range") || !strcmp(code, "past_end")) &&
                (!strcmp(rest, ".out") || !strcmp(rest, ".in"))) {
                double d = asset_duration(a);
                double in = fmax(0, fmin(facts_num(op, "in", 0), d - 0.5));
                double out = fmin(facts_num(op, "out", d), d);
                if (out <= in)
                    out = fmin(d, in + 1);
                json_object_set_new(op, "in", jnum(in));
                json_object_set_new(op, "out", jnum(out));
                buf_addf(why, "%s clamped to the asset; ", path);
                changed = 1;
            } else if (!strcmp(code, "unknown_key") && rest[0] == '.') {
                /* the last key of the path */
                const char *key = strrchr(rest, '.') + 1;
                char parent[160];
                snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(rest, '.') - rest), rest);
                json_t *obj = op;
                if (parent[0] == '.')
                    obj = json_object_get(op, parent + 1);
                if (json_is_object(obj) && !json_object_del(obj, key)) {
                    buf_addf(why, "removed unknown key %s; ", path);
                    changed = 1;
                }
            } else {
                VEC_PUSH(&drop, (size_t)idx);
            }
        } else if (starts_with(path, "$.output.")) {
            /* back to the default for that field */
            char key[64];
            snprintf(key, sizeof(key), "%s", path + 9);
            char *dot = strchr(key, '.');
            json_t *out = json_object_get(plan, "output");
            if (dot) {
                *dot = 0;
                out = json_object_get(out, key);
                memmove(key, dot + 1, strlen(dot + 1) + 1);
                dot = strchr(key, '.');
                if (dot)
                    *dot = 0;
            }
            if (json_is_object(out) && !json_object_del(out, key)) {
                buf_addf(why, "%s back to its default; ", path);
                changed = 1;
            }
        }
    }
    /* drop from the end so indexes stay right; never every cut */
    for (size_t k = drop.n; k-- > 0;) {
        size_t idx = drop.v[k];
        int dup = 0;
        for (size_t j = k + 1; j < drop.n; j++)
            dup |= drop.v[j] == idx;
        json_t *op = json_array_get(ops, idx);
        if (dup || !op)
            continue;
        if (!strcmp(json_get_str(op, "op", ""), "cut")) {
            size_t ncuts = 0, j;
            json_t *o2;
            json_array_foreach(ops, j, o2) ncuts += !strcmp(json_get_str(o2, "op", ""), "cut");
            if (ncuts <= 1)
                continue;
        }
        buf_addf(why, "dropped $.operations[%zu] (%s); ", idx, json_get_str(op, "op", "?"));
        json_array_remove(ops, idx);
        changed = 1;
    }
    VEC_FREE(&drop);
    return changed;
}

/* FFmpeg rejected the render: remove what its stderr points at. */
static int fix_render(json_t *plan, const json_t *lines, struct buf *why)
{
    struct buf all = BUF_INIT;
    size_t i;
    json_t *l;
    if (json_is_string(lines))
        buf_adds(&all, json_string_value(lines));
    json_array_foreach(lines, i, l) if (json_is_string(l))
    {
        buf_adds(&all, json_string_value(l));
        buf_addch(&all, '\n');
    }
    for (char *c = all.buf; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    static const struct {
        const char *needle, *kind;
    } map[] = {
        {"xfade", "transition"},   {"lut3d", "color"},     {"drawtext", "text"},
        {"subtitles", "captions"}, {"ass", "captions"},    {"font", "text"},
        {"amix", "audio"},         {"sidechain", "audio"}, {"overlay", "overlay"},
    };
    int changed = 0;
    json_t *ops = json_object_get(plan, "operations");
    for (size_t m = 0; m < ARRAY_SIZE(map) && !changed; m++) {
        if (!strstr(all.buf, map[m].needle))
            continue;
        if (!strcmp(map[m].kind, "text") || !strcmp(map[m].kind, "captions")) {
            /* first try the safe font, then drop the op */
            json_array_foreach(ops, i, l)
            {
                const char *k = json_get_str(l, "op", "");
                if (strcmp(k, "text") && strcmp(k, "captions"))
                    continue;
                json_t *st = obj_child(l, "style");
                if (strcmp(json_get_str(st, "font", ""), "DejaVu Sans")) {
                    json_object_set_new(st, "font", json_string("DejaVu Sans"));
                    changed = 1;
                }
                if (json_is_string(json_object_get(st, "highlight"))) {
                    json_object_set_new(st, "highlight", json_null());
                    changed = 1;
                }
            }
            if (changed) {
                buf_adds(why, "text back to DejaVu Sans without highlight (ffmpeg stderr); ");
                break;
            }
        }
        if (!strcmp(map[m].kind, "audio")) {
            json_array_foreach(ops, i, l) if (json_object_get(l, "duck") &&
                                              !json_is_null(json_object_get(l, "duck")))
            {
                json_object_set_new(l, "duck", json_null());
                changed = 1;
            }
            if (changed) {
                buf_adds(why, "music ducking removed (ffmpeg stderr); ");
                break;
            }
        }
        for (size_t k = json_array_size(ops); k-- > 0;) {
            json_t *op = json_array_get(ops, k);
            if (!strcmp(json_get_str(op, "op", ""), map[m].kind)) {
                buf_addf(why, "dropped the %s at $.operations[%zu] (ffmpeg stderr: %s); ",
                         map[m].kind, k, map[m].needle);
                json_array_remove(ops, k);
                changed = 1;
            }
        }
    }
    if (!changed) {
        /* unknown failure: the simplest plan that keeps the storyline */
        for (size_t k = json_array_size(ops); k-- > 0;) {
            const char *kd = json_get_str(json_array_get(ops, k), "op", "");
            if (!strcmp(kd, "transition") || !strcmp(kd, "color")) {
                json_array_remove(ops, k);
                changed = 1;
            }
        }
        if (changed)
            buf_adds(why, "transitions and grading removed (ffmpeg failed); ");
    }
    buf_release(&all);
    return changed;
}

static void append_notes(json_t *plan, const char *why)
{
    struct buf n = BUF_INIT;
    const char *old = json_get_str(plan, "notes", NULL);
    if (old) {
        buf_adds(&n, old);
        buf_adds(&n, "\n");
    }
    buf_addf(&n, "revision: %s", why);
    buf_trim_end(&n);
    if (n.len > 4000)
        buf_setlen(&n, 4000);
    json_object_set_new(plan, "notes", json_string(n.buf));
    buf_release(&n);
}

enum reel_code rules_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                            size_t nassets, const json_t *previous, const json_t *feedback,
                            const struct planner_opts *opts, struct planner_result *res,
                            struct reel_err *err)
{
    struct rules_params p;
    params_defaults(&p, brief);
    json_t *plan = json_deep_copy(previous);
    struct buf why = BUF_INIT;
    int changed = 0;

    const json_t *verrs = json_object_get(feedback, "validation_errors");
    if (json_is_array(verrs) && json_array_size(verrs))
        changed |= fix_validation(plan, verrs, assets, nassets, &why);
    const json_t *stderr_lines = json_object_get(feedback, "ffmpeg_stderr");
    if (stderr_lines && !json_is_null(stderr_lines))
        changed |= fix_render(plan, stderr_lines, &why);

    const json_t *report = json_object_get(feedback, "evaluation");
    if (report) {
        metric_vec ms = VEC_INIT;
        collect_metrics(report, &ms);
        static const char *const loud[] = {"watch", "loud", "audio", NULL};
        static const char *const punch[] = {"punch", "pace", "cut", NULL};
        static const char *const capt[] = {"caption", "readab", "subtitle", NULL};
        static const char *const brand[] = {"brand", "logo", NULL};
        static const char *const clar[] = {"clarity", "resolution", NULL};
        static const char *const ret[] = {"retention", "hook", NULL};
        for (size_t i = 0; i < ms.n; i++) {
            const struct metric *m = &ms.v[i];
            if (!m->failed)
                continue;
            if (metric_is(m->name, loud))
                changed |= fix_loudness(plan, m->evidence, &why);
            else if (metric_is(m->name, punch)) {
                static const char *const have_k[] = {"cuts_per_minute", "cut_density",
                                                     "cuts_per_min", NULL};
                static const char *const want_k[] = {"target_cuts_per_minute", "target", "expected",
                                                     NULL};
                double have = ev_num(m->evidence, have_k, NAN);
                double want = ev_num(m->evidence, want_k, NAN);
                const char *dir = json_get_str(m->evidence, "direction", NULL);
                int faster = 1;
                if (dir)
                    faster = !strcmp(dir, "more") || !strcmp(dir, "faster");
                else if (!isnan(have) && !isnan(want))
                    faster = have < want;
                changed |= replace_cuts(plan, &p, assets, nassets, faster, &why);
            } else if (metric_is(m->name, capt))
                changed |= fix_captions(plan, &p, m->evidence, &why);
            else if (metric_is(m->name, brand))
                changed |= fix_logo(plan, &p, assets, nassets, m->evidence, &why);
            else if (metric_is(m->name, clar))
                changed |= fix_clarity(plan, assets, nassets, &why);
            else if (metric_is(m->name, ret))
                changed |= fix_retention(plan, &p, &why);
        }
        VEC_FREE(&ms);
    }

    json_t *issues = NULL;
    int valid = changed && planner_validate_plan(plan, assets, nassets, &issues);
    if (!valid) {
        /* the edit did not give a valid, different plan: a fresh one */
        json_decref(issues);
        issues = NULL;
        json_t *fresh = build_plan(&p, assets, nassets, err);
        if (fresh && json_equal(fresh, previous)) {
            p.pace = p.pace > 0 ? p.pace - 1 : p.pace + 1;
            json_decref(fresh);
            fresh = build_plan(&p, assets, nassets, err);
        }
        if (!fresh) {
            json_decref(plan);
            buf_release(&why);
            return err ? err->code : REEL_EINVAL;
        }
        json_decref(plan);
        plan = fresh;
        buf_adds(&why, changed ? "edits did not validate: planned afresh; "
                               : "nothing in the feedback to act on: planned afresh; ");
        valid = planner_validate_plan(plan, assets, nassets, &issues);
    }
    append_notes(plan, why.buf);
    buf_release(&why);
    snprintf(res->model, sizeof(res->model), "rules");
    struct planner_attempt *a = planner_result_add(res, plan, issues, valid, "rules");
    a->feedback = json_deep_copy(feedback);
    if (opts->recorder && opts->recorder->on_attempt)
        opts->recorder->on_attempt(opts->recorder->ctx, 1, plan, a->issues);
    if (!valid)
        return reel_fail(err, REEL_EINVAL, "plan", "the revised plan does not validate");
    return REEL_OK;
}
