/*
 * Scripts: what the user says is spoken (plain text, SRT, WebVTT), and its
 * alignment to the recognised speech, so captions show the script's words
 * at the times they are said.
 *
 * Alignment, in three passes over the script's words:
 *  1. match: the recogniser's words against the script's by edit distance
 *     over words (a near spelling, "reels" for "reel", counts as a match);
 *  2. force: each sentence (at most ALIGN_PIECE words) is decoded with a
 *     grammar of exactly its words over the stretch its neighbours leave
 *     it; the forced times are kept when the sentence decodes to its end
 *     and its matched words start within FORCE_AGREE_S of where they were
 *     heard;
 *  3. interpolate: a word still without a time goes between its placed
 *     neighbours in proportion to its length.
 * Words outside the dictionary (names, numbers as digits) are left out of
 * the grammar and interpolated.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "transcribe/internal.h"
#include "core/banned.h"

#define SCRIPT_MAX_BYTES (4u << 20)
#define ALIGN_PIECE 24     /* words per forced grammar at most */
#define FORCE_AGREE_S 0.25 /* median |forced - heard| start of the matched words */
#define WORD_S 0.32        /* a spoken word, for bounds: 150-200 words a minute */
#define SHORT_WORD_S 0.1   /* the shortest ("a", "it") */
#define FORCE_WHOLE_WORDS 600 /* the whole script in one grammar, up to this many words */
#define FORCE_WHOLE_S 240.0   /* and this much sound */

/* ---- parsing ---- */

void tr_script_release(struct tr_script *s)
{
    for (size_t i = 0; i < s->words.n; i++)
        free(s->words.v[i].text);
    VEC_FREE(&s->words);
    memset(s, 0, sizeof(*s));
}

char *tr_script_text(const struct tr_script *s)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < s->words.n; i++) {
        if (i)
            buf_addch(&b, ' ');
        buf_adds(&b, s->words.v[i].text);
    }
    return buf_detach(&b);
}

static int sentence_end(const char *w)
{
    size_t n = strlen(w);
    while (n && strchr("\"')]\xbb", w[n - 1]))
        n--;
    return n && strchr(".?!", w[n - 1]);
}

/* The words of one line of text, without markup: <i>, </b>, {\an8}. */
static void add_words(struct tr_script *s, const char *line, double c0, double c1)
{
    struct buf clean = BUF_INIT;
    int tag = 0;
    for (const char *p = line; *p; p++) {
        if (!tag && (*p == '<' || *p == '{'))
            tag = *p == '<' ? '>' : '}';
        else if (tag && *p == tag)
            tag = 0;
        else if (!tag)
            buf_addch(&clean, *p);
    }
    char *save = NULL;
    for (char *tok = strtok_r(clean.buf ? clean.buf : (char[]){0}, " \t\r\n", &save); tok;
         tok = strtok_r(NULL, " \t\r\n", &save)) {
        struct tr_script_word w = {0};
        tr_normalize(tok, w.norm, sizeof(w.norm));
        if (!w.norm[0]) { /* "-", "--", a lone quote: keep it with the word before */
            if (s->words.n) {
                struct tr_script_word *pw = &s->words.v[s->words.n - 1];
                char *t = xasprintf("%s %s", pw->text, tok);
                free(pw->text);
                pw->text = t;
                pw->sentence_end = pw->sentence_end || sentence_end(tok);
            }
            continue;
        }
        w.text = xstrdup(tok);
        w.cue_start = c0;
        w.cue_end = c1;
        w.sentence_end = sentence_end(tok);
        VEC_PUSH(&s->words, w);
    }
    buf_release(&clean);
}

/* "01:02:03,456", "02:03.456" -> seconds; -1 when it is not a cue time. */
static double cue_time(const char *s, const char **end)
{
    long part[3];
    int np = 0;
    const char *p = s;
    while (np < 3) {
        if (!isdigit((unsigned char)*p))
            return -1;
        long v = 0;
        int digits = 0;
        while (isdigit((unsigned char)*p) && digits < 4)
            v = v * 10 + (*p++ - '0'), digits++;
        part[np++] = v;
        if (*p != ':')
            break;
        p++;
    }
    if (np < 2 || (*p != ',' && *p != '.'))
        return -1;
    p++;
    long ms = 0;
    int d = 0;
    for (; d < 3 && isdigit((unsigned char)*p); d++)
        ms = ms * 10 + (*p++ - '0');
    if (d != 3)
        return -1;
    long h = np == 3 ? part[0] : 0, m = part[np - 2], sec = part[np - 1];
    if (m > 59 || sec > 59)
        return -1;
    *end = p;
    return (double)h * 3600 + (double)m * 60 + (double)sec + ms / 1000.0;
}

