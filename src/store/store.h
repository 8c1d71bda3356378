/*
 * The store: jobs, assets, edit plans, traces, renders, events, stage
 * results, and the job queue, behind one interface with two backends chosen
 * by the URL scheme (a table of const struct store_backend in store.c):
 *
 *   sqlite:PATH, sqlite://PATH, or a plain path   SQLite (WAL, busy timeout)
 *   postgres://..., postgresql://...              PostgreSQL via libpq
 *   NULL                                          $REEL_DATABASE_URL, else
 *                                                 sqlite:$REEL_DATA_DIR/reel.db
 *
 * The schema is the seed's (jobs, assets, edit_plans, traces, enum
 * job_status; ../shared/seed/schema.ts) with columns ADDED, never renamed,
 * plus job_events, job_stages, renders and schema_migrations. jsonb in
 * PostgreSQL, TEXT holding JSON in SQLite. Migrations (migrations.c) are
 * applied on store_open unless STORE_OPEN_NO_MIGRATE.
 *
 * Threads and processes: one struct store is one connection; use it from
 * one thread at a time (open another for another thread). Any number of
 * processes on any number of machines may share a database: every change is
 * one transaction, times that matter (leases) come from the database clock.
 *
 * Ownership: const char * and json_t * parameters are borrowed. Structs
 * filled by the store own their strings and json_t *; free them with the
 * matching *_release. Lists are released with their *_list_release.
 *
 * Errors: REEL_EINVAL for a malformed URL/id/argument (the message says
 * why), REEL_ENOTFOUND when the job/asset/... does not exist, REEL_ECONFLICT
 * when the state forbids it (lease lost, database newer than this binary),
 * REEL_EDB for database failures (locked, gone, disk full: the message names
 * the database and the database's own reason), REEL_ETIMEOUT for waits.
 * Ids are canonical lowercase UUID strings (36 chars); times are
 * milliseconds since the Unix epoch (0 = not set).
 */
#ifndef REEL_STORE_STORE_H
#define REEL_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/json.h"

struct store;

#define STORE_ID_LEN 37 /* 36 chars + NUL */
/* The user of jobs created from the command line. */
#define STORE_LOCAL_USER "00000000-0000-0000-0000-000000000000"

/* ---- opening ---- */

enum store_open_flags {
    STORE_OPEN_NO_MIGRATE = 1 << 0, /* do not apply migrations (reel migrate --status) */
};

/* Open (and migrate, unless flagged) the database at url (see top). */
enum reel_code store_open(const char *url, struct store **out, struct reel_err *err);
enum reel_code store_open_flags(const char *url, unsigned flags, struct store **out,
                                struct reel_err *err);
void store_close(struct store *s); /* NULL is fine */

/* Check a URL without connecting: REEL_EINVAL with the reason when malformed. */
enum reel_code store_url_check(const char *url, struct reel_err *err);

/* "sqlite" or "postgres"; the URL it was opened with, password hidden. */
const char *store_backend_name(const struct store *s);
const char *store_url_display(const struct store *s);
/* The URL as given (for opening a second connection, e.g. in a thread). */
const char *store_url(const struct store *s);

/* ---- migrations (the list is an array in migrations.c: append to it) ---- */

struct store_migration {
    int version;          /* 1, 2, 3, ... in order, no gaps */
    const char *name;     /* "initial schema" */
    const char *sqlite;   /* SQL for SQLite (several statements allowed) */
    const char *postgres; /* SQL for PostgreSQL */
};
extern const struct store_migration store_migrations[];
extern const size_t store_migrations_count;

/* Latest version this binary knows. */
int store_schema_latest(void);
/* Version of the open database (0 = empty). */
enum reel_code store_schema_version(struct store *s, int *version, struct reel_err *err);
/* Apply what is missing, each migration in its own transaction. *applied
 * (may be NULL) gets how many ran. REEL_ECONFLICT if the database is newer. */
enum reel_code store_migrate(struct store *s, int *applied, struct reel_err *err);

/* ---- jobs ---- */

enum job_status {
    JOB_PENDING,
    JOB_PROCESSING,
    JOB_COMPLETED,
    JOB_FAILED,
    JOB_REVIEW_REQUIRED,
};
const char *job_status_name(enum job_status st); /* "pending", ... */
/* 0 on success, -1 if s is not a status name. */
int job_status_parse(const char *s, enum job_status *out);

struct store_job {
    char id[STORE_ID_LEN];
    char user_id[STORE_ID_LEN];
    char *title;
    enum job_status status;
    char edit_plan_id[STORE_ID_LEN]; /* "" when none */
    int64_t created_at, updated_at;
    /* added columns */
    json_t *brief;     /* the user's brief and options (object), never NULL */
    char trace_id[33]; /* 32 hex */
    int attempts, max_attempts, priority;
    char *lease_owner;        /* NULL when not leased */
    int64_t lease_expires_at; /* 0 when not leased */
    char *last_error;         /* NULL when none */
};
void store_job_release(struct store_job *j);

