/*
 * editly spec -> EditPlan. The time model follows editly's parseConfig.js:
 * a clip lasts its `duration`, else its first video's cutTo - cutFrom,
 * else defaults.duration (4 s); a transition after clip i (not the last)
 * lasts min(its duration, half of clip i, half of clip i + 1), and clip
 * i + 1 starts that much before clip i ends, exactly the EditPlan's
 * cut/transition model. Layers are stacked bottom first: the first one
 * that fills the frame becomes the clip's cut, the rest connected
 * operations over the clip's span. Sound follows editly's audio.js: clip
 * sound only with keepSourceAudio, every mix normalised by its weights
 * (amix), which with the EditPlan's plain sum is a volume per sound.
 */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/import.h"
#include "media/probe.h"
#include "core/banned.h"

struct media {
    char *path; /* as resolved (absolute when the spec dir is) */
    char *label;
    struct media_info info;
};

struct clip {
    const json_t *obj;
    char cpath[64]; /* $.clips[i] */
    char path[64];  /* $.clips[i].layers */
    double duration;
    double start;    /* timeline start */
    double tr_after; /* safe transition to the next clip, 0 for none */
    json_t *layers;  /* merged with defaults.layer / defaults.layerType (owned) */
    json_t *own;     /* the layers as written (owned reference) */
};

struct ed {
    const char *dir, *still_dir;
    int lenient;
    struct plan_issues *is;
    struct import_result *r;
    int fatal;
    VEC(struct media) media;
    json_t *assets, *ops;
    int W, H;
    double fps;
    int keep_source_audio;
    double clips_volume, output_volume;
    double sum_weights; /* of the final amix; 0 when editly does not mix */
    struct clip *clips;
    size_t nclips;
    const json_t *defaults;
    const json_t *own; /* the layer as the spec writes it, before defaults.layer */
};

static void unsupported(struct ed *e, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void unsupported(struct ed *e, const char *path, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    plan_issues_add(e->is, path, "unsupported", "%s", msg);
    e->r->nunsupported++;
}

static void fatal(struct ed *e, const char *path, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fatal(struct ed *e, const char *path, const char *code, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    plan_issues_add(e->is, path, code, "%s", msg);
    e->fatal = 1;
}

static void sub(char *dst, size_t n, const char *base, const char *key)
{
    json_path_key(dst, n, base, key);
}

/* Report every key of obj not in `known` (NULL-terminated). */
static void check_keys(struct ed *e, const json_t *obj, const char *path, const char *const *known,
                       const char *what)
{
    /* a layer's keys are checked as written: defaults.layer applies to every
     * layer type, and editly ignores what a type does not use */
    if (e->own && json_is_object(e->own) && obj != e->own && json_object_get(obj, "type"))
        obj = e->own;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        size_t i = 0;
        while (known[i] && strcmp(known[i], k))
            i++;
        if (!known[i]) {
            char p[160];
            sub(p, sizeof(p), path, k);
            unsupported(e, p,
                        "unknown key '%s' in %s: editly has no such key or it has no "
                        "EditPlan equivalent",
                        k, what);
        }
    }
}

/* A number at obj.key: 1 and *out when present and not null, 0 when absent
 * or null; a wrong type is a fatal bad_value. */
static int num(struct ed *e, const json_t *obj, const char *key, const char *path, double *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_number(v)) {
        char p[160];
        sub(p, sizeof(p), path, key);
        fatal(e, p, "bad_value", "'%s' must be a number", key);
        return 0;
    }
    *out = json_number_value(v);
    return 1;
}

static const char *str(struct ed *e, const json_t *obj, const char *key, const char *path)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v)) {
        char p[160];
        sub(p, sizeof(p), path, key);
        fatal(e, p, "bad_value", "'%s' must be a string", key);
        return NULL;
    }
    return json_string_value(v);
}

/* ---- media ---- */

static void label_from_path(struct ed *e, const char *path, char *out, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot != base ? (size_t)(dot - base) : strlen(base);
    size_t k = 0;
    for (size_t i = 0; i < len && k < 40; i++) {
        unsigned char c = (unsigned char)base[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            c = '_';
        out[k++] = (char)c;
    }
    if (!k)
        out[k++] = 'a';
    out[k] = 0;
    char stem[48];
    snprintf(stem, sizeof(stem), "%s", out);
    for (int nth = 2;; nth++) {
        int taken = 0;
        for (size_t i = 0; i < e->media.n; i++)
            taken |= !strcmp(e->media.v[i].label, out);
        for (size_t i = 0; i < e->r->nstills; i++)
            taken |= !strcmp(e->r->stills[i].label, out);
        if (!taken)
            return;
        snprintf(out, n, "%s-%d", stem, nth);
    }
}

/* Resolve and probe a spec path (once per file); NULL on error (reported). */
static const struct media *media_get(struct ed *e, const char *rel, const char *jpath)
{
    if (!rel || !*rel) {
        fatal(e, jpath, "required", "a path is required");
        return NULL;
    }
    if (starts_with(rel, "http://") || starts_with(rel, "https://")) {
        unsupported(e, jpath, "remote file '%s': reel import reads local files only", rel);
        return NULL;
    }
    char *full = rel[0] == '/' ? xstrdup(rel) : xasprintf("%s/%s", e->dir, rel);
    char *real = realpath(full, NULL);
    const char *path = real ? real : full;
    for (size_t i = 0; i < e->media.n; i++)
        if (!strcmp(e->media.v[i].path, path)) {
            free(full);
            free(real);
            return &e->media.v[i];
        }
    struct media m;
    memset(&m, 0, sizeof(m));
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = media_probe(path, &m.info, &err);
    if (rc != REEL_OK) {
        if (rc == REEL_ENOTFOUND)
            fatal(e, jpath, "not_found", "no such file: %s", path);
        else
            fatal(e, jpath, "asset_unreadable", "cannot read %s: %s", path, err.msg);
        free(full);
        free(real);
        return NULL;
    }
    char label[64];
    label_from_path(e, path, label, sizeof(label));
    m.path = xstrdup(path);
    m.label = xstrdup(label);
    free(full);
    free(real);
    json_object_set_new(e->assets, m.label, json_string(m.path));
    VEC_PUSH(&e->media, m);
    return &e->media.v[e->media.n - 1];
}

/* ---- colours ---- */

struct rgba {
    unsigned char r, g, b;
    double a;
};

static int parse_color(const char *s, struct rgba *c)
{
    static const struct {
        const char *name;
        unsigned rgb;
    } names[] = {
        {"black", 0x000000}, {"white", 0xffffff},   {"red", 0xff0000},     {"lime", 0x00ff00},
        {"green", 0x008000}, {"blue", 0x0000ff},    {"yellow", 0xffff00},  {"cyan", 0x00ffff},
        {"aqua", 0x00ffff},  {"magenta", 0xff00ff}, {"fuchsia", 0xff00ff}, {"gray", 0x808080},
        {"grey", 0x808080},  {"silver", 0xc0c0c0},  {"maroon", 0x800000},  {"navy", 0x000080},
        {"olive", 0x808000}, {"purple", 0x800080},  {"teal", 0x008080},    {"orange", 0xffa500},
    };
    c->a = 1;
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcasecmp(s, names[i].name)) {
            c->r = (unsigned char)(names[i].rgb >> 16);
            c->g = (unsigned char)(names[i].rgb >> 8);
            c->b = (unsigned char)names[i].rgb;
            return 1;
        }
    unsigned v;
    int n = 0;
    size_t len = strlen(s);
    if (s[0] == '#' && (len == 4 || len == 7 || len == 9)) {
        for (size_t i = 1; i < len; i++)
            if (!strchr("0123456789abcdefABCDEF", s[i]))
                return 0;
        if (len == 4) {
            if (sscanf(s + 1, "%x", &v) != 1)
                return 0;
            c->r = (unsigned char)(((v >> 8) & 15) * 17);
            c->g = (unsigned char)(((v >> 4) & 15) * 17);
            c->b = (unsigned char)((v & 15) * 17);
            return 1;
        }
        char hex[9];
        snprintf(hex, sizeof(hex), "%.6s", s + 1);
        if (sscanf(hex, "%x", &v) != 1)
            return 0;
        c->r = (unsigned char)(v >> 16), c->g = (unsigned char)(v >> 8), c->b = (unsigned char)v;
        if (len == 9) {
            unsigned a;
            if (sscanf(s + 7, "%2x", &a) != 1)
                return 0;
            c->a = a / 255.0;
        }
        return 1;
    }
    int r, g, b;
    double a = 1;
    if ((sscanf(s, "rgb(%d ,%d ,%d )%n", &r, &g, &b, &n) == 3 && n == (int)len) ||
        (n = 0, sscanf(s, "rgba(%d ,%d ,%d ,%lf )%n", &r, &g, &b, &a, &n) == 4 && n == (int)len)) {
        if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255 || !(a >= 0 && a <= 1))
            return 0;
        c->r = (unsigned char)r, c->g = (unsigned char)g, c->b = (unsigned char)b, c->a = a;
        return 1;
    }
    return 0;
}

