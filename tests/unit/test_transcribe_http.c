/*
 * The HTTP engine against a fake transcription server on 127.0.0.1
 * (libmicrohttpd, in this process): each recorded answer shape, retries
 * with backoff and Retry-After, errors, the timeout, the size cap, and the
 * exact request (path, Authorization, multipart fields, the WAV file).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "core/log.h"
#include "core/util.h"
#include "transcribe/transcribe.h"
#include "test.h"

#define KEY "sk-test-7f3a9c2e1d"

struct answer {
    int status;
    char *body; /* owned */
    const char *retry_after;
    int delay_ms;
};

struct fake {
    struct MHD_Daemon *d;
    int port;
    struct answer ans[8];
    int nans;
    pthread_mutex_t lock;
    int calls;
    double t_call[8];
    /* the last request */
    char url[256], auth[256], ctype[256];
    struct buf fields; /* "name=value\n" for every field but the file */
    char file_name[64], file_type[64];
    size_t file_size;
    unsigned char file_head[12];
};

struct req {
    struct MHD_PostProcessor *pp;
    struct fake *f;
};

static enum MHD_Result record_field(struct fake *f, const char *key, const char *filename,
                                    const char *content_type, const char *data, uint64_t off,
                                    size_t size);

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind, (void)transfer_encoding;
    struct req *r = cls;
    struct fake *f = r->f;
    pthread_mutex_lock(&f->lock); /* requests may come in parallel */
    enum MHD_Result ret = record_field(f, key, filename, content_type, data, off, size);
    pthread_mutex_unlock(&f->lock);
    return ret;
}

static enum MHD_Result record_field(struct fake *f, const char *key, const char *filename,
                                    const char *content_type, const char *data, uint64_t off,
                                    size_t size)
{
    if (!strcmp(key, "file")) {
        if (off == 0) {
            snprintf(f->file_name, sizeof(f->file_name), "%s", filename ? filename : "");
            snprintf(f->file_type, sizeof(f->file_type), "%s", content_type ? content_type : "");
        }
        for (size_t i = 0; i < size && off + i < sizeof(f->file_head); i++)
            f->file_head[off + i] = (unsigned char)data[i];
        f->file_size = (size_t)off + size;
        return MHD_YES;
    }
    if (off == 0)
        buf_addf(&f->fields, "%s%s=", f->fields.len ? "\n" : "", key);
    buf_add(&f->fields, data, size);
    return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    struct fake *f = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof(*r));
        r->f = f;
        pthread_mutex_lock(&f->lock);
        buf_reset(&f->fields);
        f->file_size = 0;
        snprintf(f->url, sizeof(f->url), "%s %s", method, url);
        const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        snprintf(f->auth, sizeof(f->auth), "%s", a ? a : "");
        const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        snprintf(f->ctype, sizeof(f->ctype), "%s", ct ? ct : "");
        pthread_mutex_unlock(&f->lock);
        r->pp = MHD_create_post_processor(c, 65536, on_field, r);
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->pp)
            MHD_post_process(r->pp, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&f->lock);
    int i = f->calls < 8 ? f->calls : 7;
    f->t_call[i] = now_mono_s();
    struct answer *a = &f->ans[i < f->nans ? i : f->nans - 1];
    f->calls++;
    pthread_mutex_unlock(&f->lock);
    if (a->delay_ms)
        usleep((useconds_t)a->delay_ms * 1000);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(a->body), (void *)a->body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    if (a->retry_after)
        MHD_add_response_header(resp, "Retry-After", a->retry_after);
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)a->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void done(void *cls, struct MHD_Connection *c, void **con_cls,
                 enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct req *r = *con_cls;
    if (r) {
        if (r->pp)
            MHD_destroy_post_processor(r->pp);
        free(r);
        *con_cls = NULL;
    }
}

static void fake_answer(struct fake *f, int status, const char *body, const char *retry_after,
                        int delay_ms)
{
    struct answer *a = &f->ans[f->nans++];
    a->status = status;
    a->body = xstrdup(body);
    a->retry_after = retry_after;
    a->delay_ms = delay_ms;
}

