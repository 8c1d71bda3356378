/*
 * The LLM planner: an OpenAI-compatible chat completions client (libcurl)
 * with structured outputs, keyframe images, retries, a repair loop, call
 * recording and replay.
 *
 * One conversation per planning run: the system message (instructions; in
 * JSON or plain mode also the schema), the brief with the asset summary and
 * images, then for each failed attempt the model's reply and a user message
 * with the exact problems. The request body is built the same way every
 * time from the same inputs, so a replay from recorded responses walks the
 * same path and yields the same plans.
 */
#include <curl/curl.h>
#include <libavutil/base64.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/log.h"
#include "core/proc.h"
#include "plan/plan.h"
#include "planner/internal.h"
#include "core/banned.h"

enum rf_mode { RF_SCHEMA, RF_JSON, RF_PLAIN };
static const char *const rf_names[] = {"json_schema", "json_object", "none"};

#define RECORD_BODY_CAP (256u << 10) /* responses kept in records (strings beyond are cut) */

static const char system_prompt[] =
    "You are the planner of reel, a video editor. You read a brief and facts about the "
    "user's media assets and write an EditPlan (reel.editplan/1): a JSON document that a "
    "deterministic worker validates and renders with FFmpeg. Rules:\n"
    "- Reply with the EditPlan JSON object only: no prose, no code fences.\n"
    "- \"schema\" is \"reel.editplan/1\". Name media only by the asset labels given.\n"
    "- Times are seconds. \"cut\" operations form the storyline, back to back in array order; "
    "their in/out are source times with 0 <= in < out <= the asset's duration. Images use "
    "\"duration\" instead of in/out.\n"
    "- overlay, text, captions, audio, color ops are placed on the finished timeline with "
    "start/end; nothing may start at or after the timeline's end (the sum of cut lengths).\n"
    "- Unknown keys are errors. Leave out what you do not need: defaults apply.\n"
    "- Meet the brief: target duration, aspect (output.aspect with matching width/height), "
    "pace, captions (op captions, source \"transcript\"), music (op audio, duck under speech), "
    "logo (op overlay), title (op text). Cut out silences and filler words from talking "
    "footage, and cut on musical beats when there is music.\n"
    "- Explain your choices briefly in \"notes\".";

/* ---- transport: libcurl or a replay of recorded calls ---- */

struct http_reply {
    long status; /* 0 when no reply */
    struct buf body;
    int timed_out;
    int conn_failed; /* could not connect / connection dropped */
    int too_large;
    double retry_after_s;
    char error[256];
};

struct sink {
    struct buf *b;
    size_t cap;
    int over;
};

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct sink *s = ud;
    size_t n = size * nmemb;
    if (s->b->len + n > s->cap) {
        s->over = 1;
        return 0;
    }
    buf_add(s->b, ptr, n);
    return n;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct http_reply *r = ud;
    size_t n = size * nmemb;
    if (n > 12 && !strncasecmp(ptr, "retry-after:", 12)) {
        char tmp[32];
        size_t l = n - 12 < sizeof(tmp) - 1 ? n - 12 : sizeof(tmp) - 1;
        memcpy(tmp, ptr + 12, l);
        tmp[l] = 0;
        double v = strtod(tmp, NULL);
        if (v > 0)
            r->retry_after_s = v;
    }
    return n;
}

static void http_post(const struct planner_opts *o, const char *url, const char *body,
                      struct http_reply *r)
{
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(r->error, sizeof(r->error), "libcurl could not start");
        r->conn_failed = 1;
        return;
    }
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Accept: application/json");
    char *auth = NULL;
    if (o->api_key && *o->api_key) {
        auth = xasprintf("Authorization: Bearer %s", o->api_key);
        h = curl_slist_append(h, auth);
    }
    struct sink s = {&r->body, o->max_response_bytes, 0};
    long timeout_ms = (long)(o->timeout_s * 1000);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "reel-planner");
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        r->timed_out = 1;
        r->status = 0;
        snprintf(r->error, sizeof(r->error), "timeout after %.1f s", o->timeout_s);
    } else if (rc == CURLE_WRITE_ERROR && s.over) {
        r->too_large = 1;
        snprintf(r->error, sizeof(r->error), "reply larger than %zu bytes", o->max_response_bytes);
    } else if (rc != CURLE_OK) {
        r->conn_failed = 1;
        r->status = 0;
        snprintf(r->error, sizeof(r->error), "%s", curl_easy_strerror(rc));
    }
    curl_slist_free_all(h);
    free(auth);
    curl_easy_cleanup(c);
}

/* ---- one conversation ---- */

struct convo {
    const struct planner_opts *o;
    struct planner_result *res;
    char url[1024];
    enum rf_mode mode;
    int no_temperature;      /* the server refused the parameter (some reasoning models) */
    json_t *schema;          /* the EditPlan schema, told in words in JSON / plain mode */
    json_t *strict_schema;   /* its strict structured-outputs variant */
    json_t *history;         /* messages after the system message */
    const char *sys;         /* system prompt; NULL: the planner's */
    const char *schema_name; /* NULL: "editplan" */
    size_t replay_pos;       /* next recorded call */
    int attempt;
    /* per attempt */
    int prompt_tokens, completion_tokens;
};

