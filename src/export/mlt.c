/*
 * MLT XML for melt and Shotcut/Kdenlive: the cuts A/B-rolled on two
 * playlists (clip i on track i % 2, blanks up to its timeline start), a
 * tractor with a luma transition (a dissolve; other kinds exported as a
 * dissolve, named in a property) over each overlap. Speed uses the
 * timewarp producer. MLT in/out points are inclusive.
 *
 * Each `audio` op is a playlist of its own above the clips (video hidden),
 * its volume_db and fades a `volume` filter's level in dB, summed into the
 * clips' sound by a `mix` transition; the clips' B track is mixed in the
 * same way. Text ops and caption cues are `text` filters on the tractor
 * (MLT's plain text filter: unlike dynamictext it expands no #keywords#).
 */
#include <math.h>
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

static void add_colour(struct buf *b, const char *indent, const char *name,
                       const struct plan_color *c)
{
    char v[16];
    if (c->set)
        snprintf(v, sizeof(v), "0x%02x%02x%02x%02x", c->r, c->g, c->b, c->a);
    else
        snprintf(v, sizeof(v), "0x00000000");
    add_prop(b, indent, name, v);
}

/* A text or caption cue as a text filter over its frames, placed in the
 * frame by the op's anchor (inset by the op's margin) and styled by it. */
static void add_text_filter(struct buf *b, const struct export_walk *w, const struct export_cue *q)
{
    const struct plan_op *op = &w->plan->ops[q->op_index];
    const struct plan_output *o = &w->plan->output;
    const struct plan_text_style *st = &op->style;
    static const char *const ha[] = {"left", "center", "right"};
    static const char *const va[] = {"top", "middle", "bottom"};
    double m = op->margin > 0 && op->margin < 0.5 ? op->margin : 0.03;
    long x = lround(m * o->width), y = lround(m * o->height);
    long ww = o->width - 2 * x, hh = o->height - 2 * y;
    const char *h = "center", *v = "middle";
    if (op->position.anchor == POS_XY) {
        x = lround(op->position.x * o->width);
        y = lround(op->position.y * o->height);
        ww = o->width - x;
        hh = o->height - y;
        h = "left";
        v = "top";
    } else if (op->position.anchor <= POS_BOTTOM_RIGHT) {
        h = ha[op->position.anchor % 3];
        v = va[op->position.anchor / 3];
    }
    buf_addf(b, "    <filter in=\"%ld\" out=\"%ld\">\n", q->start, q->end - 1);
    add_prop(b, "      ", "mlt_service", "text");
    add_prop(b, "      ", "argument", q->text);
    char *geo = xasprintf("%ld %ld %ld %ld", x, y, ww > 1 ? ww : 1, hh > 1 ? hh : 1);
    add_prop(b, "      ", "geometry", geo);
    free(geo);
    add_prop(b, "      ", "family", st->font ? st->font : "DejaVu Sans");
    char size[32];
    snprintf(size, sizeof(size), "%ld", lround((st->size > 0 ? st->size : 0.06) * o->height));
    add_prop(b, "      ", "size", size);
    add_colour(b, "      ", "fgcolour", &st->color);
    add_colour(b, "      ", "bgcolour", &st->box);
    if (st->outline.set) {
        add_colour(b, "      ", "olcolour", &st->outline);
        add_prop(b, "      ", "outline", "1");
    }
    add_prop(b, "      ", "halign", h);
    add_prop(b, "      ", "valign", v);
    add_prop(b, "      ", "reel:op", plan_op_kind_name(op->kind));
    buf_adds(b, "    </filter>\n");
}

/* The volume filter of an audio op: its gain, faded in from and out to
 * silence (-60 dB) as the render fades it (level keyframes in frames). */
static void add_volume(struct buf *b, const struct plan_op *op, long len, double fps)
{
    buf_adds(b, "    <filter>\n");
    add_prop(b, "      ", "mlt_service", "volume");
    struct buf lv = BUF_INIT;
    long fi = lround(op->fade_in * fps), fo = lround(op->fade_out * fps);
    if (fi > 0)
        buf_addf(&lv, "0=-60;%ld=%g;", fi < len ? fi : len - 1, op->volume_db);
    else
        buf_addf(&lv, "0=%g;", op->volume_db);
    if (fo > 0 && len - 1 - fo > fi)
        buf_addf(&lv, "%ld=%g;%ld=-60", len - 1 - fo, op->volume_db, len - 1);
    else
        buf_addf(&lv, "%ld=%g", len - 1, fo > 0 ? -60.0 : op->volume_db);
    add_prop(b, "      ", "level", lv.buf);
    buf_release(&lv);
    buf_adds(b, "    </filter>\n");
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
    /* audio ops: a producer and a playlist each */
    struct plan_timeline tl;
    size_t naudio = 0;
    if (plan_timeline(p, &tl, NULL) != REEL_OK)
        memset(&tl, 0, sizeof(tl));
    for (size_t i = 0; i < tl.nspans; i++) {
        const struct plan_op *op = &p->ops[i];
        const struct plan_span *s = &tl.spans[i];
        const struct plan_asset *a = op->kind == OP_AUDIO ? plan_find_asset(p, op->asset) : NULL;
        long len = s->end_frame - s->start_frame;
        if (!a || len <= 0)
            continue;
        buf_addf(out, "  <producer id=\"a%zu\">\n", naudio);
        add_prop(out, "    ", "resource", a->path ? a->path : "");
        if (op->loop)
            add_prop(out, "    ", "eof", "loop");
        add_prop(out, "    ", "reel:label", op->asset);
        add_volume(out, op, len, w->fps);
        buf_addf(out, "  </producer>\n  <playlist id=\"audio%zu\">\n", naudio);
        if (s->start_frame > 0)
            buf_addf(out, "    <blank length=\"%ld\"/>\n", s->start_frame);
        long in = lround(op->in * w->fps);
        buf_addf(out, "    <entry producer=\"a%zu\" in=\"%ld\" out=\"%ld\"/>\n", naudio, in,
                 in + len - 1);
        buf_adds(out, "  </playlist>\n");
        naudio++;
    }
    plan_timeline_release(&tl);
    buf_adds(out, "  <tractor id=\"main\">\n    <multitrack>\n"
                  "      <track producer=\"track0\"/>\n      <track producer=\"track1\"/>\n");
    for (size_t k = 0; k < naudio; k++)
        buf_addf(out, "      <track producer=\"audio%zu\" hide=\"video\"/>\n", k);
    buf_adds(out, "    </multitrack>\n");
    /* every track's sound summed onto track 0 for the whole timeline */
    for (size_t t = 1; t < 2 + naudio; t++)
        buf_addf(out,
                 "    <transition in=\"0\" out=\"%ld\">\n"
                 "      <property name=\"mlt_service\">mix</property>\n"
                 "      <property name=\"a_track\">0</property>\n"
                 "      <property name=\"b_track\">%zu</property>\n"
                 "      <property name=\"always_active\">1</property>\n"
                 "      <property name=\"sum\">1</property>\n"
                 "    </transition>\n",
                 w->total - 1, t);
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
    for (size_t i = 0; i < w->ncues; i++)
        add_text_filter(out, w, &w->cues[i]);
    buf_adds(out, "  </tractor>\n</mlt>\n");
    return REEL_OK;
}
