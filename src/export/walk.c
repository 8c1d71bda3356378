/*
 * The one timeline walk every exporter reads, and the format table.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "export/export.h"
#include "export/internal.h"
#include "render/render.h"
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

struct tr_at {
    long start;
    enum plan_transition_kind kind;
};

static int cmp_tr(const void *a, const void *b)
{
    const struct tr_at *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void add_cue(struct export_walk *w, size_t *cap, long start, long end, const char *text,
                    size_t op_index)
{
    if (end <= start || !text)
        return;
    if (w->ncues == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        w->cues = xrealloc(w->cues, *cap * sizeof(*w->cues));
    }
    w->cues[w->ncues++] = (struct export_cue){start, end, text, op_index};
}

/* by start; equal starts keep plan order (qsort is not stable) */
static int cmp_cue(const void *a, const void *b)
{
    const struct export_cue *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->op_index < y->op_index ? -1 : x->op_index > y->op_index;
}

/* The cues the render burns in (render_caption_cues), in timeline frames:
 * its times are already snapped to the output's frames. */
static enum reel_code add_caption_cues(struct export_walk *w, size_t *cap,
                                       const json_t *transcripts, struct reel_err *err)
{
    const struct plan *p = w->plan;
    int any = 0;
    for (size_t i = 0; i < p->nops; i++) {
        if (p->ops[i].kind != OP_CAPTIONS)
            continue;
        any = 1;
        if (p->ops[i].source_transcript && !transcripts)
            w->transcript_ops_left_out++;
    }
    if (!any)
        return REEL_OK;
    enum reel_code rc = render_caption_cues(p, transcripts, &w->caption_cues, err);
    if (rc)
        return rc;
    size_t k;
    const json_t *q;
    json_array_foreach(w->caption_cues, k, q)
    {
        add_cue(w, cap, lround(json_get_num(q, "start", 0) * w->fps),
                lround(json_get_num(q, "end", 0) * w->fps), json_get_str(q, "text", NULL),
                (size_t)json_get_int(q, "op", 0));
    }
    return REEL_OK;
}

enum reel_code export_walk_init(struct export_walk *w, const struct plan *p,
                                const json_t *transcripts, struct reel_err *err)
{
    memset(w, 0, sizeof(*w));
    size_t cue_cap = 0;
    struct plan_timeline tl;
    enum reel_code rc = plan_timeline(p, &tl, err);
    if (rc != REEL_OK)
        return rc;
    w->plan = p;
    w->fps = tl.fps;
    w->total = tl.total_frames;
    w->clips = xcalloc(tl.nspans ? tl.nspans : 1, sizeof(*w->clips));
    /* transitions by start frame, met in order as the cuts are: one pass,
     * not a search of every op per cut (2,000-cut plans, bench/export) */
    struct tr_at *trs = xcalloc(tl.nspans ? tl.nspans : 1, sizeof(*trs));
    size_t ntrs = 0, tr_at = 0;
    for (size_t k = 0; k < tl.nspans; k++)
        if (p->ops[k].kind == OP_TRANSITION)
            trs[ntrs++] = (struct tr_at){tl.spans[k].start_frame, p->ops[k].transition};
    qsort(trs, ntrs, sizeof(*trs), cmp_tr);
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
                while (tr_at < ntrs && trs[tr_at].start < c->start)
                    tr_at++;
                if (tr_at < ntrs && trs[tr_at].start == c->start)
                    c->tr_kind = trs[tr_at].kind;
            }
        } else if (op->kind == OP_TEXT) {
            add_cue(w, &cue_cap, s->start_frame, s->end_frame, op->text, s->op_index);
        }
    }
    free(trs);
    plan_timeline_release(&tl);
    if ((rc = add_caption_cues(w, &cue_cap, transcripts, err)) != REEL_OK) {
        export_walk_release(w);
        return rc;
    }
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
    json_decref(w->caption_cues);
    memset(w, 0, sizeof(*w));
}

enum reel_code export_run(const struct export_format *f, const struct plan *p,
                          const json_t *transcripts, struct buf *out, size_t *left_out,
                          struct reel_err *err)
{
    struct export_walk w;
    enum reel_code rc = export_walk_init(&w, p, transcripts, err);
    if (left_out)
        *left_out = rc == REEL_OK ? w.transcript_ops_left_out : 0;
    if (rc != REEL_OK)
        return rc;
    rc = f->write(&w, out, err);
    export_walk_release(&w);
    return rc;
}
