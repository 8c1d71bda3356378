/* The store: the same cases against SQLite and PostgreSQL (store_harness.h). */
#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "store/store.h"
#include "store_harness.h"
#include "test.h"
#include "core/banned.h"

static void make_job(struct store *s, const char *title, int max_attempts, int priority,
                     char id[STORE_ID_LEN])
{
    struct reel_err err = REEL_ERR_INIT;
    struct store_job_new nj = {NULL, title, NULL, max_attempts, priority, NULL, 0};
    if (store_job_create(s, &nj, id, NULL, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        test_fail(__FILE__, __LINE__, "store_job_create");
    }
}

static int count_events(struct store *s, const char *job, const char *kind)
{
    struct store_event_list l;
    struct reel_err err = REEL_ERR_INIT;
    if (store_events_since(s, job, 0, 0, &l, &err))
        return -1;
    int n = 0;
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.v[i].kind, kind))
            n++;
    store_event_list_release(&l);
    return n;
}

BOTH(migrate_twice_is_noop)
{
    struct reel_err err = REEL_ERR_INIT;
    int applied = -1, v = 0;
    CHECK(store_migrate(s, &applied, &err) == REEL_OK);
    CHECK(applied == 0);
    CHECK(store_schema_version(s, &v, &err) == REEL_OK);
    CHECK(v == store_schema_latest());
    /* A second process opening the same database migrates nothing either. */
    struct store *s2;
    REQUIRE(store_open(url, &s2, &err) == REEL_OK);
    CHECK(store_migrate(s2, &applied, &err) == REEL_OK && applied == 0);
    store_close(s2);
}

BOTH(newer_database_is_refused)
{
    struct reel_err err = REEL_ERR_INIT;
    char sql[160];
    snprintf(sql, sizeof(sql),
             "INSERT INTO schema_migrations (version, name) VALUES (%d, 'from the future')",
             store_schema_latest() + 1);
    REQUIRE(store_exec(s, sql, &err) == REEL_OK);
    struct store *s2 = NULL;
    CHECK(store_open(url, &s2, &err) == REEL_ECONFLICT);
    CHECK(s2 == NULL);
    CHECK(strstr(err.msg, "newer") != NULL);
    CHECK(strstr(err.msg, "upgrade reel") != NULL);
}

