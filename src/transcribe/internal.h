/* Private to src/transcribe (and its unit tests). */
#ifndef REEL_TRANSCRIBE_INTERNAL_H
#define REEL_TRANSCRIBE_INTERNAL_H

#include "transcribe/transcribe.h"

/*
 * An engine turns one chunk of 16 kHz mono int16 into words. `open` runs
 * once per worker thread (a pocketsphinx decoder, a curl handle); `run`
 * appends the chunk's words to `out` with `offset` seconds added.
 */
struct tr_engine {
    const char *name;
    enum reel_code (*open)(const struct transcribe_opts *o, void **state, struct reel_err *err);
    enum reel_code (*run)(void *state, const int16_t *pcm, size_t n, double offset,
                          struct transcript *out, struct reel_err *err);
    void (*close)(void *state);
    const char *(*model)(const struct transcribe_opts *o); /* for transcript.model */
    double default_chunk_s;
};

extern const struct tr_engine tr_engine_sphinx;
extern const struct tr_engine tr_engine_http;

/*
 * Forced alignment with pocketsphinx (one decoder, no language model, a
 * grammar per call). tr_aligner_knows: is the (normalised) word in the
 * dictionary. tr_aligner_run: the words' start/end seconds (offset added);
 * 1 when the sound was decoded as exactly these words, 0 otherwise.
 */
struct tr_aligner;
enum reel_code tr_aligner_open(const struct transcribe_opts *o, struct tr_aligner **out,
                               struct reel_err *err);
int tr_aligner_knows(struct tr_aligner *a, const char *word);
int tr_aligner_run(struct tr_aligner *a, const int16_t *pcm, size_t n, double offset,
                   const char *const *words, size_t nw, double *start, double *end);
void tr_aligner_close(struct tr_aligner *a);

/*
 * The recogniser's settings from REEL_POCKETSPHINX_ARGS: `text` split on
 * whitespace into "-name value" pairs, appended to `out` (the caller's, to
 * release). Needs no model. REEL_EINVAL, naming the variable and the flag,
 * for a word that is not a flag, a flag pocketsphinx does not know, one
 * without a value or given twice, a value the flag does not take, or a flag
 * reel sets itself (-hmm -dict -lm -samprate -remove_silence -frate, and
 * every flag that takes a file or a search); `out` is then unchanged.
 * NULL or blank text is no settings.
 */
struct argv;
enum reel_code tr_sphinx_args_parse(const char *text, struct argv *out, struct reel_err *err);

/* A chunk: samples [start, end) of the whole. */
struct tr_chunk {
    size_t start, end;
};

/*
 * Cut n samples (16 kHz) into chunks of about `target` seconds, each cut at
 * the quietest 200 ms between 2/3 and 4/3 of the target from the chunk's
 * start. One chunk when n is under 4/3 of the target. Returns the count;
 * *out is the caller's (free).
 */
size_t tr_plan_chunks(const int16_t *pcm, size_t n, double target, struct tr_chunk **out);

/* A 16 kHz mono 16-bit PCM WAV file of the samples, appended to out. */
void tr_wav_encode(const int16_t *pcm, size_t n, struct buf *out);

/* The endpoint URL for a base: adds /v1/audio/transcriptions as needed. */
char *tr_http_endpoint(const char *base);

/* Replace every occurrence of secret (if non-empty) in s with "[redacted]". */
void tr_redact(char *s, size_t cap, const char *secret);

#endif
