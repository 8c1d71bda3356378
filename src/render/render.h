/*
 * render: a validated EditPlan becomes one deterministic FFmpeg run.
 *
 * The compiler turns a plan (validated, every asset probed: struct
 * plan_asset.info) into a struct render_cmd: an argv for the `ffmpeg`
 * program plus a filter graph written to a `-filter_complex_script` file
 * (and one text file per drawtext / one .ass file for captions, so that no
 * text from the plan is ever parsed as filtergraph syntax). The runner
 * spawns it (posix_spawn via core/proc.h, never a shell), turns
 * `-progress pipe:1` into progress events, captures stderr in full, cancels
 * on SIGINT/SIGTERM (the child's process group is killed and the partial
 * output removed) and writes to a temporary name in the output's directory,
 * renamed on success.
 *
 * When the plan sets output.audio.loudness_lufs, rendering is two runs: an
 * audio-only analysis run (loudnorm measurement of the mixed sound), then
 * the final render whose loudnorm uses the measured values, so the output
 * lands within +-1 LU of the target with true peak <= true_peak_dbtp.
 * render_plan() does both; render_compile()/render_run() are the pieces.
 *
 * Determinism: the same plan, asset bytes, FFmpeg build and `threads` give
 * a byte-identical file (bitexact flags, no metadata or creation time,
 * fixed thread counts, inputs in plan order).
 *
 * Ownership: every struct here is owned by the caller, set up with
 * *_init or zeroed with the INIT macro, and freed with *_release.
 * Errors: REEL_EINVAL (the plan cannot be compiled: not validated, an
 * asset not probed, a bad transcript), REEL_ESYS (temporary files),
 * REEL_ETOOL (ffmpeg could not be started, or failed: err->msg holds its
 * exit status and last error lines), REEL_ECANCELED (a signal
 * or the caller's cancel flag stopped it).
 */
#ifndef REEL_RENDER_RENDER_H
#define REEL_RENDER_RENDER_H

#include <signal.h>
#include <stdint.h>
#include <sys/resource.h>

#include "core/err.h"
#include "core/json.h"
#include "core/proc.h"
#include "core/util.h"
#include "plan/plan.h"

/* ---- options ---- */

/* Loudness measured by the analysis run (loudnorm's first-pass values). */
struct render_loudness {
    int set;
    double input_i, input_tp, input_lra, input_thresh, target_offset;
};

struct render_opts {
    /*
     * Transcripts for captions with source "transcript" (borrowed, may be
     * NULL): an object mapping an asset label to
     *   {"words": [{"start": s, "end": s, "word": "text"}, ...]}
     * in SOURCE time of that asset. Words are mapped through the cuts
     * (in/out/speed) to timeline time; words outside every cut are dropped.
     */
    const json_t *transcripts;
    /* Directory for the filter script and text files (NULL: a fresh
     * directory next to the output, removed by render_cmd_release). */
    const char *workdir;
    /* Encoder/filter threads; fixed so output is byte-identical across
     * machines (0: RENDER_DEFAULT_THREADS). */
    int threads;
    /* Override the plan's video preset (tests use "ultrafast"); NULL: plan. */
    const char *preset;
    /* The ffmpeg program (NULL: config_ffmpeg()). */
    const char *ffmpeg;
    /* Measured loudness for the final run (render_plan fills it). When the
     * plan wants loudness and this is unset, the graph uses one-pass
     * loudnorm (less exact) so the command is still complete. */
    struct render_loudness loudness;
    /* Compile the audio-only analysis run instead of the final render. */
    int measure_only;
};
#define RENDER_DEFAULT_THREADS 8
#define RENDER_OPTS_INIT                                                                           \
    {                                                                                              \
        NULL, NULL, 0, NULL, NULL, {0, 0, 0, 0, 0, 0}, 0                                           \
    }

/* ---- the compiled command ---- */

struct render_cmd {
    struct argv argv;    /* ffmpeg ... -filter_complex_script FILE ... TEMP_OUTPUT */
    char *filter_script; /* the graph text (what FILE holds) */
    char *script_path;   /* FILE */
    char *workdir;       /* directory holding FILE and text files */
    int own_workdir;     /* removed (with its files) by render_cmd_release */
    char *output;        /* the final path ("-" style outputs are not supported) */
    char *temp_output;   /* where ffmpeg writes; renamed to output on success */
    double duration;     /* expected duration in seconds (frame-exact) */
    long frames;         /* expected number of video frames (0 for measure runs) */
    double fps;
    int measure_only; /* an analysis run: output is "-f null -" */
    /* What the graph does to sources beyond the plan's operations, one line
     * each ("hdr10.mp4: HDR (smpte2084, bt2020) tone-mapped to SDR BT.709
     * with zscale+tonemap=hable"); "" when nothing. For logs and traces. */
    char *notes;
};
#define RENDER_CMD_INIT                                                                            \
    {                                                                                              \
        ARGV_INIT, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, 0, 0, NULL                               \
    }

/*
 * Compile a validated plan (output size/fps resolved, every asset probed)
 * into *cmd, writing the filter script and text files into the work
 * directory. `output` is the final path; its extension does not choose the
 * container (the plan does). Errors: REEL_EINVAL, REEL_ESYS.
 */
