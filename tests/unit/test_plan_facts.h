/*
 * The facts of the assets tests/plans/ name (as tests/data/plan-media.sh
 * makes them), for tests and the fuzzer that must not probe real files.
 */
#ifndef REEL_TESTS_PLAN_FACTS_H
#define REEL_TESTS_PLAN_FACTS_H

#include <string.h>

#include "plan/plan.h"

static inline void plan_test_facts(struct plan *p)
{
    struct media_info v, s, a, l;
    memset(&v, 0, sizeof(v));
    v.kind = MEDIA_VIDEO, v.duration = 4.0, v.width = 320, v.height = 180, v.fps_num = 30;
    v.fps_den = 1, v.fps = 30, v.has_video = v.has_audio = 1, v.channels = 1;
    v.sample_rate = 48000;
    plan_set_asset_info(p, "clip", "clip.mp4", &v);
    v.duration = 3.0;
    plan_set_asset_info(p, "clip2", "clip2.mp4", &v);
    memset(&s, 0, sizeof(s));
    s.kind = MEDIA_IMAGE, s.width = 64, s.height = 32, s.has_video = s.has_alpha = 1;
    plan_set_asset_info(p, "still", "still.png", &s);
    memset(&a, 0, sizeof(a));
    a.kind = MEDIA_AUDIO, a.duration = 6.0, a.has_audio = 1, a.channels = 1, a.sample_rate = 48000;
    plan_set_asset_info(p, "music", "music.wav", &a);
    memset(&l, 0, sizeof(l));
    l.kind = MEDIA_LUT, l.lut_size = 2;
    plan_set_asset_info(p, "look", "look.cube", &l);
}

#endif
