/* Progress of a job for people (a live line per stage) and programs (JSON lines). */
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "core/util.h"
#include "core/banned.h"

static const char *const kind_names[] = {
    [AGENT_EV_JOB_BEGIN] = "job_begin",   [AGENT_EV_STAGE_BEGIN] = "stage_begin",
    [AGENT_EV_PROGRESS] = "progress",     [AGENT_EV_STAGE_END] = "stage_end",
    [AGENT_EV_STAGE_SKIP] = "stage_skip", [AGENT_EV_JOB_END] = "job_end",
};

const char *agent_event_kind_name(enum agent_event_kind k)
{
    if ((unsigned)k < ARRAY_SIZE(kind_names))
        return kind_names[k];
    return "unknown";
}

static int kind_parse(const char *s)
{
    for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
        if (s && !strcmp(s, kind_names[i]))
            return (int)i;
    return -1;
}

json_t *agent_event_to_json(const struct agent_event *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "event", json_string(agent_event_kind_name(ev->kind)));
    if (ev->job_id)
        json_object_set_new(o, "job", json_string(ev->job_id));
    if (ev->stage)
        json_object_set_new(o, "stage", json_string(ev->stage));
    if (ev->stage && ev->kind != AGENT_EV_JOB_BEGIN && ev->kind != AGENT_EV_JOB_END)
        json_object_set_new(o, "version", json_integer(ev->version));
    if (ev->item)
        json_object_set_new(o, "item", json_string(ev->item));
    if (ev->kind == AGENT_EV_PROGRESS) {
        json_object_set_new(o, "fraction", json_real(ev->fraction < 0 ? 0 : ev->fraction));
        if (ev->speed > 0)
            json_object_set_new(o, "speed", json_real(ev->speed));
        if (ev->eta_s >= 0)
            json_object_set_new(o, "eta_s", json_real(ev->eta_s));
    }
    if (ev->kind == AGENT_EV_STAGE_END) {
        json_object_set_new(o, "failed", json_boolean(ev->failed));
        json_object_set_new(o, "elapsed_ms", json_integer(ev->elapsed_ms));
    }
    if (ev->score >= 0 && (ev->kind == AGENT_EV_STAGE_END || ev->kind == AGENT_EV_JOB_END))
        json_object_set_new(o, "score", json_real(ev->score));
    if (ev->status)
        json_object_set_new(o, "status", json_string(ev->status));
    if (ev->message)
        json_object_set_new(o, "message", json_string(ev->message));
    return o;
}

struct agent_progress {
    FILE *f;
    int json;
    int tty;
    int line_open; /* a live line is drawn and not yet ended */
    char stage[24];
    int version;
    double t0;
    double last_draw;
};

struct agent_progress *agent_progress_new(FILE *f, int json, int tty)
{
    struct agent_progress *p = xcalloc(1, sizeof(*p));
    p->f = f;
    p->json = json;
    p->tty = tty && !json;
    return p;
}

void agent_progress_free(struct agent_progress *p)
{
    if (!p)
        return;
    if (p->line_open) {
        fputc('\n', p->f);
        fflush(p->f);
    }
    free(p);
}

static void stage_label(struct buf *b, const struct agent_event *ev)
{
    if (ev->version > 0 && ev->stage && strcmp(ev->stage, "ingest"))
        buf_addf(b, "%-8s v%d", ev->stage, ev->version);
    else
        buf_addf(b, "%-11s", ev->stage ? ev->stage : "");
}

static void bar(struct buf *b, double fraction)
{
    const int w = 24;
    if (fraction < 0)
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int n = (int)(fraction * w + 0.5);
    buf_addch(b, '[');
    for (int i = 0; i < w; i++)
        buf_addch(b, i < n ? '#' : '.');
    buf_addf(b, "] %3d%%", (int)(fraction * 100 + 0.5));
}

static void draw(struct agent_progress *p, const struct buf *line)
{
    /* \r + clear to end of line: redraw the live line in place */
    fprintf(p->f, "\r\033[K%s", line->buf);
    fflush(p->f);
    p->line_open = 1;
}

