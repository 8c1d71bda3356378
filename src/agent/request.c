/* The request of an edit job: flags, JSON round trip, labels, asset types. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "agent/agent.h"
#include "core/util.h"
#include "transcribe/transcribe.h"
#include "core/banned.h"

static const char *const type_names[] = {
    [AGENT_ASSET_GUESS] = "guess",  [AGENT_ASSET_RAW_FOOTAGE] = "raw_footage",
    [AGENT_ASSET_BROLL] = "b-roll", [AGENT_ASSET_AUDIO] = "audio",
    [AGENT_ASSET_IMAGE] = "image",  [AGENT_ASSET_LOGO] = "logo",
    [AGENT_ASSET_LUT] = "lut",
};

const char *agent_asset_type_name(enum agent_asset_type t)
{
    if ((unsigned)t < ARRAY_SIZE(type_names))
        return type_names[t];
    return "guess";
}

int agent_asset_type_parse(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(type_names); i++)
        if (name && !strcmp(name, type_names[i]))
            return (int)i;
    return -1;
}

const char *agent_asset_type_guess_name(const char *path)
{
    static const char *const audio[] = {".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus"};
    static const char *const image[] = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"};
    const char *dot = strrchr(path, '.');
    if (dot && !strchr(dot, '/')) {
        for (size_t i = 0; i < ARRAY_SIZE(audio); i++)
            if (!strcasecmp(dot, audio[i]))
                return "audio";
        for (size_t i = 0; i < ARRAY_SIZE(image); i++)
            if (!strcasecmp(dot, image[i]))
                return "image";
        if (!strcasecmp(dot, ".cube"))
            return "lut";
    }
    return "raw_footage";
}

void agent_label_from_path(const char *path, char *dst, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t o = 0;
    int last_dash = 1; /* no leading separator */
    for (size_t i = 0; i < len && o + 1 < n && o < 40; i++) {
        unsigned char c = (unsigned char)base[i];
        if (isalnum(c) && c < 128) {
            dst[o++] = (char)tolower(c);
            last_dash = 0;
        } else if ((c == '_' || c == '-') && !last_dash) {
            dst[o++] = (char)c;
            last_dash = 1;
        } else if (!last_dash) {
            dst[o++] = '_';
            last_dash = 1;
        }
    }
    while (o > 0 && (dst[o - 1] == '_' || dst[o - 1] == '-'))
        o--;
    if (o == 0 && n > 0) {
        size_t m = n - 1 < 5 ? n - 1 : 5;
        memcpy(dst, "asset", m);
        o = m;
    }
    if (n > 0)
        dst[o] = '\0';
}

void agent_request_init(struct agent_request *r)
{
    memset(r, 0, sizeof(*r));
    r->max_revisions = 2;
}

void agent_request_release(struct agent_request *r)
{
    free(r->brief);
    free(r->title);
    free(r->output);
    free(r->aspect);
    free(r->pace);
    free(r->style_file);
    free(r->script);
    free(r->user_id);
    for (size_t i = 0; i < r->ninputs; i++) {
        free(r->inputs[i].path);
        free(r->inputs[i].label);
    }
    free(r->inputs);
    agent_request_init(r);
}

