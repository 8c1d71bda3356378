/*
 * EditPlan v1 (../shared/spec/editplan-v1.md): the model in C, its decoder
 * and validator, encoder, JSON Schema and timeline.
 *
 * Ownership: a struct plan owns every string and array it points to;
 * plan_release frees them all. Decoding fills defaults from the spec, so
 * every field of the model is meaningful after a successful decode.
 * Times are seconds (double) as written in the plan; plan_timeline() gives
 * the snapped, frame-exact view the renderer uses.
 */
#ifndef REEL_PLAN_PLAN_H
#define REEL_PLAN_PLAN_H

#include <stddef.h>

#include "core/err.h"
#include "core/json.h"
#include "media/probe.h"

#define PLAN_SCHEMA_ID "reel.editplan/1"

/* ---- the model ---- */

enum plan_op_kind {
    OP_CUT,
    OP_TRANSITION,
    OP_OVERLAY,
    OP_TEXT,
    OP_CAPTIONS,
    OP_AUDIO,
    OP_COLOR,
    OP_FADE,
};

enum plan_fit { FIT_COVER, FIT_CONTAIN, FIT_STRETCH };

enum plan_transition_kind {
    TR_CROSSFADE,
    TR_FADE_BLACK,
    TR_FADE_WHITE,
    TR_WIPE_LEFT,
    TR_WIPE_RIGHT,
    TR_SLIDE_LEFT,
    TR_SLIDE_UP,
    TR_CIRCLE_OPEN,
    TR_DISSOLVE,
};

/* A position: one of the nine named anchors, or free (x, y) in 0..1 when
 * anchor == POS_XY. */
enum plan_anchor {
    POS_TOP_LEFT,
    POS_TOP,
    POS_TOP_RIGHT,
    POS_LEFT,
    POS_CENTER,
    POS_RIGHT,
    POS_BOTTOM_LEFT,
    POS_BOTTOM,
    POS_BOTTOM_RIGHT,
    POS_XY,
};
struct plan_position {
    enum plan_anchor anchor;
    double x, y; /* for POS_XY */
};

/* A colour: r, g, b, a in 0..255; `set` is 0 for JSON null ("none"). */
struct plan_color {
    int set;
    unsigned char r, g, b, a;
};

struct plan_text_style {
    char *font;                 /* fontconfig family, default "DejaVu Sans" */
    double size;                /* fraction of output height, default 0.06 */
    struct plan_color color;    /* default #FFFFFF */
    struct plan_color outline;  /* default #000000; set == 0 for null */
    struct plan_color box;      /* default null */
    /* captions only: */
    int max_chars_per_line;     /* 42 */
    int max_lines;              /* 2 */
    struct plan_color highlight; /* null by default */
};

struct plan_cue {
    double start, end;
    char *text;
};

struct plan_op {
    enum plan_op_kind kind;
    char *id; /* NULL when absent */

    /* cut, overlay, audio: asset label; color: lut label (NULL when none) */
    char *asset;

    /* cut */
    double in, out;     /* source times; out < 0 when absent (images) */
    double duration;    /* images (cut); transition; fade. < 0 when absent */
    double speed;       /* 1.0 */
    double volume_db;   /* cut, overlay?, audio: 0 */
    int mute;
    enum plan_fit fit;
    double focus_x, focus_y; /* 0.5, 0.5 */

    /* transition */
    char *after; /* cut id */
    enum plan_transition_kind transition;

    /* connected ops: overlay, text, captions, audio, color */
    double start; /* timeline time, 0 */
    double end;   /* timeline time; < 0 when null / absent ("until the end") */

    /* overlay */
    struct plan_position position; /* overlay/text: center; captions: bottom */
    double width;   /* 1.0 */
    double margin;  /* 0.03 */
    double opacity; /* 1.0 */
    int audio;      /* overlay: mix its sound */
    /* `in` above is also the overlay's / audio's source start (0) */

    /* text */
    char *text;
    struct plan_text_style style; /* text and captions */

    /* captions */
    int source_transcript; /* 1: from the job's transcript; 0: cues */
    struct plan_cue *cues;
    size_t ncues;

    /* audio */
    int loop;
    double fade_in, fade_out;
    int duck;             /* duck under speech */
    double duck_amount_db; /* -10 */

    /* color */
    double brightness, contrast, saturation, gamma; /* 0, 1, 1, 1 */
    char *lut;            /* asset label of a .cube, or NULL */

    /* fade */
    int fade_out_kind; /* 0: "in", 1: "out" */
};

