/*
 * Private to src/store: the backend table entry, the row set every query
 * returns (all values as text, NULL for SQL NULL), and helpers shared by
 * the operation files (jobs.c, records.c).
 */
#ifndef REEL_STORE_INTERNAL_H
#define REEL_STORE_INTERNAL_H

#include <stdint.h>

#include "core/util.h"
#include "store/store.h"

struct store_rows {
    size_t nrows, ncols;
    char **cell; /* nrows * ncols; NULL = SQL NULL */
};
void store_rows_release(struct store_rows *r);
static inline const char *rows_get(const struct store_rows *r, size_t row, size_t col)
{
    return r->cell[row * r->ncols + col];
}

struct store_backend {
    const char *name;          /* "sqlite", "postgres" */
    const char *const *scheme; /* URL prefixes, NULL-terminated */
    /* Dialect pieces used by the template expander (sql_expand). */
    const char *now_sql;     /* current time as the timestamp column type */
    const char *clock_sql;   /* the same, but advancing within a transaction */
    const char *seq_col;     /* insertion order tie-breaker column */
    const char *ms_fmt;      /* printf with %s = column: epoch ms as integer */
    const char *plus_s_fmt;  /* printf with %s = a parameter: now + N seconds */
    const char *begin_write; /* BEGIN a transaction that will write */
    const char *for_update;  /* " FOR UPDATE" or "" */
    /* target: the URL as given. */
    enum reel_code (*open)(struct store *s, const char *url, struct reel_err *err);
    void (*close)(struct store *s);
    /* Several statements, no parameters, no results. */
    enum reel_code (*exec)(struct store *s, const char *sql, struct reel_err *err);
    /* One statement with $1..$n text parameters (NULL = SQL NULL); rows may be NULL. */
    enum reel_code (*query)(struct store *s, const char *sql, const char *const *params,
                            int nparams, struct store_rows *rows, struct reel_err *err);
    /* Wait for a notification on a channel (PostgreSQL); NULL: not supported. */
    enum reel_code (*wait)(struct store *s, const char *channel, int timeout_ms, int *notified,
                           struct reel_err *err);
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_postgres;

struct store {
    const struct store_backend *be;
    void *conn; /* the backend's */
    char *url, *url_display;
    int in_tx;
    int64_t last_sweep_ms;
};

/* Expand a template: {now}, {clock}, {seq}, {ms:COL}, {plus_s:$N}, {for_update}. */
void sql_expand(const struct store *s, const char *tmpl, struct buf *out);
/* Expand and run. */
enum reel_code sql_q(struct store *s, const char *tmpl, const char *const *params, int nparams,
                     struct store_rows *rows, struct reel_err *err);
enum reel_code sql_exec(struct store *s, const char *sql, struct reel_err *err);
enum reel_code store_tx_begin(struct store *s, struct reel_err *err);
enum reel_code store_tx_commit(struct store *s, struct reel_err *err);
void store_tx_rollback(struct store *s);

static inline int store_is_pg(const struct store *s)
{
    return s->be == &store_backend_postgres;
}

/* Validation of ids from outside: canonical UUID text (any case accepted). */
int store_uuid_valid(const char *s);
enum reel_code store_check_id(const char *what, const char *id, struct reel_err *err);

/* Value conversions for rows. */
int64_t cell_i64(const char *c, int64_t def);
int cell_int(const char *c, int def);
char *cell_dup(const char *c);                      /* NULL stays NULL */
void cell_copy(char *dst, size_t n, const char *c); /* NULL -> "" */
json_t *cell_json(const char *c);                   /* NULL or bad -> NULL */
int cell_bool(const char *c);

/* Small formatting for parameters. */
struct numstr {
    char s[32];
};
const char *num_i64(struct numstr *n, int64_t v);
char *json_text(const json_t *j); /* compact, sorted; caller frees; NULL -> NULL */

#endif