BOTH(jobs_create_get_list)
{
    struct reel_err err = REEL_ERR_INIT;
    json_t *brief = json_pack("{s:s}", "brief", "make it 'punchy'; DROP TABLE jobs;--");
    const char *user = "6f1c2a7e-1111-4222-8333-444455556666";
    struct store_job_new nj = {user, "first \"job\" ünï", brief, 5, 0, NULL, 0};
    char id[STORE_ID_LEN], trace[33];
    REQUIRE(store_job_create(s, &nj, id, trace, &err) == REEL_OK);
    json_decref(brief);
    CHECK(strlen(trace) == 32 && strspn(trace, "0123456789abcdef") == 32);
    char id2[STORE_ID_LEN];
    make_job(s, "second", 0, 0, id2);

    struct store_job j;
    REQUIRE(store_job_get(s, id, &j, &err) == REEL_OK);
    CHECK_STR(j.id, id);
    CHECK_STR(j.user_id, user);
    CHECK_STR(j.title, "first \"job\" ünï");
    CHECK(j.status == JOB_PENDING);
    CHECK_STR(j.trace_id, trace);
    CHECK(j.max_attempts == 5 && j.attempts == 0);
    CHECK_STR(json_get_str(j.brief, "brief", ""), "make it 'punchy'; DROP TABLE jobs;--");
    CHECK(j.created_at > 1600000000000LL);
    CHECK(j.edit_plan_id[0] == 0 && j.lease_owner == NULL);
    store_job_release(&j);

    char full[STORE_ID_LEN], pre[9];
    snprintf(pre, sizeof(pre), "%.8s", id);
    CHECK(store_job_resolve(s, pre, full, &err) == REEL_OK);
    CHECK_STR(full, id);
    CHECK(store_job_resolve(s, "zz", full, &err) == REEL_EINVAL);

    CHECK(store_job_get(s, "not-a-uuid", &j, &err) == REEL_EINVAL);
    CHECK(store_job_get(s, "00000000-0000-4000-8000-000000000000", &j, &err) == REEL_ENOTFOUND);
    struct store_job_new bad = {NULL, "", NULL, 0, 0, NULL, 0};
    CHECK(store_job_create(s, &bad, NULL, NULL, &err) == REEL_EINVAL);

    struct store_job_list l;
    REQUIRE(store_job_list(s, NULL, &l, &err) == REEL_OK);
    CHECK(l.n == 2);
    if (l.n == 2)
        CHECK_STR(l.v[0].id, id2); /* newest first */
    store_job_list_release(&l);
    struct store_job_filter f = {0};
    f.user_id = user;
    REQUIRE(store_job_list(s, &f, &l, &err) == REEL_OK);
    CHECK(l.n == 1);
    store_job_list_release(&l);

    CHECK(store_job_set_status(s, id, JOB_REVIEW_REQUIRED, "needs a human", &err) == REEL_OK);
    f = (struct store_job_filter){1, JOB_REVIEW_REQUIRED, NULL, 0};
    REQUIRE(store_job_list(s, &f, &l, &err) == REEL_OK);
    CHECK(l.n == 1);
    if (l.n == 1) {
        CHECK_STR(l.v[0].id, id);
        CHECK_STR(l.v[0].last_error, "needs a human");
    }
    store_job_list_release(&l);
    CHECK(count_events(s, id, "created") == 1);
    CHECK(count_events(s, id, "status") == 1);
    CHECK(store_job_set_status(s, "00000000-0000-4000-8000-000000000000", JOB_FAILED, NULL, &err) ==
          REEL_ENOTFOUND);
}

BOTH(claim_priority_lease_and_fencing)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN], b[STORE_ID_LEN], c[STORE_ID_LEN];
    make_job(s, "old", 0, 0, a);
    make_job(s, "urgent", 0, 5, b);
    make_job(s, "newer", 0, 0, c);
    struct store_job j;
    int got;
    REQUIRE(store_job_claim(s, "w1", 30, &got, &j, &err) == REEL_OK && got);
    CHECK_STR(j.id, b); /* priority first */
    CHECK(j.status == JOB_PROCESSING && j.attempts == 1);
    CHECK_STR(j.lease_owner, "w1");
    CHECK(j.lease_expires_at > j.updated_at);
    store_job_release(&j);
    REQUIRE(store_job_claim(s, "w2", 30, &got, &j, &err) == REEL_OK && got);
    CHECK_STR(j.id, a); /* then the oldest */
    store_job_release(&j);
    REQUIRE(store_job_claim(s, "w3", 30, &got, &j, &err) == REEL_OK && got);
    CHECK_STR(j.id, c);
    store_job_release(&j);
    REQUIRE(store_job_claim(s, "w4", 30, &got, &j, &err) == REEL_OK);
    CHECK(!got);

    CHECK(store_job_renew(s, b, "w1", 60, &err) == REEL_OK);
    CHECK(store_job_renew(s, b, "w2", 60, &err) == REEL_ECONFLICT);
    CHECK(store_job_finish(s, b, "w2", JOB_COMPLETED, NULL, &err) == REEL_ECONFLICT);
    CHECK(store_job_finish(s, b, "w1", JOB_COMPLETED, NULL, &err) == REEL_OK);
    CHECK(store_job_finish(s, b, "w1", JOB_COMPLETED, NULL, &err) == REEL_ECONFLICT);
    CHECK(store_job_finish(s, a, "w2", JOB_PENDING, NULL, &err) == REEL_EINVAL);
    REQUIRE(store_job_get(s, b, &j, &err) == REEL_OK);
    CHECK(j.status == JOB_COMPLETED && j.lease_owner == NULL && j.lease_expires_at == 0);
    store_job_release(&j);
    CHECK(count_events(s, b, "claimed") == 1);

    /* hand back without counting, then with counting */
    CHECK(store_job_release_lease(s, a, "w2", 0, NULL, &err) == REEL_OK);
    REQUIRE(store_job_get(s, a, &j, &err) == REEL_OK);
    CHECK(j.status == JOB_PENDING && j.attempts == 0 && j.lease_owner == NULL);
    store_job_release(&j);
    REQUIRE(store_job_claim(s, "w5", 30, &got, &j, &err) == REEL_OK && got);
    CHECK_STR(j.id, a);
    store_job_release(&j);
    CHECK(store_job_release_lease(s, a, "w5", 1, "ffmpeg crashed", &err) == REEL_OK);
    REQUIRE(store_job_get(s, a, &j, &err) == REEL_OK);
    CHECK(j.status == JOB_PENDING && j.attempts == 1);
    CHECK_STR(j.last_error, "ffmpeg crashed");
    store_job_release(&j);
}

