/* The transcript model: fillers, repeats, pauses, segments, JSON and renderings. */
#include "transcribe/transcribe.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

/* Segments built from words are kept short enough for a subtitle line pair. */
#define SEG_MAX_SECONDS 7.0
#define SEG_MAX_CHARS 84

void transcript_init(struct transcript *t)
{
    memset(t, 0, sizeof(*t));
}

void transcript_release(struct transcript *t)
{
    for (size_t i = 0; i < t->words.n; i++)
        free(t->words.v[i].word);
    for (size_t i = 0; i < t->segments.n; i++)
        free(t->segments.v[i].text);
    for (size_t i = 0; i < t->heard.n; i++)
        free(t->heard.v[i].word);
    VEC_FREE(&t->heard);
    for (size_t i = 0; i < t->not_speech.n; i++)
        free(t->not_speech.v[i].word);
    VEC_FREE(&t->not_speech);
    VEC_FREE(&t->words);
    VEC_FREE(&t->segments);
    VEC_FREE(&t->pauses);
    memset(t, 0, sizeof(*t));
}

/* Copy s without leading/trailing whitespace. */
static char *dup_trimmed(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return xstrndup(s, n);
}

void transcript_add_word(struct transcript *t, double start, double end, const char *word,
                         double confidence)
{
    struct tr_word w = {0};
    w.start = start;
    w.end = end < start ? start : end;
    w.word = dup_trimmed(word);
    w.confidence = confidence < 0 ? 0 : confidence > 1 ? 1 : confidence;
    VEC_PUSH(&t->words, w);
}

void transcript_add_segment(struct transcript *t, double start, double end, const char *text)
{
    struct tr_segment s = {start, end < start ? start : end, dup_trimmed(text)};
    VEC_PUSH(&t->segments, s);
}

/* Lower-case letters, digits and inner apostrophes only: "Um," -> "um". */
void tr_normalize(const char *w, char *out, size_t n)
{
    size_t j = 0;
    for (; *w && j + 1 < n; w++) {
        unsigned char c = (unsigned char)*w;
        if (isalnum(c) || c >= 0x80)
            out[j++] = (char)tolower(c);
        else if (c == '\'' && j > 0)
            out[j++] = '\'';
    }
    while (j > 0 && out[j - 1] == '\'')
        j--;
    out[j] = 0;
}

int transcript_is_filler(const char *word)
{
    /* Hesitations only: words like "like" or "so" are too often meant. */
    static const char *const fillers[] = {"um", "umm", "uh",  "uhh", "uhm", "er",  "erm",
                                          "ah", "ahh", "hmm", "hm",  "mm",  "mhm", "eh"};
    char n[32];
    tr_normalize(word, n, sizeof(n));
    for (size_t i = 0; i < ARRAY_SIZE(fillers); i++)
        if (!strcmp(n, fillers[i]))
            return 1;
    return 0;
}

/* "that that" and "had had" are often grammatical; do not flag them. */
static int repeat_allowed(const char *n)
{
    return !strcmp(n, "that") || !strcmp(n, "had");
}

