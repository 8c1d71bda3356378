/*
 * Jobs and the queue, durable stage results, and job events.
 *
 * The hot paths of the queue (claim, finish) are one statement on
 * PostgreSQL (a data-modifying CTE that also writes the event) and one
 * immediate transaction on SQLite. Every change that belongs to a worker is
 * fenced by its lease (lease_owner = worker AND status = 'processing'), so
 * a worker that stalled past its lease cannot overwrite the new owner's work.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "store/internal.h"
#include "core/banned.h"

#define JOB_COLS                                                                                   \
    "id, user_id, title, status, edit_plan_id, {ms:created_at}, {ms:updated_at}, brief, "          \
    "trace_id, attempts, max_attempts, priority, lease_owner, {ms:lease_expires_at}, last_error"

static void job_from_row(const struct store_rows *r, size_t i, struct store_job *j)
{
    memset(j, 0, sizeof(*j));
    cell_copy(j->id, sizeof(j->id), rows_get(r, i, 0));
    cell_copy(j->user_id, sizeof(j->user_id), rows_get(r, i, 1));
    j->title = xstrdup(rows_get(r, i, 2) ? rows_get(r, i, 2) : "");
    if (job_status_parse(rows_get(r, i, 3), &j->status))
        j->status = JOB_FAILED;
    cell_copy(j->edit_plan_id, sizeof(j->edit_plan_id), rows_get(r, i, 4));
    j->created_at = cell_i64(rows_get(r, i, 5), 0);
    j->updated_at = cell_i64(rows_get(r, i, 6), 0);
    j->brief = cell_json(rows_get(r, i, 7));
    if (!j->brief)
        j->brief = json_object();
    cell_copy(j->trace_id, sizeof(j->trace_id), rows_get(r, i, 8));
    j->attempts = cell_int(rows_get(r, i, 9), 0);
    j->max_attempts = cell_int(rows_get(r, i, 10), 3);
    j->priority = cell_int(rows_get(r, i, 11), 0);
    j->lease_owner = cell_dup(rows_get(r, i, 12));
    j->lease_expires_at = cell_i64(rows_get(r, i, 13), 0);
    j->last_error = cell_dup(rows_get(r, i, 14));
}

void store_job_release(struct store_job *j)
{
    if (!j)
        return;
    free(j->title);
    json_decref(j->brief);
    free(j->lease_owner);
    free(j->last_error);
    memset(j, 0, sizeof(*j));
}

void store_job_list_release(struct store_job_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_job_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void lower_id(char out[STORE_ID_LEN], const char *id)
{
    size_t i = 0;
    for (; id[i] && i < STORE_ID_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[i] = 0;
}

static enum reel_code event_insert(struct store *s, const char *job_id, const char *kind,
                                   const char *payload_json, int64_t *id_out, struct reel_err *err)
{
    const char *p[] = {job_id, kind, payload_json ? payload_json : "{}"};
    struct store_rows r;
    enum reel_code rc =
        sql_q(s, "INSERT INTO job_events (job_id, kind, payload) VALUES ($1, $2, $3) RETURNING id",
              p, 3, &r, err);
    if (rc)
        return rc;
    if (id_out)
        *id_out = r.nrows ? cell_i64(rows_get(&r, 0, 0), 0) : 0;
    store_rows_release(&r);
    return REEL_OK;
}

/* {"from":..,"to":..,"reason":..,"worker":..} as text (caller frees). */
static char *status_payload(const char *from, const char *to, const char *reason,
                            const char *worker)
{
    json_t *o = json_object();
    if (from)
        json_object_set_new(o, "from", json_string(from));
    json_object_set_new(o, "to", json_string(to));
    if (reason)
        json_object_set_new(o, "reason", json_string(reason));
    if (worker)
        json_object_set_new(o, "worker", json_string(worker));
    char *t = json_text(o);
    json_decref(o);
    return t;
}

