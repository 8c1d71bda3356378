/* The brief: words parsed for hints, structured flags, brand style; labels. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "planner/internal.h"
#include "core/banned.h"

void planner_brief_init(struct planner_brief *b)
{
    memset(b, 0, sizeof(*b));
    b->captions = -1;
    b->on_beat = -1;
}

void planner_brief_release(struct planner_brief *b)
{
    free(b->text);
    free(b->music);
    free(b->logo);
    free(b->title);
    json_decref(b->style);
    planner_brief_init(b);
}

/* A lower-cased copy where every character that is not a letter, digit,
 * ':' or '.' between digits becomes a space, with a space at each end, so that words can
 * be found with strstr(" word "). */
static char *brief_words(const char *text)
{
    size_t n = strlen(text);
    char *w = xmalloc(n + 3);
    w[0] = ' ';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        int num_sep = (c == ':' || c == '.') && i > 0 && i + 1 < n &&
                      isdigit((unsigned char)text[i - 1]) && isdigit((unsigned char)text[i + 1]);
        w[i + 1] = (isalnum(c) || num_sep) ? (char)tolower(c) : ' ';
    }
    w[n + 1] = ' ';
    w[n + 2] = 0;
    return w;
}

static int has_word(const char *words, const char *w)
{
    char pat[64];
    snprintf(pat, sizeof(pat), " %s ", w);
    return strstr(words, pat) != NULL;
}

static int has_any(const char *words, const char *const *list)
{
    for (; *list; list++)
        if (has_word(words, *list))
            return 1;
    return 0;
}

/* "30 s", "30s", "30-second", "1.5 min", "45 seconds". */
static double parse_duration_hint(const char *words)
{
    const char *p = words;
    while (*p) {
        if (isdigit((unsigned char)*p) && p[-1] == ' ') {
            char *end;
            double v = strtod(p, &end);
            const char *u = end;
            while (*u == ' ')
                u++;
            size_t ul = 0;
            while (isalpha((unsigned char)u[ul]))
                ul++;
            if (v > 0 && ul) {
                char unit[16] = "";
                snprintf(unit, sizeof(unit), "%.*s", (int)(ul < 15 ? ul : 15), u);
                if (!strcmp(unit, "s") || !strcmp(unit, "sec") || !strcmp(unit, "secs") ||
                    !strcmp(unit, "second") || !strcmp(unit, "seconds"))
                    return v;
                if (!strcmp(unit, "min") || !strcmp(unit, "mins") || !strcmp(unit, "minute") ||
                    !strcmp(unit, "minutes") || !strcmp(unit, "m"))
                    return v * 60;
            }
            p = end > p ? end : p + 1;
            continue;
        }
        p++;
    }
    return 0;
}

static const char *const positions[] = {"top-left", "top-right", "bottom-left", "bottom-right",
                                        "top",      "bottom",    "left",        "right",
                                        "center",   NULL};