static void fake_answer_file(struct fake *f, const char *name)
{
    char *path = xasprintf("tests/data/transcribe/%s", name);
    struct buf b = BUF_INIT;
    if (buf_read_file(&b, path, 0, NULL))
        test_fail(__FILE__, __LINE__, path);
    fake_answer(f, 200, b.buf, NULL, 0);
    buf_release(&b);
    free(path);
}

static int fake_start(struct fake *f)
{
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    buf_init(&f->fields);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = 0;
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handle, f, MHD_OPTION_SOCK_ADDR, &sa,
                            MHD_OPTION_NOTIFY_COMPLETED, done, f, MHD_OPTION_END);
    if (!f->d)
        return 0;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    f->port = info ? info->port : 0;
    return f->port > 0;
}

static void fake_stop(struct fake *f)
{
    if (f->d)
        MHD_stop_daemon(f->d);
    for (int i = 0; i < f->nans; i++)
        free(f->ans[i].body);
    buf_release(&f->fields);
    pthread_mutex_destroy(&f->lock);
}

/* 0.5 s of quiet sound: the engine sends it whatever it holds. */
static int16_t pcm[8000];

static enum reel_code run(struct fake *f, const char *suffix, struct transcribe_opts *o,
                          struct transcript *t, struct reel_err *err)
{
    char *url = xasprintf("http://127.0.0.1:%d%s", f->port, suffix);
    o->url = url;
    for (size_t i = 0; i < ARRAY_SIZE(pcm); i++)
        pcm[i] = (int16_t)((i * 37) % 200 - 100);
    enum reel_code rc = transcribe_pcm(pcm, ARRAY_SIZE(pcm), o, t, err);
    o->url = NULL;
    free(url);
    return rc;
}

TEST(transcribe_http_each_shape_and_the_request)
{
    static const char *const files[] = {"openai.json", "faster_whisper.json", "whispercpp.json",
                                        "whispercpp_tokens.json"};
    static const char *const suffixes[] = {"", "/v1", "/v1/", "/v1/audio/transcriptions"};
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        struct fake f;
        REQUIRE(fake_start(&f));
        fake_answer_file(&f, files[i]);
        struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
        o.api_key = KEY;
        o.language = i == 1 ? "en" : NULL;
        struct transcript t;
        struct reel_err err = REEL_ERR_INIT;
        enum reel_code rc = run(&f, suffixes[i], &o, &t, &err);
        if (rc)
            fprintf(stderr, "    %s: %s\n", files[i], err.msg);
        CHECK(rc == REEL_OK);
        CHECK(f.calls == 1);
        CHECK_STR(t.engine, "http");
        CHECK_STR(t.model, "whisper-1");
        CHECK_STR(t.language, "en");
        CHECK_NEAR(t.duration, 0.5, 1e-9);
        CHECK(t.words.n == 7);
        if (t.words.n == 7) {
            CHECK(t.words.v[2].filler);
            CHECK_NEAR(t.words.v[6].end, 3.1, 1e-6);
        }
        /* the exact request */
        CHECK_STR(f.url, "POST /v1/audio/transcriptions");
        CHECK_STR(f.auth, "Bearer " KEY);
        CHECK(starts_with(f.ctype, "multipart/form-data; boundary="));
        CHECK_STR(f.fields.buf, i == 1 ? "model=whisper-1\nresponse_format=verbose_json\n"
                                         "timestamp_granularities[]=word\n"
                                         "timestamp_granularities[]=segment\nlanguage=en"
                                       : "model=whisper-1\nresponse_format=verbose_json\n"
                                         "timestamp_granularities[]=word\n"
                                         "timestamp_granularities[]=segment");
        CHECK_STR(f.file_name, "audio.wav");
        CHECK_STR(f.file_type, "audio/wav");
        CHECK(f.file_size == 44 + sizeof(pcm));
        CHECK(!memcmp(f.file_head, "RIFF", 4) && !memcmp(f.file_head + 8, "WAVE", 4));
        transcript_release(&t);
        fake_stop(&f);
    }
}

