/* Renderer: compile and run hand-built plans, check facts of the output. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "test_render_util.h"
#include "core/banned.h"

static int near(int a, int b, int tol)
{
    return abs(a - b) <= tol;
}

TEST(render_two_cuts_crossfade)
{
    const char *red = rt_path("red.mp4"), *blue = rt_path("blue.mp4");
    REQUIRE(rt_make_color(red, "red", 2, 440) == 0);
    REQUIRE(rt_make_color(blue, "blue", 2, 880) == 0);
    struct plan p;
    rt_plan_init(&p, 320, 180, 30);
    REQUIRE(rt_add_asset(&p, "red", red) == 0);
    REQUIRE(rt_add_asset(&p, "blue", blue) == 0);
    rt_add_cut(&p, "a", "red", 0, 1.5);
    struct plan_op *t = rt_add_op(&p, OP_TRANSITION);
    t->after = xstrdup("a");
    t->duration = 0.5;
    rt_add_cut(&p, "b", "blue", 0, 1.5);
    struct render_opts o = RENDER_OPTS_INIT;
    o.threads = 2;
    struct render_result res;
    render_result_init(&res);
    struct reel_err err = REEL_ERR_INIT;
    const char *out = rt_path("xfade.mp4");
    enum reel_code rc = render_plan(&p, &o, out, NULL, NULL, NULL, &res, &err);
    if (rc)
        fprintf(stderr, "%s\n%s\n", err.msg, res.final.filter_script);
    CHECK(rc == REEL_OK);
    CHECK(res.frames == 75);
    CHECK(rt_frame_count(out) == 75);
    int rgb[3];
    REQUIRE(rt_frame_rgb(out, 0.2, NULL, rgb) == 0);
    CHECK(rgb[0] > 200 && rgb[2] < 60);
    REQUIRE(rt_frame_rgb(out, 2.3, NULL, rgb) == 0);
    CHECK(rgb[2] > 200 && rgb[0] < 60);
    /* midpoint of the crossfade (1.0 .. 1.5): half red, half blue */
    REQUIRE(rt_frame_rgb(out, 1.25, NULL, rgb) == 0);
    CHECK(near(rgb[0], rgb[2], 40) && rgb[0] > 80);
    render_result_release(&res);
    rt_plan_free(&p);
}
