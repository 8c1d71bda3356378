#include <locale.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/version.h"
#include "core/proc.h"
#include "core/banned.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct cli_command commands[] = {
    {"edit", cmd_edit, "run a whole edit: ingest, plan, render, evaluate, decide",
     "usage: reel edit --brief TEXT ASSET... [-o OUT] [--title T] [--max-revisions N]\n"
     "                 [--broll F] [--music F] [--logo F] [--script F] [--json]\n"
     "  --script F: what the footage says (text, SRT or WebVTT): captions show its words\n"},
    {"plan", cmd_plan, "write, check and inspect EditPlans",
     "usage: reel plan validate PLAN.json [--asset LABEL=PATH ...] [--json] [--normalize]\n"
     "       reel plan schema [--strict]\n"
     "       reel plan timeline PLAN.json [--asset LABEL=PATH ...] [--json]\n"
     "       reel plan --brief TEXT ASSET... [-o plan.json]   (see reel help plan-make)\n"},
    {"render", cmd_render, "render an EditPlan with one FFmpeg run",
     "usage: reel render PLAN.json [--asset LABEL=PATH ...] -o OUT [--dry-run] [--json]\n"},
    {"export", cmd_export, "write a plan for another editor: otio, fcpxml, mlt, edl, srt, vtt",
     "usage: reel export PLAN.json --format otio|fcpxml|mlt|edl|srt|vtt [--asset L=P ...]\n"
     "                   [--transcripts FILE.json] [-o FILE]\n"
     "       reel export JOB [--version N] --format ... [-o FILE]\n"},
    {"import", cmd_import, "turn an editly spec (JSON5) into an EditPlan",
     "usage: reel import editly SPEC.json5 [-o plan.json] [--lenient] [--stills DIR]\n"
     "  without --lenient, a spec with any part EditPlan cannot express is refused (exit 1,\n"
     "  every JSON path listed); --lenient writes the plan without those parts and warns\n"
     "  about each. --stills: where colour stills go (default: the plan's directory)\n"},
    {"probe", cmd_probe, "describe media files",
     "usage: reel probe FILE... [--json]\n"},
    {"analyze", cmd_analyze, "analyse footage: shots, loudness, speech, beats, thumbnails",
     "usage: reel analyze FILE... [--json] [--only shots,loudness,speech,beats,motion,thumbnails]\n"
     "                    [--thumbs DIR | --no-thumbs] [--no-cache] [--threads N]\n"},
    {"transcribe", cmd_transcribe, "speech to timed words",
     "usage: reel transcribe FILE [--json|--srt|--vtt|--words] [--script FILE] [-o OUT] [--language L]\n"
     "                       [--chunk SECONDS] [--threads N] [--pause SECONDS]\n"
     "  --script FILE: what is said (text, SRT or WebVTT), aligned to the speech\n"
     "  --all-words: keep words heard where the analysis hears no speech (music, noise)\n"},
    {"eval", cmd_eval, "score a render with the six metrics",
     "usage: reel eval RENDER --plan PLAN.json [--asset LABEL=PATH ...] [--json]\n"
     "                 [--pace slow|medium|fast] [--style STYLE.json] [--weights NAME=W,...]\n"
     "                 [--transcripts FILE.json]  (as given to reel render: checks\n"
     "                 transcript captions on screen and against the render's sound)\n"
     "                 [--heard FILE.json | --no-hear]  (the render's own transcript, or\n"
     "                 no second hearing)\n"
     "exit 0 when evaluated (golden or not: see the report), 1 invalid input, 3 failure\n"},
    {"submit", cmd_submit, "queue an edit job and print its id",
     "usage: reel submit --brief TEXT ASSET... [same flags as edit]\n"},
    {"worker", cmd_worker, "run queued jobs",
     "usage: reel worker [--once] [--concurrency N] [--max-jobs N] [--exit-when-empty] [--lease SECONDS]\n"
     "                   [--poll-ms MS] [--worker-id ID] [--handler NAME] [--noop]\n"},
    {"wait", cmd_wait, "follow a job until it ends",
     "usage: reel wait JOB [--json]\n"},
    {"jobs", cmd_jobs, "list jobs",
     "usage: reel jobs [--status S] [--json]\n"},
    {"show", cmd_show, "show a job: assets, plan versions, evaluations, history",
     "usage: reel show JOB [--json]\n"},
    {"trace", cmd_trace, "show a job's trace as a tree and waterfall",
     "usage: reel trace JOB [--json] [-v]\n"},
    {"replay", cmd_replay, "re-render a stored plan and check the output is identical",
     "usage: reel replay JOB [--version N]\n"},
    {"migrate", cmd_migrate, "create or upgrade the database schema",
     "usage: reel migrate [--status]\n"},
    {"serve", cmd_serve, "serve the HTTP API and the dashboard",
     "usage: reel serve [--listen ADDR:PORT]\n"},
    {"keys", cmd_keys, "manage API keys for reel serve",
     "usage: reel keys create --user UUID [--admin] | reel keys list | reel keys revoke ID\n"},
    {"help", cmd_help, "show help for reel or a subcommand", "usage: reel help [COMMAND]\n"},
    {"version", cmd_version, "print the version", "usage: reel version\n"},
};

const struct cli_command *cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int cli_usage_error(const char *name, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "reel %s: ", name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    const struct cli_command *c = cli_find(name);
    if (c)
        fputs(c->usage, stderr);
    return 2;
}

int cli_fail(const struct reel_err *err)
{
    reel_err_print(err);
    return reel_code_exit(err->code);
}

int cli_isatty(int fd)
{
    const char *nc = getenv("NO_COLOR");
    return isatty(fd) && !(nc && *nc) && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
}

static void print_overview(FILE *f)
{
    fprintf(f, "reel %s: a video editing agent: a planner thinks, a worker does.\n\n",
            REEL_VERSION);
    fprintf(f, "usage: reel COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'reel help COMMAND' shows a command's usage. Exit status: 0 ok, 1 invalid "
               "input,\n2 usage error, 3 system or tool failure.\n");
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_overview(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "plan-make")) {
        fputs(usage_plan_make, stdout);
        return 0;
    }
    const struct cli_command *c = cli_find(argv[1]);
    if (!c) {
        fprintf(stderr, "reel help: no such command '%s'\n", argv[1]);
        return 2;
    }
    printf("reel %s: %s\n\n%s", c->name, c->summary, c->usage);
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    (void)argc, (void)argv;
    printf("reel %s\n", REEL_VERSION);
    return 0;
}

int main(int argc, char **argv)
{
    proc_trampoline(argc, argv); /* returns unless this is a child's trampoline */
    /* Numbers in plans, filter scripts and JSON always use '.' */
    setlocale(LC_ALL, "C");
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        print_overview(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (!strcmp(name, "--version") || !strcmp(name, "-V"))
        return cmd_version(0, NULL);
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return cmd_help(1, argv + 1);
    const struct cli_command *c = cli_find(name);
    if (!c) {
        fprintf(stderr, "reel: '%s' is not a reel command; see 'reel help'\n", name);
        return 2;
    }
    if (argc >= 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
        char *hv[] = {"help", (char *)name, NULL};
        return cmd_help(2, hv);
    }
    return c->run(argc - 1, argv + 1);
}
