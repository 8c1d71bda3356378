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

#include "planner/rules_internal.h"
#include "core/banned.h"

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

double rules_asset_duration(const struct planner_asset *a)
{
    if (a->probe.duration > 0)
        return a->probe.duration;
    return facts_num(json_object_get(a->analysis, "probe"), "duration", 0);
}

int rules_is_footage(const struct planner_asset *a)
{
    const char *t = planner_asset_type(a);
    return a->probe.kind == MEDIA_VIDEO && (!strcmp(t, "raw_footage") || !strcmp(t, "b-roll"));
}

const json_t *rules_words_of(const struct planner_asset *a)
{
    const json_t *w = json_object_get(a->transcript, "words");
    return json_is_array(w) && json_array_size(w) ? w : NULL;
}

#define TALK_WORDS_SHARE 0.15 /* of the clip's time inside words */

int rules_is_talking(const struct planner_asset *a)
{
    if (!strcmp(planner_asset_type(a), "b-roll"))
        return 0;
    /* A few words heard in a film's music or a yawn are not a talking clip
     * (bbb: "forgot the cockpit", 2.6 s of 30 s, became a 3.5 s "talk"
     * edit for a 20 s brief): the words must fill a share of the clip,
     * unless they are the user's script. */
    const json_t *words = rules_words_of(a);
    if (words) {
        if (!strcmp(json_get_str(a->transcript, "source", "speech"), "script"))
            return 1;
        double said = 0, d = rules_asset_duration(a);
        size_t i;
        const json_t *w;
        json_array_foreach(words, i, w)
        {
            double ws = json_get_num(w, "start", 0), we = json_get_num(w, "end", 0);
            if (we > ws)
                said += we - ws;
        }
        if (d <= 0 || said >= TALK_WORDS_SHARE * d)
            return 1;
    }
    ival_vec sp = VEC_INIT;
    intervals(json_object_get(a->analysis, "speech"), &sp);
    double d = rules_asset_duration(a), s = overlap(&sp, 0, d > 0 ? d : 1e9);
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
void rules_talking_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out)
{
    double dur = rules_asset_duration(a);
    double lim = dur > 0 ? dur : 1e9;
    ival_vec raw = VEC_INIT, keep = VEC_INIT;
    const json_t *words = rules_words_of(a);
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
void rules_footage_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out)
{
    double dur = rules_asset_duration(a);
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
    const json_t *words = rules_words_of(a);
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
void rules_select_segments(const struct planner_asset *assets, seg_vec *all, double target,
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
            double room = side == 0 ? (same_next ? out->v[i + 1].in
                                                 : rules_asset_duration(&assets[s->asset])) -
                                          s->out
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

double rules_pick_fps(double src)
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

void rules_aspect_ratio(const char *aspect, int *a, int *b)
{
    *a = 16, *b = 9;
    if (!strcmp(aspect, "9:16"))
        *a = 9, *b = 16;
    else if (!strcmp(aspect, "1:1"))
        *a = 1, *b = 1;
    else if (!strcmp(aspect, "4:5"))
        *a = 4, *b = 5;
}

const char *rules_nearest_aspect(int w, int h)
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
void rules_output_size(const char *aspect, int sw, int sh, int *w, int *h)
{
    int a, b;
    rules_aspect_ratio(aspect, &a, &b);
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
int rules_activity_focus(const json_t *analysis, double t0, double t1, double *fx, double *fy)
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