static json_t *build_request(struct convo *c)
{
    json_t *req = json_object();
    json_object_set_new(req, "model", json_string(c->o->model ? c->o->model : ""));
    json_t *msgs = json_array();
    json_t *sys = json_object();
    json_object_set_new(sys, "role", json_string("system"));
    const char *prompt = c->sys ? c->sys : system_prompt;
    if (c->mode == RF_SCHEMA) {
        json_object_set_new(sys, "content", json_string(prompt));
    } else {
        struct buf b = BUF_INIT;
        buf_adds(&b, prompt);
        buf_adds(&b, c->sys ? "\nThe reply's JSON Schema:\n" : "\nThe EditPlan JSON Schema:\n");
        json_dump_buf(c->schema, &b, 0);
        json_object_set_new(sys, "content", json_string(b.buf));
        buf_release(&b);
    }
    json_array_append_new(msgs, sys);
    json_array_extend(msgs, c->history);
    json_object_set_new(req, "messages", msgs);
    if (c->o->temperature >= 0 && !c->no_temperature)
        json_object_set_new(req, "temperature", json_real(c->o->temperature));
    if (c->mode == RF_SCHEMA) {
        json_t *rf = json_object(), *js = json_object();
        json_object_set_new(rf, "type", json_string("json_schema"));
        json_object_set_new(js, "name", json_string(c->schema_name ? c->schema_name : "editplan"));
        json_object_set_new(js, "strict", json_true());
        json_object_set(js, "schema", c->strict_schema);
        json_object_set_new(rf, "json_schema", js);
        json_object_set_new(req, "response_format", rf);
    } else if (c->mode == RF_JSON) {
        json_t *rf = json_object();
        json_object_set_new(rf, "type", json_string("json_object"));
        json_object_set_new(req, "response_format", rf);
    }
    return req;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static json_t *reply_to_json(const struct http_reply *r)
{
    if (!r->status)
        return NULL;
    json_t *resp = json_object();
    json_object_set_new(resp, "status", json_integer(r->status));
    json_t *body = NULL;
    if (json_parse(r->body.buf, r->body.len, 0, "reply", &body, NULL) != REEL_OK) {
        size_t n = r->body.len < RECORD_BODY_CAP ? r->body.len : RECORD_BODY_CAP;
        body = json_stringn_nocheck(r->body.buf, n);
        if (!body || !utf8_valid(r->body.buf, n)) {
            json_decref(body);
            body = json_string("(reply is not UTF-8)");
        }
    }
    json_object_set_new(resp, "body", body);
    return resp;
}

/* Take the next recorded call instead of the network. */
static void replay_next(struct convo *c, struct http_reply *r)
{
    const json_t *rec = json_array_get(c->o->replay, c->replay_pos++);
    if (!rec) {
        r->conn_failed = 1;
        snprintf(r->error, sizeof(r->error), "replay: no recorded call #%zu", c->replay_pos);
        return;
    }
    const json_t *resp = json_object_get(rec, "response");
    const char *error = json_get_str(rec, "error", NULL);
    if (json_is_object(resp)) {
        r->status = (long)json_get_int(resp, "status", 0);
        const json_t *body = json_object_get(resp, "body");
        if (json_is_string(body))
            buf_add(&r->body, json_string_value(body), json_string_length(body));
        else if (body)
            json_dump_buf(body, &r->body, 0);
    }
    if (!r->status) {
        if (error && strstr(error, "timeout"))
            r->timed_out = 1;
        else
            r->conn_failed = 1;
        snprintf(r->error, sizeof(r->error), "%s", error ? error : "no reply (recorded)");
    }
}

static void usage_tokens(const json_t *body, int *pt, int *ct)
{
    const json_t *u = json_object_get(body, "usage");
    *pt = (int)json_get_int(u, "prompt_tokens", 0);
    *ct = (int)json_get_int(u, "completion_tokens", 0);
}

/*
 * Send the conversation, with retries on 429/5xx/timeouts/refused
 * connections and the response_format fallbacks. On REEL_OK *body holds
 * the parsed 200 reply.
 */
static enum reel_code converse(struct convo *c, json_t **body_out, struct reel_err *err)
{
    const struct planner_opts *o = c->o;
    *body_out = NULL;
    for (int retry = 0;;) {
        json_t *req = build_request(c);
        char *text = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
        struct http_reply r;
        memset(&r, 0, sizeof(r));
        buf_init(&r.body);
        double t0 = now_mono_s();
        if (o->replay)
            replay_next(c, &r);
        else
            http_post(o, c->url, text, &r);
        double latency_ms = (now_mono_s() - t0) * 1000;
        free(text);
        json_t *resp = reply_to_json(&r);
        json_t *body = json_object_get(resp, "body");
        int pt = 0, ct = 0;
        if (r.status == 200)
            usage_tokens(body, &pt, &ct);
        c->prompt_tokens += pt;
        c->completion_tokens += ct;
        c->res->calls++;
        char errmsg[300] = "";
        if (r.error[0])
            snprintf(errmsg, sizeof(errmsg), "%s", r.error);
        else if (r.status != 200)
            snprintf(errmsg, sizeof(errmsg), "HTTP %ld", r.status);
        if (o->recorder && o->recorder->on_call) {
            /* the request as sent, with where it went; the key never is in it */
            json_t *rec = json_object(), *hdr = json_object();
            json_object_set_new(rec, "url", json_string(c->url));
            json_object_set_new(
                hdr, "Authorization",
                json_string(o->api_key && *o->api_key ? "Bearer [REDACTED]" : "(none)"));
            json_object_set_new(rec, "headers", hdr);
            json_object_set(rec, "body", req);
            o->recorder->on_call(o->recorder->ctx, rec, resp, latency_ms, pt, ct, c->attempt,
                                 errmsg[0] ? errmsg : NULL);
            json_decref(rec);
        }
        json_decref(req);

        if (r.too_large) {
            buf_release(&r.body);
            json_decref(resp);
            return reel_fail(err, REEL_ELIMIT, c->url, "the model's %s", errmsg);
        }
        int transient = r.timed_out || r.conn_failed || r.status == 429 || r.status >= 500;
        if (transient && retry < o->max_retries) {
            long wait = (long)o->retry_base_ms << retry;
            if (r.retry_after_s > 0)
                wait = (long)fmin(30000, r.retry_after_s * 1000);
            log_info("planner: %s from %s; retry %d in %ld ms", errmsg, c->url, retry + 1, wait);
            if (!o->replay)
                sleep_ms(wait);
            retry++;
            buf_release(&r.body);
            json_decref(resp);
            continue;
        }
        if (r.status == 400 && c->mode != RF_PLAIN &&
            (strstr(r.body.buf, "response_format") || strstr(r.body.buf, "json_schema") ||
             strstr(r.body.buf, "json_object"))) {
            log_info("planner: the server rejected response_format %s; trying %s",
                     rf_names[c->mode], rf_names[c->mode + 1]);
            c->mode++;
            buf_release(&r.body);
            json_decref(resp);
            continue;
        }
        if (r.status == 400 && !c->no_temperature && c->o->temperature >= 0 &&
            strstr(r.body.buf, "temperature")) {
            log_info("planner: the server rejected temperature; sending none");
            c->no_temperature = 1;
            buf_release(&r.body);
            json_decref(resp);
            continue;
        }
        enum reel_code rc = REEL_OK;
        if (r.timed_out)
            rc = reel_fail(err, REEL_ETIMEOUT, c->url, "the model did not answer: %s (%d tries)",
                           errmsg, retry + 1);
        else if (r.conn_failed)
            rc = reel_fail(err, REEL_ENET, c->url, "cannot reach the model: %s (%d tries)", errmsg,
                           retry + 1);
        else if (r.status == 401 || r.status == 403)
            rc = reel_fail(err, REEL_EAUTH, c->url,
                           "the model endpoint refused the credentials (HTTP %ld); check "
                           "REEL_LLM_API_KEY",
                           r.status);
        else if (r.status != 200)
            rc = reel_fail(err, REEL_ENET, c->url, "the model endpoint answered HTTP %ld: %.200s",
                           r.status, r.body.buf);
        else if (!json_is_object(body))
            rc = reel_fail(err, REEL_ENET, c->url, "the model endpoint's reply is not JSON");
        if (!rc)
            *body_out = json_incref(body);
        buf_release(&r.body);
        json_decref(resp);
        return rc;
    }
}

/* ---- the prompt ---- */

static json_t *r2(double v)
{
    return json_real(round(v * 100) / 100);
}

static json_t *pairs(const json_t *arr, size_t max)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v)
    {
        if (json_array_size(out) >= max)
            break;
        json_t *p = json_array();
        json_array_append_new(p, r2(facts_num(v, "start", 0)));
        json_array_append_new(p, r2(facts_num(v, "end", 0)));
        json_array_append_new(out, p);
    }
    return out;
}

