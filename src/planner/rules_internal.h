/* Private declarations shared by the rules planner's files:
 *   rules_select.c    candidates from each asset's facts, scores, selection, output geometry
 *   rules_beats.c     the music's beat grid and snapping cuts to it
 *   rules_assemble.c  params, the storyline and the plan's operations (rules_plan)
 *   rules_revise.c    plan edits that answer an evaluation (rules_revise)
 */
#ifndef REEL_PLANNER_RULES_INTERNAL_H
#define REEL_PLANNER_RULES_INTERNAL_H

#include "planner/internal.h"

#define PAD 0.08       /* kept around each word */
#define MERGE_GAP 0.45 /* pauses up to this stay inside a segment */
#define MIN_SEG 0.3

struct rules_params {
    const struct planner_brief *brief;
    int pace; /* 0 very fast, 1 fast, 2 medium, 3 slow */
    double loudness_lufs;
    double true_peak_dbtp;
    char logo_position[16];
    double logo_width, logo_margin;
    char cap_color[12], cap_outline[12], cap_box[12];
    double cap_size;
    int cap_max_chars;
};

static const double pace_window[] = {0.8, 1.6, 3.0, 5.0};
static const double pace_talk_max[] = {2.5, 4.0, 8.0, 1e9};

struct seg {
    size_t asset;
    double in, out;
    double score;
    int talking;
    int chosen;
    long in_f, len_f; /* on the output frame grid */
};
typedef VEC(struct seg) seg_vec;

struct ival {
    double s, e;
};
typedef VEC(struct ival) ival_vec;
typedef VEC(double) dbl_vec;

/* The cuts for these params: the storyline and its facts. */
struct storyline {
    seg_vec cuts;
    double fps;
    int width, height;
    char aspect[8];
    int talking;
    int beats_snapped;
    int footage_limited; /* the brief asks for more than the footage holds: all of it, whole */
    double removed_s; /* talking footage: seconds of pauses and fillers cut */
    int from_words;   /* talking footage cut by transcript words (else speech regions) */
    long total_f;
};

/* rules_select.c */
double rules_asset_duration(const struct planner_asset *a);
int rules_is_footage(const struct planner_asset *a);
const char *rules_nearest_aspect(int w, int h);
void rules_output_size(const char *aspect, int sw, int sh, int *w, int *h);
double rules_pick_fps(double src);
int rules_is_talking(const struct planner_asset *a);
const json_t *rules_words_of(const struct planner_asset *a);
void rules_talking_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out);
void rules_footage_segments(const struct planner_asset *a, size_t ai, int pace, seg_vec *out);
void rules_select_segments(const struct planner_asset *assets, seg_vec *all, double target,
                           seg_vec *out);
void rules_aspect_ratio(const char *aspect, int *a, int *b);
int rules_activity_focus(const json_t *analysis, double t0, double t1, double *fx, double *fy);

/* rules_beats.c */
void rules_beat_times(const struct planner_asset *music, double horizon, dbl_vec *out);
int rules_snap_to_beats(seg_vec *cuts, const struct planner_asset *assets, double fps,
                        const dbl_vec *beats, long target_f);

/* rules_assemble.c */
json_t *rules_jnum(double v);
void rules_fit_title(const char *text, double *size, int W, int H, struct buf *out);
json_t *rules_captions_op(const struct rules_params *p, const struct storyline *sl);
const struct planner_asset *rules_pick_logo(const struct planner_asset *assets, size_t n,
                                            const char *label);
json_t *rules_logo_op(const struct rules_params *p, const struct planner_asset *logo);
json_t *rules_title_op(const struct rules_params *p, const char *title, double D, int W, int H);
const struct planner_asset *rules_pick_music(const struct planner_asset *assets, size_t n,
                                             const char *label);
enum reel_code rules_build_storyline(const struct rules_params *p,
                                     const struct planner_asset *assets, size_t n,
                                     const struct planner_asset *music, struct storyline *sl,
                                     struct reel_err *err);
json_t *rules_cuts_json(const struct storyline *sl, const struct planner_asset *assets,
                        int mute_other);
void rules_broll_cutaways(const struct rules_params *p, const struct planner_asset *assets,
                          size_t n, const struct storyline *sl, const struct planner_asset *music,
                          json_t *ops);
void rules_params_defaults(struct rules_params *p, const struct planner_brief *b);
int rules_asset_allowed(const struct planner_brief *b, const struct planner_asset *a);
json_t *rules_look_op(const struct planner_brief *b, const struct planner_asset *assets, size_t n);
json_t *rules_build_plan(const struct rules_params *p, const struct planner_asset *assets, size_t n,
                         struct reel_err *err);
const struct planner_asset *rules_pick_asset(const struct planner_asset *assets, size_t n,
                                             const char *label, const char *type);

#endif
