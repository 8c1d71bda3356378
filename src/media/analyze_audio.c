/*
 * Sound analysers, fed by the decode pass:
 *  - loudness with libebur128 on the original channels at their own rate;
 *  - beats with aubio's tempo tracker on the mono signal;
 *  - speech / silence / music-or-noise from 10 ms frames (RMS, zero
 *    crossings), classified per 1 s window by how far and how often the
 *    level swings (window_score).
 */
#include <aubio/aubio.h>
#include <ebur128.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "media/analyze.h"
#include "media/analyze_internal.h"
#include "core/banned.h"

#define FRAME 512
#define TEMPO_WIN 1024
#define TEMPO_HOP 128

struct afeat {
    float db;  /* RMS in dBFS */
    float zcr; /* zero crossings per sample */
};

struct an_audio {
    unsigned which;
    int rate;
    int have_t0;
    double t0;
    long long total; /* mono samples seen */

    /* loudness */
    ebur128_state *eb;
    int eb_channels, eb_rate;
    long long eb_fed, eb_next;
    VEC(double) st_marks; /* short-term loudness at each whole second */

    /* speech */
    int hop;
    float *pend;
    int npend, pend_cap;
    int speech_on;
    VEC(struct afeat) feats;

    /* beats */
    aubio_tempo_t *tempo;
    fvec_t *tin, *tout;
    float tpend[TEMPO_HOP];
    int ntpend;
    uint32_t seed;
    VEC(double) beats;
};

struct an_audio *an_audio_new(unsigned which)
{
    struct an_audio *a = xcalloc(1, sizeof(*a));
    a->which = which;
    return a;
}

void an_audio_free(struct an_audio *a)
{
    if (!a)
        return;
    if (a->eb)
        ebur128_destroy(&a->eb);
    VEC_FREE(&a->st_marks);
    free(a->pend);
    VEC_FREE(&a->feats);
    if (a->tempo)
        del_aubio_tempo(a->tempo);
    if (a->tin)
        del_fvec(a->tin);
    if (a->tout)
        del_fvec(a->tout);
    VEC_FREE(&a->beats);
    free(a);
}

static void speech_frame(struct an_audio *a, const float *x)
{
    double ss = 0;
    int zc = 0;
    for (int i = 0; i < FRAME; i++) {
        ss += (double)x[i] * x[i];
        if (i && ((x[i] >= 0) != (x[i - 1] >= 0)))
            zc++;
    }
    struct afeat f;
    double rms = sqrt(ss / FRAME);
    f.db = (float)(rms > 1e-6 ? 20 * log10(rms) : -120);
    f.zcr = (float)zc / FRAME;
    VEC_PUSH(&a->feats, f);
}

static void loudness_feed(struct an_audio *a, const struct media_audio *m)
{
    if (!m->interleaved || m->n_interleaved <= 0 || m->channels <= 0)
        return;
    if (!a->eb) {
        a->eb_channels = m->channels;
        a->eb_rate = m->src_sample_rate;
        a->eb = ebur128_init((unsigned)m->channels, (unsigned long)m->src_sample_rate,
                             EBUR128_MODE_I | EBUR128_MODE_LRA | EBUR128_MODE_TRUE_PEAK |
                                 EBUR128_MODE_S);
        if (!a->eb)
            return;
        a->eb_next = a->eb_rate;
    }
    if (m->channels != a->eb_channels || m->src_sample_rate != a->eb_rate)
        return; /* a mid-stream format change: keep measuring the first format */
    const float *p = m->interleaved;
    long long left = m->n_interleaved;
    while (left > 0) {
        long long chunk = a->eb_next - a->eb_fed;
        if (chunk > left)
            chunk = left;
        ebur128_add_frames_float(a->eb, p, (size_t)chunk);
        p += chunk * a->eb_channels;
        left -= chunk;
        a->eb_fed += chunk;
        if (a->eb_fed == a->eb_next) {
            double st = -HUGE_VAL;
            /* 3 s, or what there is so far: a short window is not a quieter one */
            long ms = (long)(a->eb_fed * 1000 / a->eb_rate);
            ebur128_loudness_window(a->eb, (unsigned long)(ms < 3000 ? ms : 3000), &st);
            VEC_PUSH(&a->st_marks, st);
            a->eb_next += a->eb_rate;
        }
    }
}

