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

/* Every operation in one plan, with sources that need conforming: the
 * graph must be accepted by ffmpeg and the output have the exact length. */
TEST(render_every_op_together)
{
    const char *clip = rt_path("odd.mp4"), *mute = rt_path("mute.mp4"), *logo = rt_path("logo.png");
    const char *music = rt_path("music.wav"), *lut = rt_path("look.cube"),
               *still = rt_path("still.jpg");
    REQUIRE(rt_ffmpeg((const char *const[]){
                "-f",      "lavfi",     "-i",        "testsrc2=s=400x300:r=25:d=3",
                "-f",      "lavfi",     "-i",        "sine=f=300:r=44100:d=3",
                "-ac",     "1",         "-c:v",      "libx264",
                "-preset", "ultrafast", "-pix_fmt",  "yuv420p",
                "-c:a",    "aac",       "-shortest", clip,
                NULL}) == 0);
    REQUIRE(rt_ffmpeg((const char *const[]){"-f", "lavfi", "-i", "testsrc2=s=180x320:r=24:d=2",
                                            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
                                            "yuv420p", mute, NULL}) == 0);
    REQUIRE(rt_ffmpeg((const char *const[]){"-f", "lavfi", "-i",
                                            "color=c=yellow@0.5:s=64x32,format=rgba", "-frames:v",
                                            "1", logo, NULL}) == 0);
    REQUIRE(rt_ffmpeg((const char *const[]){"-f", "lavfi", "-i", "color=c=green:s=640x360",
                                            "-frames:v", "1", still, NULL}) == 0);
    REQUIRE(rt_ffmpeg((const char *const[]){"-f", "lavfi", "-i", "sine=f=600:r=44100:d=1.3", music,
                                            NULL}) == 0);
    {
        struct buf b = BUF_INIT;
        buf_adds(&b, "LUT_3D_SIZE 2\n");
        for (int i = 0; i < 8; i++)
            buf_addf(&b, "%d %d %d\n", (i & 1), (i >> 1) & 1, (i >> 2) & 1);
        REQUIRE(write_file_atomic(lut, b.buf, b.len, NULL) == REEL_OK);
        buf_release(&b);
    }
    struct plan p;
    rt_plan_init(&p, 320, 180, 29.97);
    p.output.loudness_set = 1;
    REQUIRE(rt_add_asset(&p, "clip", clip) == 0);
    REQUIRE(rt_add_asset(&p, "mute", mute) == 0);
    REQUIRE(rt_add_asset(&p, "logo", logo) == 0);
    REQUIRE(rt_add_asset(&p, "music", music) == 0);
    REQUIRE(rt_add_asset(&p, "look", lut) == 0);
    REQUIRE(rt_add_asset(&p, "still", still) == 0);
    struct plan_op *op = rt_add_cut(&p, "c1", "clip", 0.5, 1.5);
    op->speed = 0.25;
    op->volume_db = -6;
    op = rt_add_op(&p, OP_TRANSITION);
    op->after = xstrdup("c1");
    op->transition = TR_CIRCLE_OPEN;
    op->duration = 0.4;
    op = rt_add_cut(&p, "c2", "mute", 0, 2);
    op->fit = FIT_CONTAIN;
    op->speed = 4;
    op = rt_add_cut(&p, "c3", "still", 0, -1);
    op->out = -1;
    op->duration = 1;
    op->focus_x = 0.1;
    op = rt_add_cut(&p, "c4", "clip", 2, 3);
    op->mute = 1;
    op->fit = FIT_STRETCH;
    op = rt_add_op(&p, OP_OVERLAY);
    op->asset = xstrdup("logo");
    op->position.anchor = POS_TOP_RIGHT;
    op->width = 0.2;
    op->opacity = 0.5;
    op->start = 0.5;
    op = rt_add_op(&p, OP_OVERLAY);
    op->asset = xstrdup("clip");
    op->position.anchor = POS_XY;
    op->position.x = 0.25;
    op->position.y = 0.75;
    op->width = 0.3;
    op->in = 1;
    op->start = 1;
    op->end = 2;
    op->audio = 1;
    op = rt_add_op(&p, OP_TEXT);
    op->text = xstrdup("It's \"100%\" {x}: a;b,c [d] =$e\\ \n2nd line \xF0\x9F\x98\x80 "
                       "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D");
    op->style.box = (struct plan_color){1, 0, 0, 128, 200};
    op->position.anchor = POS_TOP;
    op = rt_add_op(&p, OP_CAPTIONS);
    op->source_transcript = 0;
    op->ncues = 2;
    op->cues = xcalloc(2, sizeof(*op->cues));
    op->cues[0] = (struct plan_cue){
        0.2, 1.8, xstrdup("A first caption that is long enough to wrap over two lines {\\b1}")};
    op->cues[1] = (struct plan_cue){2.0, 3.0, xstrdup("second")};
    op->style.highlight = (struct plan_color){1, 255, 255, 0, 255};
    op = rt_add_op(&p, OP_CAPTIONS);
    op->source_transcript = 1;
    op->position.anchor = POS_TOP;
    op->style.highlight = (struct plan_color){1, 255, 255, 0, 255};
    op = rt_add_op(&p, OP_AUDIO);
    op->asset = xstrdup("music");
    op->loop = 1;
    op->fade_in = 0.5;
    op->fade_out = 1;
    op->duck = 1;
    op->volume_db = -3;
    op = rt_add_op(&p, OP_COLOR);
    op->start = 1;
    op->end = 3;
    op->saturation = 0;
    op->brightness = 0.1;
    op->lut = xstrdup("look");
    op = rt_add_op(&p, OP_FADE);
    op->fade_out_kind = 0;
    op = rt_add_op(&p, OP_FADE);
    op->fade_out_kind = 1;
    op->duration = 1;

    json_t *tr = NULL;
    const char *tj = "{\"clip\":{\"words\":[{\"start\":0.6,\"end\":0.8,\"word\":\"hello\"},"
                     "{\"start\":0.9,\"end\":1.2,\"word\":\"world.\"},"
                     "{\"start\":2.1,\"end\":2.5,\"word\":\"again\"}]}}";
    REQUIRE(json_parse(tj, strlen(tj), 0, "t", &tr, NULL) == REEL_OK);
    struct render_opts o = RENDER_OPTS_INIT;
    o.threads = 2;
    o.transcripts = tr;
    struct render_result res;
    render_result_init(&res);
    struct reel_err err = REEL_ERR_INIT;
    const char *out = rt_path("everything.mp4");
    enum reel_code rc = render_plan(&p, &o, out, NULL, NULL, NULL, &res, &err);
    if (rc)
        fprintf(stderr, "%s\n%s\n%s\n", err.msg, res.final.shell ? res.final.shell : "",
                res.final.filter_script ? res.final.filter_script : res.measure.filter_script);
    CHECK(rc == REEL_OK);
    /* 4 s of c1 at 0.25x + 0.5 s + 1 s + 1 s - 0.4 s transition */
    long expect = 120 + 15 + 30 + 30 - 12;
    CHECK(res.frames == expect);
    CHECK(rt_frame_count(out) == expect);
    CHECK(res.loudness.set);
    if (getenv("RT_KEEP")) {
        fprintf(stderr, "%s\n%s\n", res.final.shell, res.final.filter_script);
        struct argv a = ARGV_INIT;
        argv_pushv(&a, (const char *const[]){"cp", out, getenv("RT_KEEP"), NULL});
        proc_run(&a, NULL, NULL, 0, NULL, NULL);
        argv_release(&a);
    }
    json_decref(tr);
    render_result_release(&res);
    rt_plan_free(&p);
}

