/* JSON views of store records, shared by the CLI's --json and the HTTP API. */
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "core/banned.h"

void store_time_iso(int64_t ms, char out[32])
{
    if (ms <= 0) {
        out[0] = 0;
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char b[24];
    strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", b, (int)(ms % 1000));
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    char t[32];
    store_time_iso(ms, t);
    json_object_set_new(o, key, t[0] ? json_string(t) : json_null());
}

static void set_str(json_t *o, const char *key, const char *v)
{
    json_object_set_new(o, key, v && *v ? json_string(v) : json_null());
}

static void set_json(json_t *o, const char *key, const json_t *v)
{
    json_object_set_new(o, key, v ? json_deep_copy(v) : json_null());
}

json_t *store_job_to_json(const struct store_job *j)
{
    json_t *o = json_object();
    set_str(o, "id", j->id);
    set_str(o, "user_id", j->user_id);
    set_str(o, "title", j->title);
    set_str(o, "status", job_status_name(j->status));
    set_str(o, "edit_plan_id", j->edit_plan_id);
    set_time(o, "created_at", j->created_at);
    set_time(o, "updated_at", j->updated_at);
    set_json(o, "brief", j->brief);
    set_str(o, "trace_id", j->trace_id);
    json_object_set_new(o, "attempts", json_integer(j->attempts));
    json_object_set_new(o, "max_attempts", json_integer(j->max_attempts));
    json_object_set_new(o, "priority", json_integer(j->priority));
    set_str(o, "lease_owner", j->lease_owner);
    set_time(o, "lease_expires_at", j->lease_expires_at);
    set_str(o, "last_error", j->last_error);
    return o;
}

json_t *store_asset_to_json(const struct store_asset *a)
{
    json_t *o = json_object();
    set_str(o, "id", a->id);
    set_str(o, "job_id", a->job_id);
    set_str(o, "storage_url", a->storage_url);
    set_str(o, "asset_type", a->asset_type);
    set_json(o, "metadata", a->metadata);
    set_time(o, "created_at", a->created_at);
    set_str(o, "label", a->label);
    set_str(o, "sha256", a->sha256);
    return o;
}

json_t *store_plan_to_json(const struct store_plan *p, int with_data)
{
    json_t *o = json_object();
    set_str(o, "id", p->id);
    set_str(o, "job_id", p->job_id);
    json_object_set_new(o, "version", json_integer(p->version));
    set_str(o, "llm_model", p->llm_model);
    json_object_set_new(o, "prompt_tokens",
                        p->prompt_tokens >= 0 ? json_integer(p->prompt_tokens) : json_null());
    json_object_set_new(o, "completion_tokens",
                        p->completion_tokens >= 0 ? json_integer(p->completion_tokens)
                                                  : json_null());
    set_time(o, "created_at", p->created_at);
    set_json(o, "feedback", p->feedback);
    if (with_data)
        set_json(o, "plan_data", p->plan_data);
    return o;
}

json_t *store_span_to_json(const struct store_span *sp)
{
    json_t *o = json_object();
    set_str(o, "id", sp->id);
    set_str(o, "job_id", sp->job_id);
    set_str(o, "trace_id", sp->trace_id);
    set_str(o, "span_id", sp->span_id);
    set_str(o, "parent_span_id", sp->parent_span_id);
    set_str(o, "step_name", sp->step_name);
    set_str(o, "status", sp->status);
    json_object_set_new(o, "finished", json_boolean(sp->ended_at > 0));
    json_object_set_new(o, "is_failure", json_boolean(sp->is_failure));
    set_time(o, "started_at", sp->started_at);
    set_time(o, "ended_at", sp->ended_at);
    json_object_set_new(o, "duration_ms",
                        sp->ended_at ? json_integer(sp->ended_at - sp->started_at) : json_null());
    set_str(o, "ffmpeg_args", sp->ffmpeg_args);
    json_object_set_new(o, "render_time_ms",
                        sp->render_time_ms >= 0 ? json_integer(sp->render_time_ms) : json_null());
    set_str(o, "logs", sp->logs);
    set_json(o, "payload", sp->payload);
    return o;
}

json_t *store_render_to_json(const struct store_render *r)
{
    json_t *o = json_object();
    set_str(o, "id", r->id);
    set_str(o, "job_id", r->job_id);
    json_object_set_new(o, "plan_version", json_integer(r->plan_version));
    set_str(o, "path", r->path);
    set_str(o, "sha256", r->sha256);
    json_object_set_new(o, "score", r->score >= 0 ? json_real(r->score) : json_null());
    json_object_set_new(o, "golden", json_boolean(r->golden));
    set_json(o, "report", r->report);
    set_time(o, "created_at", r->created_at);
    return o;
}

json_t *store_event_to_json(const struct store_event *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(e->id));
    set_str(o, "job_id", e->job_id);
    set_str(o, "kind", e->kind);
    set_json(o, "payload", e->payload);
    set_time(o, "created_at", e->created_at);
    return o;
}
