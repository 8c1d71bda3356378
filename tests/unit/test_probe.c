/* media_probe on real-world files: measured durations, truncation, display
 * size with SAR and rotation, the JSON round trip, HDR in the renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "media/probe.h"
#include "render/render.h"
#include "test_render_util.h"
#include "test.h"
#include "core/banned.h"

TEST(media_display_size_applies_sar_then_rotation)
{
    struct media_info i;
    memset(&i, 0, sizeof(i));
    i.width = 720;
    i.height = 480;
    i.sar_num = 32;
    i.sar_den = 27;
    int w, h;
    media_display_size(&i, &w, &h);
    CHECK(w == 853 && h == 480);
    i.rotation = 90;
    media_display_size(&i, &w, &h);
    CHECK(w == 480 && h == 853);
    i.sar_num = i.sar_den = 0;
    media_display_size(&i, &w, &h);
    CHECK(w == 480 && h == 720);
}

TEST(media_info_json_round_trips_real_world_fields)
{
    struct media_info a, b;
    memset(&a, 0, sizeof(a));
    a.kind = MEDIA_IMAGE;
    a.width = 320;
    a.height = 180;
    a.sar_num = 4;
    a.sar_den = 3;
    a.rotation = 90;
    a.exif_orientation = 6;
    a.vfr = 1;
    a.start = 10.5;
    a.hdr = 1;
    snprintf(a.color_transfer, sizeof(a.color_transfer), "smpte2084");
    snprintf(a.color_primaries, sizeof(a.color_primaries), "bt2020");
    json_t *j = media_info_to_json(&a);
    CHECK(json_get_int(j, "display_width", 0) == 180);
    CHECK(json_get_int(j, "display_height", 0) == 427);
    REQUIRE(media_info_from_json(j, &b));
    CHECK(b.sar_num == 4 && b.sar_den == 3 && b.rotation == 90 && b.exif_orientation == 6);
    CHECK(b.vfr == 1 && fabs(b.start - 10.5) < 1e-9 && b.hdr == 1);
    CHECK(!strcmp(b.color_transfer, "smpte2084") && !strcmp(b.color_primaries, "bt2020"));
    json_decref(j);
}

TEST(media_probe_measures_a_duration_the_header_lacks)
{
    /* -live 1: Matroska written as a stream, no duration and no cues */
    const char *f = rt_path("live.webm");
    const char *args[] = {"-f",        "lavfi",      "-i",        "testsrc2=s=64x36:r=25:d=2",
                          "-c:v",      "libvpx-vp9", "-deadline", "realtime",
                          "-cpu-used", "8",          "-f",        "webm",
                          "-live",     "1",          f,           NULL};
    if (rt_ffmpeg(args) != 0) {
        test_skip("ffmpeg cannot write VP9 WebM");
        return;
    }
    struct media_info i;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(media_probe(f, &i, &err) == REEL_OK);
    CHECK(i.kind == MEDIA_VIDEO);
    CHECK(fabs(i.duration - 2.0) < 0.05);
}

TEST(media_probe_refuses_a_truncated_file_naming_both_lengths)
{
    const char *full = rt_path("full.mp4");
    const char *args[] = {"-f",        "lavfi",      "-i",      "testsrc2=s=64x36:r=25:d=4",
                          "-c:v",      "libx264",    "-preset", "ultrafast",
                          "-movflags", "+faststart", full,      NULL};
    REQUIRE(rt_ffmpeg(args) == 0);
    struct buf b = BUF_INIT;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(buf_read_file(&b, full, 1u << 24, &err) == REEL_OK);
    char *cut = xstrdup(rt_path("cut.mp4"));
    REQUIRE(write_file_atomic(cut, b.buf, b.len / 2, &err) == REEL_OK);
    struct media_info i;
    CHECK(media_probe(cut, &i, &err) == REEL_EINVAL);
    CHECK(strstr(err.path, "cut.mp4") != NULL);
    CHECK(strstr(err.msg, "of its stated 4.0 s: it is truncated") != NULL);
    buf_release(&b);
    free(cut);
}

/* compile a one-cut plan of `path` with the asset's HDR flag as given */
static void compile_one(const char *path, int hdr, struct render_cmd *cmd)
{
    struct plan p;
    rt_plan_init(&p, 320, 180, 30);
    REQUIRE(rt_add_asset(&p, "a", path) == 0);
    p.assets[0].info.hdr = hdr;
    snprintf(p.assets[0].info.color_transfer, sizeof(p.assets[0].info.color_transfer), "%s",
             hdr ? "smpte2084" : "");
    rt_add_cut(&p, "c", "a", 0, 1);
    struct render_opts o = RENDER_OPTS_INIT;
    o.workdir = rt_path(hdr ? "w-hdr" : "w-sdr");
    struct reel_err err = REEL_ERR_INIT;
    CHECK(render_compile(&p, &o, rt_path("hdr-out.mp4"), cmd, &err) == REEL_OK);
    rt_plan_free(&p);
}

TEST(render_tone_maps_hdr_sources_and_says_so)
{
    const char *clip = rt_path("sdr.mp4");
    REQUIRE(rt_make_color(clip, "gray", 1.5, 440) == 0);
    struct render_cmd cmd = RENDER_CMD_INIT;
    compile_one(clip, 1, &cmd);
    REQUIRE(cmd.filter_script && cmd.notes);
    CHECK(strstr(cmd.filter_script, "tonemap=tonemap=hable") != NULL);
    CHECK(strstr(cmd.notes, "sdr.mp4: HDR (smpte2084") != NULL);
    CHECK(strstr(cmd.notes, "tone-mapped to SDR BT.709") != NULL);
    render_cmd_release(&cmd);
    compile_one(clip, 0, &cmd);
    REQUIRE(cmd.filter_script && cmd.notes);
    CHECK(strstr(cmd.filter_script, "tonemap") == NULL);
    CHECK(!strcmp(cmd.notes, ""));
    render_cmd_release(&cmd);
}
