/* The rules planner's revisions: each kind of evaluation advice becomes a plan edit. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "planner/rules_internal.h"
#include "core/banned.h"

/* ======================= revision ======================= */

static const char *const corners[] = {"top-right", "top-left", "bottom-right", "bottom-left"};

/* The first op of this kind (and id, when given). */
static json_t *find_op(json_t *plan, const char *kind, const char *id)
{
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_get_str(op, "op", ""), kind))
            continue;
        if (!id || !strcmp(json_get_str(op, "id", ""), id))
            return op;
    }
    return NULL;
}

static json_t *obj_child(json_t *o, const char *key)
{
    json_t *c = json_object_get(o, key);
    if (!json_is_object(c)) {
        c = json_object();
        json_object_set_new(o, key, c);
    }
    return c;
}

/* A metric from an evaluation report, by any of its names. */
struct metric {
    const char *name;
    double score;
    int failed;
    const json_t *m;
    const json_t *evidence;
};
typedef VEC(struct metric) metric_vec;

static int metric_is(const char *name, const char *const *aliases)
{
    for (; *aliases; aliases++)
        if (strstr(name, *aliases))
            return 1;
    return 0;
}

static void collect_metrics(const json_t *report, metric_vec *out)
{
    const json_t *ms = json_object_get(report, "metrics");
    if (!ms)
        ms = report;
    const char *k;
    json_t *v;
    size_t i;
    if (json_is_object(ms)) {
        json_object_foreach((json_t *)ms, k, v)
        {
            if (!json_is_object(v))
                continue;
            VEC_PUSH(out, ((struct metric){k, 0, 0, v, NULL}));
        }
    } else if (json_is_array(ms)) {
        json_array_foreach(ms, i, v)
        {
            const char *name = json_get_str(v, "name", json_get_str(v, "metric", NULL));
            if (name)
                VEC_PUSH(out, ((struct metric){name, 0, 0, v, NULL}));
        }
    }
    for (size_t j = 0; j < out->n; j++) {
        struct metric *m = &out->v[j];
        m->score = facts_num(m->m, "score", 1);
        json_t *gate = json_object_get(m->m, "gate");
        json_t *passed = json_object_get(m->m, "passed");
        if (!passed)
            passed = json_object_get(m->m, "pass");
        if (json_is_object(gate))
            passed = json_object_get(gate, "passed");
        m->failed = m->score < 0.7 || json_is_false(passed) ||
                    (json_is_boolean(gate) && json_is_false(gate));
        m->evidence = json_object_get(m->m, "evidence");
        if (!m->evidence)
            m->evidence = m->m;
    }
}

/* Evidence numbers under any of the keys given. */
static double ev_num(const json_t *ev, const char *const *keys, double def)
{
    for (; *keys; keys++) {
        json_t *v = json_object_get(ev, *keys);
        if (json_is_number(v))
            return json_number_value(v);
    }
    return def;
}

static int fix_loudness(json_t *plan, const json_t *ev, struct buf *why)
{
    json_t *audio = obj_child(obj_child(plan, "output"), "audio");
    json_t *cur = json_object_get(audio, "loudness_lufs");
    double target = json_is_number(cur) ? json_number_value(cur) : -14;
    double tp = facts_num(audio, "true_peak_dbtp", -1);
    static const char *const measured_k[] = {"integrated_lufs", "measured_lufs", "lufs",
                                             "integrated", NULL};
    static const char *const target_k[] = {"target_lufs", "target", NULL};
    static const char *const peak_k[] = {"true_peak_dbtp", "true_peak", "peak_dbtp", NULL};
    double measured = ev_num(ev, measured_k, NAN);
    double want = ev_num(ev, target_k, target);
    double peak = ev_num(ev, peak_k, NAN);
    double nt = target, ntp = tp;
    if (!json_is_number(cur)) {
        nt = want; /* loudness was left as is: normalise */
    } else if (!isnan(measured) && fabs(measured - want) > 0.5) {
        nt = fmin(-8, fmax(-30, target + (want - measured))); /* compensate the miss */
    } else {
        nt = target - 1;
    }
    if (!isnan(peak) && peak > tp - 0.1)
        ntp = fmax(-6, tp - 1);
    else if (nt == target)
        ntp = fmax(-6, tp - 0.5);
    json_object_set_new(audio, "loudness_lufs", rules_jnum(nt));
    json_object_set_new(audio, "true_peak_dbtp", rules_jnum(ntp));
    buf_addf(why, "loudness target %.1f -> %.1f LUFS, true peak %.1f -> %.1f dBTP; ", target, nt,
             tp, ntp);
    return nt != target || ntp != tp;
}

/* Text the evaluation saw outside the title-safe area: smaller, re-broken
 * titles and narrower captions. Returns 1 when something changed. */
