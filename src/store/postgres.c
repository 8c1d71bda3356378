/*
 * PostgreSQL backend over libpq: one connection, session time zone UTC (the
 * seed's columns are `timestamp` without zone), statements prepared once per
 * connection, LISTEN/NOTIFY for waking workers and event readers. A
 * connection that drops is re-established once, outside transactions.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/internal.h"
#include "core/banned.h"

#define STMT_CACHE 64
#define MAX_CHANNELS 4

struct pg {
    PGconn *conn;
    struct {
        char *sql;
        char name[16];
    } cache[STMT_CACHE];
    int ncache, next_name;
    struct {
        char name[32];
        int listening, pending;
    } chan[MAX_CHANNELS];
};

static void quiet_notices(void *arg, const char *msg)
{
    (void)arg;
    log_debug("postgres: %s", msg);
}

static enum reel_code session_setup(struct store *s, struct reel_err *err)
{
    struct pg *p = s->conn;
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    PGresult *r = PQexec(p->conn, "SET TIME ZONE 'UTC'; SET client_min_messages = warning");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (!ok)
        return reel_fail(err, REEL_EDB, s->url_display, "setting up the session: %s",
                         PQerrorMessage(p->conn));
    return REEL_OK;
}

static void trim_nl(char *m)
{
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        m[--n] = 0;
}

static enum reel_code pg_open(struct store *s, const char *url, struct reel_err *err)
{
    const char *keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *vals[] = {"10", "reel", url, NULL};
    struct pg *p = xcalloc(1, sizeof(*p));
    s->conn = p;
    p->conn = PQconnectdbParams(keys, vals, 1);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", p->conn ? PQerrorMessage(p->conn) : "out of memory");
        trim_nl(msg);
        PQfinish(p->conn);
        free(p);
        s->conn = NULL;
        return reel_fail(err, REEL_EDB, s->url_display, "cannot connect to PostgreSQL: %s", msg);
    }
    enum reel_code rc = session_setup(s, err);
    if (rc) {
        PQfinish(p->conn);
        free(p);
        s->conn = NULL;
    }
    return rc;
}

static void cache_clear(struct pg *p)
{
    for (int i = 0; i < p->ncache; i++)
        free(p->cache[i].sql);
    p->ncache = 0;
    for (int i = 0; i < MAX_CHANNELS; i++)
        p->chan[i].listening = 0;
}

static void pg_close(struct store *s)
{
    struct pg *p = s->conn;
    if (!p)
        return;
    cache_clear(p);
    PQfinish(p->conn);
    free(p);
    s->conn = NULL;
}

/* Reconnect once when the server went away, outside a transaction. */
static int try_reset(struct store *s)
{
    struct pg *p = s->conn;
    if (PQstatus(p->conn) != CONNECTION_BAD || s->in_tx)
        return 0;
    log_warn("postgres: connection to %s lost, reconnecting", s->url_display);
    cache_clear(p);
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return 0;
    struct reel_err e = REEL_ERR_INIT;
    return session_setup(s, &e) == REEL_OK;
}

static enum reel_code result_fail(struct store *s, PGresult *r, const char *what,
                                  struct reel_err *err)
{
    struct pg *p = s->conn;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    char msg[400];
    snprintf(msg, sizeof(msg), "%s%s%s", prim ? prim : PQerrorMessage(p->conn), detail ? " - " : "",
             detail ? detail : "");
    trim_nl(msg);
    if (PQstatus(p->conn) == CONNECTION_BAD)
        return reel_fail(err, REEL_EDB, s->url_display,
                         "%s: the connection to PostgreSQL is gone: %s", what, msg);
    if (state) {
        if (!strcmp(state, "23505"))
            return reel_fail(err, REEL_ECONFLICT, s->url_display, "%s: %s", what, msg);
        if (!strcmp(state, "23503"))
            return reel_fail(err, REEL_ENOTFOUND, s->url_display,
                             "%s: a referenced row does not exist (%s)", what, msg);
        if (!strncmp(state, "22", 2) || !strcmp(state, "23502") || !strcmp(state, "23514"))
            return reel_fail(err, REEL_EINVAL, s->url_display, "%s: %s", what, msg);
        if (!strcmp(state, "53100"))
            return reel_fail(err, REEL_EDB, s->url_display,
                             "%s: the database server's disk is full; nothing was written", what);
        if (!strcmp(state, "55P03") || !strcmp(state, "57014"))
            return reel_fail(err, REEL_EDB, s->url_display,
                             "%s: the database is locked (%s); the job stays as it was, try again",
                             what, msg);
    }
    return reel_fail(err, REEL_EDB, s->url_display, "%s: %s%s%s", what, msg,
                     state ? " SQLSTATE " : "", state ? state : "");
}

static enum reel_code pg_exec(struct store *s, const char *sql, struct reel_err *err)
{
    struct pg *p = s->conn;
    for (int attempt = 0;; attempt++) {
        PGresult *r = PQexec(p->conn, sql);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            PQclear(r);
            return REEL_OK;
        }
        /* BEGIN on a dropped connection: reconnect and retry once. */
        if (attempt == 0 && !s->in_tx && try_reset(s)) {
            PQclear(r);
            continue;
        }
        enum reel_code rc = result_fail(s, r, "executing SQL", err);
        PQclear(r);
        return rc;
    }
}

