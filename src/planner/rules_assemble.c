/* The rules planner: params, the storyline of cuts and the plan's operations. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/rules_internal.h"
#include "core/banned.h"

/* ---- building the plan ---- */

static const char *style_str(const json_t *style, const char *group, const char *key,
                             const char *def)
{
    const char *v = json_get_str(json_object_get(style, group), key, NULL);
    if (v)
        return v;
    if (!strcmp(key, "font"))
        return json_get_str(style, "font", def);
    return def;
}

void rules_params_defaults(struct rules_params *p, const struct planner_brief *b)
{
    memset(p, 0, sizeof(*p));
    p->brief = b;
    p->pace = b->pace == PACE_FAST ? 1 : b->pace == PACE_SLOW ? 3 : 2;
    p->loudness_lufs = facts_num(b->style, "loudness_lufs", -14);
    p->true_peak_dbtp = facts_num(b->style, "true_peak_dbtp", -1);
    const json_t *logo = json_object_get(b->style, "logo");
    snprintf(p->logo_position, sizeof(p->logo_position), "%s",
             b->logo_position[0] ? b->logo_position : json_get_str(logo, "position", "top-right"));
    p->logo_width = facts_num(logo, "width", 0.14);
    p->logo_margin = facts_num(logo, "margin", 0.04);
    snprintf(p->cap_color, sizeof(p->cap_color), "%s",
             style_str(b->style, "captions", "color", "#FFFFFF"));
    snprintf(p->cap_outline, sizeof(p->cap_outline), "%s",
             style_str(b->style, "captions", "outline", "#000000"));
    snprintf(p->cap_box, sizeof(p->cap_box), "%s", style_str(b->style, "captions", "box", ""));
    p->cap_size = facts_num(json_object_get(b->style, "captions"), "size", 0.055);
}

json_t *rules_jnum(double v)
{
    /* six decimals: readable plans, exact enough for frame times */
    return json_real(round(v * 1e6) / 1e6);
}

static json_t *color_or_null(const char *c)
{
    return c && *c ? json_string(c) : json_null();
}

const struct planner_asset *rules_pick_asset(const struct planner_asset *assets, size_t n,
                                             const char *label, const char *type)
{
    if (label)
        return planner_asset_find(assets, n, label);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(planner_asset_type(&assets[i]), type))
            return &assets[i];
    return NULL;
}

const struct planner_asset *rules_pick_logo(const struct planner_asset *assets, size_t n,
                                            const char *label)
{
    const struct planner_asset *a = rules_pick_asset(assets, n, label, "logo");
    if (a || label)
        return a;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && strstr(assets[i].label, "logo"))
            return &assets[i];
    return NULL;
}

const struct planner_asset *rules_pick_music(const struct planner_asset *assets, size_t n,
                                             const char *label)
{
    const struct planner_asset *a = rules_pick_asset(assets, n, label, "audio");
    if (a || label)
        return a;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_AUDIO)
            return &assets[i];
    return NULL;
}

static int in_list(const json_t *arr, const char *label)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (!strcmp(json_string_value(v), label)) return 1;
    return 0;
}

/* May the storyline use this asset? "no X" leaves it out; "only X" keeps
 * just X (and what the brief opens or ends on). */
int rules_asset_allowed(const struct planner_brief *b, const struct planner_asset *a)
{
    if (in_list(b->exclude_assets, a->label))
        return 0;
    if (json_array_size(b->only_assets) && !in_list(b->only_assets, a->label) &&
        !(b->first_asset && !strcmp(b->first_asset, a->label)) &&
        !(b->last_asset && !strcmp(b->last_asset, a->label)))
        return 0;
    return 1;
}

/* Take the best candidate of the asset out of the pools for the opening or
 * closing shot; a clip with no candidate window gives its start. 0: none. */