static int fix_title_safe(json_t *plan, const json_t *ev, struct buf *why)
{
    int text_unsafe = 0, cap_unsafe = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(ev, "items"), i, it)
    {
        if (!json_is_false(json_object_get(it, "in_title_safe")))
            continue;
        if (!strcmp(json_get_str(it, "kind", ""), "caption"))
            cap_unsafe = 1;
        else
            text_unsafe = 1;
    }
    const json_t *out = json_object_get(plan, "output");
    int W = (int)json_get_int(out, "width", 16), H = (int)json_get_int(out, "height", 9);
    int changed = 0;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *kind = json_get_str(op, "op", "");
        json_t *st = NULL;
        if ((text_unsafe && !strcmp(kind, "text")) || (cap_unsafe && !strcmp(kind, "captions")))
            st = obj_child(op, "style");
        if (text_unsafe && !strcmp(kind, "text") && json_is_string(json_object_get(op, "text"))) {
            double size = facts_num(st, "size", 0.08) * 0.8;
            struct buf t = BUF_INIT;
            rules_fit_title(json_string_value(json_object_get(op, "text")), &size, W, H, &t);
            json_object_set_new(op, "text", json_string(t.buf));
            json_object_set_new(st, "size", rules_jnum(size));
            buf_release(&t);
            changed = 1;
        } else if (cap_unsafe && !strcmp(kind, "captions")) {
            json_object_set_new(st, "size",
                                rules_jnum(fmax(0.035, facts_num(st, "size", 0.055) * 0.85)));
            int maxc = (int)json_get_int(st, "max_chars_per_line", 38);
            json_object_set_new(st, "max_chars_per_line",
                                json_integer(maxc > 16 ? maxc - 6 : maxc));
            changed = 1;
        }
    }
    if (changed)
        buf_adds(why, "text moved inside the title-safe area: smaller, shorter lines; ");
    return changed;
}

static int fix_captions(json_t *plan, const struct rules_params *p, const json_t *ev,
                        struct buf *why, struct buf *cannot)
{
    json_t *op = find_op(plan, "captions", NULL);
    size_t unsure = json_array_size(json_object_get(ev, "uncertain"));
    /* cues the render's own sound contradicts are misheard words too */
    size_t heard_not = (size_t)json_get_int(json_object_get(ev, "hearing"), "contradicted", 0);
    /* script cues off their words' speech: the alignment is wrong, which
     * no change to the plan mends */
    size_t mistimed = (size_t)json_get_int(json_object_get(ev, "hearing"), "mistimed", 0);
    if (mistimed && op && !unsure && !heard_not) {
        buf_addf(cannot,
                 "%zu caption cues are not timed to their words' speech: the script must be "
                 "aligned to this sound again (reel transcribe --script), no plan change mends "
                 "that; ",
                 mistimed);
        return 0;
    }
    if ((unsure || heard_not) && op) {
        /* no styling makes misheard words right */
        if (p->brief->captions == 1) {
            if (unsure)
                buf_addf(cannot,
                         "%zu caption cues rest on words the recogniser was unsure of, and the "
                         "brief asks for captions: only the script (--script) or a person can "
                         "make them right; ",
                         unsure);
            else
                buf_addf(cannot,
                         "%zu caption cues are not what the render's sound says, and the brief "
                         "asks for captions: only the script (--script) or a person can make "
                         "them right; ",
                         heard_not);
            return 0;
        }
        if (!unsure)
            unsure = heard_not;
        size_t i;
        json_t *o, *ops = json_object_get(plan, "operations");
        json_array_foreach(ops, i, o) if (o == op) break;
        json_array_remove(ops, i);
        buf_addf(why,
                 "captions dropped: %zu cues rested on words the recogniser was unsure of or "
                 "the render's sound contradicts (the brief does not ask for captions; give the "
                 "script with --script to have them); ",
                 unsure);
        return 1;
    }
    if (fix_title_safe(plan, ev, why))
        return 1;
    if (!op) {
        struct storyline sl;
        memset(&sl, 0, sizeof(sl));
        json_t *out = json_object_get(plan, "output");
        sl.width = (int)json_get_int(out, "width", 16);
        sl.height = (int)json_get_int(out, "height", 9);
        json_array_append_new(json_object_get(plan, "operations"), rules_captions_op(p, &sl));
        buf_adds(why, "added captions; ");
        return 1;
    }
    json_t *st = obj_child(op, "style");
    json_t *box = json_object_get(st, "box");
    if (!json_is_string(box)) {
        json_object_set_new(st, "box", json_string("#000000B3"));
        if (!json_is_string(json_object_get(st, "outline")))
            json_object_set_new(st, "outline", json_string("#000000"));
        buf_adds(why, "captions on a dark box for contrast; ");
        return 1;
    }
    if (strcasecmp(json_string_value(box), "#000000E6")) {
        json_object_set_new(st, "box", json_string("#000000E6"));
        json_object_set_new(st, "outline", json_string("#000000"));
        json_object_set_new(st, "color", json_string("#FFFFFF"));
        buf_adds(why, "captions: opaque box, white text, black outline; ");
        return 1;
    }
    double size = facts_num(st, "size", 0.055);
    json_object_set_new(st, "size", rules_jnum(fmin(0.09, size + 0.01)));
    json_object_set_new(st, "color", json_string("#FFFF00"));
    int maxc = (int)json_get_int(st, "max_chars_per_line", 42);
    json_object_set_new(st, "max_chars_per_line", json_integer(maxc > 20 ? maxc - 6 : maxc));
    buf_adds(why, "captions: larger yellow text, shorter lines; ");
    return 1;
}

