/*
 * Validation against the facts: probe the assets a plan names, then check
 * kinds, source ranges, references, the output settings and the timeline.
 * Ops that failed to decode (op->bad) are skipped so that one defect is
 * reported once; timeline checks need every cut to be sound.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>

#include "core/util.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

#define PATHLEN 160

const char *plan_video_encoder(enum plan_vcodec c)
{
    static const char *const h264[] = {"libx264", NULL};
    static const char *const hevc[] = {"libx265", NULL};
    static const char *const vp9[] = {"libvpx-vp9", NULL};
    static const char *const av1[] = {"libsvtav1", "libaom-av1", "librav1e", NULL};
    static const char *const *const table[] = {h264, hevc, vp9, av1};
    if ((unsigned)c >= ARRAY_SIZE(table))
        return NULL;
    for (const char *const *e = table[c]; *e; e++)
        if (avcodec_find_encoder_by_name(*e))
            return *e;
    return NULL;
}

const char *plan_audio_encoder(enum plan_acodec c)
{
    const char *name = c == ACODEC_AAC ? "aac" : c == ACODEC_OPUS ? "libopus" : NULL;
    return name && avcodec_find_encoder_by_name(name) ? name : NULL;
}

/* Which codecs each container takes (checked against FFmpeg's muxers). */
static int container_fits_video(enum plan_container ct, enum plan_vcodec v)
{
    switch (ct) {
    case CONT_MP4:
    case CONT_MKV:
        return 1;
    case CONT_MOV:
        return v == VCODEC_H264 || v == VCODEC_HEVC;
    case CONT_WEBM:
        return v == VCODEC_VP9 || v == VCODEC_AV1;
    }
    return 0;
}

static int container_fits_audio(enum plan_container ct, enum plan_acodec a)
{
    switch (ct) {
    case CONT_MP4:
    case CONT_MKV:
        return 1;
    case CONT_MOV:
        return a == ACODEC_AAC;
    case CONT_WEBM:
        return a == ACODEC_OPUS;
    }
    return 0;
}

static void opath(char *dst, size_t i, const char *key)
{
    if (key)
        snprintf(dst, PATHLEN, "$.operations[%zu].%s", i, key);
    else
        snprintf(dst, PATHLEN, "$.operations[%zu]", i);
}

static void known_labels(const struct plan *p, char *dst, size_t n)
{
    size_t used = 0;
    dst[0] = 0;
    for (size_t i = 0; i < p->nassets && used < n; i++)
        used += snprintf(dst + used, n - used, "%s%s", i ? ", " : "", p->assets[i].label);
}

/* The asset behind a label, probed; NULL (reported) when it cannot be used. */
static struct plan_asset *use_asset(struct plan *p, const char *label, const char *path,
                                    struct plan_issues *is)
{
    struct plan_asset *a = plan_find_asset(p, label);
    if (!a) {
        char list[200];
        known_labels(p, list, sizeof(list));
        if (p->nassets)
            plan_issues_add(is, path, "unknown_asset",
                            "no asset is labelled '%s'; the labels are: %s", label, list);
        else
            plan_issues_add(is, path, "unknown_asset",
                            "no asset is labelled '%s' (no assets were given: add \"assets\": "
                            "{\"%s\": \"file\"} to the plan or pass --asset %s=FILE)",
                            label, label, label);
        return NULL;
    }
    if (a->probe_failed)
        return NULL;
    if (!a->probed) {
        struct reel_err err = REEL_ERR_INIT;
        if (!a->path || media_probe(a->path, &a->info, &err) != REEL_OK) {
            plan_issues_add(is, path, "asset_unreadable", "asset '%s' (%.100s) cannot be used: %s",
                            label, a->path ? a->path : "no path",
                            a->path ? err.msg : "it has no file");
            a->probe_failed = 1;
            return NULL;
        }
        a->probed = 1;
    }
    return a;
}

static const char *kind_word(const struct media_info *mi)
{
    switch (mi->kind) {
    case MEDIA_VIDEO:
        return mi->has_audio ? "a video" : "a video without sound";
    case MEDIA_IMAGE:
        return "an image";
    case MEDIA_AUDIO:
        return "audio";
    case MEDIA_LUT:
        return "a LUT";
    }
    return "unknown";
}