BOTH(expired_lease_is_runnable_then_failed)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN];
    make_job(s, "flaky", 2, 0, a);
    struct store_job j;
    int got;
    REQUIRE(store_job_claim(s, "w1", 30, &got, &j, &err) == REEL_OK && got);
    store_job_release(&j);
    /* Not expired yet: nobody else gets it. */
    REQUIRE(store_job_claim(s, "w2", 30, &got, &j, &err) == REEL_OK);
    CHECK(!got);
    /* w1 "dies": its lease runs out. */
    REQUIRE(store_exec(s, "UPDATE jobs SET lease_expires_at = '2000-01-01 00:00:00'", &err) == 0);
    REQUIRE(store_job_claim(s, "w2", 30, &got, &j, &err) == REEL_OK && got);
    CHECK_STR(j.id, a);
    CHECK(j.attempts == 2);
    CHECK_STR(j.lease_owner, "w2");
    store_job_release(&j);
    /* The stalled w1 can no longer write for the job. */
    json_t *r = json_pack("{s:i}", "x", 1);
    CHECK(store_stage_put(s, a, "render", r, "w1", &err) == REEL_ECONFLICT);
    CHECK(store_job_finish(s, a, "w1", JOB_COMPLETED, NULL, &err) == REEL_ECONFLICT);
    CHECK(store_stage_put(s, a, "render", r, "w2", &err) == REEL_OK);
    json_decref(r);
    /* w2 dies too: attempts are spent, the job fails with the reason. */
    REQUIRE(store_exec(s, "UPDATE jobs SET lease_expires_at = '2000-01-01 00:00:00'", &err) == 0);
    REQUIRE(store_job_claim(s, "w3", 30, &got, &j, &err) == REEL_OK);
    CHECK(!got);
    REQUIRE(store_job_get(s, a, &j, &err) == REEL_OK);
    CHECK(j.status == JOB_FAILED);
    CHECK(j.last_error && strstr(j.last_error, "lease expired after 2 attempts"));
    CHECK(j.last_error && strstr(j.last_error, "w2"));
    store_job_release(&j);
    CHECK(count_events(s, a, "claimed") == 2);
    CHECK(count_events(s, a, "status") == 1);
}