static int fix_logo(json_t *plan, const struct rules_params *p, const struct planner_asset *assets,
                    size_t n, const json_t *ev, struct buf *why)
{
    json_t *op = find_op(plan, "overlay", "logo");
    if (!op) {
        const struct planner_asset *logo = rules_pick_logo(assets, n, p->brief->logo);
        if (!logo)
            return 0;
        json_array_append_new(json_object_get(plan, "operations"), rules_logo_op(p, logo));
        buf_addf(why, "added the logo '%s' %s; ", logo->label, p->logo_position);
        return 1;
    }
    char pos[32]; /* a copy: the op's string is replaced below */
    snprintf(pos, sizeof(pos), "%s", json_get_str(op, "position", "center"));
    size_t k = 0;
    while (k < ARRAY_SIZE(corners) && strcmp(corners[k], pos))
        k++;
    const char *next = corners[k < ARRAY_SIZE(corners) ? (k + 1) % ARRAY_SIZE(corners) : 0];
    if (p->brief->logo_position[0])
        next = p->brief->logo_position; /* the corner the brief asked for stays */
    double width = facts_num(op, "width", 0.14), margin = facts_num(op, "margin", 0.03);
    json_object_set_new(op, "position", json_string(next));
    json_object_set_new(op, "margin", rules_jnum(fmax(0.05, margin)));
    static const char *const small_k[] = {"too_small", "small", NULL};
    if (ev_num(ev, small_k, 0) > 0 || width < 0.1)
        json_object_set_new(op, "width", rules_jnum(fmin(0.3, width + 0.04)));
    json_object_set_new(op, "opacity", rules_jnum(1));
    if (strcmp(pos, next))
        buf_addf(why, "logo moved %s -> %s inside the safe area; ", pos, next);
    else
        buf_addf(why, "logo kept %s (the brief's corner), inside the safe area, opaque; ", pos);
    return 1;
}

/* The first advice line of a metric (its "advice" array), or "". */
static const char *advice_of(const json_t *m)
{
    const char *a = json_string_value(json_array_get(json_object_get(m, "advice"), 0));
    return a ? a : "";
}

/*
 * Clarity. "Looks upscaled" is answered with the picture's size: the output
 * comes down toward the smallest source the plan cuts to (never below 320
 * wide), or, when the output is already no larger than that, the softest
 * source is dropped if other footage can fill the edit. CRF cannot change
 * sharpness: it is lowered only when the advice is about compression.
 * Returns 0 and says why when nothing can be done with the footage given.
 */
/* Did a version the agent tried after the one being revised make this change
 * (feedback.tried: [{version, notes}])? Then a different one is due. */
static int tried_has(const json_t *feedback, const char *what)
{
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(feedback, "tried"), i, t)
    {
        const char *notes = json_get_str(t, "notes", "");
        const char *r = strstr(notes, "revision: ");
        if (r && strstr(r, what))
            return 1;
    }
    return 0;
}

