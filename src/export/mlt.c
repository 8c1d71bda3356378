/*
 * MLT XML for melt and Shotcut/Kdenlive: the cuts A/B-rolled on two
 * playlists (clip i on track i % 2, blanks up to its timeline start), a
 * tractor with a luma transition (a dissolve; other kinds exported as a
 * dissolve, named in a property) over each overlap. Speed uses the
 * timewarp producer. MLT in/out points are inclusive.
 */
#include <stdlib.h>
#include <string.h>

#include "export/internal.h"
#include "core/banned.h"

static void add_prop(struct buf *b, const char *indent, const char *name, const char *v)
{
    buf_addf(b, "%s<property name=\"%s\">", indent, name);
    export_xml_escape(b, v);
    buf_adds(b, "</property>\n");
}

enum reel_code export_write_mlt(const struct export_walk *w, struct buf *out, struct reel_err *err)
{
    (void)err;
    const struct plan *p = w->plan;
    const struct plan_output *o = &p->output;
    buf_addf(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                  "<mlt LC_NUMERIC=\"C\" producer=\"main\"");
    buf_adds(out, " title=\"");
    export_xml_escape(out, p->title ? p->title : "reel");
    buf_addf(out,
             "\">\n  <profile width=\"%d\" height=\"%d\" frame_rate_num=\"%d\" "
             "frame_rate_den=\"%d\" progressive=\"1\" sample_aspect_num=\"1\" "
             "sample_aspect_den=\"1\" display_aspect_num=\"%d\" display_aspect_den=\"%d\" "
             "colorspace=\"709\"/>\n",
             o->width, o->height, o->fps_num, o->fps_den, o->width, o->height);
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        buf_addf(out, "  <producer id=\"c%zu\">\n", i);
        if (c->speed != 1.0) {
            char *r = xasprintf("%g:%s", c->speed, c->path ? c->path : "");
            add_prop(out, "    ", "resource", r);
            free(r);
            add_prop(out, "    ", "mlt_service", "timewarp");
        } else {
            add_prop(out, "    ", "resource", c->path ? c->path : "");
        }
        add_prop(out, "    ", "reel:label", c->label);
        buf_adds(out, "  </producer>\n");
    }
    for (int t = 0; t < 2; t++) {
        buf_addf(out, "  <playlist id=\"track%d\">\n", t);
        long at = 0;
        for (size_t i = (size_t)t; i < w->nclips; i += 2) {
            const struct export_clip *c = &w->clips[i];
            if (c->start > at)
                buf_addf(out, "    <blank length=\"%ld\"/>\n", c->start - at);
            /* source frames at the output rate; a timewarp producer counts in sped-up frames */
            long in = (long)((c->in >= 0 ? c->in : 0) / c->speed + 0.5);
            buf_addf(out, "    <entry producer=\"c%zu\" in=\"%ld\" out=\"%ld\"/>\n", i, in,
                     in + (c->end - c->start) - 1);
            at = c->end;
        }
        buf_adds(out, "  </playlist>\n");
    }
    buf_adds(out, "  <tractor id=\"main\">\n    <multitrack>\n"
                  "      <track producer=\"track0\"/>\n      <track producer=\"track1\"/>\n"
                  "    </multitrack>\n");
    for (size_t i = 1; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        if (c->tr_in <= 0)
            continue;
        /* the luma wipes from a_track to b_track; reversed when the incoming clip is on 0 */
        buf_addf(out,
                 "    <transition in=\"%ld\" out=\"%ld\">\n"
                 "      <property name=\"mlt_service\">luma</property>\n"
                 "      <property name=\"a_track\">0</property>\n"
                 "      <property name=\"b_track\">1</property>\n"
                 "      <property name=\"reverse\">%d</property>\n",
                 c->start, c->start + c->tr_in - 1, i % 2 == 0);
        add_prop(out, "      ", "reel:kind", plan_transition_name(c->tr_kind));
        buf_adds(out, "    </transition>\n");
    }
    buf_adds(out, "  </tractor>\n</mlt>\n");
    return REEL_OK;
}