void agent_request_add_input(struct agent_request *r, const char *path, const char *label,
                             enum agent_asset_type type)
{
    r->inputs = xrealloc(r->inputs, (r->ninputs + 1) * sizeof(*r->inputs));
    struct agent_input *in = &r->inputs[r->ninputs++];
    in->path = xstrdup(path);
    in->label = label ? xstrdup(label) : NULL;
    in->type = type;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

json_t *agent_request_to_json(const struct agent_request *r)
{
    json_t *o = json_object();
    set_str(o, "brief", r->brief);
    set_str(o, "title", r->title);
    set_str(o, "output", r->output);
    json_object_set_new(o, "max_revisions", json_integer(r->max_revisions));
    if (r->reference)
        json_object_set_new(o, "reference", json_true());
    if (r->duration > 0)
        json_object_set_new(o, "duration", json_real(r->duration));
    set_str(o, "aspect", r->aspect);
    set_str(o, "pace", r->pace);
    if (r->captions)
        json_object_set_new(o, "captions", json_boolean(r->captions > 0));
    set_str(o, "style_file", r->style_file);
    set_str(o, "script", r->script);
    json_t *ins = json_array();
    for (size_t i = 0; i < r->ninputs; i++) {
        json_t *in = json_object();
        set_str(in, "path", r->inputs[i].path);
        set_str(in, "label", r->inputs[i].label);
        json_object_set_new(in, "type", json_string(agent_asset_type_name(r->inputs[i].type)));
        json_array_append_new(ins, in);
    }
    json_object_set_new(o, "inputs", ins);
    return o;
}

static enum reel_code get_opt_str(const json_t *j, const char *key, char **dst,
                                  struct reel_err *err)
{
    json_t *v = json_object_get(j, key);
    if (!v || json_is_null(v))
        return REEL_OK;
    if (!json_is_string(v))
        return reel_fail(err, REEL_EINVAL, key, "request field '%s' must be a string", key);
    free(*dst);
    *dst = xstrdup(json_string_value(v));
    return REEL_OK;
}

enum reel_code agent_request_from_json(const json_t *j, struct agent_request *r,
                                       struct reel_err *err)
{
    enum reel_code rc;
    if (!json_is_object(j))
        return reel_fail(err, REEL_EINVAL, "$", "a request must be a JSON object");
    if ((rc = get_opt_str(j, "brief", &r->brief, err)) ||
        (rc = get_opt_str(j, "title", &r->title, err)) ||
        (rc = get_opt_str(j, "output", &r->output, err)) ||
        (rc = get_opt_str(j, "aspect", &r->aspect, err)) ||
        (rc = get_opt_str(j, "pace", &r->pace, err)) ||
        (rc = get_opt_str(j, "style_file", &r->style_file, err)) ||
        (rc = get_opt_str(j, "script", &r->script, err)))
        return rc;
    if (r->script) {
        struct tr_script sc;
        rc = tr_script_parse(r->script, strlen(r->script), "$.script", &sc, err);
        tr_script_release(&sc);
        if (rc)
            return rc;
    }
    json_t *v;
    if ((v = json_object_get(j, "max_revisions"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 20)
            return reel_fail(err, REEL_EINVAL, "$.max_revisions",
                             "max_revisions must be an integer in 0..20");
        r->max_revisions = (int)json_integer_value(v);
    }
    r->reference = json_get_bool(j, "reference", 0);
    if ((v = json_object_get(j, "duration")) && !json_is_null(v)) {
        if (!json_is_number(v) || json_number_value(v) <= 0)
            return reel_fail(err, REEL_EINVAL, "$.duration", "duration must be a positive number");
        r->duration = json_number_value(v);
    }
    if ((v = json_object_get(j, "captions")) && !json_is_null(v)) {
        if (!json_is_boolean(v))
            return reel_fail(err, REEL_EINVAL, "$.captions", "captions must be true or false");
        r->captions = json_is_true(v) ? 1 : -1;
    }
    json_t *ins = json_object_get(j, "inputs");
    if (ins && !json_is_array(ins))
        return reel_fail(err, REEL_EINVAL, "$.inputs", "inputs must be an array");
    size_t i;
    json_t *in;
    json_array_foreach(ins, i, in)
    {
        char p[64];
        json_path_index(p, sizeof(p), "$.inputs", i);
        const char *path = json_get_str(in, "path", NULL);
        if (!path || !*path)
            return reel_fail(err, REEL_EINVAL, p, "an input needs a \"path\"");
        const char *tn = json_get_str(in, "type", "guess");
        int t = agent_asset_type_parse(tn);
        if (t < 0)
            return reel_fail(
                err, REEL_EINVAL, p,
                "unknown asset type '%s' (raw_footage, b-roll, audio, image, logo, lut)", tn);
        agent_request_add_input(r, path, json_get_str(in, "label", NULL), (enum agent_asset_type)t);
    }
    return REEL_OK;
}

static enum reel_code need_value(int argc, char **argv, int i, struct reel_err *err)
{
    if (i + 1 >= argc)
        return reel_fail(err, REEL_EUSAGE, NULL, "%s needs a value", argv[i]);
    return REEL_OK;
}

enum reel_code agent_request_parse_args(int argc, char **argv, struct agent_request *r,
                                        int *json_out, struct reel_err *err)
{
    enum reel_code rc;
    int only_files = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || a[0] != '-' || !strcmp(a, "-")) {
            agent_request_add_input(r, a, NULL, AGENT_ASSET_GUESS);
            continue;
        }
        if (!strcmp(a, "--")) {
            only_files = 1;
            continue;
        }
        if (!strcmp(a, "--json")) {
            if (json_out)
                *json_out = 1;
            continue;
        }
        if (!strcmp(a, "--captions")) {
            r->captions = 1;
            continue;
        }
        if (!strcmp(a, "--no-captions")) {
            r->captions = -1;
            continue;
        }
        if (!strcmp(a, "--reference")) {
            r->reference = 1;
            continue;
        }
        char **dst = NULL;
        enum agent_asset_type at = AGENT_ASSET_GUESS;
        int is_input = 0;
        if (!strcmp(a, "--brief"))
            dst = &r->brief;
        else if (!strcmp(a, "--title"))
            dst = &r->title;
        else if (!strcmp(a, "-o") || !strcmp(a, "--output"))
            dst = &r->output;
        else if (!strcmp(a, "--aspect"))
            dst = &r->aspect;
        else if (!strcmp(a, "--pace"))
            dst = &r->pace;
        else if (!strcmp(a, "--style"))
            dst = &r->style_file;
        else if (!strcmp(a, "--script")) {
            if ((rc = need_value(argc, argv, i, err)))
                return rc;
            /* the text goes into the request: a worker elsewhere needs no file */
            struct tr_script sc;
            if ((rc = tr_script_load(argv[++i], &sc, err)))
                return rc;
            tr_script_release(&sc);
            struct buf b = BUF_INIT;
            if ((rc = buf_read_file(&b, argv[i], 4u << 20, err)))
                return rc;
            free(r->script);
            r->script = buf_detach(&b);
            continue;
        }
        else if (!strcmp(a, "--broll"))
            is_input = 1, at = AGENT_ASSET_BROLL;
        else if (!strcmp(a, "--music"))
            is_input = 1, at = AGENT_ASSET_AUDIO;
        else if (!strcmp(a, "--logo"))
            is_input = 1, at = AGENT_ASSET_LOGO;
        else if (!strcmp(a, "--lut"))
            is_input = 1, at = AGENT_ASSET_LUT;
        else if (!strcmp(a, "--footage"))
            is_input = 1, at = AGENT_ASSET_RAW_FOOTAGE;
        else if (!strcmp(a, "--max-revisions") || !strcmp(a, "--duration")) {
            if ((rc = need_value(argc, argv, i, err)))
                return rc;
            const char *v = argv[++i];
            if (!strcmp(a, "--duration")) {
                if (!parse_double(v, &r->duration) || r->duration <= 0 || r->duration > 36000)
                    return reel_fail(err, REEL_EUSAGE, NULL,
                                     "--duration wants seconds (a positive number), not '%s'", v);
            } else {
                long n;
                if (!parse_long(v, &n) || n < 0 || n > 20)
                    return reel_fail(err, REEL_EUSAGE, NULL,
                                     "--max-revisions wants a whole number in 0..20, not '%s'", v);
                r->max_revisions = (int)n;
            }
            continue;
        } else
            return reel_fail(err, REEL_EUSAGE, NULL, "unknown option '%s'", a);
        if ((rc = need_value(argc, argv, i, err)))
            return rc;
        const char *v = argv[++i];
        if (is_input) {
            agent_request_add_input(r, v, NULL, at);
            continue;
        }
        free(*dst);
        *dst = xstrdup(v);
    }
    if (!r->brief || !*r->brief)
        return reel_fail(err, REEL_EUSAGE, NULL, "--brief TEXT is required");
    if (r->aspect && strcmp(r->aspect, "16:9") && strcmp(r->aspect, "9:16") &&
        strcmp(r->aspect, "1:1") && strcmp(r->aspect, "4:5"))
        return reel_fail(err, REEL_EUSAGE, NULL,
                         "--aspect must be 16:9, 9:16, 1:1 or 4:5, not '%s'", r->aspect);
    if (r->pace && strcmp(r->pace, "slow") && strcmp(r->pace, "medium") && strcmp(r->pace, "fast"))
        return reel_fail(err, REEL_EUSAGE, NULL, "--pace must be slow, medium or fast, not '%s'",
                         r->pace);
    return REEL_OK;
}

int agent_status_exit(const char *status, enum reel_code code)
{
    if (!strcmp(status, "completed"))
        return 0;
    if (!strcmp(status, "review_required"))
        return 1;
    int e = reel_code_exit(code);
    return e ? e : 1;
}
