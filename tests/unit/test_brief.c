/* The brief grammar: phrases in any order, flags that win, the words it did
 * not use, asset words resolved, and odd input that must not confuse it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/planner.h"
#include "test.h"
#include "core/banned.h"

static int parse(struct planner_brief *b, const char *text)
{
    planner_brief_init(b);
    b->text = xstrdup(text);
    struct reel_err e = REEL_ERR_INIT;
    return planner_brief_parse(b, &e);
}

/* the value of the first constraint with this key (borrowed), or NULL */
static const json_t *cons(const struct planner_brief *b, const char *key)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(b->explain, "constraints"), i, c) if (
        !strcmp(json_get_str(c, "key", ""), key)) return json_object_get(c, "value");
    return NULL;
}

static int listed(const json_t *arr, const char *field, const char *word)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        const char *s = field ? json_get_str(v, field, "") : json_string_value(v);
        if (s && !strcmp(s, word))
            return 1;
    }
    return 0;
}

TEST(brief_the_issue_example)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "a 20 second upbeat teaser of our toy shop, fast cuts on the beat, "
                      "logo top-right, end on the flower") == REEL_OK);
    CHECK_NEAR(b.duration, 20, 1e-9);
    CHECK(b.pace == PACE_FAST);
    CHECK(b.on_beat == 1);
    CHECK_STR(b.logo_position, "top-right");
    CHECK_STR(b.last_word, "flower");
    const json_t *un = json_object_get(b.explain, "unused");
    CHECK(listed(un, NULL, "teaser") && listed(un, NULL, "toy") && listed(un, NULL, "shop"));
    CHECK(!listed(un, NULL, "the") && !listed(un, NULL, "of")); /* glue words are not reported */
    planner_brief_release(&b);
}

TEST(brief_any_order_and_platforms)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "Logo bottom left. Captions! For TikTok, under a minute, calm") == REEL_OK);
    CHECK_STR(b.aspect, "9:16");
    CHECK_STR(b.logo_position, "bottom-left");
    CHECK(b.captions == 1);
    CHECK(b.pace == PACE_SLOW);
    CHECK(b.duration > 50 && b.duration < 60); /* a limit: a target below it */
    planner_brief_release(&b);
    REQUIRE(parse(&b, "for YouTube, 1 minute, no subtitles, watermark top left") == REEL_OK);
    CHECK_STR(b.aspect, "16:9");
    CHECK_NEAR(b.duration, 60, 1e-9);
    CHECK(b.captions == 0);
    CHECK_STR(b.logo_position, "top-left");
    planner_brief_release(&b);
    REQUIRE(parse(&b, "YouTube Shorts 30s") == REEL_OK);
    CHECK_STR(b.aspect, "9:16");
    CHECK_NEAR(b.duration, 30, 1e-9);
    planner_brief_release(&b);
}

TEST(brief_flags_win_and_say_so)
{
    struct planner_brief b;
    planner_brief_init(&b);
    b.text = xstrdup("a 30 second vertical cut, fast");
    b.duration = 12;
    snprintf(b.aspect, sizeof(b.aspect), "16:9");
    struct reel_err e = REEL_ERR_INIT;
    REQUIRE(planner_brief_parse(&b, &e) == REEL_OK);
    CHECK_NEAR(b.duration, 12, 1e-9);
    CHECK_STR(b.aspect, "16:9");
    CHECK(b.pace == PACE_FAST);
    const json_t *ov = json_object_get(b.explain, "overridden");
    CHECK(listed(ov, "key", "duration") && listed(ov, "key", "aspect"));
    CHECK(listed(ov, "by", "flag"));
    /* the flag's value is the constraint */
    CHECK_NEAR(json_number_value(cons(&b, "duration")), 12, 1e-9);
    planner_brief_release(&b);
}

TEST(brief_order_lists_and_negations)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "start with the beach, use only the city and the beach, no crowd or "
                      "flowers, mute the b-roll, music under the speech, black and white, "
                      "no music") == REEL_OK);
    CHECK_STR(b.first_word, "beach");
    CHECK(json_array_size(b.only_words) == 2);
    CHECK(json_array_size(b.exclude_words) == 2);
    CHECK(b.mute_broll == 1);
    CHECK(b.duck == 1);
    CHECK_STR(b.look, "bw");
    CHECK(b.no_music == 1);
    CHECK(json_array_size(json_object_get(b.explain, "unused")) == 0);
    planner_brief_release(&b);
    REQUIRE(parse(&b, "not on the beat, keep the b-roll sound, no ducking, no logo") == REEL_OK);
    CHECK(b.on_beat == 0);
    CHECK(b.mute_broll == 0);
    CHECK(b.duck == 0);
    CHECK(b.no_logo == 1);
    planner_brief_release(&b);
}

