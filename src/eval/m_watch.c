/*
 * Watchability: EBU R128 integrated loudness and true peak (libebur128)
 * against the plan's targets; photosensitive flashes after WCAG 2.x
 * (general flashes of relative luminance and red flashes, more than three
 * in any one second fail, over the whole frame and each quarter of it);
 * flicker; silence gaps; clipping; audio/video sync where flashes and sound
 * onsets show it (sync.c), against EBU R37's tolerance.
 */
#include <ebur128.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define LOUD_TOL 2.0     /* LU around the target */
#define TP_TOL 1.0       /* dB above the plan's true-peak ceiling */
#define MAX_FLASHES 3.0  /* per second */
#define GAP_DB -50.0
#define GAP_MAX_S 3.0
/* 100 ms blocks that fall across the ends of a silence are not silent all
 * through: a gap of 3.0 s measures 2.8-3.0 s of silent blocks */
#define GAP_SLACK_S 0.2
#define CLIP_MAX 0.001   /* share of samples */
#define SYNC_LATE_MS 60.0  /* EBU R37: sound at most 60 ms late ... */
#define SYNC_EARLY_MS 40.0 /* ... or 40 ms early */

/* Count opposing transitions of a signal (WCAG: a change of at least `amp`
 * where the darker side is below `dark_max`), return the most in any 1 s
 * window and where it starts. */
static int max_transitions(const struct eval_ctx *c, int sig, int red, double amp, double dark_max,
                           double *at)
{
    size_t n = c->frames.n;
    double *tt = xmalloc((n + 1) * sizeof(double));
    size_t nt = 0;
    double ref = 0;
    int dir = 0;
    for (size_t i = 0; i < n; i++) {
        const struct frame_rec *f = &c->frames.v[i];
        double v;
        if (sig < 0) {
            v = red ? f->red : f->rel_lum;
        } else { /* a quarter of the frame: 2x2 cells of the grid */
            int qx = sig % 2, qy = sig / 2;
            v = 0;
            for (int y = 0; y < GRID / 2; y++)
                for (int x = 0; x < GRID / 2; x++) {
                    int ci = (qy * GRID / 2 + y) * GRID + qx * GRID / 2 + x;
                    v += red ? f->cell_red[ci] : f->cell_lum[ci];
                }
            v /= (GRID / 2) * (GRID / 2);
        }
        if (i == 0) {
            ref = v;
            continue;
        }
        int cond_up = v - ref >= amp && fmin(v, ref) < dark_max;
        int cond_dn = ref - v >= amp && fmin(v, ref) < dark_max;
        if (dir == 1 && v > ref) {
            ref = v; /* still rising: follow the peak */
        } else if (dir == -1 && v < ref) {
            ref = v;
        } else if (cond_up && dir != 1) {
            dir = 1, ref = v, tt[nt++] = f->t;
        } else if (cond_dn && dir != -1) {
            dir = -1, ref = v, tt[nt++] = f->t;
        }
    }
    int best = 0;
    size_t j = 0;
    *at = -1;
    for (size_t i = 0; i < nt; i++) {
        while (tt[i] - tt[j] >= 1.0)
            j++;
        int k = (int)(i - j + 1);
        if (k > best)
            best = k, *at = tt[j];
    }
    free(tt);
    return best;
}

