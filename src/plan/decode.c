/*
 * EditPlan decoding: JSON -> struct plan, checking every key, type and
 * range, filling defaults. Problems are collected, never fatal: decoding
 * goes on with the default in place of a bad value so that one run reports
 * everything. Cross-field rules that need the assets live in validate.c.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

const struct plan_fps_entry plan_fps_table[8] = {
    {23.976, 24000, 1001}, {24, 24, 1}, {25, 25, 1},          {29.97, 30000, 1001},
    {30, 30, 1},           {50, 50, 1}, {59.94, 60000, 1001}, {60, 60, 1},
};

/* ---- issues ---- */

void plan_issues_add(struct plan_issues *is, const char *path, const char *code, const char *fmt,
                     ...)
{
    /* whether a part of the plan is sound is judged by `seen` moving: it
     * moves past the cap too (an op decoded after the cap with a missing
     * asset was taken as sound, and the validator read its asset) */
    is->seen++;
    if (is->n > PLAN_MAX_ISSUES)
        return;
    if (is->n == is->cap) {
        is->cap = is->cap ? 2 * is->cap : 16;
        is->v = xrealloc(is->v, is->cap * sizeof(*is->v));
    }
    struct plan_issue *it = &is->v[is->n++];
    if (is->n > PLAN_MAX_ISSUES) {
        snprintf(it->path, sizeof(it->path), "$");
        snprintf(it->code, sizeof(it->code), "too_large");
        snprintf(it->message, sizeof(it->message),
                 "more than %d problems were found; fix these and validate again", PLAN_MAX_ISSUES);
        return;
    }
    snprintf(it->path, sizeof(it->path), "%s", path ? path : "$");
    snprintf(it->code, sizeof(it->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->message, sizeof(it->message), fmt, ap);
    va_end(ap);
}

void plan_issues_release(struct plan_issues *is)
{
    free(is->v);
    is->v = NULL;
    is->n = is->cap = is->seen = 0;
}

json_t *plan_issues_to_json(const struct plan_issues *is)
{
    json_t *a = json_array();
    for (size_t i = 0; i < is->n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "path", json_string(is->v[i].path));
        json_object_set_new(o, "code", json_string(is->v[i].code));
        json_object_set_new(o, "message", json_string(is->v[i].message));
        json_array_append_new(a, o);
    }
    return a;
}

/* ---- lifecycle ---- */

void plan_init(struct plan *p)
{
    memset(p, 0, sizeof(*p));
}

static void op_release(struct plan_op *op)
{
    free(op->id);
    free(op->asset);
    free(op->after);
    free(op->text);
    free(op->style.font);
    for (size_t i = 0; i < op->ncues; i++)
        free(op->cues[i].text);
    free(op->cues);
    free(op->lut);
}

void plan_release(struct plan *p)
{
    free(p->title);
    free(p->notes);
    free(p->output.preset);
    for (size_t i = 0; i < p->nops; i++)
        op_release(&p->ops[i]);
    free(p->ops);
    for (size_t i = 0; i < p->nassets; i++) {
        free(p->assets[i].label);
        free(p->assets[i].path);
    }
    free(p->assets);
    free(p->base_dir);
    plan_init(p);
}

/* ---- assets ---- */

struct plan_asset *plan_find_asset(const struct plan *p, const char *label)
{
    if (!label)
        return NULL;
    for (size_t i = 0; i < p->nassets; i++)
        if (!strcmp(p->assets[i].label, label))
            return &p->assets[i];
    return NULL;
}

static int is_url(const char *s)
{
    return strstr(s, "://") != NULL;
}

static char *resolve_path(const char *base, const char *path)
{
    if (!base || !*base || path[0] == '/' || is_url(path))
        return xstrdup(path);
    return xasprintf("%s/%s", base, path);
}

static struct plan_asset *asset_slot(struct plan *p, const char *label)
{
    struct plan_asset *a = plan_find_asset(p, label);
    if (a) {
        free(a->path);
        a->path = NULL;
    } else {
        p->assets = xrealloc(p->assets, (p->nassets + 1) * sizeof(*p->assets));
        a = &p->assets[p->nassets++];
        memset(a, 0, sizeof(*a));
        a->label = xstrdup(label);
    }
    memset(&a->info, 0, sizeof(a->info));
    a->probed = a->probe_failed = a->from_plan = 0;
    return a;
}

void plan_set_asset(struct plan *p, const char *label, const char *path)
{
    struct plan_asset *a = asset_slot(p, label);
    a->path = xstrdup(path);
}

void plan_set_asset_info(struct plan *p, const char *label, const char *path,
                         const struct media_info *info)
{
    struct plan_asset *a = asset_slot(p, label);
    a->path = path ? xstrdup(path) : NULL;
    a->info = *info;
    a->probed = 1;
}

/* From the plan's own "assets": never replaces a label the caller gave. */
static void plan_add_plan_asset(struct plan *p, const char *label, const char *path)
{
    if (plan_find_asset(p, label))
        return;
    struct plan_asset *a = asset_slot(p, label);
    a->path = resolve_path(p->base_dir, path);
    a->from_plan = 1;
}

void plan_set_base_dir(struct plan *p, const char *dir)
{
    char *old = p->base_dir;
    p->base_dir = dir && *dir ? xstrdup(dir) : NULL;
    size_t oldlen = old ? strlen(old) : 0;
    for (size_t i = 0; i < p->nassets; i++) {
        struct plan_asset *a = &p->assets[i];
        if (!a->from_plan || !a->path)
            continue;
        const char *rel = a->path;
        if (old && !strncmp(rel, old, oldlen) && rel[oldlen] == '/')
            rel += oldlen + 1;
        char *np = resolve_path(p->base_dir, rel);
        free(a->path);
        a->path = np;
        a->probed = a->probe_failed = 0;
    }
    free(old);
}

