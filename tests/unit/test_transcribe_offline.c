/*
 * The offline engine (pocketsphinx) on speech made by espeak-ng, with a word
 * error rate measured here, and on the real recordings in ../shared/media.
 *
 * espeak-ng's voices are far from the speech pocketsphinx's en-us model was
 * trained on: its klatt voice at 175 words/min gives a WER of 0.23 on the
 * sentences below in one piece and 0.32 cut in chunks (the other voices
 * 0.45 to 1.0); on the four real recordings in ../shared/media/speech it
 * makes 16 errors in 48 words (0.33). The bounds leave room for small
 * differences between builds and still fail when words or times go wrong.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/proc.h"
#include "core/util.h"
#include "transcribe/internal.h"
#include "transcribe/transcribe.h"
#include "test.h"

#define ESPEAK_WER_MAX 0.45
#define REAL_WER_MAX 0.45
#define GAP_S 1.0
#define LEAD_S 0.5

static const char *const sentences[] = {
    "the weather today is sunny and warm.",
    "we will go to the park after lunch.",
    "my brother likes to read books about history.",
    "please call me when you get home tonight.",
};

struct pcm16 {
    int16_t *v;
    size_t n, cap;
};

/* 16 kHz mono int16 of a sound file (through ffmpeg), appended to v. */
static int load_pcm(const char *path, struct pcm16 *v)
{
    struct argv a = ARGV_INIT;
    const char *args[] = {"ffmpeg", "-nostdin", "-v", "error", "-i",    path, "-ar",
                          "16000",  "-ac",      "1",  "-f",    "s16le", "-",  NULL};
    argv_pushv(&a, args);
    struct buf out = BUF_INIT;
    int st = -1;
    enum reel_code rc = proc_run(&a, &out, NULL, 0, &st, NULL);
    argv_release(&a);
    int ok = rc == REEL_OK && st == 0;
    for (size_t i = 0; ok && i + 1 < out.len; i += 2) {
        int16_t s = (int16_t)((uint8_t)out.buf[i] | ((uint8_t)out.buf[i + 1] << 8));
        VEC_PUSH(v, s);
    }
    buf_release(&out);
    return ok;
}

static int speak(const char *text, struct pcm16 *v)
{
    char *wav = xasprintf("%s/speech.wav", test_tmpdir());
    struct argv a = ARGV_INIT;
    const char *args[] = {"espeak-ng", "-v", "en-us+klatt", "-s", "175", "-w", wav, text, NULL};
    argv_pushv(&a, args);
    int st = -1;
    enum reel_code rc = proc_run(&a, NULL, NULL, 0, &st, NULL);
    argv_release(&a);
    int ok = rc == REEL_OK && st == 0 && load_pcm(wav, v);
    free(wav);
    return ok;
}

static void silence(struct pcm16 *v, double s)
{
    for (size_t i = 0; i < (size_t)(s * TRANSCRIBE_RATE); i++)
        VEC_PUSH(v, 0);
}

/* Lower-case words of letters and apostrophes. */
static size_t split_words(const char *s, char ***out)
{
    VEC(char *) w = VEC_INIT;
    struct buf cur = BUF_INIT;
    for (const char *p = s;; p++) {
        if (*p && (isalpha((unsigned char)*p) || *p == '\'')) {
            buf_addch(&cur, (char)tolower((unsigned char)*p));
        } else {
            if (cur.len)
                VEC_PUSH(&w, buf_detach(&cur));
            if (!*p)
                break;
        }
    }
    *out = w.v;
    return w.n;
}

static void free_words(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

/* Word-level Levenshtein distance; *nref gets the reference's word count. */
static size_t word_errors(const char *ref, const char *hyp, size_t *nref)
{
    char **r, **h;
    size_t nr = split_words(ref, &r), nh = split_words(hyp, &h);
    size_t *prev = xcalloc(nh + 1, sizeof(*prev)), *cur = xcalloc(nh + 1, sizeof(*cur));
    for (size_t j = 0; j <= nh; j++)
        prev[j] = j;
    for (size_t i = 1; i <= nr; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nh; j++) {
            size_t sub = prev[j - 1] + (strcmp(r[i - 1], h[j - 1]) != 0);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (nh + 1) * sizeof(*prev));
    }
    size_t d = prev[nh];
    free(prev);
    free(cur);
    free_words(r, nr);
    free_words(h, nh);
    *nref = nr;
    return d;
}

static char *words_text(const struct transcript *t)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < t->words.n; i++)
        buf_addf(&b, "%s%s", i ? " " : "", t->words.v[i].word);
    return buf_detach(&b);
}

