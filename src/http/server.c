/*
 * reel serve: libmicrohttpd with one thread per connection. Each request
 * borrows a store connection from a small pool; uploads are streamed to
 * files by MHD's post processor; event streams block in their connection's
 * thread on the broadcaster (events.c).
 */

#include <arpa/inet.h>
#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent.h"
#include "transcribe/transcribe.h"
#include "core/config.h"
#include "core/embed.h"
#include "export/export.h"
#include "http/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

/* ---- store pool ---- */

#define POOL_WAIT_MS 15000

struct store *srv_store_get(struct http_server *s, struct reel_err *err)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += POOL_WAIT_MS / 1000;
    pthread_mutex_lock(&s->pool_mu);
    while (!s->npool && s->nopen >= s->max_conns && !s->stopping)
        if (pthread_cond_timedwait(&s->pool_cond, &s->pool_mu, &until) == ETIMEDOUT)
            break;
    struct store *st = NULL;
    int open_new = 0;
    if (s->npool)
        st = s->pool[--s->npool];
    else if (s->nopen < s->max_conns)
        open_new = ++s->nopen;
    pthread_mutex_unlock(&s->pool_mu);
    if (st)
        return st;
    if (!open_new) {
        reel_fail(err, REEL_EDB, "store",
                  "all %d database connections stayed busy for %d s (REEL_HTTP_DB_CONNS)",
                  s->max_conns, POOL_WAIT_MS / 1000);
        return NULL;
    }
    if (store_open(s->db_url, &st, err)) {
        pthread_mutex_lock(&s->pool_mu);
        s->nopen--;
        pthread_cond_signal(&s->pool_cond);
        pthread_mutex_unlock(&s->pool_mu);
        return NULL;
    }
    return st;
}

void srv_store_put(struct http_server *s, struct store *st)
{
    if (!st)
        return;
    pthread_mutex_lock(&s->pool_mu);
    if (s->npool < (int)ARRAY_SIZE(s->pool)) {
        s->pool[s->npool++] = st;
        st = NULL;
    } else {
        s->nopen--;
    }
    pthread_cond_signal(&s->pool_cond);
    pthread_mutex_unlock(&s->pool_mu);
    store_close(st);
}

/* ---- small helpers ---- */

int http_range_parse(const char *hdr, uint64_t size, uint64_t *start, uint64_t *end)
{
    if (!hdr || strncmp(hdr, "bytes=", 6))
        return 1;
    const char *p = hdr + 6;
    if (strchr(p, ','))
        return 1; /* multiple ranges: serve the whole file */
    char *e;
    if (*p == '-') {
        errno = 0;
        unsigned long long n = strtoull(p + 1, &e, 10);
        if (errno || e == p + 1 || *e)
            return 1;
        if (n == 0 || size == 0)
            return -1;
        if (n > size)
            n = size;
        *start = size - n;
        *end = size - 1;
        return 0;
    }
    if (*p < '0' || *p > '9')
        return 1;
    errno = 0;
    unsigned long long a = strtoull(p, &e, 10);
    if (errno || *e != '-')
        return 1;
    const char *q = e + 1;
    unsigned long long b = size ? size - 1 : 0;
    if (*q) {
        if (*q < '0' || *q > '9')
            return 1;
        errno = 0;
        b = strtoull(q, &e, 10);
        if (errno || *e)
            return 1;
        if (b < a)
            return 1;
        if (b >= size)
            b = size ? size - 1 : 0;
    }
    if (a >= size)
        return -1;
    *start = a;
    *end = b;
    return 0;
}

static int addr4_public(uint32_t a) /* host byte order */
{
    uint8_t b0 = a >> 24, b1 = (a >> 16) & 0xff;
    if (b0 == 0 || b0 == 10 || b0 == 127 || b0 >= 224)
        return 0;
    if (b0 == 169 && b1 == 254)
        return 0;
    if (b0 == 172 && (b1 & 0xf0) == 16)
        return 0;
    if (b0 == 192 && b1 == 168)
        return 0;
    if (b0 == 100 && (b1 & 0xc0) == 64) /* CGNAT 100.64/10 */
        return 0;
    if (b0 == 192 && b1 == 0 && ((a >> 8) & 0xff) == 0)
        return 0;
    if (b0 == 198 && (b1 == 18 || b1 == 19))
        return 0;
    return 1;
}

int http_addr_public(const void *sa_)
{
    /* copies, not casts: the caller's object may be any sockaddr type */
    sa_family_t fam;
    memcpy(&fam, sa_, sizeof(fam));
    if (fam == AF_INET) {
        struct sockaddr_in v4;
        memcpy(&v4, sa_, sizeof(v4));
        return addr4_public(ntohl(v4.sin_addr.s_addr));
    }
    if (fam == AF_INET6) {
        struct sockaddr_in6 v6;
        memcpy(&v6, sa_, sizeof(v6));
        const struct in6_addr *a = &v6.sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a)) {
            uint32_t x;
            memcpy(&x, a->s6_addr + 12, 4);
            return addr4_public(ntohl(x));
        }
        if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_LINKLOCAL(a) ||
            IN6_IS_ADDR_SITELOCAL(a) || IN6_IS_ADDR_MULTICAST(a))
            return 0;
        if ((a->s6_addr[0] & 0xfe) == 0xfc) /* ULA fc00::/7 */
            return 0;
        if (a->s6_addr[0] == 0x20 && a->s6_addr[1] == 0x01 && a->s6_addr[2] == 0x0d &&
            a->s6_addr[3] == 0xb8) /* documentation */
            return 0;
        if (a->s6_addr[0] == 0x00 && a->s6_addr[1] == 0x64 && a->s6_addr[2] == 0xff &&
            a->s6_addr[3] == 0x9b) /* NAT64 may reach anything */
            return 0;
        return 1;
    }
    return 0;
}

/* ---- per-request state ---- */

enum req_kind { REQ_PLAIN, REQ_JSON_BODY, REQ_MULTIPART };

struct upload_file {
    char *path, *name;
};

struct req {
    enum req_kind kind;
    int done_headers;
    int err_status; /* an error found while reading the body */
    char err_msg[256];
    struct http_principal who;
    int authed;
    struct buf body;
    uint64_t received;
    struct MHD_PostProcessor *pp;
    /* multipart */
    char updir[PATH_MAX];
    VEC(struct upload_file) files;
    int fd;          /* current file or -1 */
    char *cur_field; /* field of the open file */
    struct buf brief, title, script;
};

static void req_free(struct req *r, int keep_files)
{
    if (!r)
        return;
    if (r->pp)
        MHD_destroy_post_processor(r->pp);
    if (r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; i < r->files.n; i++) {
        if (!keep_files)
            unlink(r->files.v[i].path);
        free(r->files.v[i].path);
        free(r->files.v[i].name);
    }
    if (!keep_files && r->updir[0])
        rmdir(r->updir);
    VEC_FREE(&r->files);
    free(r->cur_field);
    buf_release(&r->body);
    buf_release(&r->brief);
    buf_release(&r->title);
    buf_release(&r->script);
    free(r);
}

/* ---- responses ---- */

/* `disposition`: a Content-Disposition header value, or NULL for none */
static enum MHD_Result send_buf_as(struct MHD_Connection *c, int status, const char *type,
                                   const char *disposition, const void *data, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(resp, "Content-Type", type);
    if (disposition)
        MHD_add_response_header(resp, "Content-Disposition", disposition);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, int status, const char *type,
                                const void *data, size_t len)
{
    return send_buf_as(c, status, type, NULL, data, len);
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status, json_t *j)
{
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 0);
    buf_addch(&b, '\n');
    json_decref(j);
    enum MHD_Result r = send_buf(c, status, "application/json", b.buf, b.len);
    buf_release(&b);
    return r;
}

