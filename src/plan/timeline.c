/*
 * The timeline: every time of a plan snapped to the output frame grid.
 * Cuts are computed in frames from their snapped source in/out so that the
 * renderer, the validator and `reel plan timeline` agree to the frame.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

double plan_snap(double t, double fps)
{
    if (!(fps > 0) || !isfinite(t))
        return t;
    return round(t * fps) / fps;
}

static long frames(double t, double fps)
{
    return lround(t * fps);
}

long plan_find_cut_id(const struct plan *p, const char *id)
{
    if (!id)
        return -1;
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind == OP_CUT && p->ops[i].id && !strcmp(p->ops[i].id, id))
            return (long)i;
    return -1;
}

size_t plan_cut_frames(const struct plan *p, double fps, struct plan_cutframes *cf, long *total)
{
    size_t n = 0;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_CUT)
            continue;
        struct plan_cutframes c = {i, -1, -1, 0, 0, 0, -1};
        if (op->in < 0) { /* an image: duration on screen */
            c.len = frames(op->duration, fps);
        } else {
            c.in_f = frames(op->in, fps);
            c.out_f = frames(op->out, fps);
            c.len = lround((double)(c.out_f - c.in_f) / op->speed);
        }
        cf[n++] = c;
    }
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_TRANSITION || op->bad)
            continue;
        long target = plan_find_cut_id(p, op->after);
        for (size_t k = 0; k + 1 < n; k++)
            if ((long)cf[k].op == target && cf[k].tr_op < 0) {
                cf[k].tr_op = (long)i;
                cf[k].tr_after = frames(op->duration, fps);
            }
    }
    for (size_t k = 1; k < n; k++)
        cf[k].start = cf[k - 1].start + cf[k - 1].len - cf[k - 1].tr_after;
    *total = n ? cf[n - 1].start + cf[n - 1].len : 0;
    return n;
}

enum reel_code plan_timeline(const struct plan *p, struct plan_timeline *tl, struct reel_err *err)
{
    memset(tl, 0, sizeof(*tl));
    double fps = p->output.fps_num > 0 && p->output.fps_den > 0
                     ? (double)p->output.fps_num / p->output.fps_den
                     : p->output.fps;
    if (!(fps > 0))
        return reel_fail(err, REEL_EINVAL, "$.output.fps",
                         "the plan's frame rate is not known yet: validate the plan first");
    struct plan_cutframes *cf = xcalloc(p->nops ? p->nops : 1, sizeof(*cf));
    long total;
    size_t ncuts = plan_cut_frames(p, fps, cf, &total);
    tl->fps = fps;
    tl->total_frames = total;
    tl->duration = total / fps;
    tl->spans = xcalloc(p->nops ? p->nops : 1, sizeof(*tl->spans));
    tl->nspans = p->nops;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        struct plan_span *s = &tl->spans[i];
        s->op_index = i;
        s->in_frame = s->out_frame = -1;
        switch (op->kind) {
        case OP_CUT:
            for (size_t k = 0; k < ncuts; k++)
                if (cf[k].op == i) {
                    s->start_frame = cf[k].start;
                    s->end_frame = cf[k].start + cf[k].len;
                    s->in_frame = cf[k].in_f;
                    s->out_frame = cf[k].out_f;
                }
            break;
        case OP_TRANSITION:
            for (size_t k = 0; k + 1 < ncuts; k++)
                if (cf[k].tr_op == (long)i) {
                    s->start_frame = cf[k + 1].start;
                    s->end_frame = cf[k].start + cf[k].len;
                }
            break;
        case OP_FADE: {
            long d = frames(op->duration, fps);
            if (d > total)
                d = total;
            s->start_frame = op->fade_out_kind ? total - d : 0;
            s->end_frame = op->fade_out_kind ? total : d;
            break;
        }
        case OP_CAPTIONS:
            if (!op->source_transcript && op->ncues) {
                s->start_frame = frames(op->cues[0].start, fps);
                s->end_frame = frames(op->cues[op->ncues - 1].end, fps);
            } else {
                s->start_frame = 0;
                s->end_frame = total;
            }
            break;
        default:
            s->start_frame = frames(op->start, fps);
            s->end_frame = op->end < 0 ? total : frames(op->end, fps);
            if (op->kind == OP_OVERLAY || op->kind == OP_AUDIO)
                s->in_frame = frames(op->in, fps);
            break;
        }
        if (s->start_frame > total)
            s->start_frame = total;
        if (s->end_frame > total)
            s->end_frame = total;
        if (s->end_frame < s->start_frame)
            s->end_frame = s->start_frame;
        s->start = s->start_frame / fps;
        s->end = s->end_frame / fps;
    }
    free(cf);
    return REEL_OK;
}

void plan_timeline_release(struct plan_timeline *tl)
{
    free(tl->spans);
    memset(tl, 0, sizeof(*tl));
}

json_t *plan_timeline_to_json(const struct plan *p, const struct plan_timeline *tl)
{
    json_t *j = json_object();
    json_object_set_new(j, "fps", json_real(tl->fps));
    json_object_set_new(j, "total_frames", json_integer(tl->total_frames));
    json_object_set_new(j, "duration", json_real(tl->duration));
    json_t *a = json_array();
    for (size_t i = 0; i < tl->nspans; i++) {
        const struct plan_span *s = &tl->spans[i];
        const struct plan_op *op = &p->ops[s->op_index];
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer((json_int_t)s->op_index));
        json_object_set_new(o, "op", json_string(plan_op_kind_name(op->kind)));
        json_object_set_new(o, "id", op->id ? json_string(op->id) : json_null());
        json_object_set_new(o, "start_frame", json_integer(s->start_frame));
        json_object_set_new(o, "end_frame", json_integer(s->end_frame));
        json_object_set_new(o, "start", json_real(s->start));
        json_object_set_new(o, "end", json_real(s->end));
        if (s->in_frame >= 0)
            json_object_set_new(o, "in_frame", json_integer(s->in_frame));
        if (s->out_frame >= 0)
            json_object_set_new(o, "out_frame", json_integer(s->out_frame));
        json_array_append_new(a, o);
    }
    json_object_set_new(j, "spans", a);
    return j;
}
