/* reel migrate [--status]: create or upgrade the database schema. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

int cmd_migrate(int argc, char **argv)
{
    int status_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--status"))
            status_only = 1;
        else
            return cli_usage_error("migrate", "unknown argument '%s'", argv[i]);
    }
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open_flags(NULL, STORE_OPEN_NO_MIGRATE, &s, &err))
        return cli_fail(&err);
    int have = 0, applied = 0, latest = store_schema_latest();
    if (store_schema_version(s, &have, &err))
        goto fail;
    if (status_only) {
        printf("database: %s (%s)\n", store_url_display(s), store_backend_name(s));
        printf("schema version: %d; this reel knows %d\n", have, latest);
        for (size_t i = 0; i < store_migrations_count; i++)
            printf("  %3d %-8s %s\n", store_migrations[i].version,
                   store_migrations[i].version <= have ? "applied" : "pending",
                   store_migrations[i].name);
        store_close(s);
        if (have > latest) {
            fprintf(stderr, "reel: error: the database is newer than this reel; upgrade reel\n");
            return 1;
        }
        return 0;
    }
    if (store_migrate(s, &applied, &err))
        goto fail;
    if (applied)
        printf("applied %d migration%s; %s is at schema version %d\n", applied,
               applied == 1 ? "" : "s", store_url_display(s), latest);
    else
        printf("%s is up to date (schema version %d)\n", store_url_display(s), latest);
    store_close(s);
    return 0;
fail:
    store_close(s);
    return cli_fail(&err);
}
