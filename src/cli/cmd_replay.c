/* reel replay JOB [--version N]: re-render a stored plan and check the output is byte-identical. */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "cli/cli.h"
#include "store/store.h"
#include "core/banned.h"

int cmd_replay(int argc, char **argv)
{
    const char *id_arg = NULL;
    long version = 0;
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--version")) {
            if (i + 1 >= argc || !parse_long(argv[i + 1], &version) || version < 1)
                return cli_usage_error(argv[0], "--version wants a plan version (1, 2, ...)");
            i++;
        } else if (argv[i][0] == '-')
            return cli_usage_error(argv[0], "unknown option '%s'", argv[i]);
        else if (!id_arg)
            id_arg = argv[i];
        else
            return cli_usage_error(argv[0], "give one job id");
    }
    if (!id_arg)
        return cli_usage_error(argv[0], "which job? give its id (or a unique prefix)");
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = NULL;
    struct agent_replay rp;
    memset(&rp, 0, sizeof(rp));
    struct agent_progress *prog = NULL;
    struct agent_opts o = AGENT_OPTS_INIT;
    char id[STORE_ID_LEN];
    int status;
    enum reel_code rc = store_open(NULL, &st, &err);
    if (!rc)
        rc = store_job_resolve(st, id_arg, id, &err);
    if (rc)
        goto fail;
    if (!json && cli_isatty(2)) {
        prog = agent_progress_new(stderr, 0, 1);
        o.on_event = agent_progress_cb;
        o.ctx = prog;
    }
    if ((rc = agent_replay(st, id, (int)version, &o, &rp, &err)))
        goto fail;
    agent_progress_free(prog);
    prog = NULL;
    if (json) {
        json_t *j = json_pack("{s:s, s:i, s:b, s:s, s:s, s:s?}", "job", id, "version", rp.version,
                              "identical", rp.identical, "recorded_sha256", rp.recorded_sha,
                              "replay_sha256", rp.replay_sha, "replay_path", rp.path);
        struct buf b = BUF_INIT;
        json_dump_buf(j, &b, 0);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(j);
    } else if (rp.identical) {
        printf("identical: version %d re-rendered to the same bytes (sha256 %s)\n", rp.version,
               rp.replay_sha);
    } else {
        printf("DIFFERENT: version %d re-rendered to sha256 %s, the recorded render is %s\n"
               "the replayed file is kept at %s\n",
               rp.version, rp.replay_sha, rp.recorded_sha, rp.path ? rp.path : "?");
    }
    status = rp.identical ? 0 : 1;
    goto out;
fail:
    status = cli_fail(&err);
out:
    agent_progress_free(prog);
    agent_replay_release(&rp);
    store_close(st);
    return status;
}