static json_t *color_json(const struct rgba *c)
{
    char s[16];
    if (c->a >= 1)
        snprintf(s, sizeof(s), "#%02X%02X%02X", c->r, c->g, c->b);
    else
        snprintf(s, sizeof(s), "#%02X%02X%02X%02X", c->r, c->g, c->b, (int)lround(c->a * 255));
    return json_string(s);
}

static int gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b, b = t;
    }
    return a;
}

/* The label of a still of colour c with the output's aspect. */
static const char *still_get(struct ed *e, const struct rgba *c)
{
    char label[64];
    snprintf(label, sizeof(label), "color-%02x%02x%02x", c->r, c->g, c->b);
    for (size_t i = 0; i < e->r->nstills; i++)
        if (!strcmp(e->r->stills[i].label, label))
            return e->r->stills[i].label;
    int g = gcd(e->W, e->H), w = e->W / g, h = e->H / g;
    while (w < 16 || h < 16)
        w *= 2, h *= 2;
    e->r->stills = xrealloc(e->r->stills, (e->r->nstills + 1) * sizeof(*e->r->stills));
    struct import_still *s = &e->r->stills[e->r->nstills++];
    s->label = xstrdup(label);
    s->path = xasprintf("%s/%s.ppm", e->still_dir, label);
    s->r = c->r, s->g = c->g, s->b = c->b, s->w = w, s->h = h;
    json_object_set_new(e->assets, s->label, json_string(s->path));
    return s->label;
}

/* A colour at obj.key (absent: *missing = 1, returns 0); 0 when unusable. */
static int color_at(struct ed *e, const json_t *obj, const char *key, const char *path,
                    struct rgba *c, int *missing)
{
    char p[160];
    sub(p, sizeof(p), path, key);
    *missing = 0;
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        *missing = 1;
        return 0;
    }
    if (!json_is_string(v) || !parse_color(json_string_value(v), c)) {
        unsupported(e, p,
                    "colour %s is not one reel reads (#RGB, #RRGGBB, #RRGGBBAA, rgb(), "
                    "rgba() or a basic CSS name)",
                    json_is_string(v) ? json_string_value(v) : "(not a string)");
        return 0;
    }
    return 1;
}

/* ---- operations ---- */

static json_t *op_new(const char *kind)
{
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(kind));
    return o;
}

static double vol_db(double factor)
{
    return 20.0 * log10(factor);
}

/* editly position string / object -> EditPlan position; NULL when unsupported. */
static json_t *position_json(struct ed *e, const json_t *v, const char *path, const char *def)
{
    if (!v || json_is_null(v))
        return json_string(def);
    if (json_is_string(v)) {
        static const char *const map[][2] = {
            {"top", "top"},
            {"bottom", "bottom"},
            {"center", "center"},
            {"top-left", "top-left"},
            {"top-right", "top-right"},
            {"center-left", "left"},
            {"center-right", "right"},
            {"bottom-left", "bottom-left"},
            {"bottom-right", "bottom-right"},
        };
        for (size_t i = 0; i < ARRAY_SIZE(map); i++)
            if (!strcmp(json_string_value(v), map[i][0]))
                return json_string(map[i][1]);
        unsupported(e, path, "position '%s' is not one of editly's", json_string_value(v));
        return NULL;
    }
    if (json_is_object(v)) {
        const char *ox = json_get_str(v, "originX", "left"),
                   *oy = json_get_str(v, "originY", "top");
        json_t *x = json_object_get(v, "x"), *y = json_object_get(v, "y");
        if (json_is_number(x) && json_is_number(y) && !strcmp(ox, "center") &&
            !strcmp(oy, "center")) {
            json_t *o = json_object();
            json_object_set_new(o, "x", json_real(json_number_value(x)));
            json_object_set_new(o, "y", json_real(json_number_value(y)));
            return o;
        }
        unsupported(e, path,
                    "a position object places the box's %s-%s corner at (x, y); an "
                    "EditPlan (x, y) is the box's centre (use originX and originY "
                    "'center')",
                    oy, ox);
        return NULL;
    }
    fatal(e, path, "bad_value", "position must be a string or an object");
    return NULL;
}

static void set_span(json_t *o, double start, double end)
{
    json_object_set_new(o, "start", json_real(start));
    json_object_set_new(o, "end", json_real(end));
}

/* A layer's span inside its clip: start..stop (editly's visibility). */
static int layer_span(struct ed *e, const struct clip *c, const json_t *L, const char *path,
                      double *s, double *t)
{
    double start = 0, stop = c->duration;
    num(e, L, "start", path, &start);
    num(e, L, "stop", path, &stop);
    if (!(start >= 0 && stop > start && stop <= c->duration + 1e-9)) {
        fatal(e, path, "bad_value", "start %.3f / stop %.3f must lie inside the clip (%.3f s)",
              start, stop, c->duration);
        return 0;
    }
    *s = c->start + start;
    *t = c->start + stop;
    return 1;
}

/* editly composes a clip's layers before its transitions, so each layer
 * fades out (and in) with its clip; a connected EditPlan op cannot. */
static void check_faded(struct ed *e, size_t ci, const char *path, const char *what)
{
    double in = ci ? e->clips[ci - 1].tr_after : 0, out = e->clips[ci].tr_after;
    if (in > 0 || out > 0)
        unsupported(e, path,
                    "editly fades this %s with its clip over the clip's transitions; an "
                    "EditPlan %s cannot fade (--lenient: shown at full strength until "
                    "the clip's end)",
                    what, what);
}

/* zoomDirection: editly's Ken Burns zoom ('in' by default for images and
 * titles) */
