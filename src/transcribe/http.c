/*
 * The HTTP engine: an OpenAI-compatible POST /v1/audio/transcriptions
 * (multipart: file, model, response_format=verbose_json, word and segment
 * timestamps) with libcurl. One easy handle per worker thread. Retries
 * 429, 5xx and failed connections with exponential backoff (or the
 * server's Retry-After); the API key only ever goes into the Authorization
 * header, and every message built from a server's answer is redacted.
 */
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "core/log.h"
#include "transcribe/internal.h"
#include "core/banned.h"

#define DEFAULT_MODEL "whisper-1"
#define RETRY_AFTER_MAX 120.0

struct http_state {
    CURL *curl;
    const struct transcribe_opts *o;
    char *endpoint; /* with any user:password@ of the URL */
    char *shown;    /* the endpoint for messages: no credentials */
    struct buf body;
    size_t cap;
    int over_cap;
    double retry_after; /* seconds, from the last answer; < 0 if none */
};

/* A copy of s with every occurrence of secret replaced. */
static char *redact_dup(const char *s, const char *secret)
{
    if (!secret || !*secret)
        return xstrdup(s);
    size_t sl = strlen(secret);
    struct buf b = BUF_INIT;
    const char *p = s, *q;
    while ((q = strstr(p, secret))) {
        buf_add(&b, p, (size_t)(q - p));
        buf_adds(&b, "[redacted]");
        p = q + sl;
    }
    buf_adds(&b, p);
    return buf_detach(&b);
}

void tr_redact(char *s, size_t cap, const char *secret)
{
    if (!cap)
        return;
    /* cut to fit after replacing, so what is cut never holds part of the key */
    char *r = redact_dup(s, secret);
    snprintf(s, cap, "%s", r);
    free(r);
}

char *tr_http_endpoint(const char *base)
{
    size_t n = strlen(base);
    while (n && base[n - 1] == '/')
        n--;
    char *b = xstrndup(base, n);
    if (ends_with(b, "/audio/transcriptions") || ends_with(b, "/inference"))
        return b;
    char *e = xasprintf("%s%s", b,
                        ends_with(b, "/v1") ? "/audio/transcriptions" : "/v1/audio/transcriptions");
    free(b);
    return e;
}

/* "http://user:pw@host/x" -> "http://host/x" for messages. */
static char *url_shown(const char *url)
{
    const char *s = strstr(url, "://");
    const char *host = s ? s + 3 : url;
    const char *slash = strchr(host, '/');
    const char *at = strchr(host, '@');
    if (!at || (slash && at > slash))
        return xstrdup(url);
    return xasprintf("%.*s%s", (int)(host - url), url, at + 1);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_setup(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct http_state *h = ctx;
    size_t n = size * nmemb;
    if (h->body.len + n > h->cap) {
        h->over_cap = 1;
        return 0; /* aborts the transfer */
    }
    buf_add(&h->body, data, n);
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct http_state *h = ctx;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n > sizeof(name) - 1 && !strncasecmp(data, name, sizeof(name) - 1)) {
        char v[64];
        size_t k = n - (sizeof(name) - 1);
        if (k >= sizeof(v))
            k = sizeof(v) - 1;
        memcpy(v, data + sizeof(name) - 1, k);
        v[k] = 0;
        char *end;
        double s = strtod(v, &end);
        if (end != v && isfinite(s) && s >= 0)
            h->retry_after = s < RETRY_AFTER_MAX ? s : RETRY_AFTER_MAX;
        /* An HTTP-date is possible too; then our own backoff applies. */
    }
    return n;
}

static enum reel_code http_open(const struct transcribe_opts *o, void **state, struct reel_err *err)
{
    pthread_once(&curl_once, curl_setup);
    struct http_state *h = xcalloc(1, sizeof(*h));
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return reel_fail(err, REEL_ESYS, NULL, "libcurl could not start");
    }
    h->o = o;
    h->endpoint = tr_http_endpoint(o->url);
    h->shown = url_shown(h->endpoint);
    buf_init(&h->body);
    h->cap = o->max_response ? o->max_response : (16u << 20);
    *state = h;
    return REEL_OK;
}

static void http_close(void *state)
{
    struct http_state *h = state;
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    buf_release(&h->body);
    free(h->endpoint);
    free(h->shown);
    free(h);
}