static int fix_clarity(json_t *plan, const struct rules_params *p,
                       const struct planner_asset *assets, size_t n, const json_t *m,
                       const json_t *feedback, struct buf *why, struct buf *cannot)
{
    const char *adv = advice_of(m);
    json_t *out = obj_child(plan, "output");
    if (strstr(adv, "compress") || strstr(adv, "bitrate") || strstr(adv, "bits per pixel")) {
        json_t *video = obj_child(out, "video");
        long crf = json_get_int(video, "crf", 20);
        if (crf <= 14)
            return 0;
        json_object_set_new(video, "crf", json_integer(crf - 3));
        buf_addf(why, "crf %ld -> %ld (the picture was starved of bits); ", crf, crf - 3);
        return 1;
    }
    long w = json_get_int(out, "width", 0), h = json_get_int(out, "height", 0);
    if (w <= 0 || h <= 0)
        return 0;
    /* the smallest footage the plan cuts to, by how much it is enlarged */
    const struct planner_asset *soft = NULL;
    double worst = 0;
    size_t used = 0;
    size_t i;
    json_t *op;
    for (size_t k = 0; k < n; k++) {
        const struct planner_asset *a = &assets[k];
        int uses = 0;
        json_array_foreach(json_object_get(plan, "operations"), i, op)
            uses |= !strcmp(json_get_str(op, "op", ""), "cut") &&
                    !strcmp(json_get_str(op, "asset", ""), a->label);
        if (!uses || !rules_is_footage(a))
            continue;
        used++;
        int sw, sh;
        media_display_size(&a->probe, &sw, &sh);
        if (sw <= 0 || sh <= 0)
            continue;
        double scale = fmax((double)w / sw, (double)h / sh);
        if (scale > worst) {
            worst = scale;
            soft = a;
        }
    }
    /* a smaller picture was tried and scored lower: the source, not the size */
    if (worst > 0.85 && w > 320 && !tried_has(feedback, "size ")) {
        /* come down to the softest source's size, or by a fifth when it is already smaller */
        double f = worst > 1.01 ? 1.0 / worst : 0.8;
        int nw = (int)(w * f) & ~1, nh = (int)(h * f) & ~1;
        if (nw < 320) {
            nh = (int)((double)h * 320 / w) & ~1;
            nw = 320;
        }
        json_object_set_new(out, "width", json_integer(nw));
        json_object_set_new(out, "height", json_integer(nh));
        buf_addf(why, "size %ldx%ld -> %dx%d (the softest source, '%s', is enlarged %.2fx); ", w,
                 h, nw, nh, soft ? soft->label : "?", worst);
        return 1;
    }
    /* the next softest source: dropping one only helps when it is clearly softer */
    double second = 0;
    for (size_t k = 0; k < n && soft; k++) {
        const struct planner_asset *a = &assets[k];
        int sw, sh;
        media_display_size(&a->probe, &sw, &sh);
        if (a == soft || !rules_is_footage(a) || sw <= 0 || sh <= 0 ||
            !rules_asset_allowed(p->brief, a))
            continue;
        double scale = fmax((double)w / sw, (double)h / sh);
        second = fmax(second, scale < worst ? scale : 0);
    }
    int named = soft && ((p->brief->first_asset && !strcmp(p->brief->first_asset, soft->label)) ||
                         (p->brief->last_asset && !strcmp(p->brief->last_asset, soft->label)));
    if (soft && used > 1 && !named && second > 0 && worst > second * 1.15) {
        /* the same edit without it (a copy of the brief that excludes it) */
        struct planner_brief nb = *p->brief;
        json_t *ex = json_array();
        if (p->brief->exclude_assets)
            json_array_extend(ex, p->brief->exclude_assets);
        json_array_append_new(ex, json_string(soft->label));
        nb.exclude_assets = ex;
        struct rules_params np = *p;
        np.brief = &nb;
        json_t *fresh = rules_build_plan(&np, assets, n, NULL);
        json_decref(ex);
        if (fresh) {
            json_object_set(plan, "operations", json_object_get(fresh, "operations"));
            json_object_set(plan, "assets", json_object_get(fresh, "assets"));
            json_decref(fresh);
            buf_addf(why, "left out the soft source '%s' (enlarged %.2fx, the others %.2fx); ",
                     soft->label, worst, second);
            return 1;
        }
    }
    buf_addf(cannot, "the picture cannot be made sharper with the footage given: the output "
             "(%ldx%ld) is no larger than %s, and no sharper source can replace it; ",
             w, h, soft ? soft->label : "the footage");
    return 0;
}

static int fix_retention(json_t *plan, const struct rules_params *p, struct buf *why)
{
    json_t *t = find_op(plan, "text", NULL);
    if (!t || facts_num(t, "start", 0) > 0.5) {
        const char *title =
            p->brief->title ? p->brief->title : json_get_str(plan, "title", "Watch this");
        const json_t *out = json_object_get(plan, "output");
        json_array_append_new(json_object_get(plan, "operations"),
                              rules_title_op(p, title, 6, (int)json_get_int(out, "width", 16),
                                             (int)json_get_int(out, "height", 9)));
        buf_adds(why, "a title in the first seconds as a hook; ");
        return 1;
    }
    /* start later in the first clip: skip its slow opening */
    json_t *c = find_op(plan, "cut", NULL);
    double in = facts_num(c, "in", -1), out = facts_num(c, "out", -1);
    if (c && in >= 0 && out - in > 2) {
        json_object_set_new(c, "in", rules_jnum(in + 1));
        buf_adds(why, "first clip starts 1 s later; ");
        return 1;
    }
    return 0;
}

static double mean_cut_length(const json_t *plan)
{
    size_t i, n = 0;
    json_t *op;
    double sum = 0;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        if (strcmp(json_get_str(op, "op", ""), "cut"))
            continue;
        double d = json_is_number(json_object_get(op, "duration"))
                       ? facts_num(op, "duration", 0)
                       : facts_num(op, "out", 0) - facts_num(op, "in", 0);
        sum += d;
        n++;
    }
    return n ? sum / n : 0;
}

/* Shots of a plan: its cuts and its b-roll cutaways. */
static size_t shot_count(const json_t *plan)
{
    size_t i, n = 0;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *k = json_get_str(op, "op", "");
        n += !strcmp(k, "cut") ||
             (!strcmp(k, "overlay") && starts_with(json_get_str(op, "id", ""), "broll"));
    }
    return n;
}