static int reserve(const struct rules_params *p, const struct planner_asset *assets, size_t n,
                   const char *label, seg_vec *talk, seg_vec *other, struct seg *out)
{
    if (!label)
        return 0;
    size_t ai = n;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(assets[i].label, label))
            ai = i;
    if (ai == n)
        return 0;
    seg_vec *pools[2] = {talk, other};
    seg_vec *bp = NULL;
    size_t bi = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < pools[k]->n; i++)
            if (pools[k]->v[i].asset == ai && (!bp || pools[k]->v[i].score > bp->v[bi].score)) {
                bp = pools[k];
                bi = i;
            }
    if (bp) {
        *out = bp->v[bi];
        memmove(&bp->v[bi], &bp->v[bi + 1], (bp->n - bi - 1) * sizeof(*bp->v));
        bp->n--;
        return 1;
    }
    double d = rules_asset_duration(&assets[ai]);
    if (assets[ai].probe.kind == MEDIA_IMAGE)
        d = pace_window[p->pace];
    if (d <= 0)
        return 0;
    *out = (struct seg){ai, 0, fmin(d, pace_window[p->pace] * 1.5), 0, 0, 1, 0, 0};
    return 1;
}

enum reel_code rules_build_storyline(const struct rules_params *p,
                                     const struct planner_asset *assets, size_t n,
                                     const struct planner_asset *music, struct storyline *sl,
                                     struct reel_err *err)
{
    const struct planner_brief *b = p->brief;
    memset(sl, 0, sizeof(*sl));
    const struct planner_asset *first = NULL;
    for (size_t i = 0; i < n; i++)
        if (rules_is_footage(&assets[i]) && !first)
            first = &assets[i];
    const struct planner_asset *first_pic = first;
    for (size_t i = 0; i < n && !first_pic; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && strcmp(planner_asset_type(&assets[i]), "logo"))
            first_pic = &assets[i];
    if (!first_pic)
        return reel_fail(err, REEL_EINVAL, "assets",
                         "nothing to put on the timeline: give at least one video or image");
    int sw = 0, sh = 0;
    media_display_size(&first_pic->probe, &sw, &sh);
    snprintf(sl->aspect, sizeof(sl->aspect), "%s",
             b->aspect[0] ? b->aspect : rules_nearest_aspect(sw, sh));
    rules_output_size(sl->aspect, sw, sh, &sl->width, &sl->height);
    sl->fps = rules_pick_fps(first ? first->probe.fps : 30);