BOTH(stage_results)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN];
    make_job(s, "staged", 0, 0, a);
    json_t *out = NULL;
    CHECK(store_stage_get(s, a, "ingest", &out, &err) == REEL_OK && out == NULL);
    json_t *r1 = json_pack("{s:[i,i], s:s}", "assets", 1, 2, "note", "it's \"quoted\"");
    json_t *r2 = json_pack("{s:f}", "score", 0.5);
    CHECK(store_stage_put(s, a, "ingest", r1, NULL, &err) == REEL_OK);
    CHECK(store_stage_put(s, a, "plan", r2, NULL, &err) == REEL_OK);
    CHECK(store_stage_put(s, a, "plan", r1, NULL, &err) == REEL_OK); /* replace */
    CHECK(store_stage_get(s, a, "plan", &out, &err) == REEL_OK);
    CHECK(out && json_equal(out, r1));
    json_decref(out);
    CHECK(store_stage_all(s, a, &out, &err) == REEL_OK);
    CHECK(out && json_object_size(out) == 2 && json_equal(json_object_get(out, "ingest"), r1));
    json_decref(out);
    CHECK(store_stage_put(s, a, "render", r2, "nobody", &err) == REEL_ECONFLICT);
    CHECK(store_stage_clear(s, a, "plan", &err) == REEL_OK);
    CHECK(store_stage_get(s, a, "plan", &out, &err) == REEL_OK && out == NULL);
    CHECK(store_stage_put(s, "00000000-0000-4000-8000-000000000000", "x", r2, NULL, &err) ==
          REEL_ENOTFOUND);
    json_decref(r1);
    json_decref(r2);
}

BOTH(assets)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN], as1[STORE_ID_LEN], as2[STORE_ID_LEN];
    make_job(s, "with assets", 0, 0, a);
    const char *sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    json_t *m = json_pack("{s:f, s:i}", "duration", 2.5, "width", 320);
    struct store_asset_new n1 = {a, "/media/a b'c.mp4", "raw_footage", m, "a1", sha};
    struct store_asset_new n2 = {a, "/media/music.wav", "audio", NULL, NULL, NULL};
    REQUIRE(store_asset_add(s, &n1, as1, &err) == REEL_OK);
    REQUIRE(store_asset_add(s, &n2, as2, &err) == REEL_OK);
    struct store_asset_list l;
    REQUIRE(store_asset_list(s, a, &l, &err) == REEL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_STR(l.v[0].storage_url, "/media/a b'c.mp4");
        CHECK(json_equal(l.v[0].metadata, m));
        CHECK_STR(l.v[0].label, "a1");
        CHECK_STR(l.v[1].asset_type, "audio");
        CHECK(json_object_size(l.v[1].metadata) == 0 && l.v[1].sha256[0] == 0);
    }
    store_asset_list_release(&l);
    json_t *m2 = json_pack("{s:{s:i}}", "analysis", "shots", 4);
    CHECK(store_asset_set_metadata(s, as2, m2, &err) == REEL_OK);
    struct store_asset x;
    REQUIRE(store_asset_get(s, as2, &x, &err) == REEL_OK);
    CHECK(json_equal(x.metadata, m2));
    store_asset_release(&x);
    int found;
    CHECK(store_asset_find_sha256(s, sha, &found, &x, &err) == REEL_OK && found);
    if (found)
        CHECK_STR(x.id, as1);
    store_asset_release(&x);
    struct store_asset_new bad = {
        "00000000-0000-4000-8000-000000000000", "/x", "audio", NULL, NULL, NULL};
    CHECK(store_asset_add(s, &bad, NULL, &err) == REEL_ENOTFOUND);
    json_decref(m);
    json_decref(m2);
}