static const char *status_code_name(int status)
{
    switch (status) {
    case 400:
        return "bad_request";
    case 401:
        return "unauthorized";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 409:
        return "conflict";
    case 413:
        return "too_large";
    case 415:
        return "unsupported_media_type";
    case 416:
        return "range_not_satisfiable";
    case 422:
        return "invalid";
    case 429:
        return "rate_limited";
    case 502:
        return "bad_gateway";
    case 503:
        return "unavailable";
    default:
        return "internal";
    }
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status, const char *path,
                                  const char *msg)
{
    json_t *e = json_pack("{s:s, s:s}", "code", status_code_name(status), "message", msg);
    if (path && *path)
        json_object_set_new(e, "path", json_string(path));
    return send_json(c, status, json_pack("{s:o}", "error", e));
}

static enum MHD_Result send_err(struct MHD_Connection *c, const struct reel_err *err)
{
    int st = reel_code_http(err->code);
    if (err->code == REEL_EINVAL)
        st = 422;
    if (st < 400)
        st = 500;
    return send_error(c, st, err->path, err->msg);
}

/* GET /api/jobs/{id}/plans/{version}/export?format=F: the plan version in
 * another editor's format, as a download named job-vN.EXT. */
static enum MHD_Result send_export(struct MHD_Connection *c, struct store *st, const char *job_id,
                                   const char *vseg)
{
    const char *fname = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    const struct export_format *f = export_find(fname);
    long v;
    if (!f) {
        char msg[160];
        snprintf(msg, sizeof(msg), "unknown export format '%.40s' (one of %s)", fname ? fname : "",
                 export_format_names());
        return send_error(c, 400, "format", msg);
    }
    if (!parse_long(vseg, &v) || v < 1 || v > 1000000)
        return send_error(c, 404, vseg, "no such plan version");
    struct reel_err err = REEL_ERR_INIT;
    struct plan p;
    struct buf out = BUF_INIT;
    int loaded;
    enum MHD_Result res;
    json_t *transcripts = NULL;
    /* the job's transcripts: exported captions are the ones its render burned */
    if (agent_plan_load(st, job_id, (int)v, &p, &loaded, &transcripts, &err) ||
        export_run(f, &p, transcripts, &out, NULL, &err)) {
        res = send_err(c, &err);
    } else {
        char disp[128];
        snprintf(disp, sizeof(disp), "attachment; filename=\"%.40s-v%ld%s\"", job_id, v,
                 f->extension);
        res = send_buf_as(c, 200, f->content_type, disp, out.buf, out.len);
    }
    json_decref(transcripts);
    buf_release(&out);
    plan_release(&p);
    return res;
}

/* ---- access ---- */

static int rate_take(struct http_server *s, const char *key_id, double *retry_after)
{
    int64_t now = now_mono_ms();
    pthread_mutex_lock(&s->rl_mu);
    struct bucket *b = NULL;
    for (int i = 0; i < s->nbuckets; i++)
        if (!strcmp(s->buckets[i].key_id, key_id)) {
            b = &s->buckets[i];
            break;
        }
    if (!b) {
        if (s->nbuckets < (int)ARRAY_SIZE(s->buckets)) {
            b = &s->buckets[s->nbuckets++];
        } else { /* forget the idlest bucket */
            b = &s->buckets[0];
            for (int i = 1; i < s->nbuckets; i++)
                if (s->buckets[i].t_ms < b->t_ms)
                    b = &s->buckets[i];
        }
        snprintf(b->key_id, sizeof(b->key_id), "%s", key_id);
        b->tokens = s->burst;
        b->t_ms = now;
    }
    b->tokens += (double)(now - b->t_ms) / 1000.0 * s->rate;
    if (b->tokens > s->burst)
        b->tokens = s->burst;
    b->t_ms = now;
    int ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else
        *retry_after = (1.0 - b->tokens) / s->rate;
    pthread_mutex_unlock(&s->rl_mu);
    return ok;
}

static int key_cached(struct http_server *s, const char *key, struct http_principal *who)
{
    char d[65];
    sha256_hex(key, strlen(key), d);
    unsigned h =
        (unsigned)strtoul((char[9]){d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], 0}, NULL, 16);
    struct key_cache_entry *e = &s->kc[h % KEY_CACHE];
    int hit = 0;
    pthread_mutex_lock(&s->kc_mu);
    if (e->until_ms > now_mono_ms() && !strcmp(e->digest, d)) {
        *who = e->who;
        hit = 1;
    }
    pthread_mutex_unlock(&s->kc_mu);
    return hit;
}

static void key_remember(struct http_server *s, const char *key, const struct http_principal *who)
{
    char d[65];
    sha256_hex(key, strlen(key), d);
    unsigned h =
        (unsigned)strtoul((char[9]){d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], 0}, NULL, 16);
    struct key_cache_entry *e = &s->kc[h % KEY_CACHE];
    pthread_mutex_lock(&s->kc_mu);
    memcpy(e->digest, d, sizeof(d));
    e->who = *who;
    e->until_ms = now_mono_ms() + KEY_CACHE_MS;
    pthread_mutex_unlock(&s->kc_mu);
}

static const char *find_key(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (h && !strncasecmp(h, "Bearer ", 7))
        return h + 7;
    const char *k = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "reel_key");
    if (k)
        return k;
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
}

/* ---- routing helpers ---- */

#define MAXSEG 8
struct route {
    const char *seg[MAXSEG];
    int n;
    char store[512];
};

static int split_path(const char *url, struct route *rt)
{
    if (strlen(url) >= sizeof(rt->store))
        return -1;
    snprintf(rt->store, sizeof(rt->store), "%s", url);
    rt->n = 0;
    char *p = rt->store;
    while (*p) {
        while (*p == '/')
            *p++ = 0;
        if (!*p)
            break;
        if (rt->n == MAXSEG)
            return -1;
        rt->seg[rt->n++] = p;
        while (*p && *p != '/')
            p++;
    }
    return 0;
}

static int seg_is(const struct route *rt, int i, const char *s)
{
    return i < rt->n && !strcmp(rt->seg[i], s);
}

static int uuid_ok(const char *s)
{
    if (strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!strchr("0123456789abcdef", s[i])) {
            return 0;
        }
    }
    return 1;
}

/* Load a job the caller may see: 404 otherwise (also for others' jobs). */
static int job_visible(struct store *st, const struct req *r, const char *id, struct store_job *j,
                       struct reel_err *err)
{
    if (!uuid_ok(id)) {
        reel_fail(err, REEL_ENOTFOUND, id, "no such job");
        return 0;
    }
    if (store_job_get(st, id, j, err))
        return 0;
    if (!r->who.admin && strcmp(j->user_id, r->who.user_id)) {
        store_job_release(j);
        reel_fail(err, REEL_ENOTFOUND, id, "no such job");
        return 0;
    }
    return 1;
}

static double best_score(struct store *st, const char *job_id, json_t **report, int *version,
                         char *render_id)
{
    struct store_render_list l = {0};
    double best = -1;
    if (store_render_list(st, job_id, &l, NULL))
        return -1;
    for (size_t i = 0; i < l.n; i++)
        if (l.v[i].score > best || (best < 0 && l.v[i].report && report && !*report)) {
            best = l.v[i].score;
            if (report) {
                json_decref(*report);
                *report = l.v[i].report ? json_incref(l.v[i].report) : NULL;
            }
            if (version)
                *version = l.v[i].plan_version;
            if (render_id)
                memcpy(render_id, l.v[i].id, 37);
        }
    store_render_list_release(&l);
    return best;
}