static double wer(const char *ref, const struct transcript *t)
{
    char *hyp = words_text(t);
    size_t nref;
    size_t e = word_errors(ref, hyp, &nref);
    free(hyp);
    return nref ? (double)e / (double)nref : 1.0;
}

TEST(transcribe_wer_counts_edits)
{
    size_t n;
    CHECK(word_errors("the cat sat", "the cat sat", &n) == 0 && n == 3);
    CHECK(word_errors("The cat, sat.", "the bat sat on", &n) == 2);
    CHECK(word_errors("a b c d", "", &n) == 4);
}

/* The spoken sentences with gaps of silence, made once for the tests below. */
static struct {
    int made, ok;
    struct pcm16 pcm;
    char *ref;
    double gap_start[8], gap_end[8];
    size_t ngaps;
    struct transcript whole; /* transcribed in one piece */
    double whole_s;
} sp;

static int speech(void)
{
    if (sp.made)
        return sp.ok;
    sp.made = 1;
    struct buf ref = BUF_INIT;
    silence(&sp.pcm, LEAD_S);
    for (size_t i = 0; i < ARRAY_SIZE(sentences); i++) {
        if (i) {
            sp.gap_start[sp.ngaps] = (double)sp.pcm.n / TRANSCRIBE_RATE;
            silence(&sp.pcm, GAP_S);
            sp.gap_end[sp.ngaps++] = (double)sp.pcm.n / TRANSCRIBE_RATE;
        }
        if (!speak(sentences[i], &sp.pcm)) {
            buf_release(&ref);
            return 0;
        }
        buf_addf(&ref, "%s ", sentences[i]);
    }
    silence(&sp.pcm, LEAD_S);
    sp.ref = buf_detach(&ref);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.chunk_seconds = 1000;
    o.threads = 1;
    struct reel_err err = REEL_ERR_INIT;
    double t0 = now_mono_s();
    if (transcribe_pcm(sp.pcm.v, sp.pcm.n, &o, &sp.whole, &err)) {
        fprintf(stderr, "    offline: %s\n", err.msg);
        return 0;
    }
    sp.whole_s = now_mono_s() - t0;
    sp.ok = 1;
    return 1;
}

__attribute__((destructor)) static void speech_free(void)
{
    VEC_FREE(&sp.pcm);
    free(sp.ref);
    transcript_release(&sp.whole);
}

static void check_times(const struct transcript *t, double duration, int gaps)
{
    CHECK(t->words.n > 0);
    for (size_t i = 0; i < t->words.n; i++) {
        const struct tr_word *w = &t->words.v[i];
        CHECK(w->start >= 0 && w->end >= w->start && w->end <= duration + 0.011);
        CHECK(w->confidence >= 0 && w->confidence <= 1);
        if (i)
            CHECK(w->start >= t->words.v[i - 1].end - 1e-9);
        /* no word inside a gap of silence (a little slack at its edges) */
        for (size_t g = 0; gaps && g < sp.ngaps; g++)
            CHECK(!(w->start > sp.gap_start[g] + 0.15 && w->end < sp.gap_end[g] - 0.15));
    }
}

TEST(transcribe_offline_espeak_wer)
{
    if (!speech()) {
        test_skip("espeak-ng, ffmpeg or the pocketsphinx model is missing");
        return;
    }
    double duration = (double)sp.pcm.n / TRANSCRIBE_RATE;
    double w = wer(sp.ref, &sp.whole);
    printf("    offline WER on espeak-ng speech: %.2f (%zu words heard); real-time factor %.3f "
           "(%.1f s of sound in %.2f s, one thread)\n",
           w, sp.whole.words.n, sp.whole_s / duration, duration, sp.whole_s);
    CHECK(w <= ESPEAK_WER_MAX);
    CHECK_STR(sp.whole.engine, "pocketsphinx");
    CHECK_STR(sp.whole.language, "en");
    CHECK_NEAR(sp.whole.duration, duration, 1e-6);
    check_times(&sp.whole, duration, 1);
    /* each gap is a pause */
    size_t found = 0;
    for (size_t g = 0; g < sp.ngaps; g++)
        for (size_t p = 0; p < sp.whole.pauses.n; p++)
            found += sp.whole.pauses.v[p].start <= sp.gap_start[g] + 0.3 &&
                     sp.whole.pauses.v[p].end >= sp.gap_end[g] - 0.3;
    CHECK(found == sp.ngaps);
    CHECK(sp.whole.segments.n >= sp.ngaps + 1);
}

