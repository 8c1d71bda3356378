/*
 * Caption readability: for each burned-in text the plan asked for (caption
 * cues and text ops), one kept frame from the middle of its time on screen:
 * find the text by its colour in the region its position names, OCR it
 * (character error rate against the plan's text), measure the WCAG contrast
 * of the text against the pixels right around it (outline or background),
 * check the box is inside the title-safe area. Reading speed and line
 * length come from the plan's text and times.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "transcribe/transcribe.h"
#include "core/banned.h"

#define MAX_CPS 20.0
#define MAX_LINE 42
#define MIN_CONTRAST 4.5
#define MAX_MEAN_CER 0.2
#define MAX_CER 0.4
/* Cues from the recogniser: the mean word confidence under which a cue is
 * uncertain. pocketsphinx on ../shared/media/speech: goforward (WER 0) 0.76,
 * the LibriVox lines (WER 0.25-0.43) 0.61-0.66, the demo clip (WER ~0.7) 0.41. */
#define CAPTION_CONF_MIN 0.7
/* The hearing: the render's own sound transcribed again, the words heard
 * within HEAR_SLACK_S of a cue against its text. Two hearings by the same
 * recogniser of the same speech (the source clip, then the render with
 * its music and loudness) differ too: a cue whose text is further than
 * HEAR_WER_MAX (word error rate) from what is heard, or over which nothing
 * is heard, is contradicted (docs/eval.md has the figures). */
#define HEAR_WER_MAX 0.8
#define HEAR_SLACK_S 0.3
/* A cue from a script must sit over its words' speech: its words heard as
 * themselves (within HEAR_FIND_S) give it an offset, the median of
 * HEAR_TIMING_MIN_PAIRS or more; off by more than HEAR_TIMING_MAX_S it is
 * early or late (docs/eval.md has the figures). Renders of more than
 * HEAR_ALIGN_MAX words are not timed. */
#define HEAR_TIMING_MAX_S 0.3
#define HEAR_FIND_S 1.0
#define HEAR_TIMING_MIN_PAIRS 2
#define HEAR_ALIGN_MAX 4000
/* Tesseract does not read lines under OCR_MIN_LINE_PX (ink height) at
 * all, however they are scaled: smaller text (a 180p test render's
 * captions) is located, measured for contrast and position, but not read
 * back. Between that and OCR_SHARP_PX it reads with more error (a 396-line
 * render's default captions, 10-13 px: CER up to 0.39 for the right text
 * over busy footage, 0.68 and more for the wrong text; docs/eval.md), so
 * the CER bounds are wider there. */
#define OCR_MIN_LINE_PX 9
#define OCR_SHARP_PX 14
#define MAX_MEAN_CER_SMALL 0.35
#define MAX_CER_SMALL 0.55
#define TITLE_SAFE 0.05 /* margin on each side: the 90% title-safe area */
#define INK_IN 40       /* colour distance counted as the text colour */
#define INK_OUT 110     /* beyond this, not text */

struct found {
    int ok;
    int x0, y0, x1, y1; /* box, inclusive */
    double text_lum, back_lum, contrast;
    double cer;
    char *ocr;
    int conf;
    double line_px; /* measured height of one line */
    int too_small;  /* lines below OCR_MIN_LINE_PX: not read back */
};

static int color_dist(const uint8_t *p, const uint8_t tc[3])
{
    int d0 = abs(p[0] - tc[0]), d1 = abs(p[1] - tc[1]), d2 = abs(p[2] - tc[2]);
    int d = d0 > d1 ? d0 : d1;
    return d > d2 ? d : d2;
}

static void region_for(const struct text_item *ti, int W, int H, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = 0, *x1 = W - 1, *y0 = 0, *y1 = H - 1;
    enum plan_anchor a = ti->anchor;
    if (ti->is_caption) {
        if (a == POS_TOP)
            *y1 = H * 45 / 100;
        else if (a == POS_CENTER)
            *y0 = H / 4, *y1 = H * 3 / 4;
        else
            *y0 = H * 55 / 100;
        return;
    }
    if (a == POS_TOP_LEFT || a == POS_TOP || a == POS_TOP_RIGHT)
        *y1 = H / 2;
    if (a == POS_BOTTOM_LEFT || a == POS_BOTTOM || a == POS_BOTTOM_RIGHT)
        *y0 = H / 2;
    if (a == POS_LEFT || a == POS_CENTER || a == POS_RIGHT)
        *y0 = H / 5, *y1 = H * 4 / 5;
    if (a == POS_TOP_LEFT || a == POS_LEFT || a == POS_BOTTOM_LEFT)
        *x1 = W * 6 / 10;
    if (a == POS_TOP_RIGHT || a == POS_RIGHT || a == POS_BOTTOM_RIGHT)
        *x0 = W * 4 / 10;
}

/* Lines of a caption as the renderer lays it out: each explicit line
 * broken greedily at word boundaries to `limit` characters, a longer word
 * cut into pieces of `limit` (render/captions.c, tokenize). Returns the
 * number of lines; *longest gets the longest. */