static json_t *job_json(struct store *st, const struct store_job *j)
{
    json_t *o = store_job_to_json(j);
    double sc = best_score(st, j->id, NULL, NULL, NULL);
    json_object_set_new(o, "score", sc >= 0 ? json_real(sc) : json_null());
    return o;
}

/* ---- files ---- */

static const char *mime_of(const char *path)
{
    static const char *const m[][2] = {
        {".mp4", "video/mp4"},
        {".webm", "video/webm"},
        {".mov", "video/quicktime"},
        {".mkv", "video/x-matroska"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".m4a", "audio/mp4"},
        {".wav", "audio/wav"},
        {".mp3", "audio/mpeg"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(m); i++)
        if (ends_with(path, m[i][0]))
            return m[i][1];
    return "application/octet-stream";
}

static enum MHD_Result send_file(struct MHD_Connection *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return send_error(c, 404, NULL, "the file is gone");
    }
    uint64_t size = (uint64_t)sb.st_size, a = 0, b = size ? size - 1 : 0;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    int pr = http_range_parse(range, size, &a, &b);
    if (pr < 0) {
        close(fd);
        char cr[64];
        snprintf(cr, sizeof(cr), "bytes */%llu", (unsigned long long)size);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(resp, "Content-Range", cr);
        MHD_add_response_header(resp, "Accept-Ranges", "bytes");
        enum MHD_Result r = MHD_queue_response(c, 416, resp);
        MHD_destroy_response(resp);
        return r;
    }
    struct MHD_Response *resp =
        size ? MHD_create_response_from_fd_at_offset64(b - a + 1, fd, (uint64_t)a)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!size)
        close(fd);
    MHD_add_response_header(resp, "Content-Type", mime_of(path));
    MHD_add_response_header(resp, "Accept-Ranges", "bytes");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    int status = 200;
    if (pr == 0 && size) {
        char cr[96];
        snprintf(cr, sizeof(cr), "bytes %llu-%llu/%llu", (unsigned long long)a,
                 (unsigned long long)b, (unsigned long long)size);
        MHD_add_response_header(resp, "Content-Range", cr);
        status = 206;
    }
    enum MHD_Result r = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return r;
}

/* Strings under key `key` anywhere in j, in document order. */
static void collect_key(const json_t *j, const char *key, json_t *out)
{
    if (json_is_object(j)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)j, k, v)
        {
            if (!strcmp(k, key) && json_is_string(v))
                json_array_append(out, v);
            else
                collect_key(v, key, out);
        }
    } else if (json_is_array(j)) {
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) collect_key(v, key, out);
    }
}

/* ---- event streams ---- */

struct stream {
    struct http_server *s;
    char job_id[37];
    int64_t last;
    struct buf pending;
    size_t off;
    int backlog_done;
};

static void stream_fill_db(struct stream *t)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = srv_store_get(t->s, &err);
    if (!st)
        return;
    struct store_event_list l = {0};
    if (!store_events_since(st, t->job_id, t->last, 500, &l, &err)) {
        for (size_t i = 0; i < l.n; i++) {
            char *f = sse_frame(&l.v[i]);
            buf_adds(&t->pending, f);
            free(f);
            t->last = l.v[i].id;
        }
        store_event_list_release(&l);
    }
    srv_store_put(t->s, st);
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct stream *t = cls;
    struct http_server *s = t->s;
    if (t->off >= t->pending.len) {
        buf_reset(&t->pending);
        t->off = 0;
        if (!t->backlog_done) {
            t->backlog_done = 1;
            buf_adds(&t->pending, "retry: 2000\n\n");
            stream_fill_db(t);
        }
        int64_t waited = 0;
        while (!t->pending.len) {
            if (s->stopping)
                return MHD_CONTENT_READER_END_OF_STREAM;
            pthread_mutex_lock(&s->ev_mu);
            int64_t count = s->ring_count;
            int64_t oldest = count > EV_RING ? s->ring[count % EV_RING].id : 0;
            int behind = count > EV_RING && oldest > t->last + 1;
            if (!behind) {
                for (int64_t k = count > EV_RING ? count - EV_RING : 0; k < count; k++) {
                    struct ev_slot *sl = &s->ring[k % EV_RING];
                    if (sl->id > t->last && !strcmp(sl->job_id, t->job_id)) {
                        buf_adds(&t->pending, sl->frame);
                        t->last = sl->id;
                    }
                }
            }
            if (!t->pending.len && !behind) {
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                ts.tv_nsec += 500000000L;
                if (ts.tv_nsec >= 1000000000L) {
                    ts.tv_sec++;
                    ts.tv_nsec -= 1000000000L;
                }
                while (s->ring_count == count && !s->stopping)
                    if (pthread_cond_timedwait(&s->ev_cond, &s->ev_mu, &ts) == ETIMEDOUT)
                        break;
                if (s->ring_count == count)
                    waited += 500;
            }
            pthread_mutex_unlock(&s->ev_mu);
            if (behind)
                stream_fill_db(t);
            if (!t->pending.len && waited >= 15000) {
                buf_adds(&t->pending, ": keepalive\n\n");
                waited = 0;
            }
        }
    }
    size_t n = t->pending.len - t->off;
    if (n > max)
        n = max;
    memcpy(out, t->pending.buf + t->off, n);
    t->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *t = cls;
    buf_release(&t->pending);
    free(t);
}

static enum MHD_Result start_stream(struct http_server *s, struct MHD_Connection *c,
                                    const char *job_id)
{
    struct stream *t = xcalloc(1, sizeof(*t));
    t->s = s;
    memcpy(t->job_id, job_id, 37);
    buf_init(&t->pending);
    const char *lei = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
    if (!lei)
        lei = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
    long v;
    if (lei && parse_long(lei, &v) && v > 0)
        t->last = v;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, t, stream_free);
    MHD_add_response_header(resp, "Content-Type", "text/event-stream");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    enum MHD_Result r = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return r;
}

/* ---- creating jobs ---- */

static int path_under_roots(const struct http_server *s, const char *path, char *real,
                            size_t realsz)
{
    char rp[PATH_MAX];
    if (!s->roots || !realpath(path, rp))
        return 0;
    char *roots = xstrdup(s->roots);
    int ok = 0;
    for (char *save = NULL, *r = strtok_r(roots, ":", &save); r && !ok;
         r = strtok_r(NULL, ":", &save)) {
        char rr[PATH_MAX];
        if (!*r || !realpath(r, rr))
            continue;
        size_t n = strlen(rr);
        if (!strncmp(rp, rr, n) && (rp[n] == '/' || (n == 1 && rr[0] == '/')))
            ok = 1;
    }
    free(roots);
    struct stat sb;
    if (ok && (stat(rp, &sb) || !S_ISREG(sb.st_mode)))
        ok = 0;
    if (ok)
        snprintf(real, realsz, "%s", rp);
    return ok;
}

static size_t curl_write(char *p, size_t sz, size_t n, void *ctx)
{
    void **c = ctx;
    int fd = *(int *)c[0];
    uint64_t *got = c[1], max = *(uint64_t *)c[2];
    size_t len = sz * n;
    *got += len;
    if (*got > max)
        return 0;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, p + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        off += (size_t)w;
    }
    return len;
}

static void safe_name(const char *in, char *out, size_t n)
{
    const char *b = strrchr(in, '/');
    b = b ? b + 1 : in;
    size_t k = 0;
    for (; *b && k + 1 < n && k < 80; b++) {
        char ch = *b;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '_' || (ch == '.' && k > 0);
        out[k++] = ok ? ch : '_';
    }
    out[k] = 0;
    if (!k)
        snprintf(out, n, "upload");
}

