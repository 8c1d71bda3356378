/*
 * The driver: pick the engine, cut the sound into chunks at quiet places,
 * transcribe the chunks on worker threads (each with its own engine state),
 * stitch the words back in time order and mark fillers and pauses.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "media/decode.h"
#include "media/probe.h"
#include "transcribe/internal.h"
#include "core/banned.h"

void transcribe_opts_from_config(struct transcribe_opts *o, const struct reel_config *c)
{
    o->url = c->transcribe_url;
    o->api_key = c->transcribe_api_key;
    o->model = c->transcribe_model;
    /* Two knobs only the environment sets (tests, slow servers). */
    long v;
    const char *e = getenv("REEL_TRANSCRIBE_RETRIES");
    if (e && parse_long(e, &v) && v >= 0 && v <= 20)
        o->max_retries = (int)v;
    e = getenv("REEL_TRANSCRIBE_TIMEOUT");
    if (e && parse_long(e, &v) && v > 0 && v <= 86400)
        o->timeout_s = v;
}

struct job {
    const struct tr_engine *eng;
    const struct transcribe_opts *o;
    const int16_t *pcm;
    const struct tr_chunk *chunks;
    struct transcript *parts; /* one per chunk */
    size_t nchunks, next;
    int failed;
    struct reel_err err; /* the first failure */
    pthread_mutex_t lock;
};

static void record_failure(struct job *j, const struct reel_err *e)
{
    pthread_mutex_lock(&j->lock);
    if (!j->failed) {
        j->failed = 1;
        j->err = *e;
    }
    pthread_mutex_unlock(&j->lock);
}

static void *worker(void *arg)
{
    struct job *j = arg;
    struct reel_err e = REEL_ERR_INIT;
    void *state = NULL;
    if (j->eng->open(j->o, &state, &e)) {
        record_failure(j, &e);
        return NULL;
    }
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t i = j->failed ? j->nchunks : j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->nchunks)
            break;
        const struct tr_chunk *c = &j->chunks[i];
        double offset = (double)c->start / TRANSCRIBE_RATE;
        if (j->eng->run(state, j->pcm + c->start, c->end - c->start, offset, &j->parts[i], &e)) {
            if (j->nchunks > 1)
                reel_err_prefix(&e, "chunk %zu at %.1f s", i + 1, offset);
            record_failure(j, &e);
            break;
        }
        log_debug("transcribe: chunk %zu/%zu (%.1f-%.1f s): %zu words", i + 1, j->nchunks, offset,
                  (double)c->end / TRANSCRIBE_RATE, j->parts[i].words.n);
    }
    j->eng->close(state);
    return NULL;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

enum reel_code transcribe_pcm(const int16_t *pcm, size_t n, const struct transcribe_opts *o,
                              struct transcript *out, struct reel_err *err)
{
    transcript_init(out);
    const struct tr_engine *eng = o->url && *o->url ? &tr_engine_http : &tr_engine_sphinx;
    if (n < TRANSCRIBE_RATE / 10) {
        /* under 0.1 s: nothing anyone said; no engine needed */
        snprintf(out->engine, sizeof(out->engine), "%s", eng->name);
        snprintf(out->model, sizeof(out->model), "%s", eng->model(o));
        snprintf(out->language, sizeof(out->language), "%s", o->language ? o->language : "");
        out->duration = (double)n / TRANSCRIBE_RATE;
        transcript_finish(out, o->pause_min);
        return REEL_OK;
    }
    double target = o->chunk_seconds > 0 ? o->chunk_seconds : eng->default_chunk_s;
    struct job j;
    memset(&j, 0, sizeof(j));
    j.eng = eng;
    j.o = o;
    j.pcm = pcm;
    j.nchunks = tr_plan_chunks(pcm, n, target, (struct tr_chunk **)&j.chunks);
    j.parts = xcalloc(j.nchunks, sizeof(*j.parts));
    pthread_mutex_init(&j.lock, NULL);
    int nthreads = o->threads > 0 ? o->threads : cores();
    if ((size_t)nthreads > j.nchunks)
        nthreads = (int)j.nchunks;
    log_info("transcribe: %.1f s of sound in %zu chunks on %d threads (%s)",
             (double)n / TRANSCRIBE_RATE, j.nchunks, nthreads, eng->name);
    if (nthreads <= 1) {
        worker(&j);
    } else {
        pthread_t *th = xcalloc((size_t)nthreads, sizeof(*th));
        int started = 0;
        for (int i = 0; i < nthreads; i++)
            if (pthread_create(&th[i], NULL, worker, &j) == 0)
                th[started++] = th[i];
        if (!started)
            worker(&j);
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        free(th);
    }
    enum reel_code rc = REEL_OK;
    if (j.failed) {
        rc = j.err.code;
        if (err)
            *err = j.err;
    }
    snprintf(out->engine, sizeof(out->engine), "%s", eng->name);
    snprintf(out->model, sizeof(out->model), "%s", eng->model(o));
    out->duration = (double)n / TRANSCRIBE_RATE;
    for (size_t i = 0; i < j.nchunks; i++) {
        struct transcript *p = &j.parts[i];
        if (!rc) {
            for (size_t k = 0; k < p->words.n; k++) {
                VEC_PUSH(&out->words, p->words.v[k]);
                p->words.v[k].word = NULL;
            }
            for (size_t k = 0; k < p->segments.n; k++) {
                VEC_PUSH(&out->segments, p->segments.v[k]);
                p->segments.v[k].text = NULL;
            }
            if (!out->language[0] && p->language[0])
                memcpy(out->language, p->language, sizeof(out->language));
        }
        transcript_release(p);
    }
    free(j.parts);
    free((void *)j.chunks);
    pthread_mutex_destroy(&j.lock);
    if (rc) {
        transcript_release(out);
        return rc;
    }
    if (!out->language[0])
        snprintf(out->language, sizeof(out->language), "%s",
                 o->language && *o->language ? o->language
                 : eng == &tr_engine_sphinx  ? "en"
                                             : "");
    transcript_finish(out, o->pause_min);
    if (o->script) {
        struct transcript aligned;
        if ((rc = transcribe_align(o->script, out, pcm, n, o, &aligned, err))) {
            transcript_release(out);
            return rc;
        }
        transcript_release(out);
        *out = aligned;
    }
    return REEL_OK;
}