static enum reel_code parse_timing(const char *line, const char *name, int lineno, double *a,
                                   double *b, struct reel_err *err)
{
    const char *p = line, *e;
    while (*p == ' ')
        p++;
    *a = cue_time(p, &e);
    if (*a >= 0) {
        p = e;
        while (*p == ' ')
            p++;
        if (!strncmp(p, "-->", 3)) {
            p += 3;
            while (*p == ' ')
                p++;
            *b = cue_time(p, &e);
            if (*b >= *a)
                return REEL_OK;
        }
    }
    char where[300];
    snprintf(where, sizeof(where), "%s:%d", name, lineno);
    return reel_fail(err, REEL_EINVAL, where,
                     "'%.60s' is not a cue timing (like 00:00:01,250 --> 00:00:03,000)", line);
}

enum reel_code tr_script_parse(const char *text, size_t len, const char *name,
                               struct tr_script *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!utf8_valid(text, len))
        return reel_fail(err, REEL_EINVAL, name, "the script is not valid UTF-8 text");
    if (memchr(text, 0, len))
        return reel_fail(err, REEL_EINVAL, name, "the script is not text (it has a NUL byte)");
    char *copy = xstrndup(text, len);
    char *p = copy;
    if (!strncmp(p, "\xef\xbb\xbf", 3))
        p += 3;
    int vtt = !strncmp(p, "WEBVTT", 6);
    out->timed = vtt || strstr(p, "-->") != NULL;
    enum reel_code rc = REEL_OK;
    int lineno = 0, in_cue = 0, skip_block = 0;
    double c0 = -1, c1 = -1;
    /* strtok_r would skip empty lines, and they end cues: split by hand */
    for (char *line = p; line && !rc;) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        lineno++;
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = 0;
        if (!out->timed) {
            add_words(out, line, -1, -1);
        } else if (!n) {
            if (in_cue && out->words.n)
                out->words.v[out->words.n - 1].sentence_end = 1;
            in_cue = skip_block = 0;
        } else if (skip_block || (vtt && lineno == 1)) {
            /* the WEBVTT header line, NOTE/STYLE/REGION blocks */
        } else if (!in_cue && vtt &&
                   (!strncmp(line, "NOTE", 4) || !strncmp(line, "STYLE", 5) ||
                    !strncmp(line, "REGION", 6))) {
            skip_block = 1;
        } else if (strstr(line, "-->")) {
            if ((rc = parse_timing(line, name, lineno, &c0, &c1, err)))
                break;
            in_cue = 1;
        } else if (in_cue) {
            add_words(out, line, c0, c1);
        }
        /* else: a cue number or identifier */
        line = nl ? nl + 1 : NULL;
    }
    free(copy);
    if (!rc && out->words.n) {
        out->words.v[out->words.n - 1].sentence_end = 1;
    } else if (!rc) {
        rc = reel_fail(err, REEL_EINVAL, name, "the script has no words");
    }
    if (rc)
        tr_script_release(out);
    return rc;
}

enum reel_code tr_script_load(const char *path, struct tr_script *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    struct buf b = BUF_INIT;
    enum reel_code rc = buf_read_file(&b, path, SCRIPT_MAX_BYTES, err);
    if (!rc)
        rc = tr_script_parse(b.buf ? b.buf : "", b.len, path, out, err);
    buf_release(&b);
    return rc;
}

/* ---- word error rate and matching ---- */

static size_t min3(size_t a, size_t b, size_t c)
{
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

double tr_wer(const char *const *ref, size_t nref, const char *const *hyp, size_t nhyp)
{
    if (!nref)
        return nhyp ? 1.0 : 0.0;
    size_t *row = xcalloc(nhyp + 1, sizeof(*row)), *prev = xcalloc(nhyp + 1, sizeof(*prev));
    for (size_t j = 0; j <= nhyp; j++)
        prev[j] = j;
    for (size_t i = 1; i <= nref; i++) {
        row[0] = i;
        for (size_t j = 1; j <= nhyp; j++)
            row[j] = min3(prev[j] + 1, row[j - 1] + 1,
                          prev[j - 1] + (strcmp(ref[i - 1], hyp[j - 1]) != 0));
        size_t *t = prev;
        prev = row;
        row = t;
    }
    double d = (double)prev[nhyp];
    free(row);
    free(prev);
    return d / (double)nref;
}

/* Character edit distance, capped: is b a near spelling of a? */
static int near_spelling(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na < 4 || nb < 4 || (na > nb ? na - nb : nb - na) > 1 || na > 40 || nb > 40)
        return 0;
    size_t d[41][41];
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++)
        for (size_t j = 1; j <= nb; j++)
            d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]));
    return d[na][nb] <= 1;
}