/* Download an http(s) URL into dir (every resolved address checked, the
 * connection pinned to a checked one, no redirects, size-capped). */
static enum reel_code fetch_url(const struct http_server *s, const char *url, const char *dir,
                                int idx, char **path_out, struct reel_err *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *upath = NULL;
    enum reel_code rc = REEL_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) || curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) ||
        curl_url_get(u, CURLUPART_HOST, &host, 0)) {
        rc = reel_fail(err, REEL_EINVAL, url, "not a valid URL");
        goto out;
    }
    if (strcmp(scheme, "http") && strcmp(scheme, "https")) {
        rc = reel_fail(err, REEL_EINVAL, url, "only http and https URLs are accepted");
        goto out;
    }
    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    curl_url_get(u, CURLUPART_PATH, &upath, 0);
    char h[256];
    snprintf(h, sizeof(h), "%s", host);
    if (h[0] == '[') { /* IPv6 literal */
        memmove(h, h + 1, strlen(h));
        char *e = strchr(h, ']');
        if (e)
            *e = 0;
    }
    struct addrinfo hints = {0}, *res = NULL;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(h, port, &hints, &res) || !res) {
        rc = reel_fail(err, REEL_EINVAL, url, "the host name does not resolve");
        goto out;
    }
    char pin[INET6_ADDRSTRLEN] = "";
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        if (!s->allow_private && !http_addr_public(a->ai_addr)) {
            rc = reel_fail(err, REEL_EINVAL, url,
                           "the URL resolves to a private or loopback address");
            break;
        }
        if (!pin[0]) {
            const void *ad = a->ai_family == AF_INET
                                 ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                 : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
            inet_ntop(a->ai_family, ad, pin, sizeof(pin));
        }
    }
    int fam6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    if (rc)
        goto out;
    char nm[100];
    safe_name(upath && *upath ? upath : "download", nm, sizeof(nm));
    char *path = xasprintf("%s/%d-%s", dir, idx, nm);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = reel_fail(err, REEL_ESYS, path, "cannot create: %s", strerror(errno));
        free(path);
        goto out;
    }
    CURL *cu = curl_easy_init();
    char *resolve_s = xasprintf("%s:%s:%s%s%s", h, port, fam6 ? "[" : "", pin, fam6 ? "]" : "");
    struct curl_slist *rs = curl_slist_append(NULL, resolve_s);
    uint64_t got = 0, max = s->max_upload;
    void *ctx[3] = {&fd, &got, &max};
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_RESOLVE, rs);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(cu, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, curl_write);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, (void *)&ctx[0]);
    CURLcode cc = curl_easy_perform(cu);
    close(fd);
    if (got > max)
        rc = reel_fail(err, REEL_ELIMIT, url, "the download is larger than the upload limit");
    else if (cc != CURLE_OK)
        rc = reel_fail(err, REEL_ENET, url, "download failed: %s", curl_easy_strerror(cc));
    curl_slist_free_all(rs);
    free(resolve_s);
    curl_easy_cleanup(cu);
    if (rc) {
        unlink(path);
        free(path);
    } else {
        *path_out = path;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(upath);
    curl_url_cleanup(u);
    return rc;
}

struct new_asset {
    char *path, *label, *type;
    const char *name; /* borrowed: the name the client gave (an upload's file name, a URL),
                         from which a missing label is derived; NULL: the path */
};

/* Insert the job with its assets (as `reel submit` does, plus the agent's
 * request JSON). */
static enum reel_code create_job(struct store *st, const struct req *r, const char *brief,
                                 const char *title, const char *script, struct new_asset *as,
                                 size_t na,
                                 int max_attempts, int priority, json_t **out, struct reel_err *err)
{
    if (!brief || !*brief)
        return reel_fail(err, REEL_EINVAL, "$.brief", "a non-empty brief is required");
    if (strlen(brief) > 10000)
        return reel_fail(err, REEL_EINVAL, "$.brief", "the brief is longer than 10000 bytes");
    char tbuf[256];
    if (!title || !*title) {
        size_t n = strcspn(brief, "\n");
        if (n > 80) {
            n = 80;
            while (n > 0 && ((unsigned char)brief[n] & 0xC0) == 0x80)
                n--;
        }
        snprintf(tbuf, sizeof(tbuf), "%.*s", (int)n, brief);
        title = tbuf;
    } else if (strlen(title) > 255) {
        return reel_fail(err, REEL_EINVAL, "$.title", "the title is longer than 255 bytes");
    }
    if (script && *script) {
        /* what the captions will say: refused now, not when a worker runs it */
        struct tr_script sc;
        enum reel_code rc = tr_script_parse(script, strlen(script), "$.script", &sc, err);
        tr_script_release(&sc);
        if (rc)
            return rc;
    }
    struct agent_request ar;
    agent_request_init(&ar);
    ar.brief = xstrdup(brief);
    ar.script = script && *script ? xstrdup(script) : NULL;
    /* a title the client gave is also the planner's title card; a derived one
     * only names the job (as with `reel submit`) */
    ar.title = title == tbuf ? NULL : xstrdup(title);
    ar.reference = 1;
    json_t *paths = json_array();
    struct store_asset_new *av = xcalloc(na + 1, sizeof(*av));
    char(*labels)[48] = xcalloc(na + 1, sizeof(*labels));
    for (size_t i = 0; i < na; i++) {
        if (as[i].label)
            snprintf(labels[i], sizeof(labels[i]), "%s", as[i].label);
        else
            agent_label_from_path(as[i].name ? as[i].name : as[i].path, labels[i],
                                  sizeof(labels[i]));
        /* labels must be unique within a job */
        for (size_t k = 0; k < i; k++)
            if (!strcmp(labels[k], labels[i])) {
                char tmp[48];
                snprintf(tmp, sizeof(tmp), "%.36s_%zu", labels[i], i + 1);
                memcpy(labels[i], tmp, sizeof(tmp));
                break;
            }
        const char *type = as[i].type ? as[i].type : agent_asset_type_guess_name(as[i].path);
        int t = agent_asset_type_parse(type);
        agent_request_add_input(&ar, as[i].path, labels[i],
                                t < 0 ? AGENT_ASSET_GUESS : (enum agent_asset_type)t);
        json_array_append_new(paths, json_string(as[i].path));
        av[i] = (struct store_asset_new){NULL, as[i].path, type, NULL, labels[i], NULL};
    }
    json_t *b = agent_request_to_json(&ar);
    json_object_set_new(b, "assets", paths);
    json_object_set_new(b, "source", json_string("http"));
    const char *user = r->who.user_id;
    struct store_job_new nj = {user, title, b, max_attempts, priority, av, na};
    char id[STORE_ID_LEN], trace[33];
    enum reel_code rc = store_job_create(st, &nj, id, trace, err);
    json_decref(b);
    free(av);
    free(labels);
    agent_request_release(&ar);
    if (rc)
        return rc;
    struct store_job j;
    if ((rc = store_job_get(st, id, &j, err)))
        return rc;
    *out = job_json(st, &j);
    store_job_release(&j);
    return REEL_OK;
}

