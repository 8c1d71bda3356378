/* The transcript model, its renderings, the answer parsers and the chunk planner. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "core/proc.h"
#include "core/util.h"
#include "transcribe/internal.h"
#include "transcribe/transcribe.h"
#include "test.h"

static void sample(struct transcript *t)
{
    transcript_init(t);
    snprintf(t->engine, sizeof(t->engine), "test");
    t->duration = 6.0;
    transcript_add_word(t, 0.5, 0.8, "so", 0.9);
    transcript_add_word(t, 0.9, 1.1, "Um,", 0.5);
    transcript_add_word(t, 1.2, 1.4, "the", 0.8);
    transcript_add_word(t, 1.45, 1.6, "the", 0.7);
    transcript_add_word(t, 1.6, 2.0, "plan", 0.95);
    /* a long pause, then the rest; added out of order on purpose */
    transcript_add_word(t, 3.6, 3.9, "works", 1.2);
    transcript_add_word(t, 3.0, 3.5, "that", 0.9);
    transcript_add_word(t, 3.5, 3.6, "that", 0.9);
}

TEST(transcript_marks_fillers_repeats_and_pauses)
{
    struct transcript t;
    sample(&t);
    transcript_finish(&t, 0);
    REQUIRE(t.words.n == 8);
    for (size_t i = 1; i < t.words.n; i++)
        CHECK(t.words.v[i].start >= t.words.v[i - 1].start);
    CHECK_STR(t.words.v[1].word, "Um,");
    CHECK(t.words.v[1].filler && !t.words.v[1].repeat);
    CHECK(!t.words.v[2].filler);
    CHECK(t.words.v[3].filler && t.words.v[3].repeat); /* "the the" */
    CHECK(!t.words.v[4].filler);
    CHECK_STR(t.words.v[6].word, "that");
    CHECK(!t.words.v[6].filler); /* "that that" is often meant */
    CHECK_STR(t.words.v[7].word, "works");
    CHECK(t.words.v[7].confidence == 1.0); /* clamped */
    /* pauses over 0.7 s: 0..0.5? no (0.5); 2.0..3.0 yes; 3.9..6.0 yes */
    REQUIRE(t.pauses.n == 2);
    CHECK_NEAR(t.pauses.v[0].start, 2.0, 1e-9);
    CHECK_NEAR(t.pauses.v[0].end, 3.0, 1e-9);
    CHECK_NEAR(t.pauses.v[1].start, 3.9, 1e-9);
    CHECK_NEAR(t.pauses.v[1].end, 6.0, 1e-9);
    /* segments split at the pause */
    REQUIRE(t.segments.n == 2);
    CHECK_STR(t.segments.v[0].text, "so Um, the the plan");
    CHECK_STR(t.segments.v[1].text, "that that works");
    CHECK_NEAR(t.segments.v[1].start, 3.0, 1e-9);
    transcript_release(&t);

    /* a lower threshold finds the short gaps too */
    sample(&t);
    transcript_finish(&t, 0.15);
    CHECK(t.pauses.n == 3); /* 0-0.5, 2.0-3.0, 3.9-6.0 and none of 0.1 s */
    CHECK(t.pauses.n && t.pauses.v[0].start == 0 && t.pauses.v[0].end == 0.5);
    transcript_release(&t);
}

TEST(transcript_fillers_are_conservative)
{
    CHECK(transcript_is_filler("um"));
    CHECK(transcript_is_filler("Uh..."));
    CHECK(transcript_is_filler("HMM"));
    CHECK(transcript_is_filler("er,"));
    CHECK(!transcript_is_filler("like"));
    CHECK(!transcript_is_filler("so"));
    CHECK(!transcript_is_filler("umbrella"));
    CHECK(!transcript_is_filler(""));
}

