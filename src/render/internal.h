/* Private to src/render: the frame-exact timeline view, captions, progress parsing. */
#ifndef REEL_RENDER_INTERNAL_H
#define REEL_RENDER_INTERNAL_H

#include "render/render.h"

/* The output frame grid as an exact rational. */
struct rgrid {
    int num, den; /* fps = num / den */
    double fps;
    int sample_rate;
};

/* Per-op frames on the timeline (cuts: where they sit; others: their span). */
struct rspan {
    long start, end; /* [start, end) timeline frames */
    long frames;     /* cuts: their length; transitions: the overlap */
    long in_frame;   /* cuts: source in, in output frames */
};

struct rtl {
    struct rgrid g;
    long total;          /* D in frames */
    struct rspan *spans; /* one per op */
    size_t n;
};

/* Build the frame view of a plan (own frame math, same rules as plan_snap). */
enum reel_code rtl_build(const struct plan *p, struct rtl *t, struct reel_err *err);
void rtl_release(struct rtl *t);
long rtl_frames(const struct rgrid *g, double seconds); /* round(t * fps) */
double rtl_seconds(const struct rgrid *g, long frames); /* frames / fps */
long rtl_samples(const struct rgrid *g, long frames);   /* frames as audio samples */

/* ---- captions (captions.c) ---- */

struct cap_word {
    double start, end; /* timeline seconds */
    char *word;
    double confidence; /* the recogniser's, 0..1 (1 for a script's words) */
    int script;        /* from the user's script, not heard */
};
struct cap_cue {
    double start, end;
    char *text;             /* whole cue text (words joined by spaces, or the cue's) */
    struct cap_word *words; /* NULL when word times are unknown */
    size_t nwords;
};
struct cap_list {
    struct cap_cue *v;
    size_t n, cap;
};

/* Words of `transcripts` mapped through the plan's cuts to timeline time,
 * grouped into cues. */
enum reel_code captions_from_transcript(const struct plan *p, const struct rtl *t,
                                        const json_t *transcripts, int max_chars, int max_lines,
                                        struct cap_list *out, struct reel_err *err);
void captions_from_cues(const struct plan_op *op, const struct rtl *t, struct cap_list *out);
/* Free what one cue owns (its text and words), not the cue itself. */
void cap_cue_release(struct cap_cue *q);
void cap_list_release(struct cap_list *l);

/* Break text into lines of at most max_chars code points (words longer than
 * a line are split); returns the number of lines, lines separated by '\n'. */
size_t captions_wrap(const char *text, int max_chars, struct buf *out);

/* An ASS subtitle document for one captions op. */
void captions_write_ass(const struct plan_op *op, const struct cap_list *cues, int width,
                        int height, struct buf *out);
/* Escape text for an ASS Dialogue line (literal braces, backslashes, newlines). */
void ass_escape(struct buf *out, const char *s);

/* ---- progress (run.c) ---- */

struct progress_parser {
    struct buf line;
    struct render_progress cur;
    double expected; /* seconds */
    int measure;
};
/* Feed ffmpeg -progress output; calls fn at each "progress=" line. */
void progress_feed(struct progress_parser *pp, const char *data, size_t len, render_progress_fn fn,
                   void *ud);

/* Parse loudnorm's print_format=json block from a stderr log. */
int loudness_parse(const char *log, struct render_loudness *out);

/* The relevant error lines of an ffmpeg stderr log (see render.h). */
void stderr_relevant(const char *log, struct buf *out);

#endif