static enum MHD_Result create_from_json(struct http_server *s, struct MHD_Connection *c,
                                        struct req *r, struct store *st)
{
    json_t *doc = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (json_parse(r->body.buf, r->body.len, 1u << 20, "request body", &doc, &err))
        return send_error(c, 400, err.path, err.msg);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return send_error(c, 400, "$", "the body must be a JSON object");
    }
    static const char *const known[] = {"brief",        "title",    "assets",
                                        "max_attempts", "priority", "script"};
    const char *k;
    json_t *v;
    json_object_foreach(doc, k, v)
    {
        size_t i = 0;
        while (i < ARRAY_SIZE(known) && strcmp(known[i], k))
            i++;
        if (i == ARRAY_SIZE(known)) {
            char p[300];
            json_path_key(p, sizeof(p), "$", k);
            json_decref(doc);
            return send_error(c, 422, p, "unknown field");
        }
    }
    json_t *jb = json_object_get(doc, "brief"), *jt = json_object_get(doc, "title");
    json_t *ja = json_object_get(doc, "assets"), *js = json_object_get(doc, "script");
    json_t *jm = json_object_get(doc, "max_attempts"), *jp = json_object_get(doc, "priority");
    enum MHD_Result res;
    if (!json_is_string(jb) || (jt && !json_is_string(jt)) || (ja && !json_is_array(ja)) ||
        (js && !json_is_string(js)) ||
        (jm &&
         (!json_is_integer(jm) || json_integer_value(jm) < 1 || json_integer_value(jm) > 100)) ||
        (jp && (!json_is_integer(jp) || llabs(json_integer_value(jp)) > 1000000))) {
        const char *p = !json_is_string(jb)           ? "$.brief"
                        : (jt && !json_is_string(jt)) ? "$.title"
                        : (js && !json_is_string(js)) ? "$.script"
                        : (ja && !json_is_array(ja))  ? "$.assets"
                        : jm                          ? "$.max_attempts"
                                                      : "$.priority";
        json_decref(doc);
        return send_error(c, 422, p,
                          "brief: string (required), title: string, assets: array, "
                          "max_attempts: 1..100, priority: integer, script: string");
    }
    size_t na = json_array_size(ja);
    if (na > 50) {
        json_decref(doc);
        return send_error(c, 422, "$.assets", "at most 50 assets");
    }
    struct new_asset *as = xcalloc(na + 1, sizeof(*as));
    char dir[PATH_MAX] = "";
    int nfetched = 0;
    res = MHD_NO;
    int failed = 0;
    for (size_t i = 0; i < na && !failed; i++) {
        json_t *a = json_array_get(ja, i);
        char p[64];
        json_path_index(p, sizeof(p), "$.assets", i);
        const char *ak;
        json_t *av;
        json_object_foreach(a, ak, av) if (strcmp(ak, "path") && strcmp(ak, "url") &&
                                           strcmp(ak, "label") && strcmp(ak, "type"))
        {
            char pp[300];
            json_path_key(pp, sizeof(pp), p, ak);
            res = send_error(c, 422, pp, "unknown field");
            failed = 1;
            break;
        }
        if (failed)
            break;
        const char *path = json_get_str(a, "path", NULL), *url = json_get_str(a, "url", NULL);
        const char *label = json_get_str(a, "label", NULL), *type = json_get_str(a, "type", NULL);
        if (!json_is_object(a) || (!path == !url)) {
            res = send_error(c, 422, p, "an asset is an object with exactly one of path or url");
            failed = 1;
            break;
        }
        if (type && agent_asset_type_parse(type) < 0) {
            res = send_error(c, 422, p, "unknown asset type");
            failed = 1;
            break;
        }
        if (label && (!*label || strlen(label) > 40 ||
                      strspn(label, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(label))) {
            res = send_error(c, 422, p, "a label is 1-40 characters of [a-z0-9_-]");
            failed = 1;
            break;
        }
        as[i].label = label ? xstrdup(label) : NULL;
        as[i].type = type ? xstrdup(type) : NULL;
        if (path) {
            char real[PATH_MAX];
            if (!path_under_roots(s, path, real, sizeof(real))) {
                res = send_error(c, 422, p,
                                 "the path is not a file under the configured asset roots "
                                 "(REEL_ASSET_ROOTS)");
                failed = 1;
                break;
            }
            as[i].path = xstrdup(real);
        } else {
            if (!dir[0]) {
                char u[37];
                uuid_v4(u);
                snprintf(dir, sizeof(dir), "%s/media/uploads/%s", s->data_dir, u);
                if (mkdir_p(dir, &err)) {
                    res = send_err(c, &err);
                    failed = 1;
                    break;
                }
            }
            as[i].name = url;
            if (fetch_url(s, url, dir, (int)i + 1, &as[i].path, &err)) {
                if (err.code == REEL_ELIMIT)
                    res = send_error(c, 413, p, err.msg);
                else if (err.code == REEL_ENET)
                    res = send_error(c, 502, p, err.msg);
                else
                    res = send_error(c, 422, p, err.msg);
                failed = 1;
                break;
            }
            nfetched++;
        }
    }
    if (!failed) {
        json_t *out = NULL;
        if (create_job(st, r, json_string_value(jb), jt ? json_string_value(jt) : NULL,
                       js ? json_string_value(js) : NULL, as, na,
                       jm ? (int)json_integer_value(jm) : 0, jp ? (int)json_integer_value(jp) : 0,
                       &out, &err)) {
            res = send_err(c, &err);
            failed = 1;
        } else {
            res = send_json(c, 201, out);
        }
    }
    for (size_t i = 0; i < na; i++) {
        if (failed && as[i].path && dir[0] && starts_with(as[i].path, dir))
            unlink(as[i].path);
        free(as[i].path);
        free(as[i].label);
        free(as[i].type);
    }
    if (failed && dir[0])
        rmdir(dir);
    (void)nfetched;
    free(as);
    json_decref(doc);
    return res;
}

/* ---- multipart ---- */

static void body_error(struct req *r, int status, const char *msg)
{
    if (!r->err_status) {
        r->err_status = status;
        snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
    }
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *ctype, const char *enc,
                               const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)ctype, (void)enc;
    struct req *r = cls;
    if (r->err_status)
        return MHD_YES;
    if (!filename) {
        struct buf *dst = !strcmp(key, "brief")    ? &r->brief
                          : !strcmp(key, "title")  ? &r->title
                          : !strcmp(key, "script") ? &r->script
                                                   : NULL;
        if (!dst) {
            char m[160];
            snprintf(m, sizeof(m), "unknown form field '%.100s'", key);
            body_error(r, 422, m);
            return MHD_YES;
        }
        size_t cap = dst == &r->script ? 1u << 20 : 10000;
        if (dst->len + size > cap) {
            body_error(r, 413, dst == &r->script ? "the script is longer than 1 MiB"
                                                 : "a form field is longer than 10000 bytes");
            return MHD_YES;
        }
        buf_add(dst, data, size);
        return MHD_YES;
    }
    if (off == 0 && (r->fd < 0 || !r->cur_field || strcmp(r->cur_field, key) ||
                     strcmp(r->files.v[r->files.n - 1].name, filename))) {
        if (r->fd >= 0)
            close(r->fd);
        r->fd = -1;
        if (r->files.n >= 50) {
            body_error(r, 422, "at most 50 files");
            return MHD_YES;
        }
        char nm[100];
        safe_name(filename, nm, sizeof(nm));
        char *path = xasprintf("%s/%zu-%s", r->updir, r->files.n + 1, nm);
        r->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (r->fd < 0) {
            free(path);
            body_error(r, 500, "cannot store the upload");
            return MHD_YES;
        }
        struct upload_file f = {path, xstrdup(filename)};
        VEC_PUSH(&r->files, f);
        free(r->cur_field);
        r->cur_field = xstrdup(key);
    }
    size_t w = 0;
    while (w < size) {
        ssize_t n = write(r->fd, data + w, size - w);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            body_error(r, 500, "cannot write the upload (disk full?)");
            return MHD_YES;
        }
        w += (size_t)n;
    }
    return MHD_YES;
}

