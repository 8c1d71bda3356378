/*
 * The offline engine: pocketsphinx (5prealpha) with Debian's en-us model.
 * One decoder per worker thread (a decoder is not thread-safe); words come
 * from the best path of the lattice, times from its 10 ms frames and the
 * confidence from the word's lattice posterior.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <pocketsphinx.h>
#include <sphinxbase/ckd_alloc.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fsg_model.h>
#include <sphinxbase/jsgf.h>

#include "core/log.h"
#include "core/proc.h"
#include "transcribe/internal.h"
#include "core/banned.h"

#define DEFAULT_MODEL_DIR "/usr/share/pocketsphinx/model/en-us"
#define FRAME_S 0.01

/* The library logs a lot to stderr; keep its errors, and the rest at debug. */
static void sphinx_log(void *user, err_lvl_t lvl, const char *fmt, ...)
{
    (void)user;
    if (lvl == ERR_INFOCONT && log_get_level() < LOG_DEBUG)
        return;
    enum log_level want = lvl >= ERR_ERROR ? LOG_WARN : LOG_DEBUG;
    if (log_get_level() < want)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = 0;
    if (n)
        log_msg(want, "pocketsphinx: %s", msg);
}

static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static void log_setup(void)
{
    err_set_callback(sphinx_log, NULL);
    /* cmd_ln prints its whole configuration straight to the log stream. */
    err_set_logfp(NULL);
}

/* Model loading reads shared tables; do it one decoder at a time. */
static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *model_dir(const struct transcribe_opts *o)
{
    if (o->model_dir && *o->model_dir)
        return o->model_dir;
    const char *e = getenv("REEL_POCKETSPHINX_MODEL");
    return e && *e ? e : DEFAULT_MODEL_DIR;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Flags reel sets itself: the model, the sample rate the decode stage
 * gives, and the frames that word times are counted in. Every other flag
 * that takes a string names a file or a search, which reel chooses too. */
static const char *const owned_flags[] = {"-hmm",   "-dict", "-lm", "-samprate", "-remove_silence",
                                          "-frate", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (!strcmp(*list, s))
            return 1;
    return 0;
}

/* The string flags that are settings, with the values the library knows. */
static int string_value_ok(const char *flag, const char *v)
{
    static const char *const cmn[] = {"none", "batch", "live", NULL};
    static const char *const agc[] = {"none", "max", "emax", "noise", NULL};
    if (!strcmp(flag, "-cmn"))
        return in_list(cmn, v);
    if (!strcmp(flag, "-agc"))
        return in_list(agc, v);
    if (!strcmp(flag, "-cmninit")) { /* numbers separated by commas */
        for (const char *p = v;;) {
            char *end;
            strtod(p, &end);
            if (end == p)
                return 0;
            if (!*end)
                return 1;
            if (*end != ',')
                return 0;
            p = end + 1;
        }
    }
    return -1; /* not a setting */
}

/* yes/no as cmd_ln reads them; checked here because on a bad one the
 * library prints its whole table of flags to stderr */
static int bool_ok(const char *v)
{
    static const char *const words[] = {"yes", "no", "true", "false", NULL};
    return in_list(words, v);
}

static int number_ok(int type, const char *v)
{
    char *end;
    errno = 0;
    if (type & ARG_INTEGER) {
        (void)strtol(v, &end, 10);
        return end != v && !*end && !errno;
    }
    double d = strtod(v, &end);
    return end != v && !*end && !errno && isfinite(d);
}

static const arg_t *find_flag(const char *name)
{
    for (const arg_t *a = ps_args(); a->name; a++)
        if (!strcmp(a->name, name))
            return a;
    return NULL;
}

#define ARGS_ENV "REEL_POCKETSPHINX_ARGS"

enum reel_code tr_sphinx_args_parse(const char *text, struct argv *out, struct reel_err *err)
{
    pthread_once(&log_once, log_setup);
    struct argv words = ARGV_INIT;
    for (const char *p = text ? text : ""; *p;) {
        size_t skip = strspn(p, " \t\r\n"), len = strcspn(p + skip, " \t\r\n");
        if (!len)
            break;
        char *w = xstrndup(p + skip, len);
        argv_push(&words, w);
        free(w);
        p += skip + len;
    }
    enum reel_code rc = REEL_OK;
    for (size_t i = 0; i < words.n && !rc; i += 2) {
        const char *flag = words.v[i], *v = i + 1 < words.n ? words.v[i + 1] : NULL;
        const arg_t *def = flag[0] == '-' ? find_flag(flag) : NULL;
        if (flag[0] != '-')
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV,
                           "'%s' is not a flag (settings are '-name value' pairs)", flag);
        else if (!def)
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV, "pocketsphinx has no flag '%s'", flag);
        else if (in_list(owned_flags, flag))
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV,
                           "'%s' is set by reel itself and cannot be changed", flag);
        else if (!v)
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV, "'%s' has no value", flag);
        else if ((def->type & (ARG_STRING | ARG_STRING_LIST)) && string_value_ok(flag, v) < 0)
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV,
                           "'%s' takes a file or a search, which reel chooses itself", flag);
        else if (((def->type & (ARG_STRING | ARG_STRING_LIST)) && !string_value_ok(flag, v)) ||
                 ((def->type & (ARG_INTEGER | ARG_FLOATING)) && !number_ok(def->type, v)) ||
                 ((def->type & ARG_BOOLEAN) && !bool_ok(v)))
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV, "'%s %s' is not a valid value", flag, v);
        for (size_t j = 0; j < i && !rc; j += 2)
            if (!strcmp(words.v[j], flag))
                rc = reel_fail(err, REEL_EINVAL, ARGS_ENV, "'%s' is given twice", flag);
    }
    if (!rc && words.n) {
        /* the library's own check, for whatever it knows better */
        cmd_ln_t *cfg = cmd_ln_parse_r(NULL, ps_args(), (int32)words.n, words.v, TRUE);
        if (!cfg)
            rc = reel_fail(err, REEL_EINVAL, ARGS_ENV,
                           "pocketsphinx rejects '%s' (see REEL_LOG=debug)", text);
        else
            cmd_ln_free_r(cfg);
    }
    if (!rc)
        for (size_t i = 0; i < words.n; i++)
            argv_push(out, words.v[i]);
    argv_release(&words);
    return rc;
}