BOTH(plans_versions)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN], pid[STORE_ID_LEN];
    make_job(s, "planned", 0, 0, a);
    int v = 0;
    for (int i = 1; i <= 3; i++) {
        json_t *pd = json_pack("{s:s, s:i}", "schema", "reel.editplan/1", "n", i);
        json_t *fb = i > 1 ? json_pack("{s:s}", "why", "validation failed") : NULL;
        struct store_plan_new np = {
            a, pd, i == 2 ? "gpt-x" : NULL, i == 2 ? 100 : -1, i == 2 ? 20 : -1, fb};
        CHECK(store_plan_add(s, &np, pid, &v, &err) == REEL_OK);
        CHECK(v == i);
        json_decref(pd);
        json_decref(fb);
    }
    struct store_plan p;
    REQUIRE(store_plan_get(s, a, 0, &p, &err) == REEL_OK);
    CHECK(p.version == 3 && json_get_int(p.plan_data, "n", 0) == 3);
    CHECK_STR(p.id, pid);
    store_plan_release(&p);
    REQUIRE(store_plan_get(s, a, 2, &p, &err) == REEL_OK);
    CHECK_STR(p.llm_model, "gpt-x");
    CHECK(p.prompt_tokens == 100 && p.completion_tokens == 20);
    CHECK(p.feedback && !strcmp(json_get_str(p.feedback, "why", ""), "validation failed"));
    store_plan_release(&p);
    CHECK(store_plan_get(s, a, 9, &p, &err) == REEL_ENOTFOUND);
    struct store_plan_list l;
    REQUIRE(store_plan_list(s, a, &l, &err) == REEL_OK);
    CHECK(l.n == 3 && l.v[0].version == 1 && l.v[0].prompt_tokens == -1 &&
          l.v[0].llm_model == NULL);
    store_plan_list_release(&l);
    struct store_job j;
    REQUIRE(store_job_get(s, a, &j, &err) == REEL_OK);
    CHECK_STR(j.edit_plan_id, pid);
    store_job_release(&j);
}

BOTH(renders)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN], r1[STORE_ID_LEN], r2[STORE_ID_LEN];
    make_job(s, "rendered", 0, 0, a);
    struct store_render_new n1 = {a, "/out/v1.mp4", 1, NULL, -1, NULL};
    json_t *rep = json_pack("{s:f}", "clarity", 0.9);
    struct store_render_new n2 = {a, "/out/v2.mp4", 2, "ab", 0.91, rep};
    REQUIRE(store_render_add(s, &n1, r1, &err) == REEL_OK);
    REQUIRE(store_render_add(s, &n2, r2, &err) == REEL_OK);
    CHECK(store_render_set_score(s, r1, 0.42, NULL, &err) == REEL_OK);
    CHECK(store_render_set_golden(s, r2, 1, &err) == REEL_OK);
    struct store_render_list l;
    REQUIRE(store_render_list(s, a, &l, &err) == REEL_OK);
    CHECK(l.n == 2);
    if (l.n == 2) {
        CHECK_NEAR(l.v[0].score, 0.42, 1e-9);
        CHECK(!l.v[0].golden && l.v[0].report == NULL);
        CHECK(l.v[1].golden && l.v[1].plan_version == 2);
        CHECK_NEAR(l.v[1].score, 0.91, 1e-9);
        CHECK(l.v[1].report && json_equal(l.v[1].report, rep));
    }
    store_render_list_release(&l);
    CHECK(store_render_set_golden(s, "00000000-0000-4000-8000-000000000000", 1, &err) ==
          REEL_ENOTFOUND);
    json_decref(rep);
}

struct appender {
    const char *url, *job;
    int delay_ms;
};