    seg_vec talk = VEC_INIT, other = VEC_INIT;
    double talk_total = 0, talk_src = 0, other_src = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rules_is_footage(&assets[i]) || !rules_asset_allowed(b, &assets[i]))
            continue;
        if (rules_is_talking(&assets[i])) {
            size_t before = talk.n;
            sl->from_words |= rules_words_of(&assets[i]) != NULL;
            rules_talking_segments(&assets[i], i, p->pace, &talk);
            for (size_t k = before; k < talk.n; k++)
                talk_total += talk.v[k].out - talk.v[k].in;
            talk_src += rules_asset_duration(&assets[i]);
        } else {
            rules_footage_segments(&assets[i], i, p->pace, &other);
            other_src += rules_asset_duration(&assets[i]);
        }
    }
    sl->talking = talk.n > 0;
    /* no length asked: all the talk, or up to 30 s of the other footage */
    double target = b->duration > 0 ? b->duration : sl->talking ? talk_total : fmin(other_src, 30);
    /* Asked for more than the footage holds: every clip whole, in order (the
     * named opening and closing clips first and last), and no beat snapping,
     * which could only shorten it further. */
    int whole = !sl->talking && b->duration > 0 && other.n && b->duration >= other_src - 1e-6;
    sl->footage_limited = whole;
    /* the opening and closing shots the brief names are set aside first */
    struct seg open_seg, close_seg;
    int has_open = !whole && reserve(p, assets, n, b->first_asset, &talk, &other, &open_seg);
    int has_close = !whole && reserve(p, assets, n, b->last_asset, &talk, &other, &close_seg);
    if (has_open)
        target -= open_seg.out - open_seg.in;
    if (has_close)
        target -= close_seg.out - close_seg.in;
    if (has_open && open_seg.talking)
        talk_total -= open_seg.out - open_seg.in;
    if (has_close && close_seg.talking)
        talk_total -= close_seg.out - close_seg.in;
    if (target < 0)
        target = 0;
    sl->talking = talk.n > 0 || (has_open && open_seg.talking) || (has_close && close_seg.talking);
    seg_vec chosen = VEC_INIT;
    if (sl->talking) {
        rules_select_segments(assets, &talk, target, &chosen);
        double sum = 0;
        for (size_t i = 0; i < chosen.n; i++)
            sum += chosen.v[i].out - chosen.v[i].in;
        sl->removed_s = talk_src - talk_total;
        /* a little short: the last line lingers into the quiet after it
         * (while the quiet after its last word stays under 0.45 s, as far
         * as the source goes: a longer silence would be dead air), rather than a flash of b-roll or a missed duration */
        struct seg *last = chosen.n ? &chosen.v[chosen.n - 1] : NULL;
        if (last && sum < target && sum > target - 1.0) {
            double room = rules_asset_duration(&assets[last->asset]) - last->out;
            /* the quiet already at its end counts: never more than 0.45 s of it */
            double last_word = last->in;
            size_t k;
            const json_t *w;
            json_array_foreach(json_object_get(assets[last->asset].transcript, "words"), k, w)
            {
                double e = json_get_num(w, "end", -1);
                if (e <= last->out && e > last_word)
                    last_word = e;
            }
            double quiet = last->out - last_word;
            double add = fmin(fmin(target - sum, fmax(0, room)), fmax(0, 0.45 - quiet));
            last->out += add;
            sum += add;
        }
        if (sum < target - 0.5 && other.n) {
            /* not enough talk: b-roll after it */
            seg_vec more = VEC_INIT;
            rules_select_segments(assets, &other, target - sum, &more);
            for (size_t i = 0; i < more.n; i++)
                VEC_PUSH(&chosen, more.v[i]);
            VEC_FREE(&more);
        }
    } else if (whole) {
        for (int pass = 0; pass < 3; pass++)
            for (size_t i = 0; i < n; i++) {
                const struct planner_asset *a = &assets[i];
                if (!rules_is_footage(a) || !rules_asset_allowed(b, a) || rules_is_talking(a))
                    continue;
                int is_first = b->first_asset && !strcmp(a->label, b->first_asset);
                int is_last = b->last_asset && !strcmp(a->label, b->last_asset) && !is_first;
                if ((pass == 0) != is_first || (pass == 2) != is_last)
                    continue;
                VEC_PUSH(&chosen, ((struct seg){i, 0, rules_asset_duration(a), 0.5, 0, 1, 0, 0}));
            }
    } else if (other.n) {
        rules_select_segments(assets, &other, target, &chosen);
    }
    VEC_FREE(&talk);
    VEC_FREE(&other);
    if (has_open) {
        VEC_PUSH(&chosen, open_seg);
        memmove(&chosen.v[1], &chosen.v[0], (chosen.n - 1) * sizeof(*chosen.v));
        chosen.v[0] = open_seg;
    }
    if (has_close)
        VEC_PUSH(&chosen, close_seg);

    /* Images: a slideshow when there is no footage, else fill a short edit. */
    double sum = 0;
    for (size_t i = 0; i < chosen.n; i++)
        sum += chosen.v[i].out - chosen.v[i].in;
    size_t nimg = 0;
    for (size_t i = 0; i < n; i++)
        if (assets[i].probe.kind == MEDIA_IMAGE && !strcmp(planner_asset_type(&assets[i]), "image"))
            nimg++;
    if (nimg && (!chosen.n || (b->duration > 0 && sum < b->duration - 0.5))) {
        double left = b->duration > 0 ? b->duration - sum : pace_window[p->pace] * nimg;
        double each = fmax(0.5, left / nimg);
        for (size_t i = 0; i < n && left > 0.25; i++) {
            if (assets[i].probe.kind != MEDIA_IMAGE ||
                strcmp(planner_asset_type(&assets[i]), "image"))
                continue;
            double d = fmin(each, left);
            VEC_PUSH(&chosen, ((struct seg){i, 0, d, 0, 0, 1, 0, 0}));
            left -= d;
        }
    }
    /* Clips too short for any window: play them whole. */
    for (size_t i = 0; i < n && !chosen.n; i++)
        if (rules_is_footage(&assets[i]) && rules_asset_duration(&assets[i]) > 0)
            VEC_PUSH(&chosen,
                     ((struct seg){i, 0, rules_asset_duration(&assets[i]), 0, 0, 1, 0, 0}));
    if (!chosen.n) {
        VEC_FREE(&chosen);
        return reel_fail(err, REEL_EINVAL, "assets", "no usable footage (no clip has a duration)");
    }
    /* Merge segments that continue each other in the same source. */
    seg_vec merged = VEC_INIT;
    for (size_t i = 0; i < chosen.n; i++) {
        struct seg *l = merged.n ? &merged.v[merged.n - 1] : NULL;
        if (l && l->asset == chosen.v[i].asset && fabs(l->out - chosen.v[i].in) < 1e-6 &&
            assets[l->asset].probe.kind == MEDIA_VIDEO)
            l->out = chosen.v[i].out;
        else
            VEC_PUSH(&merged, chosen.v[i]);
    }
    VEC_FREE(&chosen);
    /* Frame grid. */
    double fps = sl->fps;
    long total = 0;
    for (size_t i = 0; i < merged.n; i++) {
        struct seg *s = &merged.v[i];
        const struct planner_asset *a = &assets[s->asset];
        long src_max = (long)floor(rules_asset_duration(a) * fps + 1e-6);
        s->in_f = a->probe.kind == MEDIA_VIDEO ? lround(s->in * fps) : 0;
        s->len_f = lround((s->out - s->in) * fps);
        if (s->len_f < 1)
            s->len_f = 1;
        if (a->probe.kind == MEDIA_VIDEO && s->in_f + s->len_f > src_max)
            s->len_f = src_max - s->in_f;
        total += s->len_f;
    }
    size_t w = 0;
    for (size_t i = 0; i < merged.n; i++)
        if (merged.v[i].len_f >= 1)
            merged.v[w++] = merged.v[i];
    merged.n = w;
    if (!merged.n) {
        VEC_FREE(&merged);
        return reel_fail(err, REEL_EINVAL, "assets", "no usable footage");
    }
    /* Beats. */
    if (music && music->analysis && p->brief->on_beat != 0 && !whole) {
        dbl_vec beats = VEC_INIT;
        rules_beat_times(music, total / fps + 2, &beats);
        sl->beats_snapped = rules_snap_to_beats(&merged, assets, fps, &beats, total);
        VEC_FREE(&beats);
    }
    sl->total_f = 0;
    for (size_t i = 0; i < merged.n; i++)
        sl->total_f += merged.v[i].len_f;
    sl->cuts = merged;
    return REEL_OK;
}