/* Transcript lines with times: its segments, else words grouped at pauses. */
static json_t *transcript_lines(const json_t *tr, size_t max_chars)
{
    json_t *out = json_array();
    size_t chars = 0, i;
    json_t *v;
    const json_t *segs = json_object_get(tr, "segments");
    if (json_array_size(segs)) {
        json_array_foreach(segs, i, v)
        {
            const char *t = json_get_str(v, "text", "");
            if (chars + strlen(t) > max_chars)
                break;
            chars += strlen(t);
            json_t *o = json_object();
            json_object_set_new(o, "start", r2(facts_num(v, "start", 0)));
            json_object_set_new(o, "end", r2(facts_num(v, "end", 0)));
            json_object_set_new(o, "text", json_string(t));
            json_array_append_new(out, o);
        }
        return out;
    }
    struct buf line = BUF_INIT;
    double ls = -1, le = 0;
    const json_t *words = json_object_get(tr, "words");
    json_array_foreach(words, i, v)
    {
        double s = facts_num(v, "start", 0), e = facts_num(v, "end", 0);
        const char *w = json_get_str(v, "word", "");
        if (ls >= 0 && (s - le > 0.5 || line.len > 80)) {
            json_t *o = json_object();
            json_object_set_new(o, "start", r2(ls));
            json_object_set_new(o, "end", r2(le));
            json_object_set_new(o, "text", json_string(line.buf));
            json_array_append_new(out, o);
            chars += line.len;
            buf_reset(&line);
            ls = -1;
            if (chars > max_chars)
                break;
        }
        if (ls < 0)
            ls = s;
        if (line.len)
            buf_addch(&line, ' ');
        buf_adds(&line, w);
        if (json_is_true(json_object_get(v, "filler")))
            buf_adds(&line, "(filler)");
        le = e;
    }
    if (ls >= 0 && chars <= max_chars) {
        json_t *o = json_object();
        json_object_set_new(o, "start", r2(ls));
        json_object_set_new(o, "end", r2(le));
        json_object_set_new(o, "text", json_string(line.buf));
        json_array_append_new(out, o);
    }
    buf_release(&line);
    return out;
}

