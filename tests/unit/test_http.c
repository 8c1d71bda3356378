/*
 * API tests against `reel serve`'s server started in-process on a free
 * loopback port, with libcurl as the client, on SQLite and (when
 * REEL_TEST_PG_URL is set) PostgreSQL.
 */
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/proc.h"
#include "core/util.h"
#include "http/http.h"
#include "store/store.h"
#include "store_harness.h"
#include "test.h"
#include "core/banned.h"

struct resp {
    long status;
    struct buf body, hdr;
};

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    buf_add(ctx, p, sz * n);
    return sz * n;
}

static void resp_release(struct resp *r)
{
    buf_release(&r->body);
    buf_release(&r->hdr);
}

static int port_;

static long req(const char *method, const char *path, const char *key, const char *ctype,
                const char *body, const char *extra, curl_mime *mime, struct resp *out)
{
    CURL *c = curl_easy_init();
    char url[600];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port_, path);
    buf_init(&out->body);
    buf_init(&out->hdr);
    struct curl_slist *h = NULL;
    char auth[128], ct[128];
    if (key) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
        h = curl_slist_append(h, auth);
    }
    if (ctype) {
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype);
        h = curl_slist_append(h, ct);
    }
    if (extra)
        h = curl_slist_append(h, extra);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->hdr);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (mime)
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    out->status = 0;
    CURLcode cc = curl_easy_perform(c);
    if (cc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    else
        fprintf(stderr, "req %s %s: %s\n", method, path, curl_easy_strerror(cc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return out->status;
}

/* Status of a request, body dropped. */
static long st_of(const char *method, const char *path, const char *key, const char *body)
{
    struct resp r;
    long s = req(method, path, key, body ? "application/json" : NULL, body, NULL, NULL, &r);
    resp_release(&r);
    return s;
}

static json_t *body_json(const struct resp *r)
{
    return json_loadb(r->body.buf, r->body.len, 0, NULL);
}

static void make_clip(const char *path)
{
    static const char *const args[] = {
        "ffmpeg",   "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=160x90:d=2:r=10",
        "-pix_fmt", "yuv420p",   NULL};
    struct argv a = ARGV_INIT;
    argv_pushv(&a, args);
    argv_push(&a, path);
    struct buf o = BUF_INIT, e = BUF_INIT;
    proc_run(&a, &o, &e, 1 << 16, NULL, NULL);
    buf_release(&o);
    buf_release(&e);
    argv_release(&a);
}

#define USER_A "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
#define USER_B "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

struct sse_ctx {
    struct buf b;
    const char *want;
};
static size_t on_sse(char *p, size_t sz, size_t n, void *ctx)
{
    struct sse_ctx *x = ctx;
    buf_add(&x->b, p, sz * n);
    return strstr(x->b.buf, x->want) ? 0 : sz * n; /* stop once seen */
}

static void api_suite(struct store *s, const char *url)
{
    char dir[512], root[600], data[600], clip[700], outside[700], link[700];
    snprintf(dir, sizeof(dir), "%s/http-%d-%ld", test_tmpdir(), getpid(), (long)now_wall_ms());
    snprintf(root, sizeof(root), "%s/root", dir);
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(clip, sizeof(clip), "%s/clip.mp4", root);
    snprintf(outside, sizeof(outside), "%s/secret.mp4", dir);
    snprintf(link, sizeof(link), "%s/link.mp4", root);
    REQUIRE(!mkdir_p(root, NULL) && !mkdir_p(data, NULL));
    make_clip(clip);
    struct stat sb;
    REQUIRE(stat(clip, &sb) == 0);
    write_file_atomic(outside, "secret", 6, NULL);
    REQUIRE(symlink(outside, link) == 0);

    struct http_opts o = {0};
    o.listen = "127.0.0.1:0";
    o.database_url = url;
    o.data_dir = data;
    o.asset_roots = root;
    o.max_upload = 200000;
    o.rate = 1000;
    struct http_server *srv = NULL;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(http_server_start(&o, &srv, &err) == REEL_OK);
    port_ = http_server_port(srv);
    CHECK(port_ > 0);

    char ka[HTTP_KEY_LEN], kb[HTTP_KEY_LEN], kadm[HTTP_KEY_LEN], kid[37], kbid[37];
    REQUIRE(!http_key_create(s, USER_A, 0, ka, kid, &err));
    REQUIRE(!http_key_create(s, USER_B, 0, kb, kbid, &err));
    REQUIRE(!http_key_create(s, USER_A, 1, kadm, NULL, &err));
    char tmpkey[HTTP_KEY_LEN];
    CHECK(http_key_create(s, "not-a-uuid", 0, tmpkey, NULL, &err) == REEL_EINVAL);

    /* access */
    CHECK(st_of("GET", "/api/health", NULL, NULL) == 200);
    CHECK(st_of("GET", "/api/jobs", NULL, NULL) == 401);
    CHECK(st_of("GET", "/api/jobs", "reel_000000000000_00000000000000000000000000000000", NULL) ==
          401);
    char wrong[HTTP_KEY_LEN];
    snprintf(wrong, sizeof(wrong), "%s", ka);
    wrong[40] = wrong[40] == 'a' ? 'b' : 'a';
    CHECK(st_of("GET", "/api/jobs", wrong, NULL) == 401);
    CHECK(st_of("GET", "/api/jobs", "garbage", NULL) == 401);
    CHECK(st_of("GET", "/api/jobs", ka, NULL) == 200);
    CHECK(st_of("GET", "/openapi.json", NULL, NULL) == 200);
    CHECK(st_of("GET", "/", NULL, NULL) == 200);

    /* bad bodies */
    struct resp r;
    CHECK(st_of("POST", "/api/jobs", ka, "{\"brief\": ") == 400);
    CHECK(st_of("POST", "/api/jobs", ka, "[1]") == 400);
    req("POST", "/api/jobs", ka, "application/json", "{\"brief\":\"x\",\"colour\":1}", NULL, NULL,
        &r);
    CHECK(r.status == 422);
    CHECK(strstr(r.body.buf, "$.colour") != NULL);
    resp_release(&r);
    CHECK(st_of("POST", "/api/jobs", ka, "{\"title\":\"no brief\"}") == 422);
    CHECK(st_of("POST", "/api/jobs", ka, "{\"brief\":\"\"}") == 422);
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"path\":\"a\",\"zzz\":1}]}") == 422);
    {
        struct resp r2;
        req("POST", "/api/jobs", ka, "text/plain", "hello", NULL, NULL, &r2);
        CHECK(r2.status == 415);
        resp_release(&r2);
    }
    /* path traversal and confinement */
    char body[2048];
    snprintf(body, sizeof(body), "{\"brief\":\"x\",\"assets\":[{\"path\":\"%s/../secret.mp4\"}]}",
             root);
    CHECK(st_of("POST", "/api/jobs", ka, body) == 422);
    snprintf(body, sizeof(body), "{\"brief\":\"x\",\"assets\":[{\"path\":\"%s\"}]}", outside);
    CHECK(st_of("POST", "/api/jobs", ka, body) == 422);
    snprintf(body, sizeof(body), "{\"brief\":\"x\",\"assets\":[{\"path\":\"%s\"}]}", link);
    CHECK(st_of("POST", "/api/jobs", ka, body) == 422);
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"path\":\"/etc/passwd\"}]}") == 422);
    /* SSRF: loopback, private, metadata addresses */
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"url\":\"http://127.0.0.1:1/a.mp4\"}]}") == 422);
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"url\":\"http://169.254.169.254/latest\"}]}") ==
          422);
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"url\":\"http://[::1]/a.mp4\"}]}") == 422);
    CHECK(st_of("POST", "/api/jobs", ka,
                "{\"brief\":\"x\",\"assets\":[{\"url\":\"file:///etc/passwd\"}]}") == 422);

    /* a job from a referenced file */
    snprintf(body, sizeof(body),
             "{\"brief\":\"a quick cut\",\"assets\":[{\"path\":\"%s\",\"label\":\"clip\"}]}", clip);
    req("POST", "/api/jobs", ka, "application/json", body, NULL, NULL, &r);
    CHECK(r.status == 201);
    json_t *j = body_json(&r);
    resp_release(&r);
    REQUIRE(j);
    char job[37];
    snprintf(job, sizeof(job), "%s", json_get_str(j, "id", ""));
    CHECK_STR(json_get_str(j, "status", ""), "pending");
    CHECK_STR(json_get_str(j, "user_id", ""), USER_A);
    json_decref(j);
    char p[256];
    snprintf(p, sizeof(p), "/api/jobs/%s", job);
    CHECK(st_of("GET", p, ka, NULL) == 200);
    CHECK(st_of("GET", p, kb, NULL) == 404); /* someone else's job */
    CHECK(st_of("GET", p, kadm, NULL) == 200);
    CHECK(st_of("GET", "/api/jobs/00000000-0000-4000-8000-000000000000", ka, NULL) == 404);
    CHECK(st_of("GET", "/api/jobs/..%2F..%2Fetc", ka, NULL) == 404);
    req("GET", "/api/jobs", kb, NULL, NULL, NULL, NULL, &r);
    CHECK(r.status == 200 && !strcmp(r.body.buf, "[]\n"));
    resp_release(&r);
    req("GET", "/api/jobs", ka, NULL, NULL, NULL, NULL, &r);
    j = body_json(&r);
    CHECK(json_array_size(j) == 1);
    json_decref(j);
    resp_release(&r);
    snprintf(p, sizeof(p), "/api/jobs/%s/assets", job);
    req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
    j = body_json(&r);
    CHECK(r.status == 200 && json_array_size(j) == 1);
    CHECK_STR(json_get_str(json_array_get(j, 0), "label", ""), "clip");
    json_decref(j);
    resp_release(&r);
    snprintf(p, sizeof(p), "/api/jobs/%s/cancel", job);
    CHECK(st_of("POST", p, kb, NULL) == 404);

    /* plans: invalid -> 422 with issues, valid -> version 1, 2 */
    snprintf(p, sizeof(p), "/api/jobs/%s/plans", job);
    req("POST", p, ka, "application/json",
        "{\"schema\":\"reel.editplan/1\",\"assets\":{\"clip\":\"clip.mp4\"},"
        "\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":99}]}",
        NULL, NULL, &r);
    CHECK(r.status == 422);
    CHECK(strstr(r.body.buf, "\"issues\"") != NULL);
    resp_release(&r);
    CHECK(st_of("POST", p, ka, "{not json") == 400);
    const char *good = "{\"schema\":\"reel.editplan/1\",\"assets\":{\"clip\":\"clip.mp4\"},"
                       "\"operations\":[{\"op\":\"cut\",\"asset\":\"clip\",\"in\":0,\"out\":1}]}";
    req("POST", p, ka, "application/json", good, NULL, NULL, &r);
    CHECK(r.status == 201);
    j = body_json(&r);
    CHECK(json_get_int(j, "version", 0) == 1);
    json_decref(j);
    resp_release(&r);
    req("POST", p, ka, "application/json", good, NULL, NULL, &r);
    j = body_json(&r);
    CHECK(r.status == 201 && json_get_int(j, "version", 0) == 2);
    json_decref(j);
    resp_release(&r);
    CHECK(st_of("POST", p, kb, good) == 404);
    req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
    j = body_json(&r);
    CHECK(json_array_size(j) == 2);
    json_decref(j);
    resp_release(&r);
    snprintf(p, sizeof(p), "/api/jobs/%s/plans/2", job);
    CHECK(st_of("GET", p, ka, NULL) == 200);
    snprintf(p, sizeof(p), "/api/jobs/%s/plans/7", job);
    CHECK(st_of("GET", p, ka, NULL) == 404);
    snprintf(p, sizeof(p), "/api/jobs/%s/trace", job);
    CHECK(st_of("GET", p, ka, NULL) == 200);
    snprintf(p, sizeof(p), "/api/jobs/%s/report", job);
    CHECK(st_of("GET", p, ka, NULL) == 404);

    /* renders with ranges */
    char rpath[700];
    snprintf(rpath, sizeof(rpath), "%s/render.bin", dir);
    char bytes[1000];
    for (int i = 0; i < 1000; i++)
        bytes[i] = (char)('a' + i % 26);
    write_file_atomic(rpath, bytes, sizeof(bytes), NULL);
    json_t *rep = json_pack("{s:f}", "overall", 0.7);
    struct store_render_new nr = {job, rpath, 1, NULL, 0.7, rep};
    char rid[37];
    REQUIRE(!store_render_add(s, &nr, rid, &err));
    json_decref(rep);
    snprintf(p, sizeof(p), "/api/jobs/%s/renders/%s/file", job, rid);
    req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
    CHECK(r.status == 200 && r.body.len == 1000);
    resp_release(&r);
    req("GET", p, ka, NULL, NULL, "Range: bytes=10-19", NULL, &r);
    CHECK(r.status == 206 && r.body.len == 10 && !memcmp(r.body.buf, bytes + 10, 10));
    CHECK(strstr(r.hdr.buf, "Content-Range: bytes 10-19/1000") != NULL);
    resp_release(&r);
    req("GET", p, ka, NULL, NULL, "Range: bytes=-5", NULL, &r);
    CHECK(r.status == 206 && r.body.len == 5 && !memcmp(r.body.buf, bytes + 995, 5));
    resp_release(&r);
    req("GET", p, ka, NULL, NULL, "Range: bytes=990-", NULL, &r);
    CHECK(r.status == 206 && r.body.len == 10);
    resp_release(&r);
    req("GET", p, ka, NULL, NULL, "Range: bytes=5000-6000", NULL, &r);
    CHECK(r.status == 416);
    CHECK(strstr(r.hdr.buf, "Content-Range: bytes */1000") != NULL);
    resp_release(&r);
    CHECK(st_of("GET", p, kb, NULL) == 404);
    snprintf(p, sizeof(p), "/api/jobs/%s/renders/00000000-0000-4000-8000-000000000000/file", job);
    CHECK(st_of("GET", p, ka, NULL) == 404);
    snprintf(p, sizeof(p), "/api/jobs/%s/report", job);
    req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
    CHECK(r.status == 200 && strstr(r.body.buf, "\"overall\"") != NULL);
    resp_release(&r);
    snprintf(p, sizeof(p), "/api/jobs/%s", job);
    req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
    j = body_json(&r);
    CHECK_NEAR(json_get_num(j, "score", -1), 0.7, 1e-6);
    json_decref(j);
    resp_release(&r);

    /* live events: a status change made through the store reaches the stream */
    {
        snprintf(p, sizeof(p), "http://127.0.0.1:%d/api/jobs/%s/events?key=%s", port_, job, ka);
        CURL *c = curl_easy_init();
        struct sse_ctx x = {BUF_INIT, "cancelled via the API"};
        curl_easy_setopt(c, CURLOPT_URL, p);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sse);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        /* cancel first through the API, the stream must replay and then
         * show the live retry */
        snprintf(body, sizeof(body), "/api/jobs/%s/cancel", job);
        CHECK(st_of("POST", body, ka, NULL) == 200);
        CHECK(st_of("POST", body, ka, NULL) == 409);
        curl_easy_perform(c);
        CHECK(strstr(x.b.buf, "\"kind\":\"created\"") != NULL);
        CHECK(strstr(x.b.buf, "cancelled via the API") != NULL);
        buf_release(&x.b);
        curl_easy_cleanup(c);
    }
    snprintf(p, sizeof(p), "/api/jobs/%s/retry", job);
    req("POST", p, ka, NULL, NULL, NULL, NULL, &r);
    CHECK(r.status == 200 && strstr(r.body.buf, "\"pending\"") != NULL);
    resp_release(&r);
    CHECK(st_of("POST", p, ka, NULL) == 409);
    snprintf(p, sizeof(p), "/api/jobs/%s/events", job);
    CHECK(st_of("GET", p, kb, NULL) == 404);

    /* uploads: streamed to the media store; oversize -> 413 */
    curl_mime *m = NULL;
    {
        CURL *c = curl_easy_init();
        m = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(m);
        curl_mime_name(part, "brief");
        curl_mime_data(part, "an uploaded edit", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "files");
        curl_mime_filedata(part, clip);
        curl_mime_filename(part, "../../evil name.mp4");
        req("POST", "/api/jobs", ka, NULL, NULL, NULL, m, &r);
        CHECK(r.status == 201);
        j = body_json(&r);
        const char *ap = json_string_value(
            json_array_get(json_object_get(json_object_get(j, "brief"), "assets"), 0));
        CHECK(ap && starts_with(ap, data) && !strstr(ap, ".."));
        struct stat s2;
        CHECK(ap && stat(ap, &s2) == 0 && s2.st_size == sb.st_size);
        /* the label comes from the name the client gave, not the stored file's */
        const json_t *in0 =
            json_array_get(json_object_get(json_object_get(j, "brief"), "inputs"), 0);
        CHECK_STR(json_get_str(in0, "label", ""), "evil_name");
        json_decref(j);
        resp_release(&r);
        curl_mime_free(m);
        curl_easy_cleanup(c);
    }
    {
        char big[700];
        snprintf(big, sizeof(big), "%s/big.bin", dir);
        char *zeros = xcalloc(1, 300000);
        write_file_atomic(big, zeros, 300000, NULL);
        free(zeros);
        CURL *c = curl_easy_init();
        m = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(m);
        curl_mime_name(part, "brief");
        curl_mime_data(part, "too big", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "files");
        curl_mime_filedata(part, big);
        req("POST", "/api/jobs", ka, NULL, NULL, NULL, m, &r);
        CHECK(r.status == 413);
        resp_release(&r);
        curl_mime_free(m);
        /* chunked (no Content-Length): caught while streaming */
        m = curl_mime_init(c);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "brief");
        curl_mime_data(part, "too big", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "files");
        curl_mime_filedata(part, big);
        req("POST", "/api/jobs", ka, NULL, NULL, "Transfer-Encoding: chunked", m, &r);
        CHECK(r.status == 413);
        resp_release(&r);
        curl_mime_free(m);
        curl_easy_cleanup(c);
        /* a form field we do not know */
        c = curl_easy_init();
        m = curl_mime_init(c);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "brief");
        curl_mime_data(part, "x", CURL_ZERO_TERMINATED);
        part = curl_mime_addpart(m);
        curl_mime_name(part, "owner");
        curl_mime_data(part, USER_B, CURL_ZERO_TERMINATED);
        req("POST", "/api/jobs", ka, NULL, NULL, NULL, m, &r);
        CHECK(r.status == 422);
        resp_release(&r);
        curl_mime_free(m);
        curl_easy_cleanup(c);
    }
    /* JSON body over 1 MiB */
    {
        char *huge = xcalloc(1, (1u << 20) + 100);
        memset(huge, ' ', (1u << 20) + 50);
        huge[0] = '{';
        huge[(1u << 20) + 49] = '}';
        CHECK(st_of("POST", "/api/jobs", ka, huge) == 413);
        free(huge);
    }
    /* contact sheets and thumbnails: only files under the data directory */
    {
        struct store_asset_list al = {0};
        REQUIRE(!store_asset_list(s, job, &al, &err) && al.n == 1);
        char sheet[700];
        snprintf(sheet, sizeof(sheet), "%s/sheet.png", data);
        write_file_atomic(sheet, "PNGDATA", 7, NULL);
        json_t *md = json_pack("{s:{s:s, s:[{s:s}, {s:s}]}}", "analysis", "contact_sheet", sheet,
                               "shots", "thumbnail", sheet, "thumbnail", outside);
        REQUIRE(!store_asset_set_metadata(s, al.v[0].id, md, &err));
        json_decref(md);
        snprintf(p, sizeof(p), "/api/assets/%s/contact-sheet", al.v[0].id);
        req("GET", p, ka, NULL, NULL, NULL, NULL, &r);
        CHECK(r.status == 200 && r.body.len == 7 && !memcmp(r.body.buf, "PNGDATA", 7));
        CHECK(strstr(r.hdr.buf, "image/png") != NULL);
        resp_release(&r);
        CHECK(st_of("GET", p, kb, NULL) == 404);
        snprintf(p, sizeof(p), "/api/assets/%s/thumbnails/0", al.v[0].id);
        CHECK(st_of("GET", p, ka, NULL) == 200);
        snprintf(p, sizeof(p), "/api/assets/%s/thumbnails/1", al.v[0].id);
        CHECK(st_of("GET", p, ka, NULL) == 404); /* outside the data directory */
        snprintf(p, sizeof(p), "/api/assets/%s/thumbnails/2", al.v[0].id);
        CHECK(st_of("GET", p, ka, NULL) == 404);
        store_asset_list_release(&al);
    }

    /* revoked key (verified keys are cached for 5 s: a fresh server below) */
    REQUIRE(!http_key_revoke(s, kbid, &err));
    CHECK(http_key_revoke(s, kbid, &err) == REEL_ENOTFOUND);

    http_server_stop(srv);

    /* rate limits: a tiny bucket */
    o.rate = 1;
    o.burst = 2;
    REQUIRE(http_server_start(&o, &srv, &err) == REEL_OK);
    port_ = http_server_port(srv);
    CHECK(st_of("GET", "/api/jobs", kb, NULL) == 401);
    CHECK(st_of("GET", "/api/jobs", ka, NULL) == 200);
    CHECK(st_of("GET", "/api/jobs", ka, NULL) == 200);
    req("GET", "/api/jobs", ka, NULL, NULL, NULL, NULL, &r);
    CHECK(r.status == 429);
    CHECK(strstr(r.hdr.buf, "Retry-After: ") != NULL);
    resp_release(&r);
    CHECK(st_of("GET", "/api/jobs", kadm, NULL) == 200); /* per key */
    http_server_stop(srv);

    /* URL assets when private addresses are allowed: downloaded into the
     * media store (here from the server itself) */
    o.rate = 1000;
    o.burst = 0;
    o.allow_private_urls = 1;
    REQUIRE(http_server_start(&o, &srv, &err) == REEL_OK);
    port_ = http_server_port(srv);
    snprintf(
        body, sizeof(body),
        "{\"brief\":\"from a URL\",\"assets\":[{\"url\":\"http://127.0.0.1:%d/openapi.json\"}]}",
        port_);
    req("POST", "/api/jobs", ka, "application/json", body, NULL, NULL, &r);
    CHECK(r.status == 201);
    j = body_json(&r);
    const char *fp = json_string_value(
        json_array_get(json_object_get(json_object_get(j, "brief"), "assets"), 0));
    struct buf fb = BUF_INIT;
    CHECK(fp && starts_with(fp, data) && !buf_read_file(&fb, fp, 0, NULL) &&
          strstr(fb.buf, "\"openapi\""));
    buf_release(&fb);
    json_decref(j);
    resp_release(&r);
    snprintf(body, sizeof(body),
             "{\"brief\":\"x\",\"assets\":[{\"url\":\"http://127.0.0.1:%d/nothing-here\"}]}",
             port_);
    CHECK(st_of("POST", "/api/jobs", ka, body) == 502);
    http_server_stop(srv);
}

