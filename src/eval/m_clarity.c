/*
 * Clarity & resolution: the render's export settings against the plan and
 * the sources, a measured upscaling check, bits per pixel, black bars and
 * frame timing.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

/* Below this share of its sources' high-frequency energy the render has
 * lost detail (upscaled from a smaller copy, blurred, starved of bits).
 * On the calibration corpus (docs/eval.md) clean renders keep >= 0.81
 * (real clips) and >= 0.79 (generated), the best-kept defect (a real film
 * upscaled 1.5x) 0.69. */
#define DETAIL_KEPT_MIN 0.74

static const char *vcodec_name(enum plan_vcodec v)
{
    switch (v) {
    case VCODEC_H264: return "h264";
    case VCODEC_HEVC: return "hevc";
    case VCODEC_VP9: return "vp9";
    case VCODEC_AV1: return "av1";
    }
    return "?";
}

static double min_bpp(const char *codec)
{
    if (!strcmp(codec, "h264"))
        return 0.02;
    if (!strcmp(codec, "av1"))
        return 0.01;
    return 0.014; /* hevc, vp9 and the rest */
}

void metric_clarity(struct eval_ctx *c, struct metric_out *m)
{
    const struct plan *p = c->plan;
    const struct media_info *ri = &c->info;
    int rw, rh;
    media_display_size(ri, &rw, &rh);
    json_t *ev = m->evidence;
    m->applicable = 1;

    json_t *render = json_pack("{s:i, s:i, s:o, s:s, s:s, s:I}", "width", rw, "height", rh, "fps",
                               json_round(ri->fps, 3), "video_codec", ri->vcodec, "audio_codec",
                               ri->acodec, "bitrate_kbps", (json_int_t)(ri->bitrate / 1000));
    json_object_set_new(ev, "render", render);
    json_object_set_new(ev, "plan",
                        json_pack("{s:i, s:i, s:o, s:s}", "width", p->output.width, "height",
                                  p->output.height, "fps", json_round(p->output.fps, 3),
                                  "video_codec", vcodec_name(p->output.vcodec)));

    /* requested size, fps, codec */
    int size_ok = !p->output.width || (p->output.width == rw && p->output.height == rh);
    int fps_ok = p->output.fps <= 0 || fabs(ri->fps - p->output.fps) <= 0.01 * p->output.fps;
    int codec_ok = !strcmp(ri->vcodec, vcodec_name(p->output.vcodec));
    if (!size_ok)
        advise(m, "the render is %dx%d but the plan asked for %dx%d", rw, rh, p->output.width,
               p->output.height);
    if (!fps_ok)
        advise(m, "the render runs at %.3f fps but the plan asked for %.3f", ri->fps,
               p->output.fps);
    if (!codec_ok)
        advise(m, "the render's video codec is %s, the plan asked for %s", ri->vcodec,
               vcodec_name(p->output.vcodec));

    /* upscaling the sources need: the best source's scale factor */
    double best_factor = 1e9;
    const char *best_label = NULL;
    int best_w = 0, best_h = 0;
    json_t *sources = json_array();
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_CUT)
            continue;
        const struct plan_asset *a = NULL;
        for (size_t k = 0; k < p->nassets; k++)
            if (p->assets[k].label && op->asset && !strcmp(p->assets[k].label, op->asset))
                a = &p->assets[k];
        struct media_info mi;
        if (!a || !a->path)
            continue;
        if (a->probed)
            mi = a->info;
        else if (media_probe(a->path, &mi, NULL) != REEL_OK)
            continue;
        int sw, sh;
        media_display_size(&mi, &sw, &sh);
        if (sw <= 0 || sh <= 0)
            continue;
        double fx = (double)rw / sw, fy = (double)rh / sh;
        double f = op->fit == FIT_CONTAIN ? fmin(fx, fy) : fmax(fx, fy);
        int dup = 0;
        for (size_t k = 0; k < json_array_size(sources); k++)
            if (!strcmp(json_get_str(json_array_get(sources, k), "label", ""), op->asset))
                dup = 1;
        if (!dup)
            json_array_append_new(sources, json_pack("{s:s, s:i, s:i, s:o}", "label", op->asset,
                                                     "width", sw, "height", sh, "scale_factor",
                                                     json_round(f, 3)));
        if (f < best_factor)
            best_factor = f, best_label = op->asset, best_w = sw, best_h = sh;
    }
    json_object_set_new(ev, "sources", sources);
    int declared_up = best_label && best_factor > 1.05;
    if (best_label)
        json_object_set_new(ev, "best_source",
                            json_pack("{s:s, s:i, s:i, s:o}", "label", best_label, "width", best_w,
                                      "height", best_h, "scale_factor",
                                      json_round(best_factor, 3)));
    if (declared_up)
        advise(m,
               "the render (%dx%d) is %.2fx larger than its best source '%s' (%dx%d): render at "
               "most %dx%d or use sharper footage",
               rw, rh, best_factor, best_label, best_w, best_h, (int)(rw / best_factor) & ~1,
               (int)(rh / best_factor) & ~1);

    /* measured: how much of its sources' detail does the picture keep? */
    double *sr = xmalloc((c->sharp_ratio.n + 1) * sizeof(double));
    for (size_t i = 0; i < c->sharp_ratio.n; i++)
        sr[i] = c->sharp_ratio.v[i];
    double med = c->sharp_ratio.n >= 3 ? percentile(sr, c->sharp_ratio.n, 50) : -1;
    free(sr);
    json_t *samples = json_array();
    double kept = detail_measure(c, samples);
    int measured_up = kept >= 0 && kept < DETAIL_KEPT_MIN;
    json_object_set_new(ev, "detail",
                        json_pack("{s:o, s:f, s:b, s:o}", "kept", json_round(kept, 3),
                                  "threshold", DETAIL_KEPT_MIN, "lost", measured_up, "samples",
                                  samples));
    if (kept < 0)
        json_object_set_new(json_object_get(ev, "detail"), "why",
                            json_string("no source frame could be compared with the render "
                                        "(sources unreadable, or every sample under a "
                                        "transition, grade or b-roll)"));
    json_object_set_new(ev, "sharpness",
                        json_pack("{s:o, s:i, s:i}", "detail_ratio", json_round(med, 3),
                                  "samples", (int)c->sharp_ratio.n, "analysis_width", c->aw));
    if (measured_up)
        advise(m,
               "the picture keeps %.0f%% of its sources' fine detail (a clean render keeps over "
               "%.0f%%): it was upscaled from a smaller copy, blurred or starved of bits; render "
               "at the sources' size or above and check video.crf",
               kept * 100, DETAIL_KEPT_MIN * 100);

    /* bits per pixel */
    double abr = ri->has_audio ? p->output.audio_bitrate_kbps * 1000.0 : 0;
    double vbr = ri->bitrate > 0 ? ri->bitrate - abr : 0;
    double bpp = (rw > 0 && rh > 0 && ri->fps > 0 && vbr > 0) ? vbr / ((double)rw * rh * ri->fps) : -1;
    double floor_bpp = min_bpp(ri->vcodec);
    int bpp_ok = bpp < 0 || bpp >= floor_bpp;
    json_object_set_new(ev, "bits_per_pixel", json_round(bpp, 4));
    json_object_set_new(ev, "min_bits_per_pixel", json_round(floor_bpp, 4));
    if (!bpp_ok)
        advise(m, "only %.3f bits per pixel for %s (minimum %.3f): lower video.crf", bpp,
               ri->vcodec, floor_bpp);

    /* black bars */
    int contain = 0;
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind == OP_CUT && p->ops[i].fit == FIT_CONTAIN)
            contain = 1;
    long ns = c->bars_samples;
    int letterbox = ns >= 3 && c->bars_top >= 0.8 * ns && c->bars_bottom >= 0.8 * ns;
    int pillarbox = ns >= 3 && c->bars_left >= 0.8 * ns && c->bars_right >= 0.8 * ns;
    int bars_bad = (letterbox || pillarbox) && !contain;
    json_object_set_new(
        ev, "bars",
        json_pack("{s:b, s:b, s:b, s:i, s:o, s:o}", "letterbox", letterbox, "pillarbox", pillarbox,
                  "requested", contain, "samples", (int)ns, "letterbox_fraction",
                  json_round(c->bars_top ? c->bars_frac_v / c->bars_top : 0, 3),
                  "pillarbox_fraction",
                  json_round(c->bars_left ? c->bars_frac_h / c->bars_left : 0, 3)));
    if (bars_bad)
        advise(m, "the picture has %s bars nobody asked for: use fit \"cover\" or a source of "
                  "the output's aspect",
               letterbox ? "letterbox (top/bottom)" : "pillarbox (left/right)");

    /* frame timing */
    double expected = c->duration * (ri->fps > 0 ? ri->fps : c->fps);
    long decoded = (long)c->frames.n;
    long anomalies = c->ts_gaps + c->ts_dups + c->ts_back;
    int timing_ok = anomalies <= (long)fmax(1, 0.005 * decoded) &&
                    (expected <= 0 || decoded >= 0.98 * expected - 1);
    json_object_set_new(ev, "frames",
                        json_pack("{s:i, s:o, s:i, s:i, s:i, s:o}", "decoded", (int)decoded,
                                  "expected", json_round(expected, 1), "dropped", (int)c->ts_gaps,
                                  "duplicated", (int)c->ts_dups, "backwards", (int)c->ts_back,
                                  "max_gap_s", json_round(c->max_gap, 3)));
    if (!timing_ok)
        advise(m, "frame timing is broken: %ld dropped, %ld duplicated, %ld out of order of %ld "
                  "frames; render with a constant frame rate",
               c->ts_gaps, c->ts_dups, c->ts_back, decoded);
    /* frozen stretches and repeated pictures, against the sources */
    struct timing_result tr;
    timing_check(c, &tr);
    int frozen = tr.frozen_s >= 1.0;
    json_object_set_new(
        ev, "held_frames",
        json_pack("{s:o, s:o, s:o, s:i, s:o, s:o, s:o}", "frozen_s", json_round(tr.frozen_s, 3),
                  "frozen_at_s", tr.frozen_at >= 0 ? json_round(tr.frozen_at, 3) : json_null(),
                  "frozen_source_motion", json_round(tr.frozen_src_diff, 2), "runs_checked",
                  tr.checked_runs, "repeat_share",
                  tr.repeat_share >= 0 ? json_round(tr.repeat_share, 3) : json_null(),
                  "repeat_expected",
                  tr.repeat_expected >= 0 ? json_round(tr.repeat_expected, 3) : json_null(),
                  "source_repeat_share",
                  tr.repeat_src_share >= 0 ? json_round(tr.repeat_src_share, 3) : json_null()));
    if (frozen)
        advise(m, "the picture is frozen for %.1f s at %.2f s while its source moves: a decode or "
                  "render fault; render again from the source",
               tr.frozen_s, tr.frozen_at);
    if (tr.repeats_bad)
        advise(m, "%.0f%% of the moving frames repeat the one before (the sources give %.0f%%): "
                  "the picture was rendered at a lower frame rate and padded; render at the "
                  "output rate from the sources",
               100 * tr.repeat_share, 100 * tr.repeat_expected);
    timing_ok = timing_ok && !frozen && !tr.repeats_bad;

    double up_score = best_label ? (best_factor <= 1.05 ? 1 : 1 / best_factor) : 1;
    double sharp_score = kept < 0 || kept >= DETAIL_KEPT_MIN ? 1 : clamp01(kept / DETAIL_KEPT_MIN - 0.3);
    double bpp_score = bpp < 0 ? 1 : clamp01(0.5 + 0.5 * (bpp - floor_bpp) / floor_bpp);
    if (bpp >= 0 && bpp < floor_bpp)
        bpp_score = 0.5 * bpp / floor_bpp;
    double parts[][2] = {{size_ok, 1},     {fps_ok, 1},        {codec_ok, 0.5},
                         {up_score, 2},    {sharp_score, 2},   {bpp_score, 1},
                         {!bars_bad, 1},   {timing_ok, 1}};
    double s = 0, w = 0;
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++)
        s += parts[i][0] * parts[i][1], w += parts[i][1];
    m->score = s / w;
    m->gate = size_ok && fps_ok && codec_ok && !declared_up && !measured_up && bpp_ok &&
              !bars_bad && timing_ok;
    json_object_set_new(m->threshold,
                        "max_scale_factor", json_real(1.05));
    json_object_set_new(m->threshold, "min_detail_kept", json_real(DETAIL_KEPT_MIN));
    json_object_set_new(m->threshold, "min_bits_per_pixel", json_round(floor_bpp, 4));
    json_object_set_new(m->threshold, "max_frozen_s", json_real(1.0));
    json_object_set_new(m->threshold, "max_repeat_excess", json_real(0.08));
    json_object_set_new(m->threshold, "max_timing_anomalies",
                        json_integer((json_int_t)fmax(1, 0.005 * decoded)));
}