static const char *http_model(const struct transcribe_opts *o)
{
    return o->model && *o->model ? o->model : DEFAULT_MODEL;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* A short, printable, redacted excerpt of a server's answer for messages. */
static void body_excerpt(const struct http_state *h, char *out, size_t cap)
{
    const char *text = h->body.buf;
    json_t *j = NULL;
    /* OpenAI-style {"error": {"message": ...}} or {"error": "..."} / {"detail": "..."} */
    if (json_parse(h->body.buf, h->body.len, 0, "response", &j, NULL) == REEL_OK) {
        const json_t *e = json_object_get(j, "error");
        const char *m = json_is_object(e) ? json_get_str(e, "message", NULL)
                        : json_is_string(e)
                            ? json_string_value(e)
                            : json_get_str(j, "detail", json_get_str(j, "message", NULL));
        if (m)
            text = m;
    }
    /* redact the whole text first: a cut could leave part of the key */
    char *r = redact_dup(text, h->o->api_key);
    size_t k = 0;
    for (const char *p = r; *p && k + 1 < cap && k < 200; p++)
        out[k++] = isprint((unsigned char)*p) ? *p : ' ';
    out[k] = 0;
    free(r);
    json_decref(j);
}

static int retryable_curl(CURLcode c)
{
    return c == CURLE_COULDNT_CONNECT || c == CURLE_SEND_ERROR || c == CURLE_RECV_ERROR ||
           c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE || c == CURLE_COULDNT_RESOLVE_HOST;
}

static enum reel_code http_run(void *state, const int16_t *pcm, size_t n, double offset,
                               struct transcript *out, struct reel_err *err)
{
    struct http_state *h = state;
    const struct transcribe_opts *o = h->o;
    struct buf wav = BUF_INIT;
    tr_wav_encode(pcm, n, &wav);

    CURL *c = h->curl;
    curl_easy_reset(c);
    curl_mime *mime = curl_mime_init(c);
    curl_mimepart *part = curl_mime_addpart(mime);
    curl_mime_name(part, "file");
    curl_mime_data(part, wav.buf, wav.len);
    curl_mime_filename(part, "audio.wav");
    curl_mime_type(part, "audio/wav");
    const char *fields[][2] = {
        {"model", http_model(o)},
        {"response_format", "verbose_json"},
        {"timestamp_granularities[]", "word"},
        {"timestamp_granularities[]", "segment"},
        {"language", o->language},
    };
    for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
        if (!fields[i][1] || !*fields[i][1])
            continue;
        part = curl_mime_addpart(mime);
        curl_mime_name(part, fields[i][0]);
        curl_mime_data(part, fields[i][1], CURL_ZERO_TERMINATED);
    }
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (o->api_key && *o->api_key) {
        char *auth = xasprintf("Authorization: Bearer %s", o->api_key);
        hdrs = curl_slist_append(hdrs, auth);
        memset(auth, 0, strlen(auth));
        free(auth);
    }
    char curl_msg[CURL_ERROR_SIZE];
    curl_easy_setopt(c, CURLOPT_URL, h->endpoint);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "reel-transcribe");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s > 0 ? o->timeout_s : 300L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     o->connect_timeout_s > 0 ? o->connect_timeout_s : 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_msg);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, ""); /* whatever libcurl can decode */

    int retries = o->max_retries >= 0 ? o->max_retries : 4;
    double backoff = o->backoff_s > 0 ? o->backoff_s : 0.5;
    enum reel_code rc = REEL_OK;
    char what[256];
    for (int attempt = 0;; attempt++) {
        buf_reset(&h->body);
        h->over_cap = 0;
        h->retry_after = -1;
        curl_msg[0] = 0;
        CURLcode cc = curl_easy_perform(c);
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        int retry = 0;
        if (h->over_cap) {
            rc = reel_fail(err, REEL_ELIMIT, h->shown,
                           "the transcription server's answer is larger than %zu bytes", h->cap);
            break;
        } else if (cc == CURLE_OPERATION_TIMEDOUT) {
            rc = reel_fail(err, REEL_ETIMEOUT, h->shown,
                           "the transcription server did not answer in time (%s)",
                           curl_msg[0] ? curl_msg : curl_easy_strerror(cc));
            break;
        } else if (cc != CURLE_OK) {
            snprintf(what, sizeof(what), "%s", curl_msg[0] ? curl_msg : curl_easy_strerror(cc));
            tr_redact(what, sizeof(what), o->api_key);
            rc = reel_fail(err, REEL_ENET, h->shown, "could not reach the transcription server: %s",
                           what);
            retry = retryable_curl(cc);
        } else if (status >= 200 && status < 300) {
            rc = transcribe_parse_response(h->body.buf, h->body.len, offset, out, err);
            if (rc && err) {
                tr_redact(err->msg, sizeof(err->msg), o->api_key);
                snprintf(err->path, sizeof(err->path), "%s", h->shown);
            }
            break;
        } else {
            body_excerpt(h, what, sizeof(what));
            enum reel_code code = status == 401 || status == 403   ? REEL_EAUTH
                                  : status == 429 || status >= 500 ? REEL_ENET
                                  : status == 413                  ? REEL_ELIMIT
                                                                   : REEL_EINVAL;
            rc = reel_fail(err, code, h->shown, "the transcription server answered HTTP %ld%s%s",
                           status, what[0] ? ": " : "", what);
            retry = status == 429 || status >= 500;
        }
        if (!retry || attempt >= retries) {
            if (retry && attempt > 0)
                reel_err_prefix(err, "after %d attempts", attempt + 1);
            break;
        }
        double delay = h->retry_after >= 0 ? h->retry_after : backoff * pow(2.0, attempt);
        log_warn("transcribe: %s; retrying in %.1f s (%d of %d)", err ? err->msg : "failed", delay,
                 attempt + 1, retries);
        sleep_s(delay);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL); /* it lives on this stack */
    curl_slist_free_all(hdrs);
    curl_mime_free(mime);
    buf_release(&wav);
    return rc;
}

