/*
 * Punchiness: cut density against the brief's pace, and how many cuts land
 * on a musical beat (within one frame).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define BEAT_SHARE_MIN 0.6

struct pace {
    const char *name;
    double lo, hi; /* mean shot length, seconds */
};
static const struct pace paces[] = {
    {"fast", 0.8, 2.5},
    {"medium", 2.0, 5.0},
    {"slow", 4.0, 10.0},
};

static const struct pace *pace_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(paces); i++)
        if (name && !strcmp(paces[i].name, name))
            return &paces[i];
    return &paces[1];
}

void metric_punchiness(struct eval_ctx *c, struct metric_out *m)
{
    json_t *ev = m->evidence;
    m->applicable = 1;
    long *cuts = NULL;
    size_t nc = find_cuts(c, &cuts);
    double *ct = xmalloc((nc + 1) * sizeof(double));
    for (size_t i = 0; i < nc; i++)
        ct[i] = c->frames.v[cuts[i]].t;
    double D = c->duration > 0 ? c->duration : (c->frames.n ? c->frames.v[c->frames.n - 1].t : 0);
    double fps = c->fps > 0 ? c->fps : 30;

    /* what the plan meant */
    double *pt = NULL;
    size_t np = plan_cut_times(c->plan, &pt, NULL);
    /* cuts the footage itself holds (a trailer, a pre-cut clip) where the plan
     * has none: the viewer sees them (they count for the pace), but the plan
     * did not place them, so they are not held against the beat. Only a cut
     * off the beat is looked for in the source (a seek and a decode each). */
    double tol = 1.0 / fps + 0.002;
    /* each cut's offset to its nearest beat (beat - cut; 1e9 without beats) */
    double *near = xmalloc((nc + 1) * sizeof(double));
    for (size_t i = 0; i < nc; i++) {
        near[i] = 1e9;
        for (size_t k = 0; k < c->nbeats; k++)
            if (fabs(c->beats[k] - ct[i]) < fabs(near[i]))
                near[i] = c->beats[k] - ct[i];
    }
    char *own = xcalloc(nc + 1, 1);
    json_t *src_cuts = json_array();
    size_t nown = 0;
    for (size_t i = 0; i < nc; i++) {
        int planned = 0;
        for (size_t k = 1; k < np; k++)
            if (fabs(pt[k] - ct[i]) <= 2.0 / fps)
                planned = 1;
        if (!planned && c->nbeats > 0 && fabs(near[i]) > tol &&
            source_cuts_at(c, ct[i], c->frames.v[cuts[i]].diff)) {
            own[i] = 1, nown++;
            json_array_append_new(src_cuts, json_round(ct[i], 3));
        }
    }
    free(cuts);

    const struct pace *pace = pace_find(c->opts ? c->opts->pace : NULL);
    double msl = D / (double)(nc + 1);
    double density;
    if (msl >= pace->lo && msl <= pace->hi)
        density = 1;
    else
        density = exp(-1.5 * fabs(log(msl / (msl < pace->lo ? pace->lo : pace->hi))));
    json_object_set_new(ev, "cuts", json_times(ct, nc, 200));
    json_object_set_new(ev, "cut_count", json_integer((json_int_t)nc));
    json_object_set_new(ev, "mean_shot_s", json_round(msl, 3));
    json_object_set_new(ev, "pace", json_string(pace->name));
    json_object_set_new(ev, "target_shot_s", json_pack("[f, f]", pace->lo, pace->hi));
    json_object_set_new(ev, "cuts_per_minute", json_round(D > 0 ? nc * 60.0 / D : 0, 2));

    json_object_set_new(ev, "source_cuts", src_cuts);
    json_object_set_new(ev, "planned_cuts", json_times(np > 1 ? pt + 1 : pt, np > 1 ? np - 1 : 0, 200));
    free(pt);

    if (density < 1) {
        if (msl > pace->hi)
            advise(m, "shots average %.1f s, long for a %s pace (%.1f-%.1f s): cut more often "
                      "(about %d cuts for %.0f s)",
                   msl, pace->name, pace->lo, pace->hi, (int)ceil(D / pace->hi) - 1, D);
        else
            advise(m, "shots average %.1f s, short for a %s pace (%.1f-%.1f s): hold shots longer",
                   msl, pace->name, pace->lo, pace->hi);
    }

    double beat_score = -1, share = -1;
    int beats_gate = 1;
    json_object_set_new(ev, "beats_source", json_string(c->beats_source));
    if (c->nbeats > 0) {
        json_object_set_new(ev, "music", json_string(c->music_label ? c->music_label : ""));
        json_object_set_new(ev, "bpm", json_round(c->bpm, 1));
        json_object_set_new(ev, "beat_count", json_integer((json_int_t)c->nbeats));
        json_object_set_new(ev, "beats", json_times(c->beats, c->nbeats, 64));
        size_t on = 0;
        json_t *offs = json_array();
        struct buf off_list = BUF_INIT;
        for (size_t i = 0; i < nc; i++) {
            if (own[i]) {
                json_array_append_new(offs, json_null());
                continue;
            }
            double best = near[i];
            json_array_append_new(offs, json_round(-best * 1000, 1));
            if (fabs(best) <= tol)
                on++;
            else if (off_list.len < 300)
                buf_addf(&off_list, "%s%.2f s (nearest beat %.2f s)", off_list.len ? ", " : "",
                         ct[i], ct[i] + best);
        }
        json_object_set_new(ev, "cut_offsets_ms", offs);
        size_t held = nc - nown; /* the cuts held to the beat */
        if (held > 0) {
            share = (double)on / held;
            beat_score = clamp01(share / 0.8);
            beats_gate = share >= BEAT_SHARE_MIN;
            json_object_set_new(ev, "on_beat_share", json_round(share, 3));
            if (!beats_gate || share < 1)
                advise(m, "%zu of %zu cuts are off the beat: move %s", held - on, held, off_list.buf);
        }
        buf_release(&off_list);
    }
    free(ct);
    free(own);
    free(near);
    m->score = beat_score >= 0 ? 0.5 * density + 0.5 * beat_score : density;
    m->gate = density >= 0.5 && beats_gate;
    json_object_set_new(m->threshold, "min_density_score", json_real(0.5));
    json_object_set_new(m->threshold, "min_on_beat_share", json_real(BEAT_SHARE_MIN));
    json_object_set_new(m->threshold, "beat_tolerance_s", json_round(1.0 / fps, 4));
    json_object_set_new(ev, "density_score", json_round(density, 3));
}
