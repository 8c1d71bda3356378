/* Renderer pieces without ffmpeg: escaping, captions layout, progress and
 * loudness parsing, error lines, the frame view against plan_timeline. */
#include <stdlib.h>
#include <string.h>

#include "render/internal.h"
#include "test.h"
#include "test_render_util.h"
#include "core/banned.h"

/* Undo one av_get_token level (quotes and backslashes) up to a delimiter,
 * as FFmpeg's parser does, to check that escaping round-trips. */
static char *unescape_level(const char *s, const char *delims, const char **rest)
{
    struct buf b = BUF_INIT;
    int q = 0;
    for (; *s; s++) {
        if (!q && strchr(delims, *s))
            break;
        if (!q && *s == '\\' && s[1]) {
            buf_addch(&b, *++s);
        } else if (*s == '\'') {
            q = !q;
        } else {
            buf_addch(&b, *s);
        }
    }
    if (rest)
        *rest = s;
    return buf_detach(&b);
}

TEST(render_escape_round_trips_through_both_levels)
{
    const char *hostile[] = {
        "plain", "it's",   "a:b=c",       "[x];y,z",   "back\\slash",
        "'''",   "%{pts}", "$HOME \"q\"", "new\nline", "\xD7\xA9\xD7\x9C \xF0\x9F\x98\x80",
        ""};
    for (size_t i = 0; i < ARRAY_SIZE(hostile); i++) {
        struct buf g = BUF_INIT;
        buf_adds(&g, "drawtext=textfile=");
        render_escape_value(&g, hostile[i]);
        buf_adds(&g, ":x=1,null");
        /* graph level: the filter's argument string ends at the ',' */
        const char *rest;
        char *args = unescape_level(g.buf + strlen("drawtext="), "[],;", &rest);
        CHECK(*rest == ',');
        /* option level: the value ends at the next ':' */
        const char *v = args + strlen("textfile=");
        char *val = unescape_level(v, ":=", &rest);
        CHECK_STR(val, hostile[i]);
        CHECK_STR(rest, ":x=1");
        free(val);
        free(args);
        buf_release(&g);
    }
}

TEST(render_captions_wrap_lines)
{
    struct buf b = BUF_INIT;
    CHECK(captions_wrap("A much longer caption that has to wrap", 24, &b) == 2);
    CHECK_STR(b.buf, "A much longer caption\nthat has to wrap");
    buf_reset(&b);
    CHECK(captions_wrap("short", 42, &b) == 1);
    CHECK_STR(b.buf, "short");
    buf_reset(&b);
    /* explicit newlines are kept, over-long words are split */
    CHECK(captions_wrap("one\ntwo abcdefghij", 4, &b) == 5);
    CHECK_STR(b.buf, "one\ntwo\nabcd\nefgh\nij");
    buf_reset(&b);
    /* code points, not bytes: 5 Hebrew letters fit in 5 */
    CHECK(captions_wrap("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\xD7\x90 x", 5, &b) == 2);
    buf_release(&b);
}

TEST(render_ass_escape_keeps_text_literal)
{
    struct buf b = BUF_INIT;
    ass_escape(&b, "{\\b1}a\\Nb\nc}");
    /* braces escaped, a word joiner after each backslash, newline as \N */
    CHECK_STR(b.buf, "\\{\\\xE2\x81\xA0"
                     "b1\\}a\\\xE2\x81\xA0"
                     "Nb\\Nc\\}");
    buf_release(&b);
}