struct store_job_list {
    struct store_job *v;
    size_t n;
};
void store_job_list_release(struct store_job_list *l);

struct store_asset_new;
struct store_job_new {
    const char *user_id; /* NULL: STORE_LOCAL_USER */
    const char *title;   /* required, at most 255 characters */
    const json_t *brief; /* NULL: {} */
    int max_attempts;    /* <= 0: 3 */
    int priority;        /* higher runs first; default 0 */
    /* Assets created with the job, in the same transaction (so no worker
     * sees the job without them); their job_id is ignored. */
    const struct store_asset_new *assets;
    size_t nassets;
};
/* Create a pending job with a new trace id; appends a "created" event.
 * id_out / trace_id_out may be NULL. */
enum reel_code store_job_create(struct store *s, const struct store_job_new *nj,
                                char id_out[STORE_ID_LEN], char trace_id_out[33],
                                struct reel_err *err);
enum reel_code store_job_get(struct store *s, const char *id, struct store_job *out,
                             struct reel_err *err);
/* A full id or a unique prefix (>= 4 hex chars) -> the full id. */
enum reel_code store_job_resolve(struct store *s, const char *id_or_prefix,
                                 char id_out[STORE_ID_LEN], struct reel_err *err);

struct store_job_filter {
    int has_status;
    enum job_status status;
    const char *user_id; /* NULL: all users */
    int limit;           /* <= 0: no limit */
};
/* Newest first. filter may be NULL. */
enum reel_code store_job_list(struct store *s, const struct store_job_filter *filter,
                              struct store_job_list *out, struct reel_err *err);
/* Set the status (unconditionally; for admin use and final decisions made
 * outside the queue), record reason as last_error when not NULL, append a
 * "status" event {from, to, reason}. Leaving processing clears the lease. */
enum reel_code store_job_set_status(struct store *s, const char *id, enum job_status st,
                                    const char *reason, struct reel_err *err);
enum reel_code store_job_set_edit_plan(struct store *s, const char *id, const char *plan_id,
                                       struct reel_err *err);

/* ---- the queue (see also queue/queue.h for the worker loop) ---- */

/*
 * Claim the oldest runnable job (highest priority first): pending, or
 * processing with an expired lease (those are looked for at most once a
 * second per connection and whenever nothing is pending, ahead of pending
 * jobs). It becomes processing, attempts + 1, lease_owner = worker, lease
 * for lease_s seconds (database clock). Jobs whose lease expired with
 * attempts >= max_attempts are set failed ("lease expired after N attempts
 * (last worker W)"). PostgreSQL: UPDATE ... FOR UPDATE SKIP LOCKED in one
 * statement with its event; SQLite: one BEGIN IMMEDIATE transaction.
 * Appends a "claimed" event {worker, attempt}.
 * Returns REEL_OK with *claimed = 1 and *out filled, or *claimed = 0.
 */
enum reel_code store_job_claim(struct store *s, const char *worker, int lease_s, int *claimed,
                               struct store_job *out, struct reel_err *err);
/* Extend the lease; REEL_ECONFLICT "lease lost" if worker no longer holds it. */
enum reel_code store_job_renew(struct store *s, const char *id, const char *worker, int lease_s,
                               struct reel_err *err);
/* End the job held by worker with a final status (completed, failed,
 * review_required) and reason (may be NULL); clears the lease, appends a
 * "status" event. REEL_ECONFLICT when the worker lost the lease. */
enum reel_code store_job_finish(struct store *s, const char *id, const char *worker,
                                enum job_status st, const char *reason, struct reel_err *err);
/* Give the job back: pending again, lease cleared. count_attempt = 0 undoes
 * the claim's attempts + 1 (a clean hand-back on SIGTERM); 1 keeps it (a
 * retry after a transient failure; reason recorded). REEL_ECONFLICT if the
 * lease was lost. */
enum reel_code store_job_release_lease(struct store *s, const char *id, const char *worker,
                                       int count_attempt, const char *reason, struct reel_err *err);

/* Block until a job may be runnable or timeout_ms passes (PostgreSQL:
 * LISTEN reel_jobs; SQLite: sleeps timeout_ms). Returns REEL_OK either way. */
enum reel_code store_wait_jobs(struct store *s, int timeout_ms, struct reel_err *err);

/* ---- durable stage results (per job: stage name -> JSON) ---- */