json_t *rules_cuts_json(const struct storyline *sl, const struct planner_asset *assets,
                        int mute_other)
{
    json_t *arr = json_array();
    double fps = sl->fps;
    int a, b;
    rules_aspect_ratio(sl->aspect, &a, &b);
    for (size_t i = 0; i < sl->cuts.n; i++) {
        const struct seg *s = &sl->cuts.v[i];
        const struct planner_asset *as = &assets[s->asset];
        json_t *op = json_object();
        char id[16];
        snprintf(id, sizeof(id), "c%zu", i + 1);
        json_object_set_new(op, "op", json_string("cut"));
        json_object_set_new(op, "id", json_string(id));
        json_object_set_new(op, "asset", json_string(as->label));
        if (as->probe.kind == MEDIA_VIDEO) {
            json_object_set_new(op, "in", rules_jnum(s->in_f / fps));
            json_object_set_new(op, "out", rules_jnum((s->in_f + s->len_f) / fps));
        } else {
            json_object_set_new(op, "duration", rules_jnum(s->len_f / fps));
        }
        int sw, sh;
        media_display_size(&as->probe, &sw, &sh);
        double fx, fy;
        if (sw > 0 && sh > 0 && fabs(log(((double)sw / sh) / ((double)a / b))) > 0.02 &&
            rules_activity_focus(as->analysis, s->in_f / fps, (s->in_f + s->len_f) / fps, &fx,
                                 &fy)) {
            json_t *f = json_object();
            json_object_set_new(f, "x", rules_jnum(round(fx * 1000) / 1000));
            json_object_set_new(f, "y", rules_jnum(round(fy * 1000) / 1000));
            json_object_set_new(op, "focus", f);
        }
        if (mute_other && !s->talking && as->probe.kind == MEDIA_VIDEO)
            json_object_set_new(op, "mute", json_true());
        json_array_append_new(arr, op);
    }
    return arr;
}

static json_t *text_style(const json_t *brand, const char *group, const char *color,
                          const char *outline, const char *box, double size)
{
    json_t *st = json_object();
    json_object_set_new(st, "font", json_string(style_str(brand, group, "font", "DejaVu Sans")));
    json_object_set_new(st, "size", rules_jnum(size));
    json_object_set_new(st, "color", json_string(color));
    json_object_set_new(st, "outline", color_or_null(outline));
    json_object_set_new(st, "box", color_or_null(box));
    return st;
}

