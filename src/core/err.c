#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int exit_status;
    int http_status;
} code_table[REEL_CODE_COUNT] = {
    [REEL_OK] = {"ok", 0, 200},
    [REEL_EINVAL] = {"invalid", 1, 400},
    [REEL_EUSAGE] = {"usage", 2, 400},
    [REEL_ENOTFOUND] = {"not_found", 1, 404},
    [REEL_ECONFLICT] = {"conflict", 1, 409},
    [REEL_EAUTH] = {"unauthorized", 1, 401},
    [REEL_ELIMIT] = {"limit", 1, 413},
    [REEL_ESYS] = {"system", 3, 500},
    [REEL_ETOOL] = {"tool", 3, 500},
    [REEL_EDB] = {"database", 3, 503},
    [REEL_ENET] = {"network", 3, 502},
    [REEL_ETIMEOUT] = {"timeout", 3, 504},
    [REEL_ECANCELED] = {"canceled", 130, 499},
};

enum reel_code reel_fail(struct reel_err *err, enum reel_code code, const char *path,
                         const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

void reel_err_prefix(struct reel_err *err, const char *fmt, ...)
{
    if (!err)
        return;
    char head[256], old[sizeof(err->msg)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof(head), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
}

void reel_err_clear(struct reel_err *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

const char *reel_code_name(enum reel_code code)
{
    if ((unsigned)code >= REEL_CODE_COUNT)
        return "unknown";
    return code_table[code].name;
}

int reel_code_exit(enum reel_code code)
{
    if ((unsigned)code >= REEL_CODE_COUNT)
        return 3;
    return code_table[code].exit_status;
}

int reel_code_http(enum reel_code code)
{
    if ((unsigned)code >= REEL_CODE_COUNT)
        return 500;
    return code_table[code].http_status;
}

void reel_err_print(const struct reel_err *err)
{
    if (err->path[0])
        fprintf(stderr, "reel: error: %s: %s\n", err->path, err->msg);
    else
        fprintf(stderr, "reel: error: %s\n", err->msg);
}
