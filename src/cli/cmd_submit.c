/*
 * reel submit: queue an edit job (the same request as `reel edit`) and print
 * its id at once; `reel worker` runs it, `reel wait JOB` follows it.
 *   reel submit --brief TEXT ASSET... [edit's flags] [--max-attempts N]
 *               [--priority N] [--user UUID] [--json]
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

int cmd_submit(int argc, char **argv)
{
    struct agent_request req;
    agent_request_init(&req);
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = NULL;
    int json = 0, status = 0;
    /* the queue's own flags first; the rest is the edit request */
    char **rest = xcalloc((size_t)argc + 1, sizeof(*rest));
    int nrest = 0;
    rest[nrest++] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long n;
        if (!strcmp(a, "--max-attempts") || !strcmp(a, "--priority") || !strcmp(a, "--user")) {
            if (i + 1 >= argc) {
                status = cli_usage_error(argv[0], "%s needs a value", a);
                goto out;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--user")) {
                free(req.user_id);
                req.user_id = xstrdup(v);
            } else if (!strcmp(a, "--max-attempts")) {
                if (!parse_long(v, &n) || n < 1 || n > 100) {
                    status =
                        cli_usage_error(argv[0], "--max-attempts needs a number from 1 to 100");
                    goto out;
                }
                req.max_attempts = (int)n;
            } else {
                if (!parse_long(v, &n) || n < -1000000 || n > 1000000) {
                    status = cli_usage_error(argv[0], "--priority needs a number");
                    goto out;
                }
                req.priority = (int)n;
            }
            continue;
        }
        rest[nrest++] = argv[i];
    }
    enum reel_code rc = agent_request_parse_args(nrest, rest, &req, &json, &err);
    if (rc) {
        status = cli_usage_error(argv[0], "%s", err.msg);
        goto out;
    }
    char id[STORE_ID_LEN];
    if ((rc = store_open(NULL, &st, &err)) || (rc = agent_submit(st, &req, id, &err))) {
        status = cli_fail(&err);
        goto out;
    }
    if (json) {
        struct store_job j;
        memset(&j, 0, sizeof(j));
        if ((rc = store_job_get(st, id, &j, &err))) {
            status = cli_fail(&err);
            goto out;
        }
        json_t *o = store_job_to_json(&j);
        struct buf b = BUF_INIT;
        json_dump_buf(o, &b, 0);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(o);
        store_job_release(&j);
    } else {
        printf("%s\n", id);
    }
out:
    free(rest);
    store_close(st);
    agent_request_release(&req);
    return status;
}