TEST(transcript_json_round_trip)
{
    struct transcript t, u;
    sample(&t);
    transcript_finish(&t, 0);
    json_t *j = transcript_to_json(&t);
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 0);
    CHECK(strstr(b.buf, "\"words\":[{\"confidence\":0.9,\"end\":0.8,\"filler\":false,"
                        "\"repeat\":false,\"start\":0.5,\"word\":\"so\"}") != NULL);
    CHECK(strstr(b.buf, "\"pauses\":[{\"end\":3.0,\"start\":2.0}") != NULL);
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(transcript_from_json(j, &u, &err) == REEL_OK);
    CHECK(u.words.n == t.words.n && u.segments.n == t.segments.n && u.pauses.n == t.pauses.n);
    CHECK_STR(u.engine, "test");
    CHECK(u.words.v[3].filler && u.words.v[3].repeat);
    json_t *k = transcript_to_json(&u);
    CHECK(json_equal(j, k));
    json_decref(k);
    json_decref(j);
    transcript_release(&u);

    /* bad shapes name where */
    json_t *bad = NULL;
    const char *doc = "{\"words\":[{\"start\":1,\"end\":2,\"word\":\"a\"},{\"start\":3,\"end\":2,"
                      "\"word\":\"b\"}]}";
    REQUIRE(json_parse(doc, strlen(doc), 0, "t", &bad, NULL) == REEL_OK);
    CHECK(transcript_from_json(bad, &u, &err) == REEL_EINVAL);
    CHECK_STR(err.path, "$.words[1]");
    CHECK(u.words.n == 0);
    json_decref(bad);
    buf_release(&b);
    transcript_release(&t);
}

TEST(transcript_keeps_only_speech)
{
    struct transcript t, u;
    sample(&t);
    transcript_add_word(&t, 4.2, 6.0, "moon", 0.99); /* 1.8 s: no spoken word is that long */
    transcript_finish(&t, 0);
    /* speech heard 0.4..2.1 and 3.4..4.0: "that" at 3.0..3.5 is mostly outside, "that"
     * at 3.5..3.6 and "works" inside */
    const double sp[][2] = {{0.4, 2.1}, {3.4, 4.0}};
    CHECK(transcript_keep_speech(&t, sp, 2, 0) == 2);
    REQUIRE(t.words.n == 7);
    CHECK_STR(t.words.v[5].word, "that");
    CHECK_NEAR(t.words.v[5].start, 3.5, 1e-9);
    REQUIRE(t.not_speech.n == 2);
    CHECK(t.not_speech.v[0].not_speech == TR_NS_NOISE && t.not_speech.v[0].start == 3.0);
    CHECK(t.not_speech.v[1].not_speech == TR_NS_LONG);
    CHECK_STR(t.not_speech.v[1].word, "moon");
    /* the segments and pauses are those of the words kept */
    REQUIRE(t.segments.n == 2);
    CHECK_STR(t.segments.v[1].text, "that works");
    CHECK_NEAR(t.pauses.v[t.pauses.n - 1].start, 3.9, 1e-9);
    /* and they survive the JSON */
    json_t *j = transcript_to_json(&t);
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(transcript_from_json(j, &u, &err) == REEL_OK);
    CHECK(u.speech_checked && u.not_speech.n == 2 && u.words.n == 7);
    CHECK(u.not_speech.v[1].not_speech == TR_NS_LONG);
    json_t *k = transcript_to_json(&u);
    CHECK(json_equal(j, k));
    CHECK_STR(json_get_str(json_array_get(json_object_get(k, "not_speech"), 0), "why", ""),
              "no speech there");
    json_decref(k);
    json_decref(j);
    transcript_release(&u);
    transcript_release(&t);

    /* no speech at all: nothing is kept; a script's words are the user's and stay */
    sample(&t);
    transcript_finish(&t, 0);
    CHECK(transcript_keep_speech(&t, NULL, 0, 0) == 8 && t.words.n == 0 && t.segments.n == 0);
    transcript_release(&t);
    sample(&t);
    t.from_script = 1;
    transcript_finish(&t, 0);
    CHECK(transcript_keep_speech(&t, NULL, 0, 0) == 0 && t.words.n == 8);
    transcript_release(&t);
}