/* Replace the cuts of `plan` with a new storyline at another pace; keep
 * the other operations, clipped to the new duration. */
/* Rebuild the cuts one pace faster (dir < 0), slower (dir > 0) or at the
 * brief's pace (dir 0: the cuts snapped to the beats again). */
static int replace_cuts(json_t *plan, struct rules_params *p, const struct planner_asset *assets,
                        size_t n, int dir, struct buf *why)
{
    double mean = mean_cut_length(plan);
    size_t shots = shot_count(plan);
    int cur = mean <= 1.2 ? 0 : mean <= 2.5 ? 1 : mean <= 4.5 ? 2 : 3;
    int next = dir < 0 ? cur - 1 : dir > 0 ? cur + 1 : p->pace;
    if (next < 0 || next > 3)
        return 0;
    p->pace = next;
    const struct planner_asset *music = rules_pick_music(assets, n, p->brief->music);
    struct storyline sl;
    if (rules_build_storyline(p, assets, n, music, &sl, NULL))
        return 0;
    int mute_other = p->brief->mute_broll >= 0 ? p->brief->mute_broll : music != NULL;
    json_t *cuts = rules_cuts_json(&sl, assets, mute_other);
    json_t *ops = json_array();
    json_array_extend(ops, cuts);
    /* the cutaways follow the new pace too */
    rules_broll_cutaways(p, assets, n, &sl, music, ops);
    double D = sl.total_f / sl.fps;
    size_t i;
    json_t *op;
    json_array_foreach(json_object_get(plan, "operations"), i, op)
    {
        const char *k = json_get_str(op, "op", "");
        if (!strcmp(k, "cut") || !strcmp(k, "transition") ||
            (!strcmp(k, "overlay") && starts_with(json_get_str(op, "id", ""), "broll")))
            continue;
        if (facts_num(op, "start", 0) >= D - 0.05)
            continue;
        if (facts_num(op, "end", -1) > D)
            json_object_set_new(op, "end", json_null());
        json_array_append(ops, op);
    }
    json_object_set_new(plan, "operations", ops);
    buf_addf(why, "pace: %zu cuts, mean %.2f s -> %.2f s; ", sl.cuts.n, mean,
             sl.cuts.n ? D / sl.cuts.n : 0);
    json_decref(cuts);
    VEC_FREE(&sl.cuts);
    return mean_cut_length(plan) != mean || shot_count(plan) != shots;
}

/* Validation errors: drop or repair what each error points at. */
static int fix_validation(json_t *plan, const json_t *errors, const struct planner_asset *assets,
                          size_t n, struct buf *why)
{
    int changed = 0;
    json_t *ops = json_object_get(plan, "operations");
    VEC(size_t) drop = VEC_INIT;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        const char *path = json_get_str(e, "path", "");
        const char *code = json_get_str(e, "code", "");
        unsigned long idx;
        int used = 0;
        if (sscanf(path, "$.operations[%lu]%n", &idx, &used) >= 1 && used > 0 &&
            idx < json_array_size(ops)) {
            json_t *op = json_array_get(ops, idx);
            const char *rest = path + used;
            const char *kind = json_get_str(op, "op", "");
            const struct planner_asset *a =
                planner_asset_find(assets, n, json_get_str(op, "asset", NULL));
            if (!strcmp(kind, "cut") && a && a->probe.kind == MEDIA_VIDEO &&
                (!strcmp(code, "out_of_range") || !strcmp(code, "past_end")) &&
                (!strcmp(rest, ".out") || !strcmp(rest, ".in"))) {
                double d = rules_asset_duration(a);
                double in = fmax(0, fmin(facts_num(op, "in", 0), d - 0.5));
                double out = fmin(facts_num(op, "out", d), d);
                if (out <= in)
                    out = fmin(d, in + 1);
                json_object_set_new(op, "in", rules_jnum(in));
                json_object_set_new(op, "out", rules_jnum(out));
                buf_addf(why, "%s clamped to the asset; ", path);
                changed = 1;
            } else if (!strcmp(code, "unknown_key") && rest[0] == '.') {
                /* the last key of the path */
                const char *key = strrchr(rest, '.') + 1;
                char parent[160];
                snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(rest, '.') - rest), rest);
                json_t *obj = op;
                if (parent[0] == '.')
                    obj = json_object_get(op, parent + 1);
                if (json_is_object(obj) && !json_object_del(obj, key)) {
                    buf_addf(why, "removed unknown key %s; ", path);
                    changed = 1;
                }
            } else {
                VEC_PUSH(&drop, (size_t)idx);
            }
        } else if (starts_with(path, "$.output.")) {
            /* back to the default for that field */
            char key[64];
            snprintf(key, sizeof(key), "%s", path + 9);
            char *dot = strchr(key, '.');
            json_t *out = json_object_get(plan, "output");
            if (dot) {
                *dot = 0;
                out = json_object_get(out, key);
                memmove(key, dot + 1, strlen(dot + 1) + 1);
                dot = strchr(key, '.');
                if (dot)
                    *dot = 0;
            }
            if (json_is_object(out) && !json_object_del(out, key)) {
                buf_addf(why, "%s back to its default; ", path);
                changed = 1;
            }
        }
    }
    /* drop from the end so indexes stay right; never every cut */
    for (size_t k = drop.n; k-- > 0;) {
        size_t idx = drop.v[k];
        int dup = 0;
        for (size_t j = k + 1; j < drop.n; j++)
            dup |= drop.v[j] == idx;
        json_t *op = json_array_get(ops, idx);
        if (dup || !op)
            continue;
        if (!strcmp(json_get_str(op, "op", ""), "cut")) {
            size_t ncuts = 0, j;
            json_t *o2;
            json_array_foreach(ops, j, o2) ncuts += !strcmp(json_get_str(o2, "op", ""), "cut");
            if (ncuts <= 1)
                continue;
        }
        buf_addf(why, "dropped $.operations[%zu] (%s); ", idx, json_get_str(op, "op", "?"));
        json_array_remove(ops, idx);
        changed = 1;
    }
    VEC_FREE(&drop);
    return changed;
}

