/* `reel show JOB`: every plan version with its diff, every evaluation, and the decision. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/internal.h"
#include "eval/eval.h"
#include "core/banned.h"

static void short_value(struct buf *out, const json_t *v)
{
    struct buf b = BUF_INIT;
    json_dump_buf(v, &b, 0);
    if (b.len > 90) {
        buf_setlen(&b, 87);
        buf_adds(&b, "...");
    }
    buf_add(out, b.buf, b.len);
    buf_release(&b);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The key of an array element for a keyed diff: its "id", else "<op>#<n>" (the
 * n-th element of that kind without an id); NULL when it is not an object
 * with an "op" or an "id". */
static char *elem_key(const json_t *arr, size_t i)
{
    const json_t *e = json_array_get(arr, i);
    const char *id = json_get_str(e, "id", NULL);
    if (id)
        return xasprintf("%s", id);
    const char *op = json_get_str(e, "op", NULL);
    if (!op)
        return NULL;
    int n = 1;
    for (size_t k = 0; k < i; k++) {
        const json_t *o = json_array_get(arr, k);
        if (!json_get_str(o, "id", NULL) && !strcmp(json_get_str(o, "op", ""), op))
            n++;
    }
    return xasprintf("%s#%d", op, n);
}

static long find_key(const json_t *arr, const char *key)
{
    for (size_t i = 0; i < json_array_size(arr); i++) {
        char *k = elem_key(arr, i);
        int eq = k && !strcmp(k, key);
        free(k);
        if (eq)
            return (long)i;
    }
    return -1;
}

/* Arrays of operations are compared by id (or kind and rank), so inserting
 * one operation shows as one "+", not as every later index changing. Returns
 * 0 when the arrays are not keyed (then they are compared by index). */
static int keyed_diff(const json_t *a, const json_t *b, const char *path, struct buf *out)
{
    size_t na = json_array_size(a), nb = json_array_size(b);
    if (na + nb == 0)
        return 0;
    for (size_t i = 0; i < na; i++) {
        char *k = elem_key(a, i);
        if (!k)
            return 0;
        free(k);
    }
    for (size_t i = 0; i < nb; i++) {
        char *k = elem_key(b, i);
        if (!k)
            return 0;
        free(k);
    }
    char p[256];
    for (size_t i = 0; i < na; i++) {
        char *k = elem_key(a, i);
        snprintf(p, sizeof(p), "%s[%s]", path, k);
        long j = find_key(b, k);
        if (j < 0) {
            buf_addf(out, "- %s: ", p);
            short_value(out, json_array_get(a, i));
            buf_addch(out, '\n');
        } else {
            agent_json_diff(json_array_get(a, i), json_array_get(b, (size_t)j), p, out);
        }
        free(k);
    }
    /* the order of what both sides hold (the storyline's cut order) */
    struct buf oa = BUF_INIT, ob = BUF_INIT;
    for (size_t i = 0; i < na; i++) {
        char *k = elem_key(a, i);
        if (find_key(b, k) >= 0)
            buf_addf(&oa, "%s%s", oa.len ? " " : "", k);
        free(k);
    }
    for (size_t j = 0; j < nb; j++) {
        char *k = elem_key(b, j);
        if (find_key(a, k) >= 0)
            buf_addf(&ob, "%s%s", ob.len ? " " : "", k);
        free(k);
    }
    if (strcmp(oa.buf, ob.buf))
        buf_addf(out, "~ %s order: %s -> %s\n", path, oa.buf, ob.buf);
    buf_release(&oa);
    buf_release(&ob);
    for (size_t j = 0; j < nb; j++) {
        char *k = elem_key(b, j);
        if (find_key(a, k) < 0) {
            snprintf(p, sizeof(p), "%s[%s]", path, k);
            buf_addf(out, "+ %s: ", p);
            short_value(out, json_array_get(b, j));
            buf_addch(out, '\n');
        }
        free(k);
    }
    return 1;
}