enum reel_code store_job_create(struct store *s, const struct store_job_new *nj,
                                char id_out[STORE_ID_LEN], char trace_id_out[33],
                                struct reel_err *err)
{
    const char *user = nj->user_id ? nj->user_id : STORE_LOCAL_USER;
    enum reel_code rc;
    if ((rc = store_check_id("user", user, err)))
        return rc;
    if (!nj->title || !*nj->title)
        return reel_fail(err, REEL_EINVAL, "title", "a job needs a title");
    if (!utf8_valid(nj->title, strlen(nj->title)) || utf8_len(nj->title) > 255)
        return reel_fail(err, REEL_EINVAL, "title",
                         "the title must be valid UTF-8 of at most 255 characters");
    if (nj->brief && !json_is_object(nj->brief))
        return reel_fail(err, REEL_EINVAL, "brief", "the brief must be a JSON object");
    char id[STORE_ID_LEN], trace[33], u[STORE_ID_LEN];
    uuid_v4(id);
    random_hex(trace, 16);
    lower_id(u, user);
    char *brief = nj->brief ? json_text(nj->brief) : xstrdup("{}");
    struct numstr ma, pr;
    const char *p[] = {id,
                       u,
                       nj->title,
                       brief,
                       trace,
                       num_i64(&ma, nj->max_attempts > 0 ? nj->max_attempts : 3),
                       num_i64(&pr, nj->priority)};
    char *ev = NULL;
    if ((rc = store_tx_begin(s, err)))
        goto out;
    rc = sql_q(s,
               "INSERT INTO jobs (id, user_id, title, brief, trace_id, max_attempts, priority) "
               "VALUES ($1, $2, $3, $4, $5, $6, $7)",
               p, 7, NULL, err);
    if (!rc) {
        json_t *o = json_pack("{s:s, s:s}", "title", nj->title, "trace_id", trace);
        ev = json_text(o);
        json_decref(o);
        rc = event_insert(s, id, "created", ev, NULL, err);
    }
    for (size_t i = 0; !rc && i < nj->nassets; i++) {
        struct store_asset_new na = nj->assets[i];
        na.job_id = id;
        rc = store_asset_add(s, &na, NULL, err);
    }
    if (rc) {
        store_tx_rollback(s);
        goto out;
    }
    if ((rc = store_tx_commit(s, err)))
        goto out;
    if (id_out)
        memcpy(id_out, id, STORE_ID_LEN);
    if (trace_id_out)
        memcpy(trace_id_out, trace, 33);
out:
    free(brief);
    free(ev);
    return rc;
}