/* ---- names ---- */

static const char *const op_names[] = {"cut",   "transition", "overlay", "text", "captions",
                                       "audio", "color",      "fade",    NULL};
static const char *const transition_names[] = {
    "crossfade",  "fade_black", "fade_white",  "wipe_left", "wipe_right",
    "slide_left", "slide_up",   "circle_open", "dissolve",  NULL};
static const char *const fit_names[] = {"cover", "contain", "stretch", NULL};
static const char *const anchor_names[] = {"top-left",     "top",   "top-right",   "left",
                                           "center",       "right", "bottom-left", "bottom",
                                           "bottom-right", NULL};
static const char *const caption_pos_names[] = {"bottom", "center", "top", NULL};
static const enum plan_anchor caption_pos_anchor[] = {POS_BOTTOM, POS_CENTER, POS_TOP};
static const char *const vcodec_names[] = {"h264", "hevc", "vp9", "av1", NULL};
static const char *const acodec_names[] = {"aac", "opus", NULL};
static const char *const container_names[] = {"mp4", "mov", "mkv", "webm", NULL};
static const char *const aspect_names[] = {"16:9", "9:16", "1:1", "4:5", NULL};
static const char *const preset_names[] = {"ultrafast", "superfast", "veryfast", "faster",   "fast",
                                           "medium",    "slow",      "slower",   "veryslow", NULL};
static const char *const source_names[] = {"transcript", "cues", NULL};
static const char *const fade_kind_names[] = {"in", "out", NULL};
static const char *const duck_under_names[] = {"speech", NULL};

const char *plan_op_kind_name(enum plan_op_kind k)
{
    return (unsigned)k < ARRAY_SIZE(op_names) - 1 ? op_names[k] : "?";
}
const char *plan_transition_name(enum plan_transition_kind k)
{
    return (unsigned)k < ARRAY_SIZE(transition_names) - 1 ? transition_names[k] : "?";
}
const char *plan_fit_name(enum plan_fit f)
{
    return (unsigned)f < ARRAY_SIZE(fit_names) - 1 ? fit_names[f] : "?";
}
const char *plan_anchor_name(enum plan_anchor a)
{
    return (unsigned)a < ARRAY_SIZE(anchor_names) - 1 ? anchor_names[a] : "xy";
}
const char *plan_vcodec_name(enum plan_vcodec c)
{
    return (unsigned)c < ARRAY_SIZE(vcodec_names) - 1 ? vcodec_names[c] : "?";
}
const char *plan_acodec_name(enum plan_acodec c)
{
    return (unsigned)c < ARRAY_SIZE(acodec_names) - 1 ? acodec_names[c] : "?";
}
const char *plan_container_name(enum plan_container c)
{
    return (unsigned)c < ARRAY_SIZE(container_names) - 1 ? container_names[c] : "?";
}

/* ---- typed field readers ---- */

struct dec {
    struct plan_issues *is;
    size_t errors_at_start;
};

enum { F_ABSENT = 0, F_OK = 1, F_NULL = 2, F_BAD = -1 };

#define PATHLEN 160

static void kpath(char *dst, const char *base, const char *key)
{
    snprintf(dst, PATHLEN, "%s.%s", base, key);
}

static const char *type_word(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}

static void list_words(char *dst, size_t n, const char *const *names)
{
    size_t used = 0;
    dst[0] = 0;
    for (size_t i = 0; names[i] && used < n; i++)
        used += snprintf(dst + used, n - used, "%s%s", i ? ", " : "", names[i]);
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40)
        return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* Report every key of obj not in allowed (NULL-terminated). */
static void check_keys(struct dec *d, const json_t *obj, const char *base, const char *what,
                       const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        int ok = 0;
        const char *near = NULL;
        size_t best = 3;
        for (size_t i = 0; allowed[i]; i++) {
            if (!strcmp(key, allowed[i])) {
                ok = 1;
                break;
            }
            size_t e = edit_distance(key, allowed[i]);
            if (e > 1 && strlen(key) >= 3 &&
                (starts_with(allowed[i], key) || starts_with(key, allowed[i])))
                e = 1;
            if (e < best)
                best = e, near = allowed[i];
        }
        if (ok)
            continue;
        char path[PATHLEN], list[400];
        kpath(path, base, key);
        list_words(list, sizeof(list), allowed);
        if (near)
            plan_issues_add(d->is, path, "unknown_key",
                            "%s has no key '%.40s' (did you mean '%s'?); its keys are: %s", what,
                            key, near, list);
        else
            plan_issues_add(d->is, path, "unknown_key", "%s has no key '%.40s'; its keys are: %s",
                            what, key, list);
    }
}

static int field(const json_t *obj, const char *key, json_t **v)
{
    *v = json_object_get(obj, key);
    if (!*v)
        return F_ABSENT;
    if (json_is_null(*v))
        return F_NULL;
    return F_OK;
}

#define NUM_LO_EXCL 1
#define NUM_HI_EXCL 2
#define NUM_INT 4

static int get_num(struct dec *d, const json_t *obj, const char *base, const char *key, double lo,
                   double hi, int flags, double *out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN];
    kpath(path, base, key);
    if (!json_is_number(v)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be %s, not %s", key,
                        flags & NUM_INT ? "a whole number" : "a number", type_word(v));
        return F_BAD;
    }
    double x = json_number_value(v);
    if (!isfinite(x)) {
        plan_issues_add(d->is, path, "out_of_range", "'%s' is not a finite number", key);
        return F_BAD;
    }
    if ((flags & NUM_INT) && x != floor(x)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be a whole number, not %g", key, x);
        return F_BAD;
    }
    int low = (flags & NUM_LO_EXCL) ? x <= lo : x < lo;
    int high = (flags & NUM_HI_EXCL) ? x >= hi : x > hi;
    if (low || high) {
        char lo_s[80], hi_s[80];
        snprintf(lo_s, sizeof(lo_s), "%s %g", (flags & NUM_LO_EXCL) ? "greater than" : "at least",
                 lo);
        snprintf(hi_s, sizeof(hi_s), "%s %g", (flags & NUM_HI_EXCL) ? "less than" : "at most", hi);
        plan_issues_add(d->is, path, "out_of_range",
                        "'%s' is %g, out of range: it must be %s and %s", key, x, lo_s, hi_s);
        return F_BAD;
    }
    *out = x;
    return F_OK;
}