int eval_wrapped_lines(const char *text, int limit, int *longest)
{
    if (limit < 1)
        limit = 1;
    int lines = 0, col = 0, lmax = 0, started = 0;
    const unsigned char *q = (const unsigned char *)text;
    while (*q) {
        if (*q == '\n') {
            lines++;
            col = 0;
            started = 0;
            q++;
            continue;
        }
        if (*q == ' ' || *q == '\t') {
            q++;
            continue;
        }
        int word = 0;
        while (*q && *q != ' ' && *q != '\t' && *q != '\n') {
            word += (*q & 0xC0) != 0x80;
            q++;
        }
        for (int left = word; left > 0; left -= limit) {
            int w = left > limit ? limit : left;
            if (!started) {
                started = 1;
                col = w;
            } else if (col + 1 + w > limit) {
                lines++;
                col = w;
            } else {
                col += 1 + w;
            }
            if (col > lmax)
                lmax = col;
        }
    }
    if (longest)
        *longest = lmax;
    return lines + 1;
}

static void look(const struct still *s, const struct text_item *ti, void *ocr, struct found *fd)
{
    memset(fd, 0, sizeof(*fd));
    fd->cer = 1;
    if (!s->rgb || s->t < 0)
        return;
    int W = s->w, H = s->h;
    uint8_t tc[3] = {ti->style->color.r, ti->style->color.g, ti->style->color.b};
    int rx0, ry0, rx1, ry1;
    region_for(ti, W, H, &rx0, &ry0, &rx1, &ry1);

    /* Text pixels: the text's colour and, when the style has an outline,
     * within 3 px of the outline's colour: a bright sky behind white text
     * is not text, its outlined letters are. */
    int rw = rx1 - rx0 + 1, rh = ry1 - ry0 + 1;
    double font_px = (ti->style->size > 0 ? ti->style->size : 0.06) * H;
    uint8_t *tm = xcalloc((size_t)rw * rh, 1);
    for (int y = 0; y < rh; y++)
        for (int x = 0; x < rw; x++)
            tm[(size_t)y * rw + x] =
                color_dist(s->rgb + ((size_t)(ry0 + y) * W + rx0 + x) * 3, tc) <= INK_IN;
    if (ti->style->outline.set) {
        uint8_t oc[3] = {ti->style->outline.r, ti->style->outline.g, ti->style->outline.b};
        uint8_t *near = xcalloc((size_t)rw * rh, 1);
        const int R = 3;
        for (int y = 0; y < rh; y++)
            for (int x = 0; x < rw; x++) {
                if (color_dist(s->rgb + ((size_t)(ry0 + y) * W + rx0 + x) * 3, oc) > 60)
                    continue;
                for (int dy = -R; dy <= R; dy++)
                    for (int dx = -R; dx <= R; dx++) {
                        int yy = y + dy, xx = x + dx;
                        if (yy >= 0 && yy < rh && xx >= 0 && xx < rw)
                            near[(size_t)yy * rw + xx] = 1;
                    }
            }
        long kept = 0;
        for (size_t i = 0; i < (size_t)rw * rh; i++) {
            tm[i] = tm[i] && near[i];
            kept += tm[i];
        }
        free(near);
        /* no outlined letters to be seen (less ink than a letter's worth):
         * keep the colour alone. Not a share of the text-coloured pixels: a
         * bright sky or white clouds behind white text outnumber its letters
         * many times, and the outline is what tells them apart. */
        if (kept < font_px * font_px / 4)
            for (size_t i = 0; i < (size_t)rw * rh; i++)
                tm[i] = color_dist(s->rgb + ((size_t)(ry0 + i / rw) * W + rx0 + i % rw) * 3, tc) <= INK_IN;
    }
    /* Letters are short runs of text pixels along a row; a wall of the same
     * colour (a yellow bar behind yellow text) is one long run. Keep the
     * short runs, and count them per row: the group of rows with the most
     * runs is the text. */
    int maxrun = W / 25 > 6 ? W / 25 : 6;
    int *rows = xcalloc((size_t)rh, sizeof(int));
    for (int y = 0; y < rh; y++) {
        uint8_t *r = tm + (size_t)y * rw;
        for (int x = 0; x < rw;) {
            if (!r[x]) {
                x++;
                continue;
            }
            int e = x;
            while (e < rw && r[e])
                e++;
            if (e - x > maxrun)
                memset(r + x, 0, (size_t)(e - x));
            else
                rows[y]++;
            x = e;
        }
    }
    int thr = 2;
    /* lines of one text are a font size apart at most (the style says how
     * big that is); a gap of that much ends a group */
    int max_gap = (int)(font_px * 0.8) > 2 ? (int)(font_px * 0.8) : 2;
    int best_a = -1, best_b = -1;
    long best_mass = 0;
    for (int y = 0; y < rh;) {
        if (rows[y] < thr) {
            y++;
            continue;
        }
        /* a group: runs of text rows separated by gaps shorter than the run */
        int a = y, b = y, gap = 0;
        long mass = 0;
        for (int k = y; k < rh; k++) {
            if (rows[k] >= thr) {
                b = k;
                gap = 0;
                mass += rows[k];
            } else if (++gap > max_gap) {
                break;
            }
        }
        if (mass > best_mass)
            best_mass = mass, best_a = a, best_b = b;
        y = b + 1;
    }
    free(rows);
    if (best_mass < 12) {
        free(tm);
        return;
    }
    int y0 = ry0 + best_a, y1 = ry0 + best_b;
    /* columns: from the 1st to the 99th percentile of text pixels */
    long *cols = xcalloc((size_t)W, sizeof(long));
    long tot = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = rx0; x <= rx1; x++)
            if (tm[(size_t)(y - ry0) * rw + x - rx0])
                cols[x]++, tot++;
    free(tm);
    long acc = 0;
    int x0 = rx0, x1 = rx1;
    for (int x = rx0; x <= rx1; x++) {
        acc += cols[x];
        if (acc <= tot / 100)
            x0 = x + 1;
        if (acc < tot - tot / 100)
            x1 = x + 1;
    }
    free(cols);
    if (x1 > rx1)
        x1 = rx1;
    if (x0 > x1)
        return;
    fd->ok = 1;
    fd->x0 = x0, fd->x1 = x1, fd->y0 = y0, fd->y1 = y1;

    /* the box for contrast and OCR, widened by half the box's height (a
     * caption) or all of it (a title), since the column trim above can take
     * a thin first or last letter (an l, an i); contrast: the text's own
     * pixels against the ring 1-3 px around them */
    int mg = 6 + (y1 - y0 + 1) / (ti->is_caption ? 2 : 1);
    int bx0 = x0 - mg < 0 ? 0 : x0 - mg, by0 = y0 - mg < 0 ? 0 : y0 - mg;
    int bx1 = x1 + mg >= W ? W - 1 : x1 + mg, by1 = y1 + mg >= H ? H - 1 : y1 + mg;
    int bw = bx1 - bx0 + 1, bh = by1 - by0 + 1;
    uint8_t *mask = xcalloc((size_t)bw * bh, 1), *dil = xcalloc((size_t)bw * bh, 1);
    uint8_t *ink = xmalloc((size_t)bw * bh);
    double tl = 0;
    long tn = 0;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            const uint8_t *p = s->rgb + ((size_t)(by0 + y) * W + bx0 + x) * 3;
            int d = color_dist(p, tc);
            mask[y * bw + x] = d <= INK_OUT / 2;
            if (d <= INK_IN / 2)
                tl += rel_luminance(p[0], p[1], p[2]), tn++;
            double v = d <= INK_IN ? 0 : d >= INK_OUT ? 255 : (d - INK_IN) * 255.0 / (INK_OUT - INK_IN);
            ink[y * bw + x] = (uint8_t)v;
        }
    const int R = 3;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            if (!mask[y * bw + x])
                continue;
            for (int dy = -R; dy <= R; dy++)
                for (int dx = -R; dx <= R; dx++) {
                    int yy = y + dy, xx = x + dx;
                    if (yy >= 0 && yy < bh && xx >= 0 && xx < bw)
                        dil[yy * bw + xx] = 1;
                }
        }
    size_t nring = 0;
    double *ring = xmalloc((size_t)bw * bh * sizeof(double));
    double ring_sum = 0;
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
            if (dil[y * bw + x] && !mask[y * bw + x]) {
                const uint8_t *p = s->rgb + ((size_t)(by0 + y) * W + bx0 + x) * 3;
                ring[nring] = rel_luminance(p[0], p[1], p[2]);
                ring_sum += ring[nring++];
            }
    fd->text_lum = tn ? tl / tn : rel_luminance(tc[0], tc[1], tc[2]);
    if (nring) {
        /* light text: what matters is the darkest quarter around it (an
         * outline or a shadow); dark text: the lightest quarter */
        double mean = ring_sum / nring;
        fd->back_lum = percentile(ring, nring, fd->text_lum >= mean ? 25 : 75);
    } else {
        fd->back_lum = fd->text_lum;
    }
    fd->contrast = wcag_contrast(fd->text_lum, fd->back_lum);
    free(ring);
    free(mask);
    free(dil);

    /* OCR: the ink map, grown so that a line is about 40 px high */
    int limit = ti->style->max_chars_per_line > 0 ? ti->style->max_chars_per_line : MAX_LINE;
    int lines = ti->is_caption ? eval_wrapped_lines(ti->text, limit, NULL) : 1;
    if (!ti->is_caption)
        for (const char *q = ti->text; *q; q++)
            lines += *q == '\n';
    double line_h = (double)(y1 - y0 + 1) / lines;
    fd->line_px = line_h;
    if (line_h < OCR_MIN_LINE_PX) {
        fd->too_small = 1;
        free(ink);
        return;
    }
    double sc = line_h > 0 ? 40.0 / line_h : 1;
    if (sc < 1)
        sc = 1;
    if (sc > 4)
        sc = 4;
    int ow = (int)(bw * sc), oh = (int)(bh * sc);
    uint8_t *big = xmalloc((size_t)ow * oh);
    gray_resize(ink, bw, bh, bw, big, ow, oh);
    free(ink);
    if (ocr) {
        fd->ocr = ocr_read(ocr, big, ow, oh, &fd->conf);
        char *a = text_normalize(fd->ocr ? fd->ocr : ""), *b = text_normalize(ti->text);
        size_t lb = utf8_len(b);
        fd->cer = lb ? (double)utf8_levenshtein(a, b) / lb : (utf8_len(a) ? 1 : 0);
        if (fd->cer > 1)
            fd->cer = 1;
        free(a);
        free(b);
    }
    free(big);
}