/* FFmpeg rejected the render: remove what its stderr points at. */
static int fix_render(json_t *plan, const json_t *lines, struct buf *why)
{
    struct buf all = BUF_INIT;
    size_t i;
    json_t *l;
    if (json_is_string(lines))
        buf_adds(&all, json_string_value(lines));
    json_array_foreach(lines, i, l) if (json_is_string(l))
    {
        buf_adds(&all, json_string_value(l));
        buf_addch(&all, '\n');
    }
    for (char *c = all.buf; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    static const struct {
        const char *needle, *kind;
    } map[] = {
        {"xfade", "transition"},   {"lut3d", "color"},     {"drawtext", "text"},
        {"subtitles", "captions"}, {"ass", "captions"},    {"font", "text"},
        {"amix", "audio"},         {"sidechain", "audio"}, {"overlay", "overlay"},
    };
    int changed = 0;
    json_t *ops = json_object_get(plan, "operations");
    for (size_t m = 0; m < ARRAY_SIZE(map) && !changed; m++) {
        if (!strstr(all.buf, map[m].needle))
            continue;
        if (!strcmp(map[m].kind, "text") || !strcmp(map[m].kind, "captions")) {
            /* first try the safe font, then drop the op */
            json_array_foreach(ops, i, l)
            {
                const char *k = json_get_str(l, "op", "");
                if (strcmp(k, "text") && strcmp(k, "captions"))
                    continue;
                json_t *st = obj_child(l, "style");
                if (strcmp(json_get_str(st, "font", ""), "DejaVu Sans")) {
                    json_object_set_new(st, "font", json_string("DejaVu Sans"));
                    changed = 1;
                }
                if (json_is_string(json_object_get(st, "highlight"))) {
                    json_object_set_new(st, "highlight", json_null());
                    changed = 1;
                }
            }
            if (changed) {
                buf_adds(why, "text back to DejaVu Sans without highlight (ffmpeg stderr); ");
                break;
            }
        }
        if (!strcmp(map[m].kind, "audio")) {
            json_array_foreach(ops, i, l) if (json_object_get(l, "duck") &&
                                              !json_is_null(json_object_get(l, "duck")))
            {
                json_object_set_new(l, "duck", json_null());
                changed = 1;
            }
            if (changed) {
                buf_adds(why, "music ducking removed (ffmpeg stderr); ");
                break;
            }
        }
        for (size_t k = json_array_size(ops); k-- > 0;) {
            json_t *op = json_array_get(ops, k);
            if (!strcmp(json_get_str(op, "op", ""), map[m].kind)) {
                buf_addf(why, "dropped the %s at $.operations[%zu] (ffmpeg stderr: %s); ",
                         map[m].kind, k, map[m].needle);
                json_array_remove(ops, k);
                changed = 1;
            }
        }
    }
    if (!changed) {
        /* unknown failure: the simplest plan that keeps the storyline */
        for (size_t k = json_array_size(ops); k-- > 0;) {
            const char *kd = json_get_str(json_array_get(ops, k), "op", "");
            if (!strcmp(kd, "transition") || !strcmp(kd, "color")) {
                json_array_remove(ops, k);
                changed = 1;
            }
        }
        if (changed)
            buf_adds(why, "transitions and grading removed (ffmpeg failed); ");
    }
    buf_release(&all);
    return changed;
}

static void append_notes(json_t *plan, const char *why)
{
    struct buf n = BUF_INIT;
    const char *old = json_get_str(plan, "notes", NULL);
    if (old) {
        buf_adds(&n, old);
        buf_adds(&n, "\n");
    }
    buf_addf(&n, "revision: %s", why);
    buf_trim_end(&n);
    if (n.len > 4000)
        buf_setlen(&n, 4000);
    json_object_set_new(plan, "notes", json_string(n.buf));
    buf_release(&n);
}

static int near_any(const json_t *times, double t, double tol)
{
    size_t i;
    json_t *v;
    json_array_foreach(times, i, v) if (fabs(json_number_value(v) - t) <= tol) return 1;
    return 0;
}

/* Drop the full-frame cutaways (overlays "broll*") that start or end off the
 * beat; returns how many were dropped. */
static int drop_offbeat_cutaways(json_t *plan, const json_t *beats, double tol)
{
    json_t *ops = json_object_get(plan, "operations"), *keep = json_array();
    size_t i;
    json_t *op;
    int dropped = 0;
    json_array_foreach(ops, i, op)
    {
        if (!strcmp(json_get_str(op, "op", ""), "overlay") &&
            starts_with(json_get_str(op, "id", ""), "broll") &&
            (!near_any(beats, facts_num(op, "start", 0), tol) ||
             !near_any(beats, facts_num(op, "end", -1), tol))) {
            dropped++;
            continue;
        }
        json_array_append(keep, op);
    }
    json_object_set_new(plan, "operations", keep);
    return dropped;
}

/*
 * Punchiness. The direction comes from the evidence, never a guess: shots
 * shorter than the pace's range are held longer (a slower rebuild, or the
 * cutaways that chop them taken out), longer ones cut faster, and cuts off
 * the beat are moved to beats (the cuts rebuilt at the brief's pace, which
 * snaps them; off-beat cutaways dropped), not multiplied. Cuts the render
 * shows that the plan did not make are the footage's own shot changes: no
 * plan edit moves those, and that is said once.
 */
static int fix_punch(json_t *plan, struct rules_params *p, const struct planner_asset *assets,
                     size_t n, const json_t *ev, struct buf *why, struct buf *cannot)
{
    double mean = facts_num(ev, "mean_shot_s", NAN);
    const json_t *rng = json_object_get(ev, "target_shot_s");
    double lo = json_number_value(json_array_get(rng, 0)),
           hi = json_number_value(json_array_get(rng, 1));
    const json_t *cuts = json_object_get(ev, "cuts"), *planned = json_object_get(ev, "planned_cuts");
    const json_t *beats = json_object_get(ev, "beats");
    double fps = facts_num(json_object_get(plan, "output"), "fps", 30);
    double tol = 1.0 / fps + 0.002;
    if (isnan(mean)) {
        /* evidence in other words (a model's or an older report's): a direction
         * or cuts per minute against a target */
        const char *dir = json_get_str(ev, "direction", NULL);
        double have = facts_num(ev, "cuts_per_minute", NAN),
               want = facts_num(ev, "target_cuts_per_minute", NAN);
        if (dir)
            return replace_cuts(plan, p, assets, n,
                                !strcmp(dir, "more") || !strcmp(dir, "faster") ? -1 : +1, why);
        if (!isnan(have) && !isnan(want) && have != want)
            return replace_cuts(plan, p, assets, n, have < want ? -1 : +1, why);
    }
    size_t own = 0, i;
    json_t *v;
    json_array_foreach(cuts, i, v) own += !near_any(planned, json_number_value(v), 2.0 / fps);
    if (!isnan(mean) && hi > 0 && mean < lo) {
        double plan_mean = mean_cut_length(plan);
        if (plan_mean < lo)
            return replace_cuts(plan, p, assets, n, +1, why);
        int d = drop_offbeat_cutaways(plan, json_array_size(beats) ? beats : json_array(), tol);
        if (d) {
            buf_addf(why, "held shots longer: %d cutaway%s taken out; ", d, d == 1 ? "" : "s");
            return 1;
        }
        if (own)
            buf_addf(cannot, "shots look short because the footage changes shot %zu time%s "
                     "inside the clips the plan cuts to; ", own, own == 1 ? "" : "s");
        return 0;
    }
    if (!isnan(mean) && hi > 0 && mean > hi)
        return replace_cuts(plan, p, assets, n, -1, why);
    /* density is right: the beats */
    if (!json_array_size(beats))
        return 0;
    size_t off_planned = 0;
    json_array_foreach(cuts, i, v)
    {
        double t = json_number_value(v);
        if (near_any(planned, t, 2.0 / fps) && !near_any(beats, t, tol))
            off_planned++;
    }
    int d = drop_offbeat_cutaways(plan, beats, tol);
    if (d)
        buf_addf(why, "%d off-beat cutaway%s taken out; ", d, d == 1 ? "" : "s");
    if (off_planned && !d && replace_cuts(plan, p, assets, n, 0, why))
        return 1;
    if (!d && own)
        buf_addf(cannot, "%zu of the cuts off the beat %s the footage's own shot change%s, which "
                 "no plan edit moves; ", own, own == 1 ? "is" : "are", own == 1 ? "" : "s");
    return d > 0;
}

enum reel_code rules_revise(const struct planner_brief *brief, const struct planner_asset *assets,
                            size_t nassets, const json_t *previous, const json_t *feedback,
                            const struct planner_opts *opts, struct planner_result *res,
                            struct reel_err *err)
{
    struct rules_params p;
    rules_params_defaults(&p, brief);
    /* a missed brief constraint: start again from a fresh build, which enforces
     * them all, and answer the metrics on top of it */
    const json_t *bfb = json_object_get(feedback, "brief");
    json_t *plan = NULL;
    struct buf why = BUF_INIT, cannot = BUF_INIT;
    int changed = 0;
    if (bfb && !json_is_true(json_object_get(bfb, "passed"))) {
        plan = rules_build_plan(&p, assets, nassets, NULL);
        if (plan && !json_equal(plan, previous)) {
            changed = 1;
            buf_adds(&why, "rebuilt for the brief's constraints; ");
        }
    }
    if (!plan)
        plan = json_deep_copy(previous);

    const json_t *verrs = json_object_get(feedback, "validation_errors");
    if (json_is_array(verrs) && json_array_size(verrs))
        changed |= fix_validation(plan, verrs, assets, nassets, &why);
    const json_t *stderr_lines = json_object_get(feedback, "ffmpeg_stderr");
    if (stderr_lines && !json_is_null(stderr_lines))
        changed |= fix_render(plan, stderr_lines, &why);

    const json_t *report = json_object_get(feedback, "evaluation");
    if (report) {
        metric_vec ms = VEC_INIT;
        collect_metrics(report, &ms);
        static const char *const loud[] = {"watch", "loud", "audio", NULL};
        static const char *const punch[] = {"punch", "pace", "cut", NULL};
        static const char *const capt[] = {"caption", "readab", "subtitle", NULL};
        static const char *const brand[] = {"brand", "logo", NULL};
        static const char *const clar[] = {"clarity", "resolution", NULL};
        static const char *const ret[] = {"retention", "hook", NULL};
        for (size_t i = 0; i < ms.n; i++) {
            const struct metric *m = &ms.v[i];
            if (!m->failed)
                continue;
            if (metric_is(m->name, loud))
                changed |= fix_loudness(plan, m->evidence, &why);
            else if (metric_is(m->name, punch))
                changed |= fix_punch(plan, &p, assets, nassets, m->evidence, &why, &cannot);
            else if (metric_is(m->name, capt))
                changed |= fix_captions(plan, &p, m->evidence, &why, &cannot);
            else if (metric_is(m->name, brand))
                changed |= fix_logo(plan, &p, assets, nassets, m->evidence, &why);
            else if (metric_is(m->name, clar))
                changed |= fix_clarity(plan, &p, assets, nassets, m->m, feedback, &why, &cannot);
            else if (metric_is(m->name, ret))
                changed |= fix_retention(plan, &p, &why);
        }
        VEC_FREE(&ms);
    }

    json_t *issues = NULL;
    int valid = changed && planner_validate_plan(plan, assets, nassets, &issues);
    const json_t *brief_fb = json_object_get(feedback, "brief");
    int brief_missed = brief_fb && !json_is_true(json_object_get(brief_fb, "passed"));
    if (!valid && !changed && !brief_missed && !json_array_size(verrs) && cannot.len) {
        /* nothing a plan edit can fix: the same plan, and the reason, once */
        json_decref(issues);
        issues = NULL;
        json_decref(plan);
        plan = json_deep_copy(previous);
        buf_addf(&why, "nothing left to change: %s", cannot.buf);
        valid = planner_validate_plan(plan, assets, nassets, &issues);
    } else if (!valid) {
        /* the edit did not give a valid, different plan (or a brief constraint
         * was missed): a fresh one, which enforces every constraint */
        json_decref(issues);
        issues = NULL;
        json_t *fresh = rules_build_plan(&p, assets, nassets, err);
        if (!fresh) {
            json_decref(plan);
            buf_release(&why);
            buf_release(&cannot);
            return err ? err->code : REEL_EINVAL;
        }
        json_decref(plan);
        plan = fresh;
        buf_adds(&why, changed        ? "edits did not validate: planned afresh; "
                       : brief_missed ? "the brief's constraints were missed: planned afresh; "
                                      : "nothing in the feedback to act on: planned afresh; ");
        if (cannot.len)
            buf_addf(&why, "%s", cannot.buf);
        valid = planner_validate_plan(plan, assets, nassets, &issues);
    } else if (cannot.len) {
        buf_addf(&why, "not fixable with this footage: %s", cannot.buf);
    }
    buf_release(&cannot);
    append_notes(plan, why.buf);
    buf_release(&why);
    snprintf(res->model, sizeof(res->model), "rules");
    struct planner_attempt *a = planner_result_add(res, plan, issues, valid, "rules");
    a->feedback = json_deep_copy(feedback);
    if (opts->recorder && opts->recorder->on_attempt)
        opts->recorder->on_attempt(opts->recorder->ctx, 1, plan, a->issues);
    if (!valid)
        return reel_fail(err, REEL_EINVAL, "plan", "the revised plan does not validate");
    return REEL_OK;
}