static int get_int(struct dec *d, const json_t *obj, const char *base, const char *key, long lo,
                   long hi, int *out)
{
    double x;
    int r = get_num(d, obj, base, key, (double)lo, (double)hi, NUM_INT, &x);
    if (r == F_OK)
        *out = (int)x;
    return r;
}

static int get_bool(struct dec *d, const json_t *obj, const char *base, const char *key, int *out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    if (!json_is_boolean(v)) {
        char path[PATHLEN];
        kpath(path, base, key);
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be true or false, not %s", key,
                        type_word(v));
        return F_BAD;
    }
    *out = json_is_true(v);
    return F_OK;
}

/* A string of minlen..maxlen code points; *out borrows from the JSON. */
static int get_str(struct dec *d, const json_t *obj, const char *base, const char *key,
                   size_t minlen, size_t maxlen, const char **out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN];
    kpath(path, base, key);
    if (!json_is_string(v)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be a string, not %s", key,
                        type_word(v));
        return F_BAD;
    }
    const char *s = json_string_value(v);
    size_t blen = json_string_length(v);
    if (strlen(s) != blen || !utf8_valid(s, blen)) {
        plan_issues_add(d->is, path, "bad_value", "'%s' must be UTF-8 text without NUL bytes", key);
        return F_BAD;
    }
    size_t n = utf8_len(s);
    if (n < minlen) {
        plan_issues_add(d->is, path, "bad_value", "'%s' must not be empty", key);
        return F_BAD;
    }
    if (n > maxlen) {
        plan_issues_add(d->is, path, "too_long",
                        "'%s' is %zu characters long; at most %zu are allowed", key, n, maxlen);
        return F_BAD;
    }
    *out = s;
    return F_OK;
}

static int get_enum(struct dec *d, const json_t *obj, const char *base, const char *key,
                    const char *const *names, int *out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN], list[400];
    kpath(path, base, key);
    list_words(list, sizeof(list), names);
    if (!json_is_string(v)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be a string (one of: %s), not %s",
                        key, list, type_word(v));
        return F_BAD;
    }
    const char *s = json_string_value(v);
    for (int i = 0; names[i]; i++)
        if (!strcmp(s, names[i])) {
            *out = i;
            return F_OK;
        }
    plan_issues_add(d->is, path, "bad_value", "'%s' is \"%.60s\"; it must be one of: %s", key, s,
                    list);
    return F_BAD;
}

int plan_label_valid(const char *s, size_t n)
{
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int label_ok(const char *s)
{
    return plan_label_valid(s, strlen(s));
}

static int id_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.' ||
              s[i] == ':'))
            return 0;
    return 1;
}

/* An asset label (or an op id when is_id): *out gets a copy. */
static int get_name(struct dec *d, const json_t *obj, const char *base, const char *key, int is_id,
                    char **out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN];
    kpath(path, base, key);
    if (!json_is_string(v)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be a string, not %s", key,
                        type_word(v));
        return F_BAD;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v) || !(is_id ? id_ok(s) : label_ok(s))) {
        plan_issues_add(d->is, path, "bad_value",
                        is_id ? "'%s' must be an id of 1 to 64 letters, digits and _ - . : "
                                "(not \"%.60s\")"
                              : "'%s' must be an asset label of 1 to 64 characters a-z 0-9 _ - "
                                "(not \"%.60s\")",
                        key, s);
        return F_BAD;
    }
    *out = xstrdup(s);
    return F_OK;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "#RRGGBB" or (alpha) "#RRGGBBAA". F_NULL leaves *out alone. */
static int get_color(struct dec *d, const json_t *obj, const char *base, const char *key, int alpha,
                     struct plan_color *out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN];
    kpath(path, base, key);
    if (!json_is_string(v)) {
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be a colour string, not %s", key,
                        type_word(v));
        return F_BAD;
    }
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    int ok = s[0] == '#' && (n == 7 || (alpha && n == 9));
    for (size_t i = 1; ok && i < n; i++)
        ok = hexval(s[i]) >= 0;
    if (!ok) {
        plan_issues_add(d->is, path, "bad_value", "'%s' is \"%.40s\"; a colour is written %s", key,
                        s, alpha ? "#RRGGBB or #RRGGBBAA (hex)" : "#RRGGBB (hex)");
        return F_BAD;
    }
    out->set = 1;
    out->r = (unsigned char)(hexval(s[1]) * 16 + hexval(s[2]));
    out->g = (unsigned char)(hexval(s[3]) * 16 + hexval(s[4]));
    out->b = (unsigned char)(hexval(s[5]) * 16 + hexval(s[6]));
    out->a = n == 9 ? (unsigned char)(hexval(s[7]) * 16 + hexval(s[8])) : 255;
    return F_OK;
}

static int get_obj(struct dec *d, const json_t *obj, const char *base, const char *key,
                   json_t **out)
{
    int r = field(obj, key, out);
    if (r != F_OK)
        return r;
    if (!json_is_object(*out)) {
        char path[PATHLEN];
        kpath(path, base, key);
        plan_issues_add(d->is, path, "wrong_type", "'%s' must be an object, not %s", key,
                        type_word(*out));
        return F_BAD;
    }
    return F_OK;
}

