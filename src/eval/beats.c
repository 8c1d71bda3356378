/*
 * Beats of the music asset, with aubio: the tempo tracker gives the beat
 * grid, onsets give the exact positions (a beat is moved to an onset within
 * 60 ms), and the grid is extended back to the start of the music because
 * the tracker needs a few seconds before it reports its first beat.
 */
#include <aubio/aubio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define HOP 256
#define WIN 1024
#define RATE 44100

struct beat_state {
    aubio_tempo_t *tempo;
    aubio_onset_t *onset;
    fvec_t *in, *out_t, *out_o;
    int fill;
    VEC(double) beats;
    VEC(double) onsets;
};

static void run_hop(struct beat_state *b)
{
    aubio_tempo_do(b->tempo, b->in, b->out_t);
    if (b->out_t->data[0] != 0)
        VEC_PUSH(&b->beats, (double)aubio_tempo_get_last_s(b->tempo));
    aubio_onset_do(b->onset, b->in, b->out_o);
    if (b->out_o->data[0] != 0)
        VEC_PUSH(&b->onsets, (double)aubio_onset_get_last_s(b->onset));
}

static int on_audio(void *ctx, const struct media_audio *a)
{
    struct beat_state *b = ctx;
    for (int i = 0; i < a->n; i++) {
        b->in->data[b->fill++] = a->samples[i];
        if (b->fill == HOP) {
            run_hop(b);
            b->fill = 0;
        }
    }
    return 0;
}

enum reel_code beats_detect(const char *path, double **times, size_t *n, double *bpm,
                            double *confidence, struct reel_err *err)
{
    struct beat_state b;
    memset(&b, 0, sizeof(b));
    b.tempo = new_aubio_tempo("default", WIN, HOP, RATE);
    b.onset = new_aubio_onset("default", WIN, HOP, RATE);
    b.in = new_fvec(HOP);
    b.out_t = new_fvec(1);
    b.out_o = new_fvec(1);
    *times = NULL;
    *n = 0;
    enum reel_code rc = REEL_OK;
    if (!b.tempo || !b.onset || !b.in) {
        rc = reel_fail(err, REEL_ESYS, path, "aubio could not start");
        goto out;
    }
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.sample_rate = RATE;
    o.on_audio = on_audio;
    o.ctx = &b;
    rc = media_decode(path, &o, err);
    if (rc != REEL_OK)
        goto out;
    *bpm = aubio_tempo_get_bpm(b.tempo);
    *confidence = aubio_tempo_get_confidence(b.tempo);
    if (b.beats.n >= 2 && *bpm > 0) {
        double period = 60.0 / *bpm;
        /* snap to onsets */
        for (size_t i = 0; i < b.beats.n; i++) {
            double best = 1e9, bt = b.beats.v[i];
            for (size_t k = 0; k < b.onsets.n; k++)
                if (fabs(b.onsets.v[k] - bt) < fabs(best - bt))
                    best = b.onsets.v[k];
            if (fabs(best - bt) <= 0.06)
                b.beats.v[i] = best;
        }
        /* extend the grid back to the start */
        VEC(double) all = VEC_INIT;
        double t = b.beats.v[0] - period;
        while (t > -0.03)
            t -= period;
        for (t += period; t < b.beats.v[0] - period / 2; t += period) {
            double best = 1e9;
            for (size_t k = 0; k < b.onsets.n; k++)
                if (fabs(b.onsets.v[k] - t) < fabs(best - t))
                    best = b.onsets.v[k];
            VEC_PUSH(&all, fabs(best - t) <= 0.06 ? best : (t < 0 ? 0 : t));
        }
        for (size_t i = 0; i < b.beats.n; i++)
            VEC_PUSH(&all, b.beats.v[i]);
        *times = all.v;
        *n = all.n;
    } else {
        /* too short for a tempo: onsets are the best we have */
        *times = b.onsets.v;
        *n = b.onsets.n;
        b.onsets.v = NULL;
    }
out:
    VEC_FREE(&b.beats);
    VEC_FREE(&b.onsets);
    if (b.tempo)
        del_aubio_tempo(b.tempo);
    if (b.onset)
        del_aubio_onset(b.onset);
    if (b.in)
        del_fvec(b.in);
    if (b.out_t)
        del_fvec(b.out_t);
    if (b.out_o)
        del_fvec(b.out_o);
    aubio_cleanup();
    return rc;
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