static void check_zoom(struct ed *e, const json_t *L, const char *path, const char *def)
{
    json_t *z = json_object_get(L, "zoomDirection");
    const char *dir = z ? (json_is_string(z) ? json_string_value(z) : NULL) : def;
    if (!dir)
        return;
    char p[160];
    sub(p, sizeof(p), path, "zoomDirection");
    unsupported(e, p,
                "zoomDirection '%s'%s (editly's Ken Burns motion) has no EditPlan "
                "equivalent: set \"zoomDirection\": null (defaults.layer does it for every "
                "layer)",
                dir, z ? "" : ", editly's default,");
}

/* How the picture meets the frame: aspect equal -> any mode gives the same. */
static const char *fit_for(struct ed *e, const json_t *L, const char *path, const struct media *m)
{
    const char *mode = json_get_str(L, "resizeMode", "contain-blur");
    int sw, sh;
    media_display_size(&m->info, &sw, &sh);
    int same = sw > 0 && sh > 0 && fabs((double)sw / sh - (double)e->W / e->H) < 0.01;
    if (!strcmp(mode, "cover") || same)
        return "cover";
    if (!strcmp(mode, "contain"))
        return "contain";
    if (!strcmp(mode, "stretch"))
        return "stretch";
    char p[160];
    sub(p, sizeof(p), path, "resizeMode");
    if (!strcmp(mode, "contain-blur"))
        unsupported(e, p,
                    "resizeMode 'contain-blur'%s fills the bars with a blurred copy; "
                    "EditPlan pads with a colour (--lenient: contain)",
                    json_object_get(L, "resizeMode") ? "" : " (editly's default)");
    else
        unsupported(e, p, "resizeMode '%s' is not one of editly's", mode);
    return "contain";
}

static const char *const video_keys[] = {"type",       "path",  "cutFrom", "cutTo", "mixVolume",
                                         "resizeMode", "start", "stop",    NULL};

/* The sound factor of layer `L` in clip c's own mix (amix by weights when
 * more than one layer sounds, as audio.js does). */
static double clip_mix_factor(struct ed *e, const struct clip *c, const json_t *L)
{
    double sum = 0, self = 1;
    int n = 0;
    size_t j;
    json_t *x;
    json_array_foreach(c->layers, j, x)
    {
        const char *t = json_get_str(x, "type", "");
        if ((strcmp(t, "video") && strcmp(t, "audio")) || json_get_num(x, "start", 0) != 0 ||
            (json_object_get(x, "stop") && !json_is_null(json_object_get(x, "stop"))))
            continue;
        double w = json_get_num(x, "mixVolume", 1);
        n++;
        sum += w;
        if (x == L)
            self = w;
    }
    return n > 1 && sum > 0 ? self / sum : 1;
}

/* The final mix factor of a stream of weight w (1 when editly does not mix). */
static double final_factor(struct ed *e, double w)
{
    /* with no other track editly keeps the clips' sound as it is: no amix,
     * no clipsAudioVolume, no outputVolume */
    if (e->sum_weights <= 0)
        return 1;
    return w / e->sum_weights * e->output_volume;
}

/* Set volume_db (or mute) from a factor; 0 when it cannot be expressed. */
static int set_volume(struct ed *e, json_t *o, double f, const char *path, int can_mute)
{
    if (f <= 0 || vol_db(f) < -60) {
        if (can_mute) {
            json_object_set_new(o, "mute", json_true());
            return 1;
        }
        return -1; /* silent: leave the op out */
    }
    double db = vol_db(f);
    if (db > 12) {
        unsupported(e, path,
                    "a volume of %.1f dB after editly's mix is over the EditPlan's "
                    "+12 dB (--lenient: +12 dB)",
                    db);
        db = 12;
    }
    if (fabs(db) > 1e-9)
        json_object_set_new(o, "volume_db", json_real(round(db * 1e4) / 1e4));
    return 1;
}

static void add_audio_op(struct ed *e, const struct media *m, double start, double end, double in,
                         double w, int loop, double fade_in, double fade_out, const char *path)
{
    json_t *o = op_new("audio");
    json_object_set_new(o, "asset", json_string(m->label));
    json_object_set_new(o, "start", json_real(start));
    json_object_set_new(o, "end", end > 0 ? json_real(end) : json_null());
    if (in > 0)
        json_object_set_new(o, "in", json_real(in));
    if (loop)
        json_object_set_new(o, "loop", json_true());
    if (fade_in > 0)
        json_object_set_new(o, "fade_in", json_real(fade_in));
    if (fade_out > 0)
        json_object_set_new(o, "fade_out", json_real(fade_out));
    if (set_volume(e, o, final_factor(e, w), path, 0) < 0) {
        json_decref(o);
        return;
    }
    json_array_append_new(e->ops, o);
}

/* cutFrom/cutTo of a video or audio layer, clamped as parseConfig does. */
static int cut_range(struct ed *e, const json_t *L, const char *path, const struct media *m,
                     double def_len, double *from, double *to)
{
    double f = 0, t = 0;
    num(e, L, "cutFrom", path, &f);
    int has_to = num(e, L, "cutTo", path, &t);
    double dur = m->info.duration;
    f = fmin(fmax(f, 0), dur);
    if (!has_to || t == 0)
        t = def_len > 0 ? f + def_len : dur;
    t = fmin(fmax(t, f), dur);
    if (!(f < t)) {
        fatal(e, path, "bad_value", "cutFrom must be lower than cutTo (in a %.3f s file)", dur);
        return 0;
    }
    *from = f, *to = t;
    return 1;
}

/* The cut of a clip from its base layer; `still` when the base is a colour. */
static void add_cut(struct ed *e, size_t ci, const json_t *L, const char *path, const char *label,
                    const struct media *m)
{
    struct clip *c = &e->clips[ci];
    json_t *o = op_new("cut");
    char id[32];
    snprintf(id, sizeof(id), "clip%zu", ci);
    json_object_set_new(o, "id", json_string(id));
    const char *type = L ? json_get_str(L, "type", "") : "";
    if (!strcmp(type, "video")) {
        check_keys(e, L, path, video_keys, "a video layer");
        double from, to;
        if (!cut_range(e, L, path, m, 0, &from, &to)) {
            json_decref(o);
            return;
        }
        json_object_set_new(o, "asset", json_string(m->label));
        json_object_set_new(o, "in", json_real(from));
        json_object_set_new(o, "out", json_real(to));
        double speed = (to - from) / c->duration;
        if (fabs(speed - 1) > 1e-9)
            json_object_set_new(o, "speed", json_real(speed));
        json_object_set_new(o, "fit", json_string(fit_for(e, L, path, m)));
        if (!e->keep_source_audio || !m->info.has_audio)
            json_object_set_new(o, "mute", json_true());
        else
            set_volume(e, o, clip_mix_factor(e, c, L) * final_factor(e, e->clips_volume), path, 1);
        if (json_get_num(L, "start", 0) != 0 || json_object_get(L, "stop"))
            unsupported(e, path,
                        "start/stop on the bottom video of a clip leaves the clip "
                        "black around it (--lenient: the whole clip)");
    } else {
        json_object_set_new(o, "asset", json_string(label));
        json_object_set_new(o, "duration", json_real(c->duration));
        json_object_set_new(o, "fit", json_string(m ? fit_for(e, L, path, m) : "stretch"));
    }
    json_array_append_new(e->ops, o);
}