TEST(render_captions_ass_pages_and_karaoke)
{
    struct plan p;
    rt_plan_init(&p, 320, 180, 30);
    struct plan_op *op = rt_add_op(&p, OP_CAPTIONS);
    op->style.max_chars_per_line = 10;
    op->style.max_lines = 1;
    op->style.highlight = (struct plan_color){1, 255, 255, 0, 255};
    struct cap_list cues = {0};
    struct cap_cue *q = xcalloc(1, sizeof(*q));
    cues.v = q;
    cues.n = cues.cap = 1;
    q->start = 1;
    q->end = 3;
    q->text = xstrdup("alpha beta gamma");
    q->nwords = 3;
    q->words = xcalloc(3, sizeof(*q->words));
    q->words[0] = (struct cap_word){1.0, 1.4, xstrdup("alpha"), 1.0, 0};
    q->words[1] = (struct cap_word){1.5, 1.9, xstrdup("beta"), 1.0, 0};
    q->words[2] = (struct cap_word){2.2, 2.8, xstrdup("gamma"), 1.0, 0};
    struct buf ass = BUF_INIT;
    captions_write_ass(op, &cues, 320, 180, &ass);
    /* one line per page: "alpha beta" then "gamma"; each word highlighted in turn */
    CHECK(strstr(ass.buf, "PlayResX: 320") != NULL);
    CHECK(
        strstr(
            ass.buf,
            "Dialogue: 0,0:00:01.00,0:00:01.50,Default,,0,0,0,,{\\1c&H00FFFF&\\1a&H00&}alpha{\\r} "
            "beta\n") != NULL);
    CHECK(
        strstr(ass.buf,
               "0:00:01.50,0:00:02.20,Default,,0,0,0,,alpha {\\1c&H00FFFF&\\1a&H00&}beta{\\r}\n") !=
        NULL);
    CHECK(strstr(ass.buf,
                 "0:00:02.20,0:00:03.00,Default,,0,0,0,,{\\1c&H00FFFF&\\1a&H00&}gamma{\\r}\n") !=
          NULL);
    /* title-safe margins: 5% of 320 and of 180 */
    CHECK(strstr(ass.buf, ",2,16,16,9,1\n") != NULL);
    buf_release(&ass);
    cap_list_release(&cues);
    rt_plan_free(&p);
}

static int nevents;
static struct render_progress last;
static void on_pr(const struct render_progress *pr, void *ud)
{
    (void)ud;
    nevents++;
    last = *pr;
}

TEST(render_progress_parses_blocks_split_anywhere)
{
    const char *txt =
        "frame=30\nfps=29.5\nout_time_us=1000000\nout_time=00:00:01.000000\n"
        "speed=2.00x\nprogress=continue\nframe=60\nout_time_us=N/A\nspeed=N/A\n"
        "progress=continue\nframe=90\nout_time_us=3000000\nspeed=1.5x\nprogress=end\n";
    struct progress_parser pp;
    memset(&pp, 0, sizeof(pp));
    buf_init(&pp.line);
    pp.expected = 4;
    nevents = 0;
    size_t len = strlen(txt);
    for (size_t i = 0; i < len; i += 7) /* feed in awkward chunks */
        progress_feed(&pp, txt + i, len - i < 7 ? len - i : 7, on_pr, NULL);
    CHECK(nevents == 3);
    CHECK(last.frame == 90);
    CHECK_NEAR(last.out_time, 3, 1e-9);
    CHECK_NEAR(last.speed, 1.5, 1e-9);
    CHECK(last.done);
    CHECK_NEAR(last.percent, 100, 1e-9);
    buf_release(&pp.line);
    /* percent and ETA mid-way */
    memset(&pp, 0, sizeof(pp));
    buf_init(&pp.line);
    pp.expected = 10;
    const char *mid = "out_time_us=2500000\nspeed=0.5x\nprogress=continue\n";
    progress_feed(&pp, mid, strlen(mid), on_pr, NULL);
    CHECK_NEAR(last.percent, 25, 1e-9);
    CHECK_NEAR(last.eta_s, 15, 1e-9);
    CHECK(!last.done);
    buf_release(&pp.line);
}

