/*
 * The one timeline walk every exporter reads, and the format table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "export/internal.h"
#include "core/banned.h"

static const struct export_format formats[] = {
    {"otio", "application/vnd.opentimelineio+json", ".otio", export_write_otio},
    {"fcpxml", "application/xml; charset=utf-8", ".fcpxml", export_write_fcpxml},
    {"mlt", "application/xml; charset=utf-8", ".mlt", export_write_mlt},
    {"edl", "text/plain; charset=utf-8", ".edl", export_write_edl},
    {"srt", "application/x-subrip; charset=utf-8", ".srt", export_write_srt},
    {"vtt", "text/vtt; charset=utf-8", ".vtt", export_write_vtt},
};

const struct export_format *export_find(const char *name)
{
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (name && !strcmp(formats[i].name, name))
            return &formats[i];
    return NULL;
}

const char *export_format_names(void)
{
    return "otio, fcpxml, mlt, edl, srt, vtt";
}

static void add_cue(struct export_walk *w, long start, long end, const char *text)
{
    if (end <= start || !text)
        return;
    w->cues = xrealloc(w->cues, (w->ncues + 1) * sizeof(*w->cues));
    w->cues[w->ncues++] = (struct export_cue){start, end, text};
}

static int cmp_cue(const void *a, const void *b)
{
    const struct export_cue *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

enum reel_code export_walk_init(struct export_walk *w, const struct plan *p, struct reel_err *err)
{
    memset(w, 0, sizeof(*w));
    struct plan_timeline tl;
    enum reel_code rc = plan_timeline(p, &tl, err);
    if (rc != REEL_OK)
        return rc;
    w->plan = p;
    w->fps = tl.fps;
    w->total = tl.total_frames;
    w->clips = xcalloc(tl.nspans ? tl.nspans : 1, sizeof(*w->clips));
    for (size_t i = 0; i < tl.nspans; i++) {
        const struct plan_span *s = &tl.spans[i];
        const struct plan_op *op = &p->ops[s->op_index];
        if (op->kind == OP_CUT) {
            const struct plan_asset *a = plan_find_asset(p, op->asset);
            struct export_clip *c = &w->clips[w->nclips++];
            c->op_index = s->op_index;
            c->label = op->asset;
            c->path = a ? a->path : NULL;
            c->asset_fps = a && a->probed && a->info.fps > 0 ? a->info.fps : tl.fps;
            c->start = s->start_frame;
            c->end = s->end_frame;
            c->in = s->in_frame;
            c->out = s->out_frame;
            c->speed = op->speed;
            /* a transition's span is the overlap: it ends where this clip's predecessor ends */
            if (w->nclips > 1 && c->start < w->clips[w->nclips - 2].end) {
                c->tr_in = w->clips[w->nclips - 2].end - c->start;
                for (size_t k = 0; k < tl.nspans; k++)
                    if (p->ops[k].kind == OP_TRANSITION && tl.spans[k].start_frame == c->start)
                        c->tr_kind = p->ops[k].transition;
            }
        } else if (op->kind == OP_TEXT) {
            add_cue(w, s->start_frame, s->end_frame, op->text);
        } else if (op->kind == OP_CAPTIONS && !op->source_transcript) {
            for (size_t k = 0; k < op->ncues; k++)
                add_cue(w, lround(op->cues[k].start * tl.fps), lround(op->cues[k].end * tl.fps),
                        op->cues[k].text);
        }
    }
    plan_timeline_release(&tl);
    for (size_t i = 0; i < w->nclips; i++) {
        struct export_clip *c = &w->clips[i];
        long after = c->tr_in - c->tr_in / 2;
        c->lay_start = c->start + after;
        c->lay_in = (c->in >= 0 ? c->in : 0) + after * c->speed;
        c->lay_end = c->end;
        if (i)
            w->clips[i - 1].lay_end = c->lay_start;
    }
    if (w->ncues)
        qsort(w->cues, w->ncues, sizeof(*w->cues), cmp_cue);
    if (!w->nclips) {
        export_walk_release(w);
        return reel_fail(err, REEL_EINVAL, "$.operations", "the plan has no cut to export");
    }
    return REEL_OK;
}

void export_walk_release(struct export_walk *w)
{
    free(w->clips);
    free(w->cues);
    memset(w, 0, sizeof(*w));
}

enum reel_code export_run(const struct export_format *f, const struct plan *p, struct buf *out,
                          struct reel_err *err)
{
    struct export_walk w;
    enum reel_code rc = export_walk_init(&w, p, err);
    if (rc != REEL_OK)
        return rc;
    rc = f->write(&w, out, err);
    export_walk_release(&w);
    return rc;
}
