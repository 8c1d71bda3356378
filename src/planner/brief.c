/* The brief: words parsed for hints, structured flags, brand style; labels. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/internal.h"
#include "core/banned.h"

void planner_brief_init(struct planner_brief *b)
{
    memset(b, 0, sizeof(*b));
    b->captions = -1;
    b->on_beat = -1;
    b->mute_broll = -1;
    b->duck = -1;
}

void planner_brief_release(struct planner_brief *b)
{
    free(b->text);
    free(b->music);
    free(b->logo);
    free(b->title);
    free(b->first_word);
    free(b->last_word);
    free(b->first_asset);
    free(b->last_asset);
    json_decref(b->only_words);
    json_decref(b->exclude_words);
    json_decref(b->only_assets);
    json_decref(b->exclude_assets);
    json_decref(b->style);
    json_decref(b->explain);
    planner_brief_init(b);
}

/* ---- the brief grammar ----
 *
 * The brief is cut into lower-case words (letters, digits, UTF-8 bytes; ':'
 * and '.' between digits stay inside a number; '&' is a word of its own).
 * Phrases are patterns of words, tried at each word in the order of the
 * table below (negations before the positive forms); a phrase that matches
 * sets its constraint (unless a flag set it first: the flag wins and the
 * explanation says so) and uses its words. The words no phrase used and
 * that carry meaning (not "a", "the", "with"...) are reported as unused.
 */

struct tok {
    char w[40];
    size_t off, len; /* in the brief's text */
    int used;
};
typedef VEC(struct tok) tok_vec;

static int is_word_byte(const char *t, size_t i, size_t n)
{
    unsigned char c = (unsigned char)t[i];
    if (isalnum(c) || c >= 0x80)
        return 1;
    return (c == ':' || c == '.') && i > 0 && i + 1 < n && isdigit((unsigned char)t[i - 1]) &&
           isdigit((unsigned char)t[i + 1]);
}

static void tokenize(const char *t, tok_vec *out)
{
    size_t n = strlen(t);
    for (size_t i = 0; i < n;) {
        if (t[i] == '&') {
            struct tok k = {"&", i, 1, 0};
            VEC_PUSH(out, k);
            i++;
            continue;
        }
        if (!is_word_byte(t, i, n)) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < n && is_word_byte(t, i, n))
            i++;
        struct tok k;
        memset(&k, 0, sizeof(k));
        k.off = s;
        k.len = i - s;
        size_t m = k.len < sizeof(k.w) - 1 ? k.len : sizeof(k.w) - 1;
        for (size_t j = 0; j < m; j++)
            k.w[j] = (char)tolower((unsigned char)t[s + j]);
        VEC_PUSH(out, k);
    }
}

/*
 * Does the pattern match the words at i? Elements are separated by spaces;
 * "a|b" is either word, a leading '?' makes an element optional, "#" is a
 * number ("30", "1.5"), "#u" a number glued to a unit ("30s", "2min"), "X" is
 * the asset word (stop words before it are skipped; stored in *x), "*" any
 * one word. Returns the number of words matched, 0 when it does not match.
 */
static int is_stop(const char *w);

static int alt_has(const char *alts, size_t alen, const char *w)
{
    size_t wl = strlen(w);
    const char *p = alts, *end = alts + alen;
    while (p < end) {
        const char *bar = memchr(p, '|', (size_t)(end - p));
        size_t l = bar ? (size_t)(bar - p) : (size_t)(end - p);
        if (l == wl && !memcmp(p, w, l))
            return 1;
        p += l + 1;
    }
    return 0;
}

static int is_number(const char *w)
{
    char *e;
    double v = strtod(w, &e);
    return e != w && !*e && v > 0 && isdigit((unsigned char)w[0]);
}

static int match_at(const tok_vec *tv, size_t i, const char *pat, size_t *x)
{
    size_t k = i;
    const char *p = pat;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, ' ');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        int opt = *p == '?';
        const char *a = p + opt;
        size_t al = l - (size_t)opt;
        p += l;
        int ok = 0;
        if (k < tv->n) {
            const char *w = tv->v[k].w;
            if (al == 1 && *a == '#')
                ok = is_number(w);
            else if (al == 2 && !memcmp(a, "#u", 2)) {
                char *end;
                double v = strtod(w, &end);
                ok = end != w && v > 0 && isdigit((unsigned char)w[0]) && *end &&
                     alt_has("s|sec|secs|second|seconds|m|min|mins|minute|minutes", 50, end);
            } else if (al == 1 && *a == '*')
                ok = 1;
            else if (al == 1 && *a == 'X') {
                while (k < tv->n && is_stop(tv->v[k].w))
                    k++;
                ok = k < tv->n && !tv->v[k].used;
                if (ok && x)
                    *x = k;
            } else
                ok = alt_has(a, al, w);
        }
        if (ok)
            k++;
        else if (!opt)
            return 0;
    }
    return (int)(k - i);
}