BOTH(http_api)
{
    api_suite(s, url);
}

TEST(http_range_parse_cases)
{
    uint64_t a = 0, b = 0;
    CHECK(http_range_parse(NULL, 100, &a, &b) == 1);
    CHECK(http_range_parse("bytes=0-9", 100, &a, &b) == 0 && a == 0 && b == 9);
    CHECK(http_range_parse("bytes=90-", 100, &a, &b) == 0 && a == 90 && b == 99);
    CHECK(http_range_parse("bytes=90-500", 100, &a, &b) == 0 && b == 99);
    CHECK(http_range_parse("bytes=-10", 100, &a, &b) == 0 && a == 90 && b == 99);
    CHECK(http_range_parse("bytes=-1000", 100, &a, &b) == 0 && a == 0);
    CHECK(http_range_parse("bytes=100-", 100, &a, &b) == -1);
    CHECK(http_range_parse("bytes=-0", 100, &a, &b) == -1);
    CHECK(http_range_parse("bytes=5-2", 100, &a, &b) == 1);
    CHECK(http_range_parse("bytes=0-1,5-6", 100, &a, &b) == 1);
    CHECK(http_range_parse("items=0-1", 100, &a, &b) == 1);
    CHECK(http_range_parse("bytes=x-1", 100, &a, &b) == 1);
}

