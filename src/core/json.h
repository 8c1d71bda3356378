/*
 * The JSON library (jansson) sits behind this header so that its ownership
 * rules stay in one place:
 *  - json_object_get / json_array_get return BORROWED references;
 *  - json_object_set_new / json_array_append_new STEAL the value;
 *  - everything returned by a json_*_new or json_load is OWNED: json_decref.
 * Helpers here load with size caps and report line and column, and dump
 * deterministically (sorted keys) into a struct buf.
 */
#ifndef REEL_CORE_JSON_H
#define REEL_CORE_JSON_H

#include <jansson.h>

#include "core/err.h"
#include "core/util.h"

#define REEL_JSON_MAX_BYTES (16u << 20) /* default cap for documents from outside */

/*
 * Parse text as one JSON document. Rejects NUL bytes, invalid UTF-8,
 * documents over `cap` bytes (0: REEL_JSON_MAX_BYTES). On a syntax error,
 * err->path is "<source>:LINE:COL" and the message says what was expected.
 * `source` names the input in messages (a file name, "request body").
 */
enum reel_code json_parse(const char *text, size_t len, size_t cap, const char *source,
                          json_t **out, struct reel_err *err);
/* Read and parse a file (cap as above). */
enum reel_code json_parse_file(const char *path, size_t cap, json_t **out, struct reel_err *err);

/* Compact, sorted keys, appended to out. JSON_INDENT(2) via `pretty`. */
void json_dump_buf(const json_t *j, struct buf *out, int pretty);
/* Write a document atomically to a file, pretty, with a trailing newline. */
enum reel_code json_write_file(const json_t *j, const char *path, struct reel_err *err);

/* Typed getters with defaults; return def if missing or the wrong type. */
const char *json_get_str(const json_t *obj, const char *key, const char *def);
double json_get_num(const json_t *obj, const char *key, double def);
long long json_get_int(const json_t *obj, const char *key, long long def);
int json_get_bool(const json_t *obj, const char *key, int def);

/* JSON paths for messages: path_key("$.output", "width") -> "$.output.width". */
void json_path_key(char *dst, size_t n, const char *base, const char *key);
void json_path_index(char *dst, size_t n, const char *base, size_t index);

#endif