/* In halves: the same word 0, a near spelling 1, another word 2. */
static unsigned sub_cost(const char *a, const char *b)
{
    return !strcmp(a, b) ? 0 : near_spelling(a, b) ? 1 : 2;
}

/*
 * Edit distance over words, script s against heard h; match[i] is the
 * heard word matched to script word i, or -1. Costs in halves: a near
 * spelling costs 1, another word 2, an insertion or deletion 2.
 */
static void match_words(char (*s)[48], size_t ns, char (*h)[48], size_t nh, long *match)
{
    size_t w = nh + 1;
    unsigned *d = xcalloc((ns + 1) * w, sizeof(*d));
    for (size_t i = 0; i <= ns; i++)
        d[i * w] = (unsigned)(2 * i);
    for (size_t j = 0; j <= nh; j++)
        d[j] = (unsigned)(2 * j);
    for (size_t i = 1; i <= ns; i++)
        for (size_t j = 1; j <= nh; j++) {
            unsigned sub = sub_cost(s[i - 1], h[j - 1]);
            unsigned a = d[(i - 1) * w + j - 1] + sub, b = d[(i - 1) * w + j] + 2,
                     c = d[i * w + j - 1] + 2;
            d[i * w + j] = a <= b && a <= c ? a : b <= c ? b : c;
        }
    for (size_t i = 0; i < ns; i++)
        match[i] = -1;
    size_t i = ns, j = nh;
    while (i > 0 && j > 0) {
        unsigned sub = sub_cost(s[i - 1], h[j - 1]);
        if (d[i * w + j] == d[(i - 1) * w + j - 1] + sub) {
            if (sub < 2)
                match[i - 1] = (long)(j - 1);
            i--, j--;
        } else if (d[i * w + j] == d[(i - 1) * w + j] + 2) {
            i--;
        } else {
            j--;
        }
    }
    free(d);
}

/* ---- alignment ---- */

