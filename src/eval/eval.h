/*
 * Evaluation: six metrics score a finished render against the plan that
 * made it, and decide whether it is golden (docs/eval.md).
 *
 *   clarity       size/fps/codecs/bits per pixel vs plan and sources, no
 *                 upscaling (declared and measured), no black bars, no
 *                 dropped or duplicated frames
 *   punchiness    cut density vs the brief's pace; cuts on musical beats
 *   retention     hook in the first 3 s, shot-length spread, dead air
 *   captions      OCR vs the plan's text (CER), WCAG contrast, reading
 *                 speed, line length, title-safe area
 *   brand         colour palette fit, logo found where/when/as big as planned
 *   watchability  EBU R128 loudness and true peak, flashes (3 per second
 *                 rule, red flashes), flicker, silence gaps, clipping
 *
 * All metrics share ONE decode pass of the render (media/decode.h). Each
 * metric yields a score in [0, 1], a gate (pass/fail) with its thresholds,
 * the evidence it used (numbers and the times of what it found) and advice
 * a planner can act on. The overall score is the weighted mean of the
 * applicable metrics; a render is golden when overall > 0.85 and every gate
 * passes.
 *
 * Report (eval_render's output, a JSON object the caller owns):
 *   {"schema": "reel.eval/1", "render": PATH, "overall": 0.91,
 *    "golden": true, "gates_passed": true,
 *    "weights": {"clarity": 1, ...},
 *    "metrics": [{"metric": "watchability", "score": 0.4, "gate": false,
 *                 "applicable": true, "threshold": {...},
 *                 "evidence": {"integrated_lufs": -5.1, "target_lufs": -14, ...},
 *                 "advice": ["lower loudness by 8.9 LU (measured -5.1 LUFS, target -14)"]},
 *                ...],
 *    "render_info": {...probe...}, "timing_ms": {"decode": .., "total": ..}}
 * A metric that does not apply (no captions in the plan; no logo and no
 * palette) has "applicable": false, "score": null, "gate": true and does not
 * count in the overall score.
 */
#ifndef REEL_EVAL_EVAL_H
#define REEL_EVAL_EVAL_H

#include "core/err.h"
#include "core/json.h"
#include "plan/plan.h"

enum eval_metric_id {
    EVAL_CLARITY,
    EVAL_PUNCHINESS,
    EVAL_RETENTION,
    EVAL_CAPTIONS,
    EVAL_BRAND,
    EVAL_WATCHABILITY,
    EVAL_NMETRICS
};

#define EVAL_GOLDEN_SCORE 0.85

/* "clarity", "punchiness", "retention", "captions", "brand", "watchability" */
const char *eval_metric_name(enum eval_metric_id id);

struct eval_opts {
    /* The brief's pace: "slow", "medium" or "fast"; NULL: "medium". */
    const char *pace;
    /*
     * Brand style (borrowed, may be NULL), the planner's brand style file
     * (docs/planner.md) plus "weights":
     *   {"weights": {"clarity": 1, ...}, "palette": ["#RRGGBB", ...], ...}
     * Other keys are ignored here: the logo is checked from the plan's
     * overlay ops (where the plan put it), not from the style.
     */
    const json_t *style;
    /* Weights: eval_weights_default, then REEL_EVAL_WEIGHTS (the caller
     * passes its text here), then style.weights; later wins per metric. */
    const char *weights_spec; /* "clarity=1,captions=2,..." or NULL */
    /* Beats of the music asset if already analysed (media_analyze's
     * {"bpm":..,"confidence":..,"times":[...]}), borrowed; NULL: eval
     * detects them itself with aubio. */
    const json_t *music_beats;
    /* Timed words of the render's speech ([{"start","end","word"}...] or a
     * transcript object with "words"), borrowed, NULL when unknown: used for
     * the hook (speech in the first 3 s). */
    const json_t *transcript;
    /* Analysis width of the shared decode pass (0: 640, never above the
     * render's own width). */
    int analysis_width;
    /* Decoder threads (0: auto). */
    int threads;
    /* The text of captions the plan does not hold itself (source
     * "transcript"), as the render burned it: render_caption_cues's
     * [{"op", "start", "end", "text"}] (borrowed, may be NULL: such captions
     * are then not checked on screen, and the evidence says so). */
    const json_t *caption_cues;
    /* The words heard in the render's own sound, re-transcribed
     * ([{"start","end","word"}...] in render seconds, or a transcript
     * object with "words"), borrowed, NULL: not heard. The captions
     * metric checks each cue from speech or a script against them. */
    const json_t *heard;
};
#define EVAL_OPTS_INIT {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL}

/*
 * Score the render at `render_path` against `plan` (decoded and validated,
 * assets resolved to paths; assets not yet probed are probed here).
 * On success *report is a new JSON object (see above) owned by the caller.
 * Errors: REEL_ENOTFOUND / REEL_EINVAL (render missing or not a video),
 * REEL_EINVAL (a bad weights spec or style file), REEL_ESYS / REEL_ETOOL
 * (decoding, OCR engine failed to start). A metric that cannot measure
 * something (e.g. an asset unreadable) says so in its evidence instead of
 * failing the whole evaluation.
 */
enum reel_code eval_render(const char *render_path, const struct plan *plan,
                           const struct eval_opts *opts, json_t **report, struct reel_err *err);

/* 1 when the report says golden: overall > EVAL_GOLDEN_SCORE and every gate passed. */
int eval_is_golden(const json_t *report);

/* Default weights (all 1). */
void eval_weights_default(double w[EVAL_NMETRICS]);
/*
 * Apply "name=value,name=value" (values >= 0) over w. REEL_EINVAL with a
 * message naming the bad part for an unknown metric or a bad number.
 */
enum reel_code eval_weights_parse(const char *spec, double w[EVAL_NMETRICS], struct reel_err *err);

/* A readable report: one line per metric (score, gate, main evidence),
 * then the overall line and advice. Appended to out. */
void eval_report_format(const json_t *report, struct buf *out, int color);

#endif
