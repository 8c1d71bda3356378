/*
 * The frame-exact view of a plan that the compiler works in. Every time is
 * snapped to the output frame grid (round(t * fps)); cut lengths are
 * counted in output frames after speed, so the storyline's length in
 * frames is exactly the sum of its pieces and xfade offsets land on frames.
 */
#include "render/internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static void grid_from_output(const struct plan_output *o, struct rgrid *g)
{
    g->sample_rate = o->sample_rate > 0 ? o->sample_rate : 48000;
    if (o->fps_num > 0 && o->fps_den > 0) {
        g->num = o->fps_num;
        g->den = o->fps_den;
    } else if (fabs(o->fps - 23.976) < 0.01 || fabs(o->fps - 29.97) < 0.01 ||
               fabs(o->fps - 59.94) < 0.01) {
        g->num = (int)lround(o->fps * 1.001) * 1000;
        g->den = 1001;
    } else {
        g->num = (int)lround(o->fps);
        g->den = 1;
    }
    g->fps = (double)g->num / g->den;
}

long rtl_frames(const struct rgrid *g, double seconds)
{
    return lround(seconds * g->num / g->den);
}

double rtl_seconds(const struct rgrid *g, long frames)
{
    return (double)frames * g->den / g->num;
}

long rtl_samples(const struct rgrid *g, long frames)
{
    return (long)llround((double)frames * g->sample_rate * g->den / g->num);
}

static long clampl(long v, long lo, long hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

enum reel_code rtl_build(const struct plan *p, struct rtl *t, struct reel_err *err)
{
    memset(t, 0, sizeof(*t));
    if (p->output.fps <= 0 && p->output.fps_num <= 0)
        return reel_fail(err, REEL_EINVAL, "$.output.fps",
                         "output fps is not resolved (validate the plan first)");
    if (p->output.width <= 0 || p->output.height <= 0)
        return reel_fail(err, REEL_EINVAL, "$.output.width",
                         "output size is not resolved (validate the plan first)");
    grid_from_output(&p->output, &t->g);
    t->n = p->nops;
    t->spans = xcalloc(p->nops ? p->nops : 1, sizeof(*t->spans));

    /* cut lengths */
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        struct rspan *s = &t->spans[i];
        s->in_frame = -1;
        if (op->kind == OP_CUT) {
            if (op->out >= 0) {
                long inf = rtl_frames(&t->g, op->in), outf = rtl_frames(&t->g, op->out);
                double sp = op->speed > 0 ? op->speed : 1.0;
                s->in_frame = inf;
                s->frames = lround((double)(outf - inf) / sp);
            } else {
                s->in_frame = 0;
                s->frames = rtl_frames(&t->g, op->duration);
            }
            if (s->frames < 1)
                return reel_fail(err, REEL_EINVAL, NULL, "cut %zu is shorter than one frame", i);
        } else if (op->kind == OP_TRANSITION) {
            s->frames = rtl_frames(&t->g, op->duration > 0 ? op->duration : 0.5);
        }
    }
    /* place cuts back to back, overlapping by each transition */
    long pos = 0;
    size_t prev = (size_t)-1;
    int any = 0;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_CUT)
            continue;
        long overlap = 0;
        if (prev != (size_t)-1 && p->ops[prev].id) {
            for (size_t j = 0; j < p->nops; j++) {
                const struct plan_op *tr = &p->ops[j];
                if (tr->kind == OP_TRANSITION && tr->after && !strcmp(tr->after, p->ops[prev].id)) {
                    overlap = t->spans[j].frames;
                    t->spans[j].start = pos - overlap;
                    t->spans[j].end = pos;
                    break;
                }
            }
        }
        t->spans[i].start = pos - overlap;
        t->spans[i].end = t->spans[i].start + t->spans[i].frames;
        pos = t->spans[i].end;
        prev = i;
        any = 1;
    }
    if (!any)
        return reel_fail(err, REEL_EINVAL, "$.operations", "the plan has no cut");
    t->total = pos;
    /* connected ops */
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        struct rspan *s = &t->spans[i];
        switch (op->kind) {
        case OP_OVERLAY:
        case OP_TEXT:
        case OP_CAPTIONS:
        case OP_AUDIO:
        case OP_COLOR:
            s->start = clampl(rtl_frames(&t->g, op->start), 0, t->total);
            s->end = op->end < 0 ? t->total : clampl(rtl_frames(&t->g, op->end), 0, t->total);
            if (s->end < s->start)
                s->end = s->start;
            s->frames = s->end - s->start;
            break;
        case OP_FADE: {
            long d = clampl(rtl_frames(&t->g, op->duration > 0 ? op->duration : 0.5), 1, t->total);
            s->start = op->fade_out_kind ? t->total - d : 0;
            s->end = s->start + d;
            s->frames = d;
            break;
        }
        default:
            break;
        }
    }
    return REEL_OK;
}

void rtl_release(struct rtl *t)
{
    free(t->spans);
    memset(t, 0, sizeof(*t));
}
