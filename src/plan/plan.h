/*
 * EditPlan v1 (../shared/spec/editplan-v1.md): the model in C, its decoder
 * and validator, encoder, JSON Schema and timeline.
 *
 * Ownership: a struct plan owns every string and array it points to;
 * plan_release frees them all. Decoding fills defaults from the spec, so
 * every field of the model is meaningful after a successful decode.
 * Times are seconds (double) as written in the plan; plan_timeline() gives
 * the snapped, frame-exact view the renderer uses.
 *
 * Null and absent: every optional field may be absent or JSON null. For a
 * field whose spec type includes null (end, style.outline, style.box,
 * style.highlight, audio.loudness_lufs, duck, lut) null keeps its spec
 * meaning ("none" / "until the end"); for every other optional field null
 * means "the default". This is what lets the strict variant of the schema
 * (plan_schema_strict: every property required, optional ones nullable, as
 * OpenAI structured outputs want) and hand-written plans that omit keys
 * decode to the same model.
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
    char *font;                /* fontconfig family, default "DejaVu Sans" */
    double size;               /* fraction of output height, default 0.06 */
    struct plan_color color;   /* default #FFFFFF */
    struct plan_color outline; /* default #000000; set == 0 for null */
    struct plan_color box;     /* default null */
    /* captions only: */
    int max_chars_per_line;      /* 42 */
    int max_lines;               /* 2 */
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
    double in, out;   /* cut: source times, < 0 when absent (image cuts);
                         overlay, audio: `in` is the source start (0) */
    double duration;  /* cut: images only (< 0 when absent); transition, fade: 0.5 */
    double speed;     /* 1.0 */
    double volume_db; /* cut, audio: 0 */
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
    double width;                  /* 1.0 */
    double margin;                 /* 0.03 */
    double opacity;                /* 1.0 */
    int audio;                     /* overlay: mix its sound */
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
    int duck;              /* duck under speech */
    double duck_amount_db; /* -10 */

    /* color */
    double brightness, contrast, saturation, gamma; /* 0, 1, 1, 1 */
    char *lut;                                      /* asset label of a .cube, or NULL */

    /* fade */
    int fade_out_kind; /* 0: "in", 1: "out" */

    /* set by plan_decode when this op had a decode error; plan_validate then
     * skips the cross-field checks that would only repeat it */
    int bad;
};

enum plan_vcodec { VCODEC_H264, VCODEC_HEVC, VCODEC_VP9, VCODEC_AV1 };
enum plan_acodec { ACODEC_AAC, ACODEC_OPUS };
enum plan_container { CONT_MP4, CONT_MOV, CONT_MKV, CONT_WEBM };

struct plan_output {
    int width, height;    /* 0 until resolved from the first cut's asset */
    double fps;           /* 0 until resolved */
    int fps_num, fps_den; /* fps as an exact rational (30000/1001 for 29.97); 0/0 until resolved */
    int size_given;       /* width/height came from the plan (else resolved by plan_validate) */
    int fps_given;        /* fps came from the plan */
    char aspect[8];       /* "" when absent */
    enum plan_vcodec vcodec;
    int crf;      /* 20 */
    char *preset; /* "medium" */
    enum plan_acodec acodec;
    int audio_bitrate_kbps; /* 160 */
    int sample_rate;        /* 48000 */
    int loudness_set;       /* 0 when loudness_lufs is null */
    double loudness_lufs;   /* -14 */
    double true_peak_dbtp;  /* -1 */
    enum plan_container container;
    struct plan_color background; /* #000000 */
    int bad;                      /* a field of output had a decode error */
};

/* One asset a plan may name: its label and what probing found. */
struct plan_asset {
    char *label;
    char *path;             /* path or URL; relative plan paths resolved against base_dir */
    struct media_info info; /* valid when `probed` */
    int probed;
    int from_plan;    /* 1: from the plan's "assets" object; 0: given by the caller */
    int probe_failed; /* plan_validate tried and failed (reported once) */
};

struct plan {
    char *title;
    char *notes;
    struct plan_output output;
    struct plan_op *ops;
    size_t nops;
    struct plan_asset *assets; /* from the plan's "assets" object and --asset flags */
    size_t nassets;
    char *base_dir; /* directory relative asset paths of the plan resolve against; NULL: cwd */
};

/* ---- validation errors: every problem at once ---- */

/* Codes (documented in docs/plan-errors.md; the list is fixed):
 * required, unknown_key, wrong_type, out_of_range, bad_value, unknown_asset,
 * wrong_asset_kind, bad_reference, duplicate_id, overlap, too_long,
 * unsupported, empty_timeline, past_end, aspect_mismatch, bad_json, too_large,
 * asset_unreadable */
struct plan_issue {
    char path[160];
    char code[32];
    char message[320];
};