void metric_watchability(struct eval_ctx *c, struct metric_out *m)
{
    json_t *ev = m->evidence;
    const struct plan_output *po = &c->plan->output;
    m->applicable = 1;
    double D = c->duration;

    /* loudness */
    double target = po->loudness_set ? po->loudness_lufs : -14;
    double tol = po->loudness_set ? LOUD_TOL : 2 * LOUD_TOL;
    double tp_max = po->true_peak_dbtp + TP_TOL;
    double I = NAN, tp = NAN;
    if (c->ebur) {
        if (ebur128_loudness_global(c->ebur, &I) != EBUR128_SUCCESS || !isfinite(I))
            I = NAN;
        double peak = 0;
        for (int ch = 0; ch < c->ebur_channels; ch++) {
            double p = 0;
            if (ebur128_true_peak(c->ebur, (unsigned)ch, &p) == EBUR128_SUCCESS && p > peak)
                peak = p;
        }
        tp = peak > 0 ? 20 * log10(peak) : -INFINITY;
    }
    json_object_set_new(ev, "integrated_lufs", json_round(I, 2));
    json_object_set_new(ev, "target_lufs", json_round(target, 2));
    json_object_set_new(ev, "true_peak_dbtp", json_round(tp, 2));
    json_object_set_new(ev, "true_peak_max_dbtp", json_round(tp_max, 2));
    double loud_score = 1, tp_score = 1;
    int loud_ok = 1, tp_ok = 1;
    if (!c->audio_seen) {
        json_object_set_new(ev, "audio", json_string("no audio track"));
    } else if (isnan(I)) {
        json_object_set_new(ev, "audio", json_string("silent (loudness below the gate)"));
    } else {
        double off = I - target;
        loud_ok = fabs(off) <= tol;
        loud_score = clamp01(1 - fmax(0, fabs(off) - 1) / 6);
        if (!loud_ok)
            advise(m, "%s loudness by %.1f LU (measured %.1f LUFS, target %.0f LUFS)",
                   off > 0 ? "lower" : "raise", fabs(off), I, target);
        tp_ok = !(tp > tp_max);
        tp_score = tp <= po->true_peak_dbtp + 0.5 ? 1 : clamp01(1 - (tp - po->true_peak_dbtp - 0.5) / 3);
        if (!tp_ok)
            advise(m, "true peak is %.1f dBTP, over the %.1f dBTP ceiling: limit the mix", tp,
                   po->true_peak_dbtp);
    }

    /* clipping */
    double clip = c->total_samples > 0 ? c->clip_samples / c->total_samples : 0;
    int clip_ok = clip <= CLIP_MAX;
    json_object_set_new(ev, "clipped_share", json_round(clip, 6));
    json_object_set_new(ev, "clipped_runs", json_integer(c->clip_runs));
    json_object_set_new(ev, "sample_peak", json_round(c->peak_sample, 4));
    if (!clip_ok)
        advise(m, "%.2f%% of the audio samples are clipped: lower the gain before the limiter",
               clip * 100);
    double clip_score = clip <= 1e-4 ? 1 : clamp01(1 - log10(clip / 1e-4) / 2);

    /* flashes */
    double at = -1, at_red = -1;
    int worst = max_transitions(c, -1, 0, 0.1, 0.8, &at);
    int worst_red = max_transitions(c, -1, 1, 20, 1e9, &at_red);
    for (int q = 0; q < 4; q++) {
        double a;
        int k = max_transitions(c, q, 0, 0.1, 0.8, &a);
        if (k > worst)
            worst = k, at = a;
        k = max_transitions(c, q, 1, 20, 1e9, &a);
        if (k > worst_red)
            worst_red = k, at_red = a;
    }
    double flashes = worst / 2.0, red_flashes = worst_red / 2.0;
    int flash_ok = flashes <= MAX_FLASHES, red_ok = red_flashes <= MAX_FLASHES;
    json_object_set_new(ev, "max_flashes_per_s", json_round(flashes, 1));
    json_object_set_new(ev, "flashes_at_s", at >= 0 ? json_round(at, 3) : json_null());
    json_object_set_new(ev, "max_red_flashes_per_s", json_round(red_flashes, 1));
    json_object_set_new(ev, "red_flashes_at_s", at_red >= 0 ? json_round(at_red, 3) : json_null());
    if (!flash_ok)
        advise(m, "%.1f flashes per second from %.2f s (the limit is 3): remove the flashing or "
                  "lower its contrast",
               flashes, at);
    if (!red_ok)
        advise(m, "%.1f red flashes per second from %.2f s (the limit is 3): remove them",
               red_flashes, at_red);

    /* flicker: small luminance reversals (under the flash threshold) */
    double fat;
    int flick = max_transitions(c, -1, 0, 0.03, 1e9, &fat);
    json_object_set_new(ev, "flicker_reversals_per_s", json_integer(flick));
    double flicker_score = flick <= 6 ? 1 : clamp01(1 - (flick - 6) / 10.0);
    if (flick > 6 && flash_ok)
        advise(m, "the picture flickers (%d brightness reversals in one second from %.2f s)", flick,
               fat);

    /* silence gaps. A render silent from end to end whose plan adds no
     * sound (no audio op) is a silent video, like one with no audio track:
     * its footage has no sound (a time-lapse with a track of digital
     * silence), and no gap is one the edit made. */
    int adds_sound = 0;
    for (size_t i = 0; i < c->plan->nops; i++)
        adds_sound |= c->plan->ops[i].kind == OP_AUDIO;
    int silent_video = c->audio_seen && isnan(I) && !adds_sound;
    if (silent_video)
        json_object_set_new(ev, "audio",
                            json_string("silent all through, and the plan adds no sound: a silent "
                                        "video (no gap is the edit's)"));
    json_t *gaps = json_array();
    double gap_total = 0, gap_max = 0, gs = -1;
    for (size_t i = 0; i <= c->blocks.n && c->audio_seen && !silent_video; i++) {
        int s = i < c->blocks.n && c->blocks.v[i].rms_db < GAP_DB;
        double t = i < c->blocks.n ? c->blocks.v[i].t : D;
        if (s && gs < 0)
            gs = t;
        if (!s && gs >= 0) {
            double l = t - gs;
            if (l >= 1.0) {
                gap_total += l;
                if (l > gap_max)
                    gap_max = l;
                if (json_array_size(gaps) < 20)
                    json_array_append_new(gaps, json_pack("[o, o]", json_round(gs, 2), json_round(t, 2)));
                if (l >= GAP_MAX_S - GAP_SLACK_S)
                    advise(m, "silence from %.1f s to %.1f s: add music or cut it", gs, t);
            }
            gs = -1;
        }
    }
    json_object_set_new(ev, "silence_gaps", gaps);
    double silence_score = D > 0 ? clamp01(1 - 4 * gap_total / D) : 1;
    int gap_ok = gap_max < GAP_MAX_S - GAP_SLACK_S;

    /* A/V sync: scored and gated only where it can be measured */
    struct sync_result sr;
    sync_measure(c, &sr);
    int sync_ok = 1;
    double sync_score = 1;
    json_t *sj = json_object();
    json_object_set_new(sj, "measurable", json_boolean(sr.measurable));
    json_object_set_new(sj, "flash_events", json_integer(sr.flashes));
    json_object_set_new(sj, "events", json_integer(sr.events));
    int have = sr.events >= 3; /* an offset and its spread, measurable or not */
    json_object_set_new(sj, "offset_ms", have ? json_round(sr.offset_ms, 1) : json_null());
    json_object_set_new(sj, "mad_ms", have ? json_round(sr.mad_ms, 1) : json_null());
    size_t shown = sr.events < SYNC_MAX_EVENTS ? (size_t)sr.events : SYNC_MAX_EVENTS;
    json_object_set_new(sj, "flashes_s", json_times(sr.flash_t, shown, 20));
    json_object_set_new(sj, "onsets_s", json_times(sr.onset_t, shown, 20));
    if (!sr.measurable)
        json_object_set_new(sj, "why", json_string(sr.why));
    json_object_set_new(ev, "sync", sj);
    if (sr.measurable) {
        double off = sr.offset_ms, tol = off > 0 ? SYNC_LATE_MS : SYNC_EARLY_MS;
        sync_ok = off <= SYNC_LATE_MS && off >= -SYNC_EARLY_MS;
        sync_score = clamp01(1 - (fabs(off) - tol) / (2 * tol));
        if (!sync_ok) {
            struct buf at = BUF_INIT;
            for (size_t i = 0; i < shown && i < 4; i++)
                buf_addf(&at, "%s%.2f s", i ? ", " : "", sr.flash_t[i]);
            advise(m,
                   "the sound is %.0f ms %s against the picture (flash and sound events at %s%s): "
                   "shift the audio by %+.0f ms",
                   fabs(off), off > 0 ? "late" : "early", at.buf, shown > 4 ? ", ..." : "",
                   -off);
            buf_release(&at);
        }
    }

    if (sr.measurable)
        m->score = 0.30 * loud_score + 0.15 * tp_score + 0.20 * (flash_ok && red_ok) +
                   0.1 * silence_score + 0.1 * clip_score + 0.05 * flicker_score +
                   0.1 * sync_score;
    else
        m->score = 0.35 * loud_score + 0.15 * tp_score + 0.25 * (flash_ok && red_ok) +
                   0.1 * silence_score + 0.1 * clip_score + 0.05 * flicker_score;
    m->gate = loud_ok && tp_ok && clip_ok && flash_ok && red_ok && gap_ok && sync_ok;
    json_object_set_new(m->threshold, "loudness_tolerance_lu", json_real(tol));
    json_object_set_new(m->threshold, "true_peak_max_dbtp", json_round(tp_max, 2));
    json_object_set_new(m->threshold, "max_flashes_per_s", json_real(MAX_FLASHES));
    json_object_set_new(m->threshold, "max_clipped_share", json_real(CLIP_MAX));
    json_object_set_new(m->threshold, "max_silence_gap_s", json_real(GAP_MAX_S));
    json_object_set_new(m->threshold, "sync_late_ms", json_real(SYNC_LATE_MS));
    json_object_set_new(m->threshold, "sync_early_ms", json_real(SYNC_EARLY_MS));
}