TEST(transcript_srt_and_vtt)
{
    struct transcript t;
    transcript_init(&t);
    transcript_add_segment(&t, 0.25, 1.5, " Hello <world> & you ");
    transcript_add_segment(&t, 3661.0049, 3662.9996, "later");
    struct buf b = BUF_INIT;
    transcript_to_srt(&t, &b);
    CHECK_STR(b.buf, "1\n00:00:00,250 --> 00:00:01,500\nHello <world> & you\n\n"
                     "2\n01:01:01,005 --> 01:01:03,000\nlater\n\n");
    buf_reset(&b);
    transcript_to_vtt(&t, &b);
    CHECK_STR(b.buf, "WEBVTT\n\n00:00:00.250 --> 00:00:01.500\nHello &lt;world&gt; &amp; you\n\n"
                     "01:01:01.005 --> 01:01:03.000\nlater\n\n");
    buf_reset(&b);
    transcript_to_text(&t, &b);
    CHECK_STR(b.buf, "[00:00.250 --> 00:01.500] Hello <world> & you\n"
                     "[01:01:01.005 --> 01:01:03.000] later\n");
    buf_release(&b);
    transcript_release(&t);
}

static void parse_file(const char *name, double offset, struct transcript *t, enum reel_code want)
{
    char *path = xasprintf("tests/data/transcribe/%s", name);
    struct buf b = BUF_INIT;
    struct reel_err err = REEL_ERR_INIT;
    transcript_init(t);
    if (buf_read_file(&b, path, 0, &err) != REEL_OK) {
        test_fail(__FILE__, __LINE__, path);
    } else {
        enum reel_code rc = transcribe_parse_response(b.buf, b.len, offset, t, &err);
        if (rc != want) {
            fprintf(stderr, "    %s: %s\n", name, err.msg);
            test_fail(__FILE__, __LINE__, "parse result");
        }
    }
    transcript_finish(t, 0);
    buf_release(&b);
    free(path);
}

/* Every recorded shape says the same thing: 7 words, "um" a filler, in English. */
TEST(transcribe_parses_each_server_shape)
{
    static const char *const files[] = {"openai.json", "faster_whisper.json", "whispercpp.json",
                                        "whispercpp_tokens.json"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        struct transcript t;
        parse_file(files[i], 10.0, &t, REEL_OK);
        CHECK_STR(t.language, "en");
        if (t.words.n != 7) {
            fprintf(stderr, "    %s: %zu words\n", files[i], t.words.n);
            CHECK(t.words.n == 7);
            transcript_release(&t);
            continue;
        }
        CHECK(!strncmp(t.words.v[0].word, "Hello", 5));
        CHECK_NEAR(t.words.v[0].start, 10.0, 1e-6);
        CHECK_NEAR(t.words.v[1].end, 10.9, 0.021);
        CHECK(t.words.v[2].filler);
        CHECK(!strncmp(t.words.v[6].word, "test", 4));
        CHECK_NEAR(t.words.v[6].end, 13.1, 1e-6);
        CHECK(t.words.v[2].confidence > 0 && t.words.v[2].confidence <= 1);
        CHECK(t.segments.n >= 1);
        CHECK_NEAR(t.segments.v[0].start, 10.0, 1e-6);
        CHECK(!strncmp(t.segments.v[0].text, "Hello world", 11)); /* trimmed */
        /* 1.5 .. 2.3 is a pause of 0.8 s */
        CHECK(t.pauses.n >= 1 && fabs(t.pauses.v[t.pauses.n - 1].start - 11.5) < 0.03);
        transcript_release(&t);
    }
}

TEST(transcribe_parse_rejects_bad_answers)
{
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    const char *cases[] = {"not json {", "[1,2]", "{\"text\": \"no times here\"}", "{}"};
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        transcript_init(&t);
        CHECK(transcribe_parse_response(cases[i], strlen(cases[i]), 0, &t, &err) == REEL_EINVAL);
        CHECK(err.msg[0] != 0);
        transcript_release(&t);
    }
    CHECK(strstr(err.msg, "neither words nor segments") != NULL);
    /* silence: an empty text is not an error */
    transcript_init(&t);
    const char *empty = "{\"text\": \"\", \"segments\": []}";
    CHECK(transcribe_parse_response(empty, strlen(empty), 0, &t, &err) == REEL_OK);
    CHECK(t.words.n == 0);
    /* segments without word times: words spread over the segment */
    const char *segs = "{\"segments\":[{\"start\":1,\"end\":2,\"text\":\" ab cd\"}]}";
    CHECK(transcribe_parse_response(segs, strlen(segs), 0, &t, &err) == REEL_OK);
    REQUIRE(t.words.n == 2);
    CHECK_NEAR(t.words.v[0].start, 1.0, 1e-9);
    CHECK_NEAR(t.words.v[1].start, 1.5, 1e-9);
    CHECK_NEAR(t.words.v[1].end, 2.0, 1e-9);
    transcript_release(&t);
}

