#include <stdlib.h>
#include <unistd.h>

#include "core/err.h"
#include "core/json.h"
#include "core/proc.h"
#include "core/util.h"
#include "test.h"

TEST(buf_appends_and_formats)
{
    struct buf b = BUF_INIT;
    CHECK(b.len == 0 && b.buf[0] == 0);
    buf_adds(&b, "ab");
    buf_addf(&b, "%d-%s", 42, "x");
    buf_addch(&b, '!');
    CHECK_STR(b.buf, "ab42-x!");
    for (int i = 0; i < 10000; i++)
        buf_addch(&b, 'z');
    CHECK(b.len == 7 + 10000);
    char *s = buf_detach(&b);
    CHECK(b.len == 0 && b.buf == buf_empty);
    free(s);
}

TEST(shell_quote_is_pasteable)
{
    struct argv a = ARGV_INIT;
    argv_push(&a, "ffmpeg");
    argv_push(&a, "-i");
    argv_push(&a, "it's a file.mp4");
    argv_push(&a, "");
    struct buf b = BUF_INIT;
    argv_to_shell(&b, &a);
    CHECK_STR(b.buf, "ffmpeg -i 'it'\\''s a file.mp4' ''");
    buf_release(&b);
    argv_release(&a);
}

TEST(proc_run_captures_and_reports_status)
{
    struct argv a = ARGV_INIT;
    argv_push(&a, "sh");
    argv_push(&a, "-c");
    argv_push(&a, "echo out; echo err >&2; exit 7");
    struct buf out = BUF_INIT, errb = BUF_INIT;
    int st = -1;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(proc_run(&a, &out, &errb, 0, &st, &err) == REEL_OK);
    CHECK(st == 7);
    CHECK_STR(out.buf, "out\n");
    CHECK_STR(errb.buf, "err\n");
    argv_release(&a);
    argv_push(&a, "/nonexistent/program");
    CHECK(proc_run(&a, NULL, NULL, 0, &st, &err) == REEL_ENOTFOUND);
    argv_release(&a);
    buf_release(&out);
    buf_release(&errb);
}

TEST(json_parse_reports_line_and_column)
{
    json_t *j = NULL;
    struct reel_err err = REEL_ERR_INIT;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": }\n";
    CHECK(json_parse(bad, strlen(bad), 0, "plan.json", &j, &err) == REEL_EINVAL);
    CHECK(j == NULL);
    CHECK_STR(err.path, "plan.json:3:8");
    const char *dup = "{\"a\":1,\"a\":2}";
    CHECK(json_parse(dup, strlen(dup), 0, "x", &j, &err) == REEL_EINVAL);
    const char *big = "[1,2,3]";
    CHECK(json_parse(big, strlen(big), 3, "x", &j, &err) == REEL_ELIMIT);
    CHECK(json_parse("[1]\0", 4, 0, "x", &j, &err) == REEL_EINVAL);
}

TEST(utf8_validation)
{
    CHECK(utf8_valid("h\xc3\xa9llo", 6));
    CHECK(utf8_valid("\xf0\x9f\x8e\xac", 4));
    CHECK(!utf8_valid("\xc3", 1));
    CHECK(!utf8_valid("\xc0\xaf", 2));       /* overlong */
    CHECK(!utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
    CHECK(!utf8_valid("\xff", 1));
    CHECK(utf8_len("h\xc3\xa9") == 2);
}

TEST(atomic_write_replaces_whole_file)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/atomic.txt", test_tmpdir());
    struct reel_err err = REEL_ERR_INIT;
    CHECK(write_file_atomic(path, "one", 3, &err) == REEL_OK);
    CHECK(write_file_atomic(path, "second", 6, &err) == REEL_OK);
    struct buf b = BUF_INIT;
    CHECK(buf_read_file(&b, path, 0, &err) == REEL_OK);
    CHECK_STR(b.buf, "second");
    buf_release(&b);
    CHECK(buf_read_file(&b, "/nonexistent/x", 0, &err) == REEL_ENOTFOUND);
    CHECK(write_file_atomic("/nonexistent/dir/x", "a", 1, &err) == REEL_ESYS);
}

TEST(ids_and_hashes)
{
    char h[33], u[37], s[65];
    random_hex(h, 16);
    CHECK(strlen(h) == 32);
    uuid_v4(u);
    CHECK(strlen(u) == 36 && u[14] == '4');
    sha256_hex("abc", 3, s);
    CHECK_STR(s, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
