/* The rules planner: the music's beats and snapping cut boundaries to them. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/rules_internal.h"
#include "core/banned.h"

/* ---- beats ---- */

void rules_beat_times(const struct planner_asset *music, double horizon, dbl_vec *out)
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
    double md = rules_asset_duration(music);
    size_t n0 = out->n;
    if (n0 && md > 1 && md < horizon)
        for (int r = 1; r * md < horizon + 1; r++)
            for (size_t k = 0; k < n0; k++)
                VEC_PUSH(out, out->v[k] + r * md);
}

/* Move each boundary between cuts to the nearest beat frame. */
int rules_snap_to_beats(seg_vec *cuts, const struct planner_asset *assets, double fps,
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
        long src_max = (long)floor(rules_asset_duration(&assets[s->asset]) * fps + 1e-6);
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
    long src_max = (long)floor(rules_asset_duration(&assets[last->asset]) * fps + 1e-6);
    long want = target_f - cur;
    int is_video = assets[last->asset].probe.kind == MEDIA_VIDEO;
    if (want >= min_f && is_video && last->in_f + want > src_max && src_max - want >= 0)
        last->in_f = src_max - want; /* start it earlier in its source */
    if (want >= min_f && (!is_video || last->in_f + want <= src_max))
        last->len_f = want;
    return snapped;
}