static json_t *asset_summary(const struct planner_asset *a)
{
    json_t *s = json_object();
    json_object_set_new(s, "label", json_string(a->label));
    json_object_set_new(s, "type", json_string(planner_asset_type(a)));
    json_object_set_new(s, "kind", json_string(media_kind_name(a->probe.kind)));
    if (a->probe.duration > 0)
        json_object_set_new(s, "duration", r2(a->probe.duration));
    if (a->probe.has_video) {
        int w, h;
        media_display_size(&a->probe, &w, &h);
        json_object_set_new(s, "width", json_integer(w));
        json_object_set_new(s, "height", json_integer(h));
    }
    if (a->probe.fps > 0)
        json_object_set_new(s, "fps", r2(a->probe.fps));
    json_object_set_new(s, "has_audio", json_boolean(a->probe.has_audio));
    const json_t *an = a->analysis;
    if (an) {
        if (json_array_size(json_object_get(an, "shots")))
            json_object_set_new(s, "shots", pairs(json_object_get(an, "shots"), 40));
        if (json_array_size(json_object_get(an, "speech")))
            json_object_set_new(s, "speech", pairs(json_object_get(an, "speech"), 40));
        if (json_array_size(json_object_get(an, "silence")))
            json_object_set_new(s, "silence", pairs(json_object_get(an, "silence"), 40));
        if (json_array_size(json_object_get(an, "music")))
            json_object_set_new(s, "music", pairs(json_object_get(an, "music"), 20));
        const json_t *l = json_object_get(an, "loudness");
        if (json_is_object(l)) {
            json_t *lo = json_object();
            if (json_is_number(json_object_get(l, "integrated_lufs")))
                json_object_set_new(lo, "integrated_lufs", r2(facts_num(l, "integrated_lufs", 0)));
            if (json_is_number(json_object_get(l, "true_peak_dbtp")))
                json_object_set_new(lo, "true_peak_dbtp", r2(facts_num(l, "true_peak_dbtp", 0)));
            json_object_set_new(s, "loudness", lo);
        }
        const json_t *b = json_object_get(an, "beats");
        if (json_is_object(b)) {
            json_t *bo = json_object(), *times = json_array();
            json_object_set_new(bo, "bpm", r2(facts_num(b, "bpm", 0)));
            size_t i;
            json_t *v;
            json_array_foreach(json_object_get(b, "times"), i, v)
            {
                if (i >= 64)
                    break;
                json_array_append_new(times, json_real(round(json_number_value(v) * 1000) / 1000));
            }
            json_object_set_new(bo, "times", times);
            json_object_set_new(s, "beats", bo);
        }
        const json_t *m = json_object_get(an, "motion");
        if (json_array_size(m)) {
            json_t *mo = json_array();
            size_t i;
            json_t *v;
            json_array_foreach(m, i, v)
            {
                if (i >= 120)
                    break;
                json_array_append_new(mo, r2(json_number_value(v)));
            }
            json_object_set_new(s, "motion_per_second", mo);
        }
    }
    if (a->transcript)
        json_object_set_new(s, "transcript", transcript_lines(a->transcript, 6000));
    return s;
}

/* A JPEG of the frame at t: the analysis' thumbnail file when it has one,
 * else one frame through ffmpeg. */
static int keyframe_jpeg(const struct planner_asset *a, double t, const char *thumb,
                         struct buf *jpeg)
{
    if (thumb && buf_read_file(jpeg, thumb, 1u << 20, NULL) == REEL_OK && jpeg->len > 2 &&
        (unsigned char)jpeg->buf[0] == 0xFF && (unsigned char)jpeg->buf[1] == 0xD8)
        return 1;
    buf_reset(jpeg);
    if (!a->path || a->probe.kind != MEDIA_VIDEO)
        return 0;
    struct argv av = ARGV_INIT;
    argv_push(&av, config_ffmpeg());
    argv_pushv(&av, (const char *const[]){"-nostdin", "-v", "error", "-ss", NULL});
    argv_pushf(&av, "%.3f", t);
    argv_push(&av, "-i");
    argv_push(&av, a->path);
    argv_pushv(&av, (const char *const[]){"-frames:v", "1", "-vf", "scale=384:-2", "-q:v", "6",
                                          "-f", "image2pipe", "-c:v", "mjpeg", "pipe:1", NULL});
    int status = -1;
    enum reel_code rc = proc_run(&av, jpeg, NULL, 2u << 20, &status, NULL);
    argv_release(&av);
    return rc == REEL_OK && status == 0 && jpeg->len > 2;
}