TEST(brief_title_quotes)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "title 'Spring sale', 10 s") == REEL_OK);
    CHECK_STR(b.title, "Spring sale");
    CHECK(!listed(json_object_get(b.explain, "unused"), NULL, "spring")); /* inside the title */
    planner_brief_release(&b);
    REQUIRE(parse(&b, "titled \xe2\x80\x9c\xc3\x89t\xc3\xa9 \xc3\xa0 Paris\xe2\x80\x9d") ==
            REEL_OK);
    CHECK_STR(b.title, "\xc3\x89t\xc3\xa9 \xc3\xa0 Paris");
    planner_brief_release(&b);
}

TEST(brief_asset_words_resolve_or_are_named)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "open on the flowers, end on the sunset, no crowd") == REEL_OK);
    struct planner_asset as[3];
    memset(as, 0, sizeof(as));
    as[0].label = "flower_540p";
    as[0].path = "/m/flower_540p.mp4";
    as[0].probe.kind = MEDIA_VIDEO;
    as[1].label = "clip2";
    as[1].path = "/m/Crowd Scene.mov";
    as[1].probe.kind = MEDIA_VIDEO;
    as[2].label = "music";
    as[2].path = "/m/sunset.mp3"; /* audio is never a shot */
    as[2].probe.kind = MEDIA_AUDIO;
    planner_brief_resolve(&b, as, 3);
    CHECK_STR(b.first_asset, "flower_540p"); /* a plural, a word of the label */
    CHECK(b.last_asset == NULL);
    CHECK(listed(json_object_get(b.explain, "unresolved"), "word", "sunset"));
    CHECK(json_array_size(b.exclude_assets) == 1 &&
          !strcmp(json_string_value(json_array_get(b.exclude_assets, 0)), "clip2")); /* file name */
    CHECK_STR(json_string_value(cons(&b, "first_asset")), "flower_540p");
    CHECK(cons(&b, "last_asset") == NULL);
    planner_brief_release(&b);
}

TEST(brief_odd_input)
{
    struct planner_brief b;
    REQUIRE(parse(&b, "") == REEL_OK);
    CHECK(b.duration == 0 && !b.aspect[0]);
    planner_brief_release(&b);
    REQUIRE(parse(&b, ",,, ;;; --- !!!") == REEL_OK);
    CHECK(json_array_size(json_object_get(b.explain, "constraints")) == 0);
    planner_brief_release(&b);
    /* numbers that are not durations, a huge one, zero, a reel that is not Instagram */
    /* adjectives that are also platform words: "short" is not YouTube Shorts */
    REQUIRE(parse(&b, "a short teaser of the talk, our customer stories") == REEL_OK);
    CHECK(!b.aspect[0]);
    planner_brief_release(&b);
    REQUIRE(parse(&b, "a highlight reel of 3 clips, 0 s, 99999 seconds") == REEL_OK);
    CHECK(b.duration == 0);
    CHECK(!b.aspect[0]);
    planner_brief_release(&b);
    /* invalid UTF-8 and a brief over the size cap are refused */
    planner_brief_init(&b);
    b.text = xstrdup("fast \xff\xfe cut");
    struct reel_err e = REEL_ERR_INIT;
    CHECK(planner_brief_parse(&b, &e) == REEL_EINVAL);
    planner_brief_release(&b);
    char *big = xmalloc(9001);
    memset(big, 'a', 9000);
    big[9000] = 0;
    planner_brief_init(&b);
    b.text = big;
    CHECK(planner_brief_parse(&b, &e) == REEL_EINVAL);
    planner_brief_release(&b);
    /* a long word, quotes that never close */
    char w[300];
    memset(w, 'x', 299);
    w[299] = 0;
    REQUIRE(parse(&b, w) == REEL_OK);
    planner_brief_release(&b);
    REQUIRE(parse(&b, "title \"never closed, 10 s") == REEL_OK);
    CHECK(b.title == NULL);
    CHECK_NEAR(b.duration, 10, 1e-9);
    planner_brief_release(&b);
}