void an_audio_samples(struct an_audio *a, const struct media_audio *m)
{
    if (!a->have_t0) {
        a->have_t0 = 1;
        a->t0 = m->t;
        a->rate = m->sample_rate;
        a->hop = a->rate / 100;
        a->speech_on = (a->which & MEDIA_AN_SPEECH) != 0;
        if (a->which & MEDIA_AN_BEATS) {
            a->tempo = new_aubio_tempo("default", TEMPO_WIN, TEMPO_HOP, (uint_t)a->rate);
            /* aubio drops a predicted beat that falls in a silent block; with
             * the dither below nothing is digitally silent, so beats keep
             * their grid through the gaps of a click track */
            if (a->tempo)
                aubio_tempo_set_silence(a->tempo, -130);
            a->tin = new_fvec(TEMPO_HOP);
            a->tout = new_fvec(1);
        }
    }
    if (a->which & MEDIA_AN_LOUDNESS)
        loudness_feed(a, m);
    if (a->speech_on && m->n > 0) {
        if (a->npend + m->n > a->pend_cap) {
            a->pend_cap = (a->npend + m->n) * 2;
            a->pend = xrealloc(a->pend, sizeof(float) * a->pend_cap);
        }
        memcpy(a->pend + a->npend, m->samples, sizeof(float) * m->n);
        a->npend += m->n;
        int off = 0;
        while (a->npend - off >= FRAME) {
            speech_frame(a, a->pend + off);
            off += a->hop;
        }
        memmove(a->pend, a->pend + off, sizeof(float) * (a->npend - off));
        a->npend -= off;
    }
    if (a->tempo && a->tin && a->tout) {
        for (int i = 0; i < m->n; i++) {
            a->seed = a->seed * 1664525u + 1013904223u;
            float dither = ((float)(a->seed >> 8) / 16777216.0f - 0.5f) * 2e-5f;
            a->tpend[a->ntpend++] = m->samples[i] + dither;
            if (a->ntpend == TEMPO_HOP) {
                memcpy(a->tin->data, a->tpend, sizeof(float) * TEMPO_HOP);
                aubio_tempo_do(a->tempo, a->tin, a->tout);
                if (a->tout->data[0] != 0) {
                    double t = a->t0 + aubio_tempo_get_last_s(a->tempo);
                    VEC_PUSH(&a->beats, t);
                }
                a->ntpend = 0;
            }
        }
    }
    a->total += m->n;
}

/* ---- speech / silence / music ---- */

enum { L_SIL, L_SPEECH, L_MUSIC };

static int cmp_f(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return a < b ? -1 : a > b;
}

static void add_run(json_t *arr, double s, double e)
{
    json_t *o = json_object();
    json_object_set_new(o, "start", an_time(s));
    json_object_set_new(o, "end", an_time(e));
    json_array_append_new(arr, o);
}

/* Window features over frames [a, b). */
/*
 * Speech score of the frames [a, b): > 0 speech-like. Speech swings 20-40 dB
 * within a second (syllables, pauses between words) and often dips 15 dB
 * under its peaks; music and room sound hold their level. Noisy drums and
 * hiss cross zero far more often than voices. (The 2-8 Hz modulation of the
 * envelope was tried and dropped: music with a beat has it too.)
 */
static double window_score(const struct afeat *f, long a, long b, float th, int debug, double t)
{
    long n = b - a, sound = 0;
    for (long i = a; i < b; i++)
        sound += f[i].db >= th;
    if (sound < n / 4)
        return NAN;
    float env[128], sorted[128];
    long m = n < 128 ? n : 128;
    double zm = 0;
    for (long i = 0; i < m; i++) {
        env[i] = f[a + i].db < th - 10 ? th - 10 : f[a + i].db;
        sorted[i] = env[i];
        zm += f[a + i].zcr;
    }
    zm /= m;
    qsort(sorted, m, sizeof(float), cmp_f);
    float p90 = sorted[m * 9 / 10], p10 = sorted[m / 10];
    int dips = 0;
    for (long i = 0; i < m; i++)
        dips += env[i] < p90 - 15;
    double d15 = (double)dips / m;
    double r = (p90 - p10 - 14) / 8, dd = (d15 - 0.08) / 0.1;
    r = r > 1 ? 1 : r < -1 ? -1 : r;
    dd = dd > 1 ? 1 : dd < -1 ? -1 : dd;
    double score = r + dd - (zm > 0.2 ? 2 : 0);
    if (debug)
        fprintf(stderr, "win t=%.2f range=%.1f dB dips=%.2f zcr=%.3f score=%.2f\n", t, p90 - p10,
                d15, zm, score);
    return score;
}