/* ---- reading text beside the decode ---- */

struct text_reader {
    struct eval_ctx *c;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *queue, nq, head;
    int done, started;
    struct found *found; /* per still */
    unsigned char *have; /* per still: found[] holds its result */
    int ocr_ok;
    char ocr_err[512];
};

static void *reader_main(void *arg)
{
    struct text_reader *r = arg;
    struct reel_err e = REEL_ERR_INIT;
    void *ocr = ocr_new(&e);
    pthread_mutex_lock(&r->mu);
    r->ocr_ok = ocr != NULL;
    if (!ocr)
        snprintf(r->ocr_err, sizeof(r->ocr_err), "%s", e.msg);
    for (;;) {
        while (r->head == r->nq && !r->done)
            pthread_cond_wait(&r->cv, &r->mu);
        if (r->head == r->nq)
            break;
        size_t si = r->queue[r->head++];
        pthread_mutex_unlock(&r->mu);
        struct found fd;
        const struct still *st = &r->c->stills[si];
        look(st, &r->c->texts[st->item], ocr, &fd);
        pthread_mutex_lock(&r->mu);
        r->found[si] = fd;
        r->have[si] = 1;
    }
    pthread_mutex_unlock(&r->mu);
    ocr_free(ocr);
    return NULL;
}