static int even(double x)
{
    long v = 2 * lround(x / 2);
    return (int)(v < 16 ? 16 : v);
}

static int aspect_parts(const char *a, int *aw, int *ah)
{
    return sscanf(a, "%d:%d", aw, ah) == 2 && *aw > 0 && *ah > 0;
}

/* Output size and fps from the first cut's asset where the plan left them out. */
static void resolve_output(struct plan *p, const struct media_info *first, struct plan_issues *is)
{
    struct plan_output *o = &p->output;
    int aw = 0, ah = 0;
    int has_aspect = o->aspect[0] && aspect_parts(o->aspect, &aw, &ah);
    int dw = 0, dh = 0;
    if (first)
        media_display_size(first, &dw, &dh);

    if (o->width && o->height) {
        if (has_aspect &&
            fabs((double)o->width / o->height - (double)aw / ah) > 0.01 * ((double)aw / ah))
            plan_issues_add(is, "$.output.aspect", "aspect_mismatch",
                            "aspect %s does not match width %d x height %d; make them agree or "
                            "give only one of them",
                            o->aspect, o->width, o->height);
    } else if (o->width || o->height) {
        double ratio = has_aspect ? (double)aw / ah : (dw && dh) ? (double)dw / dh : 0;
        if (ratio > 0) {
            if (o->width)
                o->height = even(o->width / ratio);
            else
                o->width = even(o->height * ratio);
        }
    } else if (dw > 0 && dh > 0) {
        if (has_aspect) {
            int shortside = dw < dh ? dw : dh;
            if (aw >= ah)
                o->height = even(shortside), o->width = even((double)shortside * aw / ah);
            else
                o->width = even(shortside), o->height = even((double)shortside * ah / aw);
        } else {
            o->width = even(dw - (dw % 2)), o->height = even(dh - (dh % 2));
        }
    }
    /* keep within 7680 on the long side, preserving the shape */
    int longside = o->width > o->height ? o->width : o->height;
    if (longside > 7680) {
        double s = 7680.0 / longside;
        o->width = even(o->width * s);
        o->height = even(o->height * s);
    }
    if (o->width > 7680)
        o->width = 7680;
    if (o->height > 7680)
        o->height = 7680;

    if (!o->fps_num) {
        double want = first && first->kind == MEDIA_VIDEO && first->fps > 0 ? first->fps : 30;
        size_t best = 0;
        for (size_t i = 1; i < ARRAY_SIZE(plan_fps_table); i++)
            if (fabs(plan_fps_table[i].value - want) <= fabs(plan_fps_table[best].value - want))
                best = i;
        o->fps = plan_fps_table[best].value;
        o->fps_num = plan_fps_table[best].num;
        o->fps_den = plan_fps_table[best].den;
    }
}

static void check_output_codecs(struct plan *p, struct plan_issues *is)
{
    const struct plan_output *o = &p->output;
    if (o->bad)
        return;
    const char *ct = plan_container_name(o->container);
    if (!container_fits_video(o->container, o->vcodec))
        plan_issues_add(is, "$.output.video.codec", "unsupported",
                        "video codec %s cannot go in a %s file; %s takes %s",
                        plan_vcodec_name(o->vcodec), ct, ct,
                        o->container == CONT_MOV ? "h264 or hevc" : "vp9 or av1");
    else if (!plan_video_encoder(o->vcodec))
        plan_issues_add(is, "$.output.video.codec", "unsupported",
                        "the installed FFmpeg has no encoder for %s; choose another video codec",
                        plan_vcodec_name(o->vcodec));
    if (!container_fits_audio(o->container, o->acodec))
        plan_issues_add(is, "$.output.audio.codec", "unsupported",
                        "audio codec %s cannot go in a %s file; %s takes %s",
                        plan_acodec_name(o->acodec), ct, ct,
                        o->container == CONT_MOV ? "aac" : "opus");
    else if (!plan_audio_encoder(o->acodec))
        plan_issues_add(is, "$.output.audio.codec", "unsupported",
                        "the installed FFmpeg has no encoder for %s; choose another audio codec",
                        plan_acodec_name(o->acodec));
}