static void speech_finish(struct an_audio *a, double duration, json_t *out)
{
    json_t *jsp = json_array(), *jsil = json_array(), *jmu = json_array();
    long n = (long)a->feats.n;
    const struct afeat *f = a->feats.v;
    double fs = (double)a->hop / a->rate; /* frame step, seconds */
    /* frame i covers [t0 + i*fs, t0 + i*fs + FRAME/rate); its centre is the time */
    double off = a->t0 + (FRAME / 2.0) / a->rate - fs / 2;
    if (n > 0) {
        float *sorted = xmalloc(sizeof(float) * n);
        long ns = 0;
        for (long i = 0; i < n; i++)
            if (f[i].db > -100)
                sorted[ns++] = f[i].db;
        float p95 = -120;
        if (ns) {
            qsort(sorted, ns, sizeof(float), cmp_f);
            p95 = sorted[(long)(ns * 0.95)];
        }
        free(sorted);
        float th = p95 - 35;
        if (th < -55)
            th = -55;
        int debug = getenv("REEL_ANALYZE_DEBUG") != NULL;
        unsigned char *lab = xmalloc(n);
        for (long i = 0; i < n; i++)
            lab[i] = f[i].db < th ? L_SIL : L_MUSIC;
        /* short silences inside sound are part of the sound */
        long min_sil = lround(0.3 / fs), min_snd = lround(0.05 / fs);
        for (long i = 0; i < n;) {
            long j = i;
            while (j < n && lab[j] == lab[i])
                j++;
            if (lab[i] == L_SIL && i > 0 && j < n && j - i < min_sil)
                memset(lab + i, L_MUSIC, j - i);
            i = j;
        }
        for (long i = 0; i < n;) {
            long j = i;
            while (j < n && lab[j] == lab[i])
                j++;
            if (lab[i] != L_SIL && j - i < min_snd)
                memset(lab + i, L_SIL, j - i);
            i = j;
        }
        /* score each 0.25 s step with the 1 s window around it, then average
         * the scores over +-1 s: one window alone is easily fooled */
        long step = lround(0.25 / fs), wlen = lround(1.0 / fs);
        long nsteps = (n + step - 1) / step;
        double *sc = xmalloc(sizeof(double) * (nsteps ? nsteps : 1));
        for (long si = 0; si < nsteps; si++) {
            long c = si * step;
            long a0 = c + step / 2 - wlen / 2, b0 = a0 + wlen;
            if (a0 < 0) {
                a0 = 0;
                b0 = wlen < n ? wlen : n;
            }
            if (b0 > n) {
                b0 = n;
                a0 = n - wlen > 0 ? n - wlen : 0;
            }
            sc[si] = b0 - a0 >= wlen / 2 ? window_score(f, a0, b0, th, debug, off + c * fs) : NAN;
        }
        for (long si = 0; si < nsteps; si++) {
            double sum = 0;
            int cnt = 0;
            for (long j = si - 4; j <= si + 4; j++)
                if (j >= 0 && j < nsteps && !isnan(sc[j])) {
                    sum += sc[j];
                    cnt++;
                }
            int cls = cnt && sum / cnt > 0 ? L_SPEECH : L_MUSIC;
            for (long i = si * step; i < (si + 1) * step && i < n; i++)
                if (lab[i] != L_SIL)
                    lab[i] = (unsigned char)cls;
        }
        free(sc);
        /* a label run shorter than 0.5 s inside sound takes its neighbours' label */
        long min_lab = lround(0.5 / fs);
        for (long i = 0; i < n;) {
            long j = i;
            while (j < n && lab[j] == lab[i])
                j++;
            if (lab[i] != L_SIL && j - i < min_lab) {
                int prev = i > 0 ? lab[i - 1] : L_SIL, next = j < n ? lab[j] : L_SIL;
                int to = prev != L_SIL ? prev : next;
                if (to != L_SIL && to != lab[i])
                    memset(lab + i, to, j - i);
            }
            i = j;
        }
        for (long i = 0; i < n;) {
            long j = i;
            while (j < n && lab[j] == lab[i])
                j++;
            double s = i ? off + i * fs : a->t0;
            double e = j < n ? off + j * fs : (duration > 0 ? duration : off + j * fs);
            if (s < 0)
                s = 0;
            add_run(lab[i] == L_SIL ? jsil : lab[i] == L_SPEECH ? jsp : jmu, s, e);
            i = j;
        }
        free(lab);
    }
    json_object_set_new(out, "speech", jsp);
    json_object_set_new(out, "silence", jsil);
    json_object_set_new(out, "music", jmu);
}