static const char *const stop_words[] = {
    "a",     "an",     "the",   "of",    "our",   "my",    "your", "their", "its",   "this",
    "that",  "these",  "those", "with",  "and",   "or",    "but",  "for",   "to",    "in",
    "on",    "at",     "by",    "from",  "as",    "is",    "be",   "it",    "we",    "us",
    "me",    "you",    "i",     "please", "make", "create", "edit", "video", "clip", "clips",
    "cut",   "cuts",   "some",  "all",   "into",  "give",  "want", "need",  "like",  "just",
    "also",  "then",   "shot",  "shots", "footage", "put", "use",  "using", "keep",  "add",
    "have",  "has",    "should", "would", "can",  "could", "let",  "lets",  "get",   "out",
    "up",    "over",   "very",  "really", "nice", "good",  "great", "one",  "sequence",
    "version", "film", "movie", NULL};

static int is_stop(const char *w)
{
    for (const char *const *s = stop_words; *s; s++)
        if (!strcmp(*s, w))
            return 1;
    return 0;
}

enum brief_key {
    K_DURATION,
    K_UNDER, /* a duration that is a limit */
    K_ASPECT,
    K_PACE,
    K_ON_BEAT,
    K_CAPTIONS,
    K_LOGO_POS,
    K_FIRST,
    K_LAST,
    K_ONLY,
    K_EXCLUDE,
    K_MUTE_BROLL,
    K_DUCK,
    K_LOOK,
    K_NO_MUSIC,
    K_NO_LOGO,
};