/*
 * A decoder: with_lm, the recogniser (reel's defaults, then the user's
 * settings `extra`, which replace a default of the same flag); otherwise
 * the aligner, whose settings are reel's alone.
 */
static enum reel_code decoder_new(const struct transcribe_opts *o, int with_lm,
                                  const struct argv *extra, void **state, struct reel_err *err)
{
    pthread_once(&log_once, log_setup);
    const char *dir = model_dir(o);
    char *hmm = xasprintf("%s/en-us", dir), *lm = xasprintf("%s/en-us.lm.bin", dir);
    char *dict = xasprintf("%s/cmudict-en-us.dict", dir);
    enum reel_code rc = REEL_OK;
    if (!exists(hmm) || !exists(lm) || !exists(dict)) {
        rc = reel_fail(err, REEL_ENOTFOUND, dir,
                       "the pocketsphinx en-us model is not installed here (Debian package "
                       "pocketsphinx-en-us; or set REEL_TRANSCRIBE_URL to use a Whisper server)");
        goto out;
    }
    pthread_mutex_lock(&init_lock);
    /* No voice activity detection: it drops frames, and word times with them.
     * The library's other defaults stay: on the real speech (48 words,
     * bench/transcribe-settings, 2026-12-07) no setting lowered the mean WER
     * 0.261 by 0.03; the best, -fwdflat no -remove_noise no, gave 0.238
     * (one file two words better); -lw 8 to 12 made it worse (0.317-0.596)
     * and wider beams changed nothing but the CPU time. */
    char *args[] = {"-hmm", hmm,   "-dict", dict, "-samprate", "16000", "-remove_silence",
                    "no",   "-lm", lm};
    /* the aligner: no language model (a grammar per call) and wide beams,
     * since the one path through the grammar must survive to the end */
    char *align_args[] = {
        "-hmm",  hmm,      "-dict",  dict,    "-samprate", "16000",  "-remove_silence", "no",
        "-beam", "1e-100", "-wbeam", "1e-80", "-pbeam",    "1e-100", "-fillprob",       "1e-30"};
    struct argv argv = ARGV_INIT;
    char **defaults = with_lm ? args : align_args;
    size_t ndefaults = with_lm ? ARRAY_SIZE(args) : ARRAY_SIZE(align_args);
    for (size_t i = 0; i + 1 < ndefaults; i += 2) {
        int replaced = 0;
        for (size_t j = 0; with_lm && extra && j + 1 < extra->n; j += 2)
            replaced |= !strcmp(extra->v[j], defaults[i]);
        if (!replaced) {
            argv_push(&argv, defaults[i]);
            argv_push(&argv, defaults[i + 1]);
        }
    }
    for (size_t j = 0; with_lm && extra && j < extra->n; j++)
        argv_push(&argv, extra->v[j]);
    cmd_ln_t *cfg = cmd_ln_parse_r(NULL, ps_args(), (int32)argv.n, argv.v, TRUE);
    ps_decoder_t *ps = cfg ? ps_init(cfg) : NULL;
    if (cfg)
        cmd_ln_free_r(cfg); /* the decoder keeps its own reference */
    pthread_mutex_unlock(&init_lock);
    argv_release(&argv);
    if (!ps && with_lm && extra && extra->n) {
        rc = reel_fail(err, REEL_EINVAL, ARGS_ENV,
                       "pocketsphinx could not start with the settings of " ARGS_ENV
                       " (see REEL_LOG=debug)");
        goto out;
    }
    if (!ps) {
        rc = reel_fail(err, REEL_ESYS, dir, "pocketsphinx could not load its model");
        goto out;
    }
    *state = ps;
out:
    free(hmm);
    free(lm);
    free(dict);
    return rc;
}

