/*
 * SRT and WebVTT of the plan's text ops and caption cues, at the rendered
 * timeline's (snapped) times. Transcript captions are not in the plan and
 * are not exported.
 */
#include <stdio.h>
#include <string.h>

#include "export/internal.h"
#include "core/banned.h"

static void add_time(struct buf *b, long frame, double fps, char msep)
{
    long ms = (long)(frame * 1000.0 / fps + 0.5);
    buf_addf(b, "%02ld:%02ld:%02ld%c%03ld", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, msep,
             ms % 1000);
}

/* A blank line ends a cue in both formats, so runs of newlines become one;
 * WebVTT also needs & < > escaped (that also keeps "-->" out of the text). */
static void add_text(struct buf *b, const char *s, int vtt)
{
    int at_line_start = 1;
    for (; *s; s++) {
        if (*s == '\r')
            continue;
        if (*s == '\n') {
            if (!at_line_start)
                buf_addch(b, '\n');
            at_line_start = 1;
            continue;
        }
        at_line_start = 0;
        if (vtt && *s == '&')
            buf_adds(b, "&amp;");
        else if (vtt && *s == '<')
            buf_adds(b, "&lt;");
        else if (vtt && *s == '>')
            buf_adds(b, "&gt;");
        else
            buf_addch(b, *s);
    }
    buf_trim_end(b);
    buf_addch(b, '\n');
}

static enum reel_code write_subs(const struct export_walk *w, struct buf *out, int vtt)
{
    if (vtt)
        buf_adds(out, "WEBVTT\n\n");
    for (size_t i = 0; i < w->ncues; i++) {
        const struct export_cue *c = &w->cues[i];
        if (!vtt)
            buf_addf(out, "%zu\n", i + 1);
        add_time(out, c->start, w->fps, vtt ? '.' : ',');
        buf_adds(out, " --> ");
        add_time(out, c->end, w->fps, vtt ? '.' : ',');
        buf_addch(out, '\n');
        add_text(out, c->text, vtt);
        buf_addch(out, '\n');
    }
    return REEL_OK;
}

enum reel_code export_write_srt(const struct export_walk *w, struct buf *out, struct reel_err *err)
{
    (void)err;
    return write_subs(w, out, 0);
}

enum reel_code export_write_vtt(const struct export_walk *w, struct buf *out, struct reel_err *err)
{
    (void)err;
    return write_subs(w, out, 1);
}
