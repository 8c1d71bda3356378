/*
 * reel render PLAN.json [--asset LABEL=PATH ...] -o OUT [--dry-run] [--json]
 *                       [--transcripts FILE.json] [--preset P] [--threads N]
 *
 * Validates the plan (every problem reported, exit 1), then renders it with
 * one FFmpeg run (after a loudness analysis run when the plan sets a
 * loudness target). A progress bar on a terminal; JSON events with --json;
 * --dry-run prints the exact commands and filter scripts instead.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"
#include "render/render.h"
#include "core/banned.h"

struct render_args {
    const char *file;
    const char *output;
    const char *transcripts;
    const char *preset;
    long threads;
    int json;
    int dry_run;
    VEC(const char *) assets;
};

/* value of an option given as "--opt V" or "--opt=V" */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (!strncmp(argv[*i], name, n) && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (!strcmp(argv[*i], name))
        return *i + 1 < argc ? argv[++*i] : NULL;
    return NULL;
}

static int is_opt(const char *s, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(s, name, n) && (s[n] == 0 || s[n] == '=');
}

static int parse_args(int argc, char **argv, struct render_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v;
        if (!strcmp(s, "--json")) {
            a->json = 1;
        } else if (!strcmp(s, "--dry-run") || !strcmp(s, "-n")) {
            a->dry_run = 1;
        } else if (is_opt(s, "--asset")) {
            if (!(v = opt_value(argc, argv, &i, "--asset")))
                return cli_usage_error("render", "--asset needs LABEL=PATH");
            const char *eq = strchr(v, '=');
            if (!eq || !eq[1] || !plan_label_valid(v, (size_t)(eq - v)))
                return cli_usage_error("render",
                                       "--asset '%s' must be LABEL=PATH with a label of a-z 0-9 "
                                       "_ - (1 to 64 characters)",
                                       v);
            VEC_PUSH(&a->assets, v);
        } else if (!strcmp(s, "-o") || is_opt(s, "--output")) {
            v = !strcmp(s, "-o") ? (i + 1 < argc ? argv[++i] : NULL)
                                 : opt_value(argc, argv, &i, "--output");
            if (!v || !*v)
                return cli_usage_error("render", "-o needs a file name");
            a->output = v;
        } else if (is_opt(s, "--transcripts")) {
            if (!(a->transcripts = opt_value(argc, argv, &i, "--transcripts")))
                return cli_usage_error("render", "--transcripts needs a JSON file");
        } else if (is_opt(s, "--preset")) {
            if (!(a->preset = opt_value(argc, argv, &i, "--preset")) || !*a->preset)
                return cli_usage_error("render", "--preset needs an encoder preset name");
        } else if (is_opt(s, "--threads")) {
            if (!(v = opt_value(argc, argv, &i, "--threads")) || !parse_long(v, &a->threads) ||
                a->threads < 1 || a->threads > 64)
                return cli_usage_error("render", "--threads needs a number from 1 to 64");
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("render", "unknown option '%s'", s);
        } else if (!a->file) {
            a->file = s;
        } else {
            return cli_usage_error("render", "unexpected argument '%s'", s);
        }
    }
    if (!a->file)
        return cli_usage_error("render", "which plan? give PLAN.json");
    if (!a->output)
        return cli_usage_error("render", "where to? give -o OUT");
    if (a->preset)
        for (const char *p = a->preset; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
                return cli_usage_error("render", "--preset '%s' is not a preset name", a->preset);
    return 0;
}

static void print_json_line(json_t *j)
{
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 0);
    fwrite(b.buf, 1, b.len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    buf_release(&b);
    json_decref(j);
}

/* ---- progress ---- */

struct progress_ui {
    int json;
    int tty;
    int drawn;
};

static void fmt_eta(char *dst, size_t n, double s)
{
    if (s < 0 || !isfinite(s)) {
        snprintf(dst, n, "--:--");
        return;
    }
    long t = lround(s);
    snprintf(dst, n, "%ld:%02ld", t / 60, t % 60);
}