struct slot {
    double start, end;
    int how; /* enum tr_aligned; TR_HEARD: no time yet */
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median of |forced - heard| start over the piece's matched words; -1 when none. */
static double forced_disagreement(const long *match, const struct transcript *heard,
                                  const double *fs, size_t a, size_t b)
{
    double *d = xcalloc(b - a, sizeof(*d));
    size_t n = 0;
    for (size_t i = a; i < b; i++)
        if (match[i] >= 0 && fs[i - a] >= 0)
            d[n++] = fabs(fs[i - a] - heard->words.v[match[i]].start);
    double med = -1;
    if (n) {
        qsort(d, n, sizeof(*d), cmp_double);
        med = n % 2 ? d[n / 2] : 0.5 * (d[n / 2 - 1] + d[n / 2]);
    }
    free(d);
    return med;
}

/* Force-align script words [a, b) over [lo, hi) seconds; fills sl and returns 1 on success. */
static int force_piece(struct tr_aligner *al, const struct tr_script *s, const long *match,
                        const struct transcript *heard, const int16_t *pcm, size_t n, double lo,
                        double hi, size_t a, size_t b, struct slot *sl)
{
    size_t m = b - a, nw = 0;
    const char **words = xcalloc(m, sizeof(*words));
    size_t *idx = xcalloc(m, sizeof(*idx));
    double *st = xcalloc(m, sizeof(*st)), *en = xcalloc(m, sizeof(*en)), *fs = xcalloc(m, sizeof(*fs));
    int kept = 0;
    for (size_t i = a; i < b; i++)
        if (tr_aligner_knows(al, s->words.v[i].norm)) {
            words[nw] = s->words.v[i].norm;
            idx[nw++] = i;
        }
    size_t s0 = lo <= 0 ? 0 : (size_t)(lo * TRANSCRIBE_RATE);
    size_t s1 = (size_t)(hi * TRANSCRIBE_RATE);
    if (s1 > n)
        s1 = n;
    if (!nw || s1 <= s0 ||
        !tr_aligner_run(al, pcm + s0, s1 - s0, (double)s0 / TRANSCRIBE_RATE, words, nw, st, en))
        goto out;
    for (size_t i = 0; i < m; i++)
        fs[i] = -1;
    for (size_t k = 0; k < nw; k++)
        fs[idx[k] - a] = st[k];
    double dis = forced_disagreement(match, heard, fs, a, b);
    if (dis > FORCE_AGREE_S) {
        log_debug("align: words %zu-%zu: forced times %.2f s off the heard ones; not kept", a,
                  b - 1, dis);
        goto out;
    }
    for (size_t k = 0; k < nw; k++) {
        struct slot *x = &sl[idx[k]];
        x->start = st[k];
        x->end = en[k];
        x->how = TR_FORCED;
    }
    kept = 1;
out:
    free(words);
    free(idx);
    free(st);
    free(en);
    free(fs);
    return kept;
}

/* RMS of 10 ms frame f of pcm. */
static double frame_rms(const int16_t *pcm, size_t n, size_t f)
{
    size_t a = f * (TRANSCRIBE_RATE / 100), b = a + TRANSCRIBE_RATE / 100;
    if (b > n)
        b = n;
    double e = 0;
    for (size_t i = a; i < b; i++)
        e += (double)pcm[i] * pcm[i];
    return b > a ? sqrt(e / (double)(b - a)) : 0;
}

/*
 * The forced path sometimes takes a short word that follows a pause for
 * part of the silence ("cut" after a sentence: the silence model took the
 * word and the word took its release). Silence is quiet: when the frames
 * just before a forced word that follows a pause are as loud as speech
 * (half the median level of the words' frames or more) for 100 ms or more, with
 * quiet between that sound and the word before, the word starts where
 * that sound starts.
 */
static void refine_starts(struct slot *sl, size_t ns, const int16_t *pcm, size_t n)
{
    size_t nf = n / (TRANSCRIBE_RATE / 100);
    VEC(double) lv = VEC_INIT;
    for (size_t i = 0; i < ns; i++)
        if (sl[i].how == TR_FORCED)
            for (size_t f = (size_t)(sl[i].start * 100); f < (size_t)(sl[i].end * 100) && f < nf; f++)
                VEC_PUSH(&lv, frame_rms(pcm, n, f));
    if (!lv.n)
        return;
    qsort(lv.v, lv.n, sizeof(*lv.v), cmp_double);
    double loud = lv.v[lv.n / 2] / 2;
    VEC_FREE(&lv);
    for (size_t i = 0; i < ns; i++) {
        double prev = i ? sl[i - 1].end : 0;
        if (sl[i].how != TR_FORCED || sl[i].start - prev < 0.2)
            continue;
        long f = (long)(sl[i].start * 100) - 1, lo = (long)ceil(prev * 100);
        long quiet = 0;
        while (f >= lo && quiet < 25 && frame_rms(pcm, n, (size_t)f) < loud)
            f--, quiet++;
        long run_end = f, run = 0;
        while (f >= lo && frame_rms(pcm, n, (size_t)f) >= loud)
            f--, run++;
        /* and a pause between it and the word before: not that word's tail */
        if (run >= 10 && run_end >= lo && f >= lo + 5) {
            log_debug("align: word %zu starts at %.2f s, not %.2f s (sound in the pause)", i,
                      (double)(f + 1) / 100, sl[i].start);
            sl[i].start = (double)(f + 1) / 100;
        }
    }
}

/* Give every word without a time one between its placed neighbours. */
static void interpolate(const struct tr_script *s, struct slot *sl, double lo_all, double hi_all)
{
    size_t n = s->words.n;
    for (size_t i = 0; i < n;) {
        if (sl[i].how != TR_HEARD) {
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && sl[j].how == TR_HEARD)
            j++;
        double lo = i ? sl[i - 1].end : lo_all, hi = j < n ? sl[j].start : hi_all;
        /* a timed script bounds its words by their cue */
        if (s->words.v[i].cue_start >= 0 && s->words.v[i].cue_start > lo)
            lo = s->words.v[i].cue_start;
        if (s->words.v[j - 1].cue_end >= 0 && s->words.v[j - 1].cue_end < hi)
            hi = s->words.v[j - 1].cue_end;
        /* at the ends, no more than a word's usual length each */
        if (!i && j < n && hi - lo > WORD_S * (double)(j - i))
            lo = hi - WORD_S * (double)(j - i);
        if (j == n && i && hi - lo > WORD_S * (double)(j - i))
            hi = lo + WORD_S * (double)(j - i);
        if (hi < lo)
            hi = lo;
        double total = 0;
        for (size_t k = i; k < j; k++)
            total += (double)strlen(s->words.v[k].norm) + 1;
        double t = lo;
        for (size_t k = i; k < j; k++) {
            double d = (hi - lo) * ((double)strlen(s->words.v[k].norm) + 1) / total;
            sl[k].start = t;
            sl[k].end = t + d;
            sl[k].how = TR_INTERPOLATED;
            t += d;
        }
        i = j;
    }
}

enum reel_code transcribe_align(const struct tr_script *s, const struct transcript *heard,
                                const int16_t *pcm, size_t n, const struct transcribe_opts *o,
                                struct transcript *out, struct reel_err *err)
{
    transcript_init(out);
    size_t ns = s->words.n, nh = heard->words.n;
    if (!ns)
        return reel_fail(err, REEL_EINVAL, NULL, "the script has no words");
    if (!nh && !s->timed)
        return reel_fail(err, REEL_EINVAL, NULL,
                         "no speech was heard to align the script to (the sound is silent, or "
                         "not speech)");
    char(*sn)[48] = xcalloc(ns, sizeof(*sn));
    char(*hn)[48] = xcalloc(nh ? nh : 1, sizeof(*hn));
    for (size_t i = 0; i < ns; i++)
        memcpy(sn[i], s->words.v[i].norm, sizeof(sn[i]));
    for (size_t j = 0; j < nh; j++)
        tr_normalize(heard->words.v[j].word, hn[j], sizeof(hn[j]));
    long *match = xcalloc(ns, sizeof(*match));
    match_words(sn, ns, hn, nh, match);
    /* a lone short word matched ("the", "a") is as likely another one: an
     * anchor is a run of two matched words, or a long word */
    for (size_t i = 0; i < ns; i++) {
        if (match[i] < 0 || strlen(sn[i]) >= 5)
            continue;
        int run = (i > 0 && match[i - 1] == match[i] - 1) ||
                  (i + 1 < ns && match[i + 1] == match[i] + 1 && match[i + 1] >= 0);
        if (!run)
            match[i] = -1;
    }
    struct slot *sl = xcalloc(ns, sizeof(*sl));
    for (size_t i = 0; i < ns; i++) {
        const struct tr_word *h = match[i] >= 0 ? &heard->words.v[match[i]] : NULL;
        /* a timed script: a match far outside its cue is another utterance */
        if (h && s->words.v[i].cue_start >= 0 &&
            (h->start < s->words.v[i].cue_start - 1.0 || h->start > s->words.v[i].cue_end + 1.0))
            match[i] = -1, h = NULL;
        if (h)
            sl[i] = (struct slot){h->start, h->end, TR_MATCHED};
    }
    double dur = heard->duration > 0 ? heard->duration : (double)n / TRANSCRIBE_RATE;
    struct tr_aligner *al = NULL;
    struct reel_err ae = REEL_ERR_INIT;
    int forced_ok = !(o && o->url && *o->url) && pcm && n;
    if (forced_ok && tr_aligner_open(o, &al, &ae)) {
        log_warn("align: no forced alignment (%s); matched and interpolated times only", ae.msg);
        al = NULL;
    }
    /* First the whole script over the whole sound: it fits when the script
     * is all that is said. Otherwise sentence by sentence, each bounded by
     * what is placed before and after it. */
    if (al && ns <= FORCE_WHOLE_WORDS && dur <= FORCE_WHOLE_S &&
        force_piece(al, s, match, heard, pcm, n, 0, dur, 0, ns, sl)) {
        tr_aligner_close(al);
        al = NULL;
    }
    double prev_end = 0;
    for (size_t a = 0; al && a < ns;) {
        size_t b = a;
        while (b < ns && b - a < ALIGN_PIECE && !(b > a && s->words.v[b - 1].sentence_end))
            b++;
        double lo = prev_end, hi = dur;
        size_t lead = 0;
        for (size_t k = b; k < ns; k++, lead++)
            if (match[k] >= 0) {
                hi = heard->words.v[match[k]].start - SHORT_WORD_S * (double)lead;
                break;
            }
        long first = -1, last = -1;
        for (size_t k = a; k < b; k++)
            if (match[k] >= 0) {
                if (first < 0)
                    first = (long)k;
                last = (long)k;
            }
        if (first >= 0) {
            double f0 = heard->words.v[match[first]].start - 0.3 - WORD_S * (double)(first - (long)a);
            double l1 = heard->words.v[match[last]].end + 0.3 + WORD_S * (double)((long)b - 1 - last);
            if (f0 > lo)
                lo = f0;
            if (hi < l1)
                hi = l1;
        }
        if (s->words.v[a].cue_start >= 0) {
            lo = fmax(lo, s->words.v[a].cue_start - 0.5);
            hi = fmin(hi, s->words.v[b - 1].cue_end + 0.5);
        }
        /* the bounds are estimates: when the grammar does not fit, widen them */
        static const double widen[][2] = {{0, 0}, {0, 0.4}, {0.4, 0}, {0.4, 0.8}};
        int kept = 0;
        for (size_t k = 0; k < ARRAY_SIZE(widen) && !kept; k++) {
            double l = fmax(0, fmax(prev_end, lo - widen[k][0])), h = fmin(dur, hi + widen[k][1]);
            log_debug("align: words %zu-%zu over %.2f-%.2f s", a, b - 1, l, h);
            if (h > l)
                kept = force_piece(al, s, match, heard, pcm, n, l, h, a, b, sl);
            if (k == 0 && l == fmax(0, prev_end) && h == dur)
                break; /* nothing to widen */
        }
        for (size_t k = a; k < b; k++)
            if (sl[k].how != TR_HEARD && sl[k].end > prev_end)
                prev_end = sl[k].end;
        a = b;
    }
    tr_aligner_close(al);
    if (pcm && n)
        refine_starts(sl, ns, pcm, n);
    double lo_all = nh ? heard->words.v[0].start : 0, hi_all = nh ? heard->words.v[nh - 1].end : dur;
    if (s->timed) {
        lo_all = fmin(lo_all, s->words.v[0].cue_start);
        hi_all = fmax(hi_all, s->words.v[ns - 1].cue_end);
    }
    interpolate(s, sl, lo_all, hi_all);
    /* times never run backwards */
    for (size_t i = 1; i < ns; i++) {
        if (sl[i].start < sl[i - 1].start)
            sl[i].start = sl[i - 1].start;
        if (sl[i].end < sl[i].start)
            sl[i].end = sl[i].start;
    }
    snprintf(out->engine, sizeof(out->engine), "%s", heard->engine);
    snprintf(out->model, sizeof(out->model), "%s", heard->model);
    snprintf(out->language, sizeof(out->language), "%s", heard->language);
    out->duration = dur;
    out->from_script = 1;
    for (size_t i = 0; i < ns; i++) {
        transcript_add_word(out, sl[i].start, sl[i].end, s->words.v[i].text, 1.0);
        out->words.v[i].aligned = sl[i].how;
        out->align.forced += sl[i].how == TR_FORCED;
        out->align.matched += sl[i].how == TR_MATCHED;
        out->align.interpolated += sl[i].how == TR_INTERPOLATED;
    }
    out->align.words = ns;
    if (2 * (out->align.forced + out->align.matched) < ns) {
        enum reel_code rc = reel_fail(
            err, REEL_EINVAL, NULL,
            "the script does not fit the sound: only %zu of its %zu words were found in the "
            "speech (no speech was heard that matches it: is it the script of this file?)",
            out->align.forced + out->align.matched, ns);
        transcript_release(out);
        free(sn);
        free(hn);
        free(match);
        free(sl);
        return rc;
    }
    for (size_t j = 0; j < nh; j++) {
        struct tr_word w = heard->words.v[j];
        w.word = xstrdup(w.word);
        VEC_PUSH(&out->heard, w);
    }
    const char **rp = xcalloc(ns, sizeof(*rp)), **hp = xcalloc(nh ? nh : 1, sizeof(*hp));
    for (size_t i = 0; i < ns; i++)
        rp[i] = sn[i];
    for (size_t j = 0; j < nh; j++)
        hp[j] = hn[j];
    out->align.heard_wer = tr_wer(rp, ns, hp, nh);
    free(rp);
    free(hp);
    free(sn);
    free(hn);
    free(match);
    free(sl);
    log_info("align: %zu script words: %zu forced, %zu matched, %zu interpolated (the recogniser's "
             "WER against the script %.2f)",
             ns, out->align.forced, out->align.matched, out->align.interpolated,
             out->align.heard_wer);
    transcript_finish(out, o ? o->pause_min : 0);
    return REEL_OK;
}
