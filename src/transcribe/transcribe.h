/*
 * Transcription: speech to timed words.
 *
 * Two engines behind one call, transcribe_file():
 *  - offline (the default): pocketsphinx with Debian's en-us model, word
 *    start/end from its 10 ms frames and a confidence from the word's
 *    posterior probability;
 *  - http (when opts.url is set, i.e. REEL_TRANSCRIBE_URL): an
 *    OpenAI-compatible POST {url}/v1/audio/transcriptions with
 *    response_format=verbose_json and word timestamps, which serves OpenAI,
 *    faster-whisper servers and whisper.cpp's server alike. Timeouts,
 *    retries with exponential backoff on 429/5xx (Retry-After respected),
 *    a response size cap. The API key is never logged nor put in an error.
 *
 * Long files are cut at silences into chunks (about opts.chunk_seconds
 * each), transcribed in parallel (up to opts.threads, default the number of
 * cores) and stitched back; every time in a transcript is seconds from the
 * start of the source file.
 *
 * The transcript as JSON (what the planner, render and the asset cache read):
 *   {"engine": "pocketsphinx"|"http", "model": "...", "language": "en",
 *    "duration": 12.5,
 *    "words": [{"start","end","word","confidence","filler": bool,"repeat": bool}],
 *    "segments": [{"start","end","text"}],
 *    "pauses": [{"start","end"}]}
 * "filler" marks a hesitation ("um", "uh", "er", "ah", "hmm", ...) and also a
 * word that repeats the word before it ("the the"); "repeat" says which of
 * the two it is. "pauses" are gaps between words (and from the start / to
 * the end) longer than opts.pause_min seconds.
 *
 * Ownership: a struct transcript owns its strings and arrays;
 * transcript_release frees them. Errors: REEL_EINVAL (the file has no
 * sound, or is not media; a malformed transcript/response), REEL_ENOTFOUND
 * (no such file; the offline model is not installed), REEL_ENET (the
 * server failed or answered with an error status after the retries),
 * REEL_EAUTH (401/403 from the server), REEL_ETIMEOUT, REEL_ELIMIT (the
 * response is over the size cap), REEL_ESYS.
 */
#ifndef REEL_TRANSCRIBE_TRANSCRIBE_H
#define REEL_TRANSCRIBE_TRANSCRIBE_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "core/json.h"
#include "core/util.h"

/* ---- the transcript model ---- */

struct tr_word {
    double start, end; /* seconds from the start of the source file */
    char *word;        /* as recognised (pocketsphinx: lower case, no punctuation) */
    double confidence; /* 0..1 */
    int filler;        /* a hesitation or a repeated word: a candidate for a cut */
    int repeat;        /* it repeats the word before it */
};

struct tr_segment {
    double start, end;
    char *text;
};

struct tr_pause {
    double start, end;
};

struct transcript {
    char engine[32];                 /* "pocketsphinx", "http" */
    char model[128];                 /* "en-us", "whisper-1", ... */
    char language[16];               /* "en", or what the server detected */
    double duration;                 /* of the source's sound, seconds */
    VEC(struct tr_word) words;       /* in time order */
    VEC(struct tr_segment) segments; /* sentences / phrases, in time order */
    VEC(struct tr_pause) pauses;
};

void transcript_init(struct transcript *t);
void transcript_release(struct transcript *t);
/* Append a word (the text is copied). Flags are set by transcript_finish. */
void transcript_add_word(struct transcript *t, double start, double end, const char *word,
                         double confidence);
void transcript_add_segment(struct transcript *t, double start, double end, const char *text);

/*
 * Sort words by time, mark fillers and repeats, list the pauses longer than
 * pause_min (<= 0: 0.7 s), and, when there are no segments, build them from
 * the words (a new segment after a pause or at most every ~12 s).
 */
void transcript_finish(struct transcript *t, double pause_min);

/* Is this word (any case, punctuation ignored) a hesitation? */
int transcript_is_filler(const char *word);

/* The JSON above (new reference), and back (for cached transcripts). */
json_t *transcript_to_json(const struct transcript *t);
enum reel_code transcript_from_json(const json_t *j, struct transcript *t, struct reel_err *err);

/* Renderings, appended to out. Text: one line per segment, "[mm:ss.mmm --> mm:ss.mmm] text". */
void transcript_to_text(const struct transcript *t, struct buf *out);
void transcript_to_srt(const struct transcript *t, struct buf *out);
void transcript_to_vtt(const struct transcript *t, struct buf *out);

/* ---- transcribing ---- */

struct transcribe_opts {
    /* http engine (url NULL or "": offline). All borrowed. */
    const char *url;        /* base URL: "http://host:8000", ".../v1", or the full endpoint */
    const char *api_key;    /* Bearer token, may be NULL */
    const char *model;      /* NULL: "whisper-1" (http), "en-us" (offline) */
    const char *language;   /* NULL: let the engine decide (offline: "en") */
    long timeout_s;         /* per request (0: 300) */
    long connect_timeout_s; /* (0: 10) */
    int max_retries;        /* on 429/5xx/connection errors (-1: default 4) */
    double backoff_s;       /* first retry delay, doubled each time (0: 0.5) */
    size_t max_response;    /* bytes (0: 16 MiB) */
    /* offline engine */
    const char
        *model_dir; /* NULL: $REEL_POCKETSPHINX_MODEL or /usr/share/pocketsphinx/model/en-us */
    /* both */
    double
        chunk_seconds; /* target chunk length (0: 30; http: 0 means 300, whole file if shorter) */
    int threads;       /* parallel chunks (0: number of cores) */
    double pause_min;  /* pause threshold (0: 0.7) */
};
#define TRANSCRIBE_OPTS_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, NULL, NULL, 0, 0, -1, 0, 0, NULL, 0, 0, 0                                      \
    }

/* Point opts at the config's REEL_TRANSCRIBE_* values (borrowed from c), and
 * take max_retries and timeout_s from REEL_TRANSCRIBE_RETRIES and
 * REEL_TRANSCRIBE_TIMEOUT (seconds) when they are set. */
void transcribe_opts_from_config(struct transcribe_opts *o, const struct reel_config *c);

/*
 * Transcribe the sound of a media file (any file `reel probe` reads). The
 * sound is decoded once (media/decode) to 16 kHz mono. `out` is
 * initialised here; on error it is left empty (release it anyway).
 */
enum reel_code transcribe_file(const char *path, const struct transcribe_opts *o,
                               struct transcript *out, struct reel_err *err);

/*
 * The same on samples already in memory: 16 kHz mono int16. Used by
 * transcribe_file and by the tests.
 */
enum reel_code transcribe_pcm(const int16_t *pcm, size_t n, const struct transcribe_opts *o,
                              struct transcript *out, struct reel_err *err);

#define TRANSCRIBE_RATE 16000

/*
 * Parse one verbose_json response (OpenAI: top-level "words"; faster-whisper:
 * "segments"[].words; whisper.cpp server: "segments"[] with "words" or
 * "tokens" (t0/t1 in centiseconds or start/end)) and append its words and
 * segments to t with `offset` seconds added. Sets t->language when the
 * response names one. REEL_EINVAL on anything else.
 */
enum reel_code transcribe_parse_response(const char *body, size_t len, double offset,
                                         struct transcript *t, struct reel_err *err);

#endif