static void *append_later(void *arg)
{
    struct appender *a = arg;
    struct timespec ts = {a->delay_ms / 1000, (a->delay_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    struct store *s;
    struct reel_err err = REEL_ERR_INIT;
    if (store_open(a->url, &s, &err) == REEL_OK) {
        store_event_append(s, a->job, "progress", NULL, NULL, &err);
        store_close(s);
    }
    return NULL;
}

BOTH(events_append_since_wait)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN];
    make_job(s, "evented", 0, 0, a);
    json_t *p = json_pack("{s:f}", "pct", 42.0);
    int64_t id1 = 0, id2 = 0;
    CHECK(store_event_append(s, a, "progress", p, &id1, &err) == REEL_OK);
    CHECK(store_event_append(s, a, "progress", NULL, &id2, &err) == REEL_OK);
    CHECK(id2 > id1 && id1 > 0);
    json_decref(p);
    struct store_event_list l;
    REQUIRE(store_events_since(s, a, id1 - 1, 0, &l, &err) == REEL_OK);
    CHECK(l.n == 2);
    if (l.n == 2)
        CHECK_NEAR(json_get_num(l.v[0].payload, "pct", 0), 42.0, 1e-9);
    store_event_list_release(&l);
    int ready = 0;
    CHECK(store_events_wait(s, id1, 100, &ready, &err) == REEL_OK && ready);
    int64_t t0 = now_mono_ms();
    CHECK(store_events_wait(s, id2, 150, &ready, &err) == REEL_OK && !ready);
    CHECK(now_mono_ms() - t0 >= 140);
    /* Another connection appends while this one waits: it wakes early. */
    struct appender ap = {url, a, 200};
    pthread_t th;
    pthread_create(&th, NULL, append_later, &ap);
    t0 = now_mono_ms();
    CHECK(store_events_wait(s, id2, 10000, &ready, &err) == REEL_OK && ready);
    CHECK(now_mono_ms() - t0 < 5000);
    pthread_join(th, NULL);
}

BOTH(json_views)
{
    struct reel_err err = REEL_ERR_INIT;
    char a[STORE_ID_LEN];
    make_job(s, "viewed", 0, 0, a);
    struct store_job j;
    REQUIRE(store_job_get(s, a, &j, &err) == REEL_OK);
    json_t *o = store_job_to_json(&j);
    CHECK_STR(json_get_str(o, "status", ""), "pending");
    CHECK_STR(json_get_str(o, "id", ""), a);
    const char *t = json_get_str(o, "created_at", "");
    CHECK(strlen(t) == 24 && t[10] == 'T' && t[23] == 'Z');
    CHECK(json_is_null(json_object_get(o, "lease_owner")));
    json_decref(o);
    store_job_release(&j);
}

TEST(store_url_check_rejects_malformed)
{
    static const char *const bad[] = {"",
                                      "mysql://u@h/db",
                                      "postgres://u@h:99999/db",
                                      "postgres://u@h:abc/db",
                                      "postgresql://h:/db",
                                      "postgres://[::1/db",
                                      "sqlite:",
                                      "redis:x"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct reel_err err = REEL_ERR_INIT;
        if (store_url_check(bad[i], &err) != REEL_EINVAL) {
            fprintf(stderr, "    accepted '%s'\n", bad[i]);
            test_fail(__FILE__, __LINE__, "malformed URL accepted");
        }
        CHECK(err.msg[0] != 0);
    }
    static const char *const good[] = {"sqlite:/tmp/x.db",
                                       "sqlite:///tmp/x.db",
                                       "/tmp/x.db",
                                       "rel/x.db",
                                       "postgres://u:p@h:5432/db?sslmode=disable",
                                       "postgresql://h/db",
                                       "postgres://[::1]:5433/db"};
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        struct reel_err err = REEL_ERR_INIT;
        if (store_url_check(good[i], &err) != REEL_OK) {
            fprintf(stderr, "    rejected '%s': %s\n", good[i], err.msg);
            test_fail(__FILE__, __LINE__, "good URL rejected");
        }
    }
    struct reel_err err = REEL_ERR_INIT;
    store_url_check("mysql://u@h/db", &err);
    CHECK(strstr(err.msg, "unsupported") && strstr(err.msg, "mysql"));
}