void text_reader_start(struct eval_ctx *c)
{
    size_t n = 0;
    for (size_t i = 0; i < c->nstills; i++)
        n += c->stills[i].purpose == STILL_TEXT;
    if (!n)
        return;
    struct text_reader *r = xcalloc(1, sizeof(*r));
    r->c = c;
    r->queue = xcalloc(c->nstills, sizeof(*r->queue));
    r->found = xcalloc(c->nstills, sizeof(*r->found));
    r->have = xcalloc(c->nstills, 1);
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    r->started = pthread_create(&r->th, NULL, reader_main, r) == 0;
    c->reader = r;
}

void text_reader_feed(struct eval_ctx *c, size_t still)
{
    struct text_reader *r = c->reader;
    if (!r || !r->started || c->stills[still].purpose != STILL_TEXT)
        return;
    pthread_mutex_lock(&r->mu);
    if (r->nq < c->nstills)
        r->queue[r->nq++] = still;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

void text_reader_finish(struct eval_ctx *c)
{
    struct text_reader *r = c->reader;
    if (!r || !r->started)
        return;
    pthread_mutex_lock(&r->mu);
    r->done = 1;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    pthread_join(r->th, NULL);
    r->started = 0;
}

void text_reader_free(struct eval_ctx *c)
{
    struct text_reader *r = c->reader;
    if (!r)
        return;
    text_reader_finish(c);
    for (size_t i = 0; i < c->nstills; i++)
        if (r->have[i])
            free(r->found[i].ocr);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cv);
    free(r->queue);
    free(r->found);
    free(r->have);
    free(r);
    c->reader = NULL;
}

/*
 * Captions made from what the recogniser heard (no script) are only as
 * right as its hearing: a cue whose words it was unsure of (mean
 * confidence under CAPTION_CONF_MIN) may misquote the speaker, so it needs
 * a person, and the gate fails whatever the screen shows. The cues are
 * listed in the evidence ("uncertain") with their times and confidence.
 */
/* n of `of` cues a person must check: the gate fails, and the score is at
 * most 0.5 + 0.5 x the share of cues that are right. */
static void fail_for_cues(struct metric_out *m, size_t n, size_t of)
{
    m->gate = 0;
    m->score = fmin(m->score, 0.5 + 0.5 * (1 - (double)n / (double)of));
}

static void uncertain_cues(struct eval_ctx *c, struct metric_out *m)
{
    json_t *list = json_array();
    size_t speech = 0, i;
    json_t *q;
    json_array_foreach(c->opts ? c->opts->caption_cues : NULL, i, q)
    {
        if (strcmp(json_get_str(q, "source", "plan"), "speech"))
            continue;
        speech++;
        double conf = json_get_num(q, "confidence", 1);
        if (conf >= CAPTION_CONF_MIN)
            continue;
        json_array_append_new(list, json_pack("{s:o, s:o, s:s, s:o}", "start",
                                              json_round(json_get_num(q, "start", 0), 2), "end",
                                              json_round(json_get_num(q, "end", 0), 2), "text",
                                              json_get_str(q, "text", ""), "confidence",
                                              json_round(conf, 2)));
    }
    json_object_set_new(m->threshold, "min_cue_confidence", json_real(CAPTION_CONF_MIN));
    json_object_set_new(m->evidence, "cues_from_speech", json_integer((json_int_t)speech));
    size_t n = json_array_size(list);
    if (n) {
        json_t *first = json_array_get(list, 0);
        fail_for_cues(m, n, speech);
        advise(m,
               "%zu of %zu caption cues rest on words the recogniser was unsure of (mean confidence "
               "under %.2f), e.g. %.2f s \"%.60s\" (%.2f): a person must check them, or give the "
               "script (--script) so the captions show what is said",
               n, speech, CAPTION_CONF_MIN, json_get_num(first, "start", 0),
               json_get_str(first, "text", ""), json_get_num(first, "confidence", 0));
    }
    json_object_set_new(m->evidence, "uncertain", list);
}

/* Lower-case words of s (letters, digits, apostrophes), at most max. */
static size_t norm_words(const char *s, char (*w)[32], size_t max)
{
    size_t n = 0, k = 0;
    for (const unsigned char *p = (const unsigned char *)s;; p++) {
        int in = *p && (isalnum(*p) || *p == '\'' || *p >= 0x80);
        if (in && k < 31 && n < max)
            w[n][k++] = (char)tolower(*p);
        else if (!in && k) {
            w[n++][k] = 0;
            k = 0;
        }
        if (!*p)
            break;
    }
    return n;
}

#define HEAR_MAX_WORDS 64