const struct tr_engine tr_engine_http = {
    "http", http_open, http_run, http_close, http_model, 300.0,
};

/* ---- the answer's shapes ---- */

static double num(const json_t *o, const char *key, double def)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

static double word_conf(const json_t *w, double def)
{
    double p = num(w, "probability", num(w, "p", num(w, "confidence", -1)));
    return p >= 0 && p <= 1 ? p : def;
}

/* A token's span in seconds: whisper.cpp gives offsets in ms or t0/t1 in 10 ms. */
static int token_span(const json_t *t, double *a, double *b)
{
    const json_t *off = json_object_get(t, "offsets");
    if (json_is_object(off)) {
        *a = num(off, "from", -1) / 1000.0;
        *b = num(off, "to", -1) / 1000.0;
    } else if (json_is_number(json_object_get(t, "t0"))) {
        *a = num(t, "t0", -1) / 100.0;
        *b = num(t, "t1", -1) / 100.0;
    } else {
        *a = num(t, "start", -1);
        *b = num(t, "end", -1);
    }
    return *a >= 0 && *b >= *a && isfinite(*a) && isfinite(*b);
}

static int add_words(const json_t *arr, double offset, struct transcript *t, double def_conf)
{
    size_t i;
    const json_t *w;
    int added = 0;
    json_array_foreach(arr, i, w)
    {
        const char *text = json_get_str(w, "word", json_get_str(w, "text", NULL));
        double a, b;
        if (!text || !token_span(w, &a, &b))
            continue;
        /* Whisper's words carry a leading space; empty ones are dropped. */
        const char *p = text;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            continue;
        transcript_add_word(t, offset + a, offset + b, p, word_conf(w, def_conf));
        added++;
    }
    return added;
}

/* whisper.cpp tokens: pieces of words; a piece that starts with a space starts a word. */
static int add_tokens(const json_t *arr, double offset, struct transcript *t)
{
    size_t i;
    const json_t *tok;
    struct buf word = BUF_INIT;
    double a0 = 0, b0 = 0, psum = 0;
    int np = 0, added = 0;
    json_array_foreach(arr, i, tok)
    {
        const char *text = json_get_str(tok, "text", NULL);
        double a, b;
        if (!text || !token_span(tok, &a, &b))
            continue;
        if (text[0] == '[' || (text[0] == '<' && text[1] == '|'))
            continue; /* [_BEG_], [_TT_123], <|endoftext|> */
        int starts = isspace((unsigned char)text[0]) || !word.len;
        if (starts && word.len) {
            transcript_add_word(t, offset + a0, offset + b0, word.buf, np ? psum / np : 1.0);
            added++;
            buf_reset(&word);
            psum = 0;
            np = 0;
        }
        if (!word.len)
            a0 = a;
        buf_adds(&word, text);
        b0 = b;
        double p = word_conf(tok, -1);
        if (p >= 0) {
            psum += p;
            np++;
        }
    }
    if (word.len) {
        const char *p = word.buf;
        while (*p && isspace((unsigned char)*p))
            p++;
        if (*p) {
            transcript_add_word(t, offset + a0, offset + b0, p, np ? psum / np : 1.0);
            added++;
        }
    }
    buf_release(&word);
    return added;
}