void agent_json_diff(const json_t *a, const json_t *b, const char *path, struct buf *out)
{
    char p[256];
    if (json_is_object(a) && json_is_object(b)) {
        /* every key of either side, sorted, so the diff reads the same every time */
        size_t n = json_object_size(a) + json_object_size(b), k = 0;
        const char **keys = xcalloc(n ? n : 1, sizeof(*keys));
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)a, key, v) keys[k++] = key;
        json_object_foreach((json_t *)b, key, v) if (!json_object_get(a, key)) keys[k++] = key;
        qsort(keys, k, sizeof(*keys), cmp_str);
        for (size_t i = 0; i < k; i++) {
            json_path_key(p, sizeof(p), path, keys[i]);
            agent_json_diff(json_object_get(a, keys[i]), json_object_get(b, keys[i]), p, out);
        }
        free(keys);
        return;
    }
    if (json_is_array(a) && json_is_array(b) && keyed_diff(a, b, path, out))
        return;
    if (json_is_array(a) && json_is_array(b)) {
        size_t na = json_array_size(a), nb = json_array_size(b);
        for (size_t i = 0; i < (na > nb ? na : nb); i++) {
            json_path_index(p, sizeof(p), path, i);
            agent_json_diff(json_array_get(a, i), json_array_get(b, i), p, out);
        }
        return;
    }
    if (!a && !b)
        return;
    if (a && b && json_equal((json_t *)a, (json_t *)b))
        return;
    if (!a) {
        buf_addf(out, "+ %s: ", path);
        short_value(out, b);
    } else if (!b) {
        buf_addf(out, "- %s: ", path);
        short_value(out, a);
    } else {
        buf_addf(out, "~ %s: ", path);
        short_value(out, a);
        buf_adds(out, " -> ");
        short_value(out, b);
    }
    buf_addch(out, '\n');
}

static json_t *lines_to_json(const char *text)
{
    json_t *a = json_array();
    const char *s = text;
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        json_array_append_new(a, json_stringn(s, n));
        s += n + (nl ? 1 : 0);
    }
    return a;
}

enum reel_code agent_show_json(struct store *st, const char *id, json_t **out, struct reel_err *err)
{
    json_t *o = json_object(), *stages = NULL;
    struct store_plan_list pl = {0};
    enum reel_code rc = store_stage_all(st, id, &stages, err);
    if (!rc)
        rc = store_plan_list(st, id, &pl, err);
    if (rc)
        goto out;
    json_t *versions = json_array();
    for (size_t i = 0; i < pl.n; i++) {
        int v = pl.v[i].version;
        json_t *ver = json_pack("{s:i, s:s, s:O, s:s?}", "version", v, "id", pl.v[i].id, "plan",
                                pl.v[i].plan_data, "llm_model", pl.v[i].llm_model);
        if (pl.v[i].prompt_tokens >= 0)
            json_object_set_new(ver, "prompt_tokens", json_integer(pl.v[i].prompt_tokens));
        if (pl.v[i].completion_tokens >= 0)
            json_object_set_new(ver, "completion_tokens", json_integer(pl.v[i].completion_tokens));
        if (pl.v[i].feedback)
            json_object_set(ver, "feedback", pl.v[i].feedback);
        if (i > 0) {
            struct buf d = BUF_INIT;
            agent_json_diff(pl.v[i - 1].plan_data, pl.v[i].plan_data, "$", &d);
            json_object_set_new(ver, "diff", lines_to_json(d.buf));
            buf_release(&d);
        }
        const char *names[] = {"plan", "validate", "render", "evaluate"};
        for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
            char key[32];
            snprintf(key, sizeof(key), "%s/%d", names[k], v);
            json_t *r = json_object_get(stages, key);
            if (r)
                json_object_set(ver, k ? names[k] : "planner", r);
        }
        json_array_append_new(versions, ver);
    }
    /* what the models cost this job, over every version (price table: planner_cost_usd) */
    double cost = 0;
    json_int_t pt = 0, ct = 0;
    const char *model = NULL;
    size_t vi;
    json_t *ver;
    json_array_foreach(versions, vi, ver)
    {
        const json_t *pr = json_object_get(ver, "planner");
        if (!pr || strcmp(json_get_str(pr, "strategy", ""), "llm"))
            continue;
        model = json_get_str(pr, "model", model);
        cost += json_get_num(pr, "cost_usd", 0);
        pt += json_get_int(pr, "prompt_tokens", 0);
        ct += json_get_int(pr, "completion_tokens", 0);
    }
    if (model)
        json_object_set_new(o, "llm",
                            json_pack("{s:s, s:I, s:I, s:f}", "model", model, "prompt_tokens",
                                      (json_int_t)pt, "completion_tokens", (json_int_t)ct,
                                      "cost_usd", cost));
    json_object_set_new(o, "versions", versions);
    json_t *d = json_object_get(stages, "decide");
    if (d)
        json_object_set(o, "decision", d);
out:
    store_plan_list_release(&pl);
    json_decref(stages);
    if (rc)
        json_decref(o);
    else
        *out = o;
    return rc;
}

