#include "core/json.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

enum reel_code json_parse(const char *text, size_t len, size_t cap, const char *source,
                          json_t **out, struct reel_err *err)
{
    *out = NULL;
    if (!cap)
        cap = REEL_JSON_MAX_BYTES;
    if (!source)
        source = "input";
    if (len > cap)
        return reel_fail(err, REEL_ELIMIT, source,
                         "document is %zu bytes, over the limit of %zu bytes", len, cap);
    const char *nul = memchr(text, 0, len);
    if (nul)
        return reel_fail(err, REEL_EINVAL, source, "document contains a NUL byte at offset %zu",
                         (size_t)(nul - text));
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j) {
        char where[300];
        snprintf(where, sizeof(where), "%s:%d:%d", source, je.line, je.column);
        return reel_fail(err, REEL_EINVAL, where, "malformed JSON: %s", je.text);
    }
    *out = j;
    return REEL_OK;
}

enum reel_code json_parse_file(const char *path, size_t cap, json_t **out, struct reel_err *err)
{
    struct buf b = BUF_INIT;
    *out = NULL;
    enum reel_code rc = buf_read_file(&b, path, cap ? cap : REEL_JSON_MAX_BYTES, err);
    if (rc == REEL_OK)
        rc = json_parse(b.buf, b.len, cap, path, out, err);
    buf_release(&b);
    return rc;
}

static int dump_cb(const char *data, size_t size, void *ctx)
{
    buf_add(ctx, data, size);
    return 0;
}

void json_dump_buf(const json_t *j, struct buf *out, int pretty)
{
    size_t flags = JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(10);
    flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
    json_dump_callback(j, dump_cb, out, flags);
}

enum reel_code json_write_file(const json_t *j, const char *path, struct reel_err *err)
{
    struct buf b = BUF_INIT;
    json_dump_buf(j, &b, 1);
    buf_addch(&b, '\n');
    enum reel_code rc = write_file_atomic(path, b.buf, b.len, err);
    buf_release(&b);
    return rc;
}

const char *json_get_str(const json_t *obj, const char *key, const char *def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : def;
}

double json_get_num(const json_t *obj, const char *key, double def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : def;
}

long long json_get_int(const json_t *obj, const char *key, long long def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

int json_get_bool(const json_t *obj, const char *key, int def)
{
    json_t *v = json_object_get(obj, key);
    return json_is_boolean(v) ? json_is_true(v) : def;
}

void json_path_key(char *dst, size_t n, const char *base, const char *key)
{
    snprintf(dst, n, "%s.%s", base, key);
}

void json_path_index(char *dst, size_t n, const char *base, size_t index)
{
    snprintf(dst, n, "%s[%zu]", base, index);
}