json_t *rules_captions_op(const struct rules_params *p, const struct storyline *sl)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("captions"));
    json_object_set_new(op, "id", json_string("captions"));
    json_object_set_new(op, "source", json_string("transcript"));
    json_object_set_new(op, "position", json_string("bottom"));
    json_t *st = text_style(p->brief->style, "captions", p->cap_color, p->cap_outline, p->cap_box,
                            p->cap_size);
    int maxc = p->cap_max_chars ? p->cap_max_chars
                                : (sl->width < sl->height    ? 24
                                   : sl->width == sl->height ? 30
                                                             : 38);
    json_object_set_new(st, "max_chars_per_line", json_integer(maxc));
    json_object_set_new(st, "max_lines", json_integer(2));
    const char *hl = style_str(p->brief->style, "captions", "highlight", NULL);
    if (hl)
        json_object_set_new(st, "highlight", json_string(hl));
    json_object_set_new(op, "style", st);
    return op;
}

json_t *rules_logo_op(const struct rules_params *p, const struct planner_asset *logo)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("overlay"));
    json_object_set_new(op, "id", json_string("logo"));
    json_object_set_new(op, "asset", json_string(logo->label));
    json_object_set_new(op, "start", rules_jnum(0));
    json_object_set_new(op, "position", json_string(p->logo_position));
    json_object_set_new(op, "width", rules_jnum(p->logo_width));
    json_object_set_new(op, "margin", rules_jnum(p->logo_margin));
    json_object_set_new(
        op, "opacity",
        rules_jnum(facts_num(json_object_get(p->brief->style, "logo"), "opacity", 0.9)));
    return op;
}

/*
 * Fit a title into the title-safe area of a W x H frame: break it into at
 * most 3 lines at word boundaries so that each line, at `*size` (a fraction
 * of the height; DejaVu Sans averages about 0.6 em a character), stays
 * within 84% of the width, shrinking *size (not below 0.04) until it does.
 * Writes the text with '\n' between lines into out.
 */
void rules_fit_title(const char *text, double *size, int W, int H, struct buf *out)
{
    for (;;) {
        int maxc = (int)(0.84 * W / (0.6 * *size * H));
        if (maxc < 4)
            maxc = 4;
        buf_reset(out);
        int lines = 1, col = 0, fits = 1;
        const char *q = text;
        while (*q) {
            while (*q == ' ' || *q == '\n' || *q == '\t')
                q++;
            if (!*q)
                break;
            size_t wl = strcspn(q, " \n\t");
            int wchars = 0; /* characters, not bytes */
            for (size_t i = 0; i < wl; i++)
                wchars += ((unsigned char)q[i] & 0xC0) != 0x80;
            if (wchars > maxc)
                fits = 0;
            if (col && col + 1 + wchars > maxc) {
                buf_addch(out, '\n');
                lines++;
                col = 0;
            } else if (col) {
                buf_addch(out, ' ');
                col++;
            }
            buf_add(out, q, wl);
            col += wchars;
            q += wl;
        }
        if ((fits && lines <= 3) || *size <= 0.04)
            return;
        *size = fmax(0.04, *size * 0.85);
    }
}

json_t *rules_title_op(const struct rules_params *p, const char *title, double D, int W, int H)
{
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("text"));
    json_object_set_new(op, "id", json_string("title"));
    double size = facts_num(json_object_get(p->brief->style, "title"), "size", 0.08);
    struct buf fitted = BUF_INIT;
    rules_fit_title(title, &size, W > 0 ? W : 16, H > 0 ? H : 9, &fitted);
    json_object_set_new(op, "text", json_string(fitted.len ? fitted.buf : title));
    buf_release(&fitted);
    json_object_set_new(op, "start", rules_jnum(0));
    json_object_set_new(op, "end", rules_jnum(fmin(2.5, D * 0.5)));
    json_object_set_new(op, "position", json_string("center"));
    const json_t *pal = json_object_get(p->brief->style, "palette");
    const char *color =
        style_str(p->brief->style, "title", "color",
                  json_is_string(json_array_get(pal, 0)) ? json_string_value(json_array_get(pal, 0))
                                                         : "#FFFFFF");
    json_object_set_new(op, "style",
                        text_style(p->brief->style, "title", color,
                                   style_str(p->brief->style, "title", "outline", "#000000"),
                                   style_str(p->brief->style, "title", "box", "#00000099"), size));
    return op;
}