/* The phrase table: pattern, key, value (a string the key's setter reads). */
static const struct phrase {
    const char *pat;
    enum brief_key key;
    const char *val;
} phrases[] = {
    /* captions */
    {"no|without|skip ?burned ?in captions|subtitles|caption|subtitle", K_CAPTIONS, "0"},
    {"captions|subtitles off|none", K_CAPTIONS, "0"},
    {"?with ?burned ?in captions|subtitles|caption|subtitle|captioned|subtitled", K_CAPTIONS, "1"},
    /* music and logo off */
    {"no|without music|soundtrack", K_NO_MUSIC, "1"},
    {"no|without logo|watermark|branding", K_NO_LOGO, "1"},
    /* beats */
    {"not|no|without|ignore on|to ?the beat|beats", K_ON_BEAT, "0"},
    {"no|without beat sync|syncing|synced|matching", K_ON_BEAT, "0"},
    {"?cut|cuts|cutting|edited|synced|timed on|to|with ?the beat|beats", K_ON_BEAT, "1"},
    {"beat synced|sync|matched|matching|cut|cuts", K_ON_BEAT, "1"},
    {"?cut|cuts ?in time to|with ?the music|track|song|rhythm", K_ON_BEAT, "1"},
    /* b-roll sound */
    {"mute|silence|muted ?the b roll|broll", K_MUTE_BROLL, "1"},
    {"b roll|broll muted|silent|silenced", K_MUTE_BROLL, "1"},
    {"silent b roll|broll", K_MUTE_BROLL, "1"},
    {"no|without b roll|broll sound|audio", K_MUTE_BROLL, "1"},
    {"keep ?the b roll|broll sound|audio", K_MUTE_BROLL, "0"},
    {"b roll|broll sound|audio on", K_MUTE_BROLL, "0"},
    /* ducking */
    {"no|without ducking", K_DUCK, "0"},
    {"?the music|track|bed|song under ?the speech|voice|voices|dialogue|talking|narration|"
     "interview|voiceover|speaker",
     K_DUCK, "1"},
    {"duck|ducking|ducked ?the ?music|track|bed", K_DUCK, "1"},
    {"music|track ducked", K_DUCK, "1"},
    /* logo corner */
    {"logo|watermark|bug ?in|at ?the top|upper right|left ?corner", K_LOGO_POS, "top"},
    {"logo|watermark|bug ?in|at ?the bottom|lower right|left ?corner", K_LOGO_POS, "bottom"},
    {"top|upper right|left ?corner logo|watermark|bug", K_LOGO_POS, "top"},
    {"bottom|lower right|left ?corner logo|watermark|bug", K_LOGO_POS, "bottom"},
    /* order */
    {"open|opens|opening|start|starts|starting|begin|begins|beginning|lead|leads on|with X",
     K_FIRST, NULL},
    {"end|ends|ending|close|closes|closing|finish|finishes|finishing on|with X", K_LAST, NULL},
    {"?use only ?use X", K_ONLY, NULL},
    {"nothing but X", K_ONLY, NULL},
    {"no|without|skip|drop|exclude X", K_EXCLUDE, NULL},
    /* look */
    {"black and|& white", K_LOOK, "bw"},
    {"b & w", K_LOOK, "bw"},
    {"bw|monochrome|grayscale|greyscale|noir", K_LOOK, "bw"},
    {"vivid|saturated|colorful|colourful|punchy colors|colours", K_LOOK, "vivid"},
    {"muted|desaturated|faded ?colors|colours|look", K_LOOK, "muted"},
    {"warm|warmer|golden ?look|tones|tone|colors|colours|grade", K_LOOK, "warm"},
    {"cool|cooler|cold ?look|tones|tone|colors|colours|grade", K_LOOK, "cool"},
    {"?with ?the lut|graded|grade", K_LOOK, "lut"},
    /* aspect and platforms */
    {"9:16", K_ASPECT, "9:16"},
    {"16:9", K_ASPECT, "16:9"},
    {"1:1", K_ASPECT, "1:1"},
    {"4:5", K_ASPECT, "4:5"},
    {"vertical|portrait|upright", K_ASPECT, "9:16"},
    {"horizontal|landscape|widescreen", K_ASPECT, "16:9"},
    {"square", K_ASPECT, "1:1"},
    {"?for instagram reels|reel|story|stories", K_ASPECT, "9:16"},
    {"?for reels", K_ASPECT, "9:16"},
    {"?for tiktok|tiktoks|snapchat", K_ASPECT, "9:16"},
    {"?for youtube shorts|short", K_ASPECT, "9:16"},
    {"?for shorts", K_ASPECT, "9:16"},
    {"?for instagram ?post|feed", K_ASPECT, "4:5"},
    {"?for youtube", K_ASPECT, "16:9"},
    /* duration */
    {"?at under|below|within|max|maximum|less|shorter|most ?than # "
     "s|sec|secs|second|seconds|m|min|mins|minute|minutes",
     K_UNDER, NULL},
    {"?at under|below|within|max|maximum|less|shorter|most ?than #u", K_UNDER, NULL},
    {"under|below|within|less|shorter ?than a|one minute", K_UNDER, "60"},
    {"# ?long s|sec|secs|second|seconds|m|min|mins|minute|minutes ?long", K_DURATION, NULL},
    {"#u ?long", K_DURATION, NULL},
    {"half a minute", K_DURATION, "30"},
    {"a|one minute|min ?long", K_DURATION, "60"},
    {"two minutes|min", K_DURATION, "120"},
    /* pace */
    {"fast|quick|rapid|punchy|snappy|energetic|dynamic|hype|upbeat|lively ?paced|pace|cuts|"
     "cutting|edit|edited",
     K_PACE, "fast"},
    {"high energy", K_PACE, "fast"},
    {"slow|calm|relaxed|gentle|contemplative|cinematic|leisurely|laid ?back ?paced|pace|cuts|"
     "cutting|edit|edited",
     K_PACE, "slow"},
    {"medium|moderate|steady ?paced|pace", K_PACE, "medium"},
};

/* Words the "only X" / "no X" / "end on X" patterns must not take as an asset. */
static int reserved_word(const char *w)
{
    static const char *const r[] = {"captions", "subtitles", "music",  "logo",  "beat",
                                    "beats",    "ducking",   "b",      "broll", "title",
                                    "fades",    "fade",      "transitions", "text", NULL};
    for (const char *const *s = r; *s; s++)
        if (!strcmp(*s, w))
            return 1;
    return 0;
}

