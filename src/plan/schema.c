/*
 * The JSON Schema, compiled into the binary from
 * schema/editplan-v1.schema.json, and its strict variant for OpenAI
 * structured outputs, derived from it so the two never drift apart.
 */
#include <string.h>

#include "core/embed.h"
#include "core/util.h"
#include "plan/plan.h"
#include "core/banned.h"

#define SCHEMA_PATH "schema/editplan-v1.schema.json"

const char *plan_schema_text(void)
{
    const unsigned char *s = embed_get(SCHEMA_PATH, NULL);
    return s ? (const char *)s : "{}";
}

static int has_null(const json_t *s)
{
    json_t *t = json_object_get(s, "type");
    if (json_is_string(t))
        return !strcmp(json_string_value(t), "null");
    if (json_is_array(t)) {
        size_t i;
        json_t *v;
        json_array_foreach(t, i, v) if (json_is_string(v) &&
                                        !strcmp(json_string_value(v), "null")) return 1;
    }
    json_t *any = json_object_get(s, "anyOf");
    if (json_is_array(any)) {
        size_t i;
        json_t *v;
        json_array_foreach(any, i, v) if (has_null(v)) return 1;
    }
    return 0;
}

/* A nullable copy of schema s (new reference). */
static json_t *make_nullable(json_t *s)
{
    if (has_null(s))
        return json_incref(s);
    json_t *t = json_object_get(s, "type");
    if (json_is_string(t) && !json_object_get(s, "enum")) {
        json_t *c = json_deep_copy(s);
        json_t *types = json_array();
        json_array_append_new(types, json_string(json_string_value(t)));
        json_array_append_new(types, json_string("null"));
        json_object_set_new(c, "type", types);
        return c;
    }
    json_t *w = json_object();
    json_t *any = json_array();
    json_array_append(any, s);
    json_t *n = json_object();
    json_object_set_new(n, "type", json_string("null"));
    json_array_append_new(any, n);
    json_object_set_new(w, "anyOf", any);
    return w;
}

static void strictify(json_t *s)
{
    if (!json_is_object(s))
        return;
    static const char *const drop[] = {"$schema",   "$id",       "default",
                                       "minLength", "maxLength", "propertyNames"};
    for (size_t i = 0; i < ARRAY_SIZE(drop); i++)
        json_object_del(s, drop[i]);
    json_t *c = json_object_get(s, "const");
    if (c) {
        json_t *e = json_array();
        json_array_append(e, c);
        json_object_set_new(s, "enum", e);
        json_object_del(s, "const");
    }
    json_t *props = json_object_get(s, "properties");
    if (json_is_object(props)) {
        json_t *req = json_object_get(s, "required");
        json_t *all = json_array();
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(props, tmp, k, v)
        {
            int required = 0;
            size_t i;
            json_t *r;
            json_array_foreach(req, i, r) if (json_is_string(r) && !strcmp(json_string_value(r), k))
                required = 1;
            if (!required)
                json_object_set_new(props, k, make_nullable(v));
            strictify(json_object_get(props, k));
            json_array_append_new(all, json_string(k));
        }
        json_object_set_new(s, "required", all);
    }
    json_t *defs = json_object_get(s, "$defs");
    if (json_is_object(defs)) {
        const char *k;
        json_t *v;
        json_object_foreach(defs, k, v) strictify(v);
    }
    strictify(json_object_get(s, "items"));
    json_t *any = json_object_get(s, "anyOf");
    if (json_is_array(any)) {
        size_t i;
        json_t *v;
        json_array_foreach(any, i, v) strictify(v);
    }
    json_t *ap = json_object_get(s, "additionalProperties");
    if (json_is_object(ap))
        strictify(ap);
}

json_t *plan_schema_strict(void)
{
    const char *text = plan_schema_text();
    json_t *s = json_loads(text, 0, NULL);
    if (!s)
        return json_object();
    json_object_del(json_object_get(s, "properties"), "assets");
    json_object_del(s, "title");
    strictify(s);
    return s;
}