static void add_images(json_t *parts, const struct planner_asset *assets, size_t n,
                       const struct planner_opts *o)
{
    int left = o->max_images;
    size_t nvid = 0;
    for (size_t i = 0; i < n; i++)
        nvid += assets[i].probe.kind == MEDIA_VIDEO;
    if (!nvid)
        return;
    int per = (int)((left + (int)nvid - 1) / (int)nvid);
    if (per > 3)
        per = 3;
    struct buf jpeg = BUF_INIT;
    for (size_t i = 0; i < n && left > 0; i++) {
        const struct planner_asset *a = &assets[i];
        if (a->probe.kind != MEDIA_VIDEO || a->probe.duration <= 0)
            continue;
        const json_t *shots = json_object_get(a->analysis, "shots");
        size_t ns = json_array_size(shots);
        for (int k = 0; k < per && left > 0; k++) {
            double t;
            const char *thumb = NULL;
            if (ns) {
                const json_t *sh = json_array_get(shots, ns * (size_t)k / (size_t)per);
                t = facts_num(sh, "keyframe_t",
                              (facts_num(sh, "start", 0) + facts_num(sh, "end", 0)) / 2);
                thumb = json_get_str(sh, "thumbnail", NULL);
            } else {
                t = a->probe.duration * (0.15 + 0.7 * k / (per > 1 ? per - 1 : 1));
            }
            buf_reset(&jpeg);
            if (!keyframe_jpeg(a, t, thumb, &jpeg))
                continue;
            size_t b64n = AV_BASE64_SIZE(jpeg.len);
            char *b64 = xmalloc(b64n);
            if (!av_base64_encode(b64, (int)b64n, (const uint8_t *)jpeg.buf, (int)jpeg.len)) {
                free(b64);
                continue;
            }
            json_t *txt = json_object();
            json_object_set_new(txt, "type", json_string("text"));
            char cap[128];
            snprintf(cap, sizeof(cap), "Keyframe of '%s' at %.2f s:", a->label, t);
            json_object_set_new(txt, "text", json_string(cap));
            json_array_append_new(parts, txt);
            json_t *img = json_object(), *iu = json_object();
            json_object_set_new(img, "type", json_string("image_url"));
            char *url = xasprintf("data:image/jpeg;base64,%s", b64);
            json_object_set_new(iu, "url", json_string(url));
            json_object_set_new(iu, "detail", json_string("low"));
            json_object_set_new(img, "image_url", iu);
            json_array_append_new(parts, img);
            free(url);
            free(b64);
            left--;
        }
    }
    buf_release(&jpeg);
}

static json_t *first_user_message(const struct planner_brief *brief,
                                  const struct planner_asset *assets, size_t n,
                                  const struct planner_opts *o)
{
    json_t *facts = json_object(), *arr = json_array();
    json_object_set_new(facts, "brief", planner_brief_to_json(brief));
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, asset_summary(&assets[i]));
    json_object_set_new(facts, "assets", arr);
    struct buf b = BUF_INIT;
    buf_adds(&b, "Write the EditPlan for this brief and these assets (times in seconds).\n");
    json_dump_buf(facts, &b, 0);
    json_decref(facts);
    json_t *msg = json_object();
    json_object_set_new(msg, "role", json_string("user"));
    if (o->no_images) {
        json_object_set_new(msg, "content", json_string(b.buf));
    } else {
        json_t *parts = json_array(), *txt = json_object();
        json_object_set_new(txt, "type", json_string("text"));
        json_object_set_new(txt, "text", json_string(b.buf));
        json_array_append_new(parts, txt);
        add_images(parts, assets, n, o);
        if (json_array_size(parts) == 1) {
            json_object_set_new(msg, "content", json_string(b.buf));
            json_decref(parts);
        } else {
            json_object_set_new(msg, "content", parts);
        }
    }
    buf_release(&b);
    return msg;
}

static void push_msg(json_t *history, const char *role, const char *content)
{
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string(role));
    json_object_set_new(m, "content", json_string(content));
    json_array_append_new(history, m);
}

/* The feedback as words for the model. */
static void feedback_text(const json_t *fb, struct buf *out)
{
    const json_t *ve = json_object_get(fb, "validation_errors");
    size_t i;
    json_t *v;
    if (json_array_size(ve)) {
        buf_adds(out, "The plan does not validate. Fix every error below and reply with the "
                      "complete corrected EditPlan.\nErrors (path, code, message):\n");
        json_array_foreach(ve, i, v)
        {
            if (i >= 60) {
                buf_addf(out, "... and %zu more\n", json_array_size(ve) - 60);
                break;
            }
            buf_addf(out, "- %s (%s): %s\n", json_get_str(v, "path", "$"),
                     json_get_str(v, "code", "error"), json_get_str(v, "message", ""));
        }
    }
    const json_t *se = json_object_get(fb, "ffmpeg_stderr");
    if (se && !json_is_null(se)) {
        buf_adds(out, "FFmpeg rejected the render of this plan. Its error output:\n");
        size_t n = json_array_size(se);
        if (json_is_string(se))
            buf_addf(out, "%.4000s\n", json_string_value(se));
        json_array_foreach(se, i, v)
        {
            if (n > 30 && i < n - 30)
                continue;
            buf_addf(out, "  %.300s\n", json_string_value(v) ? json_string_value(v) : "");
        }
        buf_adds(out, "Change the plan so that it renders, and reply with the complete "
                      "EditPlan.\n");
    }
    const json_t *ev = json_object_get(fb, "evaluation");
    if (ev) {
        buf_adds(out, "The render was evaluated");
        if (json_is_number(json_object_get(ev, "score")))
            buf_addf(out, " (overall score %.2f)", facts_num(ev, "score", 0));
        buf_adds(out, ". The report, with each metric's score, gate and evidence:\n");
        json_dump_buf(ev, out, 0);
        buf_adds(out, "\nChange what the failing metrics point at (loudness target, cut "
                      "density and beats, caption contrast and size, logo placement...) and "
                      "reply with the complete improved EditPlan.\n");
    }
    if (!out->len)
        buf_adds(out, "Improve the plan and reply with the complete EditPlan.\n");
}