struct parse_ctx {
    struct planner_brief *b;
    const char *text;
    json_t *constraints, *overridden, *unused;
    /* set by a flag before the brief was read */
    int flag_duration, flag_aspect, flag_pace, flag_captions, flag_beat, flag_logo_pos,
        flag_title;
    /* set by an earlier phrase of the brief */
    int seen[32];
};

static json_t *phrase_of(const struct parse_ctx *c, const tok_vec *tv, size_t i, size_t n)
{
    size_t s = tv->v[i].off, e = tv->v[i + n - 1].off + tv->v[i + n - 1].len;
    return json_stringn(c->text + s, e - s);
}

static const char *const key_names[] = {
    [K_DURATION] = "duration",   [K_UNDER] = "duration",      [K_ASPECT] = "aspect",
    [K_PACE] = "pace",           [K_ON_BEAT] = "on_beat",     [K_CAPTIONS] = "captions",
    [K_LOGO_POS] = "logo_position", [K_FIRST] = "first_asset", [K_LAST] = "last_asset",
    [K_ONLY] = "only",           [K_EXCLUDE] = "exclude",     [K_MUTE_BROLL] = "mute_broll",
    [K_DUCK] = "duck",           [K_LOOK] = "look",           [K_NO_MUSIC] = "music",
    [K_NO_LOGO] = "logo",
};

static double number_of(const char *w, int *minutes)
{
    char *e;
    double v = strtod(w, &e);
    if (*e)
        *minutes = *e == 'm';
    return v;
}

/* Does an earlier constraint of this key have this value? */
static int agrees(const json_t *constraints, const char *key, const json_t *value)
{
    size_t i;
    json_t *c;
    json_array_foreach(constraints, i, c) if (!strcmp(json_get_str(c, "key", ""), key) &&
                                              json_equal(json_object_get(c, "value"), value)) return 1;
    return 0;
}

/* Apply one matched phrase; returns 0 when it must not count (the word it
 * names is reserved). */