TEST(render_loudness_parse)
{
    const char *log = "[Parsed_loudnorm_9 @ 0x1] [info] \n{\n\t\"input_i\" : \"-21.43\",\n"
                      "\t\"input_tp\" : \"-16.09\",\n\t\"input_lra\" : \"4.10\",\n"
                      "\t\"input_thresh\" : \"-31.72\",\n\t\"output_i\" : \"-14.2\",\n"
                      "\t\"target_offset\" : \"1.04\"\n}\n";
    struct render_loudness L;
    CHECK(loudness_parse(log, &L) == 1);
    CHECK(L.set);
    CHECK_NEAR(L.input_i, -21.43, 1e-9);
    CHECK_NEAR(L.input_tp, -16.09, 1e-9);
    CHECK_NEAR(L.input_lra, 4.10, 1e-9);
    CHECK_NEAR(L.input_thresh, -31.72, 1e-9);
    CHECK_NEAR(L.target_offset, 1.04, 1e-9);
    /* silence measures -inf: nothing to normalise */
    const char *sil = "{\"input_i\" : \"-inf\", \"input_tp\" : \"-inf\", \"input_lra\" : \"0.00\","
                      " \"input_thresh\" : \"-inf\", \"target_offset\" : \"inf\"}";
    CHECK(loudness_parse(sil, &L) == 0);
    CHECK(loudness_parse("no json here", &L) == 0);
}

TEST(render_stderr_relevant_lines)
{
    struct buf b = BUF_INIT;
    stderr_relevant("ffmpeg version 5\n[info] Input #0\n[error] first\n[info] x\n[fatal] second\n",
                    &b);
    CHECK_STR(b.buf, "[error] first\n[fatal] second");
    buf_reset(&b);
    stderr_relevant("line 1\nline 2\n", &b);
    CHECK_STR(b.buf, "line 1\nline 2");
    buf_release(&b);
}

/* The compiler's frame view must agree with plan_timeline (the plan
 * module's, used by validation and evaluation). */
TEST(render_frame_view_matches_plan_timeline)
{
    struct plan p;
    rt_plan_init(&p, 320, 180, 29.97);
    struct media_info mi;
    memset(&mi, 0, sizeof(mi));
    mi.kind = MEDIA_VIDEO;
    mi.duration = 100;
    mi.width = 320;
    mi.height = 180;
    mi.has_video = mi.has_audio = 1;
    plan_set_asset_info(&p, "v", "v.mp4", &mi);
    mi.kind = MEDIA_IMAGE;
    mi.duration = 0;
    plan_set_asset_info(&p, "i", "i.png", &mi);
    struct plan_op *op = rt_add_cut(&p, "a", "v", 1.01, 3.337);
    op->speed = 1.7;
    op = rt_add_op(&p, OP_TRANSITION);
    op->after = xstrdup("a");
    op->duration = 0.43;
    op = rt_add_cut(&p, "b", "i", -1, -1);
    op->in = -1;
    op->duration = 2.21;
    op = rt_add_cut(&p, "c", "v", 10.5, 12.25);
    op->speed = 0.3;
    op = rt_add_op(&p, OP_TEXT);
    op->start = 1.234;
    op->end = 4.567;
    op = rt_add_op(&p, OP_FADE);
    op->fade_out_kind = 1;
    op->duration = 0.77;
    p.output.fps_num = 30000;
    p.output.fps_den = 1001;
    struct rtl t;
    struct plan_timeline tl;
    REQUIRE(rtl_build(&p, &t, NULL) == REEL_OK);
    REQUIRE(plan_timeline(&p, &tl, NULL) == REEL_OK);
    CHECK(t.total == tl.total_frames);
    for (size_t i = 0; i < p.nops; i++) {
        CHECK(t.spans[i].start == tl.spans[i].start_frame);
        CHECK(t.spans[i].end == tl.spans[i].end_frame);
    }
    rtl_release(&t);
    plan_timeline_release(&tl);
    rt_plan_free(&p);
}

TEST(render_compile_refuses_unprobed_assets)
{
    struct plan p;
    rt_plan_init(&p, 320, 180, 30);
    rt_add_cut(&p, "a", "nothere", 0, 1);
    struct render_cmd cmd = RENDER_CMD_INIT;
    struct reel_err err = REEL_ERR_INIT;
    struct render_opts o = RENDER_OPTS_INIT;
    o.workdir = rt_path("w-unprobed");
    CHECK(render_compile(&p, &o, rt_path("x.mp4"), &cmd, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "nothere") != NULL);
    rt_plan_free(&p);
}