TEST(transcribe_http_model_and_no_key)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer_file(&f, "openai.json");
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.model = "Systran/faster-whisper-small";
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(run(&f, "", &o, &t, &err) == REEL_OK);
    CHECK_STR(f.auth, ""); /* no key: no Authorization header */
    CHECK(starts_with(f.fields.buf, "model=Systran/faster-whisper-small\nresponse_format="));
    CHECK_STR(t.model, "Systran/faster-whisper-small");
    transcript_release(&t);
    fake_stop(&f);
}

TEST(transcribe_http_retries_429_after_retry_after)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer(&f, 429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}",
                "1", 0);
    fake_answer(&f, 503, "{\"detail\":\"model is loading\"}", NULL, 0);
    fake_answer_file(&f, "openai.json");
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.api_key = KEY;
    o.backoff_s = 0.2;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    log_set_level(LOG_ERROR); /* the retry warnings are expected */
    enum reel_code rc = run(&f, "", &o, &t, &err);
    log_set_level(LOG_WARN);
    CHECK(rc == REEL_OK);
    CHECK(f.calls == 3);
    CHECK(t.words.n == 7);
    /* Retry-After: 1 honoured; then the backoff's second step (0.2 * 2) */
    CHECK(f.t_call[1] - f.t_call[0] >= 0.95);
    CHECK(f.t_call[2] - f.t_call[1] >= 0.38 && f.t_call[2] - f.t_call[1] < 1.5);
    transcript_release(&t);
    fake_stop(&f);
}

TEST(transcribe_http_gives_up_after_retries)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer(&f, 500, "{\"error\":{\"message\":\"CUDA out of memory\"}}", NULL, 0);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.max_retries = 2;
    o.backoff_s = 0.05;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    log_set_level(LOG_ERROR);
    double t0 = now_mono_s();
    enum reel_code rc = run(&f, "", &o, &t, &err);
    double took = now_mono_s() - t0;
    log_set_level(LOG_WARN);
    CHECK(rc == REEL_ENET);
    CHECK(f.calls == 3);
    CHECK(took >= 0.14); /* 0.05 + 0.1 */
    CHECK(strstr(err.msg, "after 3 attempts") != NULL);
    CHECK(strstr(err.msg, "HTTP 500: CUDA out of memory") != NULL);
    CHECK(t.words.n == 0);
    transcript_release(&t);
    fake_stop(&f);

    /* 4xx other than 429 are not retried */
    REQUIRE(fake_start(&f));
    fake_answer(&f, 400, "{\"error\":{\"message\":\"Invalid file format.\"}}", NULL, 0);
    CHECK(run(&f, "", &o, &t, &err) == REEL_EINVAL);
    CHECK(f.calls == 1);
    CHECK(strstr(err.msg, "HTTP 400: Invalid file format.") != NULL);
    transcript_release(&t);
    fake_stop(&f);

    REQUIRE(fake_start(&f));
    fake_answer(&f, 401, "{\"error\":{\"message\":\"Incorrect API key\"}}", NULL, 0);
    CHECK(run(&f, "", &o, &t, &err) == REEL_EAUTH);
    CHECK(f.calls == 1);
    transcript_release(&t);
    fake_stop(&f);
}

