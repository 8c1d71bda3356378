/*
 * Beats of the music asset: the same beats the analysis gives the planner
 * (media_analyze, MEDIA_AN_BEATS: aubio's tempo tracker, the tempo fitted
 * through the beat times), so a cut the planner put on a beat is judged
 * against that beat. A separate tracker here (other window, hop and onset
 * snapping) put the beats of a 160 bpm track at 120 bpm and failed clean
 * cuts on the beat (docs/eval.md). The grid is extended back to the start
 * of the music: the tracker needs a few seconds before its first beat.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "media/analyze.h"
#include "core/banned.h"

enum reel_code beats_detect(const char *path, double **times, size_t *n, double *bpm,
                            double *confidence, struct reel_err *err)
{
    *times = NULL;
    *n = 0;
    struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
    o.which = MEDIA_AN_BEATS;
    o.use_cache = 0;
    o.threads = 1;
    json_t *res = NULL;
    enum reel_code rc = media_analyze(path, &o, &res, err);
    if (rc != REEL_OK)
        return rc;
    const json_t *b = json_object_get(res, "beats");
    const json_t *ts = b ? json_object_get(b, "times") : NULL;
    *bpm = json_get_num(b, "bpm", 0);
    *confidence = json_get_num(b, "confidence", 0);
    size_t nb = json_is_array(ts) ? json_array_size(ts) : 0;
    VEC(double) all = VEC_INIT;
    if (nb >= 2 && *bpm > 0) {
        double period = 60.0 / *bpm, first = json_number_value(json_array_get(ts, 0));
        double t = first - period;
        while (t > -0.03)
            t -= period;
        for (t += period; t < first - period / 2; t += period)
            VEC_PUSH(&all, t < 0 ? 0 : t);
    }
    for (size_t i = 0; i < nb; i++)
        VEC_PUSH(&all, json_number_value(json_array_get(ts, i)));
    json_decref(res);
    *times = all.v;
    *n = all.n;
    return REEL_OK;
}

static const struct plan_asset *asset_of(const struct plan *p, const char *label)
{
    for (size_t i = 0; label && i < p->nassets; i++)
        if (p->assets[i].label && !strcmp(p->assets[i].label, label))
            return &p->assets[i];
    return NULL;
}

void beats_for_plan(struct eval_ctx *c)
{
    const struct plan *p = c->plan;
    const struct plan_op *music = NULL;
    const struct plan_asset *ma = NULL;
    struct media_info mi;
    memset(&mi, 0, sizeof(mi));
    /* The music is the first audio op whose asset is sound only. */
    for (size_t i = 0; i < p->nops && !music; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_AUDIO)
            continue;
        const struct plan_asset *a = asset_of(p, op->asset);
        if (!a || !a->path)
            continue;
        if (a->probed) {
            mi = a->info;
        } else if (media_probe(a->path, &mi, NULL) != REEL_OK) {
            continue;
        }
        if (mi.kind == MEDIA_AUDIO)
            music = op, ma = a;
    }
    if (!music) {
        snprintf(c->beats_source, sizeof(c->beats_source), "no music");
        return;
    }
    c->music_label = music->asset;
    double *src = NULL;
    size_t ns = 0;
    const json_t *given = c->opts ? c->opts->music_beats : NULL;
    const json_t *gt = given ? json_object_get(given, "times") : NULL;
    if (json_is_array(gt)) {
        ns = json_array_size(gt);
        src = xmalloc((ns + 1) * sizeof(double));
        for (size_t i = 0; i < ns; i++)
            src[i] = json_number_value(json_array_get(gt, i));
        c->bpm = json_get_num(given, "bpm", 0);
        c->beat_confidence = json_get_num(given, "confidence", 0);
        snprintf(c->beats_source, sizeof(c->beats_source), "analysis");
    } else {
        struct reel_err e = REEL_ERR_INIT;
        if (beats_detect(ma->path, &src, &ns, &c->bpm, &c->beat_confidence, &e) != REEL_OK) {
            snprintf(c->beats_source, sizeof(c->beats_source), "beat detection failed");
            return;
        }
        snprintf(c->beats_source, sizeof(c->beats_source), "aubio");
    }
    double end = music->end >= 0 ? music->end : c->duration;
    double len = mi.duration - music->in;
    VEC(double) tl = VEC_INIT;
    for (int rep = 0; rep < 1000; rep++) {
        double base = music->start + rep * (len > 0 ? len : 1e9);
        if (base >= end || (rep > 0 && (!music->loop || len <= 0.1)))
            break;
        for (size_t i = 0; i < ns; i++) {
            if (src[i] < music->in - 1e-6)
                continue;
            double t = base + src[i] - music->in;
            if (t < end)
                VEC_PUSH(&tl, t);
        }
    }
    free(src);
    c->beats = tl.v;
    c->nbeats = tl.n;
}