/* Transition references: need ids only. */
static void check_transitions_refs(struct plan *p, struct plan_issues *is, long last_cut)
{
    /* a cut (or an op of unknown kind) that failed to decode may carry the id
     * a transition names: its own error says enough */
    int bad_cut = 0;
    for (size_t i = 0; i < p->nops; i++)
        if (p->ops[i].kind == OP_CUT && p->ops[i].bad)
            bad_cut = 1;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_TRANSITION || op->bad || !op->after)
            continue;
        char path[PATHLEN];
        opath(path, i, "after");
        long target = plan_find_cut_id(p, op->after);
        if (target < 0 && bad_cut)
            continue;
        if (target < 0) {
            long other = -1;
            for (size_t j = 0; j < p->nops; j++)
                if (p->ops[j].id && !strcmp(p->ops[j].id, op->after))
                    other = (long)j;
            if (other >= 0)
                plan_issues_add(is, path, "bad_reference",
                                "'%s' is a %s operation, not a cut; 'after' names the cut this "
                                "transition follows",
                                op->after, plan_op_kind_name(p->ops[other].kind));
            else
                plan_issues_add(is, path, "bad_reference",
                                "no cut has id '%s'; 'after' names the cut this transition "
                                "follows (give that cut an \"id\")",
                                op->after);
            continue;
        }
        if (target == last_cut) {
            plan_issues_add(is, path, "bad_reference",
                            "cut '%s' is the last cut; a transition goes between two cuts",
                            op->after);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            const struct plan_op *o2 = &p->ops[j];
            if (o2->kind == OP_TRANSITION && !o2->bad && o2->after &&
                !strcmp(o2->after, op->after)) {
                plan_issues_add(is, path, "overlap",
                                "cut '%s' already has a transition after it ($.operations[%zu]); "
                                "there can be only one",
                                op->after, j);
                break;
            }
        }
    }
}

enum reel_code plan_validate(struct plan *p, struct plan_issues *is)
{
    size_t start = is->seen;
    unsigned char *ok = xcalloc(p->nops ? p->nops : 1, 1); /* cut sound for the timeline */
    long first_cut = -1, last_cut = -1;
    size_t ncuts = 0;
    int cuts_sound = 1;
    const struct media_info *first_info = NULL;
    char path[PATHLEN];