static int cmp_word(const void *a, const void *b)
{
    const struct tr_word *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

static int cmp_seg(const void *a, const void *b)
{
    const struct tr_segment *x = a, *y = b;
    return (x->start > y->start) - (x->start < y->start);
}

static void add_pause(struct transcript *t, double a, double b)
{
    struct tr_pause p = {a, b};
    VEC_PUSH(&t->pauses, p);
}

static void build_segments(struct transcript *t, double pause_min)
{
    struct buf text = BUF_INIT;
    double s0 = 0, e0 = 0;
    for (size_t i = 0; i < t->words.n; i++) {
        const struct tr_word *w = &t->words.v[i];
        int brk = text.len && (w->start - e0 > pause_min || w->end - s0 > SEG_MAX_SECONDS ||
                               text.len + 1 + strlen(w->word) > SEG_MAX_CHARS);
        if (brk) {
            transcript_add_segment(t, s0, e0, text.buf);
            buf_reset(&text);
        }
        if (!text.len)
            s0 = w->start;
        else
            buf_addch(&text, ' ');
        buf_adds(&text, w->word);
        e0 = w->end;
    }
    if (text.len)
        transcript_add_segment(t, s0, e0, text.buf);
    buf_release(&text);
}

void transcript_finish(struct transcript *t, double pause_min)
{
    if (pause_min <= 0)
        pause_min = 0.7;
    if (t->words.n > 1)
        qsort(t->words.v, t->words.n, sizeof(*t->words.v), cmp_word);
    if (t->segments.n > 1)
        qsort(t->segments.v, t->segments.n, sizeof(*t->segments.v), cmp_seg);
    char prev[64] = "";
    double prev_end = 0;
    for (size_t i = 0; i < t->words.n; i++) {
        struct tr_word *w = &t->words.v[i];
        char n[64];
        tr_normalize(w->word, n, sizeof(n));
        w->repeat =
            n[0] && !strcmp(n, prev) && !repeat_allowed(n) && w->start - prev_end <= pause_min;
        w->filler = w->repeat || transcript_is_filler(w->word);
        memcpy(prev, n, sizeof(prev));
        prev_end = w->end;
    }
    t->pauses.n = 0;
    double last = 0;
    for (size_t i = 0; i < t->words.n; i++) {
        const struct tr_word *w = &t->words.v[i];
        if (w->start - last > pause_min)
            add_pause(t, last, w->start);
        if (w->end > last)
            last = w->end;
    }
    if (t->duration - last > pause_min)
        add_pause(t, last, t->duration);
    if (!t->segments.n)
        build_segments(t, pause_min);
}

/* ---- speech or not ---- */

const char *tr_not_speech_why(int why)
{
    switch (why) {
    case TR_NS_LONG:
        return "longer than a spoken word";
    case TR_NS_NOISE:
        return "no speech there";
    default:
        return "speech";
    }
}

static double speech_overlap(const double (*sp)[2], size_t n, double a, double b)
{
    double o = 0;
    for (size_t i = 0; i < n; i++) {
        double lo = fmax(a, sp[i][0]), hi = fmin(b, sp[i][1]);
        if (hi > lo)
            o += hi - lo;
    }
    return o;
}

size_t transcript_keep_speech(struct transcript *t, const double (*speech)[2], size_t n,
                              double pause_min)
{
    t->speech_checked = 1;
    if (t->from_script)
        return 0;
    size_t k = 0, moved = 0;
    for (size_t i = 0; i < t->words.n; i++) {
        struct tr_word w = t->words.v[i];
        double d = w.end - w.start;
        int why = TR_SPEECH;
        if (d > TR_WORD_MAX_S)
            why = TR_NS_LONG;
        else if (speech_overlap(speech, n, w.start, w.end) <
                 TR_SPEECH_SHARE * fmax(d, 1e-3) - 1e-9)
            why = TR_NS_NOISE;
        if (why) {
            w.not_speech = why;
            VEC_PUSH(&t->not_speech, w);
            moved++;
        } else {
            t->words.v[k++] = w;
        }
    }
    t->words.n = k;
    if (moved) {
        for (size_t i = 0; i < t->segments.n; i++)
            free(t->segments.v[i].text);
        t->segments.n = 0;
        transcript_finish(t, pause_min);
    }
    return moved;
}

size_t transcript_keep_speech_json(struct transcript *t, const json_t *speech, double pause_min)
{
    size_t n = json_array_size(speech), k = 0;
    double(*sp)[2] = xmalloc((n ? n : 1) * sizeof(*sp));
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(speech, i);
        double a = json_get_num(o, "start", -1), b = json_get_num(o, "end", -1);
        if (a >= 0 && b > a)
            sp[k][0] = a, sp[k][1] = b, k++;
    }
    size_t moved = transcript_keep_speech(t, (const double(*)[2])sp, k, pause_min);
    free(sp);
    return moved;
}