struct plan_issues {
    struct plan_issue *v;
    size_t n, cap;
    size_t seen; /* every problem reported, also those past the cap that `v` keeps */
};
#define PLAN_ISSUES_INIT                                                                           \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

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
 * Does not need the assets (see plan_validate). *p must come from
 * plan_init (assets and a base dir set before decoding are kept: labels
 * given by the caller win over the plan's "assets"). Whatever the result,
 * release *p with plan_release.
 */
enum reel_code plan_decode(const json_t *doc, struct plan *p, struct plan_issues *issues);

/* Parse text (with line/column for malformed JSON, size cap) then decode.
 * Malformed JSON is one issue with code bad_json and path "SOURCE:LINE:COL";
 * over PLAN_MAX_BYTES is too_large. */
enum reel_code plan_decode_text(const char *text, size_t len, const char *source, struct plan *p,
                                struct plan_issues *issues);

#define PLAN_MAX_BYTES (4u << 20) /* a plan file over 4 MiB is refused (too_large) */

/*
 * Read a plan file (size cap), set base_dir to its directory, then decode.
 * A file that cannot be read (missing, a directory) returns REEL_ENOTFOUND
 * or REEL_ESYS in err and adds no issue; a plan that does not decode (or is
 * over PLAN_MAX_BYTES: too_large) returns REEL_EINVAL with issues. On any
 * failure *p may hold a partial plan: plan_release it.
 */
enum reel_code plan_decode_file(const char *path, struct plan *p, struct plan_issues *issues,
                                struct reel_err *err);

/* Set the directory relative paths in the plan's "assets" object resolve
 * against (paths already added from the plan are re-resolved). */
void plan_set_base_dir(struct plan *p, const char *dir);

/*
 * Add or replace an asset label -> path (command-line --asset wins over the
 * plan's "assets" object).
 */
void plan_set_asset(struct plan *p, const char *label, const char *path);
/* Is s[0..n) a valid asset label: 1 to 64 of a-z 0-9 _ - ? */
int plan_label_valid(const char *s, size_t n);

/* Find an asset by label, or NULL. */
struct plan_asset *plan_find_asset(const struct plan *p, const char *label);
/* Add or replace an asset whose facts are already known (a job's cached
 * probe, tests, the fuzzer): plan_validate will not probe it. `path` may be NULL. */
void plan_set_asset_info(struct plan *p, const char *label, const char *path,
                         const struct media_info *info);

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
/*
 * The same schema made fit for OpenAI strict structured outputs: every
 * property listed in `required`, optional ones made nullable (null means
 * the default, see the top of this file), keywords strict mode rejects
 * removed, and the "assets" map left out (a model names labels, never
 * paths). New reference.
 */
json_t *plan_schema_strict(void);

/* FFmpeg encoder reel uses for a codec ("libx264", "libx265", "libvpx-vp9",
 * the first installed of "libsvtav1" "libaom-av1" "librav1e"; "aac",
 * "libopus"), or NULL when the installed FFmpeg has none. */
const char *plan_video_encoder(enum plan_vcodec c);
const char *plan_audio_encoder(enum plan_acodec c);

/* ---- the timeline: every time snapped to the output frame grid ---- */

struct plan_span {
    size_t op_index;
    long start_frame, end_frame; /* [start, end) on the timeline; transition: the overlap;
                                    fade: its ramp; end null resolves to D */
    double start, end;           /* the same in seconds (frame / fps) */
    /* cuts: source frames of in/out after snapping; others -1 */
    long in_frame, out_frame;
};

struct plan_timeline {
    double fps;
    long total_frames;       /* D in frames */
    double duration;         /* D in seconds */
    struct plan_span *spans; /* one per op, in op order */
    size_t nspans;
};

/* Requires a validated plan (output.fps resolved). */
enum reel_code plan_timeline(const struct plan *p, struct plan_timeline *tl, struct reel_err *err);
void plan_timeline_release(struct plan_timeline *tl);

/* Snap seconds to the frame grid: round(t * fps) / fps. */
double plan_snap(double t, double fps);

/* Timeline as JSON: {"fps","total_frames","duration","spans":[{op,id,start_frame,...}]}. */
json_t *plan_timeline_to_json(const struct plan *p, const struct plan_timeline *tl);

const char *plan_op_kind_name(enum plan_op_kind k);
const char *plan_transition_name(enum plan_transition_kind k);
const char *plan_fit_name(enum plan_fit f);
const char *plan_anchor_name(enum plan_anchor a);       /* "top-left"...; "xy" for POS_XY */
const char *plan_vcodec_name(enum plan_vcodec c);       /* "h264" ... */
const char *plan_acodec_name(enum plan_acodec c);       /* "aac", "opus" */
const char *plan_container_name(enum plan_container c); /* "mp4" ... */

#endif