enum plan_vcodec { VCODEC_H264, VCODEC_HEVC, VCODEC_VP9, VCODEC_AV1 };
enum plan_acodec { ACODEC_AAC, ACODEC_OPUS };
enum plan_container { CONT_MP4, CONT_MOV, CONT_MKV, CONT_WEBM };

struct plan_output {
    int width, height;     /* 0 until resolved from the first cut's asset */
    double fps;            /* 0 until resolved */
    char aspect[8];        /* "" when absent */
    enum plan_vcodec vcodec;
    int crf;               /* 20 */
    char *preset;          /* "medium" */
    enum plan_acodec acodec;
    int audio_bitrate_kbps; /* 160 */
    int sample_rate;        /* 48000 */
    int loudness_set;       /* 0 when loudness_lufs is null */
    double loudness_lufs;   /* -14 */
    double true_peak_dbtp;  /* -1 */
    enum plan_container container;
    struct plan_color background; /* #000000 */
};

/* One asset a plan may name: its label and what probing found. */
struct plan_asset {
    char *label;
    char *path;             /* path or URL */
    struct media_info info; /* valid when `probed` */
    int probed;
};

struct plan {
    char *title;
    char *notes;
    struct plan_output output;
    struct plan_op *ops;
    size_t nops;
    struct plan_asset *assets; /* from the plan's "assets" object and --asset flags */
    size_t nassets;
};

/* ---- validation errors: every problem at once ---- */

/* Codes (documented in docs/plan-errors.md; the list is fixed):
 * required, unknown_key, wrong_type, out_of_range, bad_value, unknown_asset,
 * wrong_asset_kind, bad_reference, duplicate_id, overlap, too_long,
 * unsupported, empty_timeline, past_end, aspect_mismatch, bad_json, too_large */
struct plan_issue {
    char path[160];
    char code[32];
    char message[320];
};

struct plan_issues {
    struct plan_issue *v;
    size_t n, cap;
};
#define PLAN_ISSUES_INIT {NULL, 0, 0}

void plan_issues_add(struct plan_issues *is, const char *path, const char *code, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
void plan_issues_release(struct plan_issues *is);
/* [{"path":..,"code":..,"message":..}, ...]; new reference. */
json_t *plan_issues_to_json(const struct plan_issues *is);

/* ---- decode, validate, encode ---- */

void plan_init(struct plan *p);
void plan_release(struct plan *p);

/*
 * Decode a JSON document into *p, checking every field's type, range and
 * key (unknown keys are errors) and filling defaults. All problems go to
 * `issues`; returns REEL_OK only when there are none (REEL_EINVAL otherwise).
 * Does not need the assets (see plan_validate).
 */
enum reel_code plan_decode(const json_t *doc, struct plan *p, struct plan_issues *issues);

/* Parse text (with line/column for malformed JSON, size cap) then decode. */
enum reel_code plan_decode_text(const char *text, size_t len, const char *source, struct plan *p,
                                struct plan_issues *issues);

/*
 * Add or replace an asset label -> path (command-line --asset wins over the
 * plan's "assets" object).
 */
void plan_set_asset(struct plan *p, const char *label, const char *path);
/* Find an asset by label, or NULL. */
struct plan_asset *plan_find_asset(const struct plan *p, const char *label);

/*
 * Probe every asset the plan names (skips ones already probed) and check the
 * plan against the facts: kinds, in/out within durations, transitions and
 * their neighbours, ops starting before the timeline's end, output size from
 * the first cut when absent, codecs available, ... Appends to `issues`;
 * returns REEL_OK when there are none.
 */
enum reel_code plan_validate(struct plan *p, struct plan_issues *issues);

/* The plan as JSON (every field, defaults included); new reference. */
json_t *plan_encode(const struct plan *p);

/* The JSON Schema (draft 2020-12) text, compiled into the binary. */
const char *plan_schema_text(void);

/* ---- the timeline: every time snapped to the output frame grid ---- */

struct plan_span {
    size_t op_index;
    long start_frame, end_frame; /* [start, end) on the timeline */
    /* cuts: source frames of in/out after snapping; others -1 */
    long in_frame, out_frame;
};

struct plan_timeline {
    double fps;
    long total_frames;  /* D in frames */
    double duration;    /* D in seconds */
    struct plan_span *spans; /* one per op, in op order */
    size_t nspans;
};

/* Requires a validated plan (output.fps resolved). */
enum reel_code plan_timeline(const struct plan *p, struct plan_timeline *tl, struct reel_err *err);
void plan_timeline_release(struct plan_timeline *tl);

/* Snap seconds to the frame grid: round(t * fps) / fps. */
double plan_snap(double t, double fps);

const char *plan_op_kind_name(enum plan_op_kind k);
const char *plan_transition_name(enum plan_transition_kind k);

#endif