/* Word error rate of a cue's words against the words heard; 0 for a cue
 * with no words (nothing it says can be contradicted). */
static double cue_wer(char (*cw)[32], size_t nc, char (*hw)[32], size_t nh)
{
    if (!nc)
        return 0;
    const char *rp[HEAR_MAX_WORDS], *hp[HEAR_MAX_WORDS];
    for (size_t i = 0; i < nc; i++)
        rp[i] = cw[i];
    for (size_t j = 0; j < nh; j++)
        hp[j] = hw[j];
    return tr_wer(rp, nc, hp, nh);
}

/* The heard words, each normalised (one word: the recogniser's are single
 * words), with their start times. */
struct heard_word {
    char w[32];
    double start;
};

static struct heard_word *heard_words(const json_t *heard, size_t *n)
{
    size_t k, m = 0;
    json_t *w;
    struct heard_word *out = xcalloc(json_array_size(heard) + 1, sizeof(*out));
    json_array_foreach(heard, k, w)
    {
        char one[1][32];
        if (norm_words(json_get_str(w, "word", ""), one, 1) != 1)
            continue;
        memcpy(out[m].w, one[0], sizeof(one[0]));
        out[m++].start = json_get_num(w, "start", 0);
    }
    *n = m;
    return out;
}

/*
 * When the script cues' words are spoken: the script words (each cue's
 * "words", in timeline seconds) aligned to the heard words in order, a
 * pair only where the words are the same and within HEAR_FIND_S of each
 * other (the longest such common sequence), each pair giving the script
 * word's start minus the heard one's. A cue's offset is the median of its
 * pairs, where it has HEAR_TIMING_MIN_PAIRS of them (or all its words,
 * fewer); NAN elsewhere (its words not heard as themselves). Returns the
 * offsets per cue (of ncues), *all the median of every pair, *npairs.
 */
static double *script_offsets(const json_t *cues, const struct heard_word *hw, size_t nh,
                              double *all, size_t *npairs)
{
    size_t ncues = json_array_size(cues), i, k;
    double *off = xmalloc((ncues + 1) * sizeof(*off));
    for (i = 0; i < ncues; i++)
        off[i] = NAN;
    *all = NAN, *npairs = 0;
    struct script_word {
        char w[32];
        double start;
        size_t cue;
    } *sw = NULL;
    size_t ns = 0, cap = 0;
    json_t *q, *w;
    json_array_foreach(cues, i, q)
    {
        if (strcmp(json_get_str(q, "source", ""), "script"))
            continue;
        json_array_foreach(json_object_get(q, "words"), k, w)
        {
            char one[1][32];
            if (norm_words(json_get_str(w, "word", ""), one, 1) != 1)
                continue;
            if (ns == cap)
                sw = xrealloc(sw, (cap = cap ? 2 * cap : 64) * sizeof(*sw));
            memcpy(sw[ns].w, one[0], sizeof(one[0]));
            sw[ns].start = json_get_num(w, "start", 0);
            sw[ns++].cue = i;
        }
    }
    if (!ns || !nh || ns > HEAR_ALIGN_MAX || nh > HEAR_ALIGN_MAX) {
        free(sw);
        return off;
    }
    /* L[i][j]: the longest common sequence of sw[i..] and hw[j..] */
    size_t W = nh + 1;
    uint16_t *L = xcalloc((ns + 1) * W, sizeof(*L));
#define MATCH(i, j) (!strcmp(sw[i].w, hw[j].w) && fabs(sw[i].start - hw[j].start) <= HEAR_FIND_S)
    for (size_t a = ns; a-- > 0;)
        for (size_t b = nh; b-- > 0;) {
            uint16_t best = L[(a + 1) * W + b] > L[a * W + b + 1] ? L[(a + 1) * W + b]
                                                                  : L[a * W + b + 1];
            if (MATCH(a, b) && L[(a + 1) * W + b + 1] + 1 > best)
                best = (uint16_t)(L[(a + 1) * W + b + 1] + 1);
            L[a * W + b] = best;
        }
    double *d = xmalloc(ns * sizeof(*d)), *cd = xmalloc(ns * sizeof(*cd));
    size_t *dc = xmalloc(ns * sizeof(*dc));
    size_t n = 0;
    for (size_t a = 0, b = 0; a < ns && b < nh;) {
        if (MATCH(a, b) && L[a * W + b] == L[(a + 1) * W + b + 1] + 1) {
            d[n] = sw[a].start - hw[b].start, dc[n++] = sw[a].cue;
            a++, b++;
        } else if (L[(a + 1) * W + b] >= L[a * W + b + 1]) {
            a++;
        } else {
            b++;
        }
    }
#undef MATCH
    /* per cue: the pairs are in cue order */
    for (size_t p = 0; p < n;) {
        size_t e = p, m = 0;
        while (e < n && dc[e] == dc[p])
            cd[m++] = d[e++];
        size_t words = json_array_size(json_object_get(json_array_get(cues, dc[p]), "words"));
        if (m >= HEAR_TIMING_MIN_PAIRS || m == words)
            off[dc[p]] = percentile(cd, m, 50);
        p = e;
    }
    if (n)
        *all = percentile(d, n, 50);
    *npairs = n;
    free(L);
    free(d);
    free(cd);
    free(dc);
    free(sw);
    return off;
}