void agent_progress_event(struct agent_progress *p, const struct agent_event *ev)
{
    if (!p)
        return;
    if (p->json) {
        json_t *j = agent_event_to_json(ev);
        struct buf b = BUF_INIT;
        json_dump_buf(j, &b, 0);
        fprintf(p->f, "%s\n", b.buf);
        fflush(p->f);
        buf_release(&b);
        json_decref(j);
        return;
    }
    struct buf line = BUF_INIT;
    switch (ev->kind) {
    case AGENT_EV_JOB_BEGIN:
        fprintf(p->f, "job %s%s%s\n", ev->job_id ? ev->job_id : "", ev->message ? ": " : "",
                ev->message ? ev->message : "");
        break;
    case AGENT_EV_STAGE_BEGIN:
        snprintf(p->stage, sizeof(p->stage), "%s", ev->stage ? ev->stage : "");
        p->version = ev->version;
        p->t0 = now_mono_s();
        if (p->tty) {
            buf_adds(&line, "  ");
            stage_label(&line, ev);
            buf_adds(&line, "  ...");
            if (ev->message)
                buf_addf(&line, " %s", ev->message);
            draw(p, &line);
        }
        break;
    case AGENT_EV_PROGRESS: {
        if (!p->tty)
            break;
        double now = now_mono_s();
        if (now - p->last_draw < 0.1 && ev->fraction < 1)
            break; /* at most 10 redraws a second */
        p->last_draw = now;
        buf_adds(&line, "  ");
        stage_label(&line, ev);
        buf_adds(&line, "  ");
        bar(&line, ev->fraction);
        if (ev->speed > 0)
            buf_addf(&line, "  %.1fx", ev->speed);
        if (ev->eta_s >= 0)
            buf_addf(&line, "  eta %.0f s", ev->eta_s);
        if (ev->item)
            buf_addf(&line, "  %s", ev->item);
        draw(p, &line);
        break;
    }
    case AGENT_EV_STAGE_SKIP:
    case AGENT_EV_STAGE_END: {
        const char *mark = ev->kind == AGENT_EV_STAGE_SKIP ? "=" : ev->failed ? "x" : "+";
        buf_addf(&line, "%s ", mark);
        stage_label(&line, ev);
        if (ev->kind == AGENT_EV_STAGE_SKIP)
            buf_adds(&line, "  (stored result, not redone)");
        else
            buf_addf(&line, "  %6.1f s", ev->elapsed_ms / 1000.0);
        if (ev->score >= 0)
            buf_addf(&line, "  score %.3f", ev->score);
        if (ev->message)
            buf_addf(&line, "  %s", ev->message);
        if (p->tty) {
            draw(p, &line);
            fputc('\n', p->f);
            p->line_open = 0;
        } else {
            fprintf(p->f, "%s\n", line.buf);
        }
        break;
    }
    case AGENT_EV_JOB_END:
        if (p->line_open) {
            fputc('\n', p->f);
            p->line_open = 0;
        }
        fprintf(p->f, "job %s %s", ev->job_id ? ev->job_id : "", ev->status ? ev->status : "ended");
        if (ev->score >= 0)
            fprintf(p->f, " (score %.3f)", ev->score);
        if (ev->message)
            fprintf(p->f, ": %s", ev->message);
        fputc('\n', p->f);
        break;
    }
    fflush(p->f);
    buf_release(&line);
}

void agent_progress_json(struct agent_progress *p, const json_t *j)
{
    int k = kind_parse(json_get_str(j, "event", NULL));
    if (k < 0)
        return;
    struct agent_event ev = {
        .kind = (enum agent_event_kind)k,
        .job_id = json_get_str(j, "job", NULL),
        .stage = json_get_str(j, "stage", NULL),
        .version = (int)json_get_int(j, "version", 0),
        .item = json_get_str(j, "item", NULL),
        .fraction = json_get_num(j, "fraction", -1),
        .speed = json_get_num(j, "speed", 0),
        .eta_s = json_get_num(j, "eta_s", -1),
        .failed = json_get_bool(j, "failed", 0),
        .score = json_get_num(j, "score", -1),
        .status = json_get_str(j, "status", NULL),
        .message = json_get_str(j, "message", NULL),
        .elapsed_ms = json_get_int(j, "elapsed_ms", 0),
    };
    agent_progress_event(p, &ev);
}

void agent_progress_cb(const struct agent_event *ev, void *ctx)
{
    agent_progress_event(ctx, ev);
}

void agent_result_init(struct agent_result *r)
{
    memset(r, 0, sizeof(*r));
    r->best_score = -1;
}

void agent_result_release(struct agent_result *r)
{
    free(r->render_path);
    free(r->output_path);
    free(r->reason);
    agent_result_init(r);
}

json_t *agent_result_to_json(const struct agent_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "job", json_string(r->job_id));
    json_object_set_new(o, "status", json_string(r->status));
    json_object_set_new(o, "versions", json_integer(r->versions));
    json_object_set_new(o, "best_version", json_integer(r->best_version));
    json_object_set_new(o, "score", r->best_score >= 0 ? json_real(r->best_score) : json_null());
    json_object_set_new(o, "golden", json_boolean(r->golden));
    json_object_set_new(o, "render", r->render_path ? json_string(r->render_path) : json_null());
    json_object_set_new(o, "output", r->output_path ? json_string(r->output_path) : json_null());
    if (r->reason)
        json_object_set_new(o, "reason", json_string(r->reason));
    if (r->err.code) {
        json_t *e = json_object();
        json_object_set_new(e, "code", json_string(reel_code_name(r->err.code)));
        if (r->err.path[0])
            json_object_set_new(e, "path", json_string(r->err.path));
        json_object_set_new(e, "message", json_string(r->err.msg));
        json_object_set_new(o, "error", e);
    }
    return o;
}