static void missing(struct dec *d, const char *base, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void missing(struct dec *d, const char *base, const char *key, const char *fmt, ...)
{
    char path[PATHLEN], msg[300];
    kpath(path, base, key);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    plan_issues_add(d->is, path, "required", "%s", msg);
}

static void color_set(struct plan_color *c, unsigned r, unsigned g, unsigned b)
{
    c->set = 1, c->r = (unsigned char)r, c->g = (unsigned char)g, c->b = (unsigned char)b,
    c->a = 255;
}

/* ---- pieces ---- */

static int get_position(struct dec *d, const json_t *obj, const char *base, const char *key,
                        struct plan_position *out)
{
    json_t *v;
    int r = field(obj, key, &v);
    if (r != F_OK)
        return r;
    char path[PATHLEN];
    kpath(path, base, key);
    if (json_is_object(v)) {
        static const char *const keys[] = {"x", "y", NULL};
        size_t before = d->is->seen;
        check_keys(d, v, path, "a position", keys);
        double x = 0.5, y = 0.5;
        int rx = get_num(d, v, path, "x", 0, 1, 0, &x);
        int ry = get_num(d, v, path, "y", 0, 1, 0, &y);
        if (rx == F_ABSENT || rx == F_NULL)
            missing(d, path, "x", "a position object needs 'x' (0..1, left to right)");
        if (ry == F_ABSENT || ry == F_NULL)
            missing(d, path, "y", "a position object needs 'y' (0..1, top to bottom)");
        if (d->is->seen != before)
            return F_BAD;
        out->anchor = POS_XY, out->x = x, out->y = y;
        return F_OK;
    }
    int a;
    if (json_is_string(v)) {
        r = get_enum(d, obj, base, key, anchor_names, &a);
        if (r == F_OK)
            out->anchor = (enum plan_anchor)a;
        return r;
    }
    plan_issues_add(d->is, path, "wrong_type",
                    "'%s' must be an anchor name (top-left, top, ..., center, ..., bottom-right) "
                    "or an object {x, y}, not %s",
                    key, type_word(v));
    return F_BAD;
}

static void style_defaults(struct plan_text_style *st)
{
    st->font = xstrdup("DejaVu Sans");
    st->size = 0.06;
    color_set(&st->color, 255, 255, 255);
    color_set(&st->outline, 0, 0, 0);
    memset(&st->box, 0, sizeof(st->box));
    st->max_chars_per_line = 42;
    st->max_lines = 2;
    memset(&st->highlight, 0, sizeof(st->highlight));
}

static int decode_style(struct dec *d, const json_t *obj, const char *base, int captions,
                        struct plan_text_style *st)
{
    json_t *s;
    int r = get_obj(d, obj, base, "style", &s);
    if (r != F_OK)
        return r == F_BAD ? F_BAD : F_OK;
    char path[PATHLEN];
    kpath(path, base, "style");
    static const char *const text_keys[] = {"font", "size", "color", "outline", "box", NULL};
    static const char *const cap_keys[] = {"font",      "size",      "color",
                                           "outline",   "box",       "max_chars_per_line",
                                           "max_lines", "highlight", NULL};
    size_t before = d->is->seen;
    check_keys(d, s, path, captions ? "a captions style" : "a text style",
               captions ? cap_keys : text_keys);
    const char *font;
    if (get_str(d, s, path, "font", 1, 100, &font) == F_OK) {
        free(st->font);
        st->font = xstrdup(font);
    }
    get_num(d, s, path, "size", 0, 1, NUM_LO_EXCL, &st->size);
    get_color(d, s, path, "color", 1, &st->color);
    if (get_color(d, s, path, "outline", 1, &st->outline) == F_NULL)
        st->outline.set = 0;
    get_color(d, s, path, "box", 1, &st->box); /* null: none, the default */
    if (captions) {
        get_int(d, s, path, "max_chars_per_line", 10, 100, &st->max_chars_per_line);
        get_int(d, s, path, "max_lines", 1, 5, &st->max_lines);
        get_color(d, s, path, "highlight", 1, &st->highlight);
    }
    return d->is->seen == before ? F_OK : F_BAD;
}

/* start/end of a connected op; end null or absent: until the end (-1). */
static void decode_span(struct dec *d, const json_t *o, const char *base, struct plan_op *op)
{
    get_num(d, o, base, "start", 0, PLAN_MAX_TIME, 0, &op->start);
    double end;
    if (get_num(d, o, base, "end", 0, PLAN_MAX_TIME, 0, &end) == F_OK) {
        if (end <= op->start) {
            char path[PATHLEN];
            kpath(path, base, "end");
            plan_issues_add(d->is, path, "out_of_range",
                            "end %.2f must be after start %.2f (or null: until the end of the "
                            "timeline)",
                            end, op->start);
        } else {
            op->end = end;
        }
    }
}

static void op_defaults(struct plan_op *op, enum plan_op_kind k)
{
    memset(op, 0, sizeof(*op));
    op->kind = k;
    op->in = k == OP_CUT ? -1 : 0;
    op->out = -1;
    op->duration = (k == OP_TRANSITION || k == OP_FADE) ? 0.5 : -1;
    op->speed = 1.0;
    op->fit = FIT_COVER;
    op->focus_x = op->focus_y = 0.5;
    op->transition = TR_CROSSFADE;
    op->end = -1;
    op->position.anchor = k == OP_CAPTIONS ? POS_BOTTOM : POS_CENTER;
    op->position.x = op->position.y = 0.5;
    op->width = 1.0;
    op->margin = 0.03;
    op->opacity = 1.0;
    op->source_transcript = 1;
    op->duck_amount_db = -10;
    op->contrast = op->saturation = op->gamma = 1.0;
    if (k == OP_TEXT || k == OP_CAPTIONS)
        style_defaults(&op->style);
}

static void decode_cues(struct dec *d, const json_t *o, const char *base, struct plan_op *op)
{
    json_t *cues = json_object_get(o, "cues");
    char path[PATHLEN];
    kpath(path, base, "cues");
    if (!cues || json_is_null(cues))
        return;
    if (!json_is_array(cues)) {
        plan_issues_add(d->is, path, "wrong_type",
                        "'cues' must be an array of {start, end, text}, "
                        "not %s",
                        type_word(cues));
        return;
    }
    size_t n = json_array_size(cues);
    if (n > PLAN_MAX_CUES) {
        plan_issues_add(d->is, path, "too_long", "there are %zu cues; at most %d are allowed", n,
                        PLAN_MAX_CUES);
        return;
    }
    op->cues = xcalloc(n ? n : 1, sizeof(*op->cues));
    double prev_end = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(cues, i);
        char cp[PATHLEN];
        snprintf(cp, sizeof(cp), "%s[%zu]", path, i);
        if (!json_is_object(c)) {
            plan_issues_add(d->is, cp, "wrong_type",
                            "a cue must be an object {start, end, text}, not %s", type_word(c));
            continue;
        }
        static const char *const keys[] = {"start", "end", "text", NULL};
        check_keys(d, c, cp, "a cue", keys);
        struct plan_cue cue = {-1, -1, NULL};
        int rs = get_num(d, c, cp, "start", 0, PLAN_MAX_TIME, 0, &cue.start);
        int re = get_num(d, c, cp, "end", 0, PLAN_MAX_TIME, 0, &cue.end);
        const char *text = NULL;
        int rt = get_str(d, c, cp, "text", 1, 500, &text);
        if (rs == F_ABSENT || rs == F_NULL)
            missing(d, cp, "start", "a cue needs 'start' (timeline seconds)");
        if (re == F_ABSENT || re == F_NULL)
            missing(d, cp, "end", "a cue needs 'end' (timeline seconds)");
        if (rt == F_ABSENT || rt == F_NULL)
            missing(d, cp, "text", "a cue needs 'text' (1 to 500 characters)");
        if (rs == F_OK && re == F_OK) {
            char ep[PATHLEN];
            if (cue.end <= cue.start) {
                kpath(ep, cp, "end");
                plan_issues_add(d->is, ep, "out_of_range",
                                "cue end %.2f must be after its start "
                                "%.2f",
                                cue.end, cue.start);
            } else if (cue.start < prev_end) {
                kpath(ep, cp, "start");
                plan_issues_add(d->is, ep, "overlap",
                                "this cue starts at %.2f s, before the previous cue ends (%.2f s); "
                                "cues must be in time order without overlapping",
                                cue.start, prev_end);
            }
            if (cue.end > prev_end)
                prev_end = cue.end;
        }
        cue.text = xstrdup(text ? text : "");
        op->cues[op->ncues++] = cue;
    }
}

