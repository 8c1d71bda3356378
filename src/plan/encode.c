/*
 * EditPlan encoding: struct plan -> JSON with every field written out,
 * defaults included and null where a value is absent. That shape is the
 * strict schema's (every property present), and decoding it gives the same
 * model back.
 */
#include <stdio.h>
#include <string.h>

#include "core/util.h"
#include "plan/internal.h"
#include "plan/plan.h"
#include "core/banned.h"

static json_t *color_json(const struct plan_color *c)
{
    if (!c->set)
        return json_null();
    char s[10];
    if (c->a == 255)
        snprintf(s, sizeof(s), "#%02X%02X%02X", c->r, c->g, c->b);
    else
        snprintf(s, sizeof(s), "#%02X%02X%02X%02X", c->r, c->g, c->b, c->a);
    return json_string(s);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *num_or_null(double v, int set)
{
    return set ? json_real(v) : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

static json_t *position_json(const struct plan_position *pos)
{
    if (pos->anchor == POS_XY) {
        json_t *o = json_object();
        set(o, "x", json_real(pos->x));
        set(o, "y", json_real(pos->y));
        return o;
    }
    return json_string(plan_anchor_name(pos->anchor));
}

static json_t *style_json(const struct plan_text_style *st, int captions)
{
    json_t *o = json_object();
    set(o, "font", json_string(st->font ? st->font : "DejaVu Sans"));
    set(o, "size", json_real(st->size));
    set(o, "color", color_json(&st->color));
    set(o, "outline", color_json(&st->outline));
    set(o, "box", color_json(&st->box));
    if (captions) {
        set(o, "max_chars_per_line", json_integer(st->max_chars_per_line));
        set(o, "max_lines", json_integer(st->max_lines));
        set(o, "highlight", color_json(&st->highlight));
    }
    return o;
}

static void span_json(json_t *o, const struct plan_op *op)
{
    set(o, "start", json_real(op->start));
    set(o, "end", num_or_null(op->end, op->end >= 0));
}

static json_t *op_json(const struct plan_op *op)
{
    json_t *o = json_object();
    set(o, "op", json_string(plan_op_kind_name(op->kind)));
    set(o, "id", str_or_null(op->id));
    switch (op->kind) {
    case OP_CUT:
        set(o, "asset", str_or_null(op->asset));
        set(o, "in", num_or_null(op->in, op->in >= 0));
        set(o, "out", num_or_null(op->out, op->out >= 0));
        set(o, "duration", num_or_null(op->duration, op->duration >= 0));
        set(o, "speed", json_real(op->speed));
        set(o, "volume_db", json_real(op->volume_db));
        set(o, "mute", json_boolean(op->mute));
        set(o, "fit", json_string(plan_fit_name(op->fit)));
        {
            json_t *f = json_object();
            set(f, "x", json_real(op->focus_x));
            set(f, "y", json_real(op->focus_y));
            set(o, "focus", f);
        }
        break;
    case OP_TRANSITION:
        set(o, "after", str_or_null(op->after));
        set(o, "kind", json_string(plan_transition_name(op->transition)));
        set(o, "duration", json_real(op->duration));
        break;
    case OP_OVERLAY:
        set(o, "asset", str_or_null(op->asset));
        span_json(o, op);
        set(o, "in", json_real(op->in));
        set(o, "position", position_json(&op->position));
        set(o, "width", json_real(op->width));
        set(o, "margin", json_real(op->margin));
        set(o, "opacity", json_real(op->opacity));
        set(o, "audio", json_boolean(op->audio));
        break;
    case OP_TEXT:
        set(o, "text", str_or_null(op->text));
        span_json(o, op);
        set(o, "position", position_json(&op->position));
        set(o, "style", style_json(&op->style, 0));
        break;
    case OP_CAPTIONS: {
        set(o, "source", json_string(op->source_transcript ? "transcript" : "cues"));
        if (op->source_transcript) {
            set(o, "cues", json_null());
        } else {
            json_t *a = json_array();
            for (size_t i = 0; i < op->ncues; i++) {
                json_t *c = json_object();
                set(c, "start", json_real(op->cues[i].start));
                set(c, "end", json_real(op->cues[i].end));
                set(c, "text", json_string(op->cues[i].text ? op->cues[i].text : ""));
                json_array_append_new(a, c);
            }
            set(o, "cues", a);
        }
        set(o, "style", style_json(&op->style, 1));
        set(o, "position", json_string(plan_anchor_name(op->position.anchor)));
        break;
    }
    case OP_AUDIO:
        set(o, "asset", str_or_null(op->asset));
        span_json(o, op);
        set(o, "in", json_real(op->in));
        set(o, "volume_db", json_real(op->volume_db));
        set(o, "loop", json_boolean(op->loop));
        set(o, "fade_in", json_real(op->fade_in));
        set(o, "fade_out", json_real(op->fade_out));
        if (op->duck) {
            json_t *d = json_object();
            set(d, "under", json_string("speech"));
            set(d, "amount_db", json_real(op->duck_amount_db));
            set(o, "duck", d);
        } else {
            set(o, "duck", json_null());
        }
        break;
    case OP_COLOR:
        span_json(o, op);
        set(o, "brightness", json_real(op->brightness));
        set(o, "contrast", json_real(op->contrast));
        set(o, "saturation", json_real(op->saturation));
        set(o, "gamma", json_real(op->gamma));
        set(o, "lut", str_or_null(op->lut));
        break;
    case OP_FADE:
        set(o, "kind", json_string(op->fade_out_kind ? "out" : "in"));
        set(o, "duration", json_real(op->duration));
        break;
    }
    return o;
}

static json_t *output_json(const struct plan_output *out)
{
    json_t *o = json_object();
    set(o, "width", out->width ? json_integer(out->width) : json_null());
    set(o, "height", out->height ? json_integer(out->height) : json_null());
    set(o, "fps", out->fps > 0 ? json_real(out->fps) : json_null());
    set(o, "aspect", out->aspect[0] ? json_string(out->aspect) : json_null());
    json_t *v = json_object();
    set(v, "codec", json_string(plan_vcodec_name(out->vcodec)));
    set(v, "crf", json_integer(out->crf));
    set(v, "preset", json_string(out->preset ? out->preset : "medium"));
    set(o, "video", v);
    json_t *a = json_object();
    set(a, "codec", json_string(plan_acodec_name(out->acodec)));
    set(a, "bitrate_kbps", json_integer(out->audio_bitrate_kbps));
    set(a, "sample_rate", json_integer(out->sample_rate));
    set(a, "loudness_lufs", num_or_null(out->loudness_lufs, out->loudness_set));
    set(a, "true_peak_dbtp", json_real(out->true_peak_dbtp));
    set(o, "audio", a);
    set(o, "container", json_string(plan_container_name(out->container)));
    set(o, "background", color_json(&out->background));
    return o;
}

json_t *plan_encode(const struct plan *p)
{
    json_t *j = json_object();
    set(j, "schema", json_string(PLAN_SCHEMA_ID));
    set(j, "title", str_or_null(p->title));
    set(j, "notes", str_or_null(p->notes));
    set(j, "output", output_json(&p->output));
    json_t *ops = json_array();
    for (size_t i = 0; i < p->nops; i++)
        json_array_append_new(ops, op_json(&p->ops[i]));
    set(j, "operations", ops);
    if (p->nassets) {
        json_t *as = json_object();
        for (size_t i = 0; i < p->nassets; i++)
            if (p->assets[i].path)
                set(as, p->assets[i].label, json_string(p->assets[i].path));
        set(j, "assets", as);
    }
    return j;
}