/* ---- decoding the file's sound to 16 kHz mono int16 ---- */

struct pcm_acc {
    VEC(int16_t) s;
};

static int on_audio(void *ctx, const struct media_audio *a)
{
    struct pcm_acc *acc = ctx;
    /* Keep samples at their times: a stream that starts late or has a gap
     * gets silence there, so word times stay times of the file. */
    double at = a->t * TRANSCRIBE_RATE;
    if (isfinite(at) && at > (double)acc->s.n + TRANSCRIBE_RATE / 100 &&
        at < (double)acc->s.n + 3600.0 * TRANSCRIBE_RATE)
        while ((double)acc->s.n < at)
            VEC_PUSH(&acc->s, 0);
    for (int i = 0; i < a->n; i++) {
        float x = a->samples[i] * 32767.0f;
        x = x > 32767.0f ? 32767.0f : x < -32768.0f ? -32768.0f : x;
        VEC_PUSH(&acc->s, (int16_t)lrintf(x));
    }
    return 0;
}

/* The file's sound as 16 kHz mono; acc is the caller's (VEC_FREE). */
static enum reel_code decode_pcm(const char *path, struct pcm_acc *acc, struct reel_err *err)
{
    struct media_info info;
    enum reel_code rc = media_probe(path, &info, err);
    if (rc)
        return rc;
    if (!info.has_audio)
        return reel_fail(err, REEL_EINVAL, path, "the file has no sound to transcribe");
    struct media_decode_opts d = MEDIA_DECODE_OPTS_INIT;
    d.sample_rate = TRANSCRIBE_RATE;
    d.on_audio = on_audio;
    d.ctx = acc;
    return media_decode(path, &d, err);
}

enum reel_code transcribe_file(const char *path, const struct transcribe_opts *o,
                               struct transcript *out, struct reel_err *err)
{
    transcript_init(out);
    struct pcm_acc acc = {VEC_INIT};
    enum reel_code rc = decode_pcm(path, &acc, err);
    if (!rc)
        rc = transcribe_pcm(acc.s.v ? acc.s.v : (int16_t[]){0}, acc.s.n, o, out, err);
    VEC_FREE(&acc.s);
    return rc;
}

enum reel_code transcribe_align_file(const char *path, const struct tr_script *s,
                                     const struct transcript *heard,
                                     const struct transcribe_opts *o, struct transcript *out,
                                     struct reel_err *err)
{
    transcript_init(out);
    struct pcm_acc acc = {VEC_INIT};
    enum reel_code rc = decode_pcm(path, &acc, err);
    if (!rc)
        rc = transcribe_align(s, heard, acc.s.v, acc.s.n, o, out, err);
    VEC_FREE(&acc.s);
    return rc;
}