/* ---- JSON ---- */

static json_t *num3(double x)
{
    return json_real(round(x * 1000.0) / 1000.0);
}

const char *tr_aligned_name(int a)
{
    switch (a) {
    case TR_FORCED:
        return "forced";
    case TR_MATCHED:
        return "matched";
    case TR_INTERPOLATED:
        return "interpolated";
    default:
        return "heard";
    }
}

static json_t *words_json(const struct tr_word *v, size_t n, int script)
{
    json_t *words = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct tr_word *w = &v[i];
        json_t *o = json_object();
        json_object_set_new(o, "start", num3(w->start));
        json_object_set_new(o, "end", num3(w->end));
        json_object_set_new(o, "word", json_string(w->word));
        json_object_set_new(o, "confidence", num3(w->confidence));
        json_object_set_new(o, "filler", json_boolean(w->filler));
        json_object_set_new(o, "repeat", json_boolean(w->repeat));
        if (script)
            json_object_set_new(o, "aligned", json_string(tr_aligned_name(w->aligned)));
        json_array_append_new(words, o);
    }
    return words;
}

json_t *transcript_to_json(const struct transcript *t)
{
    json_t *j = json_object();
    json_object_set_new(j, "engine", json_string(t->engine));
    json_object_set_new(j, "model", json_string(t->model));
    json_object_set_new(j, "language", json_string(t->language));
    json_object_set_new(j, "duration", num3(t->duration));
    json_object_set_new(j, "source", json_string(t->from_script ? "script" : "speech"));
    json_object_set_new(j, "words", words_json(t->words.v, t->words.n, t->from_script));
    if (t->speech_checked) {
        json_t *ns = words_json(t->not_speech.v, t->not_speech.n, 0);
        for (size_t i = 0; i < t->not_speech.n; i++)
            json_object_set_new(json_array_get(ns, i), "why",
                                json_string(tr_not_speech_why(t->not_speech.v[i].not_speech)));
        json_object_set_new(j, "not_speech", ns);
    }
    if (t->from_script) {
        json_object_set_new(j, "heard", words_json(t->heard.v, t->heard.n, 0));
        json_object_set_new(
            j, "alignment",
            json_pack("{s:I, s:I, s:I, s:I, s:o}", "words", (json_int_t)t->align.words, "forced",
                      (json_int_t)t->align.forced, "matched", (json_int_t)t->align.matched,
                      "interpolated", (json_int_t)t->align.interpolated, "heard_wer",
                      num3(t->align.heard_wer)));
    }
    json_t *segs = json_array();
    for (size_t i = 0; i < t->segments.n; i++) {
        const struct tr_segment *s = &t->segments.v[i];
        json_t *o = json_object();
        json_object_set_new(o, "start", num3(s->start));
        json_object_set_new(o, "end", num3(s->end));
        json_object_set_new(o, "text", json_string(s->text));
        json_array_append_new(segs, o);
    }
    json_object_set_new(j, "segments", segs);
    json_t *pauses = json_array();
    for (size_t i = 0; i < t->pauses.n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "start", num3(t->pauses.v[i].start));
        json_object_set_new(o, "end", num3(t->pauses.v[i].end));
        json_array_append_new(pauses, o);
    }
    json_object_set_new(j, "pauses", pauses);
    return j;
}

static void set_str(char *dst, size_t n, const json_t *obj, const char *key)
{
    snprintf(dst, n, "%s", json_get_str(obj, key, ""));
}

/* start/end numbers of element i of an array at `where`; fails on a bad shape. */
static enum reel_code get_span(const json_t *o, const char *where, size_t i, double *a, double *b,
                               struct reel_err *err)
{
    char path[128];
    json_path_index(path, sizeof(path), where, i);
    const json_t *s = json_object_get(o, "start"), *e = json_object_get(o, "end");
    if (!json_is_object(o) || !json_is_number(s) || !json_is_number(e))
        return reel_fail(err, REEL_EINVAL, path, "expected an object with numbers start and end");
    *a = json_number_value(s);
    *b = json_number_value(e);
    if (!isfinite(*a) || !isfinite(*b) || *a < 0 || *b < *a)
        return reel_fail(err, REEL_EINVAL, path, "start %g and end %g are not a valid span", *a,
                         *b);
    return REEL_OK;
}