    for (size_t i = 0; i < p->nops; i++) {
        struct plan_op *op = &p->ops[i];
        if (op->kind == OP_CUT) {
            if (first_cut < 0)
                first_cut = (long)i;
            last_cut = (long)i;
            ncuts++;
        }
        if (op->bad) {
            if (op->kind == OP_CUT)
                cuts_sound = 0;
            continue;
        }
        const char *label = op->kind == OP_COLOR ? op->lut : op->asset;
        struct plan_asset *a = NULL;
        if (label) {
            opath(path, i, op->kind == OP_COLOR ? "lut" : "asset");
            a = use_asset(p, label, path, is);
            if (!a) {
                if (op->kind == OP_CUT)
                    cuts_sound = 0;
                continue;
            }
        }
        const struct media_info *mi = a ? &a->info : NULL;
        if (!mi && (op->kind == OP_CUT || op->kind == OP_OVERLAY || op->kind == OP_AUDIO)) {
            /* the decoder reports a missing asset and marks the op bad; this
             * keeps a plan built another way from reaching `mi` */
            opath(path, i, "asset");
            plan_issues_add(is, path, "missing", "this operation needs 'asset'");
            if (op->kind == OP_CUT)
                cuts_sound = 0;
            continue;
        }
        switch (op->kind) {
        case OP_CUT: {
            size_t before = is->seen;
            if (mi->kind != MEDIA_VIDEO && mi->kind != MEDIA_IMAGE) {
                plan_issues_add(is, path, "wrong_asset_kind",
                                "asset '%s' is %s; a cut needs a video or an image", label,
                                kind_word(mi));
            } else if (mi->kind == MEDIA_VIDEO) {
                if (op->duration >= 0) {
                    opath(path, i, "duration");
                    plan_issues_add(is, path, "bad_value",
                                    "asset '%s' is a video: its cut takes 'in' and 'out' "
                                    "(seconds in the source), not 'duration'",
                                    label);
                }
                if (op->duration >= 0) {
                    /* reported above; in/out are then missing by the same mistake */
                } else if (op->in < 0) {
                    opath(path, i, "in");
                    plan_issues_add(is, path, "required",
                                    "a cut of video '%s' needs 'in' (seconds in the source, 0 to "
                                    "%.2f)",
                                    label, mi->duration);
                } else if (op->in >= mi->duration) {
                    opath(path, i, "in");
                    plan_issues_add(is, path, "out_of_range",
                                    "in %.2f is at or past the end of asset '%s' (%.2f s)", op->in,
                                    label, mi->duration);
                }
                if (op->duration >= 0) {
                } else if (op->out < 0) {
                    opath(path, i, "out");
                    plan_issues_add(is, path, "required",
                                    "a cut of video '%s' needs 'out' (seconds in the source, up to "
                                    "%.2f)",
                                    label, mi->duration);
                } else if (op->out > mi->duration + 0.001 && op->in < mi->duration) {
                    opath(path, i, "out");
                    plan_issues_add(is, path, "out_of_range",
                                    "out %.2f is past the end of asset '%s' (%.2f s)", op->out,
                                    label, mi->duration);
                }
            } else { /* image */
                if (op->in >= 0 || op->out >= 0) {
                    opath(path, i, op->in >= 0 ? "in" : "out");
                    plan_issues_add(is, path, "bad_value",
                                    "asset '%s' is an image: its cut takes 'duration' (seconds on "
                                    "screen), not 'in'/'out'",
                                    label);
                } else if (op->duration < 0) {
                    opath(path, i, "duration");
                    plan_issues_add(is, path, "required",
                                    "a cut of image '%s' needs 'duration' (seconds on screen)",
                                    label);
                }
                if (op->speed != 1.0) {
                    opath(path, i, "speed");
                    plan_issues_add(is, path, "bad_value",
                                    "asset '%s' is an image: 'speed' has no meaning for it; set "
                                    "the 'duration' instead",
                                    label);
                }
            }
            if (is->seen == before)
                ok[i] = 1;
            else
                cuts_sound = 0;
            if ((long)i == first_cut && ok[i])
                first_info = mi;
            break;
        }
        case OP_OVERLAY:
            if (mi->kind != MEDIA_VIDEO && mi->kind != MEDIA_IMAGE) {
                plan_issues_add(is, path, "wrong_asset_kind",
                                "asset '%s' is %s; an overlay needs an image or a video", label,
                                kind_word(mi));
                break;
            }
            if (mi->kind == MEDIA_VIDEO && op->in >= mi->duration) {
                opath(path, i, "in");
                plan_issues_add(is, path, "out_of_range",
                                "in %.2f is at or past the end of asset '%s' (%.2f s)", op->in,
                                label, mi->duration);
            }
            if (op->audio && !mi->has_audio) {
                opath(path, i, "audio");
                plan_issues_add(is, path, "wrong_asset_kind",
                                "asset '%s' is %s: it has no sound to mix; set 'audio' to false",
                                label, kind_word(mi));
            }
            break;
        case OP_AUDIO:
            if (!(mi->kind == MEDIA_AUDIO || (mi->kind == MEDIA_VIDEO && mi->has_audio))) {
                plan_issues_add(is, path, "wrong_asset_kind",
                                "asset '%s' is %s; an audio operation needs audio or a video with "
                                "sound",
                                label, kind_word(mi));
                break;
            }
            if (op->in >= mi->duration) {
                opath(path, i, "in");
                plan_issues_add(is, path, "out_of_range",
                                "in %.2f is at or past the end of asset '%s' (%.2f s)", op->in,
                                label, mi->duration);
            }
            break;
        case OP_COLOR:
            if (mi && mi->kind != MEDIA_LUT)
                plan_issues_add(is, path, "wrong_asset_kind",
                                "asset '%s' is %s; 'lut' needs a .cube LUT file", label,
                                kind_word(mi));
            break;
        default:
            break;
        }
    }

    if (!ncuts)
        plan_issues_add(is, "$.operations", "empty_timeline",
                        "the plan has no cut, so the video would be empty; add at least one "
                        "\"cut\" operation");

