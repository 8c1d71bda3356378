/*
 * reel keys create --user UUID [--admin] | reel keys list | reel keys revoke ID
 * API keys for `reel serve`: the key is printed once and stored hashed.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/http.h"
#include "store/store.h"
#include "core/banned.h"

int cmd_keys(int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error("keys", "a subcommand is required");
    const char *sub = argv[1], *user = NULL, *id = NULL;
    int admin = 0, as_json = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--user") && i + 1 < argc)
            user = argv[++i];
        else if (!strcmp(argv[i], "--admin"))
            admin = 1;
        else if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
        else
            return cli_usage_error("keys", "unexpected argument '%s'", argv[i]);
    }
    if (strcmp(sub, "create") && strcmp(sub, "list") && strcmp(sub, "revoke"))
        return cli_usage_error("keys", "unknown subcommand '%s'", sub);
    if (!strcmp(sub, "create") && !user)
        return cli_usage_error("keys", "create needs --user UUID");
    if (!strcmp(sub, "revoke") && !id)
        return cli_usage_error("keys", "revoke needs a key id");
    struct reel_err err = REEL_ERR_INIT;
    struct store *st;
    if (store_open(NULL, &st, &err))
        return cli_fail(&err);
    enum reel_code rc = REEL_OK;
    if (!strcmp(sub, "create")) {
        char key[HTTP_KEY_LEN], kid[37];
        rc = http_key_create(st, user, admin, key, kid, &err);
        if (!rc) {
            if (as_json)
                printf("{\"admin\": %s, \"id\": \"%s\", \"key\": \"%s\"}\n",
                       admin ? "true" : "false", kid, key);
            else
                printf("%s\n", key);
            fprintf(stderr, "reel keys: key %s created; it is shown only once\n", kid);
        }
    } else if (!strcmp(sub, "list")) {
        json_t *l = NULL;
        rc = http_key_list(st, &l, &err);
        if (!rc) {
            struct buf b = BUF_INIT;
            json_dump_buf(l, &b, 1);
            printf("%s\n", b.buf);
            buf_release(&b);
            json_decref(l);
        }
    } else {
        rc = http_key_revoke(st, id, &err);
    }
    store_close(st);
    return rc ? cli_fail(&err) : 0;
}
