/*
 * Captions: cues (from the plan, or words of a transcript mapped through
 * the cuts), broken into lines and pages, written as an ASS document that
 * libass (FFmpeg's subtitles filter) burns in. ASS gives line layout,
 * fontconfig fonts, outlines, boxes and per-word colour for the karaoke
 * highlight; every character of the text is escaped so that none of it is
 * read as an override tag.
 */
#include "render/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

void cap_cue_release(struct cap_cue *q)
{
    free(q->text);
    for (size_t w = 0; w < q->nwords; w++)
        free(q->words[w].word);
    free(q->words);
}

void cap_list_release(struct cap_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        cap_cue_release(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static struct cap_cue *cap_push(struct cap_list *l)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    struct cap_cue *c = &l->v[l->n++];
    memset(c, 0, sizeof(*c));
    return c;
}

static double snap(const struct rtl *t, double s)
{
    return rtl_seconds(&t->g, rtl_frames(&t->g, s));
}

void captions_from_cues(const struct plan_op *op, const struct rtl *t, struct cap_list *out)
{
    for (size_t i = 0; i < op->ncues; i++) {
        const struct plan_cue *q = &op->cues[i];
        if (!q->text || q->end <= q->start)
            continue;
        struct cap_cue *c = cap_push(out);
        c->start = snap(t, q->start);
        c->end = snap(t, q->end);
        c->text = xstrdup(q->text);
    }
}

/* ---- transcript words through the cuts ---- */

static int word_cmp(const void *a, const void *b)
{
    const struct cap_word *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

static int ends_sentence(const char *w)
{
    size_t n = strlen(w);
    return n && strchr(".?!", w[n - 1]);
}

enum reel_code captions_from_transcript(const struct plan *p, const struct rtl *t,
                                        const json_t *transcripts, int max_chars, int max_lines,
                                        struct cap_list *out, struct reel_err *err)
{
    VEC(struct cap_word) words = VEC_INIT;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_CUT || !op->asset)
            continue;
        const json_t *tr = transcripts ? json_object_get(transcripts, op->asset) : NULL;
        if (!tr)
            continue;
        const json_t *ws = json_object_get(tr, "words");
        if (!json_is_array(ws)) {
            for (size_t k = 0; k < words.n; k++)
                free(words.v[k].word);
            VEC_FREE(&words);
            return reel_fail(err, REEL_EINVAL, op->asset,
                             "the transcript of '%s' has no \"words\" array", op->asset);
        }
        int script = !strcmp(json_get_str(tr, "source", "speech"), "script");
        const struct rspan *s = &t->spans[i];
        double speed = op->speed > 0 ? op->speed : 1.0;
        double src_in = rtl_seconds(&t->g, s->in_frame);
        double src_out = src_in + rtl_seconds(&t->g, s->frames) * speed;
        double tl0 = rtl_seconds(&t->g, s->start);
        size_t k;
        const json_t *w;
        json_array_foreach(ws, k, w)
        {
            const char *text = json_get_str(w, "word", NULL);
            double ws0 = json_get_num(w, "start", -1), we = json_get_num(w, "end", -1);
            if (!text || ws0 < 0 || we < ws0)
                continue;
            while (*text == ' ')
                text++;
            if (!*text || ws0 < src_in || ws0 >= src_out)
                continue;
            struct cap_word cw;
            cw.start = tl0 + (ws0 - src_in) / speed;
            cw.end = tl0 + (fmin(we, src_out) - src_in) / speed;
            cw.word = xstrdup(text);
            cw.confidence = json_get_num(w, "confidence", 1.0);
            cw.script = script;
            size_t len = strlen(cw.word);
            while (len && cw.word[len - 1] == ' ')
                cw.word[--len] = 0;
            VEC_PUSH(&words, cw);
        }
    }
    if (words.n)
        qsort(words.v, words.n, sizeof(*words.v), word_cmp);
    /* group into cues: a pause, a sentence end, or a full page ends one */
    size_t page = (size_t)max_chars * (size_t)max_lines;
    size_t i = 0;
    while (i < words.n) {
        size_t j = i, chars = 0;
        while (j < words.n) {
            size_t wl = utf8_len(words.v[j].word);
            if (j > i) {
                if (chars + 1 + wl > page || words.v[j].start - words.v[j - 1].end > 1.0 ||
                    words.v[j].end - words.v[i].start > 6.0 || ends_sentence(words.v[j - 1].word))
                    break;
                chars++;
            }
            chars += wl;
            j++;
        }
        struct cap_cue *c = cap_push(out);
        struct buf txt = BUF_INIT;
        c->nwords = j - i;
        c->words = xcalloc(c->nwords, sizeof(*c->words));
        for (size_t k = i; k < j; k++) {
            if (k > i)
                buf_addch(&txt, ' ');
            buf_adds(&txt, words.v[k].word);
            c->words[k - i] = words.v[k];
        }
        c->text = buf_detach(&txt);
        c->start = words.v[i].start;
        c->end = words.v[j - 1].end;
        /* linger a little after the last word, never into the next cue */
        double linger = c->end + 0.4;
        if (j < words.n && linger > words.v[j].start)
            linger = words.v[j].start;
        if (linger > c->end)
            c->end = linger;
        i = j;
    }
    VEC_FREE(&words); /* the word strings moved into the cues */
    return REEL_OK;
}

