/*
 * FCPXML 1.9: one format, one asset per label, a project whose spine holds
 * an asset-clip per cut and a transition per reel transition (centred on
 * the edit point, see lay_start in export.h). Times are rationals of the
 * output frame duration ("53/30s", "1001/30000s" multiples).
 */
#include <stdlib.h>
#include <string.h>

#include "export/internal.h"
#include "core/banned.h"

static void add_time(struct buf *b, const char *attr, double frames, const struct plan_output *o)
{
    /* frames * den / num seconds; a fractional source frame (speed) is kept to 1/100 */
    long long n = (long long)(frames * 100 + (frames < 0 ? -0.5 : 0.5));
    if (n % 100 == 0)
        buf_addf(b, " %s=\"%lld/%ds\"", attr, n / 100 * o->fps_den, o->fps_num);
    else
        buf_addf(b, " %s=\"%lld/%llds\"", attr, n * o->fps_den, 100LL * o->fps_num);
}

static void add_attr(struct buf *b, const char *attr, const char *v)
{
    buf_addf(b, " %s=\"", attr);
    export_xml_escape(b, v);
    buf_addch(b, '"');
}

static long asset_index(const struct export_walk *w, size_t ci)
{
    for (size_t k = 0; k < ci; k++)
        if (!strcmp(w->clips[k].label, w->clips[ci].label))
            return asset_index(w, k);
    return (long)ci + 1;
}

enum reel_code export_write_fcpxml(const struct export_walk *w, struct buf *out,
                                   struct reel_err *err)
{
    (void)err;
    const struct plan *p = w->plan;
    const struct plan_output *o = &p->output;
    const char *title = p->title && *p->title ? p->title : "reel";
    buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE fcpxml>\n"
                  "<fcpxml version=\"1.9\">\n  <resources>\n");
    buf_addf(out, "    <format id=\"r0\" frameDuration=\"%d/%ds\" width=\"%d\" height=\"%d\"/>\n",
             o->fps_den, o->fps_num, o->width, o->height);
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        if (asset_index(w, i) != (long)i + 1)
            continue;
        const struct plan_asset *a = plan_find_asset(p, c->label);
        buf_addf(out, "    <asset id=\"r%zu\"", i + 1);
        add_attr(out, "name", c->label);
        buf_adds(out, " start=\"0s\"");
        if (a && a->probed && a->info.duration > 0)
            add_time(out, "duration", a->info.duration * w->fps, o);
        buf_adds(out, " hasVideo=\"1\" format=\"r0\">\n      <media-rep kind=\"original-media\"");
        char *url = c->path ? export_file_url(c->path) : xstrdup("");
        add_attr(out, "src", url);
        free(url);
        buf_adds(out, "/>\n    </asset>\n");
    }
    buf_adds(out, "  </resources>\n  <library>\n    <event name=\"reel\">\n      <project");
    add_attr(out, "name", title);
    buf_adds(out, ">\n        <sequence format=\"r0\"");
    add_time(out, "duration", (double)w->total, o);
    buf_adds(out, " tcStart=\"0s\" tcFormat=\"NDF\">\n          <spine>\n");
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        if (c->tr_in > 0) {
            buf_adds(out, "            <transition");
            add_attr(out, "name",
                     c->tr_kind == TR_CROSSFADE || c->tr_kind == TR_DISSOLVE
                         ? "Cross Dissolve"
                         : plan_transition_name(c->tr_kind));
            add_time(out, "offset", (double)c->start, o);
            add_time(out, "duration", (double)c->tr_in, o);
            buf_adds(out, "/>\n");
        }
        buf_addf(out, "            <asset-clip ref=\"r%ld\"", asset_index(w, i));
        add_attr(out, "name", c->label);
        add_time(out, "offset", (double)c->lay_start, o);
        add_time(out, "start", c->lay_in, o);
        add_time(out, "duration", (double)(c->lay_end - c->lay_start), o);
        if (c->speed == 1.0) {
            buf_adds(out, "/>\n");
            continue;
        }
        /* a speed change: local time maps linearly onto source time */
        buf_adds(out, ">\n              <timeMap>\n                <timept");
        add_time(out, "time", c->lay_in, o);
        add_time(out, "value", c->lay_in, o);
        buf_adds(out, " interp=\"linear\"/>\n                <timept");
        add_time(out, "time", c->lay_in + (double)(c->lay_end - c->lay_start), o);
        add_time(out, "value", c->lay_in + (double)(c->lay_end - c->lay_start) * c->speed, o);
        buf_adds(out,
                 " interp=\"linear\"/>\n              </timeMap>\n            </asset-clip>\n");
    }
    buf_adds(out, "          </spine>\n        </sequence>\n      </project>\n    </event>\n"
                  "  </library>\n</fcpxml>\n");
    return REEL_OK;
}