/*
 * B-roll cutaways over talking footage: the talk keeps playing (its sound
 * carries on) while the picture cuts to a b-roll clip for a shot's length,
 * the way an editor covers an interview. One cutaway every other shot of the
 * pace, cycling through the b-roll clips; with music, each starts on a beat.
 */
void rules_broll_cutaways(const struct rules_params *p, const struct planner_asset *assets,
                          size_t n, const struct storyline *sl, const struct planner_asset *music,
                          json_t *ops)
{
    if (!sl->talking)
        return;
    size_t rolls[16], nrolls = 0;
    for (size_t i = 0; i < n && nrolls < ARRAY_SIZE(rolls); i++)
        if (rules_is_footage(&assets[i]) && !rules_is_talking(&assets[i]) &&
            rules_asset_duration(&assets[i]) >= 1 && rules_asset_allowed(p->brief, &assets[i]))
            rolls[nrolls++] = i;
    if (!nrolls)
        return;
    double fps = sl->fps, D = sl->total_f / fps;
    double shot = pace_window[p->pace]; /* 1.6 fast, 3 medium, 5 slow */
    double len = fmin(shot, 3.0);
    dbl_vec beats = VEC_INIT;
    if (music && music->analysis && p->brief->on_beat != 0)
        rules_beat_times(music, D + 2, &beats);
    /* Cutaways cover talking footage only (cutting from b-roll to b-roll is
     * just another cut), never its first or last half second; with beats,
     * both their ends land on beats, like every other cut. */
    int j = 0;
    long pos = 0;
    for (size_t c = 0; c < sl->cuts.n; c++) {
        /* a run of talking cuts (a cutaway over a jump cut hides it) */
        if (!sl->cuts.v[c].talking) {
            pos += sl->cuts.v[c].len_f;
            continue;
        }
        long run = 0;
        while (c < sl->cuts.n && sl->cuts.v[c].talking)
            run += sl->cuts.v[c++].len_f;
        c--;
        double s0 = pos / fps, s1 = (pos + run) / fps;
        pos += run;
        int m = (int)floor((s1 - s0 - 1.0) / (2 * shot));
        double prev_end = s0 + 0.5;
        for (int k = 0; k < m; k++, j++) {
            const struct planner_asset *a = &assets[rolls[j % nrolls]];
            double l = fmin(len, rules_asset_duration(a) - 0.1);
            double t = s0 + 0.5 + (s1 - s0 - 1.0) * (k + 0.5) / m - l / 2;
            if (beats.n) {
                double bt = -1, be = -1;
                for (size_t q = 0; q < beats.n; q++) /* the beat nearest t, after the last */
                    if (beats.v[q] >= prev_end && beats.v[q] <= s1 - 0.5 - 0.5 &&
                        (bt < 0 || fabs(beats.v[q] - t) < fabs(bt - t)))
                        bt = beats.v[q];
                if (bt < 0)
                    continue;
                for (size_t q = 0; q < beats.n; q++) /* and the beat nearest its end */
                    if (beats.v[q] >= bt + 0.5 && beats.v[q] <= fmin(s1 - 0.5, bt + l + 0.01) &&
                        (be < 0 || fabs(beats.v[q] - (bt + l)) < fabs(be - (bt + l))))
                        be = beats.v[q];
                if (be < 0)
                    continue;
                t = bt;
                l = be - bt;
            }
            if (t < prev_end || t + l > s1 - 0.5 + 1e-6 || l < 0.5)
                continue;
            double in = fmax(0, fmin(rules_asset_duration(a) - l - 0.05,
                                     (rules_asset_duration(a) - l) / 2));
            char id[16];
            snprintf(id, sizeof(id), "broll%d", j + 1);
            json_t *op = json_object();
            json_object_set_new(op, "op", json_string("overlay"));
            json_object_set_new(op, "id", json_string(id));
            json_object_set_new(op, "asset", json_string(a->label));
            json_object_set_new(op, "start", rules_jnum(lround(t * fps) / fps));
            json_object_set_new(op, "end", rules_jnum(lround((t + l) * fps) / fps));
            json_object_set_new(op, "in", rules_jnum(lround(in * fps) / fps));
            json_object_set_new(op, "position", json_string("center"));
            json_object_set_new(op, "width", rules_jnum(1));
            json_object_set_new(op, "margin", rules_jnum(0));
            json_array_append_new(ops, op);
            prev_end = t + l;
        }
    }
    VEC_FREE(&beats);
}