    resolve_output(p, first_info, is);
    check_output_codecs(p, is);
    check_transitions_refs(p, is, last_cut);

    double fps = p->output.fps_num ? (double)p->output.fps_num / p->output.fps_den : 0;
    if (ncuts && cuts_sound && fps > 0) {
        struct plan_cutframes *cf = xcalloc(p->nops, sizeof(*cf));
        long total;
        size_t n = plan_cut_frames(p, fps, cf, &total);
        int frames_ok = 1;
        for (size_t k = 0; k < n; k++) {
            const struct plan_op *op = &p->ops[cf[k].op];
            if (cf[k].len < 1) {
                opath(path, cf[k].op, op->in < 0 ? "duration" : "out");
                plan_issues_add(is, path, "out_of_range",
                                "this cut lasts less than one frame at %g fps; make it longer",
                                p->output.fps);
                frames_ok = 0;
            }
        }
        for (size_t k = 0; frames_ok && k + 1 < n; k++) {
            if (cf[k].tr_op < 0)
                continue;
            const struct plan_op *tr = &p->ops[cf[k].tr_op];
            opath(path, (size_t)cf[k].tr_op, "duration");
            if (cf[k].tr_after < 1) {
                plan_issues_add(is, path, "out_of_range",
                                "a transition of %.3f s is shorter than one frame at %g fps",
                                tr->duration, p->output.fps);
                continue;
            }
            for (size_t side = 0; side < 2; side++) {
                const struct plan_cutframes *nb = &cf[k + side];
                if (2 * cf[k].tr_after >= nb->len) {
                    const struct plan_op *c = &p->ops[nb->op];
                    plan_issues_add(is, path, "too_long",
                                    "a transition of %.2f s must be shorter than half of each "
                                    "neighbouring cut, but the %s cut%s%s%s lasts %.2f s (limit "
                                    "%.2f s)",
                                    tr->duration, side ? "next" : "previous", c->id ? " '" : "",
                                    c->id ? c->id : "", c->id ? "'" : "", nb->len / fps,
                                    nb->len / fps / 2);
                    break;
                }
            }
        }
        double dur = total / fps;
        int fades[2] = {-1, -1};
        for (size_t i = 0; frames_ok && i < p->nops; i++) {
            const struct plan_op *op = &p->ops[i];
            if (op->bad)
                continue;
            switch (op->kind) {
            case OP_OVERLAY:
            case OP_TEXT:
            case OP_AUDIO:
            case OP_COLOR:
                if (lround(op->start * fps) >= total) {
                    opath(path, i, "start");
                    plan_issues_add(is, path, "past_end",
                                    "start %.2f s is at or after the end of the timeline (%.2f s); "
                                    "nothing may start there",
                                    op->start, dur);
                }
                break;
            case OP_CAPTIONS:
                for (size_t c = 0; c < op->ncues; c++)
                    if (lround(op->cues[c].start * fps) >= total) {
                        snprintf(path, sizeof(path), "$.operations[%zu].cues[%zu].start", i, c);
                        plan_issues_add(is, path, "past_end",
                                        "cue start %.2f s is at or after the end of the timeline "
                                        "(%.2f s)",
                                        op->cues[c].start, dur);
                    }
                break;
            case OP_FADE:
                opath(path, i, "duration");
                if (lround(op->duration * fps) < 1)
                    plan_issues_add(is, path, "out_of_range",
                                    "a fade of %.3f s is shorter than one frame at %g fps",
                                    op->duration, p->output.fps);
                else if (lround(op->duration * fps) > total)
                    plan_issues_add(is, path, "too_long",
                                    "a fade of %.2f s is longer than the whole timeline (%.2f s)",
                                    op->duration, dur);
                if (fades[op->fade_out_kind] >= 0) {
                    opath(path, i, "kind");
                    plan_issues_add(is, path, "overlap",
                                    "there is already a fade %s ($.operations[%d]); there can be "
                                    "only one",
                                    op->fade_out_kind ? "out" : "in", fades[op->fade_out_kind]);
                } else {
                    fades[op->fade_out_kind] = (int)i;
                }
                break;
            default:
                break;
            }
        }
        free(cf);
    }
    free(ok);
    return is->seen == start ? REEL_OK : REEL_EINVAL;
}
