/*
 * reel submit --brief TEXT [--title T] [--max-attempts N] [--priority N]
 *             [--user UUID] [--json] ASSET...
 * Queues a pending job: the brief (and the asset paths, absolute) go into
 * jobs.brief, each asset becomes a row of assets. A `reel worker` runs it.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

static const char *guess_type(const char *path)
{
    static const char *const audio[] = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"};
    static const char *const image[] = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"};
    for (size_t i = 0; i < sizeof(audio) / sizeof(*audio); i++)
        if (ends_with(path, audio[i]))
            return "audio";
    for (size_t i = 0; i < sizeof(image) / sizeof(*image); i++)
        if (ends_with(path, image[i]))
            return "image";
    if (ends_with(path, ".cube"))
        return "lut";
    return "raw_footage";
}

int cmd_submit(int argc, char **argv)
{
    const char *brief = NULL, *title = NULL, *user = NULL;
    long max_attempts = 0, priority = 0;
    int as_json = 0;
    json_t *assets = json_array();
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            as_json = 1;
        } else if (!strcmp(a, "--brief") && i + 1 < argc) {
            brief = argv[++i];
        } else if (!strcmp(a, "--title") && i + 1 < argc) {
            title = argv[++i];
        } else if (!strcmp(a, "--user") && i + 1 < argc) {
            user = argv[++i];
        } else if (!strcmp(a, "--max-attempts") && i + 1 < argc) {
            if (!parse_long(argv[++i], &max_attempts) || max_attempts < 1 || max_attempts > 100) {
                rc = cli_usage_error("submit", "--max-attempts needs a number from 1 to 100");
                goto out;
            }
        } else if (!strcmp(a, "--priority") && i + 1 < argc) {
            if (!parse_long(argv[++i], &priority) || priority < -1000000 || priority > 1000000) {
                rc = cli_usage_error("submit", "--priority needs a number");
                goto out;
            }
        } else if (a[0] == '-' && a[1]) {
            rc = cli_usage_error("submit", "unknown option '%s'", a);
            goto out;
        } else {
            char *abs = realpath(a, NULL);
            if (!abs) {
                struct reel_err e = REEL_ERR_INIT;
                reel_fail(&e, REEL_EINVAL, a, "no such file");
                rc = cli_fail(&e);
                goto out;
            }
            json_array_append_new(assets, json_string(abs));
            free(abs);
        }
    }
    if (!brief || !*brief) {
        rc = cli_usage_error("submit", "--brief TEXT is required");
        goto out;
    }
    char tbuf[256];
    if (!title) {
        /* The brief's first line, cut at a character boundary. */
        size_t n = strcspn(brief, "\n");
        if (n > 80) {
            n = 80;
            while (n > 0 && ((unsigned char)brief[n] & 0xC0) == 0x80)
                n--;
        }
        snprintf(tbuf, sizeof(tbuf), "%.*s", (int)n, brief);
        title = tbuf;
    }
    struct reel_err err = REEL_ERR_INIT;
    struct store *s;
    if (store_open(NULL, &s, &err)) {
        rc = cli_fail(&err);
        goto out;
    }
    json_t *b = json_pack("{s:s, s:O}", "brief", brief, "assets", assets);
    size_t na = json_array_size(assets);
    struct store_asset_new *av = xcalloc(na + 1, sizeof(*av));
    char(*labels)[16] = xcalloc(na + 1, sizeof(*labels));
    for (size_t i = 0; i < na; i++) {
        const char *path = json_string_value(json_array_get(assets, i));
        snprintf(labels[i], sizeof(labels[i]), "a%zu", i + 1);
        av[i] = (struct store_asset_new){NULL, path, guess_type(path), NULL, labels[i], NULL};
    }
    struct store_job_new nj = {user, title, b, (int)max_attempts, (int)priority, av, na};
    char id[STORE_ID_LEN], trace[33];
    enum reel_code crc = store_job_create(s, &nj, id, trace, &err);
    json_decref(b);
    free(av);
    free(labels);
    if (crc) {
        store_close(s);
        rc = cli_fail(&err);
        goto out;
    }
    store_close(s);
    if (as_json)
        printf("{\"id\": \"%s\", \"status\": \"pending\", \"trace_id\": \"%s\"}\n", id, trace);
    else
        printf("%s\n", id);
out:
    json_decref(assets);
    return rc;
}
