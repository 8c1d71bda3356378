/*
 * reel import editly SPEC.json5 [-o plan.json] [--lenient] [--stills DIR]
 *
 * Reads the spec (JSON5), maps it onto an EditPlan (src/import/), writes
 * the colour stills it needs, then decodes and validates the plan with the
 * plan module before writing it. Without --lenient any unsupported part is
 * an error (exit 1, every path listed); with it each dropped or replaced
 * path is a warning on stderr and the plan is written.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/json5.h"
#include "core/util.h"
#include "import/import.h"
#include "plan/plan.h"
#include "core/banned.h"

struct import_args {
    const char *format;
    const char *spec;
    const char *output;
    const char *stills;
    int lenient;
};

static int parse_args(int argc, char **argv, struct import_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "-o") || !strcmp(s, "--output")) {
            if (i + 1 >= argc || !*argv[i + 1])
                return cli_usage_error("import", "%s needs a file name", s);
            a->output = argv[++i];
        } else if (starts_with(s, "--output=") && s[9]) {
            a->output = s + 9;
        } else if (!strcmp(s, "--stills")) {
            if (i + 1 >= argc || !*argv[i + 1])
                return cli_usage_error("import", "--stills needs a directory");
            a->stills = argv[++i];
        } else if (starts_with(s, "--stills=") && s[9]) {
            a->stills = s + 9;
        } else if (!strcmp(s, "--lenient")) {
            a->lenient = 1;
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("import", "unknown option '%s'", s);
        } else if (!a->format) {
            a->format = s;
        } else if (!a->spec) {
            a->spec = s;
        } else {
            return cli_usage_error("import", "unexpected argument '%s'", s);
        }
    }
    if (!a->format)
        return cli_usage_error("import", "which format? (editly)");
    if (strcmp(a->format, "editly"))
        return cli_usage_error("import", "unknown format '%s' (editly)", a->format);
    if (!a->spec)
        return cli_usage_error("import", "which spec? give SPEC.json5");
    return 0;
}

/* The absolute directory of `file` (which may not exist yet). */
static char *dir_of(const char *file)
{
    char *copy = xstrdup(file);
    char *real = realpath(dirname(copy), NULL);
    free(copy);
    return real;
}

static void print_issues(const struct plan_issues *is, int lenient)
{
    for (size_t i = 0; i < is->n; i++) {
        const struct plan_issue *v = &is->v[i];
        if (lenient && !strcmp(v->code, "unsupported"))
            fprintf(stderr, "warning: %s: left out or replaced: %s\n", v->path, v->message);
        else
            fprintf(stderr, "%s: %s: %s\n", v->path, v->code, v->message);
    }
    if (is->seen > is->n)
        fprintf(stderr, "... and %zu more\n", is->seen - is->n);
}

static int run_import(const struct import_args *a)
{
    struct reel_err err = REEL_ERR_INIT;
    struct plan_issues is = PLAN_ISSUES_INIT, vis = PLAN_ISSUES_INIT;
    struct import_result r;
    struct plan p;
    struct buf out = BUF_INIT;
    json_t *spec = NULL;
    char *spec_dir = NULL, *still_dir = NULL;
    int st = 0;
    memset(&r, 0, sizeof(r));
    plan_init(&p);

    if (json5_parse_file(a->spec, 0, &spec, &err) != REEL_OK) {
        reel_err_prefix(&err, "cannot read the editly spec");
        st = cli_fail(&err);
        goto out;
    }
    spec_dir = dir_of(a->spec);
    still_dir = a->stills   ? realpath(a->stills, NULL)
                : a->output ? dir_of(a->output)
                            : realpath(".", NULL);
    if (!spec_dir || !still_dir) {
        reel_fail(&err, REEL_ENOTFOUND,
                  a->stills   ? a->stills
                  : a->output ? a->output
                              : ".",
                  "no such directory");
        st = cli_fail(&err);
        goto out;
    }
    enum reel_code rc = import_editly(spec, spec_dir, still_dir, a->lenient, &r, &is);
    print_issues(&is, a->lenient);
    if (rc != REEL_OK) {
        size_t other = is.seen - r.nunsupported;
        if (other)
            fprintf(stderr, "reel import: %s cannot be imported (%zu problem%s)\n", a->spec,
                    is.seen, is.seen == 1 ? "" : "s");
        else
            fprintf(stderr,
                    "reel import: %s: %zu part%s with no EditPlan equivalent; nothing written "
                    "(--lenient writes the plan without them)\n",
                    a->spec, r.nunsupported, r.nunsupported == 1 ? "" : "s");
        st = 1;
        goto out;
    }
    if (import_write_stills(&r, &err) != REEL_OK) {
        st = cli_fail(&err);
        goto out;
    }
    /* the plan module has the last word: decode and validate it in full */
    if (plan_decode(r.plan, &p, &vis) == REEL_OK)
        plan_validate(&p, &vis);
    if (vis.n) {
        print_issues(&vis, 0);
        fprintf(stderr, "reel import: the plan made from %s is not valid (%zu problem%s)\n",
                a->spec, vis.seen, vis.seen == 1 ? "" : "s");
        st = 1;
        goto out;
    }
    struct plan_timeline tl;
    if (plan_timeline(&p, &tl, &err) != REEL_OK) {
        st = cli_fail(&err);
        goto out;
    }
    fprintf(stderr,
            "reel import: %zu operations, %.3f s (%ld frames at %g fps; editly: %.3f s)%s\n",
            p.nops, tl.duration, tl.total_frames, tl.fps, r.duration,
            r.nunsupported ? ", with the warnings above" : "");
    plan_timeline_release(&tl);
    json_dump_buf(r.plan, &out, 1);
    buf_addch(&out, '\n');
    if (a->output)
        st = write_file_atomic(a->output, out.buf, out.len, &err) == REEL_OK ? 0 : cli_fail(&err);
    else
        st = fwrite(out.buf, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : 3;
out:
    json_decref(spec);
    free(spec_dir);
    free(still_dir);
    buf_release(&out);
    plan_release(&p);
    plan_issues_release(&is);
    plan_issues_release(&vis);
    import_result_release(&r);
    return st;
}

int cmd_import(int argc, char **argv)
{
    struct import_args a;
    memset(&a, 0, sizeof(a));
    int st = parse_args(argc, argv, &a);
    return st ? st : run_import(&a);
}
