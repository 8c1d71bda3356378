/*
 * Assets, edit plans, trace spans and renders: plain rows owned by a job.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "core/banned.h"

static void lower_copy(char out[STORE_ID_LEN], const char *id)
{
    size_t i = 0;
    for (; id[i] && i < STORE_ID_LEN - 1; i++)
        out[i] = (char)tolower((unsigned char)id[i]);
    out[i] = 0;
}

static enum reel_code job_id_arg(const char *id, char out[STORE_ID_LEN], struct reel_err *err)
{
    enum reel_code rc = store_check_id("job", id, err);
    if (!rc)
        lower_copy(out, id);
    return rc;
}

static const char *num_or_null(struct numstr *n, int v)
{
    return v < 0 ? NULL : num_i64(n, v);
}

/* ---- assets ---- */

#define ASSET_COLS "id, job_id, storage_url, asset_type, metadata, {ms:created_at}, label, sha256"

static void asset_from_row(const struct store_rows *r, size_t i, struct store_asset *a)
{
    memset(a, 0, sizeof(*a));
    cell_copy(a->id, sizeof(a->id), rows_get(r, i, 0));
    cell_copy(a->job_id, sizeof(a->job_id), rows_get(r, i, 1));
    a->storage_url = xstrdup(rows_get(r, i, 2) ? rows_get(r, i, 2) : "");
    a->asset_type = xstrdup(rows_get(r, i, 3) ? rows_get(r, i, 3) : "");
    a->metadata = cell_json(rows_get(r, i, 4));
    if (!a->metadata)
        a->metadata = json_object();
    a->created_at = cell_i64(rows_get(r, i, 5), 0);
    a->label = cell_dup(rows_get(r, i, 6));
    cell_copy(a->sha256, sizeof(a->sha256), rows_get(r, i, 7));
}

void store_asset_release(struct store_asset *a)
{
    if (!a)
        return;
    free(a->storage_url);
    free(a->asset_type);
    json_decref(a->metadata);
    free(a->label);
    memset(a, 0, sizeof(*a));
}