/* Store (replace) the result of a stage. worker != NULL: only while that
 * worker holds the job's lease (else REEL_ECONFLICT), in one transaction. */
enum reel_code store_stage_put(struct store *s, const char *job_id, const char *stage,
                               const json_t *result, const char *worker, struct reel_err *err);
/* *out = the result (owned) or NULL when the stage has none. */
enum reel_code store_stage_get(struct store *s, const char *job_id, const char *stage, json_t **out,
                               struct reel_err *err);
/* Every stage result of the job: {"stage": result, ...} (owned). */
enum reel_code store_stage_all(struct store *s, const char *job_id, json_t **out,
                               struct reel_err *err);
/* Forget one stage (stage != NULL) or all of a job's stages. */
enum reel_code store_stage_clear(struct store *s, const char *job_id, const char *stage,
                                 struct reel_err *err);

/* ---- assets ---- */

struct store_asset {
    char id[STORE_ID_LEN];
    char job_id[STORE_ID_LEN];
    char *storage_url; /* a path in the media store today */
    char *asset_type;  /* raw_footage, b-roll, audio, image, logo, lut */
    json_t *metadata;  /* never NULL */
    int64_t created_at;
    /* added */
    char *label;     /* the plan's asset label (NULL when none) */
    char sha256[65]; /* "" when unknown */
};
void store_asset_release(struct store_asset *a);
struct store_asset_list {
    struct store_asset *v;
    size_t n;
};
void store_asset_list_release(struct store_asset_list *l);

struct store_asset_new {
    const char *job_id, *storage_url, *asset_type; /* required */
    const json_t *metadata;                        /* NULL: {} */
    const char *label, *sha256;                    /* optional */
};
enum reel_code store_asset_add(struct store *s, const struct store_asset_new *na,
                               char id_out[STORE_ID_LEN], struct reel_err *err);
enum reel_code store_asset_get(struct store *s, const char *id, struct store_asset *out,
                               struct reel_err *err);
/* In creation order. */
enum reel_code store_asset_list(struct store *s, const char *job_id, struct store_asset_list *out,
                                struct reel_err *err);
enum reel_code store_asset_set_metadata(struct store *s, const char *id, const json_t *metadata,
                                        struct reel_err *err);
/* Where an asset lives and what it is, once ingest has copied it into the
 * media store and probed it (added for the agent's ingest stage). */
enum reel_code store_asset_set_location(struct store *s, const char *id, const char *storage_url,
                                        const char *asset_type, const char *sha256,
                                        struct reel_err *err);
/* The most recent asset of any job with this content hash (analysis cache).
 * *found = 0 when none. */
enum reel_code store_asset_find_sha256(struct store *s, const char *sha256, int *found,
                                       struct store_asset *out, struct reel_err *err);

/* ---- edit plans ---- */

struct store_plan {
    char id[STORE_ID_LEN];
    char job_id[STORE_ID_LEN];
    json_t *plan_data; /* never NULL */
    int version;
    char *llm_model;                      /* NULL when none */
    int prompt_tokens, completion_tokens; /* -1 when NULL */
    int64_t created_at;
    json_t *feedback; /* added: why this version was written (NULL when none) */
};
void store_plan_release(struct store_plan *p);
struct store_plan_list {
    struct store_plan *v;
    size_t n;
};
void store_plan_list_release(struct store_plan_list *l);

struct store_plan_new {
    const char *job_id;                   /* required */
    const json_t *plan_data;              /* required */
    const char *llm_model;                /* NULL ok */
    int prompt_tokens, completion_tokens; /* < 0: NULL */
    const json_t *feedback;               /* NULL ok */
};
/* Version = previous max + 1 (1 for the first), in one transaction; also
 * sets jobs.edit_plan_id to the new plan. */
enum reel_code store_plan_add(struct store *s, const struct store_plan_new *np,
                              char id_out[STORE_ID_LEN], int *version_out, struct reel_err *err);
/* version <= 0: the latest. REEL_ENOTFOUND when none. */
enum reel_code store_plan_get(struct store *s, const char *job_id, int version,
                              struct store_plan *out, struct reel_err *err);
/* Oldest version first. */
enum reel_code store_plan_list(struct store *s, const char *job_id, struct store_plan_list *out,
                               struct reel_err *err);

/* ---- trace spans (rows of traces; trace/trace.h writes them) ---- */

struct store_span {
    char id[STORE_ID_LEN];
    char job_id[STORE_ID_LEN];
    char *trace_id;
    char *step_name;
    char *ffmpeg_args;  /* NULL when none */
    int render_time_ms; /* -1 when NULL */
    char *logs;         /* NULL when none */
    json_t *payload;    /* NULL when none */
    int is_failure;     /* traces.is_failure == 'true' */
    int64_t created_at;
    /* added */
    char span_id[17], parent_span_id[17]; /* parent "" for a root span */
    int64_t started_at, ended_at;         /* ended_at 0: unfinished */
    char *status;                         /* "running", "ok", "error" */
};
void store_span_release(struct store_span *sp);
struct store_span_list {
    struct store_span *v;
    size_t n;
};
void store_span_list_release(struct store_span_list *l);