/* The reply's content as a JSON document; fences and prose around it are
 * dropped (a local repair before asking the model again). */
static json_t *parse_content(const char *content, char *why, size_t n)
{
    json_t *j = NULL;
    struct reel_err e = REEL_ERR_INIT;
    size_t len = strlen(content);
    if (json_parse(content, len, 0, "reply", &j, &e) == REEL_OK && json_is_object(j))
        goto unwrap;
    json_decref(j);
    j = NULL;
    snprintf(why, n, "%s: %s", e.path, e.msg);
    const char *a = strchr(content, '{'), *b = strrchr(content, '}');
    if (a && b && b > a) {
        if (json_parse(a, (size_t)(b - a + 1), 0, "reply", &j, NULL) == REEL_OK &&
            json_is_object(j))
            goto unwrap;
        json_decref(j);
    }
    return NULL;
unwrap:
    /* {"plan": {...}} or {"edit_plan": {...}} */
    if (!json_object_get(j, "operations")) {
        static const char *const keys[] = {"plan", "edit_plan", "editplan", "EditPlan"};
        for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
            json_t *in = json_object_get(j, keys[i]);
            if (json_is_object(in) && json_object_get(in, "operations")) {
                json_t *r = json_incref(in);
                json_decref(j);
                return r;
            }
        }
    }
    return j;
}

static json_t *one_issue(const char *code, const char *msg)
{
    json_t *arr = json_array(), *o = json_object();
    json_object_set_new(o, "path", json_string("$"));
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "message", json_string(msg));
    json_array_append_new(arr, o);
    return arr;
}

static const char *message_content(const json_t *msg, struct buf *tmp)
{
    const json_t *c = json_object_get(msg, "content");
    if (json_is_string(c))
        return json_string_value(c);
    size_t i;
    json_t *p;
    json_array_foreach(c, i, p) if (json_is_string(json_object_get(p, "text")))
        buf_adds(tmp, json_string_value(json_object_get(p, "text")));
    return tmp->len ? tmp->buf : NULL;
}