static int apply(struct parse_ctx *c, const struct phrase *ph, const tok_vec *tv, size_t i,
                 size_t n, size_t xi)
{
    struct planner_brief *b = c->b;
    enum brief_key k = ph->key;
    const char *name = key_names[k];
    json_t *value = NULL;
    int flag = 0;
    char buf[64];
    switch (k) {
    case K_DURATION:
    case K_UNDER: {
        double v = 0;
        int minutes = 0;
        if (ph->val)
            v = atof(ph->val);
        else
            for (size_t j = i; j < i + n; j++) {
                const char *w = tv->v[j].w;
                if (isdigit((unsigned char)w[0])) {
                    v = number_of(w, &minutes);
                } else if (v > 0 && (w[0] == 'm'))
                    minutes = 1;
            }
        if (minutes)
            v *= 60;
        if (v <= 0 || v > 3600)
            return 0;
        if (k == K_UNDER) /* a limit: aim a little below it, on a whole second */
            v = floor(v * 0.95);
        flag = c->flag_duration;
        value = json_real(flag ? b->duration : v);
        if (!flag && !c->seen[k] && !c->seen[K_DURATION] && !c->seen[K_UNDER])
            b->duration = v;
        break;
    }
    case K_ASPECT:
        flag = c->flag_aspect;
        if (!flag && !c->seen[k])
            snprintf(b->aspect, sizeof(b->aspect), "%s", ph->val);
        value = json_string(flag ? b->aspect : ph->val);
        break;
    case K_PACE:
        flag = c->flag_pace;
        if (!flag && !c->seen[k])
            b->pace = !strcmp(ph->val, "fast") ? PACE_FAST
                      : !strcmp(ph->val, "slow") ? PACE_SLOW
                                                 : PACE_MEDIUM;
        value = json_string(ph->val);
        break;
    case K_ON_BEAT:
        flag = c->flag_beat;
        if (!flag && !c->seen[k])
            b->on_beat = ph->val[0] == '1';
        value = json_boolean(ph->val[0] == '1');
        break;
    case K_CAPTIONS:
        flag = c->flag_captions;
        if (!flag && !c->seen[k])
            b->captions = ph->val[0] == '1';
        value = json_boolean(ph->val[0] == '1');
        break;
    case K_LOGO_POS: {
        const char *side = "right";
        for (size_t j = i; j < i + n; j++)
            if (!strcmp(tv->v[j].w, "left") || !strcmp(tv->v[j].w, "right"))
                side = tv->v[j].w;
        snprintf(buf, sizeof(buf), "%s-%s", ph->val, side);
        flag = c->flag_logo_pos;
        if (!flag && !c->seen[k])
            snprintf(b->logo_position, sizeof(b->logo_position), "%s", buf);
        value = json_string(buf);
        break;
    }
    case K_FIRST:
    case K_LAST:
    case K_ONLY:
    case K_EXCLUDE: {
        const char *w = tv->v[xi].w;
        if (reserved_word(w) || is_number(w))
            return 0;
        value = json_string(w);
        if (k == K_FIRST && !b->first_word)
            b->first_word = xstrdup(w);
        else if (k == K_LAST && !b->last_word)
            b->last_word = xstrdup(w);
        else if (k == K_ONLY || k == K_EXCLUDE) {
            json_t **arr = k == K_ONLY ? &b->only_words : &b->exclude_words;
            if (!*arr)
                *arr = json_array();
            json_array_append(*arr, value);
            c->seen[k] = 0; /* a list: every one counts */
        }
        break;
    }
    case K_MUTE_BROLL:
        if (!c->seen[k])
            b->mute_broll = ph->val[0] == '1';
        value = json_boolean(ph->val[0] == '1');
        break;
    case K_DUCK:
        if (!c->seen[k])
            b->duck = ph->val[0] == '1';
        value = json_boolean(ph->val[0] == '1');
        break;
    case K_LOOK:
        if (!c->seen[k])
            snprintf(b->look, sizeof(b->look), "%s", ph->val);
        value = json_string(ph->val);
        break;
    case K_NO_MUSIC:
        b->no_music = 1;
        value = json_false();
        break;
    case K_NO_LOGO:
        b->no_logo = 1;
        value = json_false();
        break;
    }
    json_t *phrase = phrase_of(c, tv, i, n);
    if (flag)
        json_array_append_new(c->overridden, json_pack("{s:s, s:O, s:s}", "key", name, "phrase",
                                                       phrase, "by", "flag"));
    else if ((c->seen[k] || (k == K_UNDER && c->seen[K_DURATION]) ||
              (k == K_DURATION && c->seen[K_UNDER])) &&
             !agrees(c->constraints, name, value))
        json_array_append_new(c->overridden, json_pack("{s:s, s:O, s:s}", "key", name, "phrase",
                                                       phrase, "by", "an earlier phrase"));
    else
        json_array_append_new(c->constraints, json_pack("{s:s, s:O, s:O, s:s}", "key", name,
                                                        "value", value, "phrase", phrase,
                                                        "source", "brief"));
    json_decref(phrase);
    json_decref(value);
    c->seen[k] = k == K_ONLY || k == K_EXCLUDE ? 0 : 1;
    return 1;
}

/* The quoted title: title "X", titled 'X', title: "X"; its span in *s, *e. */
static char *parse_title(const char *text, size_t *s, size_t *e)
{
    const char *p = text;
    while ((p = strcasestr(p, "title")) != NULL) {
        const char *q = p + 5;
        if (!strncasecmp(q, "d", 1))
            q++;
        while (*q == ' ' || *q == ':')
            q++;
        const char *open = q;
        const char *close = NULL;
        size_t ql = 0;
        if (*q == '"' || *q == '\'') {
            close = strchr(q + 1, *q);
            ql = 1;
        } else if (!strncmp(q, "\xe2\x80\x9c", 3)) { /* “ ” */
            close = strstr(q + 3, "\xe2\x80\x9d");
            ql = 3;
        } else if (!strncmp(q, "\xe2\x80\x98", 3)) { /* ‘ ’ */
            close = strstr(q + 3, "\xe2\x80\x99");
            ql = 3;
        }
        if (close && close > open + ql && close - open < 200) {
            *s = (size_t)(p - text);
            *e = (size_t)(close - text) + ql;
            return xstrndup(open + ql, (size_t)(close - open) - ql);
        }
        p += 5;
    }
    return NULL;
}

static void add_flag(struct parse_ctx *c, int set, const char *key, json_t *value)
{
    if (set)
        json_array_append_new(c->constraints, json_pack("{s:s, s:o, s:n, s:s}", "key", key,
                                                        "value", value, "phrase", "source",
                                                        "flag"));
    else
        json_decref(value);
}

