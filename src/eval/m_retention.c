/*
 * Retention: the hook (a cut, motion, speech or a title in the first 3 s),
 * shot-length spread, and dead air (silence over a static picture).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define HOOK_S 3.0
/* local_motion (the most any twelfth of the frame moved, 0..255) that
 * counts as motion, and under which the picture stands still: a frozen or
 * still picture measures 0-0.05, a slow camera move over grass 0.8-1.2,
 * a person walking 2-5 (docs/eval.md) */
#define MOTION_LEVEL 0.6
#define STATIC_LEVEL 0.4
#define SILENT_DB -50.0
#define DEAD_AIR_MAX_S 2.0

static int silent_at(const struct eval_ctx *c, double t)
{
    if (!c->blocks.n)
        return 1; /* no sound at all */
    /* blocks are 100 ms, in order */
    size_t lo = 0, hi = c->blocks.n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (c->blocks.v[mid].t <= t)
            lo = mid;
        else
            hi = mid;
    }
    return c->blocks.v[lo].rms_db < SILENT_DB;
}

static double first_speech(const json_t *tr)
{
    if (!tr)
        return -1;
    const json_t *words = json_is_array(tr) ? tr : json_object_get(tr, "words");
    if (!json_is_array(words))
        words = json_object_get(tr, "segments");
    double first = -1;
    size_t i;
    const json_t *w;
    json_array_foreach(words, i, w)
    {
        double s = json_get_num(w, "start", -1);
        if (s >= 0 && (first < 0 || s < first))
            first = s;
    }
    return first;
}

void metric_retention(struct eval_ctx *c, struct metric_out *m)
{
    json_t *ev = m->evidence;
    m->applicable = 1;
    double D = c->duration > 0 ? c->duration : (c->frames.n ? c->frames.v[c->frames.n - 1].t : 0);
    long *cuts = NULL;
    size_t nc = find_cuts(c, &cuts);

    /* hook */
    double first_cut = -1;
    for (size_t i = 0; i < nc; i++) {
        double t = c->frames.v[cuts[i]].t;
        if (t > 0.05) {
            first_cut = t;
            break;
        }
    }
    size_t moving = 0, early = 0;
    double first_motion = -1;
    for (size_t i = 1; i < c->frames.n; i++) {
        const struct frame_rec *f = &c->frames.v[i];
        if (f->t >= HOOK_S)
            break;
        int is_cut = 0;
        for (size_t k = 0; k < nc; k++)
            if (cuts[k] == (long)i)
                is_cut = 1;
        early++;
        if (!is_cut && local_motion(c, i) >= MOTION_LEVEL) {
            moving++;
            if (first_motion < 0)
                first_motion = f->t;
        }
    }
    double motion_share = early ? (double)moving / early : 0;
    double first_title = -1;
    for (size_t i = 0; i < c->ntexts; i++)
        if (c->texts[i].start < HOOK_S && (first_title < 0 || c->texts[i].start < first_title))
            first_title = c->texts[i].start;
    double speech = first_speech(c->opts ? c->opts->transcript : NULL);
    int hook_cut = first_cut >= 0 && first_cut <= HOOK_S;
    int hook_motion = motion_share >= 0.25;
    int hook_title = first_title >= 0;
    int hook_speech = speech >= 0 && speech < HOOK_S;
    int hook = hook_cut || hook_motion || hook_title || hook_speech;
    json_object_set_new(
        ev, "hook",
        json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "found", hook, "first_cut_s",
                  first_cut >= 0 ? json_round(first_cut, 3) : json_null(), "motion_share_3s",
                  json_round(motion_share, 3), "first_motion_s",
                  first_motion >= 0 ? json_round(first_motion, 3) : json_null(), "title_at_s",
                  first_title >= 0 ? json_round(first_title, 3) : json_null(), "speech_at_s",
                  speech >= 0 ? json_round(speech, 3) : json_null()));
    if (!hook)
        advise(m, "nothing happens in the first %.0f s (no cut, no motion, no title, no speech): "
                  "open on action, cut within %.0f s or put a title up at 0 s",
               HOOK_S, HOOK_S);

    /* shot-length spread */
    size_t nshots = nc + 1;
    double *len = xmalloc(nshots * sizeof(double));
    double prev = 0;
    for (size_t i = 0; i < nc; i++) {
        double t = c->frames.v[cuts[i]].t;
        len[i] = t - prev;
        prev = t;
    }
    len[nc] = D - prev;
    double mean = 0, var = 0;
    for (size_t i = 0; i < nshots; i++)
        mean += len[i];
    mean /= nshots;
    for (size_t i = 0; i < nshots; i++)
        var += (len[i] - mean) * (len[i] - mean);
    var /= nshots;
    double cv = mean > 0 ? sqrt(var) / mean : 0;
    double spread = nshots < 3 ? 0.8 : cv < 0.15 ? 0.5 + 0.5 * cv / 0.15 : cv <= 1.0 ? 1 : fmax(0.3, 1 - (cv - 1) / 2);
    json_object_set_new(ev, "shot_lengths_s", json_times(len, nshots, 200));
    json_object_set_new(ev, "shot_length_cv", json_round(cv, 3));
    if (nshots >= 3 && cv < 0.15)
        advise(m, "every shot lasts about %.1f s: vary shot lengths to keep attention", mean);
    free(len);
    free(cuts);

    /* dead air: silence over a picture that stands still, 1 s or longer */
    json_t *dead = json_array();
    double dead_total = 0, dead_max = 0, run_start = -1;
    for (size_t i = 1; i <= c->frames.n; i++) {
        int d = 0;
        double t = i < c->frames.n ? c->frames.v[i].t : D;
        if (i < c->frames.n)
            d = local_motion(c, i) < STATIC_LEVEL && silent_at(c, t);
        if (d && run_start < 0)
            run_start = t;
        if (!d && run_start >= 0) {
            double l = t - run_start;
            if (l >= 1.0) {
                dead_total += l;
                if (l > dead_max)
                    dead_max = l;
                if (json_array_size(dead) < 20)
                    json_array_append_new(dead, json_pack("[o, o]", json_round(run_start, 2),
                                                          json_round(t, 2)));
                advise(m, "dead air from %.1f s to %.1f s (silence over a still picture): cut it "
                          "or add sound",
                       run_start, t);
            }
            run_start = -1;
        }
    }
    json_object_set_new(ev, "dead_air", dead);
    json_object_set_new(ev, "dead_air_s", json_round(dead_total, 2));
    double dead_score = D > 0 ? clamp01(1 - 5 * dead_total / D) : 1;

    /* The model's judgement of hook and pacing is asked for by the agent
     * when one is configured (planner_judge) and replaces this entry. */
    json_object_set_new(ev, "llm", json_pack("{s:s}", "status",
                                             "not judged (no model configured, or not a job)"));

    m->score = 0.5 * hook + 0.2 * spread + 0.3 * dead_score;
    m->gate = hook && dead_max < DEAD_AIR_MAX_S;
    json_object_set_new(m->threshold, "hook_within_s", json_real(HOOK_S));
    json_object_set_new(m->threshold, "max_dead_air_s", json_real(DEAD_AIR_MAX_S));
    json_object_set_new(m->threshold, "motion_share_for_hook", json_real(0.25));
    json_object_set_new(m->threshold, "motion_level", json_real(MOTION_LEVEL));
    json_object_set_new(m->threshold, "still_level", json_real(STATIC_LEVEL));
}
