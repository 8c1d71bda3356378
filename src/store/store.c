/*
 * The store front: picks a backend by URL scheme, applies migrations,
 * expands the few dialect differences in SQL templates, and holds the
 * value helpers the operation files share.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/log.h"
#include "store/internal.h"
#include "core/banned.h"

/* The backend table: adding a backend is adding a file and a line. */
static const struct store_backend *const backends[] = {
    &store_backend_postgres,
    &store_backend_sqlite,
};

static const struct store_backend *backend_for(const char *url)
{
    for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
        for (const char *const *sc = backends[i]->scheme; *sc; sc++)
            if (!strncmp(url, *sc, strlen(*sc)))
                return backends[i];
    return NULL;
}

/* Hide the password of postgres://user:pass@host/... for messages. */
static char *url_hide_password(const char *url)
{
    const char *p = strstr(url, "://");
    if (!p)
        return xstrdup(url);
    const char *at = strchr(p + 3, '@');
    const char *colon = strchr(p + 3, ':');
    struct buf b = BUF_INIT;
    if (at && colon && colon < at) {
        buf_add(&b, url, (size_t)(colon - url));
        buf_adds(&b, ":***");
        buf_adds(&b, at);
    } else {
        buf_adds(&b, url);
    }
    /* password=... in the query string */
    char *pw = strstr(b.buf, "password=");
    if (pw) {
        char *end = strchr(pw, '&');
        struct buf c = BUF_INIT;
        buf_add(&c, b.buf, (size_t)(pw - b.buf));
        buf_adds(&c, "password=***");
        if (end)
            buf_adds(&c, end);
        buf_release(&b);
        return buf_detach(&c);
    }
    return buf_detach(&b);
}

enum reel_code store_url_check(const char *url, struct reel_err *err)
{
    if (!url || !*url)
        return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL", "the database URL is empty");
    for (const char *p = url; *p; p++)
        if ((unsigned char)*p < 0x20)
            return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                             "the database URL contains a control character");
    const struct store_backend *be = backend_for(url);
    if (be == &store_backend_postgres) {
        const char *rest = strstr(url, "://") + 3;
        const char *end = rest + strcspn(rest, "/?");
        const char *at = memchr(rest, '@', (size_t)(end - rest));
        const char *host = at ? at + 1 : rest;
        /* host[:port] (or [v6]:port); the port must be a number 1..65535 */
        const char *hend = end;
        const char *colon = NULL;
        if (*host == '[') {
            const char *rb = memchr(host, ']', (size_t)(hend - host));
            if (!rb)
                return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                                 "'%s': unterminated '[' in the host", url);
            if (rb + 1 < hend && rb[1] == ':')
                colon = rb + 1;
        } else {
            colon = memchr(host, ':', (size_t)(hend - host));
        }
        if (colon && !memchr(host, ',', (size_t)(hend - host))) {
            char port[16];
            size_t n = (size_t)(hend - colon - 1);
            if (n == 0 || n >= sizeof(port))
                return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                                 "'%s': the port is missing or too long", url);
            memcpy(port, colon + 1, n);
            port[n] = 0;
            long v;
            if (!parse_long(port, &v) || v < 1 || v > 65535)
                return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                                 "'%s': port '%s' is not a number from 1 to 65535", url, port);
        }
        return REEL_OK; /* the rest is checked by libpq when opening */
    }
    if (be == &store_backend_sqlite) {
        const char *path = url + (starts_with(url, "sqlite://") ? 9 : 7);
        if (!*path)
            return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                             "'%s': no file name after 'sqlite:'", url);
        return REEL_OK;
    }
    /* scheme: that we do not know */
    size_t n = 0;
    while (isalnum((unsigned char)url[n]) || url[n] == '+' || url[n] == '-' || url[n] == '.')
        n++;
    if (n > 1 && url[n] == ':' && isalpha((unsigned char)url[0]))
        return reel_fail(err, REEL_EINVAL, "REEL_DATABASE_URL",
                         "unsupported database URL scheme '%.*s:' (use postgres://USER@HOST/DB "
                         "or sqlite:PATH)",
                         (int)n, url);
    return REEL_OK; /* a plain path: SQLite */
}

enum reel_code store_open(const char *url, struct store **out, struct reel_err *err)
{
    return store_open_flags(url, 0, out, err);
}