static void add_text(struct ed *e, size_t ci, const json_t *L, const char *path, int subtitle)
{
    struct clip *c = &e->clips[ci];
    const char *text = str(e, L, "text", path);
    if (!text || !*text) {
        fatal(e, path, "required", "a %s needs a text", subtitle ? "subtitle" : "title");
        return;
    }
    double s, t;
    if (!layer_span(e, c, L, path, &s, &t))
        return;
    json_t *o = op_new("text");
    json_object_set_new(o, "text", json_string(text));
    set_span(o, s, t);
    char p[160];
    sub(p, sizeof(p), path, "position");
    json_t *pos =
        position_json(e, json_object_get(L, "position"), p, subtitle ? "bottom" : "center");
    if (subtitle && json_object_get(L, "position"))
        unsupported(e, p, "a subtitle has no position in editly");
    if (pos)
        json_object_set_new(o, "position", pos);
    json_t *style = json_object();
    double min = e->W < e->H ? e->W : e->H;
    double px = subtitle ? min / 20 : round(min * 0.1);
    json_object_set_new(style, "size", json_real(round(px / e->H * 1e4) / 1e4));
    struct rgba col = {255, 255, 255, 1};
    int missing;
    if (color_at(e, L, "textColor", path, &col, &missing) || missing)
        json_object_set_new(style, "color", color_json(&col));
    json_object_set_new(style, "outline", json_null());
    if (subtitle) {
        struct rgba bg = {0, 0, 0, 0.3};
        if (color_at(e, L, "backgroundColor", path, &bg, &missing) || missing)
            json_object_set_new(style, "box", color_json(&bg));
    }
    const char *font = str(e, L, "fontFamily", path);
    if (font)
        json_object_set_new(style, "font", json_string(font));
    if (json_object_get(L, "fontPath")) {
        sub(p, sizeof(p), path, "fontPath");
        unsupported(e, p,
                    "a font file: EditPlan names a fontconfig family (install the font "
                    "and give fontFamily)");
    }
    json_object_set_new(o, "style", style);
    json_array_append_new(e->ops, o);
    if (subtitle)
        unsupported(e, path,
                    "editly slides and fades a subtitle in over its first part; an "
                    "EditPlan text appears at once");
    else
        check_zoom(e, L, path, "in");
    check_faded(e, ci, path, "text");
}

static void add_overlay(struct ed *e, size_t ci, const json_t *L, const char *path,
                        const char *label, const struct media *m, int full_frame)
{
    struct clip *c = &e->clips[ci];
    double s, t;
    if (!layer_span(e, c, L, path, &s, &t))
        return;
    json_t *o = op_new("overlay");
    json_object_set_new(o, "asset", json_string(label));
    set_span(o, s, t);
    const char *type = json_get_str(L, "type", "");
    if (full_frame) {
        if (m && strcmp(fit_for(e, L, path, m), "cover")) {
            char p[160];
            sub(p, sizeof(p), path, "resizeMode");
            unsupported(e, p,
                        "a full-frame layer above the bottom one whose aspect differs "
                        "from the output's: an EditPlan overlay keeps its aspect at full "
                        "width");
        }
        json_object_set_new(o, "position", json_string("center"));
        json_object_set_new(o, "margin", json_real(0));
    } else {
        char p[160];
        sub(p, sizeof(p), path, "position");
        json_t *pos = position_json(e, json_object_get(L, "position"), p, "center");
        if (pos)
            json_object_set_new(o, "position", pos);
        json_object_set_new(o, "margin", json_real(0.05));
        double w = 1, h;
        if (num(e, L, "width", path, &w)) {
        } else if (num(e, L, "height", path, &h) && m && m->info.width > 0) {
            int sw, sh;
            media_display_size(&m->info, &sw, &sh);
            w = h * e->H * sw / sh / e->W;
        }
        json_object_set_new(o, "width", json_real(w));
        json_t *z = json_object_get(L, "zoomDirection");
        if (z && !json_is_null(z))
            check_zoom(e, L, path, NULL);
    }
    if (!strcmp(type, "video")) {
        double from, to;
        if (!cut_range(e, L, path, m, 0, &from, &to)) {
            json_decref(o);
            return;
        }
        json_object_set_new(o, "in", json_real(from));
        if (fabs((to - from) - (t - s)) > 1e-6 &&
            !(json_object_get(L, "stop") || json_get_num(L, "start", 0) != 0))
            unsupported(e, path,
                        "a video above the bottom layer is sped to fit its clip "
                        "(%.3f s of source in %.3f s): an EditPlan overlay plays at "
                        "speed 1",
                        to - from, t - s);
        int sounds = e->keep_source_audio && m->info.has_audio &&
                     json_get_num(L, "start", 0) == 0 && !json_object_get(L, "stop");
        if (sounds) {
            double f = clip_mix_factor(e, c, L) * final_factor(e, e->clips_volume);
            if (fabs(vol_db(f)) > 0.01)
                unsupported(e, path,
                            "this video's sound is mixed at %.1f dB; an EditPlan overlay's "
                            "sound has no volume (--lenient: 0 dB)",
                            vol_db(f));
            json_object_set_new(o, "audio", json_true());
        }
    }
    json_array_append_new(e->ops, o);
    check_faded(e, ci, path, "overlay");
}

/* ---- layers ---- */

