/*
 * The subcommand table. Each subcommand lives in src/cli/cmd_NAME.c and is
 * one line in the table in main.c. A subcommand's run function gets argv
 * with argv[0] == its name, and returns the process exit status:
 *   0 ok, 1 the input is invalid, 2 usage error, 3 a system/tool failure
 * (reel_code_exit maps an enum reel_code to these).
 */
#ifndef REEL_CLI_CLI_H
#define REEL_CLI_CLI_H

#include <stddef.h>

#include "core/err.h"
#include "core/json.h"

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `reel help` */
    const char *usage;   /* full text for `reel help NAME` and usage errors */
};

const struct cli_command *cli_find(const char *name);

/* Print "reel NAME: msg" and the command's usage to stderr; returns 2. */
int cli_usage_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the error and return its exit status. */
int cli_fail(const struct reel_err *err);
/* True when stdout/stderr is a terminal (for colour and progress bars). */
int cli_isatty(int fd);

struct plan;
struct plan_issues;
/*
 * Decode and validate the plan in `file` with --asset "LABEL=PATH" values
 * (already checked to have a valid label), as `reel plan` and `reel export`
 * do. Returns -1 when the plan is valid, 1 when it is not (the problems are
 * in *is), 1000 + exit status when it could not be read (already reported).
 */
int cli_load_plan(const char *file, const char *const *assets, size_t nassets, struct plan *p,
                  struct plan_issues *is);
/* --transcripts FILE: a JSON object mapping asset labels to transcripts
 * ({"words": [...]}) into *out (the caller's). 0, or the exit status of an
 * error already reported. */
int cli_load_transcripts(const char *file, json_t **out);

#define CLI_DECL(name) int cmd_##name(int argc, char **argv)
CLI_DECL(probe);
CLI_DECL(plan);
CLI_DECL(render);
CLI_DECL(analyze);
CLI_DECL(transcribe);
CLI_DECL(eval);
CLI_DECL(edit);
CLI_DECL(submit);
CLI_DECL(worker);
CLI_DECL(wait);
CLI_DECL(jobs);
CLI_DECL(show);
CLI_DECL(trace);
CLI_DECL(replay);
CLI_DECL(migrate);
CLI_DECL(serve);
CLI_DECL(keys);
CLI_DECL(export);
CLI_DECL(import);

/* `reel plan --brief ...` (the planners); `reel plan validate|schema|timeline`
 * is handled in cmd_plan.c, everything else goes here. */
int cmd_plan_make(int argc, char **argv);

extern const char *const usage_plan_make; /* usage text for the planner part */

#endif