enum reel_code store_open_flags(const char *url, unsigned flags, struct store **out,
                                struct reel_err *err)
{
    *out = NULL;
    struct reel_config cfg;
    config_load(&cfg);
    char *u = xstrdup(url ? url : cfg.database_url);
    config_release(&cfg);
    enum reel_code rc = store_url_check(u, err);
    if (rc) {
        free(u);
        return rc;
    }
    struct store *s = xcalloc(1, sizeof(*s));
    s->be = backend_for(u);
    if (!s->be) { /* a plain path */
        s->be = &store_backend_sqlite;
        s->url = xasprintf("sqlite:%s", u);
        free(u);
    } else {
        s->url = u;
    }
    s->url_display = url_hide_password(s->url);
    rc = s->be->open(s, s->url, err);
    if (rc) {
        free(s->url);
        free(s->url_display);
        free(s);
        return rc;
    }
    if (!(flags & STORE_OPEN_NO_MIGRATE)) {
        rc = store_migrate(s, NULL, err);
        if (rc) {
            store_close(s);
            return rc;
        }
    }
    *out = s;
    return REEL_OK;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    s->be->close(s);
    free(s->url);
    free(s->url_display);
    free(s);
}

const char *store_backend_name(const struct store *s)
{
    return s->be->name;
}
const char *store_url_display(const struct store *s)
{
    return s->url_display;
}
const char *store_url(const struct store *s)
{
    return s->url;
}

/* ---- SQL templates ---- */

void sql_expand(const struct store *s, const char *t, struct buf *out)
{
    const struct store_backend *be = s->be;
    while (*t) {
        const char *br = strchr(t, '{');
        if (!br) {
            buf_adds(out, t);
            return;
        }
        buf_add(out, t, (size_t)(br - t));
        const char *close = strchr(br, '}');
        if (!close)
            abort(); /* a template bug, not input */
        char arg[64] = "";
        size_t n = (size_t)(close - br - 1);
        const char *colon = memchr(br + 1, ':', n);
        if (colon) {
            size_t an = (size_t)(close - colon - 1);
            if (an >= sizeof(arg))
                abort();
            memcpy(arg, colon + 1, an);
            arg[an] = 0;
        }
        if (!strncmp(br + 1, "now}", 4))
            buf_adds(out, be->now_sql);
        else if (!strncmp(br + 1, "clock}", 6))
            buf_adds(out, be->clock_sql);
        else if (!strncmp(br + 1, "seq}", 4))
            buf_adds(out, be->seq_col);
        else if (!strncmp(br + 1, "ms:", 3))
            buf_addf(out, be->ms_fmt, arg);
        else if (!strncmp(br + 1, "plus_s:", 7))
            buf_addf(out, be->plus_s_fmt, arg);
        else if (!strncmp(br + 1, "for_update}", 11))
            buf_adds(out, be->for_update);
        else
            abort();
        t = close + 1;
    }
}

enum reel_code sql_q(struct store *s, const char *tmpl, const char *const *params, int nparams,
                     struct store_rows *rows, struct reel_err *err)
{
    struct buf b = BUF_INIT;
    sql_expand(s, tmpl, &b);
    if (rows)
        memset(rows, 0, sizeof(*rows));
    enum reel_code rc = s->be->query(s, b.buf, params, nparams, rows, err);
    buf_release(&b);
    return rc;
}

enum reel_code sql_exec(struct store *s, const char *sql, struct reel_err *err)
{
    return s->be->exec(s, sql, err);
}

enum reel_code store_exec(struct store *s, const char *sql, struct reel_err *err)
{
    return s->be->exec(s, sql, err);
}

enum reel_code store_tx_begin(struct store *s, struct reel_err *err)
{
    enum reel_code rc = s->be->exec(s, s->be->begin_write, err);
    if (!rc)
        s->in_tx = 1;
    return rc;
}

enum reel_code store_tx_commit(struct store *s, struct reel_err *err)
{
    enum reel_code rc = s->be->exec(s, "COMMIT", err);
    if (rc)
        store_tx_rollback(s);
    s->in_tx = 0;
    return rc;
}

void store_tx_rollback(struct store *s)
{
    struct reel_err ignored = REEL_ERR_INIT;
    s->be->exec(s, "ROLLBACK", &ignored);
    s->in_tx = 0;
}

void store_rows_release(struct store_rows *r)
{
    if (!r || !r->cell)
        return;
    for (size_t i = 0; i < r->nrows * r->ncols; i++)
        free(r->cell[i]);
    free(r->cell);
    memset(r, 0, sizeof(*r));
}

/* ---- migrations ---- */

int store_schema_latest(void)
{
    return store_migrations[store_migrations_count - 1].version;
}

static const char *migrations_table_sql =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
    "name text NOT NULL, applied_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)";