enum reel_code planner_brief_parse(struct planner_brief *b, struct reel_err *err)
{
    static const char *const paces[] = {NULL, "slow", "medium", "fast"};
    if (!b->text)
        return REEL_OK;
    size_t len = strlen(b->text);
    if (len > 8000)
        return reel_fail(err, REEL_EINVAL, "brief", "the brief is %zu bytes; at most 8000", len);
    if (!utf8_valid(b->text, len))
        return reel_fail(err, REEL_EINVAL, "brief", "the brief is not valid UTF-8");
    struct parse_ctx c;
    memset(&c, 0, sizeof(c));
    c.b = b;
    c.text = b->text;
    c.constraints = json_array();
    c.overridden = json_array();
    c.unused = json_array();
    c.flag_duration = b->duration > 0;
    c.flag_aspect = b->aspect[0] != 0;
    c.flag_pace = b->pace != PACE_UNSET;
    c.flag_captions = b->captions >= 0;
    c.flag_beat = b->on_beat >= 0;
    c.flag_logo_pos = b->logo_position[0] != 0;
    c.flag_title = b->title != NULL;
    add_flag(&c, c.flag_duration, "duration", json_real(b->duration));
    add_flag(&c, c.flag_aspect, "aspect", json_string(b->aspect));
    add_flag(&c, c.flag_pace, "pace", json_string(c.flag_pace ? paces[b->pace] : ""));
    add_flag(&c, c.flag_captions, "captions", json_boolean(b->captions > 0));
    add_flag(&c, c.flag_beat, "on_beat", json_boolean(b->on_beat > 0));
    add_flag(&c, c.flag_logo_pos, "logo_position", json_string(b->logo_position));
    add_flag(&c, c.flag_title, "title", json_string(b->title ? b->title : ""));

    tok_vec tv = VEC_INIT;
    tokenize(b->text, &tv);
    size_t ts = 0, te = 0;
    char *title = parse_title(b->text, &ts, &te);
    if (title) {
        for (size_t i = 0; i < tv.n; i++)
            if (tv.v[i].off >= ts && tv.v[i].off < te)
                tv.v[i].used = 1;
        json_t *ph = json_stringn(b->text + ts, te - ts);
        if (c.flag_title) {
            json_array_append_new(c.overridden, json_pack("{s:s, s:o, s:s}", "key", "title",
                                                          "phrase", ph, "by", "flag"));
            free(title);
        } else {
            json_array_append_new(c.constraints,
                                  json_pack("{s:s, s:s, s:o, s:s}", "key", "title", "value",
                                            title, "phrase", ph, "source", "brief"));
            b->title = title;
        }
    }
    for (size_t i = 0; i < tv.n;) {
        if (tv.v[i].used) {
            i++;
            continue;
        }
        int took = 0;
        for (size_t p = 0; p < ARRAY_SIZE(phrases) && !took; p++) {
            size_t xi = (size_t)-1;
            int n = match_at(&tv, i, phrases[p].pat, &xi);
            if (n <= 0)
                continue;
            int overlaps = 0;
            for (size_t j = i; j < i + (size_t)n; j++)
                overlaps |= tv.v[j].used;
            if (overlaps)
                continue;
            /* a phrase that is all optional words matched nothing of weight */
            int weight = 0;
            for (size_t j = i; j < i + (size_t)n; j++)
                weight |= !is_stop(tv.v[j].w);
            if (!weight)
                continue;
            if (!apply(&c, &phrases[p], &tv, i, (size_t)n, xi))
                continue;
            for (size_t j = i; j < i + (size_t)n; j++)
                tv.v[j].used = 1;
            i += (size_t)n;
            took = 1;
            /* a list: "only the city and the beach", "no crowd or beach" */
            enum brief_key lk = phrases[p].key;
            while ((lk == K_ONLY || lk == K_EXCLUDE) && i < tv.n) {
                static const struct phrase more_only = {"and|or|, X", K_ONLY, NULL},
                                           more_excl = {"and|or|, X", K_EXCLUDE, NULL};
                const struct phrase *mp = lk == K_ONLY ? &more_only : &more_excl;
                size_t x2 = (size_t)-1;
                int m2 = match_at(&tv, i, mp->pat, &x2);
                int starts_phrase = 0; /* "only the city and end on the beach" */
                for (size_t q = 0; m2 > 0 && x2 != (size_t)-1 && q < ARRAY_SIZE(phrases); q++) {
                    size_t xq = (size_t)-1;
                    starts_phrase |= match_at(&tv, x2, phrases[q].pat, &xq) > 1;
                }
                if (m2 <= 0 || x2 == (size_t)-1 || tv.v[x2].used || starts_phrase ||
                    !apply(&c, mp, &tv, i, (size_t)m2, x2))
                    break;
                for (size_t j = i; j < i + (size_t)m2; j++)
                    tv.v[j].used = 1;
                i += (size_t)m2;
            }
        }
        if (!took)
            i++;
    }
    for (size_t i = 0; i < tv.n; i++)
        if (!tv.v[i].used && !is_stop(tv.v[i].w) && strcmp(tv.v[i].w, "&")) {
            int dup = 0;
            size_t k;
            json_t *u;
            json_array_foreach(c.unused, k, u) dup |= !strcmp(json_string_value(u), tv.v[i].w);
            if (!dup)
                json_array_append_new(c.unused, json_stringn(b->text + tv.v[i].off, tv.v[i].len));
        }
    VEC_FREE(&tv);
    json_decref(b->explain);
    b->explain = json_pack("{s:o, s:o, s:o, s:[]}", "constraints", c.constraints, "overridden",
                           c.overridden, "unused", c.unused, "unresolved");
    return REEL_OK;
}