enum reel_code transcript_from_json(const json_t *j, struct transcript *t, struct reel_err *err)
{
    transcript_init(t);
    if (!json_is_object(j))
        return reel_fail(err, REEL_EINVAL, "$", "a transcript must be a JSON object");
    set_str(t->engine, sizeof(t->engine), j, "engine");
    set_str(t->model, sizeof(t->model), j, "model");
    set_str(t->language, sizeof(t->language), j, "language");
    t->duration = json_get_num(j, "duration", 0);
    const json_t *words = json_object_get(j, "words"), *segs = json_object_get(j, "segments");
    const json_t *pauses = json_object_get(j, "pauses");
    if (!json_is_array(words))
        return reel_fail(err, REEL_EINVAL, "$.words", "expected an array of words");
    size_t i;
    const json_t *o;
    double a, b;
    json_array_foreach(words, i, o)
    {
        if (get_span(o, "$.words", i, &a, &b, err))
            goto fail;
        const char *w = json_get_str(o, "word", NULL);
        if (!w) {
            char path[128];
            json_path_index(path, sizeof(path), "$.words", i);
            reel_fail(err, REEL_EINVAL, path, "word has no text");
            goto fail;
        }
        transcript_add_word(t, a, b, w, json_get_num(o, "confidence", 1.0));
        struct tr_word *tw = &t->words.v[t->words.n - 1];
        tw->filler = json_get_bool(o, "filler", 0);
        tw->repeat = json_get_bool(o, "repeat", 0);
        const char *al = json_get_str(o, "aligned", "heard");
        tw->aligned = !strcmp(al, "forced")         ? TR_FORCED
                      : !strcmp(al, "matched")      ? TR_MATCHED
                      : !strcmp(al, "interpolated") ? TR_INTERPOLATED
                                                    : TR_HEARD;
    }
    t->from_script = !strcmp(json_get_str(j, "source", "speech"), "script");
    const json_t *ns = json_object_get(j, "not_speech");
    t->speech_checked = json_is_array(ns);
    json_array_foreach(ns, i, o)
    {
        const char *w = json_get_str(o, "word", NULL);
        a = json_get_num(o, "start", -1), b = json_get_num(o, "end", -1);
        if (!w || a < 0 || b < a)
            continue;
        const char *why = json_get_str(o, "why", "");
        struct tr_word nw = {a, b, xstrdup(w), json_get_num(o, "confidence", 1.0), 0, 0, 0,
                             !strcmp(why, tr_not_speech_why(TR_NS_LONG)) ? TR_NS_LONG
                                                                          : TR_NS_NOISE};
        VEC_PUSH(&t->not_speech, nw);
    }
    json_array_foreach(json_object_get(j, "heard"), i, o)
    {
        const char *w = json_get_str(o, "word", NULL);
        a = json_get_num(o, "start", -1), b = json_get_num(o, "end", -1);
        if (!w || a < 0 || b < a)
            continue;
        struct tr_word hw = {a, b, xstrdup(w), json_get_num(o, "confidence", 1.0), 0, 0, 0, 0};
        VEC_PUSH(&t->heard, hw);
    }
    const json_t *al = json_object_get(j, "alignment");
    t->align.words = (size_t)json_get_num(al, "words", 0);
    t->align.forced = (size_t)json_get_num(al, "forced", 0);
    t->align.matched = (size_t)json_get_num(al, "matched", 0);
    t->align.interpolated = (size_t)json_get_num(al, "interpolated", 0);
    t->align.heard_wer = json_get_num(al, "heard_wer", 0);
    if (json_is_array(segs)) {
        json_array_foreach(segs, i, o)
        {
            if (get_span(o, "$.segments", i, &a, &b, err))
                goto fail;
            transcript_add_segment(t, a, b, json_get_str(o, "text", ""));
        }
    }
    if (json_is_array(pauses)) {
        json_array_foreach(pauses, i, o)
        {
            if (get_span(o, "$.pauses", i, &a, &b, err))
                goto fail;
            add_pause(t, a, b);
        }
    }
    return REEL_OK;
fail:
    transcript_release(t);
    return err ? err->code : REEL_EINVAL;
}