static int pub4(const char *s)
{
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, s, &a.sin_addr);
    return http_addr_public(&a);
}
static int pub6(const char *s)
{
    struct sockaddr_in6 a = {0};
    a.sin6_family = AF_INET6;
    inet_pton(AF_INET6, s, &a.sin6_addr);
    return http_addr_public(&a);
}

TEST(http_addr_public_cases)
{
    CHECK(pub4("8.8.8.8"));
    CHECK(pub4("93.184.216.34"));
    CHECK(!pub4("127.0.0.1"));
    CHECK(!pub4("10.1.2.3"));
    CHECK(!pub4("172.16.0.1"));
    CHECK(!pub4("172.31.255.255"));
    CHECK(pub4("172.32.0.1"));
    CHECK(!pub4("192.168.1.1"));
    CHECK(!pub4("169.254.169.254"));
    CHECK(!pub4("0.0.0.0"));
    CHECK(!pub4("100.64.0.1"));
    CHECK(!pub4("224.0.0.1"));
    CHECK(pub6("2606:4700::1111"));
    CHECK(!pub6("::1"));
    CHECK(!pub6("::"));
    CHECK(!pub6("fe80::1"));
    CHECK(!pub6("fd00::1"));
    CHECK(!pub6("::ffff:127.0.0.1"));
    CHECK(!pub6("::ffff:10.0.0.1"));
    CHECK(pub6("::ffff:8.8.8.8"));
}
