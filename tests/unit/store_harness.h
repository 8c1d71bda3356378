/*
 * Run one test body against both backends: a fresh SQLite file and a fresh
 * PostgreSQL database on $REEL_TEST_PG_URL (skipped with a message when it
 * is unset). BOTH(name) { ... } defines store_name_sqlite and store_name_pg.
 */
#ifndef REEL_TESTS_STORE_HARNESS_H
#define REEL_TESTS_STORE_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "store/store.h"
#include "test.h"

typedef void (*store_suite_fn)(struct store *s, const char *url);

static inline void store_test_sqlite(store_suite_fn f)
{
    char rnd[17];
    random_hex(rnd, 8);
    char *url = xasprintf("sqlite:%s/store-%s.db", test_tmpdir(), rnd);
    struct store *s = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (store_open(url, &s, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        test_fail(__FILE__, __LINE__, "store_open(sqlite)");
    } else {
        f(s, url);
        store_close(s);
    }
    free(url);
}

/* Each test gets a fresh schema of the server's database (much cheaper
 * than a database): the URL sets search_path through libpq's options. */
static inline void store_test_pg(store_suite_fn f)
{
    const char *base = getenv("REEL_TEST_PG_URL");
    if (!base || !*base) {
        test_skip("REEL_TEST_PG_URL is not set: the PostgreSQL backend is not tested here");
        return;
    }
    struct store *admin = NULL, *s = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (store_open_flags(base, STORE_OPEN_NO_MIGRATE, &admin, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        test_fail(__FILE__, __LINE__, "connect to REEL_TEST_PG_URL");
        return;
    }
    char schema[40], sql[128];
    snprintf(schema, sizeof(schema), "reel_unit_");
    random_hex(schema + strlen(schema), 6);
    snprintf(sql, sizeof(sql), "CREATE SCHEMA %s", schema);
    if (store_exec(admin, sql, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        test_fail(__FILE__, __LINE__, "CREATE SCHEMA");
        store_close(admin);
        return;
    }
    char *url =
        xasprintf("%s%soptions=-csearch_path%%3D%s", base, strchr(base, '?') ? "&" : "?", schema);
    if (store_open(url, &s, &err)) {
        fprintf(stderr, "    %s\n", err.msg);
        test_fail(__FILE__, __LINE__, "store_open(pg)");
    } else {
        f(s, url);
        store_close(s);
    }
    snprintf(sql, sizeof(sql), "DROP SCHEMA %s CASCADE", schema);
    store_exec(admin, sql, &err);
    store_close(admin);
    free(url);
}

#define BOTH(name)                                                                                 \
    static void name(struct store *s, const char *url);                                            \
    TEST(store_##name##_sqlite)                                                                    \
    {                                                                                              \
        store_test_sqlite(name);                                                                   \
    }                                                                                              \
    TEST(store_##name##_pg)                                                                        \
    {                                                                                              \
        store_test_pg(name);                                                                       \
    }                                                                                              \
    static void name(struct store *s, const char *url)

#endif