/*
 * The evaluation hears: for captions from speech or a script, the words
 * heard in the render's own sound (opts->heard) over each cue. A cue from
 * the recogniser whose text the second hearing contradicts (word error rate
 * over HEAR_WER_MAX), any such cue over which no word is heard at all
 * (captions over music, silence or another clip's sound), and a script cue
 * whose words are heard more than HEAR_TIMING_MAX_S before or after it
 * shows them (script_offsets), fail the gate. Evidence "hearing": per cue the burned text, what
 * was heard, the WER, the confidence, a script cue's offset and a verdict.
 */
static void hearing_check(struct eval_ctx *c, struct metric_out *m)
{
    const json_t *cues = c->opts ? c->opts->caption_cues : NULL;
    const json_t *heard = c->opts ? c->opts->heard : NULL;
    if (json_is_object(heard))
        heard = json_object_get(heard, "words");
    size_t i, k;
    json_t *q, *w;
    size_t spoken = 0;
    json_array_foreach(cues, i, q) spoken += strcmp(json_get_str(q, "source", "plan"), "plan") != 0;
    if (!spoken)
        return;
    json_t *h = json_object();
    json_object_set_new(m->evidence, "hearing", h);
    if (!json_is_array(heard)) {
        json_object_set_new(h, "note", json_string("the render's sound was not transcribed: "
                                                   "the captions were not checked against it"));
        return;
    }
    json_object_set_new(m->threshold, "max_heard_wer", json_real(HEAR_WER_MAX));
    json_object_set_new(m->threshold, "max_script_cue_offset_s", json_real(HEAR_TIMING_MAX_S));
    size_t nhw, npairs;
    double all_off;
    struct heard_word *hws = heard_words(heard, &nhw);
    double *coff = script_offsets(cues, hws, nhw, &all_off, &npairs);
    json_t *list = json_array();
    size_t bad = 0, timed = 0, off_timing = 0, mistimed = 0;
    double worst_offset = 0;
    const json_t *first_bad = NULL;
    char(*cw)[32] = xmalloc(2 * HEAR_MAX_WORDS * sizeof(*cw)), (*hw)[32] = cw + HEAR_MAX_WORDS;
    json_array_foreach(cues, i, q)
    {
        const char *src = json_get_str(q, "source", "plan");
        if (!strcmp(src, "plan"))
            continue;
        double a = json_get_num(q, "start", 0), b = json_get_num(q, "end", 0);
        struct buf txt = BUF_INIT;
        json_array_foreach(heard, k, w)
        {
            double mid = (json_get_num(w, "start", 0) + json_get_num(w, "end", 0)) / 2;
            if (mid < a - HEAR_SLACK_S || mid > b + HEAR_SLACK_S)
                continue;
            if (txt.len)
                buf_addch(&txt, ' ');
            buf_adds(&txt, json_get_str(w, "word", ""));
        }
        size_t nc = norm_words(json_get_str(q, "text", ""), cw, HEAR_MAX_WORDS);
        size_t nh = norm_words(txt.len ? txt.buf : "", hw, HEAR_MAX_WORDS);
        double wer = cue_wer(cw, nc, hw, nh);
        int script = !strcmp(src, "script");
        double off = script ? coff[i] : NAN;
        const char *verdict = "agrees";
        if (!nh)
            verdict = "nothing heard";
        else if (!strcmp(src, "speech") && wer > HEAR_WER_MAX)
            verdict = "contradicted";
        else if (!isnan(off) && off > HEAR_TIMING_MAX_S)
            verdict = "late";
        else if (!isnan(off) && off < -HEAR_TIMING_MAX_S)
            verdict = "early";
        int fails = strcmp(verdict, "agrees") != 0;
        json_t *o = json_pack("{s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:s}", "start",
                              json_round(a, 2), "end", json_round(b, 2), "source", src, "text",
                              json_get_str(q, "text", ""), "heard", txt.len ? txt.buf : "",
                              "wer", json_round(wer, 2), "confidence",
                              json_round(json_get_num(q, "confidence", 1), 2), "verdict", verdict);
        if (script)
            json_object_set_new(o, "offset_s", isnan(off) ? json_null() : json_round(off, 3));
        if (!isnan(off)) {
            timed++;
            if (fabs(off) > fabs(worst_offset))
                worst_offset = off;
            off_timing += fabs(off) > HEAR_TIMING_MAX_S;
        }
        json_array_append_new(list, o);
        mistimed += fails && (!strcmp(verdict, "late") || !strcmp(verdict, "early"));
        if (fails && !bad++)
            first_bad = o;
        buf_release(&txt);
    }
    free(cw);
    free(hws);
    free(coff);
    json_object_set_new(h, "heard_words", json_integer((json_int_t)json_array_size(heard)));
    json_object_set_new(h, "contradicted", json_integer((json_int_t)(bad - mistimed)));
    json_object_set_new(h, "mistimed", json_integer((json_int_t)mistimed));
    if (npairs) {
        json_object_set_new(h, "script_words_heard", json_integer((json_int_t)npairs));
        json_object_set_new(h, "offset_s", json_round(all_off, 3));
        json_object_set_new(h, "script_cues_timed", json_integer((json_int_t)timed));
        json_object_set_new(h, "worst_offset_s", json_round(worst_offset, 3));
    }
    if (bad) {
        fail_for_cues(m, bad, spoken);
        const char *v = json_get_str(first_bad, "verdict", "");
        if (!strcmp(v, "late") || !strcmp(v, "early"))
            advise(m,
                   "%zu of %zu caption cues are not timed to their words' speech (%zu by more "
                   "than %.2f s), e.g. %.2f s \"%.60s\" comes %.2f s %s: align the script to "
                   "this sound again (reel transcribe --script)",
                   bad, spoken, off_timing, HEAR_TIMING_MAX_S, json_get_num(first_bad, "start", 0),
                   json_get_str(first_bad, "text", ""),
                   fabs(json_get_num(first_bad, "offset_s", 0)),
                   !strcmp(v, "late") ? "after it is said" : "before it is said");
        else
            advise(m,
                   "%zu of %zu caption cues are not what the render's sound says, e.g. %.2f s "
                   "\"%.60s\" where it says \"%.60s\" (%s): give the script (--script), or a "
                   "person must check them",
                   bad, spoken, json_get_num(first_bad, "start", 0),
                   json_get_str(first_bad, "text", ""), json_get_str(first_bad, "heard", ""), v);
    }
    json_object_set_new(h, "cues", list);
}