/* The colour op for the brief's look (or a LUT asset given); NULL: none. Only
 * what EditPlan v1's colour op can do is promised: black and white
 * (saturation 0), vivid and muted (saturation), a LUT. */
json_t *rules_look_op(const struct planner_brief *b, const struct planner_asset *assets, size_t n)
{
    const struct planner_asset *lut = rules_pick_asset(assets, n, NULL, "lut");
    const char *look = b->look;
    if (!lut && (!*look || !strcmp(look, "lut") || !strcmp(look, "warm") || !strcmp(look, "cool")))
        return NULL;
    json_t *op = json_object();
    json_object_set_new(op, "op", json_string("color"));
    json_object_set_new(op, "id", json_string("grade"));
    if (lut && (!*look || !strcmp(look, "lut") || !strcmp(look, "warm") || !strcmp(look, "cool")))
        json_object_set_new(op, "lut", json_string(lut->label));
    else if (!strcmp(look, "bw"))
        json_object_set_new(op, "saturation", rules_jnum(0));
    else if (!strcmp(look, "vivid"))
        json_object_set_new(op, "saturation", rules_jnum(1.3));
    else if (!strcmp(look, "muted"))
        json_object_set_new(op, "saturation", rules_jnum(0.7));
    return op;
}

json_t *rules_build_plan(const struct rules_params *p, const struct planner_asset *assets, size_t n,
                         struct reel_err *err)
{
    const struct planner_brief *b = p->brief;
    const struct planner_asset *music = b->no_music ? NULL : rules_pick_music(assets, n, b->music);
    const struct planner_asset *logo = b->no_logo ? NULL : rules_pick_logo(assets, n, b->logo);
    if (b->music && !music && !b->no_music) {
        reel_fail(err, REEL_EINVAL, "--music", "no asset labelled '%s'", b->music);
        return NULL;
    }
    if (b->logo && !logo && !b->no_logo) {
        reel_fail(err, REEL_EINVAL, "--logo", "no asset labelled '%s'", b->logo);
        return NULL;
    }
    struct storyline sl;
    if (rules_build_storyline(p, assets, n, music, &sl, err))
        return NULL;
    double D = sl.total_f / sl.fps;
    struct buf notes = BUF_INIT;
    buf_addf(&notes, "rules planner: %zu cut%s, %.2f s", sl.cuts.n, sl.cuts.n == 1 ? "" : "s", D);
    if (b->duration > 0)
        buf_addf(&notes, " (target %.2f s)", b->duration);
    if (sl.talking)
        buf_addf(&notes, "; talking footage cut by %s: %.1f s of pauses and fillers removed",
                 sl.from_words ? "transcript words" : "speech regions", sl.removed_s);
    if (sl.footage_limited)
        buf_addf(&notes, "; the footage holds only %.2f s: every clip is used whole, cuts not moved "
                 "to beats (that would shorten it)", D);
    else if (music)
        buf_addf(&notes, "; music '%s'%s", music->label,
                 sl.beats_snapped ? ", cuts on its beats" : " (no beat facts: cuts not on beats)");

    json_t *plan = json_object();
    json_object_set_new(plan, "schema", json_string("reel.editplan/1"));
    const char *title = b->title;
    char deft[96];
    if (!title) {
        snprintf(deft, sizeof(deft), "Edit of %s",
                 sl.cuts.v[0].asset < n ? assets[sl.cuts.v[0].asset].label : "footage");
    }
    json_object_set_new(plan, "title", json_string(title ? title : deft));