enum reel_code render_compile(const struct plan *p, const struct render_opts *opts,
                              const char *output, struct render_cmd *cmd, struct reel_err *err);
/* Frees everything; removes the work directory when it owns it. */
void render_cmd_release(struct render_cmd *cmd);

/* The argv as one pasteable shell line (each word shell-quoted). */
void render_cmd_to_shell(const struct render_cmd *cmd, struct buf *out);

/* ---- running ---- */

struct render_progress {
    double out_time; /* seconds of output written */
    long frame;      /* frames written */
    double speed;    /* x realtime (0 when unknown) */
    double percent;  /* 0..100 of the expected duration */
    double eta_s;    /* estimated seconds left (-1 when unknown) */
    int done;        /* 1 on the last event ("progress=end") */
    int measure;     /* 1 while the loudness analysis run is going */
};
typedef void (*render_progress_fn)(const struct render_progress *pr, void *ud);

/* What one ffmpeg run did (for traces: ffmpeg_args, render_time_ms, logs, payload). */
struct render_run_info {
    char *shell;            /* the argv as a shell line */
    char *filter_script;    /* copy of the graph text */
    int exit_status;        /* ffmpeg's exit status; 128+signal if killed; -1 not run */
    int64_t render_time_ms; /* wall time of the run */
    struct rusage ru;       /* the child's resource use (CPU user/system, max RSS) */
    struct buf log;         /* ffmpeg's stderr in full */
    struct buf errors;      /* the relevant lines: last [error]/[fatal] lines, or the tail */
    char *notes;            /* copy of render_cmd.notes */
};
void render_run_info_init(struct render_run_info *ri);
void render_run_info_release(struct render_run_info *ri);
/* {"ffmpeg_args","render_time_ms","exit_status","cpu_user_ms","cpu_system_ms",
 *  "max_rss_kb","conversions":[notes lines]}; new reference. */
json_t *render_run_info_to_json(const struct render_run_info *ri);

/*
 * Run a compiled command: spawn ffmpeg in its own process group, call
 * `progress` (may be NULL) for each progress block, capture stderr, wait.
 * `cancel`, when not NULL, is polled: set it non-zero (e.g. from a signal
 * handler; see render_cancel_on_signals) to stop the child. On success the
 * temporary output is renamed to cmd->output; on any failure it is removed.
 * *info (initialised by the caller) is filled in every case once ffmpeg
 * started. Errors: REEL_ESYS, REEL_ETOOL (also when ffmpeg is missing) (err->msg:
 * "ffmpeg exited with status N: <last error lines>"), REEL_ECANCELED.
 */
enum reel_code render_run(const struct render_cmd *cmd, render_progress_fn progress, void *ud,
                          volatile sig_atomic_t *cancel, struct render_run_info *info,
                          struct reel_err *err);

/*
 * Install SIGINT/SIGTERM handlers that set *flag (and stop the run through
 * render_run's `cancel`). Returns the previous state via render_cancel_restore.
 */
void render_cancel_on_signals(volatile sig_atomic_t *flag);
void render_cancel_restore(void);

/* The whole job: a loudness analysis run when the plan asks for loudness,
 * then the final render. */
struct render_result {
    struct render_run_info measure; /* exit_status -1 when there was no analysis run */
    struct render_run_info final;
    struct render_loudness loudness; /* what the analysis measured */
    double duration;                 /* expected output duration */
    long frames;
};
void render_result_init(struct render_result *r);
void render_result_release(struct render_result *r);

enum reel_code render_plan(const struct plan *p, const struct render_opts *opts, const char *output,
                           render_progress_fn progress, void *ud, volatile sig_atomic_t *cancel,
                           struct render_result *res, struct reel_err *err);

/*
 * The caption cues the render burns in, as the compiler makes them (cues of
 * the plan, or transcript words mapped through the cuts and paged by
 * max_chars_per_line / max_lines), kept to each captions op's span:
 *   [{"op": index of the captions op, "start": s, "end": s, "text": "...",
 *     "source": "plan"|"script"|"speech", "confidence": 0..1,
 *     "words": [{"word", "start", "end"}] for cues made of transcript words}]
 * in timeline seconds; "confidence" is the mean of the recogniser's word
 * confidences for cues made from what it heard (1 otherwise). The evaluation reads text the plan does not hold from
 * it. *out is a new array; errors as render_compile's (a bad transcript).
 */
enum reel_code render_caption_cues(const struct plan *p, const json_t *transcripts, json_t **out,
                                   struct reel_err *err);
/* How many of those cues come from speech or a script ("source" other than
 * "plan"): the cues a second hearing of the render can check. */
size_t render_cues_spoken(const json_t *cues);

/* ---- escaping (exposed for tests and other modules that build graphs) ---- */

/* Quote a value for a filter option (first level: inside 'key=value'). */
void render_escape_opt(struct buf *out, const char *s);
/* Escape a filter's whole argument string for the graph level ([],;' and \). */
void render_escape_graph(struct buf *out, const char *s);
/* Both levels: what goes after "key=" in a filter graph text. */
void render_escape_value(struct buf *out, const char *s);

#endif
