/* The JSON5 reader: what the spec accepts, and hostile inputs it must refuse
 * with the right line and column. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "core/json5.h"
#include "test.h"

/* Parse and return the compact, sorted JSON, or NULL (err filled). */
static char *j5(const char *text, size_t len, struct reel_err *err)
{
    json_t *j = NULL;
    reel_err_clear(err);
    if (json5_parse(text, len, 0, "spec.json5", &j, err) != REEL_OK)
        return NULL;
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    return s;
}

static void accepts(const char *text, const char *want)
{
    struct reel_err err = REEL_ERR_INIT;
    char *got = j5(text, strlen(text), &err);
    if (!got)
        fprintf(stderr, "  refused %s: %s: %s\n", text, err.path, err.msg);
    CHECK(got != NULL);
    if (got) {
        if (strcmp(got, want))
            fprintf(stderr, "  %s -> %s, want %s\n", text, got, want);
        CHECK_STR(got, want);
    }
    free(got);
}

/* Refused with err.path == where and the message containing `what`. */
static void refuses_n(const char *text, size_t len, const char *where, const char *what)
{
    struct reel_err err = REEL_ERR_INIT;
    char *got = j5(text, len, &err);
    if (got)
        fprintf(stderr, "  accepted %s as %s\n", text, got);
    CHECK(got == NULL);
    free(got);
    if (strcmp(err.path, where) || !strstr(err.msg, what))
        fprintf(stderr, "  %s: got %s: %s; want %s: ...%s...\n", text, err.path, err.msg, where,
                what);
    CHECK_STR(err.path, where);
    CHECK(strstr(err.msg, what) != NULL);
}

static void refuses(const char *text, const char *where, const char *what)
{
    refuses_n(text, strlen(text), where, what);
}

TEST(json5_accepts_the_spec_extensions)
{
    accepts("// a comment\n{/* block\n comment */ a: 1, 'b': 'x', \"c\": [1, 2,], $d_1: null,}",
            "{\"$d_1\":null,\"a\":1,\"b\":\"x\",\"c\":[1,2]}");
    accepts("[0x1F, -0xff, +3, .5, 5., -.25e1, 1e3, 0, -0, 0.0]",
            "[31,-255,3,0.5,5.0,-2.5,1000.0,0,0,0.0]");
    accepts("'it\\'s \"q\"'", "\"it's \\\"q\\\"\"");
    accepts("\"\\x41\\u00e9\\ud83d\\ude00\\v\\q\\/\"", "\"A\xC3\xA9\xF0\x9F\x98\x80\\u000Bq/\"");
    accepts("'line \\\none, \\\r\ntwo'", "\"line one, two\"");
    accepts("\xEF\xBB\xBF\xC2\xA0{\xE2\x80\xA8k\xC3\xA9y: true}\xE3\x80\x80",
            "{\"k\xC3\xA9y\":true}");
    accepts("{\\u0061b: 1, null: 2, true: 3}", "{\"ab\":1,\"null\":2,\"true\":3}");
    accepts("'a\xE2\x80\xA8"
            "b'",
            "\"a\xE2\x80\xA8"
            "b\"");
    accepts("9223372036854775807", "9223372036854775807");
    accepts("99999999999999999999", "1e20");
    accepts("[[[]]]", "[[[]]]");
    accepts("{}", "{}");
}