static enum MHD_Result create_from_multipart(struct http_server *s, struct MHD_Connection *c,
                                             struct req *r, struct store *st)
{
    (void)s;
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
    }
    struct new_asset *as = xcalloc(r->files.n + 1, sizeof(*as));
    for (size_t i = 0; i < r->files.n; i++) {
        as[i].path = r->files.v[i].path;
        as[i].name = r->files.v[i].name;
    }
    json_t *out = NULL;
    struct reel_err err = REEL_ERR_INIT;
    enum MHD_Result res;
    if (create_job(st, r, r->brief.buf, r->title.len ? r->title.buf : NULL,
                   r->script.len ? r->script.buf : NULL, as, r->files.n, 0, 0,
                   &out, &err)) {
        res = send_err(c, &err);
    } else {
        res = send_json(c, 201, out);
        r->err_status = -1; /* keep the files */
    }
    free(as);
    return res;
}

/* ---- the API ---- */

static enum MHD_Result api_job(struct http_server *s, struct MHD_Connection *c, struct req *r,
                               struct store *st, const struct route *rt, const char *method)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store_job j;
    if (!job_visible(st, r, rt->seg[2], &j, &err))
        return send_err(c, &err);
    enum MHD_Result res;
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
    const char *sub = rt->n > 3 ? rt->seg[3] : NULL;
    if (!sub && get) {
        res = send_json(c, 200, job_json(st, &j));
    } else if (sub && !strcmp(sub, "events") && get && rt->n == 4) {
        res = start_stream(s, c, j.id);
    } else if (sub && (!strcmp(sub, "cancel") || !strcmp(sub, "retry")) && post && rt->n == 4) {
        int cancel = !strcmp(sub, "cancel");
        int ok = cancel ? (j.status == JOB_PENDING || j.status == JOB_PROCESSING)
                        : (j.status == JOB_FAILED || j.status == JOB_REVIEW_REQUIRED);
        if (!ok) {
            res = send_error(c, 409, NULL,
                             cancel ? "only a pending or processing job can be cancelled"
                                    : "only a failed or review_required job can be retried");
        } else if (store_job_set_status(st, j.id, cancel ? JOB_FAILED : JOB_PENDING,
                                        cancel ? "cancelled via the API" : NULL, &err)) {
            res = send_err(c, &err);
        } else {
            struct store_job j2;
            if (store_job_get(st, j.id, &j2, &err)) {
                res = send_err(c, &err);
            } else {
                res = send_json(c, 200, job_json(st, &j2));
                store_job_release(&j2);
            }
        }
    } else if (sub && !strcmp(sub, "assets") && get && rt->n == 4) {
        struct store_asset_list l = {0};
        if (store_asset_list(st, j.id, &l, &err)) {
            res = send_err(c, &err);
        } else {
            json_t *a = json_array();
            for (size_t i = 0; i < l.n; i++)
                json_array_append_new(a, store_asset_to_json(&l.v[i]));
            store_asset_list_release(&l);
            res = send_json(c, 200, a);
        }
    } else if (sub && !strcmp(sub, "plans") && get && rt->n == 4) {
        struct store_plan_list l = {0};
        if (store_plan_list(st, j.id, &l, &err)) {
            res = send_err(c, &err);
        } else {
            json_t *a = json_array();
            for (size_t i = 0; i < l.n; i++)
                json_array_append_new(a, store_plan_to_json(&l.v[i], 1));
            store_plan_list_release(&l);
            res = send_json(c, 200, a);
        }
    } else if (sub && !strcmp(sub, "plans") && get && rt->n == 5) {
        long v;
        struct store_plan p;
        if (!parse_long(rt->seg[4], &v) || v < 1 || v > 1000000) {
            res = send_error(c, 404, rt->seg[4], "no such plan version");
        } else if (store_plan_get(st, j.id, (int)v, &p, &err)) {
            res = send_err(c, &err);
        } else {
            res = send_json(c, 200, store_plan_to_json(&p, 1));
            store_plan_release(&p);
        }
    } else if (sub && !strcmp(sub, "plans") && get && rt->n == 6 && seg_is(rt, 5, "export")) {
        res = send_export(c, st, j.id, rt->seg[4]);
    } else if (sub && !strcmp(sub, "plans") && post && rt->n == 4) {
        json_t *doc = NULL;
        if (json_parse(r->body.buf, r->body.len, 1u << 20, "request body", &doc, &err)) {
            res = send_error(c, 400, err.path, err.msg);
        } else {
            struct plan p;
            struct plan_issues is = {0};
            plan_init(&p);
            enum reel_code prc = plan_decode(doc, &p, &is);
            if (!prc) {
                struct store_asset_list al = {0};
                if (!store_asset_list(st, j.id, &al, NULL)) {
                    for (size_t i = 0; i < al.n; i++)
                        if (al.v[i].label && !plan_find_asset(&p, al.v[i].label))
                            continue;
                        else if (al.v[i].label)
                            plan_set_asset(&p, al.v[i].label, al.v[i].storage_url);
                    store_asset_list_release(&al);
                }
                prc = plan_validate(&p, &is);
            }
            if (prc || is.n) {
                json_t *e = json_pack("{s:s, s:s, s:o}", "code", "invalid", "message",
                                      "the plan is not valid", "issues", plan_issues_to_json(&is));
                res = send_json(c, 422, json_pack("{s:o}", "error", e));
            } else {
                json_t *fb = json_pack("{s:s, s:s}", "source", "http", "key_id", r->who.key_id);
                struct store_plan_new np = {j.id, doc, NULL, -1, -1, fb};
                char pid[STORE_ID_LEN];
                int ver = 0;
                if (store_plan_add(st, &np, pid, &ver, &err))
                    res = send_err(c, &err);
                else
                    res = send_json(c, 201, json_pack("{s:s, s:i}", "id", pid, "version", ver));
                json_decref(fb);
            }
            plan_issues_release(&is);
            plan_release(&p);
            json_decref(doc);
        }
    } else if (sub && !strcmp(sub, "trace") && get && rt->n == 4) {
        struct store_span_list l = {0};
        if (store_span_list(st, j.id, &l, &err)) {
            res = send_err(c, &err);
        } else {
            json_t *a = json_array();
            for (size_t i = 0; i < l.n; i++)
                json_array_append_new(a, store_span_to_json(&l.v[i]));
            store_span_list_release(&l);
            res = send_json(c, 200, json_pack("{s:s, s:o}", "trace_id", j.trace_id, "spans", a));
        }
    } else if (sub && !strcmp(sub, "renders") && get &&
               (rt->n == 4 || (rt->n == 6 && seg_is(rt, 5, "file")))) {
        struct store_render_list l = {0};
        if (store_render_list(st, j.id, &l, &err)) {
            res = send_err(c, &err);
        } else if (rt->n == 4) {
            json_t *a = json_array();
            for (size_t i = 0; i < l.n; i++)
                json_array_append_new(a, store_render_to_json(&l.v[i]));
            res = send_json(c, 200, a);
        } else {
            const char *path = NULL;
            for (size_t i = 0; i < l.n; i++)
                if (!strcmp(l.v[i].id, rt->seg[4]))
                    path = l.v[i].path;
            res = path ? send_file(c, path) : send_error(c, 404, rt->seg[4], "no such render");
        }
        store_render_list_release(&l);
    } else if (sub && !strcmp(sub, "report") && get && rt->n == 4) {
        json_t *rep = NULL;
        int ver = 0;
        char rid[37] = "";
        double sc = best_score(st, j.id, &rep, &ver, rid);
        if (!rid[0])
            res = send_error(c, 404, NULL, "the job has no evaluated render yet");
        else
            res = send_json(c, 200,
                            json_pack("{s:s, s:i, s:o, s:o}", "render_id", rid, "plan_version", ver,
                                      "score", sc >= 0 ? json_real(sc) : json_null(), "report",
                                      rep ? rep : json_null()));
    } else if (!get && !post) {
        res = send_error(c, 405, NULL, "method not allowed");
    } else {
        res = send_error(c, 404, NULL, "no such resource");
    }
    store_job_release(&j);
    return res;
}

