/*
 * The brief's constraints checked against the render and its plan: each
 * constraint the brief's explanation says it understood (and each flag) is
 * checked here after rendering, so a miss reaches the planner as evidence and
 * advice and names itself in review_required, instead of being hoped for.
 * What the metrics measure (pace, cuts on the beat, captions' legibility, the
 * logo on screen) is judged by the evaluation, not again here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agent/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

static const char *const anchor_names[] = {
    [POS_TOP_LEFT] = "top-left",       [POS_TOP] = "top",       [POS_TOP_RIGHT] = "top-right",
    [POS_LEFT] = "left",               [POS_CENTER] = "center", [POS_RIGHT] = "right",
    [POS_BOTTOM_LEFT] = "bottom-left", [POS_BOTTOM] = "bottom", [POS_BOTTOM_RIGHT] = "bottom-right",
    [POS_XY] = "x,y",
};

static void add(json_t *list, json_t *problems, const char *key, json_t *want, json_t *got,
                int met, int fixable, const char *evidence, const char *advice)
{
    json_array_append_new(list, json_pack("{s:s, s:o, s:o, s:b, s:b, s:s, s:s?}", "key", key,
                                          "want", want ? want : json_null(), "got",
                                          got ? got : json_null(), "met", met, "fixable", fixable,
                                          "evidence", evidence, "advice", met ? NULL : advice));
    if (!met)
        json_array_append_new(problems, json_string(evidence));
}

static const struct planner_asset *asset_of(const struct planner_asset *as, size_t n,
                                            const char *label)
{
    for (size_t i = 0; label && i < n; i++)
        if (!strcmp(as[i].label, label))
            return &as[i];
    return NULL;
}

static int in_list(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (s && !strcmp(json_string_value(v), s)) return 1;
    return 0;
}

json_t *agent_constraints_check(const struct planner_brief *b, const struct planner_asset *as,
                                size_t n, const struct plan *p, double render_duration)
{
    json_t *list = json_array(), *problems = json_array();
    char ev[512], adv[256];
    struct plan_timeline tl;
    memset(&tl, 0, sizeof(tl));
    int have_tl = plan_timeline(p, &tl, NULL) == REEL_OK;
    double fps = have_tl && tl.fps > 0 ? tl.fps : p->output.fps > 0 ? p->output.fps : 30;
    double D = have_tl ? tl.duration : render_duration;
    /* the cuts in timeline order */
    const struct plan_op *first = NULL, *last = NULL;
    long first_f = -1, last_f = -1;
    for (size_t i = 0; have_tl && i < tl.nspans; i++) {
        const struct plan_op *op = &p->ops[tl.spans[i].op_index];
        if (op->kind != OP_CUT)
            continue;
        if (first_f < 0 || tl.spans[i].start_frame < first_f) {
            first = op;
            first_f = tl.spans[i].start_frame;
        }
        if (last_f < 0 || tl.spans[i].start_frame > last_f) {
            last = op;
            last_f = tl.spans[i].start_frame;
        }
    }

    if (b->duration > 0) {
        double footage = 0;
        int has_image = 0;
        for (size_t i = 0; i < n; i++) {
            const char *t = planner_asset_type(&as[i]);
            if (!strcmp(t, "audio") || !strcmp(t, "logo") || !strcmp(t, "lut"))
                continue;
            if (as[i].probe.kind == MEDIA_IMAGE)
                has_image = 1;
            else if (as[i].probe.kind == MEDIA_VIDEO &&
                     !in_list(b->exclude_assets, as[i].label))
                footage += as[i].probe.duration;
        }
        double frame = 1.0 / fps;
        /* the render's container may end a few audio samples past the picture */
        int met = fabs(D - b->duration) <= frame + 1e-6 &&
                  (render_duration <= 0 || fabs(render_duration - b->duration) <= 0.1 + frame);
        if (!met && !has_image && footage + frame < b->duration) {
            snprintf(ev, sizeof(ev),
                     "the brief asks for %.1f s but the footage holds only %.1f s (no looping): "
                     "the render is %.1f s",
                     b->duration, footage, D);
            add(list, problems, "duration", json_real(b->duration), json_real(D), 0, 0, ev,
                "give more footage or a shorter length");
        } else {
            snprintf(ev, sizeof(ev), "the render is %.3f s, the brief asks for %.3f s (within one "
                     "frame, %.3f s)",
                     D, b->duration, frame);
            snprintf(adv, sizeof(adv), "make the edit %.3f s long", b->duration);
            add(list, problems, "duration", json_real(b->duration), json_real(D), met, 1, ev, adv);
        }
    }
    if (b->aspect[0] && p->output.width > 0 && p->output.height > 0) {
        int aw = 0, ah = 0;
        if (sscanf(b->aspect, "%d:%d", &aw, &ah) == 2 && aw > 0 && ah > 0) {
            int met = fabs((double)p->output.width / p->output.height - (double)aw / ah) <= 0.02;
            snprintf(ev, sizeof(ev), "the render is %dx%d, the brief asks for %s", p->output.width,
                     p->output.height, b->aspect);
            add(list, problems, "aspect", json_string(b->aspect),
                json_sprintf("%dx%d", p->output.width, p->output.height), met, 1, ev,
                "set the output's aspect");
        }
    }
    for (int k = 0; k < 2; k++) {
        const char *want = k ? b->last_asset : b->first_asset;
        const struct plan_op *op = k ? last : first;
        if (!want)
            continue;
        const char *got = op && op->asset ? op->asset : "nothing";
        int met = op && op->asset && !strcmp(op->asset, want);
        snprintf(ev, sizeof(ev), "the %s shot is %s (op %s); the brief asks to %s on %s",
                 k ? "last" : "first", got, op && op->id ? op->id : "-", k ? "end" : "open", want);
        snprintf(adv, sizeof(adv), "%s on %s", k ? "end" : "open", want);
        add(list, problems, k ? "last_asset" : "first_asset", json_string(want), json_string(got),
            met, asset_of(as, n, want) != NULL, ev, adv);
    }
    int has_caps = 0, has_title = 0, has_grade_bw = 0, music_ops = 0, ducked = 1;
    const struct plan_op *logo_op = NULL;
    const char *bad_asset = NULL, *unmuted = NULL;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        const struct planner_asset *a = asset_of(as, n, op->asset);
        const char *type = a ? planner_asset_type(a) : "";
        if (op->kind == OP_CAPTIONS)
            has_caps = 1;
        if (op->kind == OP_TEXT && b->title && op->text) {
            /* the planner breaks a long title into lines: compare without them */
            char *t = xstrdup(op->text);
            for (char *c = t; *c; c++)
                if (*c == '\n')
                    *c = ' ';
            has_title |= !strcmp(t, b->title);
            free(t);
        }
        if (op->kind == OP_COLOR && op->saturation <= 0.001)
            has_grade_bw = 1;
        if (op->kind == OP_AUDIO && !strcmp(type, "audio")) {
            music_ops++;
            ducked &= op->duck;
        }
        if (op->kind == OP_OVERLAY && !strcmp(type, "logo"))
            logo_op = op;
        if ((op->kind == OP_CUT || op->kind == OP_OVERLAY) && op->asset) {
            if (in_list(b->exclude_assets, op->asset))
                bad_asset = op->asset;
            if (op->kind == OP_CUT && json_array_size(b->only_assets) &&
                !in_list(b->only_assets, op->asset) &&
                !(b->first_asset && !strcmp(b->first_asset, op->asset)) &&
                !(b->last_asset && !strcmp(b->last_asset, op->asset)))
                bad_asset = op->asset;
            if (op->kind == OP_CUT && b->mute_broll == 1 && !strcmp(type, "b-roll") && !op->mute)
                unmuted = op->asset;
        }
    }
    if (b->captions >= 0) {
        snprintf(ev, sizeof(ev), "the plan has %s; the brief asks for %s",
                 has_caps ? "captions" : "no captions", b->captions ? "captions" : "none");
        add(list, problems, "captions", json_boolean(b->captions), json_boolean(has_caps),
            has_caps == b->captions, 1, ev, b->captions ? "add captions" : "drop the captions");
    }
    if (b->title) {
        snprintf(ev, sizeof(ev), "the title \"%.200s\" is %s", b->title,
                 has_title ? "shown" : "not in the plan");
        add(list, problems, "title", json_string(b->title), json_boolean(has_title), has_title, 1,
            ev, "show the title");
    }
    if (b->logo_position[0] && !b->no_logo) {
        const char *got = logo_op ? anchor_names[logo_op->position.anchor] : "no logo";
        int met = logo_op && !strcmp(got, b->logo_position);
        int have_logo = 0;
        for (size_t i = 0; i < n; i++)
            have_logo |= !strcmp(planner_asset_type(&as[i]), "logo");
        snprintf(ev, sizeof(ev), "the logo is %s%s; the brief asks for %s", logo_op ? "at " : "",
                 got, b->logo_position);
        snprintf(adv, sizeof(adv), "put the logo %s", b->logo_position);
        add(list, problems, "logo_position", json_string(b->logo_position), json_string(got), met,
            have_logo, ev, adv);
    }
    if (b->no_logo)
        add(list, problems, "logo", json_false(), json_boolean(logo_op != NULL), !logo_op, 1,
            logo_op ? "the plan shows a logo; the brief says no logo" : "no logo, as asked",
            "drop the logo");
    if (b->no_music)
        add(list, problems, "music", json_false(), json_integer(music_ops), !music_ops, 1,
            music_ops ? "the plan plays music; the brief says no music" : "no music, as asked",
            "drop the music");
    if (b->duck == 1 && music_ops) {
        add(list, problems, "duck", json_true(), json_boolean(ducked), ducked, 1,
            ducked ? "the music ducks under speech" : "the music does not duck under speech",
            "duck the music under speech");
    }
    if (b->exclude_assets || json_array_size(b->only_assets)) {
        snprintf(ev, sizeof(ev), "%s%s", bad_asset ? "the plan uses " : "only the assets asked for",
                 bad_asset ? bad_asset : "");
        add(list, problems, json_array_size(b->only_assets) ? "only" : "exclude",
            json_incref(json_array_size(b->only_assets) ? b->only_assets : b->exclude_assets),
            bad_asset ? json_string(bad_asset) : NULL, !bad_asset, 1, ev,
            "leave out what the brief excludes");
    }
    if (b->mute_broll == 1) {
        snprintf(ev, sizeof(ev), "%s%s", unmuted ? "the b-roll plays its sound: " : "the b-roll is muted",
                 unmuted ? unmuted : "");
        add(list, problems, "mute_broll", json_true(), json_boolean(!unmuted), !unmuted, 1, ev,
            "mute the b-roll");
    }
    if (!strcmp(b->look, "bw"))
        add(list, problems, "look", json_string("bw"), json_boolean(has_grade_bw), has_grade_bw, 1,
            has_grade_bw ? "black and white (saturation 0)" : "the picture keeps its colour",
            "grade it black and white");
    if (have_tl)
        plan_timeline_release(&tl);
    return json_pack("{s:b, s:o, s:o}", "passed", json_array_size(problems) == 0, "problems",
                     problems, "constraints", list);
}

json_t *agent_brief_check(struct agent_job *aj, const struct plan *p, double duration)
{
    return agent_constraints_check(&aj->brief, aj->passets, aj->nassets, p, duration);
}