static void on_progress(const struct render_progress *pr, void *ud)
{
    struct progress_ui *ui = ud;
    if (ui->json) {
        json_t *j = json_object();
        json_object_set_new(j, "event", json_string("progress"));
        json_object_set_new(j, "phase", json_string(pr->measure ? "loudness" : "render"));
        json_object_set_new(j, "percent", json_real(round(pr->percent * 10) / 10));
        json_object_set_new(j, "out_time", json_real(round(pr->out_time * 1000) / 1000));
        json_object_set_new(j, "frame", json_integer(pr->frame));
        json_object_set_new(j, "speed", json_real(round(pr->speed * 100) / 100));
        json_object_set_new(j, "eta_s",
                            pr->eta_s >= 0 ? json_real(round(pr->eta_s * 10) / 10) : json_null());
        json_object_set_new(j, "done", json_boolean(pr->done));
        print_json_line(j);
        return;
    }
    if (!ui->tty)
        return;
    int width = 30, fill = (int)lround(pr->percent / 100.0 * width);
    char bar[64], eta[32];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    fmt_eta(eta, sizeof(eta), pr->eta_s);
    fprintf(stderr, "\r%-8s [%s] %5.1f%%  %5.2fx  ETA %s ", pr->measure ? "loudness" : "render",
            bar, pr->percent, pr->speed, eta);
    ui->drawn = 1;
    if (pr->done)
        fputc('\n', stderr), ui->drawn = 0;
    fflush(stderr);
}

/* ---- dry run ---- */

static void dry_cmd(struct render_args *a, const char *phase, struct render_cmd *cmd, json_t *arr)
{
    struct buf sh = BUF_INIT;
    /* reel writes to a temporary name and renames it; pasted by hand the
     * command writes the output directly */
    if (cmd->temp_output && cmd->argv.n &&
        !strcmp(cmd->argv.v[cmd->argv.n - 1], cmd->temp_output)) {
        free(cmd->argv.v[cmd->argv.n - 1]);
        cmd->argv.v[cmd->argv.n - 1] = xstrdup(cmd->output);
    }
    render_cmd_to_shell(cmd, &sh);
    if (a->json) {
        json_t *j = json_object(), *av = json_array();
        for (size_t i = 0; i < cmd->argv.n; i++)
            json_array_append_new(av, json_string(cmd->argv.v[i]));
        json_object_set_new(j, "phase", json_string(phase));
        json_object_set_new(j, "argv", av);
        json_object_set_new(j, "shell", json_string(sh.buf));
        json_object_set_new(j, "script_path", json_string(cmd->script_path));
        json_object_set_new(j, "filter_script", json_string(cmd->filter_script));
        json_array_append_new(arr, j);
    } else {
        printf("# %s\n%s\n# filter script %s:\n%s\n", phase, sh.buf, cmd->script_path,
               cmd->filter_script);
    }
    buf_release(&sh);
}

static int dry_run(struct render_args *a, const struct plan *p, struct render_opts *o)
{
    struct reel_err err = REEL_ERR_INIT;
    /* the files the commands name must outlive this process */
    const char *slash = strrchr(a->output, '/');
    char *dir = slash ? xstrndup(a->output, (size_t)(slash - a->output + (slash == a->output)))
                      : xstrdup(".");
    char *work = xasprintf("%s/.reel-dry-run-XXXXXX", dir);
    free(dir);
    if (!mkdtemp(work)) {
        reel_fail(&err, REEL_ESYS, work, "cannot create a directory for the filter scripts");
        free(work);
        return cli_fail(&err);
    }
    o->workdir = work;
    json_t *arr = json_array();
    int st = 0;
    if (p->output.loudness_set) {
        struct render_cmd m = RENDER_CMD_INIT;
        o->measure_only = 1;
        if (render_compile(p, o, a->output, &m, &err) != REEL_OK) {
            st = cli_fail(&err);
            goto out;
        }
        dry_cmd(a, "loudness analysis", &m, arr);
        render_cmd_release(&m);
        o->measure_only = 0;
    }
    struct render_cmd cmd = RENDER_CMD_INIT;
    if (render_compile(p, o, a->output, &cmd, &err) != REEL_OK) {
        st = cli_fail(&err);
        goto out;
    }
    dry_cmd(a,
            p->output.loudness_set
                ? "render (reel fills loudnorm's measured_* values from the analysis run)"
                : "render",
            &cmd, arr);
    if (a->json) {
        json_t *j = json_object();
        json_object_set_new(j, "commands", json_incref(arr));
        json_object_set_new(j, "duration", json_real(cmd.duration));
        json_object_set_new(j, "frames", json_integer(cmd.frames));
        json_object_set_new(j, "workdir", json_string(work));
        print_json_line(j);
    } else {
        printf("# expected: %ld frames, %.3f s; files kept in %s\n", cmd.frames, cmd.duration,
               work);
    }
    render_cmd_release(&cmd);
out:
    json_decref(arr);
    free(work);
    return st;
}