/* ---- resolving asset words ---- */

static int word_in(const char *hay, const char *w)
{
    /* w as a whole word of hay, words split by anything not a letter or digit */
    size_t wl = strlen(w);
    for (const char *p = hay; (p = strcasestr(p, w)) != NULL; p++) {
        int before = p == hay || !isalnum((unsigned char)p[-1]);
        int after = !isalnum((unsigned char)p[wl]);
        if (before && after)
            return 1;
    }
    return 0;
}

static const struct planner_asset *asset_for_word(const struct planner_asset *assets, size_t n,
                                                  const char *w)
{
    char sing[40];
    snprintf(sing, sizeof(sing), "%s", w);
    size_t l = strlen(sing);
    if (l > 3 && sing[l - 1] == 's')
        sing[l - 1] = 0;
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < n; i++) {
            const struct planner_asset *a = &assets[i];
            const char *t = planner_asset_type(a);
            if (!strcmp(t, "audio") || !strcmp(t, "logo") || !strcmp(t, "lut"))
                continue;
            const char *base = a->path ? strrchr(a->path, '/') : NULL;
            base = base ? base + 1 : a->path ? a->path : "";
            if (pass == 0 && (!strcmp(a->label, w) || !strcmp(a->label, sing)))
                return a;
            if (pass == 1 && (word_in(a->label, w) || word_in(a->label, sing)))
                return a;
            if (pass == 2 && (word_in(base, w) || word_in(base, sing)))
                return a;
        }
    return NULL;
}

static void unresolve(json_t *explain, const char *key, const char *word, const char *reason)
{
    json_t *cons = json_object_get(explain, "constraints");
    for (size_t i = 0; i < json_array_size(cons); i++) {
        json_t *c = json_array_get(cons, i);
        if (strcmp(json_get_str(c, "key", ""), key) ||
            strcmp(json_string_value(json_object_get(c, "value")) ?: "", word))
            continue;
        json_array_append_new(json_object_get(explain, "unresolved"),
                              json_pack("{s:s, s:O, s:s, s:s}", "key", key, "phrase",
                                        json_object_get(c, "phrase"), "word", word, "reason",
                                        reason));
        json_array_remove(cons, i);
        return;
    }
}

static void set_value(json_t *explain, const char *key, const char *word, const char *label)
{
    json_t *cons = json_object_get(explain, "constraints");
    size_t i;
    json_t *c;
    json_array_foreach(cons, i, c)
    {
        if (!strcmp(json_get_str(c, "key", ""), key) &&
            !strcmp(json_string_value(json_object_get(c, "value")) ?: "", word)) {
            json_object_set_new(c, "value", json_string(label));
            return;
        }
    }
}

static char *resolve_one(struct planner_brief *b, const struct planner_asset *assets, size_t n,
                         const char *key, const char *word)
{
    const struct planner_asset *a = asset_for_word(assets, n, word);
    if (!a) {
        char why[160];
        snprintf(why, sizeof(why), "no footage or picture is labelled or named '%s'", word);
        unresolve(b->explain, key, word, why);
        return NULL;
    }
    set_value(b->explain, key, word, a->label);
    return xstrdup(a->label);
}