/* ---- line breaking ---- */

/* A token: one word, with whether a forced line break precedes it. */
struct tok {
    char *s;
    int brk;
    long word; /* index into the cue's words, -1 when none */
};
struct toks {
    struct tok *v;
    size_t n, cap;
};

static size_t utf8_prefix_bytes(const char *s, size_t ncp)
{
    size_t b = 0;
    while (s[b] && ncp) {
        b++;
        while ((s[b] & 0xC0) == 0x80)
            b++;
        ncp--;
    }
    return b;
}

/* Split text into words (spaces), marking newlines as forced breaks; words
 * longer than a line are cut into line-sized pieces. */
static void tokenize(const char *text, int max_chars, struct toks *out, long word)
{
    const char *p = text;
    int brk = 0;
    while (*p) {
        if (*p == '\n') {
            brk = 1;
            p++;
            continue;
        }
        if (*p == ' ' || *p == '\t' || *p == '\r') {
            p++;
            continue;
        }
        size_t n = strcspn(p, " \t\r\n");
        char *w = xstrndup(p, n);
        p += n;
        const char *q = w;
        while (*q) {
            size_t b = utf8_len(q) > (size_t)max_chars ? utf8_prefix_bytes(q, (size_t)max_chars)
                                                       : strlen(q);
            struct tok t = {xstrndup(q, b), brk, word};
            VEC_PUSH(out, t);
            brk = 0;
            q += b;
        }
        free(w);
    }
}

/* Greedy lines: line_of[i] = line number of token i. Returns the line count. */
static size_t break_lines(struct tok *t, size_t n, int max_chars, size_t *line_of)
{
    size_t line = 0, len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t wl = utf8_len(t[i].s);
        if (i > 0 && (t[i].brk || len + 1 + wl > (size_t)max_chars)) {
            line++;
            len = 0;
        }
        len += (len ? 1 : 0) + wl;
        line_of[i] = line;
    }
    return n ? line + 1 : 0;
}

size_t captions_wrap(const char *text, int max_chars, struct buf *out)
{
    struct toks toks = {NULL, 0, 0};
    if (max_chars < 1)
        max_chars = 1;
    tokenize(text, max_chars, &toks, -1);
    size_t *line_of = xcalloc(toks.n + 1, sizeof(size_t));
    size_t lines = break_lines(toks.v, toks.n, max_chars, line_of);
    for (size_t i = 0; i < toks.n; i++) {
        if (i)
            buf_addch(out, line_of[i] != line_of[i - 1] ? '\n' : ' ');
        buf_adds(out, toks.v[i].s);
        free(toks.v[i].s);
    }
    free(line_of);
    VEC_FREE(&toks);
    return lines;
}