static const char *const cut_keys[] = {"op",    "id",        "asset", "in",  "out",   "duration",
                                       "speed", "volume_db", "mute",  "fit", "focus", NULL};
static const char *const transition_keys[] = {"op", "id", "after", "kind", "duration", NULL};
static const char *const overlay_keys[] = {"op",       "id",    "asset",  "start",   "end",   "in",
                                           "position", "width", "margin", "opacity", "audio", NULL};
static const char *const text_keys[] = {"op",  "id",       "text",  "start",
                                        "end", "position", "style", NULL};
static const char *const captions_keys[] = {"op",    "id",       "source", "cues",
                                            "style", "position", NULL};
static const char *const audio_keys[] = {"op",        "id",   "asset",   "start",    "end",  "in",
                                         "volume_db", "loop", "fade_in", "fade_out", "duck", NULL};
static const char *const color_keys[] = {"op",       "id",         "start", "end", "brightness",
                                         "contrast", "saturation", "gamma", "lut", NULL};
static const char *const fade_keys[] = {"op", "id", "kind", "duration", NULL};

static void decode_op(struct dec *d, const json_t *o, const char *base, struct plan_op *op)
{
    size_t before = d->is->seen;
    int k = 0;
    op_defaults(op, OP_CUT);
    if (!json_is_object(o)) {
        plan_issues_add(d->is, base, "wrong_type",
                        "an operation must be an object with \"op\", "
                        "not %s",
                        type_word(o));
        op->bad = 1;
        return;
    }
    int r = get_enum(d, o, base, "op", op_names, &k);
    if (r != F_OK) {
        if (r != F_BAD)
            missing(d, base, "op",
                    "every operation needs \"op\": one of cut, transition, "
                    "overlay, text, captions, audio, color, fade");
        op->bad = 1;
        return;
    }
    op_defaults(op, (enum plan_op_kind)k);
    static const char *const *const keysets[] = {cut_keys,   transition_keys, overlay_keys,
                                                 text_keys,  captions_keys,   audio_keys,
                                                 color_keys, fade_keys};
    char what[40];
    snprintf(what, sizeof(what), "a %s operation", op_names[k]);
    check_keys(d, o, base, what, keysets[k]);
    get_name(d, o, base, "id", 1, &op->id);

    int ri, ro, rd;
    switch (op->kind) {
    case OP_CUT:
        r = get_name(d, o, base, "asset", 0, &op->asset);
        if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "asset", "a cut needs 'asset': the label of a video or image asset");
        ri = get_num(d, o, base, "in", 0, PLAN_MAX_TIME, 0, &op->in);
        ro = get_num(d, o, base, "out", 0, PLAN_MAX_TIME, 0, &op->out);
        rd = get_num(d, o, base, "duration", 0, PLAN_MAX_TIME, NUM_LO_EXCL, &op->duration);
        if (ri == F_OK && ro == F_OK && op->out <= op->in) {
            char path[PATHLEN];
            kpath(path, base, "out");
            plan_issues_add(
                d->is, path, "out_of_range",
                "out %.2f must be after in %.2f (a cut plays the source from in to out)", op->out,
                op->in);
        }
        if (rd == F_OK && (ri == F_OK || ro == F_OK)) {
            char path[PATHLEN];
            kpath(path, base, "duration");
            plan_issues_add(d->is, path, "bad_value",
                            "give either 'duration' (image cuts) or 'in' and 'out' (video cuts), "
                            "not both");
        }
        get_num(d, o, base, "speed", 0.25, 4, 0, &op->speed);
        get_num(d, o, base, "volume_db", -60, 12, 0, &op->volume_db);
        get_bool(d, o, base, "mute", &op->mute);
        {
            int f = op->fit;
            if (get_enum(d, o, base, "fit", fit_names, &f) == F_OK)
                op->fit = (enum plan_fit)f;
        }
        {
            json_t *fo;
            if (get_obj(d, o, base, "focus", &fo) == F_OK) {
                char fp[PATHLEN];
                kpath(fp, base, "focus");
                static const char *const fkeys[] = {"x", "y", NULL};
                check_keys(d, fo, fp, "focus", fkeys);
                int rx = get_num(d, fo, fp, "x", 0, 1, 0, &op->focus_x);
                int ry = get_num(d, fo, fp, "y", 0, 1, 0, &op->focus_y);
                if (rx == F_ABSENT || rx == F_NULL)
                    missing(d, fp, "x", "focus needs 'x' (0..1, left to right)");
                if (ry == F_ABSENT || ry == F_NULL)
                    missing(d, fp, "y", "focus needs 'y' (0..1, top to bottom)");
            }
        }
        break;
    case OP_TRANSITION: {
        r = get_name(d, o, base, "after", 1, &op->after);
        if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "after", "a transition needs 'after': the id of the cut it follows");
        int t = op->transition;
        if (get_enum(d, o, base, "kind", transition_names, &t) == F_OK)
            op->transition = (enum plan_transition_kind)t;
        get_num(d, o, base, "duration", 0, PLAN_MAX_TIME, NUM_LO_EXCL, &op->duration);
        break;
    }
    case OP_OVERLAY:
        r = get_name(d, o, base, "asset", 0, &op->asset);
        if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "asset", "an overlay needs 'asset': the label of an image or video");
        decode_span(d, o, base, op);
        get_num(d, o, base, "in", 0, PLAN_MAX_TIME, 0, &op->in);
        get_position(d, o, base, "position", &op->position);
        get_num(d, o, base, "width", 0, 1, NUM_LO_EXCL, &op->width);
        get_num(d, o, base, "margin", 0, 0.5, 0, &op->margin);
        get_num(d, o, base, "opacity", 0, 1, 0, &op->opacity);
        get_bool(d, o, base, "audio", &op->audio);
        break;
    case OP_TEXT: {
        const char *t;
        r = get_str(d, o, base, "text", 1, 500, &t);
        if (r == F_OK)
            op->text = xstrdup(t);
        else if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "text", "a text operation needs 'text' (1 to 500 characters)");
        decode_span(d, o, base, op);
        get_position(d, o, base, "position", &op->position);
        decode_style(d, o, base, 0, &op->style);
        break;
    }
    case OP_CAPTIONS: {
        int s = 0;
        if (get_enum(d, o, base, "source", source_names, &s) == F_OK)
            op->source_transcript = s == 0;
        decode_cues(d, o, base, op);
        json_t *cues = json_object_get(o, "cues");
        int has_cues = cues && !json_is_null(cues);
        if (!op->source_transcript && (!has_cues || (json_is_array(cues) && !op->ncues)))
            missing(d, base, "cues",
                    "captions with source \"cues\" need a non-empty 'cues' array of "
                    "{start, end, text}");
        if (op->source_transcript && has_cues) {
            char path[PATHLEN];
            kpath(path, base, "cues");
            plan_issues_add(d->is, path, "bad_value",
                            "'cues' are only read when source is \"cues\"; set source to \"cues\" "
                            "or remove them");
        }
        decode_style(d, o, base, 1, &op->style);
        int pos = 0;
        if (get_enum(d, o, base, "position", caption_pos_names, &pos) == F_OK)
            op->position.anchor = caption_pos_anchor[pos];
        break;
    }
    case OP_AUDIO: {
        r = get_name(d, o, base, "asset", 0, &op->asset);
        if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "asset",
                    "an audio operation needs 'asset': the label of an audio "
                    "or video asset");
        decode_span(d, o, base, op);
        get_num(d, o, base, "in", 0, PLAN_MAX_TIME, 0, &op->in);
        get_num(d, o, base, "volume_db", -60, 12, 0, &op->volume_db);
        get_bool(d, o, base, "loop", &op->loop);
        get_num(d, o, base, "fade_in", 0, PLAN_MAX_TIME, 0, &op->fade_in);
        get_num(d, o, base, "fade_out", 0, PLAN_MAX_TIME, 0, &op->fade_out);
        json_t *du;
        if (get_obj(d, o, base, "duck", &du) == F_OK) {
            char dp[PATHLEN];
            kpath(dp, base, "duck");
            static const char *const dkeys[] = {"under", "amount_db", NULL};
            check_keys(d, du, dp, "duck", dkeys);
            int u = 0;
            get_enum(d, du, dp, "under", duck_under_names, &u);
            get_num(d, du, dp, "amount_db", -60, 0, 0, &op->duck_amount_db);
            op->duck = 1;
        }
        break;
    }
    case OP_COLOR:
        decode_span(d, o, base, op);
        get_num(d, o, base, "brightness", -1, 1, 0, &op->brightness);
        get_num(d, o, base, "contrast", 0, 3, 0, &op->contrast);
        get_num(d, o, base, "saturation", 0, 3, 0, &op->saturation);
        get_num(d, o, base, "gamma", 0.1, 10, 0, &op->gamma);
        get_name(d, o, base, "lut", 0, &op->lut);
        break;
    case OP_FADE: {
        int fk = 0;
        r = get_enum(d, o, base, "kind", fade_kind_names, &fk);
        if (r == F_OK)
            op->fade_out_kind = fk;
        else if (r == F_ABSENT || r == F_NULL)
            missing(d, base, "kind",
                    "a fade needs 'kind': \"in\" (from black) or \"out\" (to "
                    "black)");
        get_num(d, o, base, "duration", 0, PLAN_MAX_TIME, NUM_LO_EXCL, &op->duration);
        break;
    }
    }
    if (d->is->seen != before)
        op->bad = 1;
}