/* "<s>", "<sil>", "[NOISE]", "++BREATH++" are not words. */
static int is_word(const char *w)
{
    return w && *w && *w != '<' && *w != '[' && *w != '+';
}

/*
 * Each chunk gets a fresh decoder: 5prealpha counts a reused decoder's
 * segment frames from its first utterance, and carries the cepstral mean
 * of one utterance into the next, so a reused decoder would make a chunk's
 * words depend on which chunk the thread decoded before. (A cepstral mean
 * from the whole chunk, -cmn batch, avoids both but recognised espeak
 * speech with gaps of digital silence much worse: WER 0.54 against 0.32.)
 * Loading the model costs about 0.7 s of CPU per chunk of 30 s.
 */
static enum reel_code decode(ps_decoder_t *ps, const int16_t *pcm, size_t n, double offset,
                             struct transcript *out, struct reel_err *err)
{
    if (ps_start_utt(ps) < 0)
        return reel_fail(err, REEL_ESYS, NULL, "pocketsphinx could not start an utterance");
    /* Feed in pieces of 1 s, as a live stream would arrive. */
    for (size_t i = 0; i < n; i += TRANSCRIBE_RATE) {
        size_t k = n - i < TRANSCRIBE_RATE ? n - i : TRANSCRIBE_RATE;
        if (ps_process_raw(ps, pcm + i, k, FALSE, FALSE) < 0) {
            ps_end_utt(ps);
            return reel_fail(err, REEL_ESYS, NULL, "pocketsphinx failed while decoding");
        }
    }
    if (ps_end_utt(ps) < 0)
        return reel_fail(err, REEL_ESYS, NULL, "pocketsphinx could not end the utterance");
    int32 score;
    if (!ps_get_hyp(ps, &score))
        return REEL_OK; /* nothing recognised */
    ps_get_prob(ps);    /* computes the lattice posteriors used by ps_seg_prob */
    logmath_t *lmath = ps_get_logmath(ps);
    for (ps_seg_t *seg = ps_seg_iter(ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        if (!is_word(w))
            continue;
        int sf, ef;
        ps_seg_frames(seg, &sf, &ef);
        int32 ascr, lscr, lback;
        double conf = logmath_exp(lmath, ps_seg_prob(seg, &ascr, &lscr, &lback));
        /* Alternative pronunciations are spelt "word(2)". */
        const char *paren = strchr(w, '(');
        char *clean = xstrndup(w, paren ? (size_t)(paren - w) : strlen(w));
        transcript_add_word(out, offset + sf * FRAME_S, offset + (ef + 1) * FRAME_S, clean, conf);
        free(clean);
    }
    return REEL_OK;
}

/* A worker's state: the options (borrowed) and the user's settings. */
struct sphinx_state {
    const struct transcribe_opts *o;
    struct argv extra;
};

static void sphinx_close(void *state)
{
    struct sphinx_state *st = state;
    if (!st)
        return;
    argv_release(&st->extra);
    free(st);
}

static enum reel_code sphinx_open(const struct transcribe_opts *o, void **state,
                                  struct reel_err *err)
{
    if (o->language && *o->language && strcasecmp(o->language, "en") &&
        strncasecmp(o->language, "en-", 3))
        return reel_fail(err, REEL_EINVAL, NULL,
                         "the offline engine knows only English, not '%s'; set "
                         "REEL_TRANSCRIBE_URL to use a Whisper server",
                         o->language);
    /* Fail early (before any decoding) when the model is missing. */
    const char *dir = model_dir(o);
    char *lm = xasprintf("%s/en-us.lm.bin", dir);
    int ok = exists(lm);
    free(lm);
    if (!ok)
        return reel_fail(err, REEL_ENOTFOUND, dir,
                         "the pocketsphinx en-us model is not installed here (Debian package "
                         "pocketsphinx-en-us; or set REEL_TRANSCRIBE_URL to use a Whisper server)");
    struct sphinx_state *st = xcalloc(1, sizeof(*st));
    st->o = o;
    pthread_mutex_lock(&init_lock);
    enum reel_code rc = tr_sphinx_args_parse(getenv(ARGS_ENV), &st->extra, err);
    pthread_mutex_unlock(&init_lock);
    if (rc) {
        sphinx_close(st);
        return rc;
    }
    *state = st;
    return REEL_OK;
}

static enum reel_code sphinx_run(void *state, const int16_t *pcm, size_t n, double offset,
                                 struct transcript *out, struct reel_err *err)
{
    struct sphinx_state *st = state;
    ps_decoder_t *ps = NULL;
    enum reel_code rc = decoder_new(st->o, 1, &st->extra, (void **)&ps, err);
    if (rc)
        return rc;
    rc = decode(ps, pcm, n, offset, out, err);
    ps_free(ps);
    return rc;
}

static const char *sphinx_model(const struct transcribe_opts *o)
{
    return o->model && *o->model ? o->model : "en-us";
}

/* ---- forced alignment: a grammar of exactly the script's words ---- */

struct tr_aligner {
    ps_decoder_t *ps;
    long frames_before; /* frames fed to this decoder in earlier utterances */
    int n;              /* grammars made, for their names */
};

enum reel_code tr_aligner_open(const struct transcribe_opts *o, struct tr_aligner **out,
                               struct reel_err *err)
{
    ps_decoder_t *ps = NULL;
    enum reel_code rc = decoder_new(o, 0, NULL, (void **)&ps, err);
    if (rc)
        return rc;
    *out = xcalloc(1, sizeof(**out));
    (*out)->ps = ps;
    return REEL_OK;
}

int tr_aligner_knows(struct tr_aligner *a, const char *word)
{
    char *p = ps_lookup_word(a->ps, word);
    int known = p != NULL;
    ckd_free(p);
    return known;
}

void tr_aligner_close(struct tr_aligner *a)
{
    if (!a)
        return;
    ps_free(a->ps);
    free(a);
}

int tr_aligner_run(struct tr_aligner *a, const int16_t *pcm, size_t n, double offset,
                   const char *const *words, size_t nw, double *start, double *end)
{
    if (!nw || n < TRANSCRIBE_RATE / 10)
        return 0;
    struct buf g = BUF_INIT;
    buf_addf(&g, "#JSGF V1.0;\ngrammar align;\npublic <s> =");
    for (size_t i = 0; i < nw; i++)
        buf_addf(&g, " %s", words[i]);
    buf_adds(&g, " ;\n");
    char name[32];
    snprintf(name, sizeof(name), "align%d", a->n++);
    /* as ps_set_jsgf_string does, but that one never frees the parsed grammar */
    int ok = 0;
    jsgf_t *jsgf = jsgf_parse_string(g.buf, NULL);
    buf_release(&g);
    jsgf_rule_t *rule = jsgf ? jsgf_get_public_rule(jsgf) : NULL;
    if (rule) {
        fsg_model_t *fsg = jsgf_build_fsg(jsgf, rule, ps_get_logmath(a->ps),
                                          (float32)cmd_ln_float32_r(ps_get_config(a->ps), "-lw"));
        ok = fsg && ps_set_fsg(a->ps, name, fsg) == 0 && ps_set_search(a->ps, name) == 0;
        if (fsg)
            fsg_model_free(fsg); /* the search keeps its own reference */
    }
    if (jsgf)
        jsgf_grammar_free(jsgf);
    if (!ok || ps_start_utt(a->ps) < 0)
        return 0;
    ok = ps_process_raw(a->ps, pcm, n, FALSE, TRUE) >= 0;
    ok = ps_end_utt(a->ps) >= 0 && ok;
    long base = a->frames_before;
    a->frames_before += (long)(n / (TRANSCRIBE_RATE / 100));
    int32 score;
    if (!ok || !ps_get_hyp(a->ps, &score))
        return 0;
    size_t k = 0;
    for (ps_seg_t *seg = ps_seg_iter(a->ps); seg; seg = ps_seg_next(seg)) {
        const char *w = ps_seg_word(seg);
        if (log_get_level() >= LOG_DEBUG) {
            int f0, f1;
            ps_seg_frames(seg, &f0, &f1);
            log_debug("align: %s %.2f-%.2f", w, offset + (f0 - base) * FRAME_S,
                      offset + (f1 + 1 - base) * FRAME_S);
        }
        if (!is_word(w))
            continue;
        size_t len = strcspn(w, "(");
        if (k >= nw || strlen(words[k]) != len || strncmp(w, words[k], len)) {
            ps_seg_free(seg);
            return 0;
        }
        int sf, ef;
        ps_seg_frames(seg, &sf, &ef);
        /* 5prealpha counts frames on from a decoder's first utterance */
        if (sf >= base && base > 0)
            sf -= (int)base, ef -= (int)base;
        start[k] = offset + sf * FRAME_S;
        end[k] = offset + (ef + 1) * FRAME_S;
        k++;
    }
    return k == nw;
}

const struct tr_engine tr_engine_sphinx = {
    "pocketsphinx", sphinx_open, sphinx_run, sphinx_close, sphinx_model, 30.0,
};