static enum MHD_Result api_asset(struct http_server *s, struct MHD_Connection *c, struct req *r,
                                 struct store *st, const struct route *rt)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store_asset a;
    if (!uuid_ok(rt->seg[2]) || store_asset_get(st, rt->seg[2], &a, &err))
        return send_error(c, 404, rt->seg[2], "no such asset");
    struct store_job j;
    if (!job_visible(st, r, a.job_id, &j, &err)) {
        store_asset_release(&a);
        return send_error(c, 404, rt->seg[2], "no such asset");
    }
    store_job_release(&j);
    enum MHD_Result res;
    json_t *found = json_array();
    long n = 0;
    if (rt->n == 3) {
        res = send_json(c, 200, store_asset_to_json(&a));
    } else if (rt->n == 4 && !strcmp(rt->seg[3], "contact-sheet")) {
        collect_key(a.metadata, "contact_sheet", found);
        goto serve;
    } else if (rt->n == 5 && !strcmp(rt->seg[3], "thumbnails") && parse_long(rt->seg[4], &n) &&
               n >= 0) {
        collect_key(a.metadata, "thumbnail", found);
    serve:;
        const char *p = json_string_value(json_array_get(found, (size_t)n));
        char real[PATH_MAX], dd[PATH_MAX];
        /* only files the analysis wrote under the data directory */
        if (p && realpath(p, real) && realpath(s->data_dir, dd) && !strncmp(real, dd, strlen(dd)) &&
            real[strlen(dd)] == '/')
            res = send_file(c, real);
        else
            res = send_error(c, 404, NULL, "no such image");
    } else {
        res = send_error(c, 404, NULL, "no such resource");
    }
    json_decref(found);
    store_asset_release(&a);
    return res;
}

static enum MHD_Result api(struct http_server *s, struct MHD_Connection *c, struct req *r,
                           const struct route *rt, const char *method)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = srv_store_get(s, &err);
    if (!st)
        return send_error(c, 503, NULL, err.msg);
    enum MHD_Result res;
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (rt->n == 2 && seg_is(rt, 1, "jobs") && get) {
        struct store_job_filter f = {0};
        f.user_id = r->who.admin ? NULL : r->who.user_id;
        const char *stq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
        const char *lq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
        long lim = 50;
        if (stq && job_status_parse(stq, &f.status)) {
            res = send_error(c, 422, "status", "unknown status");
            goto out;
        }
        f.has_status = stq != NULL;
        if (lq && (!parse_long(lq, &lim) || lim < 1 || lim > 1000)) {
            res = send_error(c, 422, "limit", "limit is 1..1000");
            goto out;
        }
        f.limit = (int)lim;
        struct store_job_list l = {0};
        if (store_job_list(st, &f, &l, &err)) {
            res = send_err(c, &err);
            goto out;
        }
        json_t *a = json_array();
        for (size_t i = 0; i < l.n; i++)
            json_array_append_new(a, job_json(st, &l.v[i]));
        store_job_list_release(&l);
        res = send_json(c, 200, a);
    } else if (rt->n == 2 && seg_is(rt, 1, "jobs") && !strcmp(method, "POST")) {
        res = r->kind == REQ_MULTIPART ? create_from_multipart(s, c, r, st)
                                       : create_from_json(s, c, r, st);
    } else if (rt->n >= 3 && seg_is(rt, 1, "jobs")) {
        res = api_job(s, c, r, st, rt, method);
    } else if (rt->n >= 3 && seg_is(rt, 1, "assets") && get) {
        res = api_asset(s, c, r, st, rt);
    } else if (rt->n == 2 && seg_is(rt, 1, "me") && get) {
        res = send_json(c, 200,
                        json_pack("{s:s, s:s, s:b}", "key_id", r->who.key_id, "user_id",
                                  r->who.user_id, "admin", r->who.admin));
    } else {
        res = send_error(c, 404, NULL, "no such resource");
    }
out:
    srv_store_put(s, st);
    return res;
}

