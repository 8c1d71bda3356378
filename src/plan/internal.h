/* Private to src/plan: shared tables and helpers of decode, validate, encode, timeline. */
#ifndef REEL_PLAN_INTERNAL_H
#define REEL_PLAN_INTERNAL_H

#include "plan/plan.h"

#define PLAN_MAX_OPS 5000 /* an hour of talk cut at its pauses runs to thousands */
#define PLAN_MAX_CUES 5000
#define PLAN_MAX_TIME 86400.0 /* no time in a plan is past 24 h */
#define PLAN_MAX_ISSUES 100

struct plan_fps_entry {
    double value;
    int num, den;
};
extern const struct plan_fps_entry plan_fps_table[8];

/* Timeline of cut and transition frames, shared by plan_validate (which
 * checks it) and plan_timeline (which reports it). fps must be > 0. */
struct plan_cutframes {
    size_t op;        /* index of the cut in p->ops */
    long in_f, out_f; /* source frames (video) or -1 */
    long len;         /* frames on the timeline */
    long start;       /* first frame on the timeline */
    long tr_after;    /* frames of the transition after this cut, 0 if none */
    long tr_op;       /* index of that transition op, -1 */
};

/* Fills cf (ncuts entries, the caller allocates p->nops of them) and returns the
 * number of cuts; *total gets D in frames. A cut with in < 0 is an image
 * (its duration is its length on screen). */
size_t plan_cut_frames(const struct plan *p, double fps, struct plan_cutframes *cf, long *total);

/* The cut op index a transition follows (its `after` id), or -1. */
long plan_find_cut_id(const struct plan *p, const char *id);

#endif
