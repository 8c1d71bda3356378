/*
 * One error type for the whole program.
 *
 * A fallible function returns an enum reel_code (REEL_OK == 0 on success)
 * and takes `struct reel_err *err` as its last parameter; `err` may be NULL
 * when the caller does not want the details. The code maps to a process exit
 * status and an HTTP status in one table (reel_code_exit, reel_code_http).
 */
#ifndef REEL_CORE_ERR_H
#define REEL_CORE_ERR_H

#include <stddef.h>

enum reel_code {
    REEL_OK = 0,
    REEL_EINVAL,    /* the input is invalid (plan, file, argument value): exit 1 */
    REEL_EUSAGE,    /* command-line usage error: exit 2 */
    REEL_ENOTFOUND, /* a named thing does not exist: exit 1, HTTP 404 */
    REEL_ECONFLICT, /* state forbids it (job already running...): exit 1, HTTP 409 */
    REEL_EAUTH,     /* missing or bad credentials: exit 1, HTTP 401 */
    REEL_ELIMIT,    /* a size or rate limit was hit: exit 1, HTTP 413/429 */
    REEL_ESYS,      /* operating system failure (I/O, memory map, fork): exit 3 */
    REEL_ETOOL,     /* an external tool (ffmpeg) failed: exit 3 */
    REEL_EDB,       /* database failure: exit 3 */
    REEL_ENET,      /* network / remote service failure: exit 3, HTTP 502 */
    REEL_ETIMEOUT,  /* a deadline passed: exit 3, HTTP 504 */
    REEL_ECANCELED, /* cancelled by signal or request: exit 130 */
    REEL_CODE_COUNT
};

struct reel_err {
    enum reel_code code;
    char path[256]; /* where: a JSON path ($.operations[3].out), a file, file:line */
    char msg[512];  /* a sentence for people (and models) */
};

#define REEL_ERR_INIT {REEL_OK, "", ""}

/* Fill *err (if not NULL) and return code. `path` may be NULL. */
enum reel_code reel_fail(struct reel_err *err, enum reel_code code, const char *path,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prefix err->msg with a context sentence: "reading plan: <old msg>". */
void reel_err_prefix(struct reel_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void reel_err_clear(struct reel_err *err);

const char *reel_code_name(enum reel_code code); /* "invalid", "usage", ... */
int reel_code_exit(enum reel_code code);         /* process exit status */
int reel_code_http(enum reel_code code);         /* HTTP status */

/* Print "reel: error: [path: ]msg" to stderr. */
void reel_err_print(const struct reel_err *err);

#endif