static void decode_output(struct dec *d, const json_t *doc, struct plan_output *out)
{
    memset(out, 0, sizeof(*out));
    out->vcodec = VCODEC_H264;
    out->crf = 20;
    out->preset = xstrdup("medium");
    out->acodec = ACODEC_AAC;
    out->audio_bitrate_kbps = 160;
    out->sample_rate = 48000;
    out->loudness_set = 1;
    out->loudness_lufs = -14;
    out->true_peak_dbtp = -1;
    out->container = CONT_MP4;
    color_set(&out->background, 0, 0, 0);

    json_t *o;
    if (get_obj(d, doc, "$", "output", &o) != F_OK) {
        out->bad = d->is->seen != d->errors_at_start;
        return;
    }
    size_t before = d->is->seen;
    const char *base = "$.output";
    static const char *const keys[] = {"width", "height",    "fps",        "aspect", "video",
                                       "audio", "container", "background", NULL};
    check_keys(d, o, base, "output", keys);
    const char *dims[2] = {"width", "height"};
    int *vals[2] = {&out->width, &out->height};
    int given = 0;
    for (int i = 0; i < 2; i++) {
        int v;
        if (get_int(d, o, base, dims[i], 16, 7680, &v) == F_OK) {
            if (v % 2) {
                char path[PATHLEN];
                kpath(path, base, dims[i]);
                plan_issues_add(d->is, path, "bad_value",
                                "%s %d must be even (video encoders need even sizes); use %d",
                                dims[i], v, v + 1);
            } else {
                *vals[i] = v;
                given++;
            }
        }
    }
    out->size_given = given > 0;
    double fps;
    if (get_num(d, o, base, "fps", 0, 1000, NUM_LO_EXCL, &fps) == F_OK) {
        int found = 0;
        for (size_t i = 0; i < ARRAY_SIZE(plan_fps_table); i++)
            if (fabs(fps - plan_fps_table[i].value) < 1e-9) {
                out->fps = plan_fps_table[i].value;
                out->fps_num = plan_fps_table[i].num;
                out->fps_den = plan_fps_table[i].den;
                out->fps_given = found = 1;
            }
        if (!found)
            plan_issues_add(d->is, "$.output.fps", "bad_value",
                            "fps %g is not offered; use one of 23.976, 24, 25, 29.97, 30, 50, "
                            "59.94, 60",
                            fps);
    }
    int a;
    if (get_enum(d, o, base, "aspect", aspect_names, &a) == F_OK)
        snprintf(out->aspect, sizeof(out->aspect), "%s", aspect_names[a]);
    json_t *v;
    if (get_obj(d, o, base, "video", &v) == F_OK) {
        const char *vb = "$.output.video";
        static const char *const vkeys[] = {"codec", "crf", "preset", NULL};
        check_keys(d, v, vb, "output.video", vkeys);
        int c = 0;
        if (get_enum(d, v, vb, "codec", vcodec_names, &c) == F_OK)
            out->vcodec = (enum plan_vcodec)c;
        get_int(d, v, vb, "crf", 0, 51, &out->crf);
        int pr;
        if (get_enum(d, v, vb, "preset", preset_names, &pr) == F_OK) {
            free(out->preset);
            out->preset = xstrdup(preset_names[pr]);
        }
    }
    if (get_obj(d, o, base, "audio", &v) == F_OK) {
        const char *ab = "$.output.audio";
        static const char *const akeys[] = {"codec",         "bitrate_kbps",   "sample_rate",
                                            "loudness_lufs", "true_peak_dbtp", NULL};
        check_keys(d, v, ab, "output.audio", akeys);
        int c = 0;
        if (get_enum(d, v, ab, "codec", acodec_names, &c) == F_OK)
            out->acodec = (enum plan_acodec)c;
        get_int(d, v, ab, "bitrate_kbps", 32, 512, &out->audio_bitrate_kbps);
        int sr;
        if (get_int(d, v, ab, "sample_rate", 8000, 192000, &sr) == F_OK) {
            if (sr != 44100 && sr != 48000)
                plan_issues_add(d->is, "$.output.audio.sample_rate", "bad_value",
                                "sample_rate %d is not offered; use 44100 or 48000", sr);
            else
                out->sample_rate = sr;
        }
        if (get_num(d, v, ab, "loudness_lufs", -70, -5, 0, &out->loudness_lufs) == F_NULL)
            out->loudness_set = 0;
        get_num(d, v, ab, "true_peak_dbtp", -9, 0, 0, &out->true_peak_dbtp);
    }
    int ct = 0;
    if (get_enum(d, o, base, "container", container_names, &ct) == F_OK)
        out->container = (enum plan_container)ct;
    get_color(d, o, base, "background", 0, &out->background);
    out->bad = d->is->seen != before;
}