/* Insert a running span (started now). */
enum reel_code store_span_insert(struct store *s, const char *job_id, const char *trace_id,
                                 const char *span_id, const char *parent_span_id,
                                 const char *step_name, char id_out[STORE_ID_LEN],
                                 struct reel_err *err);
struct store_span_end {
    const char *ffmpeg_args, *logs; /* NULL ok */
    int render_time_ms;             /* < 0: NULL */
    const json_t *payload;          /* NULL ok */
    int is_failure;
};
/* Complete the span (ended now) by its row id. */
enum reel_code store_span_finish(struct store *s, const char *row_id,
                                 const struct store_span_end *e, struct reel_err *err);
/* A job's spans by start time. */
enum reel_code store_span_list(struct store *s, const char *job_id, struct store_span_list *out,
                               struct reel_err *err);

/* ---- renders ---- */

struct store_render {
    char id[STORE_ID_LEN];
    char job_id[STORE_ID_LEN];
    int plan_version;
    char *path;
    char sha256[65];
    double score; /* < 0 when not evaluated */
    int golden;
    json_t *report; /* NULL when none */
    int64_t created_at;
};
void store_render_release(struct store_render *r);
struct store_render_list {
    struct store_render *v;
    size_t n;
};
void store_render_list_release(struct store_render_list *l);

struct store_render_new {
    const char *job_id, *path; /* required */
    int plan_version;
    const char *sha256;   /* NULL ok */
    double score;         /* < 0: not evaluated */
    const json_t *report; /* NULL ok */
};
enum reel_code store_render_add(struct store *s, const struct store_render_new *nr,
                                char id_out[STORE_ID_LEN], struct reel_err *err);
enum reel_code store_render_list(struct store *s, const char *job_id, struct store_render_list *out,
                                 struct reel_err *err);
/* Set score/report of a render (report NULL keeps the old one). */
enum reel_code store_render_set_score(struct store *s, const char *id, double score,
                                      const json_t *report, struct reel_err *err);
enum reel_code store_render_set_golden(struct store *s, const char *id, int golden,
                                       struct reel_err *err);

/* ---- events (status history, progress; server-sent events) ---- */

struct store_event {
    int64_t id; /* increasing */
    char job_id[STORE_ID_LEN];
    char *kind;      /* "created", "status", "claimed", "stage", "progress", ... */
    json_t *payload; /* never NULL */
    int64_t created_at;
};
void store_event_release(struct store_event *e);
struct store_event_list {
    struct store_event *v;
    size_t n;
};
void store_event_list_release(struct store_event_list *l);

/* Append an event (payload NULL: {}); PostgreSQL also NOTIFYs reel_events. */
enum reel_code store_event_append(struct store *s, const char *job_id, const char *kind,
                                  const json_t *payload, int64_t *id_out, struct reel_err *err);
/* Events with id > after_id, oldest first; job_id NULL: all jobs; limit <= 0: 1000. */
enum reel_code store_events_since(struct store *s, const char *job_id, int64_t after_id, int limit,
                                  struct store_event_list *out, struct reel_err *err);
/* Block until an event with id > after_id may exist or timeout_ms passes
 * (PostgreSQL: LISTEN reel_events; SQLite: polls every 50 ms).
 * *ready = 1 when there is one. */
enum reel_code store_events_wait(struct store *s, int64_t after_id, int timeout_ms, int *ready,
                                 struct reel_err *err);

/* ---- JSON views (for --json output and the HTTP API; owned results) ----
 * Times are ISO 8601 UTC strings ("2026-01-02T03:04:05.678Z"), null when unset. */

json_t *store_job_to_json(const struct store_job *j);
json_t *store_asset_to_json(const struct store_asset *a);
json_t *store_plan_to_json(const struct store_plan *p, int with_data);
json_t *store_span_to_json(const struct store_span *sp);
json_t *store_render_to_json(const struct store_render *r);
json_t *store_event_to_json(const struct store_event *e);
/* ms since the epoch -> "YYYY-MM-DDTHH:MM:SS.mmmZ" ("" for 0). */
void store_time_iso(int64_t ms, char out[32]);

/* ---- raw access for tests and benchmarks ---- */

/* Run SQL without results (no parameters; several statements allowed). */
enum reel_code store_exec(struct store *s, const char *sql, struct reel_err *err);

#endif
