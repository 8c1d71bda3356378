/*
 * Media analysis: one decode pass (media/decode.h) feeds every analyser at
 * once and the result is one JSON document (its fields are documented in
 * docs/analysis.md):
 *
 *   shots and cuts (hard cuts and gradual transitions, with change scores),
 *   loudness (EBU R128 via libebur128), speech / silence / music-or-noise
 *   intervals, tempo and beats (aubio), motion per second, black and frozen
 *   stretches, average colour and colour histogram per shot, a JPEG per shot
 *   and a PNG contact sheet.
 *
 *   struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
 *   o.data_dir = cfg.data_dir;   // thumbnails and the file cache live here
 *   json_t *res;
 *   if (media_analyze(path, &o, &res, &err)) ...; json_decref(res);
 *
 * Results are keyed by the file's SHA-256 and MEDIA_ANALYZE_VERSION: with a
 * cache directory, a second call on the same bytes decodes nothing and the
 * result carries "cached": true.
 */
#ifndef REEL_MEDIA_ANALYZE_H
#define REEL_MEDIA_ANALYZE_H

#include "core/err.h"
#include "core/json.h"

/* Bumped whenever an analyser changes what it reports (invalidates caches). */
#define MEDIA_ANALYZE_VERSION 1

enum media_analyzer {
    MEDIA_AN_SHOTS = 1 << 0,    /* shots, cuts, per-shot colour */
    MEDIA_AN_LOUDNESS = 1 << 1, /* integrated, range, true peak, short-term curve */
    MEDIA_AN_SPEECH = 1 << 2,   /* speech, silence, music (music or noise) */
    MEDIA_AN_BEATS = 1 << 3,    /* tempo, beat times */
    MEDIA_AN_MOTION = 1 << 4,   /* motion per second, black, frozen */
    MEDIA_AN_THUMBS = 1 << 5,   /* JPEG per shot + contact sheet (needs SHOTS) */
    MEDIA_AN_ALL = (1 << 6) - 1,
};

struct media_analyze_opts {
    unsigned which;        /* MEDIA_AN_* bits; 0 means MEDIA_AN_ALL */
    const char *data_dir;  /* $REEL_DATA_DIR: default thumbnail dir <data_dir>/thumbs/<sha256>/
                              and cache <data_dir>/cache/analysis/<sha256>-v<N>.json */
    const char *thumb_dir; /* overrides the thumbnail folder (used as is) */
    int use_cache;         /* read and write the file cache (needs data_dir) */
    const char *sha256;    /* the file's hash when the caller already knows it, else NULL */
    int threads;           /* decoder threads, 0: auto */
    int thumb_width;       /* thumbnail width in pixels, 0: 192 */
    /* Progress, 0..1, called now and then from the decode loop. */
    void (*progress)(void *ctx, double fraction);
    void *progress_ctx;
};
#define MEDIA_ANALYZE_OPTS_INIT                                                                    \
    {                                                                                              \
        0, NULL, NULL, 1, NULL, 0, 0, NULL, NULL                                                   \
    }

/*
 * Analyse one file. On success *out is a new JSON object (caller owns it:
 * json_decref). Errors: those of media_probe (REEL_ENOTFOUND, REEL_EINVAL
 * for a file that is not media or is a LUT), REEL_ESYS when thumbnails or
 * the cache cannot be written. err->path names the file.
 */
enum reel_code media_analyze(const char *path, const struct media_analyze_opts *opts, json_t **out,
                             struct reel_err *err);

/* The cache file for a hash: <data_dir>/cache/analysis/<sha>-v<N>.json (caller frees). */
char *media_analyze_cache_path(const char *data_dir, const char *sha256);

#endif
