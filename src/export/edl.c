/*
 * CMX 3600 EDL of the main video track. Timecodes are at the output rate:
 * DROP FRAME at 29.97 and 59.94 (HH:MM:SS;FF), else NON-DROP FRAME at the
 * nominal integer rate; source timecodes count from the start of each
 * source file, in the same mode. A transition becomes a 'D' event of its
 * length (CMX has only dissolves and wipes: every kind exports as D, its
 * reel name in a comment). Speed changes are not expressed (comment only).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export/internal.h"
#include "core/banned.h"

int export_timecode(long frame, int fps_num, int fps_den, char out[16])
{
    long f = frame < 0 ? 0 : frame;
    int df = fps_den == 1001 && (fps_num == 30000 || fps_num == 60000);
    long rate = df ? fps_num / 1000 : lround((double)fps_num / (fps_den > 0 ? fps_den : 1));
    if (rate < 1)
        rate = 1;
    if (df) {
        /* count the frame numbers skipped before f back in: `drop` at each
         * minute but every tenth (SMPTE 12M) */
        long drop = rate / 15; /* 2 at 29.97, 4 at 59.94 */
        long per_min = rate * 60 - drop, per_10min = rate * 600 - drop * 9;
        long tens = f / per_10min, rest = f % per_10min;
        f += drop * 9 * tens + (rest > drop ? drop * ((rest - drop) / per_min) : 0);
    }
    long h = f / (3600 * rate) % 24;
    snprintf(out, 16, "%02ld:%02ld:%02ld%c%02ld", h, f / (60 * rate) % 60, f / rate % 60,
             df ? ';' : ':', f % rate);
    return df;
}

static void add_tc(struct buf *b, long f, const struct plan_output *o)
{
    char tc[16];
    export_timecode(f, o->fps_num, o->fps_den, tc);
    buf_addch(b, ' ');
    buf_adds(b, tc);
}

static void fold_name(const char *l, char out[9])
{
    size_t n = 0;
    for (; *l && n < 8; l++)
        if (isalnum((unsigned char)*l))
            out[n++] = (char)toupper((unsigned char)*l);
    if (!n)
        out[n++] = 'R';
    out[n] = 0;
}

/*
 * Reel names, one per clip: up to 8 of A-Z 0-9 from the label; a clip of
 * the same label reuses its name; a name already taken by another label
 * gets a number in its last characters until it is unique.
 */
static void reel_names(const struct export_walk *w, char (*names)[9])
{
    for (size_t i = 0; i < w->nclips; i++) {
        fold_name(w->clips[i].label, names[i]);
        for (unsigned num = 2;; num++) {
            int clash = 0, same = 0;
            for (size_t k = 0; k < i && !clash && !same; k++) {
                if (strcmp(names[k], names[i]))
                    continue;
                same = !strcmp(w->clips[k].label, w->clips[i].label);
                clash = !same;
            }
            if (!clash)
                break;
            char digits[9];
            int len = snprintf(digits, sizeof(digits), "%u", num);
            char base[9];
            fold_name(w->clips[i].label, base);
            size_t keep = strlen(base);
            if (keep + (size_t)len > 8)
                keep = 8 - (size_t)len;
            memcpy(names[i], base, keep);
            memcpy(names[i] + keep, digits, (size_t)len + 1);
        }
    }
}

static void add_event(struct buf *b, int ev, const char *reel, const char *kind, long dur,
                      long src_in, long src_out, long rec_in, long rec_out,
                      const struct plan_output *o)
{
    buf_addf(b, "%03d  %-8s V     %-4s", ev, reel, kind);
    if (dur >= 0)
        buf_addf(b, " %03ld", dur);
    else
        buf_adds(b, "    ");
    add_tc(b, src_in, o);
    add_tc(b, src_out, o);
    add_tc(b, rec_in, o);
    add_tc(b, rec_out, o);
    buf_addch(b, '\n');
}

static void add_comment_name(struct buf *b, const char *prefix, const char *s)
{
    buf_adds(b, prefix);
    for (; *s; s++)
        buf_addch(b, *s == '\n' || *s == '\r' ? ' ' : *s);
    buf_addch(b, '\n');
}

enum reel_code export_write_edl(const struct export_walk *w, struct buf *out, struct reel_err *err)
{
    (void)err;
    const struct plan_output *o = &w->plan->output;
    char tc[16];
    int df = export_timecode(0, o->fps_num, o->fps_den, tc);
    add_comment_name(out, "TITLE: ", w->plan->title && *w->plan->title ? w->plan->title : "reel");
    buf_adds(out, df ? "FCM: DROP FRAME\n\n" : "FCM: NON-DROP FRAME\n\n");
    int ev = 0;
    char(*names)[9] = xcalloc(w->nclips, sizeof(*names));
    reel_names(w, names);
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        /* the record out of a clip followed by a transition is where that transition starts */
        long rec_out = i + 1 < w->nclips ? w->clips[i + 1].start : c->end;
        long src_in = c->in >= 0 ? c->in : 0;
        long src_len = (long)lround((rec_out - c->start) * c->speed);
        const char *reel = names[i];
        if (c->tr_in > 0) {
            const char *prev = names[i - 1];
            const struct export_clip *p = &w->clips[i - 1];
            long p_out = (p->in >= 0 ? p->in : 0) + (long)lround((c->start - p->start) * p->speed);
            ev++;
            add_event(out, ev, prev, "C", -1, p_out, p_out, c->start, c->start, o);
            add_event(out, ev, reel, "D", c->tr_in, src_in, src_in + src_len, c->start, rec_out, o);
            add_comment_name(out, "* FROM CLIP NAME: ", p->label);
            add_comment_name(out, "* TO CLIP NAME: ", c->label);
            buf_addf(out, "* TRANSITION: %s\n", plan_transition_name(c->tr_kind));
        } else {
            ev++;
            add_event(out, ev, reel, "C", -1, src_in, src_in + src_len, c->start, rec_out, o);
            add_comment_name(out, "* FROM CLIP NAME: ", c->label);
        }
        if (c->path)
            add_comment_name(out, "* SOURCE FILE: ", c->path);
        if (c->speed != 1.0)
            buf_addf(out, "* SPEED: %g\n", c->speed);
        buf_addch(out, '\n');
    }
    free(names);
    return REEL_OK;
}