TEST(transcribe_offline_chunked_matches_whole)
{
    if (!speech()) {
        test_skip("espeak-ng, ffmpeg or the pocketsphinx model is missing");
        return;
    }
    double duration = (double)sp.pcm.n / TRANSCRIBE_RATE;
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.chunk_seconds = 5;
    o.threads = 2;
    /* the cuts fall in silence: around each, 200 ms far quieter than the speech */
    struct tr_chunk *c = NULL;
    size_t k = tr_plan_chunks(sp.pcm.v, sp.pcm.n, o.chunk_seconds, &c);
    CHECK(k >= 3);
    double all = 0;
    for (size_t i = 0; i < sp.pcm.n; i++)
        all += (double)sp.pcm.v[i] * sp.pcm.v[i];
    double rms = sqrt(all / (double)sp.pcm.n);
    for (size_t i = 0; i + 1 < k; i++) {
        size_t at = c[i].end, a = at - 1600, b = at + 1600;
        double e = 0;
        for (size_t j = a; j < b; j++)
            e += (double)sp.pcm.v[j] * sp.pcm.v[j];
        double local = sqrt(e / 3200.0);
        if (local > 0.02 * rms)
            fprintf(stderr, "    cut at %.2f s: rms %.1f around it, %.1f overall\n",
                    (double)at / TRANSCRIBE_RATE, local, rms);
        CHECK(local <= 0.02 * rms);
    }
    free(c);
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    double t0 = now_mono_s();
    REQUIRE(transcribe_pcm(sp.pcm.v, sp.pcm.n, &o, &t, &err) == REEL_OK);
    double took = now_mono_s() - t0;
    double w = wer(sp.ref, &t);
    printf("    chunked: %zu chunks on 2 threads, WER %.2f, real-time factor %.3f\n", k, w,
           took / duration);
    CHECK(w <= ESPEAK_WER_MAX);
    check_times(&t, duration, 1);
    /* the same words at the same times as the whole */
    size_t matched = 0;
    for (size_t i = 0; i < sp.whole.words.n; i++) {
        const struct tr_word *a = &sp.whole.words.v[i];
        for (size_t j = 0; j < t.words.n; j++)
            if (!strcmp(a->word, t.words.v[j].word) && fabs(a->start - t.words.v[j].start) <= 0.1) {
                matched++;
                break;
            }
    }
    printf("    %zu of %zu words of the whole found in the chunked at the same time\n", matched,
           sp.whole.words.n);
    CHECK(matched >= sp.whole.words.n * 8 / 10);
    transcript_release(&t);
}

/* Real recordings with reference transcripts (LibriVox, pocketsphinx's test data). */
TEST(transcribe_offline_real_speech_wer)
{
    const char *dir = "../shared/media/speech";
    DIR *d = opendir(dir);
    if (!d) {
        test_skip("../shared/media/speech is absent");
        return;
    }
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    size_t errors = 0, words = 0, files = 0;
    double audio_s = 0, took = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with(e->d_name, ".wav"))
            continue;
        char *wav = xasprintf("%s/%s", dir, e->d_name);
        char *txt = xasprintf("%.*s.txt", (int)(strlen(wav) - 4), wav);
        struct buf ref = BUF_INIT;
        if (buf_read_file(&ref, txt, 1 << 20, NULL) == REEL_OK) {
            struct transcript t;
            struct reel_err err = REEL_ERR_INIT;
            double t0 = now_mono_s();
            enum reel_code rc = transcribe_file(wav, &o, &t, &err);
            took += now_mono_s() - t0;
            CHECK(rc == REEL_OK);
            if (!rc) {
                char *hyp = words_text(&t);
                size_t n, ed = word_errors(ref.buf, hyp, &n);
                printf("    %s: WER %.2f (%zu/%zu)\n", e->d_name, n ? (double)ed / n : 0.0, ed, n);
                errors += ed;
                words += n;
                files++;
                audio_s += t.duration;
                check_times(&t, t.duration, 0);
                free(hyp);
            }
            transcript_release(&t);
        }
        buf_release(&ref);
        free(wav);
        free(txt);
    }
    closedir(d);
    if (!files) {
        test_skip("no .wav with a .txt in ../shared/media/speech");
        return;
    }
    double w = (double)errors / (double)words;
    printf("    real speech: %zu files, %zu words, WER %.3f, real-time factor %.3f\n", files, words,
           w, took / audio_s);
    CHECK(w <= REAL_WER_MAX);
}