/* The repair loop, from the conversation as it stands. */
static enum reel_code run_loop(struct convo *c, const struct planner_asset *assets, size_t n,
                               struct reel_err *err)
{
    const struct planner_opts *o = c->o;
    const char *model = o->model ? o->model : "";
    snprintf(c->res->model, sizeof(c->res->model), "%s", model);
    for (c->attempt = 1; c->attempt <= o->max_attempts; c->attempt++) {
        c->prompt_tokens = c->completion_tokens = 0;
        json_t *body = NULL;
        enum reel_code rc = converse(c, &body, err);
        c->res->prompt_tokens += c->prompt_tokens;
        c->res->completion_tokens += c->completion_tokens;
        double cost = planner_cost_usd(model, c->prompt_tokens, c->completion_tokens);
        c->res->cost_usd += cost;
        if (rc) {
            if (c->prompt_tokens || c->completion_tokens) {
                struct planner_attempt *a = planner_result_add(
                    c->res, NULL, one_issue("no_reply", err ? err->msg : ""), 0, model);
                a->prompt_tokens = c->prompt_tokens;
                a->completion_tokens = c->completion_tokens;
                a->cost_usd = cost;
            }
            return rc;
        }
        const json_t *msg =
            json_object_get(json_array_get(json_object_get(body, "choices"), 0), "message");
        const char *refusal = json_get_str(msg, "refusal", NULL);
        const char *finish =
            json_get_str(json_array_get(json_object_get(body, "choices"), 0), "finish_reason", "");
        struct buf tmp = BUF_INIT;
        const char *content = message_content(msg, &tmp);
        json_t *plan = NULL, *issues = NULL, *fb = NULL;
        char why[600] = "";
        int valid = 0;
        if (refusal && *refusal) {
            struct planner_attempt *a =
                planner_result_add(c->res, NULL, one_issue("refusal", refusal), 0, model);
            a->prompt_tokens = c->prompt_tokens;
            a->completion_tokens = c->completion_tokens;
            a->cost_usd = cost;
            if (o->recorder && o->recorder->on_attempt)
                o->recorder->on_attempt(o->recorder->ctx, c->attempt, NULL, a->issues);
            rc = reel_fail(err, REEL_EINVAL, "model", "the model refused to plan: %.300s", refusal);
            buf_release(&tmp);
            json_decref(body);
            return rc;
        }
        if (!content || !*content) {
            snprintf(why, sizeof(why), "the reply had no content (finish_reason %s)", finish);
        } else if (!(plan = parse_content(content, why, sizeof(why)))) {
            if (!strcmp(finish, "length"))
                snprintf(why + strlen(why), sizeof(why) - strlen(why),
                         " (the reply was cut at the token limit: write a shorter plan)");
        }
        if (plan) {
            /* the labels resolve to the files the planner was given, whatever
             * paths the model may have written */
            json_t *amap = json_object();
            for (size_t i = 0; i < n; i++)
                if (assets[i].path)
                    json_object_set_new(amap, assets[i].label, json_string(assets[i].path));
            json_object_set_new(plan, "assets", amap);
            valid = planner_validate_plan(plan, assets, n, &issues);
            fb = json_object();
            if (!valid) {
                json_object_set(fb, "validation_errors", issues);
            } else if (o->check) {
                json_t *cfb = NULL;
                if (o->check(o->check_ctx, plan, &cfb) != REEL_OK) {
                    valid = 0;
                    json_decref(fb);
                    fb = cfb ? cfb : json_object();
                    json_decref(issues);
                    issues = one_issue("render_failed", "the plan did not pass the check");
                } else {
                    json_decref(cfb);
                }
            }
        } else {
            issues = one_issue("bad_json", why);
        }
        struct planner_attempt *a = planner_result_add(c->res, plan, issues, valid, model);
        a->prompt_tokens = c->prompt_tokens;
        a->completion_tokens = c->completion_tokens;
        a->cost_usd = cost;
        if (o->recorder && o->recorder->on_attempt)
            o->recorder->on_attempt(o->recorder->ctx, c->attempt, plan, a->issues);
        if (valid || (plan && o->stop_at_plan)) {
            json_decref(fb);
            buf_release(&tmp);
            json_decref(body);
            return REEL_OK;
        }
        /* back to the model with what was wrong */
        struct buf fbt = BUF_INIT;
        if (plan) {
            feedback_text(fb, &fbt);
        } else {
            buf_addf(&fbt,
                     "Your reply was not a valid JSON object (%s). Reply with the complete "
                     "EditPlan as one JSON object and nothing else.",
                     why);
            fb = json_object();
            json_object_set_new(fb, "malformed", json_string(why));
        }
        a->feedback = fb;
        char *assistant = xstrndup(content ? content : "", 16000);
        push_msg(c->history, "assistant", assistant);
        push_msg(c->history, "user", fbt.buf);
        free(assistant);
        buf_release(&fbt);
        buf_release(&tmp);
        json_decref(body);
    }
    return reel_fail(err, REEL_EINVAL, "plan", "no valid plan after %d attempt%s", o->max_attempts,
                     o->max_attempts == 1 ? "" : "s");
}

static void convo_init(struct convo *c, const struct planner_opts *o, struct planner_result *res)
{
    memset(c, 0, sizeof(*c));
    c->o = o;
    c->res = res;
    const char *base = o->base_url ? o->base_url : "";
    size_t bl = strlen(base);
    while (bl && base[bl - 1] == '/')
        bl--;
    snprintf(c->url, sizeof(c->url), "%.*s/chat/completions", (int)bl, base);
    c->schema = planner_plan_schema();
    c->strict_schema = plan_schema_strict();
    c->history = json_array();
}

static void convo_release(struct convo *c)
{
    json_decref(c->schema);
    json_decref(c->strict_schema);
    json_decref(c->history);
}

enum reel_code llm_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                        size_t nassets, const struct planner_opts *opts, struct planner_result *res,
                        struct reel_err *err)
{
    struct convo c;
    convo_init(&c, opts, res);
    json_array_append_new(c.history, first_user_message(brief, assets, nassets, opts));
    enum reel_code rc = run_loop(&c, assets, nassets, err);
    convo_release(&c);
    return rc;
}

enum reel_code llm_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const json_t *previous, const json_t *feedback,
                          const struct planner_opts *opts, struct planner_result *res,
                          struct reel_err *err)
{
    struct convo c;
    convo_init(&c, opts, res);
    json_array_append_new(c.history, first_user_message(brief, assets, nassets, opts));
    struct buf b = BUF_INIT;
    json_dump_buf(previous, &b, 0);
    push_msg(c.history, "assistant", b.buf);
    buf_reset(&b);
    feedback_text(feedback, &b);
    push_msg(c.history, "user", b.buf);
    buf_release(&b);
    enum reel_code rc = run_loop(&c, assets, nassets, err);
    convo_release(&c);
    return rc;
}

/* ---- judging a render (the evaluation's retention metric asks) ---- */

static const char judge_prompt[] =
    "You are a senior video editor reviewing a finished short edit. From its keyframes (in "
    "order, with their times), its transcript and the brief, judge two things from 0 (poor) to "
    "1 (excellent): hook, whether the first 3 seconds make a viewer stay; pacing, whether the "
    "rhythm of shots and speech suits the brief. Reply with one JSON object: "
    "{\"hook\": number, \"pacing\": number, \"reason\": one or two sentences an editor can "
    "act on}.";

