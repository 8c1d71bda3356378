/*
 * reel eval RENDER --plan PLAN.json [--asset LABEL=PATH ...] [--json]
 *                  [--pace slow|medium|fast] [--style STYLE.json] [--weights SPEC]
 *                  [--transcripts FILE.json [--heard FILE.json | --no-hear]]
 *
 * --transcripts is what `reel render` was given (labels to {"words": [...]}):
 * captions with source "transcript" are then checked on screen against the
 * text the renderer made of it, and, for cues from speech or a script,
 * against what the render's own sound says: the render is transcribed again
 * (the offline recogniser or REEL_TRANSCRIBE_URL), or --heard gives that
 * transcript (`reel transcribe RENDER --json --all-words`); --no-hear skips it.
 * Scores a render with the six metrics (src/eval). Exit status: 0 when the
 * render was evaluated, golden or not (the verdict is in the report and in
 * its "golden" field); 1 for invalid input (a bad plan, a render that is not
 * a video, a bad style file or weights); 2 usage; 3 a decoder or OCR failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/util.h"
#include "eval/eval.h"
#include "render/render.h"
#include "transcribe/transcribe.h"
#include "core/config.h"
#include "plan/plan.h"
#include "core/banned.h"

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    const char *s = argv[*i];
    if (s[n] == '=')
        return s + n + 1;
    return *i + 1 < argc ? argv[++*i] : NULL;
}

static int is_opt(const char *s, const char *name)
{
    size_t n = strlen(name);
    return !strncmp(s, name, n) && (s[n] == 0 || s[n] == '=');
}

int cmd_eval(int argc, char **argv)
{
    const char *render = NULL, *plan_file = NULL, *pace = NULL, *style_file = NULL,
               *weights = NULL, *tr_file = NULL, *heard_file = NULL;
    int as_json = 0, no_hear = 0;
    VEC(const char *) assets = VEC_INIT;
    int st = 0;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char *v;
        if (!strcmp(s, "--json")) {
            as_json = 1;
        } else if (is_opt(s, "--plan")) {
            if (!(plan_file = opt_value(argc, argv, &i, "--plan"))) {
                st = cli_usage_error("eval", "--plan needs a file");
                goto out;
            }
        } else if (is_opt(s, "--pace")) {
            pace = opt_value(argc, argv, &i, "--pace");
            if (!pace || (strcmp(pace, "slow") && strcmp(pace, "medium") && strcmp(pace, "fast"))) {
                st = cli_usage_error("eval", "--pace must be slow, medium or fast");
                goto out;
            }
        } else if (is_opt(s, "--style")) {
            if (!(style_file = opt_value(argc, argv, &i, "--style"))) {
                st = cli_usage_error("eval", "--style needs a file");
                goto out;
            }
        } else if (is_opt(s, "--transcripts")) {
            if (!(tr_file = opt_value(argc, argv, &i, "--transcripts"))) {
                st = cli_usage_error("eval", "--transcripts needs a JSON file");
                goto out;
            }
        } else if (is_opt(s, "--heard")) {
            if (!(heard_file = opt_value(argc, argv, &i, "--heard"))) {
                st = cli_usage_error("eval", "--heard needs a transcript JSON file");
                goto out;
            }
        } else if (!strcmp(s, "--no-hear")) {
            no_hear = 1;
        } else if (is_opt(s, "--weights")) {
            if (!(weights = opt_value(argc, argv, &i, "--weights"))) {
                st = cli_usage_error("eval", "--weights needs NAME=VALUE,...");
                goto out;
            }
        } else if (is_opt(s, "--asset")) {
            v = opt_value(argc, argv, &i, "--asset");
            const char *eq = v ? strchr(v, '=') : NULL;
            if (!eq || !eq[1] || !plan_label_valid(v, (size_t)(eq - v))) {
                st = cli_usage_error("eval",
                                     "--asset '%s' must be LABEL=PATH with a label of a-z 0-9 _ - "
                                     "(1 to 64 characters)",
                                     v ? v : "");
                goto out;
            }
            VEC_PUSH(&assets, v);
        } else if (s[0] == '-' && s[1]) {
            st = cli_usage_error("eval", "unknown option '%s'", s);
            goto out;
        } else if (!render) {
            render = s;
        } else {
            st = cli_usage_error("eval", "unexpected argument '%s'", s);
            goto out;
        }
    }
    if (!render) {
        st = cli_usage_error("eval", "which render? give RENDER");
        goto out;
    }
    if (!plan_file) {
        st = cli_usage_error("eval", "--plan PLAN.json is required (what the render was meant to be)");
        goto out;
    }

    struct reel_err err = REEL_ERR_INIT;
    struct plan p;
    struct plan_issues is = PLAN_ISSUES_INIT;
    json_t *style = NULL, *report = NULL, *trs = NULL, *cues = NULL, *heard = NULL;
    plan_init(&p);
    enum reel_code rc = plan_decode_file(plan_file, &p, &is, &err);
    if (rc != REEL_OK && rc != REEL_EINVAL) {
        reel_err_prefix(&err, "cannot read the plan");
        st = cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; i < assets.n; i++) {
        const char *eq = strchr(assets.v[i], '=');
        char *label = xstrndup(assets.v[i], (size_t)(eq - assets.v[i]));
        plan_set_asset(&p, label, eq + 1);
        free(label);
    }
    if (rc == REEL_OK)
        plan_validate(&p, &is);
    if (is.n) {
        for (size_t i = 0; i < is.n; i++)
            fprintf(stderr, "%s: %s: %s\n", is.v[i].path, is.v[i].code, is.v[i].message);
        fprintf(stderr, "reel eval: %s is not a valid plan (%zu problem%s)\n", plan_file, is.n,
                is.n == 1 ? "" : "s");
        st = 1;
        goto done;
    }
    if (style_file) {
        rc = json_parse_file(style_file, 1 << 20, &style, &err);
        if (rc == REEL_OK && !json_is_object(style))
            rc = reel_fail(&err, REEL_EINVAL, style_file, "a style file is a JSON object");
        if (rc != REEL_OK) {
            reel_err_prefix(&err, "cannot read the style file");
            st = cli_fail(&err);
            goto done;
        }
    }
    struct eval_opts o = EVAL_OPTS_INIT;
    if (tr_file) {
        rc = json_parse_file(tr_file, 0, &trs, &err);
        if (rc == REEL_OK && !json_is_object(trs))
            rc = reel_fail(&err, REEL_EINVAL, tr_file,
                           "transcripts must be an object mapping asset labels to "
                           "{\"words\": [...]}");
        if (rc == REEL_OK)
            rc = render_caption_cues(&p, trs, &cues, &err);
        if (rc != REEL_OK) {
            reel_err_prefix(&err, "cannot use the transcripts");
            st = cli_fail(&err);
            goto done;
        }
        o.caption_cues = cues;
        if (heard_file) {
            rc = json_parse_file(heard_file, 0, &heard, &err);
            if (rc == REEL_OK && !json_is_array(json_object_get(heard, "words")))
                rc = reel_fail(&err, REEL_EINVAL, heard_file,
                               "a transcript has \"words\": [...] (reel transcribe --json)");
            if (rc != REEL_OK) {
                reel_err_prefix(&err, "cannot use the heard transcript");
                st = cli_fail(&err);
                goto done;
            }
        } else if (!no_hear && render_cues_spoken(cues)) {
            /* hear the render: what its sound says, against the captions */
            struct reel_config cfg;
            config_load(&cfg);
            struct transcribe_opts to = TRANSCRIBE_OPTS_INIT;
            transcribe_opts_from_config(&to, &cfg);
            struct transcript t;
            transcript_init(&t);
            struct reel_err herr = REEL_ERR_INIT;
            if (transcribe_file(render, &to, &t, &herr) == REEL_OK)
                heard = transcript_to_json(&t);
            else
                fprintf(stderr, "reel: the render's sound was not transcribed (%s): its "
                                "captions are not checked against it\n", herr.msg);
            transcript_release(&t);
            config_release(&cfg);
        }
        o.heard = heard;
    }
    o.pace = pace;
    o.style = style;
    o.weights_spec = weights ? weights : getenv("REEL_EVAL_WEIGHTS");
    rc = eval_render(render, &p, &o, &report, &err);
    if (rc != REEL_OK) {
        st = cli_fail(&err);
        goto done;
    }
    struct buf b = BUF_INIT;
    if (as_json) {
        json_dump_buf(report, &b, 1);
        buf_addch(&b, '\n');
    } else {
        eval_report_format(report, &b, cli_isatty(1));
    }
    fwrite(b.buf, 1, b.len, stdout);
    buf_release(&b);
    st = 0;
done:
    json_decref(report);
    json_decref(style);
    json_decref(trs);
    json_decref(cues);
    json_decref(heard);
    plan_issues_release(&is);
    plan_release(&p);
out:
    VEC_FREE(&assets);
    return st;
}