TEST(transcribe_endpoint_and_redaction)
{
    static const char *const cases[][2] = {
        {"http://h:8000", "http://h:8000/v1/audio/transcriptions"},
        {"http://h:8000/", "http://h:8000/v1/audio/transcriptions"},
        {"https://api.openai.com/v1", "https://api.openai.com/v1/audio/transcriptions"},
        {"https://api.openai.com/v1/", "https://api.openai.com/v1/audio/transcriptions"},
        {"http://h/v1/audio/transcriptions", "http://h/v1/audio/transcriptions"},
        {"http://h:8080/inference", "http://h:8080/inference"},
        {"http://h/proxy/openai", "http://h/proxy/openai/v1/audio/transcriptions"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char *e = tr_http_endpoint(cases[i][0]);
        CHECK_STR(e, cases[i][1]);
        free(e);
    }
    char s[64] = "key sk-123 and sk-123!";
    tr_redact(s, sizeof(s), "sk-123");
    CHECK_STR(s, "key [redacted] and [redacted]!");
    tr_redact(s, sizeof(s), "");
    CHECK_STR(s, "key [redacted] and [redacted]!");
    char tiny[12] = "ab sk-1 cd";
    tr_redact(tiny, sizeof(tiny), "sk-1");
    CHECK(strstr(tiny, "sk-1") == NULL && strlen(tiny) < sizeof(tiny));
}

TEST(transcribe_chunks_cut_in_silence)
{
    /* 100 s: noise-like tone everywhere except quiet gaps of 0.5 s at 17, 38, 61, 79 s */
    size_t n = 100 * TRANSCRIBE_RATE;
    int16_t *pcm = xmalloc(n * sizeof(*pcm));
    const double gaps[] = {17, 38, 61, 79};
    for (size_t i = 0; i < n; i++) {
        double t = (double)i / TRANSCRIBE_RATE;
        int quiet = 0;
        for (size_t g = 0; g < ARRAY_SIZE(gaps); g++)
            quiet |= t >= gaps[g] && t < gaps[g] + 0.5;
        pcm[i] = quiet ? (int16_t)(i % 3) : (int16_t)(8000 * sin(i * 0.3) + 3000 * sin(i * 0.017));
    }
    struct tr_chunk *c = NULL;
    size_t k = tr_plan_chunks(pcm, n, 20, &c);
    REQUIRE(k == 5);
    CHECK(c[0].start == 0 && c[k - 1].end == n);
    for (size_t i = 0; i < k; i++) {
        CHECK(c[i].end > c[i].start);
        if (i)
            CHECK(c[i].start == c[i - 1].end);
    }
    for (size_t i = 0; i + 1 < k; i++) {
        double cut = (double)c[i].end / TRANSCRIBE_RATE;
        CHECK(cut >= gaps[i] && cut <= gaps[i] + 0.5);
    }
    free(c);
    /* short sound: one chunk */
    k = tr_plan_chunks(pcm, 20 * TRANSCRIBE_RATE, 30, &c);
    CHECK(k == 1 && c[0].start == 0 && c[0].end == 20u * TRANSCRIBE_RATE);
    free(c);
    k = tr_plan_chunks(pcm, 0, 30, &c);
    CHECK(k == 1 && c[0].end == 0);
    free(c);
    free(pcm);
}

TEST(transcribe_wav_header)
{
    int16_t s[3] = {1, -2, 32767};
    struct buf b = BUF_INIT;
    tr_wav_encode(s, 3, &b);
    REQUIRE(b.len == 44 + 6);
    CHECK(!memcmp(b.buf, "RIFF", 4) && !memcmp(b.buf + 8, "WAVEfmt ", 8));
    CHECK(!memcmp(b.buf + 36, "data", 4));
    const unsigned char *u = (const unsigned char *)b.buf;
    CHECK(u[24] == 0x80 && u[25] == 0x3e); /* 16000 */
    CHECK(u[40] == 6);
    CHECK(u[44] == 1 && u[45] == 0 && u[46] == 0xfe && u[47] == 0xff);
    buf_release(&b);
}

TEST(transcribe_short_sound_and_foreign_language_offline)
{
    int16_t quiet[3200] = {0}; /* 0.2 s */
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    /* under 0.1 s: empty, and no engine runs (this URL would fail) */
    o.url = "http://127.0.0.1:1";
    CHECK(transcribe_pcm(quiet, 800, &o, &t, &err) == REEL_OK);
    CHECK(t.words.n == 0 && t.duration == 0.05);
    CHECK_STR(t.engine, "http");
    transcript_release(&t);
    /* the offline engine knows only English */
    o.url = NULL;
    o.language = "de";
    CHECK(transcribe_pcm(quiet, ARRAY_SIZE(quiet), &o, &t, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "only English") != NULL);
    transcript_release(&t);
}

/* REEL_POCKETSPHINX_ARGS: settings for the recogniser, never the model's files. */
TEST(transcribe_sphinx_args)
{
    struct argv a = ARGV_INIT;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(tr_sphinx_args_parse(NULL, &a, &err) == REEL_OK && a.n == 0);
    CHECK(tr_sphinx_args_parse(" \t\n", &a, &err) == REEL_OK && a.n == 0);
    REQUIRE(tr_sphinx_args_parse("  -lw 8\t-beam 1e-60 -fwdflat no -maxhmmpf -1 -cmn batch ", &a,
                                 &err) == REEL_OK);
    REQUIRE(a.n == 10 && a.v[10] == NULL);
    CHECK_STR(a.v[0], "-lw");
    CHECK_STR(a.v[1], "8");
    CHECK_STR(a.v[3], "1e-60");
    CHECK_STR(a.v[7], "-1");
    CHECK_STR(a.v[9], "batch");
    argv_release(&a);

    static const struct {
        const char *text, *says;
    } bad[] = {
        {"-hmm /tmp/model", "'-hmm' is set by reel"},
        {"-lw 8 -dict x.dict", "'-dict' is set by reel"},
        {"-lm x.lm", "'-lm' is set by reel"},
        {"-samprate 8000", "'-samprate' is set by reel"},
        {"-remove_silence yes", "'-remove_silence' is set by reel"},
        {"-frate 50", "'-frate' is set by reel"},
        {"-fsg g.fsg", "'-fsg' takes a file"},
        {"-logfn /tmp/log", "'-logfn' takes a file"},
        {"-keyphrase hello", "'-keyphrase' takes a file"},
        {"-bogus 1", "no flag '-bogus'"},
        {"lw 8", "'lw' is not a flag"},
        {"-lw", "'-lw' has no value"},
        {"-lw 8 -beam", "'-beam' has no value"},
        {"-lw abc", "'-lw abc' is not a valid value"},
        {"-lw 1e999", "'-lw 1e999' is not a valid value"},
        {"-maxhmmpf 1.5", "'-maxhmmpf 1.5' is not a valid value"},
        {"-fwdflat maybe", "'-fwdflat maybe' is not a valid value"},
        {"-cmn sometimes", "'-cmn sometimes' is not a valid value"},
        {"-cmninit 40,x", "'-cmninit 40,x' is not a valid value"},
        {"-lw 8 -lw 9", "'-lw' is given twice"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct reel_err e = REEL_ERR_INIT;
        argv_push(&a, "kept");
        CHECK(tr_sphinx_args_parse(bad[i].text, &a, &e) == REEL_EINVAL);
        CHECK_STR(e.path, "REEL_POCKETSPHINX_ARGS");
        if (!strstr(e.msg, bad[i].says))
            fprintf(stderr, "    '%s': %s\n", bad[i].text, e.msg);
        CHECK(strstr(e.msg, bad[i].says) != NULL);
        CHECK(a.n == 1); /* unchanged on error */
        argv_release(&a);
    }
}
