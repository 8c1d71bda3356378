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
 * With a script (transcribe_align), "source": "script", each word has
 * "aligned": "forced"|"matched"|"interpolated", "heard" lists the
 * recogniser's own words and "alignment" the counts and the recogniser's
 * word error rate against the script. Without one, "source": "speech".
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
    int aligned;       /* enum tr_aligned: how a script word got its time (0: heard) */
    int not_speech;    /* enum tr_not_speech: why it is not taken for speech (0: it is) */
};

/* Why a heard "word" is not speech (transcript_keep_speech). */
enum tr_not_speech {
    TR_SPEECH = 0,
    TR_NS_LONG,  /* longer than any word a person says */
    TR_NS_NOISE, /* the analysis hears no speech there (music, noise, silence) */
};

/* How a word of a script got its time (transcribe_align). */
enum tr_aligned {
    TR_HEARD = 0,        /* not a script word: the recogniser's own */
    TR_FORCED,           /* forced alignment of the script's words to the sound */
    TR_MATCHED,          /* the recogniser heard this word here */
    TR_INTERPOLATED,     /* placed between its neighbours by its length */
};
const char *tr_aligned_name(int a);

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
    /* With a script: words are the script's; heard are the recogniser's. */
    int from_script;
    VEC(struct tr_word) heard;
    /* Words the recogniser made of sound that is not speech, left out of
     * words (transcript_keep_speech); speech_checked: that check ran. */
    int speech_checked;
    VEC(struct tr_word) not_speech;
    struct tr_align_stats {
        size_t words, forced, matched, interpolated;
        double heard_wer; /* the recogniser against the script (0..) */
    } align;
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

/*
 * Keep only words said where there is speech. The recogniser makes words of
 * any sound (pocketsphinx heard "thank" in 8 s of pink noise, "if if if" in
 * splashing, "moon" in a film's music, often at confidence 0.99), so a word
 * stays in t->words only when most of its span lies in the analysis's
 * speech spans (`speech`, n pairs of start/end seconds, media_analyze's
 * "speech") and it is no longer than TR_WORD_MAX_S; the others move to
 * t->not_speech with their reason, and the segments and pauses are rebuilt
 * from the words kept (pause_min as transcript_finish's). A script's words
 * (from_script) are the user's and are kept. Returns the number moved.
 */
#define TR_WORD_MAX_S 1.6 /* the longest word of the real speech measured: 0.81 s */
#define TR_SPEECH_SHARE 0.5
size_t transcript_keep_speech(struct transcript *t, const double (*speech)[2], size_t n,
                              double pause_min);
/* The same with the analysis JSON's "speech" array ([{"start","end"}...]). */
size_t transcript_keep_speech_json(struct transcript *t, const json_t *speech, double pause_min);
const char *tr_not_speech_why(int why);

/* Is this word (any case, punctuation ignored) a hesitation? */
int transcript_is_filler(const char *word);

/* The JSON above (new reference), and back (for cached transcripts). */
json_t *transcript_to_json(const struct transcript *t);
enum reel_code transcript_from_json(const json_t *j, struct transcript *t, struct reel_err *err);

/* Renderings, appended to out. Text: one line per segment, "[mm:ss.mmm --> mm:ss.mmm] text". */
void transcript_to_text(const struct transcript *t, struct buf *out);
void transcript_to_srt(const struct transcript *t, struct buf *out);
void transcript_to_vtt(const struct transcript *t, struct buf *out);
/* One line per word: "start end word confidence how" (how: heard, forced, ...). */
void transcript_to_words(const struct transcript *t, struct buf *out);

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
    /* What is said, when the user gave it (borrowed): the words are aligned
     * to the recognised speech and become the transcript's words. */
    const struct tr_script *script;
};
#define TRANSCRIBE_OPTS_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, NULL, NULL, 0, 0, -1, 0, 0, NULL, 0, 0, 0, NULL                                \
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

/* ---- a script: what the user says is spoken ---- */

struct tr_script_word {
    char *text;                /* as written: "Reel," */
    char norm[48];             /* lower-case letters, digits, inner apostrophes: "reel" */
    double cue_start, cue_end; /* the SRT/WebVTT cue it is in; -1 for plain text */
    int sentence_end;          /* ends with . ? ! (or ends its cue) */
};
struct tr_script {
    VEC(struct tr_script_word) words;
    int timed; /* from SRT or WebVTT */
};

/*
 * Parse a script: WebVTT (starts with "WEBVTT"), SRT (a line with "-->"
 * after a cue number) or plain text. Markup (<i>, {\an8}) and cue
 * numbers are not words. `name` goes into errors ("script.srt:12: ...").
 * REEL_EINVAL on a malformed cue time, invalid UTF-8 or no words at all.
 */
enum reel_code tr_script_parse(const char *text, size_t len, const char *name,
                               struct tr_script *out, struct reel_err *err);
/* The same from a file (at most 4 MiB). */
enum reel_code tr_script_load(const char *path, struct tr_script *out, struct reel_err *err);
void tr_script_release(struct tr_script *s);
/* The script's words as one line of text (for a request or a report). */
char *tr_script_text(const struct tr_script *s);

/*
 * Align the script to the sound: `heard` is the recogniser's transcript of
 * pcm (16 kHz mono). The recognised words are matched to the script's by
 * edit distance; each sentence of the script is then force-aligned
 * (pocketsphinx, a grammar of exactly its words) over the stretch its
 * matched words bound, and a sentence whose forced times disagree with the
 * words heard keeps the matched times; words still without a time are
 * placed between their neighbours in proportion to their length. `out`
 * gets the script's words (as written) with their times, out->heard the
 * recogniser's words. REEL_EINVAL when nothing was heard to align to.
 */
enum reel_code transcribe_align(const struct tr_script *s, const struct transcript *heard,
                                const int16_t *pcm, size_t n, const struct transcribe_opts *o,
                                struct transcript *out, struct reel_err *err);

/* The same for a media file whose recognised words are `heard` (its sound
 * is decoded again for the forced alignment). */
enum reel_code transcribe_align_file(const char *path, const struct tr_script *s,
                                     const struct transcript *heard,
                                     const struct transcribe_opts *o, struct transcript *out,
                                     struct reel_err *err);

/* Word error rate of hyp against ref (normalised words), 0 when both are empty. */
double tr_wer(const char *const *ref, size_t nref, const char *const *hyp, size_t nhyp);
/* Normalise a word for matching: "Reel," -> "reel" (n >= 2). */
void tr_normalize(const char *w, char *out, size_t n);

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