enum reel_code store_job_get(struct store *s, const char *id, struct store_job *out,
                             struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    enum reel_code rc = store_check_id("job", id, err);
    if (rc)
        return rc;
    char lid[STORE_ID_LEN];
    lower_id(lid, id);
    const char *p[] = {lid};
    struct store_rows r;
    if ((rc = sql_q(s, "SELECT " JOB_COLS " FROM jobs WHERE id = $1", p, 1, &r, err)))
        return rc;
    if (!r.nrows) {
        store_rows_release(&r);
        return reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", lid);
    }
    job_from_row(&r, 0, out);
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_job_resolve(struct store *s, const char *idp, char id_out[STORE_ID_LEN],
                                 struct reel_err *err)
{
    size_t n = idp ? strlen(idp) : 0;
    if (n < 4 || n > 36 || strspn(idp, "0123456789abcdefABCDEF-") != n)
        return reel_fail(err, REEL_EINVAL, NULL,
                         "'%s' is not a job id (a UUID, or at least its first 4 hex digits)",
                         idp ? idp : "");
    char lid[STORE_ID_LEN];
    lower_id(lid, idp);
    const char *p[] = {lid};
    struct store_rows r;
    enum reel_code rc = sql_q(s,
                              "SELECT CAST(id AS text) FROM jobs WHERE CAST(id AS text) LIKE $1 "
                              "|| '%' ORDER BY created_at LIMIT 2",
                              p, 1, &r, err);
    if (rc)
        return rc;
    if (r.nrows == 0)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", lid);
    else if (r.nrows > 1 && n < 36)
        rc = reel_fail(err, REEL_EINVAL, NULL, "job id prefix '%s' is ambiguous; give more of it",
                       lid);
    else
        cell_copy(id_out, STORE_ID_LEN, rows_get(&r, 0, 0));
    store_rows_release(&r);
    return rc;
}

enum reel_code store_job_list(struct store *s, const struct store_job_filter *f,
                              struct store_job_list *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    struct buf q = BUF_INIT;
    const char *p[3];
    int np = 0;
    char uid[STORE_ID_LEN];
    struct numstr lim;
    buf_adds(&q, "SELECT " JOB_COLS " FROM jobs WHERE 1 = 1");
    if (f && f->has_status) {
        p[np++] = job_status_name(f->status);
        buf_addf(&q, " AND status = $%d", np);
    }
    if (f && f->user_id) {
        enum reel_code rc = store_check_id("user", f->user_id, err);
        if (rc) {
            buf_release(&q);
            return rc;
        }
        lower_id(uid, f->user_id);
        p[np++] = uid;
        buf_addf(&q, " AND user_id = $%d", np);
    }
    buf_adds(&q, store_is_pg(s) ? " ORDER BY created_at DESC, id DESC"
                                : " ORDER BY created_at DESC, rowid DESC");
    if (f && f->limit > 0) {
        p[np++] = num_i64(&lim, f->limit);
        buf_addf(&q, " LIMIT CAST($%d AS integer)", np);
    }
    struct store_rows r;
    enum reel_code rc = sql_q(s, q.buf, p, np, &r, err);
    buf_release(&q);
    if (rc)
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++)
        job_from_row(&r, i, &out->v[i]);
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_job_set_status(struct store *s, const char *id, enum job_status st,
                                    const char *reason, struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", id, err);
    if (rc)
        return rc;
    char lid[STORE_ID_LEN];
    lower_id(lid, id);
    if ((rc = store_tx_begin(s, err)))
        return rc;
    const char *p1[] = {lid};
    struct store_rows r;
    char *ev = NULL;
    if ((rc = sql_q(s, "SELECT status FROM jobs WHERE id = $1{for_update}", p1, 1, &r, err)))
        goto fail;
    if (!r.nrows) {
        store_rows_release(&r);
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", lid);
        goto fail;
    }
    char from[32];
    cell_copy(from, sizeof(from), rows_get(&r, 0, 0));
    store_rows_release(&r);
    const char *p2[] = {lid, job_status_name(st), reason};
    rc =
        sql_q(s,
              st == JOB_PROCESSING
                  ? "UPDATE jobs SET status = $2, last_error = coalesce($3, last_error), "
                    "updated_at = {now} WHERE id = $1"
                  : "UPDATE jobs SET status = $2, last_error = coalesce($3, last_error), "
                    "lease_owner = NULL, lease_expires_at = NULL, updated_at = {now} WHERE id = $1",
              p2, 3, NULL, err);
    if (rc)
        goto fail;
    ev = status_payload(from, job_status_name(st), reason, NULL);
    if ((rc = event_insert(s, lid, "status", ev, NULL, err)))
        goto fail;
    free(ev);
    return store_tx_commit(s, err);
fail:
    free(ev);
    store_tx_rollback(s);
    return rc;
}

enum reel_code store_job_set_edit_plan(struct store *s, const char *id, const char *plan_id,
                                       struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", id, err);
    if (!rc && plan_id)
        rc = store_check_id("edit plan", plan_id, err);
    if (rc)
        return rc;
    char lid[STORE_ID_LEN], pid[STORE_ID_LEN];
    lower_id(lid, id);
    if (plan_id)
        lower_id(pid, plan_id);
    const char *p[] = {lid, plan_id ? pid : NULL};
    struct store_rows r;
    rc =
        sql_q(s, "UPDATE jobs SET edit_plan_id = $2, updated_at = {now} WHERE id = $1 RETURNING id",
              p, 2, &r, err);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", lid);
    store_rows_release(&r);
    return rc;
}

/* ---- queue ---- */

/* Fail jobs whose lease expired with no attempts left. */
static enum reel_code sweep_expired(struct store *s, struct reel_err *err)
{
    s->last_sweep_ms = now_mono_ms();
    if (store_is_pg(s))
        return sql_q(
            s,
            "WITH f AS (UPDATE jobs SET status = 'failed', last_error = 'lease expired after ' || "
            "attempts || ' attempts (last worker ' || coalesce(lease_owner, '?') || ')', "
            "lease_owner = NULL, lease_expires_at = NULL, updated_at = {now} WHERE id IN (SELECT "
            "id FROM jobs WHERE status = 'processing' AND lease_expires_at < {now} AND attempts >= "
            "max_attempts FOR UPDATE SKIP LOCKED) RETURNING id, last_error) "
            "INSERT INTO job_events (job_id, kind, payload) SELECT id, 'status', "
            "jsonb_build_object('from', 'processing', 'to', 'failed', 'reason', last_error) FROM f",
            NULL, 0, NULL, err);
    /* SQLite: inside the caller's immediate transaction */
    struct store_rows r;
    enum reel_code rc = sql_q(
        s,
        "UPDATE jobs SET status = 'failed', last_error = 'lease expired after ' || attempts || ' "
        "attempts (last worker ' || coalesce(lease_owner, '?') || ')', lease_owner = NULL, "
        "lease_expires_at = NULL, updated_at = {now} WHERE status = 'processing' AND "
        "lease_expires_at < {now} AND attempts >= max_attempts RETURNING id, last_error",
        NULL, 0, &r, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < r.nrows && !rc; i++) {
        char *ev = status_payload("processing", "failed", rows_get(&r, i, 1), NULL);
        rc = event_insert(s, rows_get(&r, i, 0), "status", ev, NULL, err);
        free(ev);
    }
    store_rows_release(&r);
    return rc;
}

#define SWEEP_EVERY_MS 1000

/* Which rows a claim looks at. Pending jobs in (priority, age) order come
 * from their own partial index, so a claim is one index probe however long
 * the queue; expired leases are looked for at most once a second (and
 * whenever no pending job is left), ahead of pending jobs. */
#define WHERE_PENDING "status = 'pending'"
#define ORDER_PENDING "priority DESC, created_at, {seq}"
#define WHERE_EXPIRED                                                                              \
    "status = 'processing' AND lease_expires_at < {now} AND attempts < max_attempts"
#define ORDER_EXPIRED "lease_expires_at, {seq}"

#define PG_CLAIM(WHERE, ORDER)                                                                     \
    "WITH c AS (UPDATE jobs SET status = 'processing', attempts = attempts + 1, "                  \
    "lease_owner = $1, lease_expires_at = {plus_s:$2}, updated_at = {now} "                        \
    "WHERE id = (SELECT id FROM jobs WHERE " WHERE " ORDER BY " ORDER                              \
    " LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " JOB_COLS "), "                                   \
    "e AS (INSERT INTO job_events (job_id, kind, payload) SELECT id, 'claimed', "                  \
    "jsonb_build_object('worker', lease_owner, 'attempt', attempts) FROM c) "                      \
    "SELECT * FROM c"

#define LITE_CLAIM(WHERE, ORDER)                                                                   \
    "UPDATE jobs SET status = 'processing', attempts = attempts + 1, "                             \
    "lease_owner = $1, lease_expires_at = {plus_s:$2}, updated_at = {now} "                        \
    "WHERE id = (SELECT id FROM jobs WHERE " WHERE " ORDER BY " ORDER " LIMIT 1) "                 \
    "RETURNING " JOB_COLS

/* One claim attempt of one kind; *r holds the row (or none). SQLite: inside
 * the caller's transaction, which also gets the event. */
static enum reel_code claim_one(struct store *s, int expired, const char *const *p,
                                struct store_rows *r, struct reel_err *err)
{
    if (store_is_pg(s))
        return sql_q(s,
                     expired ? PG_CLAIM(WHERE_EXPIRED, ORDER_EXPIRED)
                             : PG_CLAIM(WHERE_PENDING, ORDER_PENDING),
                     p, 2, r, err);
    enum reel_code rc = sql_q(s,
                              expired ? LITE_CLAIM(WHERE_EXPIRED, ORDER_EXPIRED)
                                      : LITE_CLAIM(WHERE_PENDING, ORDER_PENDING),
                              p, 2, r, err);
    if (rc || !r->nrows)
        return rc;
    json_t *o = json_pack("{s:s, s:i}", "worker", p[0], "attempt", cell_int(rows_get(r, 0, 9), 0));
    char *ev = json_text(o);
    json_decref(o);
    rc = event_insert(s, rows_get(r, 0, 0), "claimed", ev, NULL, err);
    free(ev);
    if (rc)
        store_rows_release(r);
    return rc;
}

enum reel_code store_job_claim(struct store *s, const char *worker, int lease_s, int *claimed,
                               struct store_job *out, struct reel_err *err)
{
    *claimed = 0;
    memset(out, 0, sizeof(*out));
    if (!worker || !*worker)
        return reel_fail(err, REEL_EINVAL, NULL, "a claim needs a worker id");
    struct numstr ls;
    const char *p[] = {worker, num_i64(&ls, lease_s > 0 ? lease_s : 30)};
    struct store_rows r = {0};
    enum reel_code rc;
    int pg = store_is_pg(s);
    int swept = 0;
    if (!pg && (rc = store_tx_begin(s, err)))
        return rc;
    /* 0: timed look at expired leases, 1: pending, 2: expired when nothing is pending */
    for (int step = 0; step < 3 && !r.nrows; step++) {
        if (step != 1) {
            if (swept || (step == 0 && now_mono_ms() - s->last_sweep_ms < SWEEP_EVERY_MS))
                continue;
            swept = 1;
            if ((rc = sweep_expired(s, err)))
                goto fail;
        }
        store_rows_release(&r);
        if ((rc = claim_one(s, step != 1, p, &r, err)))
            goto fail;
    }
    if (!pg && (rc = store_tx_commit(s, err))) {
        store_rows_release(&r);
        return rc;
    }
    if (r.nrows) {
        job_from_row(&r, 0, out);
        *claimed = 1;
    }
    store_rows_release(&r);
    return REEL_OK;
fail:
    if (!pg)
        store_tx_rollback(s);
    return rc;
}

static enum reel_code lease_lost(const char *id, const char *worker, struct reel_err *err)
{
    return reel_fail(err, REEL_ECONFLICT, NULL,
                     "worker %s no longer holds the lease of job %s (it expired and the job was "
                     "taken over, or it ended)",
                     worker, id);
}

enum reel_code store_job_renew(struct store *s, const char *id, const char *worker, int lease_s,
                               struct reel_err *err)
{
    struct numstr ls;
    const char *p[] = {id, worker, num_i64(&ls, lease_s > 0 ? lease_s : 30)};
    struct store_rows r;
    enum reel_code rc = sql_q(s,
                              "UPDATE jobs SET lease_expires_at = {plus_s:$3} WHERE id = $1 AND "
                              "lease_owner = $2 AND status = 'processing' RETURNING id",
                              p, 3, &r, err);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = lease_lost(id, worker, err);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_job_finish(struct store *s, const char *id, const char *worker,
                                enum job_status st, const char *reason, struct reel_err *err)
{
    if (st == JOB_PENDING || st == JOB_PROCESSING)
        return reel_fail(err, REEL_EINVAL, NULL, "a job cannot finish as %s", job_status_name(st));
    char *ev = status_payload("processing", job_status_name(st), reason, worker);
    const char *p[] = {id, worker, job_status_name(st), ev, reason};
    struct store_rows r;
    enum reel_code rc;
    if (store_is_pg(s)) {
        rc = sql_q(s,
                   "WITH u AS (UPDATE jobs SET status = $3, last_error = $5, lease_owner = NULL, "
                   "lease_expires_at = NULL, updated_at = {now} WHERE id = $1 AND lease_owner = $2 "
                   "AND status = 'processing' RETURNING id) "
                   "INSERT INTO job_events (job_id, kind, payload) SELECT id, 'status', CAST($4 AS "
                   "jsonb) FROM u "
                   "RETURNING job_id",
                   p, 5, &r, err);
    } else {
        if ((rc = store_tx_begin(s, err)))
            goto out;
        rc = sql_q(s,
                   "UPDATE jobs SET status = $3, last_error = $5, lease_owner = NULL, "
                   "lease_expires_at = NULL, updated_at = {now} WHERE id = $1 AND lease_owner = $2 "
                   "AND status = 'processing' RETURNING id",
                   p, 5, &r, err);
        if (!rc && r.nrows)
            rc = event_insert(s, id, "status", ev, NULL, err);
        if (rc) {
            store_rows_release(&r);
            store_tx_rollback(s);
            goto out;
        }
        if ((rc = store_tx_commit(s, err))) {
            store_rows_release(&r);
            goto out;
        }
    }
    if (rc)
        goto out;
    if (!r.nrows)
        rc = lease_lost(id, worker, err);
    store_rows_release(&r);
out:
    free(ev);
    return rc;
}

enum reel_code store_job_release_lease(struct store *s, const char *id, const char *worker,
                                       int count_attempt, const char *reason, struct reel_err *err)
{
    json_t *o = json_pack("{s:s, s:b}", "worker", worker, "counted", count_attempt);
    if (reason)
        json_object_set_new(o, "reason", json_string(reason));
    char *ev = json_text(o);
    json_decref(o);
    const char *p[] = {id, worker, count_attempt ? "0" : "1", reason};
    struct store_rows r = {0};
    enum reel_code rc;
    if ((rc = store_tx_begin(s, err)))
        goto out;
    rc = sql_q(s,
               "UPDATE jobs SET status = 'pending', attempts = attempts - CAST($3 AS integer), "
               "last_error = coalesce($4, last_error), lease_owner = NULL, lease_expires_at = "
               "NULL, updated_at = {now} WHERE id = $1 AND lease_owner = $2 AND status = "
               "'processing' RETURNING id",
               p, 4, &r, err);
    if (!rc && r.nrows)
        rc = event_insert(s, id, "released", ev, NULL, err);
    if (rc) {
        store_tx_rollback(s);
        goto out;
    }
    if ((rc = store_tx_commit(s, err)))
        goto out;
    if (!r.nrows)
        rc = lease_lost(id, worker, err);
out:
    store_rows_release(&r);
    free(ev);
    return rc;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL); /* a signal ends it early: the caller looks at its flags */
}

enum reel_code store_wait_jobs(struct store *s, int timeout_ms, struct reel_err *err)
{
    if (s->be->wait) {
        int notified;
        return s->be->wait(s, "reel_jobs", timeout_ms, &notified, err);
    }
    sleep_ms(timeout_ms);
    return REEL_OK;
}

/* ---- stages ---- */

static enum reel_code check_lease(struct store *s, const char *job_id, const char *worker,
                                  struct reel_err *err)
{
    const char *p[] = {job_id, worker};
    struct store_rows r;
    enum reel_code rc = sql_q(s,
                              "SELECT id FROM jobs WHERE id = $1 AND lease_owner = $2 AND status "
                              "= 'processing'{for_update}",
                              p, 2, &r, err);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = lease_lost(job_id, worker, err);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_stage_put(struct store *s, const char *job_id, const char *stage,
                               const json_t *result, const char *worker, struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", job_id, err);
    if (rc)
        return rc;
    if (!stage || !*stage || strlen(stage) > 100)
        return reel_fail(err, REEL_EINVAL, NULL, "a stage name of 1 to 100 characters is needed");
    if (!result)
        return reel_fail(err, REEL_EINVAL, NULL, "stage '%s': no result to store", stage);
    char *res = json_text(result);
    json_t *o = json_pack("{s:s}", "stage", stage);
    char *ev = json_text(o);
    json_decref(o);
    const char *p[] = {job_id, stage, res};
    if ((rc = store_tx_begin(s, err)))
        goto out;
    if (worker && (rc = check_lease(s, job_id, worker, err)))
        goto fail;
    if ((rc =
             sql_q(s,
                   "INSERT INTO job_stages (job_id, stage, result, created_at) VALUES ($1, $2, $3, "
                   "{clock}) ON CONFLICT (job_id, stage) DO UPDATE SET result = excluded.result, "
                   "created_at = {clock}",
                   p, 3, NULL, err)))
        goto fail;
    if ((rc = event_insert(s, job_id, "stage", ev, NULL, err)))
        goto fail;
    rc = store_tx_commit(s, err);
    goto out;
fail:
    store_tx_rollback(s);
out:
    free(res);
    free(ev);
    return rc;
}

enum reel_code store_stage_get(struct store *s, const char *job_id, const char *stage, json_t **out,
                               struct reel_err *err)
{
    *out = NULL;
    enum reel_code rc = store_check_id("job", job_id, err);
    if (rc)
        return rc;
    const char *p[] = {job_id, stage};
    struct store_rows r;
    if ((rc = sql_q(s, "SELECT result FROM job_stages WHERE job_id = $1 AND stage = $2", p, 2, &r,
                    err)))
        return rc;
    if (r.nrows)
        *out = cell_json(rows_get(&r, 0, 0));
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_stage_all(struct store *s, const char *job_id, json_t **out,
                               struct reel_err *err)
{
    *out = NULL;
    enum reel_code rc = store_check_id("job", job_id, err);
    if (rc)
        return rc;
    const char *p[] = {job_id};
    struct store_rows r;
    if ((rc = sql_q(s, "SELECT stage, result FROM job_stages WHERE job_id = $1 ORDER BY created_at",
                    p, 1, &r, err)))
        return rc;
    *out = json_object();
    for (size_t i = 0; i < r.nrows; i++) {
        json_t *v = cell_json(rows_get(&r, i, 1));
        json_object_set_new(*out, rows_get(&r, i, 0), v ? v : json_null());
    }
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_stage_clear(struct store *s, const char *job_id, const char *stage,
                                 struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", job_id, err);
    if (rc)
        return rc;
    const char *p[] = {job_id, stage};
    return sql_q(s,
                 stage ? "DELETE FROM job_stages WHERE job_id = $1 AND stage = $2"
                       : "DELETE FROM job_stages WHERE job_id = $1",
                 p, stage ? 2 : 1, NULL, err);
}

/* ---- events ---- */

void store_event_release(struct store_event *e)
{
    if (!e)
        return;
    free(e->kind);
    json_decref(e->payload);
    memset(e, 0, sizeof(*e));
}

void store_event_list_release(struct store_event_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_event_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

enum reel_code store_event_append(struct store *s, const char *job_id, const char *kind,
                                  const json_t *payload, int64_t *id_out, struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", job_id, err);
    if (rc)
        return rc;
    if (!kind || !*kind || strlen(kind) > 50)
        return reel_fail(err, REEL_EINVAL, NULL, "an event kind of 1 to 50 characters is needed");
    if (payload && !json_is_object(payload))
        return reel_fail(err, REEL_EINVAL, NULL, "an event payload must be a JSON object");
    char lid[STORE_ID_LEN];
    lower_id(lid, job_id);
    char *t = payload ? json_text(payload) : NULL;
    rc = event_insert(s, lid, kind, t, id_out, err);
    free(t);
    return rc;
}

enum reel_code store_events_since(struct store *s, const char *job_id, int64_t after_id, int limit,
                                  struct store_event_list *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    enum reel_code rc;
    char lid[STORE_ID_LEN];
    if (job_id) {
        if ((rc = store_check_id("job", job_id, err)))
            return rc;
        lower_id(lid, job_id);
    }
    struct numstr a, l;
    const char *p[] = {num_i64(&a, after_id), num_i64(&l, limit > 0 ? limit : 1000),
                       job_id ? lid : NULL};
    struct store_rows r;
    rc = sql_q(s,
               job_id ? "SELECT id, job_id, kind, payload, {ms:created_at} FROM job_events WHERE "
                        "id > CAST($1 AS bigint) AND job_id = $3 ORDER BY id LIMIT CAST($2 AS "
                        "integer)"
                      : "SELECT id, job_id, kind, payload, {ms:created_at} FROM job_events WHERE "
                        "id > CAST($1 AS bigint) ORDER BY id LIMIT CAST($2 AS integer)",
               p, job_id ? 3 : 2, &r, err);
    if (rc)
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++) {
        struct store_event *e = &out->v[i];
        e->id = cell_i64(rows_get(&r, i, 0), 0);
        cell_copy(e->job_id, sizeof(e->job_id), rows_get(&r, i, 1));
        e->kind = xstrdup(rows_get(&r, i, 2) ? rows_get(&r, i, 2) : "");
        e->payload = cell_json(rows_get(&r, i, 3));
        if (!e->payload)
            e->payload = json_object();
        e->created_at = cell_i64(rows_get(&r, i, 4), 0);
    }
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

static enum reel_code max_event(struct store *s, int64_t *max, struct reel_err *err)
{
    struct store_rows r;
    enum reel_code rc = sql_q(s, "SELECT coalesce(max(id), 0) FROM job_events", NULL, 0, &r, err);
    if (rc)
        return rc;
    *max = r.nrows ? cell_i64(rows_get(&r, 0, 0), 0) : 0;
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_events_wait(struct store *s, int64_t after_id, int timeout_ms, int *ready,
                                 struct reel_err *err)
{
    *ready = 0;
    int64_t deadline = now_mono_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    int64_t max;
    enum reel_code rc;
    if (s->be->wait) {
        /* LISTEN first, then look: no event can slip between the two. */
        int notified;
        if ((rc = s->be->wait(s, "reel_events", 0, &notified, err)))
            return rc;
    }
    for (;;) {
        if ((rc = max_event(s, &max, err)))
            return rc;
        if (max > after_id) {
            *ready = 1;
            return REEL_OK;
        }
        int64_t left = deadline - now_mono_ms();
        if (left <= 0)
            return REEL_OK;
        if (s->be->wait) {
            int notified;
            if ((rc = s->be->wait(s, "reel_events", (int)left, &notified, err)))
                return rc;
            if (!notified)
                return REEL_OK;
        } else {
            sleep_ms(left < 50 ? (int)left : 50);
        }
    }
}