static const char *stmt_name(struct store *s, const char *sql, int nparams, PGresult **fail)
{
    struct pg *p = s->conn;
    *fail = NULL;
    for (int i = 0; i < p->ncache; i++)
        if (!strcmp(p->cache[i].sql, sql))
            return p->cache[i].name;
    if (p->ncache == STMT_CACHE)
        return NULL; /* full: run unprepared */
    int slot = p->ncache;
    snprintf(p->cache[slot].name, sizeof(p->cache[slot].name), "reel_%d", p->next_name++);
    PGresult *r = PQprepare(p->conn, p->cache[slot].name, sql, nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *fail = r;
        return NULL;
    }
    PQclear(r);
    p->cache[slot].sql = xstrdup(sql);
    p->ncache++;
    return p->cache[slot].name;
}

static enum reel_code pg_query(struct store *s, const char *sql, const char *const *params,
                               int nparams, struct store_rows *rows, struct reel_err *err)
{
    struct pg *p = s->conn;
    for (int attempt = 0;; attempt++) {
        PGresult *fail = NULL;
        const char *name = stmt_name(s, sql, nparams, &fail);
        PGresult *r;
        if (fail)
            r = fail;
        else if (name)
            r = PQexecPrepared(p->conn, name, nparams, params, NULL, NULL, 0);
        else
            r = PQexecParams(p->conn, sql, nparams, NULL, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
            if (rows) {
                rows->nrows = (size_t)PQntuples(r);
                rows->ncols = (size_t)PQnfields(r);
                rows->cell = xcalloc(rows->nrows * rows->ncols + 1, sizeof(char *));
                for (size_t i = 0; i < rows->nrows; i++)
                    for (size_t c = 0; c < rows->ncols; c++)
                        if (!PQgetisnull(r, (int)i, (int)c))
                            rows->cell[i * rows->ncols + c] =
                                xstrdup(PQgetvalue(r, (int)i, (int)c));
            }
            PQclear(r);
            return REEL_OK;
        }
        if (attempt == 0 && try_reset(s)) {
            PQclear(r);
            continue;
        }
        enum reel_code rc = result_fail(s, r, "running SQL", err);
        PQclear(r);
        return rc;
    }
}

static int chan_index(struct pg *p, const char *channel)
{
    for (int i = 0; i < MAX_CHANNELS; i++)
        if (!strcmp(p->chan[i].name, channel))
            return i;
    for (int i = 0; i < MAX_CHANNELS; i++)
        if (!p->chan[i].name[0]) {
            snprintf(p->chan[i].name, sizeof(p->chan[i].name), "%s", channel);
            return i;
        }
    abort(); /* more channels than reel uses */
}

static void drain(struct pg *p)
{
    PGnotify *n;
    while ((n = PQnotifies(p->conn))) {
        for (int i = 0; i < MAX_CHANNELS; i++)
            if (p->chan[i].name[0] && !strcmp(p->chan[i].name, n->relname))
                p->chan[i].pending = 1;
        PQfreemem(n);
    }
}

/* channel is one of reel's own constant names, never input. */
static enum reel_code pg_wait(struct store *s, const char *channel, int timeout_ms, int *notified,
                              struct reel_err *err)
{
    struct pg *p = s->conn;
    *notified = 0;
    int ci = chan_index(p, channel);
    if (!p->chan[ci].listening) {
        char sql[64];
        snprintf(sql, sizeof(sql), "LISTEN %s", channel);
        enum reel_code rc = pg_exec(s, sql, err);
        if (rc)
            return rc;
        p->chan[ci].listening = 1;
    }
    int64_t deadline = now_mono_ms() + timeout_ms;
    for (;;) {
        PQconsumeInput(p->conn);
        drain(p);
        if (p->chan[ci].pending) {
            p->chan[ci].pending = 0;
            *notified = 1;
            return REEL_OK;
        }
        int64_t left = deadline - now_mono_ms();
        if (left <= 0)
            return REEL_OK;
        struct pollfd pfd = {PQsocket(p->conn), POLLIN, 0};
        if (pfd.fd < 0 || PQstatus(p->conn) == CONNECTION_BAD) {
            if (!try_reset(s))
                return reel_fail(err, REEL_EDB, s->url_display,
                                 "waiting for notifications: the connection to PostgreSQL is gone");
            p->chan[ci].listening = 0;
            return REEL_OK; /* the caller re-checks and waits again */
        }
        int r = poll(&pfd, 1, (int)left);
        if (r < 0 && errno != EINTR)
            return reel_fail(err, REEL_ESYS, NULL, "poll: %s", strerror(errno));
        if (r < 0)
            return REEL_OK; /* a signal: let the caller look at its stop flag */
        if (r > 0 && !PQconsumeInput(p->conn) && PQstatus(p->conn) == CONNECTION_BAD) {
            if (!try_reset(s))
                return reel_fail(err, REEL_EDB, s->url_display,
                                 "waiting for notifications: the connection to PostgreSQL is gone");
            return REEL_OK;
        }
    }
}

static const char *const pg_schemes[] = {"postgres://", "postgresql://", NULL};

const struct store_backend store_backend_postgres = {
    .name = "postgres",
    .scheme = pg_schemes,
    .now_sql = "LOCALTIMESTAMP",
    .clock_sql = "(clock_timestamp() AT TIME ZONE 'UTC')",
    .seq_col = "id",
    .ms_fmt = "(extract(epoch from %s) * 1000)::bigint",
    .plus_s_fmt = "(LOCALTIMESTAMP + (%s)::int * interval '1 second')",
    .begin_write = "BEGIN",
    .for_update = " FOR UPDATE",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .query = pg_query,
    .wait = pg_wait,
};
