/*
 * CMX 3600 EDL of the main video track. Timecodes are at the output rate
 * (nominal integer rate, NON-DROP FRAME); source timecodes count from the
 * start of each source file. A transition becomes a 'D' event of its
 * length (CMX has only dissolves and wipes: every kind exports as D, its
 * reel name in a comment). Speed changes are not expressed (comment only).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export/internal.h"
#include "core/banned.h"

static void add_tc(struct buf *b, long f, int rate)
{
    if (f < 0)
        f = 0;
    buf_addf(b, " %02ld:%02ld:%02ld:%02ld", f / (3600L * rate), f / (60L * rate) % 60,
             f / rate % 60, f % rate);
}

/* Reel names: up to 8 of A-Z 0-9 from the label, unique within the EDL. */
static void reel_name(const struct export_walk *w, size_t ci, char out[9])
{
    const char *l = w->clips[ci].label;
    size_t n = 0;
    for (; *l && n < 8; l++)
        if (isalnum((unsigned char)*l))
            out[n++] = (char)toupper((unsigned char)*l);
    if (!n)
        out[n++] = 'R';
    out[n] = 0;
    /* labels are unique but names may collide after folding: number them */
    size_t uniq = 0;
    for (size_t k = 0; k < ci; k++)
        if (strcmp(w->clips[k].label, w->clips[ci].label)) {
            char other[9];
            reel_name(w, k, other);
            if (!strcmp(other, out))
                uniq = k + 1;
        }
    if (uniq) {
        char num[9];
        int len = snprintf(num, sizeof(num), "%zu", uniq);
        size_t keep = n + (size_t)len > 8 ? 8 - (size_t)len : n;
        memcpy(out + keep, num, (size_t)len + 1);
    }
}

static void add_event(struct buf *b, int ev, const char *reel, const char *kind, long dur,
                      long src_in, long src_out, long rec_in, long rec_out, int rate)
{
    buf_addf(b, "%03d  %-8s V     %-4s", ev, reel, kind);
    if (dur >= 0)
        buf_addf(b, " %03ld", dur);
    else
        buf_adds(b, "    ");
    add_tc(b, src_in, rate);
    add_tc(b, src_out, rate);
    add_tc(b, rec_in, rate);
    add_tc(b, rec_out, rate);
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
    int rate = (int)lround(w->fps);
    add_comment_name(out, "TITLE: ", w->plan->title && *w->plan->title ? w->plan->title : "reel");
    buf_adds(out, "FCM: NON-DROP FRAME\n\n");
    int ev = 0;
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        /* the record out of a clip followed by a transition is where that transition starts */
        long rec_out = i + 1 < w->nclips ? w->clips[i + 1].start : c->end;
        long src_in = c->in >= 0 ? c->in : 0;
        long src_len = (long)lround((rec_out - c->start) * c->speed);
        char reel[9];
        reel_name(w, i, reel);
        if (c->tr_in > 0) {
            char prev[9];
            reel_name(w, i - 1, prev);
            const struct export_clip *p = &w->clips[i - 1];
            long p_out = (p->in >= 0 ? p->in : 0) + (long)lround((c->start - p->start) * p->speed);
            ev++;
            add_event(out, ev, prev, "C", -1, p_out, p_out, c->start, c->start, rate);
            add_event(out, ev, reel, "D", c->tr_in, src_in, src_in + src_len, c->start, rec_out,
                      rate);
            add_comment_name(out, "* FROM CLIP NAME: ", p->label);
            add_comment_name(out, "* TO CLIP NAME: ", c->label);
            buf_addf(out, "* TRANSITION: %s\n", plan_transition_name(c->tr_kind));
        } else {
            ev++;
            add_event(out, ev, reel, "C", -1, src_in, src_in + src_len, c->start, rec_out, rate);
            add_comment_name(out, "* FROM CLIP NAME: ", c->label);
        }
        if (c->path)
            add_comment_name(out, "* SOURCE FILE: ", c->path);
        if (c->speed != 1.0)
            buf_addf(out, "* SPEED: %g\n", c->speed);
        buf_addch(out, '\n');
    }
    return REEL_OK;
}