/* Without word times, spread a segment's words evenly over it (by length). */
static void spread_words(const char *text, double a, double b, double conf, struct transcript *t)
{
    size_t total = 0;
    for (const char *p = text; *p; p++)
        total += !isspace((unsigned char)*p);
    if (!total)
        return;
    double per = (b - a) / (double)total, at = a;
    const char *p = text;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        const char *s = p;
        while (*p && !isspace((unsigned char)*p))
            p++;
        if (p > s) {
            char *w = xstrndup(s, (size_t)(p - s));
            double d = per * (double)(p - s);
            transcript_add_word(t, at, at + d, w, conf);
            at += d;
            free(w);
        }
    }
}

static void set_language(struct transcript *t, const char *lang)
{
    static const char *const names[][2] = {
        {"english", "en"}, {"spanish", "es"},    {"french", "fr"}, {"german", "de"},
        {"italian", "it"}, {"portuguese", "pt"}, {"dutch", "nl"},  {"russian", "ru"},
        {"chinese", "zh"}, {"japanese", "ja"},   {"korean", "ko"}, {"polish", "pl"},
    };
    if (!lang || !*lang)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcasecmp(lang, names[i][0]))
            lang = names[i][1];
    snprintf(t->language, sizeof(t->language), "%s", lang);
}

enum reel_code transcribe_parse_response(const char *body, size_t len, double offset,
                                         struct transcript *t, struct reel_err *err)
{
    json_t *j = NULL;
    enum reel_code rc = json_parse(body, len, 0, "transcription response", &j, err);
    if (rc) {
        if (err)
            reel_err_prefix(err, "the transcription server's answer is not JSON");
        return REEL_EINVAL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        return reel_fail(err, REEL_EINVAL, "$", "the transcription answer is not a JSON object");
    }
    const char *lang = json_get_str(j, "language", NULL);
    if (!lang) /* whisper.cpp's own JSON */
        lang = json_get_str(json_object_get(j, "result"), "language", NULL);
    set_language(t, lang);
    const json_t *words = json_object_get(j, "words");
    const json_t *segs = json_object_get(j, "segments");
    if (!json_is_array(segs))
        segs = json_object_get(j, "transcription"); /* whisper.cpp's own JSON */
    int have_words = json_is_array(words) && add_words(words, offset, t, 1.0) > 0;
    int any = have_words;
    size_t i;
    const json_t *s;
    if (json_is_array(segs)) {
        json_array_foreach(segs, i, s)
        {
            double a, b;
            if (!json_is_object(s) || !token_span(s, &a, &b))
                continue;
            const char *text = json_get_str(s, "text", "");
            transcript_add_segment(t, offset + a, offset + b, text);
            any = 1;
            if (have_words)
                continue;
            double conf = json_is_number(json_object_get(s, "avg_logprob"))
                              ? exp(num(s, "avg_logprob", 0))
                              : 1.0;
            const json_t *sw = json_object_get(s, "words");
            const json_t *tok = json_object_get(s, "tokens");
            int got = 0;
            if (json_is_array(sw))
                got = add_words(sw, offset, t, conf);
            if (!got && json_is_array(tok) && json_is_object(json_array_get(tok, 0)))
                got = add_tokens(tok, offset, t);
            if (!got)
                spread_words(text, offset + a, offset + b, conf, t);
        }
    }
    if (!any) {
        const char *text = json_get_str(j, "text", NULL);
        int blank = text && !*text, has_text = text != NULL;
        json_decref(j);
        if (blank)
            return REEL_OK; /* nothing said */
        return reel_fail(err, REEL_EINVAL, "$",
                         has_text ? "the answer has text but no timestamps (does the server "
                                    "support response_format=verbose_json?)"
                                  : "the answer has neither words nor segments");
    }
    json_decref(j);
    return REEL_OK;
}