void planner_brief_resolve(struct planner_brief *b, const struct planner_asset *assets, size_t n)
{
    if (!b->explain)
        b->explain = json_pack("{s:[], s:[], s:[], s:[]}", "constraints", "overridden", "unused",
                               "unresolved");
    /* a look the plan's colour op cannot make without a LUT */
    if (!strcmp(b->look, "warm") || !strcmp(b->look, "cool") || !strcmp(b->look, "lut")) {
        int lut = 0;
        for (size_t i = 0; i < n; i++)
            lut |= !strcmp(planner_asset_type(&assets[i]), "lut");
        if (!lut) {
            unresolve(b->explain, "look", b->look,
                      !strcmp(b->look, "lut") ? "no LUT (.cube) asset was given"
                                              : "EditPlan v1's colour op has no colour "
                                                "temperature: give a LUT (.cube) asset for it");
            b->look[0] = 0;
        }
    }
    if (b->first_word && !b->first_asset)
        b->first_asset = resolve_one(b, assets, n, "first_asset", b->first_word);
    if (b->last_word && !b->last_asset)
        b->last_asset = resolve_one(b, assets, n, "last_asset", b->last_word);
    for (int pass = 0; pass < 2; pass++) {
        json_t *words = pass ? b->exclude_words : b->only_words;
        json_t **out = pass ? &b->exclude_assets : &b->only_assets;
        if (!words || *out)
            continue;
        *out = json_array();
        size_t i;
        json_t *w;
        json_array_foreach(words, i, w)
        {
            char *l = resolve_one(b, assets, n, pass ? "exclude" : "only", json_string_value(w));
            if (l)
                json_array_append_new(*out, json_string(l));
            free(l);
        }
    }
}

void planner_brief_explain_text(const json_t *explain, struct buf *out)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(explain, "constraints"), i, c)
    {
        char *v = json_dumps(json_object_get(c, "value"), JSON_ENCODE_ANY);
        const char *ph = json_get_str(c, "phrase", NULL);
        if (ph)
            buf_addf(out, "  \"%s\" -> %s = %s\n", ph, json_get_str(c, "key", "?"), v ? v : "?");
        else
            buf_addf(out, "  --%s (flag) -> %s = %s\n", json_get_str(c, "key", "?"),
                     json_get_str(c, "key", "?"), v ? v : "?");
        free(v);
    }
    json_array_foreach(json_object_get(explain, "overridden"), i, c)
        buf_addf(out, "  \"%s\" -> %s: not used, %s wins\n", json_get_str(c, "phrase", "?"),
                 json_get_str(c, "key", "?"),
                 !strcmp(json_get_str(c, "by", ""), "flag") ? "the flag" : "an earlier phrase");
    json_array_foreach(json_object_get(explain, "unresolved"), i, c)
        buf_addf(out, "  \"%s\" -> %s: not done: %s\n", json_get_str(c, "phrase", "?"),
                 json_get_str(c, "key", "?"), json_get_str(c, "reason", "?"));
    json_t *un = json_object_get(explain, "unused");
    if (json_array_size(un)) {
        buf_adds(out, "  not understood (not used):");
        json_array_foreach(un, i, c) buf_addf(out, " \"%s\"", json_string_value(c));
        buf_adds(out, "\n");
    }
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

static const char *const positions[] = {"top-left", "top-right", "bottom-left", "bottom-right",
                                        "top",      "bottom",    "left",        "right",
                                        "center",   NULL};

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
    if (b->first_asset)
        json_object_set_new(j, "first_asset", json_string(b->first_asset));
    if (b->last_asset)
        json_object_set_new(j, "last_asset", json_string(b->last_asset));
    if (b->only_assets)
        json_object_set(j, "only", b->only_assets);
    if (b->exclude_assets)
        json_object_set(j, "exclude", b->exclude_assets);
    if (b->mute_broll >= 0)
        json_object_set_new(j, "mute_broll", json_boolean(b->mute_broll));
    if (b->duck >= 0)
        json_object_set_new(j, "duck", json_boolean(b->duck));
    if (b->look[0])
        json_object_set_new(j, "look", json_string(b->look));
    if (b->no_music)
        json_object_set_new(j, "no_music", json_true());
    if (b->no_logo)
        json_object_set_new(j, "no_logo", json_true());
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