/* Position words after "logo" ("logo top right", "logo in the bottom-left"). */
static void parse_logo_position(const char *text, char *out, size_t n)
{
    char *w = brief_words(text);
    /* brief_words turned '-' into ' ': "top right" either way */
    const char *p = strstr(w, " logo ");
    if (!p) {
        free(w);
        return;
    }
    char window[80];
    snprintf(window, sizeof(window), "%s", p + 6);
    static const struct {
        const char *words, *pos;
    } pairs[] = {
        {"top right", "top-right"},       {"upper right", "top-right"},
        {"top left", "top-left"},         {"upper left", "top-left"},
        {"bottom right", "bottom-right"}, {"lower right", "bottom-right"},
        {"bottom left", "bottom-left"},   {"lower left", "bottom-left"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
        if (strstr(window, pairs[i].words)) {
            snprintf(out, n, "%s", pairs[i].pos);
            break;
        }
    free(w);
}

/* title "Summer recap" / titled 'Summer recap' / title: Summer recap. */
static char *parse_title(const char *text)
{
    const char *p = text;
    while ((p = strcasestr(p, "title")) != NULL) {
        const char *q = p + 5;
        if (!strncasecmp(q, "d", 1))
            q++;
        while (*q == ' ' || *q == ':')
            q++;
        if (*q == '"' || *q == '\'') {
            char quote = *q++;
            const char *e = strchr(q, quote);
            if (e && e > q && e - q < 200)
                return xstrndup(q, (size_t)(e - q));
        }
        p += 5;
    }
    return NULL;
}

enum reel_code planner_brief_parse(struct planner_brief *b, struct reel_err *err)
{
    if (!b->text)
        return REEL_OK;
    size_t len = strlen(b->text);
    if (len > 8000)
        return reel_fail(err, REEL_EINVAL, "brief", "the brief is %zu bytes; at most 8000", len);
    if (!utf8_valid(b->text, len))
        return reel_fail(err, REEL_EINVAL, "brief", "the brief is not valid UTF-8");
    char *w = brief_words(b->text);

    if (b->duration <= 0)
        b->duration = parse_duration_hint(w);
    if (!b->aspect[0]) {
        static const char *const vertical[] = {"vertical", "portrait", "tiktok",  "shorts", "reel",
                                               "reels",    "story",    "stories", NULL};
        static const char *const square[] = {"square", NULL};
        static const char *const wide[] = {"horizontal", "landscape", "widescreen", "youtube",
                                           NULL};
        if (has_word(w, "9:16") || has_any(w, vertical))
            snprintf(b->aspect, sizeof(b->aspect), "9:16");
        else if (has_word(w, "1:1") || has_any(w, square))
            snprintf(b->aspect, sizeof(b->aspect), "1:1");
        else if (has_word(w, "4:5"))
            snprintf(b->aspect, sizeof(b->aspect), "4:5");
        else if (has_word(w, "16:9") || has_any(w, wide))
            snprintf(b->aspect, sizeof(b->aspect), "16:9");
    }
    if (b->pace == PACE_UNSET) {
        static const char *const fast[] = {"fast",    "punchy", "energetic", "quick", "snappy",
                                           "dynamic", "hype",   "upbeat",    NULL};
        static const char *const slow[] = {"slow",      "calm",          "relaxed", "gentle",
                                           "cinematic", "contemplative", NULL};
        if (has_any(w, fast))
            b->pace = PACE_FAST;
        else if (has_any(w, slow))
            b->pace = PACE_SLOW;
        else if (has_word(w, "medium") || has_word(w, "moderate"))
            b->pace = PACE_MEDIUM;
    }
    if (b->captions < 0) {
        static const char *const cap[] = {"caption",   "captions",  "captioned", "subtitle",
                                          "subtitles", "subtitled", NULL};
        if (strstr(w, " no captions ") || strstr(w, " without captions ") ||
            strstr(w, " no subtitles "))
            b->captions = 0;
        else if (has_any(w, cap))
            b->captions = 1;
    }
    if (b->on_beat < 0) {
        if (strstr(w, " on the beat ") || has_word(w, "beat") || has_word(w, "beats") ||
            strstr(w, " to the music ") || strstr(w, " beat synced "))
            b->on_beat = 1;
    }
    if (!b->logo_position[0])
        parse_logo_position(b->text, b->logo_position, sizeof(b->logo_position));
    if (!b->title)
        b->title = parse_title(b->text);
    free(w);
    return REEL_OK;
}

/* ---- brand style ---- */

int planner_color_valid(const char *s)
{
    if (!s || s[0] != '#')
        return 0;
    size_t n = strlen(s + 1);
    if (n != 6 && n != 8)
        return 0;
    for (size_t i = 1; i <= n; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static enum reel_code style_check_color(const json_t *v, const char *path, struct reel_err *err)
{
    if (json_is_null(v))
        return REEL_OK;
    if (!json_is_string(v) || !planner_color_valid(json_string_value(v)))
        return reel_fail(err, REEL_EINVAL, path, "expected a colour \"#RRGGBB\" or \"#RRGGBBAA\"");
    return REEL_OK;
}

static int position_valid(const char *s)
{
    for (size_t i = 0; positions[i]; i++)
        if (!strcmp(s, positions[i]))
            return 1;
    return 0;
}

static enum reel_code style_check_text(const json_t *o, const char *base, struct reel_err *err)
{
    char path[160];
    if (!json_is_object(o))
        return reel_fail(err, REEL_EINVAL, base, "expected an object");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        json_path_key(path, sizeof(path), base, k);
        if (!strcmp(k, "color") || !strcmp(k, "outline") || !strcmp(k, "box") ||
            !strcmp(k, "highlight")) {
            if (style_check_color(v, path, err))
                return REEL_EINVAL;
        } else if (!strcmp(k, "font")) {
            if (!json_is_string(v) || !json_string_length(v))
                return reel_fail(err, REEL_EINVAL, path, "expected a font family name");
        } else if (!strcmp(k, "size")) {
            double s = json_number_value(v);
            if (!json_is_number(v) || s <= 0 || s > 0.3)
                return reel_fail(err, REEL_EINVAL, path, "expected a number in (0, 0.3]");
        } else {
            return reel_fail(err, REEL_EINVAL, path,
                             "unknown key '%s' (color, outline, box, highlight, font, size)", k);
        }
    }
    return REEL_OK;
}

enum reel_code planner_style_check(const json_t *s, struct reel_err *err)
{
    if (!json_is_object(s))
        return reel_fail(err, REEL_EINVAL, "$", "a style file holds one JSON object");
    const char *k;
    json_t *v;
    char path[160];
    json_object_foreach((json_t *)s, k, v)
    {
        json_path_key(path, sizeof(path), "$", k);
        if (!strcmp(k, "name")) {
            if (!json_is_string(v))
                return reel_fail(err, REEL_EINVAL, path, "expected a string");
        } else if (!strcmp(k, "palette")) {
            if (!json_is_array(v) || json_array_size(v) > 16)
                return reel_fail(err, REEL_EINVAL, path, "expected an array of up to 16 colours");
            size_t i;
            json_t *c;
            json_array_foreach(v, i, c)
            {
                char p2[160];
                json_path_index(p2, sizeof(p2), path, i);
                if (json_is_null(c) || style_check_color(c, p2, err))
                    return reel_fail(err, REEL_EINVAL, p2, "expected a colour \"#RRGGBB\"");
            }
        } else if (!strcmp(k, "font")) {
            if (!json_is_string(v) || !json_string_length(v))
                return reel_fail(err, REEL_EINVAL, path, "expected a font family name");
        } else if (!strcmp(k, "title") || !strcmp(k, "captions")) {
            if (style_check_text(v, path, err))
                return REEL_EINVAL;
        } else if (!strcmp(k, "logo")) {
            if (!json_is_object(v))
                return reel_fail(err, REEL_EINVAL, path, "expected an object");
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2)
            {
                char p2[160];
                json_path_key(p2, sizeof(p2), path, k2);
                double d = json_number_value(v2);
                if (!strcmp(k2, "position")) {
                    if (!json_is_string(v2) || !position_valid(json_string_value(v2)))
                        return reel_fail(err, REEL_EINVAL, p2,
                                         "expected a position (top-left, top-right, ...)");
                } else if (!strcmp(k2, "width")) {
                    if (!json_is_number(v2) || d <= 0 || d > 1)
                        return reel_fail(err, REEL_EINVAL, p2, "expected a number in (0, 1]");
                } else if (!strcmp(k2, "margin")) {
                    if (!json_is_number(v2) || d < 0 || d > 0.5)
                        return reel_fail(err, REEL_EINVAL, p2, "expected a number in [0, 0.5]");
                } else if (!strcmp(k2, "opacity")) {
                    if (!json_is_number(v2) || d < 0 || d > 1)
                        return reel_fail(err, REEL_EINVAL, p2, "expected a number in [0, 1]");
                } else {
                    return reel_fail(err, REEL_EINVAL, p2,
                                     "unknown key '%s' (position, width, margin, opacity)", k2);
                }
            }
        } else if (!strcmp(k, "loudness_lufs")) {
            double d = json_number_value(v);
            if (!json_is_number(v) || d < -40 || d > -5)
                return reel_fail(err, REEL_EINVAL, path, "expected LUFS in [-40, -5]");
        } else if (!strcmp(k, "true_peak_dbtp")) {
            double d = json_number_value(v);
            if (!json_is_number(v) || d < -9 || d > 0)
                return reel_fail(err, REEL_EINVAL, path, "expected dBTP in [-9, 0]");
        } else if (!strcmp(k, "weights")) {
            /* the evaluation's metric weights: each name and number is checked by eval */
            if (!json_is_object(v))
                return reel_fail(err, REEL_EINVAL, path, "expected an object of metric weights");
        } else {
            return reel_fail(err, REEL_EINVAL, path,
                             "unknown key '%s' (name, palette, font, title, captions, logo, "
                             "loudness_lufs, true_peak_dbtp, weights)",
                             k);
        }
    }
    return REEL_OK;
}

enum reel_code planner_brief_load_style(struct planner_brief *b, const char *path,
                                        struct reel_err *err)
{
    json_t *s = NULL;
    enum reel_code rc = json_parse_file(path, 1u << 20, &s, err);
    if (rc)
        return rc;
    if ((rc = planner_style_check(s, err))) {
        char where[200];
        snprintf(where, sizeof(where), "%s %s", path, err ? err->path : "");
        if (err)
            snprintf(err->path, sizeof(err->path), "%s", where);
        json_decref(s);
        return rc;
    }
    json_decref(b->style);
    b->style = s;
    return REEL_OK;
}

json_t *planner_brief_to_json(const struct planner_brief *b)
{
    static const char *const paces[] = {NULL, "slow", "medium", "fast"};
    json_t *j = json_object();
    if (b->text)
        json_object_set_new(j, "text", json_string(b->text));
    if (b->duration > 0)
        json_object_set_new(j, "duration", json_real(b->duration));
    if (b->aspect[0])
        json_object_set_new(j, "aspect", json_string(b->aspect));
    if (b->pace != PACE_UNSET)
        json_object_set_new(j, "pace", json_string(paces[b->pace]));
    if (b->captions >= 0)
        json_object_set_new(j, "captions", json_boolean(b->captions));
    if (b->on_beat >= 0)
        json_object_set_new(j, "on_beat", json_boolean(b->on_beat));
    if (b->music)
        json_object_set_new(j, "music", json_string(b->music));
    if (b->logo)
        json_object_set_new(j, "logo", json_string(b->logo));
    if (b->logo_position[0])
        json_object_set_new(j, "logo_position", json_string(b->logo_position));
    if (b->title)
        json_object_set_new(j, "title", json_string(b->title));
    if (b->style)
        json_object_set(j, "style", b->style);
    return j;
}

/* ---- labels ---- */

int planner_label_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int label_taken(const char *l, const char *const *taken, size_t ntaken)
{
    for (size_t i = 0; i < ntaken; i++)
        if (taken[i] && !strcmp(taken[i], l))
            return 1;
    return 0;
}

void planner_label_from_path(const char *path, const char *const *taken, size_t ntaken, char *out,
                             size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    size_t len = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    char tmp[48];
    size_t o = 0;
    for (size_t i = 0; i < len && o < 40; i++) {
        unsigned char c = (unsigned char)base[i];
        char m = (isalnum(c) && c < 128) ? (char)tolower(c) : (c == '-' ? '-' : '_');
        if (m == '_' && (o == 0 || tmp[o - 1] == '_'))
            continue;
        tmp[o++] = m;
    }
    while (o > 0 && (tmp[o - 1] == '_' || tmp[o - 1] == '-'))
        o--;
    tmp[o] = 0;
    if (!o)
        snprintf(tmp, sizeof(tmp), "asset");
    snprintf(out, n, "%s", tmp);
    for (int k = 2; label_taken(out, taken, ntaken) && k < 10000; k++)
        snprintf(out, n, "%s_%d", tmp, k);
}