static json_t *judge_schema(void)
{
    json_t *num = json_pack("{s:s}", "type", "number");
    return json_pack("{s:s, s:b, s:[s,s,s], s:{s:O, s:o, s:{s:s}}}", "type", "object",
                     "additionalProperties", 0, "required", "hook", "pacing", "reason",
                     "properties", "hook", num, "pacing", num, "reason", "type", "string");
}

static void judge_image(json_t *parts, const struct planner_asset *render, double t,
                        struct buf *jpeg)
{
    buf_reset(jpeg);
    if (!keyframe_jpeg(render, t, NULL, jpeg))
        return;
    size_t b64n = AV_BASE64_SIZE(jpeg->len);
    char *b64 = xmalloc(b64n);
    if (av_base64_encode(b64, (int)b64n, (const uint8_t *)jpeg->buf, (int)jpeg->len)) {
        char cap[64];
        snprintf(cap, sizeof(cap), "Keyframe at %.2f s:", t);
        json_array_append_new(parts, json_pack("{s:s, s:s}", "type", "text", "text", cap));
        char *url = xasprintf("data:image/jpeg;base64,%s", b64);
        json_array_append_new(parts, json_pack("{s:s, s:{s:s, s:s}}", "type", "image_url",
                                               "image_url", "url", url, "detail", "low"));
        free(url);
    }
    free(b64);
}

enum reel_code planner_judge(const struct planner_brief *brief, const struct planner_asset *render,
                             const json_t *words, const struct planner_opts *opts, json_t **out,
                             struct reel_err *err)
{
    *out = NULL;
    struct planner_opts o = *opts;
    if (!o.base_url || !*o.base_url || !o.model || !*o.model)
        return reel_fail(err, REEL_EUSAGE, NULL, "judging needs REEL_LLM_BASE_URL and _MODEL");
    struct planner_result res;
    planner_result_init(&res);
    struct convo c;
    convo_init(&c, &o, &res);
    json_decref(c.schema);
    json_decref(c.strict_schema);
    c.schema = judge_schema();
    c.strict_schema = json_incref(c.schema);
    c.sys = judge_prompt;
    c.schema_name = "judgement";
    c.attempt = 1;

    /* the facts: brief, duration, transcript */
    struct buf t = BUF_INIT;
    buf_addf(&t,
             "Brief: %s\nDuration: %.1f s\nTranscript:", brief && brief->text ? brief->text : "",
             render->probe.duration);
    size_t i;
    json_t *w;
    const json_t *arr = json_is_array(words) ? words : json_object_get(words, "words");
    json_array_foreach(arr, i, w)
    {
        if (t.len > 8000)
            break;
        buf_addf(&t, " %s", json_get_str(w, "word", ""));
    }
    if (!json_array_size(arr))
        buf_adds(&t, " (no speech)");
    json_t *msg = json_object();
    json_object_set_new(msg, "role", json_string("user"));
    if (o.no_images) {
        json_object_set_new(msg, "content", json_string(t.buf));
    } else {
        json_t *parts = json_array();
        json_array_append_new(parts, json_pack("{s:s, s:s}", "type", "text", "text", t.buf));
        /* the hook (three in the first 3 s), then the rest of the edit */
        struct buf jpeg = BUF_INIT;
        double D = render->probe.duration > 0 ? render->probe.duration : 3;
        const double hook[] = {0.5, 1.5, 2.5};
        for (int k = 0; k < 3; k++)
            if (hook[k] < D)
                judge_image(parts, render, hook[k], &jpeg);
        for (int k = 1; k <= 3 && D > 4; k++)
            judge_image(parts, render, 3 + (D - 3) * k / 4.0, &jpeg);
        buf_release(&jpeg);
        json_object_set_new(msg, "content", parts);
    }
    buf_release(&t);
    json_array_append_new(c.history, msg);

    json_t *body = NULL;
    enum reel_code rc = converse(&c, &body, err);
    if (!rc) {
        const json_t *m =
            json_object_get(json_array_get(json_object_get(body, "choices"), 0), "message");
        struct buf tmp = BUF_INIT;
        const char *content = message_content(m, &tmp);
        char why[300] = "";
        json_t *j = content ? parse_content(content, why, sizeof(why)) : NULL;
        json_t *h = json_object_get(j, "hook"), *pc = json_object_get(j, "pacing");
        if (!j || !json_is_number(h) || !json_is_number(pc)) {
            rc = reel_fail(err, REEL_EINVAL, "model",
                           "the judgement is not {hook, pacing, reason} numbers: %.200s",
                           content ? content : "(no content)");
        } else {
            double hv = json_number_value(h), pv = json_number_value(pc);
            *out = json_pack("{s:f, s:f, s:s, s:s, s:i, s:i, s:f}", "hook",
                             hv < 0   ? 0
                             : hv > 1 ? 1
                                      : hv,
                             "pacing",
                             pv < 0   ? 0
                             : pv > 1 ? 1
                                      : pv,
                             "reason", json_get_str(j, "reason", ""), "model", o.model,
                             "prompt_tokens", c.prompt_tokens, "completion_tokens",
                             c.completion_tokens, "cost_usd",
                             planner_cost_usd(o.model, c.prompt_tokens, c.completion_tokens));
        }
        json_decref(j);
        buf_release(&tmp);
    }
    json_decref(body);
    convo_release(&c);
    planner_result_release(&res);
    return rc;
}