/* ---- main ---- */

int cmd_render(int argc, char **argv)
{
    struct render_args a;
    memset(&a, 0, sizeof(a));
    int st = parse_args(argc, argv, &a);
    if (st) {
        VEC_FREE(&a.assets);
        return st;
    }
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    struct reel_err err = REEL_ERR_INIT;
    json_t *transcripts = NULL;
    plan_init(&p);
    enum reel_code rc = plan_decode_file(a.file, &p, &is, &err);
    if (rc != REEL_OK && rc != REEL_EINVAL) {
        reel_err_prefix(&err, "cannot read the plan");
        st = cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < a.assets.n; i++) {
        const char *v = a.assets.v[i];
        const char *eq = strchr(v, '=');
        char *label = xstrndup(v, (size_t)(eq - v));
        plan_set_asset(&p, label, eq + 1);
        free(label);
    }
    if (rc == REEL_OK || p.nops > 0)
        plan_validate(&p, &is);
    if (is.n) {
        if (a.json) {
            json_t *j = json_object();
            json_object_set_new(j, "event", json_string("invalid"));
            json_object_set_new(j, "errors", plan_issues_to_json(&is));
            print_json_line(j);
        }
        for (size_t i = 0; i < is.n; i++)
            fprintf(stderr, "%s: %s: %s\n", is.v[i].path, is.v[i].code, is.v[i].message);
        fprintf(stderr, "reel render: %s is not valid (%zu problem%s); nothing rendered\n", a.file,
                is.n, is.n == 1 ? "" : "s");
        st = 1;
        goto out;
    }
    if (a.transcripts && (st = cli_load_transcripts(a.transcripts, &transcripts)))
        goto out;
    for (size_t i = 0; i < p.nops && !transcripts; i++)
        if (p.ops[i].kind == OP_CAPTIONS && p.ops[i].source_transcript) {
            fprintf(stderr, "reel render: warning: captions from the transcript need "
                            "--transcripts FILE.json; rendering without them\n");
            break;
        }

    struct render_opts o = RENDER_OPTS_INIT;
    o.transcripts = transcripts;
    o.preset = a.preset;
    o.threads = (int)a.threads;
    if (a.dry_run) {
        st = dry_run(&a, &p, &o);
        goto out;
    }

    struct progress_ui ui = {a.json, cli_isatty(2), 0};
    static volatile sig_atomic_t canceled;
    canceled = 0;
    render_cancel_on_signals(&canceled);
    struct render_result res;
    render_result_init(&res);
    rc = render_plan(&p, &o, a.output, on_progress, &ui, &canceled, &res, &err);
    render_cancel_restore();
    if (ui.drawn)
        fputc('\n', stderr);
    if (a.json) {
        json_t *j = json_object();
        json_object_set_new(j, "event", json_string(rc ? "error" : "done"));
        json_object_set_new(j, "output", json_string(a.output));
        json_object_set_new(j, "duration", json_real(res.duration));
        json_object_set_new(j, "frames", json_integer(res.frames));
        json_object_set_new(j, "render", render_run_info_to_json(&res.final));
        if (res.measure.exit_status >= 0)
            json_object_set_new(j, "loudness_analysis", render_run_info_to_json(&res.measure));
        if (res.loudness.set) {
            json_t *l = json_object();
            json_object_set_new(l, "input_i", json_real(res.loudness.input_i));
            json_object_set_new(l, "input_tp", json_real(res.loudness.input_tp));
            json_object_set_new(l, "input_lra", json_real(res.loudness.input_lra));
            json_object_set_new(j, "measured_loudness", l);
        }
        if (rc) {
            json_object_set_new(j, "code", json_string(reel_code_name(rc)));
            json_object_set_new(j, "message", json_string(err.msg));
        }
        print_json_line(j);
    }
    if (rc) {
        st = cli_fail(&err);
    } else if (!a.json) {
        fprintf(stderr, "reel render: wrote %s (%ld frames, %.3f s) in %.1f s\n", a.output,
                res.frames, res.duration,
                (res.final.render_time_ms +
                 (res.measure.exit_status >= 0 ? res.measure.render_time_ms : 0)) /
                    1000.0);
        if (res.final.notes && *res.final.notes)
            fprintf(stderr, "%s", res.final.notes);
    }
    render_result_release(&res);
out:
    json_decref(transcripts);
    plan_issues_release(&is);
    plan_release(&p);
    VEC_FREE(&a.assets);
    return st;
}