TEST(store_sqlite_locked_gives_clear_error)
{
    char *path = xasprintf("%s/locked.db", test_tmpdir());
    char *url = xasprintf("sqlite:%s", path);
    struct store *s;
    struct reel_err err = REEL_ERR_INIT;
    setenv("REEL_DB_BUSY_TIMEOUT_MS", "100", 1);
    REQUIRE(store_open(url, &s, &err) == REEL_OK);
    unsetenv("REEL_DB_BUSY_TIMEOUT_MS");
    sqlite3 *raw;
    REQUIRE(sqlite3_open(path, &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "BEGIN EXCLUSIVE", NULL, NULL, NULL) == SQLITE_OK);
    struct store_job_new nj = {NULL, "blocked", NULL, 0, 0, NULL, 0};
    CHECK(store_job_create(s, &nj, NULL, NULL, &err) == REEL_EDB);
    CHECK(strstr(err.msg, "locked") != NULL);
    sqlite3_exec(raw, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(raw);
    /* Released: it works again, nothing half written. */
    char id[STORE_ID_LEN];
    CHECK(store_job_create(s, &nj, id, NULL, &err) == REEL_OK);
    struct store_job_list l;
    CHECK(store_job_list(s, NULL, &l, &err) == REEL_OK && l.n == 1);
    store_job_list_release(&l);
    store_close(s);
    free(url);
    free(path);
}

TEST(store_gone_database_gives_clear_error)
{
    struct store *s = NULL;
    struct reel_err err = REEL_ERR_INIT;
    /* A directory that cannot be created. */
    CHECK(store_open("sqlite:/proc/reel-no/such.db", &s, &err) != REEL_OK);
    CHECK(err.msg[0] != 0);
    /* A server that is not there (port 1 on loopback: nothing listens). */
    CHECK(store_open("postgres://reel@127.0.0.1:1/reel?connect_timeout=2", &s, &err) == REEL_EDB);
    CHECK(strstr(err.msg, "cannot connect to PostgreSQL") != NULL);
    CHECK(s == NULL);
    /* A file that is not a database. */
    char *junk = xasprintf("%s/junk.db", test_tmpdir());
    FILE *f = fopen(junk, "w");
    REQUIRE(f);
    fputs("this is not a database, just some text that is long enough to have a header\n", f);
    fclose(f);
    char *url = xasprintf("sqlite:%s", junk);
    CHECK(store_open(url, &s, &err) == REEL_EDB);
    CHECK(strstr(err.msg, "not a database") != NULL);
    free(url);
    free(junk);
}

TEST(store_url_password_hidden)
{
    const char *base = getenv("REEL_TEST_PG_URL");
    struct store *s;
    struct reel_err err = REEL_ERR_INIT;
    CHECK(store_open("postgres://bob:s3cret@127.0.0.1:1/x?connect_timeout=1", &s, &err) ==
          REEL_EDB);
    CHECK(strstr(err.path, "s3cret") == NULL && strstr(err.msg, "s3cret") == NULL);
    (void)base;
}

TEST(store_sqlite_full_disk_gives_clear_error)
{
    char *url = xasprintf("sqlite:%s/full.db", test_tmpdir());
    struct store *s;
    struct reel_err err = REEL_ERR_INIT;
    REQUIRE(store_open(url, &s, &err) == REEL_OK);
    char id[STORE_ID_LEN];
    struct store_job_new nj = {NULL, "fits", NULL, 0, 0, NULL, 0};
    REQUIRE(store_job_create(s, &nj, id, NULL, &err) == REEL_OK);
    /* No room for another page: what a full disk looks like to SQLite. */
    REQUIRE(store_exec(s, "PRAGMA max_page_count = 1", &err) == REEL_OK);
    json_t *big = json_object();
    struct buf b = BUF_INIT;
    for (int i = 0; i < 20000; i++)
        buf_addch(&b, 'x');
    json_object_set_new(big, "blob", json_string(b.buf));
    buf_release(&b);
    CHECK(store_stage_put(s, id, "analysis", big, NULL, &err) == REEL_EDB);
    CHECK(strstr(err.msg, "disk is full") != NULL);
    json_decref(big);
    /* Nothing half written: the job is as it was and still usable. */
    json_t *out = NULL;
    CHECK(store_stage_get(s, id, "analysis", &out, &err) == REEL_OK && out == NULL);
    struct store_job j;
    CHECK(store_job_get(s, id, &j, &err) == REEL_OK && j.status == JOB_PENDING);
    store_job_release(&j);
    store_close(s);
    free(url);
}
