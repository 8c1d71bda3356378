/*
 * reel plan validate | schema | timeline. Anything else is the planners'
 * (cmd_plan_make).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/util.h"
#include "plan/plan.h"
#include "core/banned.h"

struct plan_args {
    const char *file;
    int json;
    int normalize;
    int strict;
    VEC(const char *) assets; /* "LABEL=PATH", borrowed from argv */
};

/* Returns 0, or 2 after printing a usage error. */
static int parse_args(const char *sub, int argc, char **argv, struct plan_args *a)
{
    char name[40];
    snprintf(name, sizeof(name), "plan %s", sub);
    for (int i = 2; i < argc; i++) {
        const char *s = argv[i];
        if (!strcmp(s, "--json")) {
            a->json = 1;
        } else if (!strcmp(s, "--normalize") && !strcmp(sub, "validate")) {
            a->normalize = 1;
        } else if (!strcmp(s, "--strict") && !strcmp(sub, "schema")) {
            a->strict = 1;
        } else if ((!strcmp(s, "--asset") || starts_with(s, "--asset=")) && strcmp(sub, "schema")) {
            const char *v = s[7] == '=' ? s + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v)
                return cli_usage_error("plan", "%s: --asset needs LABEL=PATH", sub);
            const char *eq = strchr(v, '=');
            if (!eq || !eq[1] || !plan_label_valid(v, (size_t)(eq - v)))
                return cli_usage_error("plan",
                                       "%s: --asset '%s' must be LABEL=PATH with a label of "
                                       "a-z 0-9 _ - (1 to 64 characters)",
                                       sub, v);
            VEC_PUSH(&a->assets, v);
        } else if (s[0] == '-' && s[1]) {
            return cli_usage_error("plan", "%s: unknown option '%s'", sub, s);
        } else if (!a->file && strcmp(sub, "schema")) {
            a->file = s;
        } else {
            return cli_usage_error("plan", "%s: unexpected argument '%s'", sub, s);
        }
    }
    if (!a->file && strcmp(sub, "schema"))
        return cli_usage_error("plan", "%s: which plan? give PLAN.json", sub);
    (void)name;
    return 0;
}

static void print_issues(FILE *f, const struct plan_issues *is)
{
    for (size_t i = 0; i < is->n; i++)
        fprintf(f, "%s: %s: %s\n", is->v[i].path, is->v[i].code, is->v[i].message);
}

static void print_json(const json_t *j)
{
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 1);
    fwrite(b.buf, 1, b.len, stdout);
    fputc('\n', stdout);
    buf_release(&b);
}

static int load_plan(struct plan_args *a, struct plan *p, struct plan_issues *is)
{
    return cli_load_plan(a->file, a->assets.v, a->assets.n, p, is);
}

static int do_validate(struct plan_args *a)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    int st = load_plan(a, &p, &is);
    if (st >= 1000) {
        st -= 1000;
    } else {
        if (a->json && !a->normalize) {
            json_t *j = plan_issues_to_json(&is);
            print_json(j);
            json_decref(j);
        } else if (st == 1) {
            print_issues(stdout, &is);
        }
        if (st == 1) {
            fprintf(stderr, "reel plan validate: %s: %zu problem%s\n", a->file, is.n,
                    is.n == 1 ? "" : "s");
        } else if (a->normalize) {
            json_t *j = plan_encode(&p);
            print_json(j);
            json_decref(j);
        } else if (!a->json) {
            struct plan_timeline tl;
            if (plan_timeline(&p, &tl, NULL) == REEL_OK) {
                printf("%s: valid: %zu operation%s, %dx%d at %g fps, %.3f s (%ld frames)\n",
                       a->file, p.nops, p.nops == 1 ? "" : "s", p.output.width, p.output.height,
                       p.output.fps, tl.duration, tl.total_frames);
                plan_timeline_release(&tl);
            }
        }
    }
    plan_issues_release(&is);
    plan_release(&p);
    return st == -1 ? 0 : st;
}

static int do_timeline(struct plan_args *a)
{
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    plan_init(&p);
    int st = load_plan(a, &p, &is);
    if (st >= 1000) {
        st -= 1000;
    } else if (st == 1) {
        print_issues(stderr, &is);
        fprintf(stderr, "reel plan timeline: %s is not valid (%zu problem%s)\n", a->file, is.n,
                is.n == 1 ? "" : "s");
    } else if (st == -1) {
        struct plan_timeline tl;
        struct reel_err err = REEL_ERR_INIT;
        if (plan_timeline(&p, &tl, &err) != REEL_OK) {
            st = cli_fail(&err);
        } else {
            if (a->json) {
                json_t *j = plan_timeline_to_json(&p, &tl);
                print_json(j);
                json_decref(j);
            } else {
                printf("timeline: %ld frames, %.3f s at %g fps (%dx%d)\n", tl.total_frames,
                       tl.duration, p.output.fps, p.output.width, p.output.height);
                printf("%-4s %-10s %-16s %8s %8s %10s %10s  %s\n", "#", "op", "id", "start_f",
                       "end_f", "start_s", "end_s", "source frames");
                for (size_t i = 0; i < tl.nspans; i++) {
                    const struct plan_span *s = &tl.spans[i];
                    const struct plan_op *op = &p.ops[s->op_index];
                    char src[64] = "";
                    if (s->in_frame >= 0 && s->out_frame >= 0)
                        snprintf(src, sizeof(src), "%ld..%ld", s->in_frame, s->out_frame);
                    else if (s->in_frame >= 0)
                        snprintf(src, sizeof(src), "from %ld", s->in_frame);
                    printf("%-4zu %-10s %-16.16s %8ld %8ld %10.3f %10.3f  %s\n", s->op_index,
                           plan_op_kind_name(op->kind), op->id ? op->id : "-", s->start_frame,
                           s->end_frame, s->start, s->end, src);
                }
            }
            plan_timeline_release(&tl);
            st = 0;
        }
    }
    plan_issues_release(&is);
    plan_release(&p);
    return st == -1 ? 0 : st;
}

static int do_schema(struct plan_args *a)
{
    if (a->strict) {
        json_t *s = plan_schema_strict();
        print_json(s);
        json_decref(s);
    } else {
        fputs(plan_schema_text(), stdout);
    }
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    if (argc < 2 ||
        (strcmp(argv[1], "validate") && strcmp(argv[1], "schema") && strcmp(argv[1], "timeline")))
        return cmd_plan_make(argc, argv);
    struct plan_args a;
    memset(&a, 0, sizeof(a));
    int st = parse_args(argv[1], argc, argv, &a);
    if (!st) {
        if (!strcmp(argv[1], "validate"))
            st = do_validate(&a);
        else if (!strcmp(argv[1], "timeline"))
            st = do_timeline(&a);
        else
            st = do_schema(&a);
    }
    VEC_FREE(&a.assets);
    return st;
}