static void decode_assets(struct dec *d, const json_t *doc, struct plan *p)
{
    json_t *as;
    if (get_obj(d, doc, "$", "assets", &as) != F_OK)
        return;
    const char *label;
    json_t *v;
    json_object_foreach(as, label, v)
    {
        char path[PATHLEN];
        kpath(path, "$.assets", label);
        if (!label_ok(label)) {
            plan_issues_add(d->is, path, "bad_value",
                            "asset label \"%.60s\" must be 1 to 64 characters a-z 0-9 _ -", label);
            continue;
        }
        if (!json_is_string(v)) {
            plan_issues_add(d->is, path, "wrong_type",
                            "asset '%s' must map to a path or URL string, not %s", label,
                            type_word(v));
            continue;
        }
        const char *s = json_string_value(v);
        size_t n = json_string_length(v);
        if (n == 0 || n > 4096 || strlen(s) != n) {
            plan_issues_add(d->is, path, "bad_value",
                            "asset '%s' must map to a path or URL of 1 to 4096 bytes", label);
            continue;
        }
        plan_add_plan_asset(p, label, s);
    }
}

enum reel_code plan_decode(const json_t *doc, struct plan *p, struct plan_issues *issues)
{
    struct dec dd = {issues, issues->seen}, *d = &dd;
    if (!json_is_object(doc)) {
        plan_issues_add(issues, "$", "wrong_type",
                        "a plan must be a JSON object with \"operations\", not %s", type_word(doc));
        return REEL_EINVAL;
    }
    static const char *const keys[] = {"schema",     "title",  "notes", "output",
                                       "operations", "assets", NULL};
    check_keys(d, doc, "$", "a plan", keys);
    const char *s;
    if (get_str(d, doc, "$", "schema", 1, 64, &s) == F_OK && strcmp(s, PLAN_SCHEMA_ID))
        plan_issues_add(issues, "$.schema", "unsupported",
                        "schema \"%.60s\" is not supported; this is \"" PLAN_SCHEMA_ID "\"", s);
    if (get_str(d, doc, "$", "title", 0, 200, &s) == F_OK)
        p->title = xstrdup(s);
    if (get_str(d, doc, "$", "notes", 0, 20000, &s) == F_OK)
        p->notes = xstrdup(s);
    decode_output(d, doc, &p->output);
    decode_assets(d, doc, p);