enum reel_code store_schema_version(struct store *s, int *version, struct reel_err *err)
{
    *version = 0;
    struct store_rows r;
    /* Does the table exist? Asking the catalogue avoids an error (and, in
     * PostgreSQL, an aborted transaction) on a fresh database. */
    const char *q = store_is_pg(s)
                        ? "SELECT count(*) FROM information_schema.tables WHERE table_schema = "
                          "current_schema() AND table_name = 'schema_migrations'"
                        : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                          "'schema_migrations'";
    enum reel_code rc = sql_q(s, q, NULL, 0, &r, err);
    if (rc)
        return rc;
    int exists = r.nrows && cell_int(rows_get(&r, 0, 0), 0) > 0;
    store_rows_release(&r);
    if (!exists)
        return REEL_OK;
    rc = sql_q(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", NULL, 0, &r, err);
    if (rc)
        return rc;
    *version = r.nrows ? cell_int(rows_get(&r, 0, 0), 0) : 0;
    store_rows_release(&r);
    return REEL_OK;
}

static enum reel_code newer_error(struct store *s, int have, struct reel_err *err)
{
    return reel_fail(err, REEL_ECONFLICT, s->url_display,
                     "the database is at schema version %d, newer than this reel knows (%d): "
                     "upgrade reel before using this database",
                     have, store_schema_latest());
}

enum reel_code store_migrate(struct store *s, int *applied, struct reel_err *err)
{
    if (applied)
        *applied = 0;
    int have;
    enum reel_code rc = store_schema_version(s, &have, err);
    if (rc)
        return rc;
    int latest = store_schema_latest();
    if (have > latest)
        return newer_error(s, have, err);
    if (have == latest)
        return REEL_OK;
    for (size_t i = 0; i < store_migrations_count; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->version <= have)
            continue;
        /* One transaction per migration. Concurrent first users serialise on
         * the write lock (SQLite) or an advisory lock (PostgreSQL) and
         * re-read the version inside it. */
        if ((rc = store_tx_begin(s, err)))
            return rc;
        if (store_is_pg(s) &&
            (rc = sql_q(s, "SELECT pg_advisory_xact_lock(7366205)", NULL, 0, NULL, err)))
            goto fail;
        if ((rc = sql_exec(s, migrations_table_sql, err)))
            goto fail;
        int now;
        if ((rc = store_schema_version(s, &now, err)))
            goto fail;
        if (now > latest) {
            rc = newer_error(s, now, err);
            goto fail;
        }
        if (now >= m->version) {
            store_tx_rollback(s);
            continue;
        }
        if ((rc = sql_exec(s, store_is_pg(s) ? m->postgres : m->sqlite, err))) {
            reel_err_prefix(err, "migration %d (%s)", m->version, m->name);
            goto fail;
        }
        struct numstr v;
        const char *p[] = {num_i64(&v, m->version), m->name};
        if ((rc = sql_q(s, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", p, 2,
                        NULL, err)))
            goto fail;
        if ((rc = store_tx_commit(s, err)))
            return rc;
        log_info("store: applied migration %d (%s) to %s", m->version, m->name, s->url_display);
        if (applied)
            (*applied)++;
    }
    return REEL_OK;
fail:
    store_tx_rollback(s);
    return rc;
}

/* ---- values ---- */

int store_uuid_valid(const char *s)
{
    if (!s || strlen(s) != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!isxdigit((unsigned char)s[i])) {
            return 0;
        }
    }
    return 1;
}

enum reel_code store_check_id(const char *what, const char *id, struct reel_err *err)
{
    if (!store_uuid_valid(id))
        return reel_fail(err, REEL_EINVAL, NULL, "'%s' is not a %s id (a UUID)", id ? id : "",
                         what);
    return REEL_OK;
}

int64_t cell_i64(const char *c, int64_t def)
{
    if (!c || !*c)
        return def;
    char *end;
    double d = strtod(c, &end);
    return end == c ? def : (int64_t)(d < 0 ? d - 0.5 : d + 0.5);
}

int cell_int(const char *c, int def)
{
    return (int)cell_i64(c, def);
}

char *cell_dup(const char *c)
{
    return c ? xstrdup(c) : NULL;
}

void cell_copy(char *dst, size_t n, const char *c)
{
    snprintf(dst, n, "%s", c ? c : "");
}

json_t *cell_json(const char *c)
{
    if (!c)
        return NULL;
    json_t *j = NULL;
    struct reel_err e = REEL_ERR_INIT;
    if (json_parse(c, strlen(c), 0, "database", &j, &e))
        return NULL;
    return j;
}

int cell_bool(const char *c)
{
    return c && (!strcmp(c, "t") || !strcmp(c, "1") || !strcmp(c, "true"));
}

const char *num_i64(struct numstr *n, int64_t v)
{
    snprintf(n->s, sizeof(n->s), "%lld", (long long)v);
    return n->s;
}

char *json_text(const json_t *j)
{
    if (!j)
        return NULL;
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 0);
    return buf_detach(&b);
}

const char *job_status_name(enum job_status st)
{
    static const char *const names[] = {"pending", "processing", "completed", "failed",
                                        "review_required"};
    return (unsigned)st < ARRAY_SIZE(names) ? names[st] : "unknown";
}

int job_status_parse(const char *s, enum job_status *out)
{
    for (int i = JOB_PENDING; i <= JOB_REVIEW_REQUIRED; i++)
        if (s && !strcmp(s, job_status_name((enum job_status)i))) {
            *out = (enum job_status)i;
            return 0;
        }
    return -1;
}