/* ---- ASS ---- */

void ass_escape(struct buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
            /* a word joiner after the backslash keeps "\N", "\h", "\{"
             * in the text from being read as escapes */
            buf_adds(out, "\\\xE2\x81\xA0");
            break;
        case '{':
            buf_adds(out, "\\{");
            break;
        case '}':
            buf_adds(out, "\\}");
            break;
        case '\n':
            buf_adds(out, "\\N");
            break;
        case '\r':
            break;
        default:
            buf_addch(out, *s);
        }
    }
}

static void ass_color(struct buf *out, const struct plan_color *c)
{
    buf_addf(out, "&H%02X%02X%02X%02X", 255 - c->a, c->b, c->g, c->r);
}

static void ass_time(struct buf *out, double t)
{
    long cs = lround(t * 100);
    if (cs < 0)
        cs = 0;
    buf_addf(out, "%ld:%02ld:%02ld.%02ld", cs / 360000, (cs / 6000) % 60, (cs / 100) % 60,
             cs % 100);
}

/* One Dialogue line showing tokens [a, b) with line breaks, `hl` highlighted. */
static void ass_event(struct buf *out, double start, double end, struct tok *t, size_t a, size_t b,
                      const size_t *line_of, long hl, const struct plan_color *hcol)
{
    if (end <= start)
        return;
    buf_adds(out, "Dialogue: 0,");
    ass_time(out, start);
    buf_addch(out, ',');
    ass_time(out, end);
    buf_adds(out, ",Default,,0,0,0,,");
    for (size_t i = a; i < b; i++) {
        if (i > a)
            buf_adds(out, line_of[i] != line_of[i - 1] ? "\\N" : " ");
        int on = hl >= 0 && t[i].word == hl && hcol && hcol->set;
        if (on) {
            buf_adds(out, "{\\1c");
            buf_addf(out, "&H%02X%02X%02X&\\1a&H%02X&}", hcol->b, hcol->g, hcol->r, 255 - hcol->a);
        }
        ass_escape(out, t[i].s);
        if (on)
            buf_adds(out, "{\\r}");
    }
    buf_addch(out, '\n');
}