    json_t *ops = json_object_get(doc, "operations");
    if (!ops || json_is_null(ops)) {
        plan_issues_add(issues, "$.operations", "required",
                        "a plan needs \"operations\": an array with at least one cut");
    } else if (!json_is_array(ops)) {
        plan_issues_add(issues, "$.operations", "wrong_type",
                        "\"operations\" must be an array, not %s", type_word(ops));
    } else if (json_array_size(ops) > PLAN_MAX_OPS) {
        plan_issues_add(issues, "$.operations", "too_long",
                        "there are %zu operations; at most %d are allowed", json_array_size(ops),
                        PLAN_MAX_OPS);
    } else {
        size_t n = json_array_size(ops);
        p->ops = xcalloc(n ? n : 1, sizeof(*p->ops));
        for (size_t i = 0; i < n; i++) {
            char base[PATHLEN];
            snprintf(base, sizeof(base), "$.operations[%zu]", i);
            decode_op(d, json_array_get(ops, i), base, &p->ops[i]);
            p->nops++;
        }
        for (size_t i = 0; i < n; i++) {
            if (!p->ops[i].id)
                continue;
            for (size_t j = 0; j < i; j++)
                if (p->ops[j].id && !strcmp(p->ops[i].id, p->ops[j].id)) {
                    char path[PATHLEN];
                    snprintf(path, sizeof(path), "$.operations[%zu].id", i);
                    plan_issues_add(issues, path, "duplicate_id",
                                    "id '%s' is already used by $.operations[%zu]; ids must be "
                                    "unique",
                                    p->ops[i].id, j);
                    break;
                }
        }
    }
    return issues->seen == dd.errors_at_start ? REEL_OK : REEL_EINVAL;
}

enum reel_code plan_decode_text(const char *text, size_t len, const char *source, struct plan *p,
                                struct plan_issues *issues)
{
    if (!source)
        source = "plan";
    if (len > PLAN_MAX_BYTES) {
        plan_issues_add(issues, source, "too_large",
                        "the plan is %zu bytes; a plan may be at most %u bytes", len,
                        PLAN_MAX_BYTES);
        return REEL_EINVAL;
    }
    json_t *doc = NULL;
    struct reel_err err = REEL_ERR_INIT;
    if (json_parse(text, len, PLAN_MAX_BYTES, source, &doc, &err) != REEL_OK) {
        if (!memchr(text, 0, len) && !utf8_valid(text, len))
            plan_issues_add(issues, err.path, "bad_json", "the plan is not valid UTF-8 text: %s",
                            err.msg);
        else
            plan_issues_add(issues, err.path, "bad_json", "%s", err.msg);
        return REEL_EINVAL;
    }
    enum reel_code rc = plan_decode(doc, p, issues);
    json_decref(doc);
    return rc;
}

enum reel_code plan_decode_file(const char *path, struct plan *p, struct plan_issues *issues,
                                struct reel_err *err)
{
    struct buf b = BUF_INIT;
    enum reel_code rc = buf_read_file(&b, path, PLAN_MAX_BYTES, err);
    if (rc == REEL_ELIMIT) {
        plan_issues_add(issues, path, "too_large",
                        "the plan file is over the limit of %u bytes; a plan this large is not "
                        "an edit",
                        PLAN_MAX_BYTES);
        rc = REEL_EINVAL;
        goto out;
    }
    if (rc == REEL_EINVAL) /* not a regular file: no issue was added, keep it apart */
        rc = REEL_ENOTFOUND;
    if (rc != REEL_OK)
        goto out;
    const char *slash = strrchr(path, '/');
    if (slash) {
        char *dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
        plan_set_base_dir(p, dir);
        free(dir);
    }
    rc = plan_decode_text(b.buf, b.len, path, p, issues);
out:
    buf_release(&b);
    return rc;
}
