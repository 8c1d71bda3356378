/*
 * A strict JSON5 reader (https://spec.json5.org, 1.0.0) that produces the
 * same jansson values as core/json.h, for files people write by hand
 * (editly specs: `reel import editly`).
 *
 * Accepted beyond JSON: `//` and `/ * * /` comments, a trailing comma in
 * objects and arrays, single-quoted strings, identifier keys (ASCII letters,
 * digits, `_`, `$`, any non-ASCII letter, `\uXXXX` escapes), hexadecimal
 * integers, a leading or trailing decimal point, an explicit `+`, the
 * escapes `\'` `\v` `\0` `\xHH` and `\` before a line end (a line
 * continuation), and the JSON5 white space (NBSP, BOM, U+2028/2029,
 * Unicode space separators).
 *
 * Refused, each with "SOURCE:LINE:COLUMN" in err->path (line and column
 * count from 1, the column in characters):
 *  - Infinity and NaN (valid JSON5, but no JSON value can hold them);
 *  - duplicate keys in one object (JSON5 keeps the last one: a spec that
 *    says a thing twice is more likely a mistake);
 *  - NUL bytes in the input and NUL characters in strings (`\0`,
 *    `\u0000`): no C string can carry them;
 *  - lone surrogates, invalid UTF-8, `\1`..`\9`, an octal-looking `\0N`,
 *    leading zeros (`01`), an unterminated string or comment;
 *  - numbers that overflow a double, hexadecimal beyond 2^63 - 1;
 *  - nesting deeper than JSON5_MAX_DEPTH, input over `cap` bytes.
 * Integers that fit a json_int_t become integers, other numbers reals.
 */
#ifndef REEL_CORE_JSON5_H
#define REEL_CORE_JSON5_H

#include "core/json.h"

#define JSON5_MAX_DEPTH 256

/*
 * Parse text[0..len) as one JSON5 document into *out (a new reference, or
 * NULL on failure). cap 0 means REEL_JSON_MAX_BYTES; over it is REEL_ELIMIT.
 * A syntax error is REEL_EINVAL with err->path "SOURCE:LINE:COL" and a
 * message saying what was expected.
 */
enum reel_code json5_parse(const char *text, size_t len, size_t cap, const char *source,
                           json_t **out, struct reel_err *err);
/* Read a file (REEL_ENOTFOUND when missing, err->path the file) and parse it;
 * messages name the file. */
enum reel_code json5_parse_file(const char *path, size_t cap, json_t **out, struct reel_err *err);

#endif