TEST(json5_refuses_hostile_input_with_line_and_column)
{
    refuses("{a: 1,\n  b: }", "spec.json5:2:6", "expected a value, found '}'");
    refuses("{a: Infinity}", "spec.json5:1:5", "Infinity is valid JSON5 but has no JSON value");
    refuses("[-Infinity]", "spec.json5:1:2", "Infinity");
    refuses("[+NaN]", "spec.json5:1:2", "NaN");
    refuses("{a: 1, a: 2}", "spec.json5:1:8", "'a' appears twice");
    refuses("[01]", "spec.json5:1:2", "leading zero");
    refuses("'\\1'", "spec.json5:1:2", "not an escape");
    refuses("'\\01'", "spec.json5:1:2", "octal");
    refuses("'a\\0b'", "spec.json5:1:3", "NUL character");
    refuses("'\\u0000'", "spec.json5:1:2", "NUL character");
    refuses("'\\x0'", "spec.json5:1:2", "two hexadecimal digits");
    refuses("'\\ud800'", "spec.json5:1:2", "high surrogate");
    refuses("'\\udc00'", "spec.json5:1:2", "lone low surrogate");
    refuses("\"abc", "spec.json5:1:1", "never ends");
    refuses("'a\nb'", "spec.json5:1:3", "line end inside a string");
    refuses("/* open", "spec.json5:1:1", "never ends");
    refuses("[1] /", "spec.json5:1:5", "starts no comment");
    refuses("[1,,]", "spec.json5:1:4", "expected a value, found ','");
    refuses("{,}", "spec.json5:1:2", "expected a key");
    refuses("{a b}", "spec.json5:1:4", "':' after the key");
    refuses("[1 2]", "spec.json5:1:4", "',' or ']'");
    refuses("{'a':1 'b':2}", "spec.json5:1:8", "',' or '}'");
    refuses("[1] [2]", "spec.json5:1:5", "end of the document");
    refuses("0x", "spec.json5:1:1", "hexadecimal digits");
    refuses("0x8000000000000000", "spec.json5:1:1", "over 2^63");
    refuses("1e999", "spec.json5:1:1", "too large");
    refuses("1e", "spec.json5:1:1", "exponent needs digits");
    refuses("12abc", "spec.json5:1:3", "end of the number");
    refuses("tru", "spec.json5:1:1", "expected a value");
    refuses("truex", "spec.json5:1:1", "expected a value");
    refuses("", "spec.json5:1:1", "found the end of the input");
    refuses("{\\u0020: 1}", "spec.json5:1:2", "cannot be part of an unquoted key");
    /* columns count characters, and \r\n is one line end */
    refuses("{\r\n  'é': [1, }", "spec.json5:2:12", "expected a value");
    refuses("\xC3\xA9\xC3\xA9 x", "spec.json5:1:1", "expected a value, found 'é'");
    refuses_n("[1, \0]", 6, "spec.json5:1:5", "NUL byte");
    refuses("['\xC3\x28']", "spec.json5:1:3", "invalid UTF-8");
    refuses("['\xED\xA0\x80']", "spec.json5:1:3", "invalid UTF-8"); /* an encoded surrogate */
    refuses("['\xC0\xAF']", "spec.json5:1:3", "invalid UTF-8");     /* overlong */
}

TEST(json5_limits_depth_and_size)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < JSON5_MAX_DEPTH; i++)
        buf_addch(&b, '[');
    for (int i = 0; i < JSON5_MAX_DEPTH; i++)
        buf_addch(&b, ']');
    struct reel_err err = REEL_ERR_INIT;
    char *s = j5(b.buf, b.len, &err);
    CHECK(s != NULL);
    free(s);
    buf_reset(&b);
    for (int i = 0; i < 100000; i++)
        buf_addch(&b, '[');
    s = j5(b.buf, b.len, &err);
    CHECK(s == NULL);
    CHECK(strstr(err.msg, "nested deeper") != NULL);
    json_t *j = NULL;
    CHECK(json5_parse("[1,2,3]", 7, 3, "x", &j, &err) == REEL_ELIMIT);
    CHECK(j == NULL);
    buf_release(&b);
}

TEST(json5_file_names_a_missing_file)
{
    json_t *j = NULL;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(json5_parse_file("/nonexistent/spec.json5", 0, &j, &err) == REEL_ENOTFOUND);
    CHECK(strstr(err.path, "/nonexistent/spec.json5") != NULL);
}

/* The fuzz corpus (tests/fuzz/corpus-json5/) parses without a crash in the
 * normal build too; its seeds are valid JSON5. */
TEST(json5_fuzz_corpus_replays)
{
    DIR *d = opendir("tests/fuzz/corpus-json5");
    if (!d) {
        test_skip("run from the repository root");
        return;
    }
    struct dirent *e;
    size_t n = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof(path), "tests/fuzz/corpus-json5/%s", e->d_name);
        json_t *j = NULL;
        struct reel_err err = REEL_ERR_INIT;
        enum reel_code rc = json5_parse_file(path, 0, &j, &err);
        if (strstr(e->d_name, ".json5"))
            CHECK(rc == REEL_OK);
        json_decref(j);
        n++;
    }
    closedir(d);
    CHECK(n > 0);
}
