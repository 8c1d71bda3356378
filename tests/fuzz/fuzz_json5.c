/*
 * libFuzzer target for the JSON5 reader (core/json5.h): any bytes either
 * parse or fail with a "SOURCE:LINE:COL" location inside the input; what
 * parses dumps as JSON that parses again, through both the JSON5 reader
 * and jansson, to an equal value.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json5.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = NULL;
    struct reel_err err = REEL_ERR_INIT;
    enum reel_code rc = json5_parse((const char *)data, size, 0, "f", &j, &err);
    if (rc != REEL_OK) {
        int line = 0, col = 0;
        if (rc != REEL_EINVAL || j || sscanf(err.path, "f:%d:%d", &line, &col) != 2 || line < 1 ||
            col < 1 || (size_t)line > size + 1 || (size_t)col > size + 1 || !err.msg[0]) {
            fprintf(stderr, "bad error: rc %d path '%s' msg '%s'\n", rc, err.path, err.msg);
            abort();
        }
        return 0;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
    if (!s)
        abort();
    json_t *k = NULL, *m = NULL;
    if (json5_parse(s, strlen(s), 0, "dump", &k, &err) != REEL_OK) {
        fprintf(stderr, "dump does not parse as JSON5: %s: %s\n%s\n", err.path, err.msg, s);
        abort();
    }
    if (json_parse(s, strlen(s), 0, "dump", &m, &err) != REEL_OK) {
        fprintf(stderr, "dump does not parse as JSON: %s: %s\n%s\n", err.path, err.msg, s);
        abort();
    }
    if (!json_equal(j, k) || !json_equal(j, m)) {
        fprintf(stderr, "round trip differs:\n%s\n", s);
        abort();
    }
    free(s);
    json_decref(j);
    json_decref(k);
    json_decref(m);
    return 0;
}
