/*
 * OpenTimelineIO JSON: Timeline.1 > Stack.1 > a video track, a clip-audio
 * track and a music track. An OTIO transition takes no track time but
 * overlaps its neighbours, so each reel transition is centred on the cut
 * point: the outgoing clip keeps its first half, the incoming clip starts
 * after the second half; track lengths then equal the render's.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/internal.h"
#include "core/banned.h"

static json_t *rt(double value, double rate)
{
    return json_pack("{s:s, s:f, s:f}", "OTIO_SCHEMA", "RationalTime.1", "rate", rate, "value",
                     value);
}

static json_t *range(double start, double dur, double rate)
{
    return json_pack("{s:s, s:o, s:o}", "OTIO_SCHEMA", "TimeRange.1", "start_time", rt(start, rate),
                     "duration", rt(dur, rate));
}

char *export_file_url(const char *path)
{
    struct buf b = BUF_INIT;
    char real[PATH_MAX], cwd[PATH_MAX];
    const char *abs = path;
    char *joined = NULL;
    if (realpath(path, real))
        abs = real;
    else if (path[0] != '/' && getcwd(cwd, sizeof(cwd)))
        abs = joined = xasprintf("%s/%s", cwd, path);
    buf_adds(&b, "file://");
    for (const unsigned char *s = (const unsigned char *)abs; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("-._~/", *s))
            buf_addch(&b, (char)*s);
        else
            buf_addf(&b, "%%%02X", *s);
    }
    free(joined);
    return buf_detach(&b);
}

static json_t *track(const char *name, const char *kind)
{
    return json_pack("{s:s, s:s, s:s, s:[], s:{}, s:n}", "OTIO_SCHEMA", "Track.1", "name", name,
                     "kind", kind, "children", "metadata", "source_range");
}

static json_t *gap(long frames, double fps)
{
    return json_pack("{s:s, s:s, s:o, s:{}}", "OTIO_SCHEMA", "Gap.1", "name", "", "source_range",
                     range(0, (double)frames, fps), "metadata");
}

static json_t *clip(const char *name, const char *path, double src_start, double src_dur,
                    double rate, double speed)
{
    json_t *refs = json_object();
    json_t *ref = json_pack("{s:s, s:s, s:{}, s:n}", "OTIO_SCHEMA", "ExternalReference.1", "name",
                            name, "metadata", "available_range");
    char *url = path ? export_file_url(path) : NULL;
    json_object_set_new(ref, "target_url", url ? json_string(url) : json_null());
    free(url);
    json_object_set_new(refs, "DEFAULT_MEDIA", ref);
    json_t *c =
        json_pack("{s:s, s:s, s:o, s:o, s:s, s:{}, s:[], s:[]}", "OTIO_SCHEMA", "Clip.2", "name",
                  name, "source_range", range(src_start, src_dur, rate), "media_references", refs,
                  "active_media_reference_key", "DEFAULT_MEDIA", "metadata", "effects", "markers");
    if (speed != 1.0)
        json_array_append_new(json_object_get(c, "effects"),
                              json_pack("{s:s, s:s, s:s, s:f, s:{}}", "OTIO_SCHEMA",
                                        "LinearTimeWarp.1", "name", "speed", "effect_name",
                                        "LinearTimeWarp", "time_scalar", speed, "metadata"));
    return c;
}

static json_t *transition(const struct export_clip *c, long in_off, long out_off, double fps)
{
    const char *name = plan_transition_name(c->tr_kind);
    int dissolve = c->tr_kind == TR_CROSSFADE || c->tr_kind == TR_DISSOLVE;
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:{s:s}}}", "OTIO_SCHEMA", "Transition.1",
                     "name", name, "transition_type",
                     dissolve ? "SMPTE_Dissolve" : "Custom_Transition", "in_offset",
                     rt((double)in_off, fps), "out_offset", rt((double)out_off, fps), "metadata",
                     "reel", "transition", name);
}

enum reel_code export_write_otio(const struct export_walk *w, struct buf *out, struct reel_err *err)
{
    (void)err;
    const struct plan *p = w->plan;
    json_t *video = track("Video", "Video"), *audio = track("Clip audio", "Audio");
    json_t *vk = json_object_get(video, "children"), *ak = json_object_get(audio, "children");
    for (size_t i = 0; i < w->nclips; i++) {
        const struct export_clip *c = &w->clips[i];
        long vis_start = c->lay_start, vis_end = c->lay_end;
        if (c->tr_in > 0)
            json_array_append_new(vk, transition(c, c->tr_in / 2, c->tr_in - c->tr_in / 2, w->fps));
        /* source times: output-rate frames -> seconds -> the asset's own frames */
        double k = c->asset_fps / w->fps;
        double src = c->lay_in * k;
        double dur = (vis_end - vis_start) * c->speed * k;
        json_array_append_new(vk, clip(c->label, c->path, src, dur, c->asset_fps, c->speed));
        const struct plan_op *op = &p->ops[c->op_index];
        if (op->mute || c->in < 0)
            json_array_append_new(ak, gap(vis_end - vis_start, w->fps));
        else
            json_array_append_new(ak, clip(c->label, c->path, src, dur, c->asset_fps, c->speed));
    }
    json_t *music = track("Music", "Audio"), *mk = json_object_get(music, "children");
    json_t *texts = json_array();
    long at = 0;
    struct plan_timeline tl;
    /* connected ops: music on its own track, texts and overlays as metadata */
    if (plan_timeline(p, &tl, NULL) == REEL_OK) {
        for (size_t i = 0; i < tl.nspans; i++) {
            const struct plan_span *s = &tl.spans[i];
            const struct plan_op *op = &p->ops[i];
            if (op->kind == OP_AUDIO && s->start_frame >= at) {
                const struct plan_asset *a = plan_find_asset(p, op->asset);
                if (s->start_frame > at)
                    json_array_append_new(mk, gap(s->start_frame - at, w->fps));
                json_array_append_new(mk,
                                      clip(op->asset, a ? a->path : NULL, (double)s->in_frame,
                                           (double)(s->end_frame - s->start_frame), w->fps, 1.0));
                at = s->end_frame;
            } else if (op->kind == OP_TEXT || op->kind == OP_OVERLAY) {
                json_array_append_new(texts, json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "op",
                                                       plan_op_kind_name(op->kind), "text",
                                                       op->text, "asset", op->asset, "start_frame",
                                                       (json_int_t)s->start_frame, "end_frame",
                                                       (json_int_t)s->end_frame));
            }
        }
        plan_timeline_release(&tl);
    }
    json_t *cues = json_array();
    for (size_t i = 0; i < w->ncues; i++)
        json_array_append_new(cues, json_pack("{s:I, s:I, s:s}", "start_frame",
                                              (json_int_t)w->cues[i].start, "end_frame",
                                              (json_int_t)w->cues[i].end, "text", w->cues[i].text));
    json_t *stack = json_pack("{s:s, s:s, s:[o, o, o], s:{}, s:n, s:[], s:[]}", "OTIO_SCHEMA",
                              "Stack.1", "name", "tracks", "children", video, audio, music,
                              "metadata", "source_range", "effects", "markers");
    json_t *tlj = json_pack("{s:s, s:s, s:n, s:o, s:{s:{s:f, s:I, s:i, s:i, s:o, s:o}}}",
                            "OTIO_SCHEMA", "Timeline.1", "name", p->title ? p->title : "reel",
                            "global_start_time", "tracks", stack, "metadata", "reel", "fps", w->fps,
                            "total_frames", (json_int_t)w->total, "width", p->output.width,
                            "height", p->output.height, "overlays_and_text", texts, "cues", cues);
    json_dump_buf(tlj, out, 1);
    buf_addch(out, '\n');
    json_decref(tlj);
    return REEL_OK;
}
