/*
 * SQLite backend: one connection in WAL mode with a busy timeout, so that
 * several reel processes (workers, the CLI, the HTTP server) on one machine
 * can share the file. Statements are prepared once and cached.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/internal.h"
#include "core/banned.h"

#define STMT_CACHE 48

struct lite {
    sqlite3 *db;
    int busy_ms;
    struct {
        char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE];
    int next_evict;
};

static enum reel_code lite_fail(struct store *s, int rc, const char *what, struct reel_err *err)
{
    struct lite *l = s->conn;
    const char *msg = l && l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(rc);
    int ext = l && l->db ? sqlite3_extended_errcode(l->db) : rc;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return reel_fail(err, REEL_EDB, s->url_display,
                         "%s: the database is locked by another process (waited %d ms); the "
                         "job stays as it was, try again",
                         what, l ? l->busy_ms : 0);
    case SQLITE_FULL:
        return reel_fail(err, REEL_EDB, s->url_display, "%s: the disk is full; nothing was written",
                         what);
    case SQLITE_CONSTRAINT:
        if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
            return reel_fail(err, REEL_ENOTFOUND, s->url_display,
                             "%s: a referenced row does not exist (%s)", what, msg);
        if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY)
            return reel_fail(err, REEL_ECONFLICT, s->url_display, "%s: %s", what, msg);
        return reel_fail(err, REEL_EINVAL, s->url_display, "%s: %s", what, msg);
    default:
        return reel_fail(err, REEL_EDB, s->url_display, "%s: %s", what, msg);
    }
}

/* "$12" placeholders (the PostgreSQL spelling used by the shared SQL) ->
 * "?12", outside string literals. */
static char *convert_params(const char *sql)
{
    struct buf b = BUF_INIT;
    int quoted = 0;
    for (const char *p = sql; *p; p++) {
        if (*p == '\'')
            quoted = !quoted;
        if (!quoted && *p == '$' && p[1] >= '0' && p[1] <= '9')
            buf_addch(&b, '?');
        else
            buf_addch(&b, *p);
    }
    return buf_detach(&b);
}

static enum reel_code lite_open(struct store *s, const char *url, struct reel_err *err)
{
    const char *path = url + (starts_with(url, "sqlite://") ? 9 : 7);
    /* The directory is created; the file by SQLite. */
    char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    enum reel_code rc = REEL_OK;
    if (slash && slash != dir) {
        *slash = 0;
        rc = mkdir_p(dir, err);
    }
    free(dir);
    if (rc) {
        reel_err_prefix(err, "opening database %s", s->url_display);
        return rc;
    }
    struct lite *l = xcalloc(1, sizeof(*l));
    s->conn = l;
    const char *bt = getenv("REEL_DB_BUSY_TIMEOUT_MS");
    long v;
    l->busy_ms = bt && parse_long(bt, &v) && v >= 0 ? (int)v : 15000;
    int r = sqlite3_open_v2(path, &l->db,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (r != SQLITE_OK) {
        rc = reel_fail(err, REEL_EDB, s->url_display, "cannot open the SQLite database: %s",
                       l->db ? sqlite3_errmsg(l->db) : sqlite3_errstr(r));
        sqlite3_close(l->db);
        free(l);
        s->conn = NULL;
        return rc;
    }
    sqlite3_busy_timeout(l->db, l->busy_ms);
    char *e = NULL;
    r = sqlite3_exec(l->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                     NULL, NULL, &e);
    sqlite3_free(e);
    if (r != SQLITE_OK) {
        rc = lite_fail(s, r, "opening the database", err);
        sqlite3_close(l->db);
        free(l);
        s->conn = NULL;
        return rc;
    }
    return REEL_OK;
}

static void lite_close(struct store *s)
{
    struct lite *l = s->conn;
    if (!l)
        return;
    for (int i = 0; i < STMT_CACHE; i++) {
        free(l->cache[i].sql);
        sqlite3_finalize(l->cache[i].st);
    }
    sqlite3_close(l->db);
    free(l);
    s->conn = NULL;
}

static enum reel_code lite_exec(struct store *s, const char *sql, struct reel_err *err)
{
    struct lite *l = s->conn;
    char *e = NULL;
    int r = sqlite3_exec(l->db, sql, NULL, NULL, &e);
    sqlite3_free(e);
    if (r != SQLITE_OK)
        return lite_fail(s, r, "executing SQL", err);
    return REEL_OK;
}

static sqlite3_stmt *stmt_get(struct store *s, const char *sql, int *rc)
{
    struct lite *l = s->conn;
    for (int i = 0; i < STMT_CACHE; i++)
        if (l->cache[i].sql && !strcmp(l->cache[i].sql, sql))
            return l->cache[i].st;
    char *conv = convert_params(sql);
    sqlite3_stmt *st = NULL;
    *rc = sqlite3_prepare_v3(l->db, conv, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    free(conv);
    if (*rc != SQLITE_OK)
        return NULL;
    int slot = l->next_evict;
    l->next_evict = (l->next_evict + 1) % STMT_CACHE;
    free(l->cache[slot].sql);
    sqlite3_finalize(l->cache[slot].st);
    l->cache[slot].sql = xstrdup(sql);
    l->cache[slot].st = st;
    return st;
}

static enum reel_code lite_query(struct store *s, const char *sql, const char *const *params,
                                 int nparams, struct store_rows *rows, struct reel_err *err)
{
    struct lite *l = s->conn;
    int r = SQLITE_OK;
    sqlite3_stmt *st = stmt_get(s, sql, &r);
    if (!st)
        return lite_fail(s, r, "preparing SQL", err);
    int count = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < nparams && i < count; i++) {
        r = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT)
                      : sqlite3_bind_null(st, i + 1);
        if (r != SQLITE_OK) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return lite_fail(s, r, "binding a parameter", err);
        }
    }
    size_t ncols = (size_t)sqlite3_column_count(st);
    VEC(char *) cells = VEC_INIT;
    size_t nrows = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        for (size_t c = 0; c < ncols; c++) {
            const unsigned char *t = sqlite3_column_text(st, (int)c);
            VEC_PUSH(&cells, t ? xstrdup((const char *)t) : NULL);
        }
        nrows++;
    }
    enum reel_code rc = REEL_OK;
    if (r != SQLITE_DONE) {
        rc = lite_fail(s, r, "running SQL", err);
        for (size_t i = 0; i < cells.n; i++)
            free(cells.v[i]);
        VEC_FREE(&cells);
        nrows = 0;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (rows && !rc) {
        rows->nrows = nrows;
        rows->ncols = ncols;
        rows->cell = cells.v;
    } else {
        for (size_t i = 0; i < cells.n; i++)
            free(cells.v[i]);
        free(cells.v);
    }
    (void)l;
    return rc;
}

static const char *const lite_schemes[] = {"sqlite:", NULL};

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .scheme = lite_schemes,
    .now_sql = "strftime('%Y-%m-%d %H:%M:%f','now')",
    .clock_sql = "strftime('%Y-%m-%d %H:%M:%f','now')",
    .seq_col = "rowid",
    .ms_fmt = "CAST(ROUND((julianday(%s) - 2440587.5) * 86400000.0) AS INTEGER)",
    .plus_s_fmt = "strftime('%%Y-%%m-%%d %%H:%%M:%%f','now','+' || (%s) || ' seconds')",
    .begin_write = "BEGIN IMMEDIATE",
    .for_update = "",
    .open = lite_open,
    .close = lite_close,
    .exec = lite_exec,
    .query = lite_query,
    .wait = NULL,
};