TEST(transcribe_http_timeout_bad_json_and_cap)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer(&f, 200, "{\"text\":\"late\"}", NULL, 1600);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.timeout_s = 1;
    o.max_retries = 0;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    double t0 = now_mono_s();
    CHECK(run(&f, "", &o, &t, &err) == REEL_ETIMEOUT);
    CHECK(now_mono_s() - t0 < 1.5);
    CHECK(strstr(err.msg, "did not answer in time") != NULL);
    transcript_release(&t);
    fake_stop(&f);

    REQUIRE(fake_start(&f));
    fake_answer(&f, 200, "<html>502 Bad Gateway</html>", NULL, 0);
    CHECK(run(&f, "", &o, &t, &err) == REEL_EINVAL);
    CHECK(strstr(err.msg, "not JSON") != NULL);
    transcript_release(&t);
    fake_stop(&f);

    REQUIRE(fake_start(&f));
    fake_answer_file(&f, "openai.json");
    o.max_response = 100;
    CHECK(run(&f, "", &o, &t, &err) == REEL_ELIMIT);
    transcript_release(&t);
    fake_stop(&f);

    /* nobody listening: a network error naming the server */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof(sa);
    REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    getsockname(s, (struct sockaddr *)&sa, &sl);
    close(s); /* the port is now closed */
    f.port = ntohs(sa.sin_port);
    o.max_response = 0;
    CHECK(run(&f, "", &o, &t, &err) == REEL_ENET);
    CHECK(strstr(err.path, "127.0.0.1") != NULL);
    transcript_release(&t);
}

/* The key never shows: not in errors, not in the log, even when the server echoes it. */
TEST(transcribe_http_never_shows_the_key)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer(&f, 500, "{\"error\":{\"message\":\"bad auth header: Bearer " KEY "\"}}", NULL, 0);
    char *logpath = xasprintf("%s/http-log.txt", test_tmpdir());
    fflush(stderr);
    int saved = dup(2);
    int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    REQUIRE(saved >= 0 && fd >= 0);
    dup2(fd, 2);
    close(fd);
    log_set_level(LOG_DEBUG);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.api_key = KEY;
    o.max_retries = 1;
    o.backoff_s = 0.01;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = run(&f, "", &o, &t, &err);
    reel_err_print(&err);
    log_set_level(LOG_WARN);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK(rc == REEL_ENET);
    CHECK(f.calls == 2);
    CHECK_STR(f.auth, "Bearer " KEY); /* it was sent */
    CHECK(strstr(err.msg, KEY) == NULL && strstr(err.path, KEY) == NULL);
    CHECK(strstr(err.msg, "Bearer [redacted]") != NULL);
    struct buf logb = BUF_INIT;
    CHECK(buf_read_file(&logb, logpath, 0, NULL) == REEL_OK);
    CHECK(strstr(logb.buf, "retrying") != NULL); /* the log was captured */
    CHECK(strstr(logb.buf, "sk-test") == NULL);
    buf_release(&logb);
    free(logpath);
    transcript_release(&t);
    fake_stop(&f);
}

/* A long sound goes in several requests at once; the words come back at file times. */
TEST(transcribe_http_chunks_in_parallel)
{
    struct fake f;
    REQUIRE(fake_start(&f));
    fake_answer_file(&f, "openai.json");
    /* 6 s: sound with a quiet 0.4 s every 2 s */
    size_t n = 6 * TRANSCRIBE_RATE;
    int16_t *s = xmalloc(n * sizeof(*s));
    for (size_t i = 0; i < n; i++)
        s[i] = (i % 32000) >= 25600 ? 0 : (int16_t)((i * 7919) % 4000 - 2000);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    o.chunk_seconds = 2;
    o.threads = 3;
    char *url = xasprintf("http://127.0.0.1:%d", f.port);
    o.url = url;
    struct transcript t;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(transcribe_pcm(s, n, &o, &t, &err) == REEL_OK);
    CHECK(f.calls == 3);
    CHECK(t.words.n == 21);
    /* each chunk's "Hello" at its chunk's start: 0 s and two cuts inside the quiet parts */
    int hellos = 0;
    for (size_t i = 0; i < t.words.n; i++) {
        if (strcmp(t.words.v[i].word, "Hello"))
            continue;
        double at = t.words.v[i].start, in_cycle = fmod(at, 2.0);
        CHECK(at == 0 || (in_cycle >= 1.6 - 1e-6 && in_cycle <= 2.0));
        hellos++;
    }
    CHECK(hellos == 3);
    for (size_t i = 1; i < t.words.n; i++)
        CHECK(t.words.v[i].start >= t.words.v[i - 1].start);
    CHECK_NEAR(t.duration, 6.0, 1e-9);
    transcript_release(&t);
    free(url);
    free(s);
    fake_stop(&f);
}