static const char *unsupported_layer(const char *type)
{
    static const char *const why[][2] = {
        {"gl", "a GLSL shader"},
        {"canvas", "a JavaScript canvas function"},
        {"fabric", "a JavaScript fabric.js function"},
        {"linear-gradient", "an animated gradient"},
        {"radial-gradient", "an animated gradient"},
        {"rainbow-colors", "a GLSL shader"},
        {"slide-in-text", "animated text"},
        {"news-title", "an animated banner"},
        {"editly-banner", "a gradient with a title"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(why); i++)
        if (!strcmp(type, why[i][0]))
            return why[i][1];
    return NULL;
}

static int is_base_type(const char *type)
{
    return !strcmp(type, "video") || !strcmp(type, "image") || !strcmp(type, "fill-color") ||
           !strcmp(type, "pause") || !strcmp(type, "title-background");
}

static int is_visual(const char *type)
{
    return strcmp(type, "audio") && strcmp(type, "detached-audio");
}

/* title-background: a colour still and a title (always zoomed by editly). */
static const char *title_background_still(struct ed *e, const json_t *L, const char *path)
{
    static const char *const keys[] = {"type",          "text",       "textColor", "background",
                                       "fontFamily",    "fontPath",   "start",     "stop",
                                       "zoomDirection", "zoomAmount", NULL};
    check_keys(e, L, path, keys, "a title-background layer");
    char p[160];
    sub(p, sizeof(p), path, "background");
    json_t *bg = json_object_get(L, "background");
    struct rgba c = {0, 0, 0, 1};
    int missing;
    if (!json_is_object(bg)) {
        unsupported(e, p, "without a background editly picks a random one (--lenient: black)");
    } else if (json_get_str(bg, "type", NULL) &&
               (!strcmp(json_get_str(bg, "type", ""), "radial-gradient") ||
                !strcmp(json_get_str(bg, "type", ""), "linear-gradient"))) {
        unsupported(e, p,
                    "a %s background (animated) has no EditPlan equivalent (--lenient: "
                    "black)",
                    json_get_str(bg, "type", ""));
    } else if (!color_at(e, bg, "color", p, &c, &missing)) {
        if (missing)
            unsupported(e, p,
                        "a background without a color: editly picks a random one "
                        "(--lenient: black)");
        c = (struct rgba){0, 0, 0, 1};
    } else if (c.a < 1) {
        unsupported(e, p, "a translucent background colour over black (--lenient: opaque)");
    }
    return still_get(e, &c);
}

static const char *fill_still(struct ed *e, const json_t *L, const char *path)
{
    static const char *const keys[] = {"type", "color", "start", "stop", NULL};
    check_keys(e, L, path, keys, "a fill-color layer");
    struct rgba c = {0, 0, 0, 1};
    int missing;
    if (!color_at(e, L, "color", path, &c, &missing)) {
        if (missing && strcmp(json_get_str(L, "type", ""), "pause"))
            unsupported(e, path,
                        "a fill-color without a color: editly picks a random one "
                        "(--lenient: black)");
        c = (struct rgba){0, 0, 0, 1};
    } else if (c.a < 1) {
        unsupported(e, path, "a translucent fill colour (--lenient: opaque)");
    }
    return still_get(e, &c);
}

static void title_of_background(struct ed *e, size_t ci, const json_t *L, const char *path)
{
    json_t *t = json_pack("{s:s}", "type", "title");
    const char *keys[] = {"text", "textColor", "fontFamily", "fontPath", "start", "stop"};
    for (size_t k = 0; k < ARRAY_SIZE(keys); k++)
        if (json_object_get(L, keys[k]))
            json_object_set(t, keys[k], json_object_get(L, keys[k]));
    json_object_set_new(t, "zoomDirection", json_null());
    add_text(e, ci, t, path, 0);
    /* editly makes the title itself, with its default zoom: no key turns it off */
    unsupported(e, path,
                "editly zooms a title-background's title in (no key turns it off); an "
                "EditPlan text does not move");
    json_decref(t);
}

static void do_layer(struct ed *e, size_t ci, size_t li, const json_t *L, int is_base)
{
    struct clip *c = &e->clips[ci];
    char path[160];
    json_path_index(path, sizeof(path), c->path, li);
    if (!json_is_object(L)) {
        fatal(e, path, "bad_value", "a layer must be an object");
        return;
    }
    const char *type = json_get_str(L, "type", NULL);
    if (!type) {
        fatal(e, path, "required", "a layer needs a type");
        return;
    }
    const char *why = unsupported_layer(type);
    if (why) {
        unsupported(e, path, "layer type '%s' (%s) has no EditPlan equivalent", type, why);
        return;
    }
    char p[160];
    if (!strcmp(type, "video")) {
        sub(p, sizeof(p), path, "path");
        const struct media *m = media_get(e, str(e, L, "path", path), p);
        if (!m)
            return;
        if (m->info.kind != MEDIA_VIDEO) {
            fatal(e, p, "wrong_asset_kind", "a video layer's file is %s, not a video",
                  media_kind_name(m->info.kind));
            return;
        }
        if (is_base)
            add_cut(e, ci, L, path, m->label, m);
        else {
            check_keys(e, L, path, video_keys, "a video layer");
            add_overlay(e, ci, L, path, m->label, m, 1);
        }
    } else if (!strcmp(type, "image") || !strcmp(type, "image-overlay")) {
        static const char *const image_keys[] = {
            "type", "path", "resizeMode", "zoomDirection", "zoomAmount", "start", "stop", NULL};
        static const char *const ov_keys[] = {
            "type",          "path",       "position", "width", "height",
            "zoomDirection", "zoomAmount", "start",    "stop",  NULL};
        int overlay = !strcmp(type, "image-overlay");
        check_keys(e, L, path, overlay ? ov_keys : image_keys,
                   overlay ? "an image-overlay layer" : "an image layer");
        sub(p, sizeof(p), path, "path");
        const struct media *m = media_get(e, str(e, L, "path", path), p);
        if (!m)
            return;
        if (m->info.kind != MEDIA_IMAGE) {
            fatal(e, p, "wrong_asset_kind", "an %s layer's file is %s, not an image", type,
                  media_kind_name(m->info.kind));
            return;
        }
        if (overlay) {
            add_overlay(e, ci, L, path, m->label, m, 0);
            return;
        }
        check_zoom(e, L, path, "in");
        if (is_base)
            add_cut(e, ci, L, path, m->label, m);
        else
            add_overlay(e, ci, L, path, m->label, m, 1);
    } else if (!strcmp(type, "fill-color") || !strcmp(type, "pause")) {
        const char *label = fill_still(e, L, path);
        if (is_base)
            add_cut(e, ci, NULL, path, label, NULL);
        else
            add_overlay(e, ci, L, path, label, NULL, 1);
    } else if (!strcmp(type, "title-background")) {
        const char *label = title_background_still(e, L, path);
        if (is_base)
            add_cut(e, ci, NULL, path, label, NULL);
        else
            add_overlay(e, ci, L, path, label, NULL, 1);
        title_of_background(e, ci, L, path);
    } else if (!strcmp(type, "title") || !strcmp(type, "subtitle")) {
        static const char *const title_keys[] = {
            "type",          "text",       "textColor", "fontFamily", "fontPath", "position",
            "zoomDirection", "zoomAmount", "start",     "stop",       NULL};
        static const char *const sub_keys[] = {
            "type",  "text",  "textColor", "backgroundColor", "fontFamily", "fontPath", "delay",
            "speed", "start", "stop",      "position",        NULL};
        int subtitle = !strcmp(type, "subtitle");
        check_keys(e, L, path, subtitle ? sub_keys : title_keys,
                   subtitle ? "a subtitle layer" : "a title layer");
        add_text(e, ci, L, path, subtitle);
    } else if (!strcmp(type, "audio")) {
        static const char *const keys[] = {"type",      "path",  "cutFrom", "cutTo",
                                           "mixVolume", "start", "stop",    NULL};
        check_keys(e, L, path, keys, "an audio layer");
        sub(p, sizeof(p), path, "path");
        const struct media *m = media_get(e, str(e, L, "path", path), p);
        if (!m || !e->keep_source_audio) /* editly only hears clip audio with keepSourceAudio */
            return;
        if (json_get_num(L, "start", 0) != 0 || json_object_get(L, "stop")) {
            unsupported(e, path, "editly leaves out the sound of an audio layer with start/stop");
            return;
        }
        double from, to;
        if (!cut_range(e, L, path, m, c->duration, &from, &to))
            return;
        if (fabs((to - from) - c->duration) > 0.01 * c->duration)
            unsupported(e, path,
                        "editly changes this sound's tempo to fit the clip (%.3f s in "
                        "%.3f s); an EditPlan audio op has no speed (--lenient: "
                        "speed 1)",
                        to - from, c->duration);
        double fin = ci ? e->clips[ci - 1].tr_after : 0;
        double w = clip_mix_factor(e, c, L) * (e->sum_weights > 0 ? e->clips_volume : 1);
        add_audio_op(e, m, c->start, c->start + c->duration, from, w, 0, fin, c->tr_after, path);
    } else if (!strcmp(type, "detached-audio")) {
        static const char *const keys[] = {"type",      "path",  "cutFrom", "cutTo",
                                           "mixVolume", "start", NULL};
        check_keys(e, L, path, keys, "a detached-audio layer");
        sub(p, sizeof(p), path, "path");
        const struct media *m = media_get(e, str(e, L, "path", path), p);
        if (!m)
            return;
        double start = 0, from = 0, to = 0, w = 1;
        num(e, L, "start", path, &start);
        num(e, L, "cutFrom", path, &from);
        int has_to = num(e, L, "cutTo", path, &to);
        num(e, L, "mixVolume", path, &w);
        double s = c->start + start;
        add_audio_op(e, m, s, has_to && to > from ? s + (to - from) : -1, from, w, 0, 0, 0, path);
    } else {
        unsupported(e, path, "layer type '%s' is not one reel knows", type);
    }
}

/* ---- transitions ---- */

struct tr_map {
    const char *editly, *plan;
};
static const struct tr_map transitions[] = {
    {"fade", "crossfade"},
    {"fadecolor", "fade_black"},
    {"fadeColor", "fade_black"},
    {"wipeLeft", "wipe_left"},
    {"wipeRight", "wipe_right"},
    {"circleopen", "circle_open"},
    {"directional-left", "slide_left"},
    {"directional-up", "slide_up"},
};

static void do_transition(struct ed *e, size_t ci)
{
    struct clip *c = &e->clips[ci];
    if (c->tr_after <= 0)
        return;
    char path[160];
    sub(path, sizeof(path), c->cpath, "transition");
    const json_t *t = json_object_get(c->obj, "transition");
    const json_t *d = json_object_get(e->defaults, "transition");
    const char *name = json_is_object(t) ? json_get_str(t, "name", NULL) : NULL;
    if (!name && json_is_object(d))
        name = json_get_str(d, "name", NULL);
    if (!name && !json_is_null(d))
        name = "random"; /* parseConfig's default unless defaults.transition is null */
    const char *kind = NULL;
    for (size_t i = 0; name && i < ARRAY_SIZE(transitions); i++)
        if (!strcmp(transitions[i].editly, name))
            kind = transitions[i].plan;
    if (!name) {
        unsupported(e, path, "a transition without a name (--lenient: crossfade)");
    } else if (!strcmp(name, "random")) {
        unsupported(e, path,
                    "transition 'random'%s: editly picks one at random each run "
                    "(name one, or set defaults.transition to null; --lenient: "
                    "crossfade)",
                    json_is_object(t) && json_object_get(t, "name") ? "" : " (editly's default)");
    } else if (!kind) {
        unsupported(e, path,
                    "transition '%s' has no EditPlan equivalent (crossfade, "
                    "fade_black, fade_white, wipe_left, wipe_right, slide_left, "
                    "slide_up, circle_open; --lenient: crossfade)",
                    name);
    }
    /* params, easing and audio curves, from the clip or the defaults */
    const json_t *src[2] = {t, d};
    for (int s = 0; s < 2; s++) {
        if (!json_is_object(src[s]))
            continue;
        const json_t *params = json_object_get(src[s], "params");
        if (params && json_is_object(params) && kind && !strcmp(kind, "fade_black")) {
            const json_t *col = json_object_get(params, "color");
            if (json_is_array(col) && json_array_size(col) >= 3 &&
                json_number_value(json_array_get(col, 0)) >= 1 &&
                json_number_value(json_array_get(col, 1)) >= 1 &&
                json_number_value(json_array_get(col, 2)) >= 1)
                kind = "fade_white";
            else if (col &&
                     !(json_is_array(col) && json_number_value(json_array_get(col, 0)) == 0 &&
                       json_number_value(json_array_get(col, 1)) == 0 &&
                       json_number_value(json_array_get(col, 2)) == 0))
                unsupported(e, path,
                            "a fadecolor transition to a colour other than black or "
                            "white (--lenient: black)");
        } else if (params && !json_is_null(params)) {
            unsupported(e, path, "transition params have no EditPlan equivalent");
        }
        const json_t *easing = json_object_get(src[s], "easing");
        if (easing && !json_is_null(easing))
            unsupported(e, path, "an eased transition has no EditPlan equivalent");
        const char *curves[] = {"audioOutCurve", "audioInCurve"};
        for (int k = 0; k < 2; k++) {
            const char *cv = json_get_str(src[s], curves[k], "tri");
            if (strcmp(cv, "tri"))
                unsupported(e, path, "%s '%s': EditPlan crossfades sound linearly ('tri')",
                            curves[k], cv);
        }
    }
    if (name && !strncmp(name, "directional", 11)) {
        const json_t *ez = json_is_object(t) ? json_object_get(t, "easing") : NULL;
        if (!ez && json_is_object(d))
            ez = json_object_get(d, "easing");
        if (!ez)
            unsupported(e, path,
                        "editly eases directional transitions (easeOutExpo) unless "
                        "\"easing\": null; EditPlan slides are linear");
    }
    json_t *o = op_new("transition");
    char id[32];
    snprintf(id, sizeof(id), "clip%zu", ci);
    json_object_set_new(o, "after", json_string(id));
    json_object_set_new(o, "kind", json_string(kind ? kind : "crossfade"));
    json_object_set_new(o, "duration", json_real(c->tr_after));
    json_array_append_new(e->ops, o);
}

/* ---- the spec ---- */

/* The first video layer of a clip (for its duration and the output size). */
static const json_t *first_video(const json_t *layers, size_t *index)
{
    size_t j;
    json_t *L;
    json_array_foreach(layers, j, L)
    {
        if (json_is_object(L) && !strcmp(json_get_str(L, "type", ""), "video")) {
            *index = j;
            return L;
        }
    }
    return NULL;
}

static int fps_allowed(double f)
{
    static const double ok[] = {23.976, 24, 25, 29.97, 30, 50, 59.94, 60};
    for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
        if (fabs(f - ok[i]) < 0.001)
            return 1;
    return 0;
}

static void merge_layers(struct ed *e, struct clip *c, const json_t *layers_in)
{
    c->layers = json_array();
    json_t *one = NULL;
    if (json_is_object(layers_in)) {
        one = json_array();
        json_array_append(one, (json_t *)layers_in);
        layers_in = one;
    }
    const json_t *dl = json_object_get(e->defaults, "layer");
    const json_t *dt = json_object_get(e->defaults, "layerType");
    size_t j;
    json_t *L;
    json_array_foreach(layers_in, j, L)
    {
        if (!json_is_object(L)) {
            json_array_append(c->layers, L);
            continue;
        }
        json_t *m = json_object();
        if (json_is_object(dl))
            json_object_update(m, (json_t *)dl);
        const json_t *t = json_object_get(dt, json_get_str(L, "type", ""));
        if (json_is_object(t))
            json_object_update(m, (json_t *)t);
        json_object_update(m, L);
        json_array_append_new(c->layers, m);
    }
    c->own = one ? one : json_incref((json_t *)layers_in);
}

static void top_level(struct ed *e, const json_t *spec)
{
    static const char *const keys[] = {"width", "height", "fps", "clips", "defaults", "audioTracks",
                                       "audioFilePath", "backgroundAudioVolume", "loopAudio",
                                       "keepSourceAudio", "clipsAudioVolume", "outputVolume",
                                       "audioNorm", "outPath", "customOutputArgs", "fast",
                                       /* how editly runs, nothing of the edit: */
                                       "verbose", "enableFfmpegLog", "logTimes", "keepTmp",
                                       "allowRemoteRequests", "ffmpegPath", "ffprobePath", NULL};
    check_keys(e, spec, "$", keys, "the spec");
    if (json_object_get(spec, "customOutputArgs"))
        unsupported(e, "$.customOutputArgs",
                    "FFmpeg output arguments: EditPlan has its own "
                    "output settings");
    if (json_is_true(json_object_get(spec, "fast")))
        unsupported(e, "$.fast", "fast: editly's preview mode (small size, 15 fps)");
    const json_t *an = json_object_get(spec, "audioNorm");
    if (an && !json_is_object(an) && !json_is_null(an))
        fatal(e, "$.audioNorm", "bad_value", "audioNorm must be an object");
    else if (json_is_true(json_object_get(an, "enable")))
        unsupported(e, "$.audioNorm",
                    "audioNorm is FFmpeg's dynaudnorm; EditPlan normalises "
                    "to a loudness target instead (--lenient: -14 LUFS)");
    if (an)
        check_keys(e, an, "$.audioNorm",
                   (const char *const[]){"enable", "gaussSize", "maxGain", NULL}, "audioNorm");
}

enum reel_code import_editly(const json_t *spec, const char *spec_dir, const char *still_dir,
                             int lenient, struct import_result *r, struct plan_issues *issues)
{
    struct ed e;
    memset(&e, 0, sizeof(e));
    memset(r, 0, sizeof(*r));
    e.dir = spec_dir ? spec_dir : ".";
    e.still_dir = still_dir ? still_dir : ".";
    e.lenient = lenient;
    e.is = issues;
    e.r = r;
    e.assets = json_object();
    e.ops = json_array();
    e.output_volume = 1;
    e.clips_volume = 1;
    json_t *plan = NULL;

    if (!json_is_object(spec)) {
        fatal(&e, "$", "wrong_type", "an editly spec is an object");
        goto out;
    }
    top_level(&e, spec);
    e.defaults = json_object_get(spec, "defaults");
    if (e.defaults && !json_is_object(e.defaults)) {
        fatal(&e, "$.defaults", "bad_value", "defaults must be an object");
        e.defaults = NULL;
    }
    if (e.defaults)
        check_keys(&e, e.defaults, "$.defaults",
                   (const char *const[]){"duration", "transition", "layer", "layerType", NULL},
                   "defaults");
    const json_t *dtr = json_object_get(e.defaults, "transition");
    if (json_is_object(dtr))
        check_keys(&e, dtr, "$.defaults.transition",
                   (const char *const[]){"name", "duration", "params", "easing", "audioOutCurve",
                                         "audioInCurve", NULL},
                   "a transition");
    double def_dur = 4;
    num(&e, e.defaults, "duration", "$.defaults", &def_dur);
    e.keep_source_audio = json_is_true(json_object_get(spec, "keepSourceAudio"));
    num(&e, spec, "clipsAudioVolume", "$", &e.clips_volume);
    const json_t *ov = json_object_get(spec, "outputVolume");
    if (json_is_number(ov)) {
        e.output_volume = json_number_value(ov);
    } else if (json_is_string(ov)) {
        char *end;
        double db = strtod(json_string_value(ov), &end);
        if (end != json_string_value(ov) && !strcasecmp(end, "dB"))
            e.output_volume = pow(10, db / 20);
        else
            fatal(&e, "$.outputVolume", "bad_value", "outputVolume '%s' is not a number or N dB",
                  json_string_value(ov));
    } else if (ov && !json_is_null(ov)) {
        fatal(&e, "$.outputVolume", "bad_value", "outputVolume must be a number or \"N dB\"");
    }

    const json_t *clips = json_object_get(spec, "clips");
    if (!json_is_array(clips) || !json_array_size(clips)) {
        fatal(&e, "$.clips", "required", "an editly spec needs at least one clip");
        goto out;
    }
    e.nclips = json_array_size(clips);
    e.clips = xcalloc(e.nclips, sizeof(*e.clips));

    /* pass 1: durations, the first video (size, fps) */
    const struct media *first = NULL;
    for (size_t i = 0; i < e.nclips; i++) {
        struct clip *c = &e.clips[i];
        c->obj = json_array_get(clips, i);
        json_path_index(c->cpath, sizeof(c->cpath), "$.clips", i);
        snprintf(c->path, sizeof(c->path), "%s", c->cpath);
        if (!json_is_object(c->obj)) {
            fatal(&e, c->path, "bad_value", "a clip must be an object");
            c->layers = json_array();
            continue;
        }
        check_keys(&e, c->obj, c->cpath,
                   (const char *const[]){"duration", "transition", "layers", NULL}, "a clip");
        const json_t *t = json_object_get(c->obj, "transition");
        if (json_is_object(t)) {
            char p[160];
            sub(p, sizeof(p), c->cpath, "transition");
            check_keys(&e, t, p,
                       (const char *const[]){"name", "duration", "params", "easing",
                                             "audioOutCurve", "audioInCurve", NULL},
                       "a transition");
        }
        char lp[160];
        sub(lp, sizeof(lp), c->path, "layers");
        const json_t *layers = json_object_get(c->obj, "layers");
        if (!json_is_array(layers) && !json_is_object(layers)) {
            fatal(&e, lp, "required", "a clip needs layers");
            c->layers = json_array();
            continue;
        }
        merge_layers(&e, c, layers);
        /* the layers' paths are $.clips[i].layers[j] */
        snprintf(c->path, sizeof(c->path), "%s", lp);
        double user = 0;
        int has_user = num(&e, c->obj, "duration", c->cpath, &user) && user > 0;
        c->duration = has_user ? user : def_dur;
        size_t vi = 0;
        const json_t *v = first_video(c->layers, &vi);
        if (v) {
            char lpi[160], p[160];
            json_path_index(lpi, sizeof(lpi), lp, vi);
            sub(p, sizeof(p), lpi, "path");
            const struct media *m = media_get(&e, str(&e, v, "path", lp), p);
            if (m && m->info.kind == MEDIA_VIDEO) {
                if (!first)
                    first = m;
                double from, to;
                if (!has_user && cut_range(&e, v, lp, m, 0, &from, &to))
                    c->duration = to - from;
            }
        }
        if (!(c->duration > 0))
            fatal(&e, c->path, "bad_value", "a clip's duration must be over 0");
    }
    if (e.fatal)
        goto out;

    /* output size and rate as editly chooses them */
    double rw = 0, rh = 0, rfps = 0;
    num(&e, spec, "width", "$", &rw);
    num(&e, spec, "height", "$", &rh);
    int fw = 0, fh = 0;
    if (first)
        media_display_size(&first->info, &fw, &fh);
    if (fw && fh) {
        if (rw > 0)
            e.W = (int)rw, e.H = (int)(lround(fh * rw / fw / 2) * 2);
        else
            e.W = fw, e.H = fh;
    } else if (rw > 0) {
        e.W = e.H = (int)rw;
    } else {
        e.W = e.H = 640;
    }
    if (rw > 0 && rh > 0)
        e.W = (int)rw, e.H = (int)rh;
    if (num(&e, spec, "fps", "$", &rfps) && rfps > 0)
        e.fps = rfps;
    else if (first && first->info.fps > 0)
        e.fps = first->info.fps;
    else
        e.fps = 25;
    if (!fps_allowed(e.fps)) {
        unsupported(&e, "$.fps",
                    "%.3f fps: EditPlan renders at 23.976, 24, 25, 29.97, 30, 50, "
                    "59.94 or 60 (--lenient: 30)",
                    e.fps);
        e.fps = 30;
    }

    /* transitions made safe as parseConfig does, then the timeline */
    double t0 = 0;
    for (size_t i = 0; i < e.nclips; i++) {
        struct clip *c = &e.clips[i];
        c->start = t0;
        if (i + 1 < e.nclips) {
            const json_t *t = json_object_get(c->obj, "transition");
            double dur = 0;
            if (json_is_null(t)) {
                dur = 0;
            } else if (json_is_object(t) && json_is_number(json_object_get(t, "duration"))) {
                dur = json_number_value(json_object_get(t, "duration"));
            } else if (json_is_null(dtr) && json_object_get(e.defaults, "transition")) {
                dur = 0;
            } else if (json_is_object(dtr) && json_is_number(json_object_get(dtr, "duration"))) {
                dur = json_number_value(json_object_get(dtr, "duration"));
            } else {
                dur = 0.5;
            }
            double next = e.clips[i + 1].duration;
            double safe = fmin(fmin(c->duration / 2, next / 2), fmax(dur, 0));
            /* the EditPlan needs a transition under half of each cut, in frames */
            long fr = lround(safe * e.fps);
            long half = (long)floor(fmin(c->duration, next) * e.fps / 2);
            if (fr > 0 && 2 * fr >= lround(fmin(c->duration, next) * e.fps)) {
                char p[160];
                sub(p, sizeof(p), c->cpath, "transition");
                unsupported(&e, p,
                            "editly cuts this transition to half of a neighbouring clip "
                            "(%.3f s); an EditPlan transition must be shorter than that "
                            "(--lenient: one frame shorter)",
                            safe);
                fr = half - 1;
            }
            c->tr_after = fr > 0 ? fr / e.fps : 0;
        }
        t0 += c->duration - c->tr_after;
    }
    r->duration = t0;

    /* the final mix: the clips' sound (even silent) and every other track */
    const json_t *tracks = json_object_get(spec, "audioTracks");
    if (tracks && !json_is_array(tracks))
        fatal(&e, "$.audioTracks", "bad_value", "audioTracks must be an array");
    const char *bg = str(&e, spec, "audioFilePath", "$");
    double bgw = 1;
    num(&e, spec, "backgroundAudioVolume", "$", &bgw);
    double sum = e.clips_volume;
    int others = 0;
    if (bg)
        sum += bgw, others++;
    size_t k;
    json_t *tr;
    json_array_foreach(tracks, k, tr)
    {
        sum += json_get_num(tr, "mixVolume", 1);
        others++;
    }
    for (size_t i = 0; i < e.nclips; i++) {
        json_t *L;
        json_array_foreach(e.clips[i].layers, k, L)
        {
            if (!strcmp(json_get_str(L, "type", ""), "detached-audio"))
                sum += json_get_num(L, "mixVolume", 1), others++;
        }
    }
    e.sum_weights = others ? sum : 0;

    /* pass 2: the operations, in storyline order */
    for (size_t i = 0; i < e.nclips; i++) {
        struct clip *c = &e.clips[i];
        size_t base = SIZE_MAX, j;
        json_t *L;
        json_array_foreach(c->layers, j, L)
        {
            const char *type = json_get_str(L, "type", "");
            if (is_visual(type)) {
                if (is_base_type(type))
                    base = j;
                break;
            }
        }
        if (base == SIZE_MAX) {
            struct rgba black = {0, 0, 0, 1};
            add_cut(&e, i, NULL, c->path, still_get(&e, &black), NULL);
        }
        json_array_foreach(c->layers, j, L)
        {
            e.own = json_array_get(c->own, j);
            do_layer(&e, i, j, L, j == base);
            e.own = NULL;
        }
        do_transition(&e, i);
    }
    /* cuts first (storyline order), then transitions after their cut:
     * both already are; connected ops may come anywhere */

    if (bg) {
        const struct media *m = media_get(&e, bg, "$.audioFilePath");
        if (m)
            add_audio_op(&e, m, 0, -1, 0, bgw, json_is_true(json_object_get(spec, "loopAudio")), 0,
                         0, "$.audioFilePath");
    } else if (json_object_get(spec, "loopAudio")) {
        /* loopAudio only loops audioFilePath */
    }
    json_array_foreach(tracks, k, tr)
    {
        char p[160];
        json_path_index(p, sizeof(p), "$.audioTracks", k);
        if (!json_is_object(tr)) {
            fatal(&e, p, "bad_value", "an audio track must be an object");
            continue;
        }
        check_keys(&e, tr, p,
                   (const char *const[]){"path", "mixVolume", "cutFrom", "cutTo", "start", NULL},
                   "an audio track");
        char pp[160];
        sub(pp, sizeof(pp), p, "path");
        const struct media *m = media_get(&e, str(&e, tr, "path", p), pp);
        if (!m)
            continue;
        double start = 0, from = 0, to = 0, w = 1;
        num(&e, tr, "start", p, &start);
        num(&e, tr, "cutFrom", p, &from);
        int has_to = num(&e, tr, "cutTo", p, &to);
        num(&e, tr, "mixVolume", p, &w);
        if (start >= r->duration)
            continue; /* editly's mix ends with the clips: this track is never heard */
        add_audio_op(&e, m, start, has_to && to > from ? start + (to - from) : -1, from, w, 0, 0, 0,
                     p);
    }

    if (e.fatal || (r->nunsupported && !lenient))
        goto out;
    plan = json_object();
    json_object_set_new(plan, "schema", json_string(PLAN_SCHEMA_ID));
    json_t *output = json_pack("{s:i,s:i,s:f}", "width", e.W, "height", e.H, "fps", e.fps);
    json_t *audio = json_object();
    const json_t *an = json_object_get(spec, "audioNorm");
    json_object_set_new(audio, "loudness_lufs",
                        json_is_true(json_object_get(an, "enable")) ? json_real(-14) : json_null());
    json_object_set_new(output, "audio", audio);
    json_object_set_new(plan, "output", output);
    json_object_set(plan, "operations", e.ops);
    json_object_set(plan, "assets", e.assets);
    json_object_set_new(plan, "notes",
                        json_string("imported from an editly spec by reel import editly"));
    r->plan = plan;

out:
    for (size_t i = 0; i < e.nclips; i++)
        json_decref(e.clips[i].layers), json_decref(e.clips[i].own);
    free(e.clips);
    for (size_t i = 0; i < e.media.n; i++) {
        free(e.media.v[i].path);
        free(e.media.v[i].label);
    }
    VEC_FREE(&e.media);
    json_decref(e.assets);
    json_decref(e.ops);
    return r->plan ? REEL_OK : REEL_EINVAL;
}

void import_result_release(struct import_result *r)
{
    if (!r)
        return;
    json_decref(r->plan);
    for (size_t i = 0; i < r->nstills; i++) {
        free(r->stills[i].label);
        free(r->stills[i].path);
    }
    free(r->stills);
    memset(r, 0, sizeof(*r));
}

enum reel_code import_write_stills(const struct import_result *r, struct reel_err *err)
{
    for (size_t i = 0; i < r->nstills; i++) {
        const struct import_still *s = &r->stills[i];
        struct buf b = BUF_INIT;
        buf_addf(&b, "P6\n%d %d\n255\n", s->w, s->h);
        for (int p = 0; p < s->w * s->h; p++) {
            buf_addch(&b, (char)s->r);
            buf_addch(&b, (char)s->g);
            buf_addch(&b, (char)s->b);
        }
        enum reel_code rc = write_file_atomic(s->path, b.buf, b.len, err);
        buf_release(&b);
        if (rc)
            return rc;
    }
    return REEL_OK;
}