/* ---- renderings ---- */

/* sep ',' for SRT (00:00:01,250), '.' for VTT and text. */
static void add_time(struct buf *out, double t, char sep, int hours)
{
    if (t < 0)
        t = 0;
    long long ms = llround(t * 1000.0);
    long long h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60;
    if (hours || h)
        buf_addf(out, "%02lld:", h);
    buf_addf(out, "%02lld:%02lld%c%03lld", m, s, sep, ms % 1000);
}

void transcript_to_text(const struct transcript *t, struct buf *out)
{
    for (size_t i = 0; i < t->segments.n; i++) {
        const struct tr_segment *s = &t->segments.v[i];
        buf_addch(out, '[');
        add_time(out, s->start, '.', 0);
        buf_adds(out, " --> ");
        add_time(out, s->end, '.', 0);
        buf_addf(out, "] %s\n", s->text);
    }
}

/* Cue text: never empty, never a blank line inside (that would end the cue). */
static void add_cue_text(struct buf *out, const char *text)
{
    size_t start = out->len;
    for (const char *p = text; *p; p++)
        buf_addch(out, *p == '\n' || *p == '\r' ? ' ' : *p);
    if (out->len == start)
        buf_adds(out, "...");
    buf_addch(out, '\n');
}

void transcript_to_srt(const struct transcript *t, struct buf *out)
{
    for (size_t i = 0; i < t->segments.n; i++) {
        const struct tr_segment *s = &t->segments.v[i];
        buf_addf(out, "%zu\n", i + 1);
        add_time(out, s->start, ',', 1);
        buf_adds(out, " --> ");
        add_time(out, s->end, ',', 1);
        buf_addch(out, '\n');
        add_cue_text(out, s->text);
        buf_addch(out, '\n');
    }
}

void transcript_to_vtt(const struct transcript *t, struct buf *out)
{
    buf_adds(out, "WEBVTT\n\n");
    for (size_t i = 0; i < t->segments.n; i++) {
        const struct tr_segment *s = &t->segments.v[i];
        add_time(out, s->start, '.', 1);
        buf_adds(out, " --> ");
        add_time(out, s->end, '.', 1);
        buf_addch(out, '\n');
        /* "-->" may not appear in a cue's text; '&' and '<' are markup. */
        struct buf esc = BUF_INIT;
        for (const char *p = s->text; *p; p++) {
            if (*p == '&')
                buf_adds(&esc, "&amp;");
            else if (*p == '<')
                buf_adds(&esc, "&lt;");
            else if (*p == '>')
                buf_adds(&esc, "&gt;");
            else
                buf_addch(&esc, *p);
        }
        add_cue_text(out, esc.buf);
        buf_release(&esc);
        buf_addch(out, '\n');
    }
}

void transcript_to_words(const struct transcript *t, struct buf *out)
{
    for (size_t i = 0; i < t->words.n; i++) {
        const struct tr_word *w = &t->words.v[i];
        buf_addf(out, "%8.3f %8.3f  %-20s %.2f %s\n", w->start, w->end, w->word, w->confidence,
                 tr_aligned_name(w->aligned));
    }
    if (t->from_script)
        buf_addf(out,
                 "# %zu script words: %zu forced, %zu matched, %zu interpolated; the recogniser's "
                 "WER against the script %.2f\n",
                 t->align.words, t->align.forced, t->align.matched, t->align.interpolated,
                 t->align.heard_wer);
}