    json_t *out = json_object();
    json_object_set_new(out, "width", json_integer(sl.width));
    json_object_set_new(out, "height", json_integer(sl.height));
    json_object_set_new(out, "fps", json_real(sl.fps));
    json_object_set_new(out, "aspect", json_string(sl.aspect));
    json_t *audio = json_object();
    json_object_set_new(audio, "loudness_lufs", rules_jnum(p->loudness_lufs));
    json_object_set_new(audio, "true_peak_dbtp", rules_jnum(p->true_peak_dbtp));
    json_object_set_new(out, "audio", audio);
    json_object_set_new(plan, "output", out);

    /* b-roll sound: muted under music unless the brief keeps it, or muted when it says so */
    int mute_other = b->mute_broll >= 0 ? b->mute_broll : music != NULL;
    json_t *ops = rules_cuts_json(&sl, assets, mute_other);
    json_t *grade = rules_look_op(b, assets, n);
    if (grade)
        json_array_append_new(ops, grade);
    rules_broll_cutaways(p, assets, n, &sl, music, ops);
    if (logo)
        json_array_append_new(ops, rules_logo_op(p, logo));
    if (b->title && D > 1)
        json_array_append_new(ops, rules_title_op(p, b->title, D, sl.width, sl.height));
    if (b->captions > 0)
        json_array_append_new(ops, rules_captions_op(p, &sl));
    if (music) {
        json_t *op = json_object();
        json_object_set_new(op, "op", json_string("audio"));
        json_object_set_new(op, "id", json_string("music"));
        json_object_set_new(op, "asset", json_string(music->label));
        json_object_set_new(op, "start", rules_jnum(0));
        int duck = b->duck >= 0 ? b->duck : sl.talking;
        json_object_set_new(op, "volume_db", rules_jnum(duck ? -8 : 0));
        if (rules_asset_duration(music) < D)
            json_object_set_new(op, "loop", json_true());
        json_object_set_new(op, "fade_out", rules_jnum(fmin(1.5, D / 4)));
        if (duck) {
            json_t *dk = json_object();
            json_object_set_new(dk, "under", json_string("speech"));
            json_object_set_new(dk, "amount_db", rules_jnum(-12));
            json_object_set_new(op, "duck", dk);
        }
        json_array_append_new(ops, op);
    }
    if (D >= 2) {
        json_t *fi = json_object(), *fo = json_object();
        json_object_set_new(fi, "op", json_string("fade"));
        json_object_set_new(fi, "kind", json_string("in"));
        json_object_set_new(fi, "duration", rules_jnum(0.3));
        json_object_set_new(fo, "op", json_string("fade"));
        json_object_set_new(fo, "kind", json_string("out"));
        json_object_set_new(fo, "duration", rules_jnum(0.5));
        json_array_append_new(ops, fi);
        json_array_append_new(ops, fo);
    }
    json_object_set_new(plan, "operations", ops);

    /* the labels the plan uses, with their paths, so it renders on its own */
    json_t *amap = json_object();
    size_t i;
    json_t *op;
    json_array_foreach(ops, i, op)
    {
        const char *l = json_get_str(op, "asset", json_get_str(op, "lut", NULL));
        const struct planner_asset *a = planner_asset_find(assets, n, l);
        if (a && a->path)
            json_object_set_new(amap, a->label, json_string(a->path));
    }
    json_object_set_new(plan, "assets", amap);
    json_object_set_new(plan, "notes", json_string(notes.buf));
    buf_release(&notes);
    VEC_FREE(&sl.cuts);
    return plan;
}

enum reel_code rules_plan(const struct planner_brief *brief, const struct planner_asset *assets,
                          size_t nassets, const struct planner_opts *opts,
                          struct planner_result *res, struct reel_err *err)
{
    struct rules_params p;
    rules_params_defaults(&p, brief);
    json_t *plan = rules_build_plan(&p, assets, nassets, err);
    if (!plan)
        return err ? err->code : REEL_EINVAL;
    json_t *issues = NULL;
    int valid = planner_validate_plan(plan, assets, nassets, &issues);
    snprintf(res->model, sizeof(res->model), "rules");
    planner_result_add(res, plan, issues, valid, "rules");
    if (opts->recorder && opts->recorder->on_attempt)
        opts->recorder->on_attempt(opts->recorder->ctx, 1, plan, issues);
    if (!valid)
        return reel_fail(err, REEL_EINVAL, "plan",
                         "the rules planner wrote a plan that does not validate (%zu issues)",
                         json_array_size(issues));
    return REEL_OK;
}
