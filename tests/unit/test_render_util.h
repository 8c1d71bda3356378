/*
 * Helpers for the render unit tests: build a struct plan by hand (with the
 * spec's defaults, as plan_decode would), make small media with ffmpeg,
 * read back facts (frame colour, frame count).
 */
#ifndef REEL_TESTS_RENDER_UTIL_H
#define REEL_TESTS_RENDER_UTIL_H

#include "render/render.h"

void rt_plan_init(struct plan *p, int w, int h, double fps);
void rt_plan_free(struct plan *p);
struct plan_op *rt_add_op(struct plan *p, enum plan_op_kind k);
struct plan_op *rt_add_cut(struct plan *p, const char *id, const char *asset, double in,
                           double out);
/* add an asset and probe it; returns 0 on success */
int rt_add_asset(struct plan *p, const char *label, const char *path);

/* ffmpeg with args (NULL-terminated), quiet; returns exit status */
int rt_ffmpeg(const char *const *args);
/* make a 320x180 30 fps clip of a solid colour with a sine tone */
int rt_make_color(const char *path, const char *color, double seconds, int freq);
/* mean RGB of a region of the frame at time t; returns 0 on success */
int rt_frame_rgb(const char *path, double t, const char *crop, int rgb[3]);
/* number of video frames (decoded count) */
long rt_frame_count(const char *path);
/* path in the unit test tmpdir (static buffer rotation: copy if kept) */
const char *rt_path(const char *name);

#endif
