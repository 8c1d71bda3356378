/*
 * Where the action is, for reframing: per second of a video, the centroid
 * of the change between consecutive small gray frames (weighted by how much
 * changed). A static picture gives no points, and the rules planner then
 * keeps the crop centred.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "media/decode.h"
#include "planner/internal.h"
#include "core/banned.h"

struct act {
    uint8_t *prev;
    int w, h;
    long sec;          /* the second being summed, -1 before the first frame */
    double sx, sy, sw; /* sums of the current second */
    json_t *out;
};

static void flush(struct act *a)
{
    if (a->sec >= 0 && a->sw > 1e-9) {
        json_t *p = json_object();
        json_object_set_new(p, "t", json_integer(a->sec));
        json_object_set_new(p, "x", json_real(round(a->sx / a->sw * 1000) / 1000));
        json_object_set_new(p, "y", json_real(round(a->sy / a->sw * 1000) / 1000));
        json_object_set_new(p, "w", json_real(round(a->sw * 1000) / 1000));
        json_array_append_new(a->out, p);
    }
    a->sx = a->sy = a->sw = 0;
}

static int on_video(void *ctx, const struct media_frame *f)
{
    struct act *a = ctx;
    long sec = (long)floor(f->t);
    if (sec != a->sec) {
        flush(a);
        a->sec = sec;
    }
    if (a->prev && a->w == f->width && a->h == f->height) {
        double sx = 0, sy = 0, sw = 0;
        for (int y = 0; y < f->height; y++) {
            const uint8_t *row = f->gray + (size_t)y * f->stride;
            const uint8_t *prow = a->prev + (size_t)y * f->width;
            for (int x = 0; x < f->width; x++) {
                int d = abs((int)row[x] - (int)prow[x]);
                if (d < 12) /* noise and compression shimmer */
                    continue;
                sx += d * (x + 0.5);
                sy += d * (y + 0.5);
                sw += d;
            }
        }
        double total = 255.0 * f->width * f->height;
        if (sw > 0) {
            a->sx += sx / f->width / total;
            a->sy += sy / f->height / total;
            a->sw += sw / total;
        }
    }
    if (!a->prev || a->w != f->width || a->h != f->height) {
        free(a->prev);
        a->prev = xmalloc((size_t)f->width * f->height);
        a->w = f->width;
        a->h = f->height;
    }
    for (int y = 0; y < f->height; y++)
        memcpy(a->prev + (size_t)y * f->width, f->gray + (size_t)y * f->stride, (size_t)f->width);
    return 0;
}

enum reel_code planner_activity_track(const char *path, json_t **out, struct reel_err *err)
{
    struct act a;
    memset(&a, 0, sizeof(a));
    a.sec = -1;
    a.out = json_array();
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.analysis_width = 96;
    o.on_video = on_video;
    o.ctx = &a;
    enum reel_code rc = media_decode(path, &o, err);
    flush(&a);
    free(a.prev);
    if (rc) {
        json_decref(a.out);
        return rc;
    }
    *out = a.out;
    return REEL_OK;
}