void metric_captions(struct eval_ctx *c, struct metric_out *m)
{
    json_t *ev = m->evidence;
    if (!c->ntexts) {
        m->applicable = 0;
        int from_transcript = 0;
        for (size_t i = 0; i < c->plan->nops; i++)
            from_transcript |= c->plan->ops[i].kind == OP_CAPTIONS &&
                               c->plan->ops[i].source_transcript;
        json_object_set_new(
            ev, "note",
            json_string(from_transcript && !(c->opts && c->opts->caption_cues)
                            ? "captions from a transcript: their text was not given to the "
                              "evaluation (caption_cues), so they are not checked on screen"
                        : from_transcript ? "the transcript gave the captions no words to show"
                                          : "the plan burns in no text"));
        return;
    }
    m->applicable = 1;
    struct text_reader *rd = c->reader;
    text_reader_finish(c);
    /* an engine of our own only for stills the reader did not get to */
    int need_own = !rd;
    for (size_t si = 0; rd && si < c->nstills; si++)
        need_own |= c->stills[si].purpose == STILL_TEXT && !rd->have[si];
    struct reel_err e = REEL_ERR_INIT;
    void *own = need_own ? ocr_new(&e) : NULL;
    int ocr = rd && !need_own ? rd->ocr_ok : own != NULL;
    if (!ocr)
        json_object_set_new(ev, "ocr_error", json_string(rd && rd->ocr_err[0] ? rd->ocr_err : e.msg));

    /* reading speed and line length, from the plan */
    double max_cps = 0;
    size_t fast = 0, long_lines = 0, too_many_lines = 0;
    int max_line = 0;
    for (size_t i = 0; i < c->ntexts; i++) {
        const struct text_item *ti = &c->texts[i];
        if (!ti->is_caption)
            continue;
        size_t chars = 0;
        int limit = ti->style->max_chars_per_line > 0 ? ti->style->max_chars_per_line : MAX_LINE;
        for (const unsigned char *q = (const unsigned char *)ti->text; *q; q++)
            chars += (*q & 0xC0) != 0x80 && *q != '\n';
        int longest = 0;
        int wrapped = eval_wrapped_lines(ti->text, limit, &longest);
        if (longest > max_line)
            max_line = longest;
        double dur = ti->end - ti->start;
        double cps = dur > 0 ? chars / dur : 1e9;
        if (cps > max_cps)
            max_cps = cps;
        if (cps > MAX_CPS) {
            fast++;
            advise(m, "caption at %.2f s reads at %.1f chars/s (guideline %.0f): show it for at "
                      "least %.1f s or shorten it",
                   ti->start, cps, MAX_CPS, chars / MAX_CPS);
        }
        int maxl = ti->style->max_lines > 0 ? ti->style->max_lines : 2;
        if (longest > MAX_LINE)
            long_lines++;
        if (wrapped > maxl)
            too_many_lines++;
    }
    if (max_line > MAX_LINE) {
        advise(m, "a caption line has %d characters (guideline %d): break it", max_line, MAX_LINE);
    }

    /* what is on screen */
    json_t *items = json_array();
    double cer_sum = 0, cer_max = 0, min_contrast = 1e9, contrast_sum = 0;
    size_t small_read = 0; /* read back, from lines under OCR_SHARP_PX */
    size_t looked = 0, found = 0, unsafe = 0, small = 0;
    for (size_t si = 0; si < c->nstills; si++) {
        const struct still *s = &c->stills[si];
        if (s->purpose != STILL_TEXT)
            continue;
        const struct text_item *ti = &c->texts[s->item];
        struct found fd;
        if (rd && rd->have[si]) {
            fd = rd->found[si];
            rd->have[si] = 0; /* fd.ocr is ours now */
        } else {
            look(s, ti, own, &fd);
        }
        looked++;
        json_t *it = json_pack("{s:o, s:s, s:s}", "time_s", json_round(s->t, 3), "kind",
                               ti->is_caption ? "caption" : "text", "expected", ti->text);
        if (fd.ok) {
            found++;
            int safe = fd.x0 >= TITLE_SAFE * s->w && fd.x1 <= (1 - TITLE_SAFE) * s->w &&
                       fd.y0 >= TITLE_SAFE * s->h && fd.y1 <= (1 - TITLE_SAFE) * s->h;
            if (!safe) {
                unsafe++;
                advise(m, "the text at %.2f s reaches outside the title-safe area (%.0f%% of the "
                          "frame): move it inward",
                       s->t, 100 - 200 * TITLE_SAFE);
            }
            json_object_set_new(it, "box", json_pack("[i, i, i, i]", fd.x0, fd.y0,
                                                     fd.x1 - fd.x0 + 1, fd.y1 - fd.y0 + 1));
            json_object_set_new(it, "in_title_safe", json_boolean(safe));
            json_object_set_new(it, "text_luminance", json_round(fd.text_lum, 3));
            json_object_set_new(it, "background_luminance", json_round(fd.back_lum, 3));
            json_object_set_new(it, "contrast", json_round(fd.contrast, 2));
            if (fd.contrast < min_contrast)
                min_contrast = fd.contrast;
            contrast_sum += fd.contrast;
            if (fd.contrast < MIN_CONTRAST)
                advise(m, "text at %.2f s has contrast %.1f:1 against what is behind it (needs "
                          "%.1f:1): add an outline or a box, or change its colour",
                       s->t, fd.contrast, MIN_CONTRAST);
        } else {
            json_object_set_new(it, "box", json_null());
            advise(m, "no text of colour #%02X%02X%02X found at %.2f s where the plan puts \"%.40s\"",
                   ti->style->color.r, ti->style->color.g, ti->style->color.b, s->t, ti->text);
        }
        if (fd.ocr) {
            char *o = fd.ocr;
            size_t L = strlen(o);
            while (L && (o[L - 1] == '\n' || o[L - 1] == ' '))
                o[--L] = 0;
        }
        json_object_set_new(it, "ocr", fd.ocr ? json_string(fd.ocr) : json_null());
        if (fd.too_small) {
            char why[120];
            snprintf(why, sizeof(why), "lines %.0f px high, under the %d px OCR reads back",
                     fd.line_px, OCR_MIN_LINE_PX);
            json_object_set_new(it, "cer", json_null());
            json_object_set_new(it, "not_read", json_string(why));
            small++;
        } else {
            json_object_set_new(it, "cer", json_round(fd.cer, 3));
            if (fd.line_px < OCR_SHARP_PX)
                small_read++;
            if (ocr && fd.ok && fd.cer > (fd.line_px < OCR_SHARP_PX ? MAX_CER_SMALL : MAX_CER))
                advise(m, "the text at %.2f s reads \"%.60s\" but the plan says \"%.60s\"",
                       s->t, fd.ocr ? fd.ocr : "", ti->text);
            cer_sum += fd.cer;
            if (fd.cer > cer_max)
                cer_max = fd.cer;
        }
        json_array_append_new(items, it);
        free(fd.ocr);
    }
    ocr_free(own);
    size_t read = looked - small;
    double cer_mean = read ? cer_sum / read : small ? 0 : 1;
    json_object_set_new(ev, "not_read", json_integer((json_int_t)small));
    json_object_set_new(ev, "items", items);
    json_object_set_new(ev, "mean_cer", json_round(cer_mean, 3));
    json_object_set_new(ev, "max_cer", json_round(cer_max, 3));
    json_object_set_new(ev, "min_contrast", found ? json_round(min_contrast, 2) : json_null());
    json_object_set_new(ev, "max_chars_per_s", json_round(max_cps, 2));
    json_object_set_new(ev, "max_line_chars", json_integer(max_line));
    json_object_set_new(ev, "texts", json_integer((json_int_t)c->ntexts));
    json_object_set_new(ev, "frames_checked", json_integer((json_int_t)looked));

    /* nothing read back (all too small, or no OCR engine): unknown, not perfect */
    double ocr_score = ocr && read ? 1 - cer_mean : 0.75;
    double contrast_score = found ? clamp01((contrast_sum / found) / 7.0) : 0;
    if (found && min_contrast < MIN_CONTRAST)
        contrast_score = fmin(contrast_score, 0.5 * min_contrast / MIN_CONTRAST);
    double speed_score = c->ntexts ? 1 - (double)fast / c->ntexts : 1;
    double line_score = (long_lines || too_many_lines) ? 0.5 : 1;
    double safe_score = found ? 1 - (double)unsafe / found : 0;
    m->score = clamp01(0.35 * ocr_score + 0.25 * contrast_score + 0.15 * speed_score +
                       0.1 * line_score + 0.15 * safe_score);
    /* small text reads back with more OCR error: wider bounds (OCR_SHARP_PX) */
    double mean_bound = small_read ? MAX_MEAN_CER_SMALL : MAX_MEAN_CER;
    double max_bound = small_read ? MAX_CER_SMALL : MAX_CER;
    m->gate = looked > 0 && found == looked && (!ocr || (cer_mean <= mean_bound && cer_max <= max_bound)) &&
              min_contrast >= MIN_CONTRAST && max_cps <= MAX_CPS && !long_lines && !unsafe;
    json_object_set_new(m->threshold, "max_mean_cer", json_real(mean_bound));
    json_object_set_new(m->threshold, "max_cer", json_real(max_bound));
    json_object_set_new(m->threshold, "min_contrast", json_real(MIN_CONTRAST));
    json_object_set_new(m->threshold, "max_chars_per_s", json_real(MAX_CPS));
    json_object_set_new(m->threshold, "max_line_chars", json_integer(MAX_LINE));
    json_object_set_new(m->threshold, "title_safe", json_real(1 - 2 * TITLE_SAFE));
    uncertain_cues(c, m);
    hearing_check(c, m);
}