static void beats_finish(struct an_audio *a, json_t *out)
{
    json_t *b = json_object();
    json_t *times = json_array();
    for (size_t i = 0; i < a->beats.n; i++)
        json_array_append_new(times, an_time(a->beats.v[i]));
    double bpm = a->tempo ? aubio_tempo_get_bpm(a->tempo) : 0;
    double conf = a->tempo ? aubio_tempo_get_confidence(a->tempo) : 0;
    if (a->beats.n >= 4) {
        /* the tracker's own estimate drifts; fit a line through the beat
         * times instead, each beat numbered on the grid of the median interval
         * (so that a missed beat does not bend the fit) */
        size_t nb = a->beats.n, ni = nb - 1;
        const double *t = a->beats.v;
        float *iv = xmalloc(sizeof(float) * ni);
        for (size_t i = 0; i < ni; i++)
            iv[i] = (float)(t[i + 1] - t[i]);
        qsort(iv, ni, sizeof(float), cmp_f);
        double p0 = iv[ni / 2];
        free(iv);
        if (p0 > 0) {
            double sx = 0, sy = 0, sxx = 0, sxy = 0;
            for (size_t i = 0; i < nb; i++) {
                double x = round((t[i] - t[0]) / p0), y = t[i];
                sx += x;
                sy += y;
                sxx += x * x;
                sxy += x * y;
            }
            double den = nb * sxx - sx * sx;
            double p = den > 0 ? (nb * sxy - sx * sy) / den : p0;
            if (p > 0)
                bpm = 60.0 / p;
        }
    }
    if (a->beats.n < 4) {
        bpm = 0;
        conf = 0;
    }
    json_object_set_new(b, "bpm", an_num(bpm, 2));
    json_object_set_new(b, "confidence", an_num(conf, 3));
    json_object_set_new(b, "times", times);
    json_object_set_new(out, "beats", b);
}

static void loudness_finish(struct an_audio *a, double duration, json_t *out)
{
    json_t *l = json_object();
    double I = -HUGE_VAL, lra = 0, tp = 0;
    if (a->eb) {
        /* the short-term value at the end of a partial last second */
        if (a->eb_fed > a->eb_next - a->eb_rate) {
            double st = -HUGE_VAL;
            long ms = (long)(a->eb_fed * 1000 / a->eb_rate);
            ebur128_loudness_window(a->eb, (unsigned long)(ms < 3000 ? ms : 3000), &st);
            VEC_PUSH(&a->st_marks, st);
        }
        ebur128_loudness_global(a->eb, &I);
        if (ebur128_loudness_range(a->eb, &lra) != EBUR128_SUCCESS)
            lra = 0;
        for (int c = 0; c < a->eb_channels; c++) {
            double p = 0;
            if (ebur128_true_peak(a->eb, (unsigned)c, &p) == EBUR128_SUCCESS && p > tp)
                tp = p;
        }
    }
    json_object_set_new(l, "integrated_lufs", isfinite(I) ? an_num(I, 2) : json_null());
    json_object_set_new(l, "range_lu", an_num(lra, 2));
    json_object_set_new(l, "true_peak_dbtp", tp > 0 ? an_num(20 * log10(tp), 2) : json_null());
    /* value i: the 3 s short-term window centred on second i (marks are at whole seconds) */
    json_t *st = json_array();
    long nsec = (long)ceil(duration - 1e-6);
    if (duration <= 0)
        nsec = (long)a->st_marks.n;
    for (long i = 0; i < nsec && a->st_marks.n; i++) {
        long j = i + 1; /* mark j-1 is at second j: window [j-3, j] ... centre j-1.5 */
        if (j + 1 <= (long)a->st_marks.n)
            j = j + 1; /* window [i-1, i+2], centred on i+0.5 */
        if (j > (long)a->st_marks.n)
            j = (long)a->st_marks.n;
        double v = a->st_marks.v[j - 1];
        if (!isfinite(v) || v < -70)
            v = -70;
        json_array_append_new(st, an_num(v, 2));
    }
    json_object_set_new(l, "short_term", st);
    json_object_set_new(out, "loudness", l);
}

void an_audio_finish(struct an_audio *a, double duration, json_t *out)
{
    if (a->which & MEDIA_AN_LOUDNESS)
        loudness_finish(a, duration, out);
    if (a->which & MEDIA_AN_SPEECH)
        speech_finish(a, duration, out);
    if (a->which & MEDIA_AN_BEATS)
        beats_finish(a, out);
}