static enum MHD_Result serve_static(struct MHD_Connection *c, const char *url)
{
    char path[300];
    if (!strcmp(url, "/") || !strncmp(url, "/jobs", 5))
        snprintf(path, sizeof(path), "src/http/static/index.html");
    else if (!strcmp(url, "/openapi.json"))
        snprintf(path, sizeof(path), "src/http/static/openapi.json");
    else if (!strncmp(url, "/static/", 8) && !strstr(url, "..") && strlen(url) < 200)
        snprintf(path, sizeof(path), "src/http/static/%s", url + 8);
    else
        return send_error(c, 404, NULL, "no such resource");
    size_t len;
    const unsigned char *d = embed_get(path, &len);
    if (!d)
        return send_error(c, 404, NULL, "no such resource");
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)d, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", mime_of(path));
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; media-src 'self'; "
                            "style-src 'self' 'unsafe-inline'");
    enum MHD_Result r = MHD_queue_response(c, 200, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct req *r = *con_cls;
    if (!r) {
        r = xcalloc(1, sizeof(*r));
        r->fd = -1;
        buf_init(&r->body);
        buf_init(&r->brief);
        buf_init(&r->script);
        buf_init(&r->title);
        *con_cls = r;
        if (strncmp(url, "/api/", 5) || !strcmp(url, "/api/health")) {
            if (strcmp(method, "GET") && strcmp(method, "HEAD"))
                return send_error(c, 405, NULL, "method not allowed");
            if (!strcmp(url, "/api/health"))
                return send_json(c, 200, json_pack("{s:s}", "status", "ok"));
            return serve_static(c, url);
        }
        const char *key = find_key(c);
        if (!key)
            return send_error(c, 401, NULL, "an API key is required (Authorization: Bearer KEY)");
        struct reel_err err = REEL_ERR_INIT;
        if (!key_cached(s, key, &r->who)) {
            struct store *st = srv_store_get(s, &err);
            if (!st)
                return send_error(c, 503, NULL, err.msg);
            enum reel_code rc = http_key_check(st, key, &r->who, &err);
            srv_store_put(s, st);
            if (rc == REEL_EAUTH)
                return send_error(c, 401, NULL, "invalid API key");
            if (rc)
                return send_error(c, 503, NULL, err.msg);
            key_remember(s, key, &r->who);
        }
        double ra = 1;
        if (!rate_take(s, r->who.key_id, &ra)) {
            char h[32];
            snprintf(h, sizeof(h), "%d", (int)ceil(ra));
            struct MHD_Response *resp = MHD_create_response_from_buffer(
                strlen(
                    "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests\"}}\n"),
                (void *)"{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many "
                        "requests\"}}\n",
                MHD_RESPMEM_PERSISTENT);
            MHD_add_response_header(resp, "Content-Type", "application/json");
            MHD_add_response_header(resp, "Retry-After", h);
            enum MHD_Result res = MHD_queue_response(c, 429, resp);
            MHD_destroy_response(resp);
            return res;
        }
        r->authed = 1;
        if (!strcmp(method, "POST")) {
            const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
            long n = 0;
            int is_mp = ct && !strncasecmp(ct, "multipart/form-data", 19);
            uint64_t cap = is_mp ? s->max_upload : (1u << 20);
            if (len && parse_long(len, &n) && (uint64_t)n > cap) {
                /* A body a little over the limit is read and dropped, so the
                 * client is not reset mid-send and always sees the 413; one
                 * far over it is refused at once and the connection closed. */
                if ((uint64_t)n > 4 * cap + (16u << 20))
                    return send_error(c, 413, NULL, "the request body is larger than the limit");
                body_error(r, 413, "the request body is larger than the limit");
                return MHD_YES;
            }
            if (is_mp) {
                if (strcmp(url, "/api/jobs"))
                    return send_error(c, 415, NULL,
                                      "multipart bodies are accepted by POST /api/jobs only");
                r->kind = REQ_MULTIPART;
                r->pp = MHD_create_post_processor(c, 64 * 1024, on_part, r);
                if (!r->pp)
                    return send_error(c, 400, NULL, "malformed multipart/form-data header");
                char u[37];
                uuid_v4(u);
                snprintf(r->updir, sizeof(r->updir), "%s/media/uploads/%s", s->data_dir, u);
                if (mkdir_p(r->updir, &err)) {
                    r->updir[0] = 0;
                    return send_error(c, 500, NULL, err.msg);
                }
            } else {
                if (ct && strncasecmp(ct, "application/json", 16))
                    return send_error(c, 415, NULL, "send application/json or multipart/form-data");
                r->kind = REQ_JSON_BODY;
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        r->received += n;
        if (r->err_status)
            return MHD_YES;
        if (r->kind == REQ_MULTIPART) {
            if (r->received > s->max_upload)
                body_error(r, 413, "the upload is larger than the limit");
            else if (MHD_post_process(r->pp, upload, n) != MHD_YES)
                body_error(r, 400, "malformed multipart body");
        } else {
            if (r->received > (1u << 20))
                body_error(r, 413, "the request body is larger than 1 MiB");
            else
                buf_add(&r->body, upload, n);
        }
        return MHD_YES;
    }
    if (r->err_status > 0)
        return send_error(c, r->err_status, NULL, r->err_msg);
    struct route rt;
    if (split_path(url, &rt))
        return send_error(c, 404, NULL, "no such resource");
    return api(s, c, r, &rt, method);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct req *r = *con_cls;
    if (r)
        req_free(r, r->err_status == -1);
    *con_cls = NULL;
}

/* ---- start / stop ---- */

static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

enum reel_code http_server_start(const struct http_opts *o, struct http_server **out,
                                 struct reel_err *err)
{
    struct http_server *s = xcalloc(1, sizeof(*s));
    struct reel_config cfg;
    config_load(&cfg);
    s->db_url = xstrdup(o->database_url ? o->database_url : cfg.database_url);
    s->data_dir = xstrdup(o->data_dir ? o->data_dir : cfg.data_dir);
    config_release(&cfg);
    const char *roots = o->asset_roots ? o->asset_roots : getenv("REEL_ASSET_ROOTS");
    s->roots = roots && *roots ? xstrdup(roots) : NULL;
    s->allow_private =
        o->allow_private_urls || !strcmp(env_or("REEL_HTTP_ALLOW_PRIVATE_URLS", ""), "1");
    double d;
    s->max_upload = o->max_upload;
    if (!s->max_upload)
        s->max_upload = parse_double(env_or("REEL_HTTP_MAX_UPLOAD", "x"), &d) && d > 0
                            ? (uint64_t)d
                            : (2ull << 30);
    s->rate = o->rate > 0                                                ? o->rate
              : parse_double(env_or("REEL_HTTP_RATE", "x"), &d) && d > 0 ? d
                                                                         : 50;
    s->burst = o->burst > 0                                                 ? o->burst
               : parse_double(env_or("REEL_HTTP_BURST", "x"), &d) && d >= 1 ? d
                                                                            : 2 * s->rate;
    s->max_conns = o->db_conns > 0                                                 ? o->db_conns
                   : parse_double(env_or("REEL_HTTP_DB_CONNS", "x"), &d) && d >= 1 ? (int)d
                                                                                   : 16;
    if (s->max_conns > (int)ARRAY_SIZE(s->pool))
        s->max_conns = (int)ARRAY_SIZE(s->pool);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_condattr_t pa;
    pthread_condattr_init(&pa);
    pthread_condattr_setclock(&pa, CLOCK_MONOTONIC);
    pthread_cond_init(&s->pool_cond, &pa);
    pthread_condattr_destroy(&pa);
    pthread_mutex_init(&s->rl_mu, NULL);
    pthread_mutex_init(&s->kc_mu, NULL);
    pthread_mutex_init(&s->ev_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&s->ev_cond, &ca);
    pthread_condattr_destroy(&ca);

    const char *listen = o->listen ? o->listen : "127.0.0.1:8080";
    char host[128];
    const char *colon = strrchr(listen, ':');
    long port;
    if (!colon || (size_t)(colon - listen) >= sizeof(host) || !parse_long(colon + 1, &port) ||
        port < 0 || port > 65535) {
        http_server_stop(s);
        return reel_fail(err, REEL_EUSAGE, listen, "--listen wants ADDR:PORT");
    }
    snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
    if (host[0] == '[') {
        memmove(host, host + 1, strlen(host));
        char *e = strchr(host, ']');
        if (e)
            *e = 0;
    }
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        sl = sizeof(*v4);
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        sl = sizeof(*v6);
        flags |= MHD_USE_IPv6;
    } else {
        http_server_stop(s);
        return reel_fail(err, REEL_EUSAGE, listen, "--listen wants a numeric address");
    }
    (void)sl;
    /* check the store before listening (and apply migrations once) */
    struct store *st = NULL;
    if (store_open(s->db_url, &st, err)) {
        http_server_stop(s);
        return err ? err->code : REEL_EDB;
    }
    if (events_max_id(st, &s->ev_last, err)) {
        store_close(st);
        http_server_stop(s);
        return err ? err->code : REEL_EDB;
    }
    s->nopen = 1;
    srv_store_put(s, st);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s->d =
        MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                         (struct sockaddr *)&ss, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                         MHD_OPTION_CONNECTION_LIMIT, 2000u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 0u,
                         MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
                         MHD_OPTION_THREAD_STACK_SIZE, (size_t)(512 * 1024), MHD_OPTION_END);
    if (!s->d) {
        http_server_stop(s);
        return reel_fail(err, REEL_ESYS, listen, "cannot listen on %s (in use?)", listen);
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : (int)port;
    if (pthread_create(&s->ev_thread, NULL, events_thread, s) == 0)
        s->ev_started = 1;
    *out = s;
    return REEL_OK;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    s->stopping = 1;
    pthread_mutex_lock(&s->ev_mu);
    pthread_cond_broadcast(&s->ev_cond);
    pthread_mutex_unlock(&s->ev_mu);
    if (s->d)
        MHD_stop_daemon(s->d);
    if (s->ev_started)
        pthread_join(s->ev_thread, NULL);
    for (int i = 0; i < s->npool; i++)
        store_close(s->pool[i]);
    for (int i = 0; i < EV_RING; i++)
        free(s->ring[i].frame);
    pthread_mutex_destroy(&s->pool_mu);
    pthread_cond_destroy(&s->pool_cond);
    pthread_mutex_destroy(&s->rl_mu);
    pthread_mutex_destroy(&s->kc_mu);
    pthread_mutex_destroy(&s->ev_mu);
    pthread_cond_destroy(&s->ev_cond);
    free(s->db_url);
    free(s->data_dir);
    free(s->roots);
    free(s);
}