void store_asset_list_release(struct store_asset_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_asset_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

enum reel_code store_asset_add(struct store *s, const struct store_asset_new *na,
                               char id_out[STORE_ID_LEN], struct reel_err *err)
{
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(na->job_id, jid, err);
    if (rc)
        return rc;
    if (!na->storage_url || !*na->storage_url)
        return reel_fail(err, REEL_EINVAL, "storage_url", "an asset needs a storage URL");
    if (!na->asset_type || !*na->asset_type || strlen(na->asset_type) > 50)
        return reel_fail(err, REEL_EINVAL, "asset_type",
                         "an asset needs a type of 1 to 50 characters");
    if (na->metadata && !json_is_object(na->metadata))
        return reel_fail(err, REEL_EINVAL, "metadata", "asset metadata must be a JSON object");
    char id[STORE_ID_LEN];
    uuid_v4(id);
    char *meta = na->metadata ? json_text(na->metadata) : xstrdup("{}");
    const char *p[] = {id,
                       jid,
                       na->storage_url,
                       na->asset_type,
                       meta,
                       na->label,
                       na->sha256 && *na->sha256 ? na->sha256 : NULL};
    rc = sql_q(s,
               "INSERT INTO assets (id, job_id, storage_url, asset_type, metadata, label, sha256, "
               "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, {clock})",
               p, 7, NULL, err);
    free(meta);
    if (rc == REEL_ENOTFOUND)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", jid);
    if (!rc && id_out)
        memcpy(id_out, id, STORE_ID_LEN);
    return rc;
}

enum reel_code store_asset_get(struct store *s, const char *id, struct store_asset *out,
                               struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    enum reel_code rc = store_check_id("asset", id, err);
    if (rc)
        return rc;
    char lid[STORE_ID_LEN];
    lower_copy(lid, id);
    const char *p[] = {lid};
    struct store_rows r;
    if ((rc = sql_q(s, "SELECT " ASSET_COLS " FROM assets WHERE id = $1", p, 1, &r, err)))
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no asset %s", lid);
    else
        asset_from_row(&r, 0, out);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_asset_list(struct store *s, const char *job_id, struct store_asset_list *out,
                                struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    const char *p[] = {jid};
    struct store_rows r;
    if ((rc = sql_q(
             s, "SELECT " ASSET_COLS " FROM assets WHERE job_id = $1 ORDER BY created_at, {seq}", p,
             1, &r, err)))
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++)
        asset_from_row(&r, i, &out->v[i]);
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

enum reel_code store_asset_set_metadata(struct store *s, const char *id, const json_t *metadata,
                                        struct reel_err *err)
{
    enum reel_code rc = store_check_id("asset", id, err);
    if (rc)
        return rc;
    if (!json_is_object(metadata))
        return reel_fail(err, REEL_EINVAL, "metadata", "asset metadata must be a JSON object");
    char lid[STORE_ID_LEN];
    lower_copy(lid, id);
    char *meta = json_text(metadata);
    const char *p[] = {lid, meta};
    struct store_rows r;
    rc = sql_q(s, "UPDATE assets SET metadata = $2 WHERE id = $1 RETURNING id", p, 2, &r, err);
    free(meta);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no asset %s", lid);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_asset_set_location(struct store *s, const char *id, const char *storage_url,
                                        const char *asset_type, const char *sha256,
                                        struct reel_err *err)
{
    enum reel_code rc = store_check_id("asset", id, err);
    if (rc)
        return rc;
    if (!storage_url || !*storage_url || !asset_type || !*asset_type)
        return reel_fail(err, REEL_EINVAL, NULL, "an asset needs a storage_url and an asset_type");
    char lid[STORE_ID_LEN];
    lower_copy(lid, id);
    const char *p[] = {lid, storage_url, asset_type, sha256 && *sha256 ? sha256 : NULL};
    struct store_rows r;
    rc = sql_q(s,
               "UPDATE assets SET storage_url = $2, asset_type = $3, sha256 = $4 WHERE id = $1 "
               "RETURNING id",
               p, 4, &r, err);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no asset %s", lid);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_asset_find_sha256(struct store *s, const char *sha256, int *found,
                                       struct store_asset *out, struct reel_err *err)
{
    *found = 0;
    memset(out, 0, sizeof(*out));
    if (!sha256 || strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
        return reel_fail(err, REEL_EINVAL, NULL, "'%s' is not a SHA-256 (64 lowercase hex)",
                         sha256 ? sha256 : "");
    const char *p[] = {sha256};
    struct store_rows r;
    enum reel_code rc = sql_q(
        s, "SELECT " ASSET_COLS " FROM assets WHERE sha256 = $1 ORDER BY created_at DESC LIMIT 1",
        p, 1, &r, err);
    if (rc)
        return rc;
    if (r.nrows) {
        asset_from_row(&r, 0, out);
        *found = 1;
    }
    store_rows_release(&r);
    return REEL_OK;
}

/* ---- edit plans ---- */

#define PLAN_COLS                                                                                  \
    "id, job_id, plan_data, version, llm_model, prompt_tokens, completion_tokens, "                \
    "{ms:created_at}, feedback"

static void plan_from_row(const struct store_rows *r, size_t i, struct store_plan *p)
{
    memset(p, 0, sizeof(*p));
    cell_copy(p->id, sizeof(p->id), rows_get(r, i, 0));
    cell_copy(p->job_id, sizeof(p->job_id), rows_get(r, i, 1));
    p->plan_data = cell_json(rows_get(r, i, 2));
    if (!p->plan_data)
        p->plan_data = json_object();
    p->version = cell_int(rows_get(r, i, 3), 1);
    p->llm_model = cell_dup(rows_get(r, i, 4));
    p->prompt_tokens = cell_int(rows_get(r, i, 5), -1);
    p->completion_tokens = cell_int(rows_get(r, i, 6), -1);
    p->created_at = cell_i64(rows_get(r, i, 7), 0);
    p->feedback = cell_json(rows_get(r, i, 8));
}

void store_plan_release(struct store_plan *p)
{
    if (!p)
        return;
    json_decref(p->plan_data);
    free(p->llm_model);
    json_decref(p->feedback);
    memset(p, 0, sizeof(*p));
}

void store_plan_list_release(struct store_plan_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_plan_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

enum reel_code store_plan_add(struct store *s, const struct store_plan_new *np,
                              char id_out[STORE_ID_LEN], int *version_out, struct reel_err *err)
{
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(np->job_id, jid, err);
    if (rc)
        return rc;
    if (!np->plan_data)
        return reel_fail(err, REEL_EINVAL, "plan_data", "an edit plan needs its data");
    if (np->llm_model && strlen(np->llm_model) > 50)
        return reel_fail(err, REEL_EINVAL, "llm_model", "the model name is longer than 50");
    char id[STORE_ID_LEN];
    uuid_v4(id);
    char *data = json_text(np->plan_data);
    char *fb = json_text(np->feedback);
    struct numstr pt, ct;
    const char *p[] = {id,
                       jid,
                       data,
                       np->llm_model,
                       num_or_null(&pt, np->prompt_tokens),
                       num_or_null(&ct, np->completion_tokens),
                       fb};
    struct store_rows r = {0};
    if ((rc = store_tx_begin(s, err)))
        goto out;
    /* Lock the job row so concurrent adds for one job serialise (PostgreSQL;
     * SQLite's immediate transaction already does). */
    const char *pj[] = {jid};
    if ((rc = sql_q(s, "SELECT id FROM jobs WHERE id = $1{for_update}", pj, 1, &r, err)))
        goto fail;
    if (!r.nrows) {
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", jid);
        goto fail;
    }
    store_rows_release(&r);
    if ((rc = sql_q(s, "SELECT coalesce(max(version), 0) + 1 FROM edit_plans WHERE job_id = $1", pj,
                    1, &r, err)))
        goto fail;
    struct numstr vn;
    const char *version_s = num_i64(&vn, r.nrows ? cell_int(rows_get(&r, 0, 0), 1) : 1);
    store_rows_release(&r);
    const char *pi[] = {p[0], p[1], p[2], version_s, p[3], p[4], p[5], p[6]};
    if ((rc = sql_q(s,
                    "INSERT INTO edit_plans (id, job_id, plan_data, version, llm_model, "
                    "prompt_tokens, completion_tokens, feedback) VALUES ($1, $2, $3, CAST($4 AS "
                    "integer), $5, CAST($6 AS integer), CAST($7 AS integer), $8) RETURNING version",
                    pi, 8, &r, err)))
        goto fail;
    int version = r.nrows ? cell_int(rows_get(&r, 0, 0), 1) : 1;
    store_rows_release(&r);
    const char *pu[] = {jid, id};
    if ((rc = sql_q(s, "UPDATE jobs SET edit_plan_id = $2, updated_at = {now} WHERE id = $1", pu, 2,
                    NULL, err)))
        goto fail;
    if ((rc = store_tx_commit(s, err)))
        goto out;
    if (id_out)
        memcpy(id_out, id, STORE_ID_LEN);
    if (version_out)
        *version_out = version;
    goto out;
fail:
    store_tx_rollback(s);
out:
    store_rows_release(&r);
    free(data);
    free(fb);
    return rc;
}

enum reel_code store_plan_get(struct store *s, const char *job_id, int version,
                              struct store_plan *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    struct numstr v;
    const char *p[] = {jid, num_i64(&v, version)};
    struct store_rows r;
    rc = version > 0 ? sql_q(s,
                             "SELECT " PLAN_COLS " FROM edit_plans WHERE job_id = $1 AND version = "
                             "CAST($2 AS integer)",
                             p, 2, &r, err)
                     : sql_q(s,
                             "SELECT " PLAN_COLS " FROM edit_plans WHERE job_id = $1 ORDER BY "
                             "version DESC LIMIT 1",
                             p, 1, &r, err);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = version > 0 ? reel_fail(err, REEL_ENOTFOUND, NULL, "job %s has no plan version %d",
                                     jid, version)
                         : reel_fail(err, REEL_ENOTFOUND, NULL, "job %s has no plan yet", jid);
    else
        plan_from_row(&r, 0, out);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_plan_list(struct store *s, const char *job_id, struct store_plan_list *out,
                               struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    const char *p[] = {jid};
    struct store_rows r;
    if ((rc = sql_q(s, "SELECT " PLAN_COLS " FROM edit_plans WHERE job_id = $1 ORDER BY version", p,
                    1, &r, err)))
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++)
        plan_from_row(&r, i, &out->v[i]);
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

/* ---- spans ---- */

#define SPAN_COLS                                                                                  \
    "id, job_id, trace_id, step_name, ffmpeg_args, render_time_ms, logs, payload, is_failure, "    \
    "{ms:created_at}, span_id, parent_span_id, {ms:started_at}, {ms:ended_at}, status"

void store_span_release(struct store_span *sp)
{
    if (!sp)
        return;
    free(sp->trace_id);
    free(sp->step_name);
    free(sp->ffmpeg_args);
    free(sp->logs);
    json_decref(sp->payload);
    free(sp->status);
    memset(sp, 0, sizeof(*sp));
}

void store_span_list_release(struct store_span_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_span_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

enum reel_code store_span_insert(struct store *s, const char *job_id, const char *trace_id,
                                 const char *span_id, const char *parent_span_id,
                                 const char *step_name, char id_out[STORE_ID_LEN],
                                 struct reel_err *err)
{
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    if (!step_name || !*step_name || strlen(step_name) > 255)
        return reel_fail(err, REEL_EINVAL, "step_name",
                         "a span needs a step name of 1 to 255 bytes");
    if (!trace_id || !*trace_id || strlen(trace_id) > 100)
        return reel_fail(err, REEL_EINVAL, "trace_id", "a span needs a trace id");
    char id[STORE_ID_LEN];
    uuid_v4(id);
    const char *p[] = {id,       jid,
                       trace_id, step_name,
                       span_id,  parent_span_id && *parent_span_id ? parent_span_id : NULL};
    rc = sql_q(
        s,
        "INSERT INTO traces (id, job_id, trace_id, step_name, span_id, parent_span_id, "
        "started_at, created_at, status, is_failure) VALUES ($1, $2, $3, $4, $5, $6, {clock}, "
        "{clock}, 'running', 'false')",
        p, 6, NULL, err);
    if (rc == REEL_ENOTFOUND)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", jid);
    if (!rc && id_out)
        memcpy(id_out, id, STORE_ID_LEN);
    return rc;
}

enum reel_code store_span_finish(struct store *s, const char *row_id,
                                 const struct store_span_end *e, struct reel_err *err)
{
    enum reel_code rc = store_check_id("span", row_id, err);
    if (rc)
        return rc;
    char *payload = json_text(e->payload);
    struct numstr rt;
    const char *p[] = {row_id,
                       e->ffmpeg_args,
                       num_or_null(&rt, e->render_time_ms),
                       e->logs,
                       payload,
                       e->is_failure ? "true" : "false",
                       e->is_failure ? "error" : "ok"};
    struct store_rows r;
    rc = sql_q(s,
               "UPDATE traces SET ffmpeg_args = $2, render_time_ms = CAST($3 AS integer), logs = "
               "$4, payload = $5, is_failure = $6, status = $7, ended_at = {clock} WHERE id = $1 "
               "RETURNING id",
               p, 7, &r, err);
    free(payload);
    if (rc)
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no span %s", row_id);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_span_list(struct store *s, const char *job_id, struct store_span_list *out,
                               struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    const char *p[] = {jid};
    struct store_rows r;
    if ((rc = sql_q(s,
                    "SELECT " SPAN_COLS " FROM traces WHERE job_id = $1 ORDER BY "
                    "coalesce(started_at, created_at), created_at, {seq}",
                    p, 1, &r, err)))
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++) {
        struct store_span *sp = &out->v[i];
        cell_copy(sp->id, sizeof(sp->id), rows_get(&r, i, 0));
        cell_copy(sp->job_id, sizeof(sp->job_id), rows_get(&r, i, 1));
        sp->trace_id = xstrdup(rows_get(&r, i, 2) ? rows_get(&r, i, 2) : "");
        sp->step_name = xstrdup(rows_get(&r, i, 3) ? rows_get(&r, i, 3) : "");
        sp->ffmpeg_args = cell_dup(rows_get(&r, i, 4));
        sp->render_time_ms = cell_int(rows_get(&r, i, 5), -1);
        sp->logs = cell_dup(rows_get(&r, i, 6));
        sp->payload = cell_json(rows_get(&r, i, 7));
        sp->is_failure = rows_get(&r, i, 8) && !strcmp(rows_get(&r, i, 8), "true");
        sp->created_at = cell_i64(rows_get(&r, i, 9), 0);
        cell_copy(sp->span_id, sizeof(sp->span_id), rows_get(&r, i, 10));
        cell_copy(sp->parent_span_id, sizeof(sp->parent_span_id), rows_get(&r, i, 11));
        sp->started_at = cell_i64(rows_get(&r, i, 12), 0);
        if (!sp->started_at)
            sp->started_at = sp->created_at;
        sp->ended_at = cell_i64(rows_get(&r, i, 13), 0);
        sp->status = xstrdup(rows_get(&r, i, 14) ? rows_get(&r, i, 14) : "ok");
        /* A row written by another client (no reel span columns) is a finished step. */
        if (!sp->ended_at && strcmp(sp->status, "running"))
            sp->ended_at = sp->started_at;
    }
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

/* ---- renders ---- */

void store_render_release(struct store_render *r)
{
    if (!r)
        return;
    free(r->path);
    json_decref(r->report);
    memset(r, 0, sizeof(*r));
}

void store_render_list_release(struct store_render_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        store_render_release(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static const char *score_str(char buf[40], double score)
{
    if (score < 0 || isnan(score))
        return NULL;
    snprintf(buf, 40, "%.17g", score);
    return buf;
}

enum reel_code store_render_add(struct store *s, const struct store_render_new *nr,
                                char id_out[STORE_ID_LEN], struct reel_err *err)
{
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(nr->job_id, jid, err);
    if (rc)
        return rc;
    if (!nr->path || !*nr->path)
        return reel_fail(err, REEL_EINVAL, "path", "a render needs its path");
    char id[STORE_ID_LEN], sc[40];
    uuid_v4(id);
    char *report = json_text(nr->report);
    struct numstr v;
    const char *p[] = {id,
                       jid,
                       num_i64(&v, nr->plan_version),
                       nr->path,
                       nr->sha256 && *nr->sha256 ? nr->sha256 : NULL,
                       score_str(sc, nr->score),
                       report};
    rc = sql_q(s,
               "INSERT INTO renders (id, job_id, plan_version, path, sha256, score, report, "
               "created_at) VALUES ($1, $2, CAST($3 AS integer), $4, $5, CAST($6 AS double "
               "precision), $7, {clock})",
               p, 7, NULL, err);
    free(report);
    if (rc == REEL_ENOTFOUND)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no job %s", jid);
    if (!rc && id_out)
        memcpy(id_out, id, STORE_ID_LEN);
    return rc;
}

enum reel_code store_render_list(struct store *s, const char *job_id, struct store_render_list *out,
                                 struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    char jid[STORE_ID_LEN];
    enum reel_code rc = job_id_arg(job_id, jid, err);
    if (rc)
        return rc;
    const char *p[] = {jid};
    struct store_rows r;
    if ((rc = sql_q(s,
                    "SELECT id, job_id, plan_version, path, sha256, score, golden, report, "
                    "{ms:created_at} FROM renders WHERE job_id = $1 ORDER BY created_at, {seq}",
                    p, 1, &r, err)))
        return rc;
    out->v = xcalloc(r.nrows + 1, sizeof(*out->v));
    for (size_t i = 0; i < r.nrows; i++) {
        struct store_render *x = &out->v[i];
        cell_copy(x->id, sizeof(x->id), rows_get(&r, i, 0));
        cell_copy(x->job_id, sizeof(x->job_id), rows_get(&r, i, 1));
        x->plan_version = cell_int(rows_get(&r, i, 2), 0);
        x->path = xstrdup(rows_get(&r, i, 3) ? rows_get(&r, i, 3) : "");
        cell_copy(x->sha256, sizeof(x->sha256), rows_get(&r, i, 4));
        x->score = rows_get(&r, i, 5) ? strtod(rows_get(&r, i, 5), NULL) : -1;
        x->golden = cell_bool(rows_get(&r, i, 6));
        x->report = cell_json(rows_get(&r, i, 7));
        x->created_at = cell_i64(rows_get(&r, i, 8), 0);
    }
    out->n = r.nrows;
    store_rows_release(&r);
    return REEL_OK;
}

static enum reel_code render_update(struct store *s, const char *sql, const char *id, const char *a,
                                    const char *b, int np, struct reel_err *err)
{
    enum reel_code rc = store_check_id("render", id, err);
    if (rc)
        return rc;
    char lid[STORE_ID_LEN];
    lower_copy(lid, id);
    const char *p[] = {lid, a, b};
    struct store_rows r;
    if ((rc = sql_q(s, sql, p, np, &r, err)))
        return rc;
    if (!r.nrows)
        rc = reel_fail(err, REEL_ENOTFOUND, NULL, "no render %s", lid);
    store_rows_release(&r);
    return rc;
}

enum reel_code store_render_set_score(struct store *s, const char *id, double score,
                                      const json_t *report, struct reel_err *err)
{
    char sc[40];
    char *rep = json_text(report);
    enum reel_code rc = render_update(
        s,
        "UPDATE renders SET score = CAST($2 AS double precision), report = coalesce($3, report) "
        "WHERE id = $1 RETURNING id",
        id, score_str(sc, score), rep, 3, err);
    free(rep);
    return rc;
}

enum reel_code store_render_set_golden(struct store *s, const char *id, int golden,
                                       struct reel_err *err)
{
    /* 'true'/'false' read as boolean by PostgreSQL; SQLite stores 1/0 via the CASE. */
    return render_update(s,
                         store_is_pg(s)
                             ? "UPDATE renders SET golden = CAST($2 AS boolean) WHERE id = $1 "
                               "RETURNING id"
                             : "UPDATE renders SET golden = CASE WHEN $2 = 'true' THEN 1 ELSE 0 "
                               "END WHERE id = $1 RETURNING id",
                         id, golden ? "true" : "false", NULL, 2, err);
}