/* render_caption_cues gives what the render burns: plan cues kept to the
 * timeline, a cue cut down to a flash at the end left out, transcript words
 * mapped through the cuts. */
TEST(render_caption_cues_as_burned)
{
    const char *clip = rt_path("cues-clip.mp4");
    REQUIRE(rt_make_color(clip, "blue", 4, 440) == 0);
    struct plan p;
    rt_plan_init(&p, 320, 180, 30);
    REQUIRE(rt_add_asset(&p, "clip", clip) == 0);
    rt_add_cut(&p, "c1", "clip", 1, 3); /* timeline 0..2 s = source 1..3 s */
    struct plan_op *op = rt_add_op(&p, OP_CAPTIONS);
    op->ncues = 3;
    op->cues = xcalloc(3, sizeof(*op->cues));
    op->cues[0] = (struct plan_cue){0.1, 1.0, xstrdup("kept whole")};
    op->cues[1] = (struct plan_cue){1.2, 3.0, xstrdup("clipped to 0.8 s")};
    op->cues[2] = (struct plan_cue){1.9, 2.5, xstrdup("a flash")};
    op = rt_add_op(&p, OP_CAPTIONS);
    op->source_transcript = 1;
    json_t *tr = NULL;
    const char *tj = "{\"clip\":{\"words\":[{\"start\":0.2,\"end\":0.5,\"word\":\"before\"},"
                     "{\"start\":1.5,\"end\":1.9,\"word\":\"inside\"}]}}";
    REQUIRE(json_parse(tj, strlen(tj), 0, "t", &tr, NULL) == REEL_OK);
    json_t *cues = NULL;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(render_caption_cues(&p, tr, &cues, &err) == REEL_OK);
    REQUIRE(json_array_size(cues) == 3);
    CHECK_STR(json_get_str(json_array_get(cues, 0), "text", ""), "kept whole");
    CHECK_STR(json_get_str(json_array_get(cues, 1), "text", ""), "clipped to 0.8 s");
    CHECK_NEAR(json_get_num(json_array_get(cues, 1), "end", 0), 2.0, 1e-6);
    /* the transcript's word at source 1.5 s is at timeline 0.5 s; "before" is cut away */
    const json_t *w = json_array_get(cues, 2);
    CHECK_STR(json_get_str(w, "text", ""), "inside");
    CHECK(json_get_int(w, "op", -1) == 2);
    CHECK_NEAR(json_get_num(w, "start", 0), 0.5, 0.05);
    /* its words with their timeline times; a plan cue has none */
    const json_t *ws = json_object_get(w, "words");
    REQUIRE(json_array_size(ws) == 1);
    CHECK_STR(json_get_str(json_array_get(ws, 0), "word", ""), "inside");
    CHECK_NEAR(json_get_num(json_array_get(ws, 0), "end", 0), 0.9, 0.05);
    CHECK(json_object_get(json_array_get(cues, 0), "words") == NULL);
    json_decref(cues);
    json_decref(tr);
    rt_plan_free(&p);
}