void captions_write_ass(const struct plan_op *op, const struct cap_list *cues, int width,
                        int height, struct buf *out)
{
    const struct plan_text_style *st = &op->style;
    int maxc = st->max_chars_per_line > 0 ? st->max_chars_per_line : 42;
    int maxl = st->max_lines > 0 ? st->max_lines : 2;
    int px = (int)lround((st->size > 0 ? st->size : 0.06) * height);
    if (px < 4)
        px = 4;
    int align = op->position.anchor == POS_TOP ? 8 : op->position.anchor == POS_CENTER ? 5 : 2;
    /* title-safe: 90% of the frame, 5% margins */
    int ml = (int)lround(0.05 * width), mv = (int)lround(0.05 * height);
    buf_addf(out,
             "[Script Info]\nScriptType: v4.00+\nPlayResX: %d\nPlayResY: %d\nWrapStyle: 2\n"
             "ScaledBorderAndShadow: yes\nYCbCr Matrix: None\n\n[V4+ Styles]\n"
             "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
             "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
             "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
             "Style: Default,",
             width, height);
    /* the style line is comma-separated: a comma cannot be part of a name */
    for (const char *f = st->font && *st->font ? st->font : "DejaVu Sans"; *f; f++)
        buf_addch(out, (*f == ',' || *f == '\n' || *f == '\r') ? ' ' : *f);
    buf_addf(out, ",%d,", px);
    ass_color(out, &st->color);
    buf_addch(out, ',');
    ass_color(out, &st->color);
    buf_addch(out, ',');
    int border_style = 1, outline = 0;
    struct plan_color black = {1, 0, 0, 0, 255};
    if (st->box.set) {
        border_style = 3;
        outline = px / 4 > 1 ? px / 4 : 1;
        ass_color(out, &st->box);
    } else if (st->outline.set) {
        outline = px / 16 > 1 ? px / 16 : 1;
        ass_color(out, &st->outline);
    } else {
        ass_color(out, &black);
    }
    buf_addch(out, ',');
    ass_color(out, &black);
    buf_addf(out, ",0,0,0,0,100,100,0,0,%d,%d,0,%d,%d,%d,%d,1\n\n", border_style, outline, align,
             ml, ml, mv);
    buf_adds(out, "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, "
                  "Effect, Text\n");

    for (size_t ci = 0; ci < cues->n; ci++) {
        const struct cap_cue *q = &cues->v[ci];
        struct toks toks = {NULL, 0, 0};
        if (q->words) {
            for (size_t w = 0; w < q->nwords; w++)
                tokenize(q->words[w].word, maxc, &toks, (long)w);
        } else {
            tokenize(q->text, maxc, &toks, -1);
        }
        if (!toks.n) {
            VEC_FREE(&toks);
            continue;
        }
        size_t *line_of = xcalloc(toks.n, sizeof(size_t));
        size_t nlines = break_lines(toks.v, toks.n, maxc, line_of);
        size_t npages = (nlines + (size_t)maxl - 1) / (size_t)maxl;
        size_t total_chars = 0;
        for (size_t i = 0; i < toks.n; i++)
            total_chars += utf8_len(toks.v[i].s) + 1;
        size_t a = 0, chars_before = 0;
        for (size_t pg = 0; pg < npages; pg++) {
            size_t b = a;
            size_t pchars = 0;
            while (b < toks.n && line_of[b] / (size_t)maxl == pg)
                pchars += utf8_len(toks.v[b++].s) + 1;
            /* page times: from word times when known, else by share of characters */
            double ps, pe;
            if (q->words) {
                ps = pg == 0 ? q->start : q->words[toks.v[a].word].start;
                pe = b < toks.n ? q->words[toks.v[b].word].start : q->end;
            } else {
                ps = q->start + (q->end - q->start) * (double)chars_before / (double)total_chars;
                pe = b < toks.n ? q->start + (q->end - q->start) * (double)(chars_before + pchars) /
                                                 (double)total_chars
                                : q->end;
            }
            if (q->words && st->highlight.set) {
                /* karaoke: one event per spoken word with that word coloured */
                double t = ps;
                for (size_t i = a; i < b; i++) {
                    if (i > a && toks.v[i].word == toks.v[i - 1].word)
                        continue;
                    const struct cap_word *w = &q->words[toks.v[i].word];
                    double ws = w->start > t ? w->start : t;
                    if (ws > t)
                        ass_event(out, t, ws, toks.v, a, b, line_of, -1, NULL);
                    size_t nx = i + 1;
                    while (nx < b && toks.v[nx].word == toks.v[i].word)
                        nx++;
                    double we = nx < b ? q->words[toks.v[nx].word].start : pe;
                    if (we > ws)
                        ass_event(out, ws, we, toks.v, a, b, line_of, toks.v[i].word,
                                  &st->highlight);
                    t = we > ws ? we : ws;
                }
                if (t < pe)
                    ass_event(out, t, pe, toks.v, a, b, line_of, -1, NULL);
            } else {
                ass_event(out, ps, pe, toks.v, a, b, line_of, -1, NULL);
            }
            chars_before += pchars;
            a = b;
        }
        for (size_t i = 0; i < toks.n; i++)
            free(toks.v[i].s);
        free(line_of);
        VEC_FREE(&toks);
    }
}
