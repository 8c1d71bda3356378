/*
 * Exporters: a validated plan written in another editor's format.
 *
 * Every format is driven from one walk of plan_timeline() (the snapped
 * spans `reel plan timeline` prints and the renderer uses), collected in a
 * struct export_walk, so formats never disagree with each other or with
 * the render. Formats are a table of const structs (export_find()).
 *
 * export_run() appends the document to `out` (never NULL, NUL-terminated).
 * The plan must be validated (assets probed); errors are REEL_EINVAL with
 * a JSON path when the plan cannot be expressed (e.g. no cuts).
 *
 * Caption cues come from render_caption_cues() (src/render), so an export
 * carries exactly the cues `reel render` burns in: the plan's cues and,
 * given the transcripts, the words of captions ops with source
 * "transcript" mapped through the cuts and paged as the render pages them.
 */
#ifndef REEL_EXPORT_EXPORT_H
#define REEL_EXPORT_EXPORT_H

#include "core/err.h"
#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"

/* One cut on the main video track, in timeline frames. */
struct export_clip {
    size_t op_index;
    const char *label; /* asset label (borrowed from the plan) */
    const char *path;  /* asset path, NULL when unknown */
    double asset_fps;  /* the asset's own rate; output fps for images / unknown */
    long start, end;   /* [start, end) on the timeline */
    long in, out;      /* source frames at the output rate; -1 for images */
    double speed;
    long tr_in; /* frames of transition from the previous clip, 0 for a cut */
    enum plan_transition_kind tr_kind;
    /* The same clip laid out for editors whose transitions take no track
     * time (OTIO, FCPXML): each transition centred on its edit point, clips
     * abutting. [lay_start, lay_end) on the timeline, source from lay_in
     * (output-rate source frames); tr_in / 2 of the transition lies before
     * the edit point, the rest after. */
    long lay_start, lay_end;
    double lay_in;
};

/* One timed text: a text op or a caption cue, in timeline frames. */
struct export_cue {
    long start, end;
    const char *text; /* borrowed from the plan or the walk's caption cues */
    size_t op_index;  /* the text or captions op */
};

struct export_walk {
    const struct plan *plan;
    double fps;
    long total;
    struct export_clip *clips;
    size_t nclips;
    struct export_cue *cues;
    size_t ncues;
    json_t *caption_cues; /* render_caption_cues()'s array (owns the caption texts) */
    /* captions ops with source "transcript" whose words could not be
     * exported because no transcripts were given */
    size_t transcript_ops_left_out;
};

/*
 * transcripts: {label: transcript} as `reel render --transcripts` reads,
 * or NULL. Errors: a bad transcript (REEL_EINVAL, as render_caption_cues).
 */
enum reel_code export_walk_init(struct export_walk *w, const struct plan *p,
                                const json_t *transcripts, struct reel_err *err);
void export_walk_release(struct export_walk *w);

struct export_format {
    const char *name;         /* "otio", "fcpxml", "edl", "srt", "vtt" */
    const char *content_type; /* for HTTP */
    const char *extension;    /* ".otio" */
    enum reel_code (*write)(const struct export_walk *w, struct buf *out, struct reel_err *err);
};

/*
 * SMPTE timecode of frame number `frame` (>= 0; negative counts as 0) at
 * the rate fps_num/fps_den, into out: "HH:MM:SS:FF" at the nominal integer
 * rate, or drop-frame "HH:MM:SS;FF" at 30000/1001 and 60000/1001 (frame
 * numbers 0 and 1, 0 to 3 at 59.94, skipped at the start of every minute
 * but each tenth, so the timecode keeps to the clock). Returns 1 for
 * drop-frame, 0 otherwise.
 */
int export_timecode(long frame, int fps_num, int fps_den, char out[16]);

/* The format named `name`, or NULL. */
const struct export_format *export_find(const char *name);
/* "otio, edl, srt, vtt": for error messages. */
const char *export_format_names(void);

/* The document in format f. *left_out (when not NULL) gets the number of
 * transcript captions ops left out for want of transcripts, for the caller
 * to report. */
enum reel_code export_run(const struct export_format *f, const struct plan *p,
                          const json_t *transcripts, struct buf *out, size_t *left_out,
                          struct reel_err *err);

#endif
