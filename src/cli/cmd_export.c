/*
 * reel export PLAN.json --format otio|fcpxml|mlt|edl|srt|vtt [--asset LABEL=PATH ...]
 *             [--transcripts FILE.json] [-o FILE]
 * reel export JOB [--version N] --format ... [-o FILE]
 * A first argument that is not a file names a stored job (id or unique
 * prefix); its stored transcripts caption it, as they did its render.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "store/store.h"

#include "cli/cli.h"
#include "core/util.h"
#include "export/export.h"
#include "plan/plan.h"
#include "core/banned.h"

struct export_args {
    const char *file;
    const char *output;
    const char *format;
    const char *transcripts;
    long version; /* job: 0 for the latest */
    VEC(const char *) assets;
};

/* "--opt V" or "--opt=V": the value, or NULL when argv[*i] is not --opt or has none */
static const char *opt(int argc, char **argv, int *i, const char *name, int *matched)
{
    size_t n = strlen(name);
    *matched = !strncmp(argv[*i], name, n) && (argv[*i][n] == 0 || argv[*i][n] == '=');
    if (!*matched)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static int parse_args(int argc, char **argv, struct export_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v;
        int m;
        if ((v = opt(argc, argv, &i, "--asset", &m)) || m) {
            const char *eq = v ? strchr(v, '=') : NULL;
            if (!eq || !eq[1] || !plan_label_valid(v, (size_t)(eq - v)))
                return cli_usage_error("export",
                                       "--asset '%s' must be LABEL=PATH with a label of a-z 0-9 "
                                       "_ - (1 to 64 characters)",
                                       v ? v : "");
            VEC_PUSH(&a->assets, v);
        } else if ((v = opt(argc, argv, &i, "--format", &m)) || m) {
            if (!v || !export_find(v))
                return cli_usage_error("export", "unknown format '%s' (one of %s)", v ? v : "",
                                       export_format_names());
            a->format = v;
        } else if ((v = opt(argc, argv, &i, "--transcripts", &m)) || m) {
            if (!v || !*v)
                return cli_usage_error("export", "--transcripts needs a JSON file");
            a->transcripts = v;
        } else if ((v = opt(argc, argv, &i, "--version", &m)) || m) {
            if (!v || !parse_long(v, &a->version) || a->version < 1)
                return cli_usage_error("export", "--version needs a plan version (1, 2, ...)");
        } else if (!strcmp(s, "-o") || !strncmp(s, "--output", 8)) {
            v = !strcmp(s, "-o") ? (i + 1 < argc ? argv[++i] : NULL)
                                 : opt(argc, argv, &i, "--output", &m);
            if (!v || !*v)
                return cli_usage_error("export", "-o needs a file name");
            a->output = v;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("export", "unknown option '%s'", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            return cli_usage_error("export", "unexpected argument '%s'", s);
        }
    }
    if (!a->file)
        return cli_usage_error("export", "which plan? give PLAN.json or a job id");
    if (!a->format)
        return cli_usage_error("export", "--format is required (one of %s)", export_format_names());
    return 0;
}

/* The same contract as cli_load_plan, for a stored job's plan version. */
static int load_job(struct export_args *a, struct plan *p, json_t **transcripts)
{
    struct reel_err err = REEL_ERR_INIT;
    struct store *st = NULL;
    char id[STORE_ID_LEN];
    int version = 0;
    enum reel_code rc = store_open(NULL, &st, &err);
    if (!rc)
        rc = store_job_resolve(st, a->file, id, &err);
    if (!rc)
        rc = agent_plan_load(st, id, (int)a->version, p, &version, transcripts, &err);
    store_close(st);
    return rc ? 1000 + cli_fail(&err) : -1;
}

static int run_export(struct export_args *a)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    struct buf out = BUF_INIT;
    struct reel_err err = REEL_ERR_INIT;
    json_t *transcripts = NULL;
    size_t left_out = 0;
    plan_init(&p);
    int st;
    if (access(a->file, F_OK) != 0) {
        st = a->transcripts ? 1000 + cli_usage_error("export", "--transcripts is for a plan "
                                                               "file; a stored job has its own")
                            : load_job(a, &p, &transcripts);
    } else if (a->version) {
        st = 1000 + cli_usage_error("export", "--version is for a stored job, not a plan file");
    } else {
        st = cli_load_plan(a->file, a->assets.v, a->assets.n, &p, &is);
        int t = st == -1 && a->transcripts ? cli_load_transcripts(a->transcripts, &transcripts) : 0;
        if (t)
            st = 1000 + t;
    }
    if (st >= 1000) {
        st -= 1000;
    } else if (st == 1) {
        for (size_t i = 0; i < is.n; i++)
            fprintf(stderr, "%s: %s: %s\n", is.v[i].path, is.v[i].code, is.v[i].message);
        fprintf(stderr, "reel export: %s is not valid (%zu problem%s)\n", a->file, is.n,
                is.n == 1 ? "" : "s");
    } else if (export_run(export_find(a->format), &p, transcripts, &out, &left_out, &err) !=
               REEL_OK) {
        st = cli_fail(&err);
    } else if (a->output) {
        st = write_file_atomic(a->output, out.buf, out.len, &err) == REEL_OK ? 0 : cli_fail(&err);
    } else {
        st = fwrite(out.buf, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : 3;
    }
    if (left_out && st == 0)
        fprintf(stderr,
                "reel export: warning: %zu captions op%s with source \"transcript\" left out: "
                "their words are in the transcripts, not the plan (give --transcripts FILE.json)\n",
                left_out, left_out == 1 ? "" : "s");
    json_decref(transcripts);
    buf_release(&out);
    plan_issues_release(&is);
    plan_release(&p);
    return st;
}

int cmd_export(int argc, char **argv)
{
    struct export_args a;
    memset(&a, 0, sizeof(a));
    int st = parse_args(argc, argv, &a);
    if (!st)
        st = run_export(&a);
    VEC_FREE(&a.assets);
    return st;
}