void agent_show_print(FILE *f, const json_t *o, int color)
{
    const char *bold = color ? "\033[1m" : "", *red = color ? "\033[31m" : "",
               *green = color ? "\033[32m" : "", *yellow = color ? "\033[33m" : "",
               *off = color ? "\033[0m" : "";
    size_t i;
    json_t *ver;
    json_array_foreach(json_object_get(o, "versions"), i, ver)
    {
        int v = (int)json_get_int(ver, "version", 0);
        const json_t *plan = json_object_get(ver, "plan");
        fprintf(f, "\n%splan v%d%s  %zu operations", bold, v, off,
                json_array_size(json_object_get(plan, "operations")));
        const json_t *pr = json_object_get(ver, "planner");
        if (json_get_str(pr, "strategy", NULL))
            fprintf(f, ", planner %s", json_get_str(pr, "strategy", ""));
        if (json_get_str(ver, "llm_model", NULL))
            fprintf(f, " (%s, %lld+%lld tokens)", json_get_str(ver, "llm_model", ""),
                    json_get_int(ver, "prompt_tokens", 0),
                    json_get_int(ver, "completion_tokens", 0));
        fputc('\n', f);
        const json_t *ex = json_object_get(pr, "explain");
        if (ex && v == 1) {
            struct buf eb = BUF_INIT;
            planner_brief_explain_text(ex, &eb);
            if (eb.len)
                fprintf(f, "  the brief, phrase by phrase:\n%s", eb.buf);
            buf_release(&eb);
        }
        json_t *diff = json_object_get(ver, "diff");
        if (diff) {
            size_t k;
            json_t *line;
            fprintf(f, "  changes from v%d:%s\n", v - 1, json_array_size(diff) ? "" : " none");
            json_array_foreach(diff, k, line)
            {
                const char *l = json_string_value(line);
                const char *c = l[0] == '+' ? green : l[0] == '-' ? red : yellow;
                fprintf(f, "    %s%s%s\n", c, l, off);
            }
        }
        const json_t *val = json_object_get(ver, "validate");
        if (val) {
            if (json_is_true(json_object_get(val, "valid")))
                fprintf(f, "  validate  valid\n");
            else {
                size_t k;
                json_t *is;
                fprintf(f, "  validate  %sinvalid%s\n", red, off);
                json_array_foreach(json_object_get(val, "issues"), k, is)
                    fprintf(f, "    %s: %s: %s\n", json_get_str(is, "path", ""),
                            json_get_str(is, "code", ""), json_get_str(is, "message", ""));
            }
        }
        const json_t *ren = json_object_get(ver, "render");
        if (ren) {
            const json_t *ff = json_object_get(ren, "ffmpeg");
            if (json_is_true(json_object_get(ren, "ok")))
                fprintf(f, "  render    %s (%.2f s, ffmpeg %.1f s, sha256 %.16s...)\n",
                        json_get_str(ren, "path", ""), json_get_num(ren, "duration", 0),
                        json_get_int(ff, "render_time_ms", 0) / 1000.0,
                        json_get_str(ren, "sha256", ""));
            else
                fprintf(f, "  render    %sfailed%s: %s\n", red, off,
                        json_get_str(ren, "error", "?"));
        }
        const json_t *ev = json_object_get(ver, "evaluate");
        if (ev) {
            int golden = json_get_bool(ev, "golden", 0);
            fprintf(f, "  evaluate  score %.3f  %s%s%s\n", json_get_num(ev, "score", 0),
                    golden ? green : yellow, golden ? "golden" : "not golden", off);
            const json_t *report = json_object_get(ev, "report");
            struct buf rb = BUF_INIT;
            eval_report_format(report, &rb, color);
            const char *s = rb.buf;
            while (*s) {
                const char *nl = strchr(s, '\n');
                size_t n = nl ? (size_t)(nl - s) : strlen(s);
                fprintf(f, "    %.*s\n", (int)n, s);
                s += n + (nl ? 1 : 0);
            }
            buf_release(&rb);
            size_t k;
            json_t *pb;
            json_array_foreach(json_object_get(json_object_get(ev, "brief_check"), "problems"), k,
                               pb)
                fprintf(f, "    %sbrief%s: %s\n", red, off, json_string_value(pb));
        }
    }
    const json_t *llm = json_object_get(o, "llm");
    if (llm)
        fprintf(f, "\n%smodel%s    %s, %lld prompt + %lld completion tokens, $%.4f\n", bold, off,
                json_get_str(llm, "model", ""), json_get_int(llm, "prompt_tokens", 0),
                json_get_int(llm, "completion_tokens", 0), json_get_num(llm, "cost_usd", 0));
    const json_t *d = json_object_get(o, "decision");
    if (d) {
        const char *st = json_get_str(d, "status", "");
        const char *sc = !strcmp(st, "completed") ? green : !strcmp(st, "failed") ? red : yellow;
        fprintf(f, "\n%sdecision%s %s%s%s: %s\n", bold, off, sc, st, off,
                json_get_str(d, "reason", ""));
        if (json_get_str(d, "output", NULL))
            fprintf(f, "output   %s\n", json_get_str(d, "output", ""));
        if (json_get_str(d, "golden_path", NULL))
            fprintf(f, "golden   %s\n", json_get_str(d, "golden_path", ""));
        else if (json_get_str(d, "render", NULL))
            fprintf(f, "best     %s\n", json_get_str(d, "render", ""));
    }
}
