/*
 * Allocation that never fails (out-of-memory aborts, as in git and redis),
 * the growable string buffer `struct buf`, a typed vector macro, and small
 * helpers for files, time and random ids.
 */
#ifndef REEL_CORE_UTIL_H
#define REEL_CORE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growable byte buffer, never NULL after buf_init/BUF_INIT, always
 * NUL-terminated (like git's strbuf). `buf` may hold binary data; `len`
 * excludes the terminating NUL.
 */
struct buf {
    char *buf;
    size_t len;
    size_t alloc;
};
extern char buf_empty[1];
#define BUF_INIT {buf_empty, 0, 0}

void buf_init(struct buf *b);
void buf_release(struct buf *b);
char *buf_detach(struct buf *b); /* caller owns the result; b is reset */
void buf_reset(struct buf *b);   /* len = 0, keeps memory */
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t len);
void buf_adds(struct buf *b, const char *s);
void buf_addch(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
void buf_setlen(struct buf *b, size_t len);
void buf_trim_end(struct buf *b); /* drop trailing whitespace */

/*
 * Read a whole file into b (appending). Fails with REEL_ELIMIT if it is
 * larger than `cap` bytes (0 = no cap), REEL_ENOTFOUND if it does not exist,
 * REEL_ESYS for other I/O errors; err->path is the file name.
 */
enum reel_code buf_read_file(struct buf *b, const char *path, size_t cap, struct reel_err *err);

/*
 * Write data to `path` atomically: a temporary file in the same directory,
 * fsync, rename. On failure nothing at `path` changes.
 */
enum reel_code write_file_atomic(const char *path, const void *data, size_t len,
                                 struct reel_err *err);

/* mkdir -p; mode 0755. */
enum reel_code mkdir_p(const char *path, struct reel_err *err);

/* Monotonic milliseconds (for durations) and wall-clock milliseconds. */
int64_t now_mono_ms(void);
double now_mono_s(void);
int64_t now_wall_ms(void);

/* Random bytes from getrandom(2); hex ids: 32 hex trace ids, 16 hex span ids. */
void random_bytes(void *out, size_t n);
void random_hex(char *out, size_t nbytes); /* writes 2*nbytes hex + NUL */
void uuid_v4(char out[37]);

/* SHA-256 of a file, as 64 hex chars + NUL. */
enum reel_code sha256_file_hex(const char *path, char out[65], struct reel_err *err);
void sha256_hex(const void *data, size_t len, char out[65]);

/* Strict number parsing for the command line: whole string must parse. */
int parse_double(const char *s, double *out);
int parse_long(const char *s, long *out);

int starts_with(const char *s, const char *prefix);
int ends_with(const char *s, const char *suffix);

/* Is this valid UTF-8 (no overlongs, no surrogates)? */
int utf8_valid(const char *s, size_t len);
/* Number of code points in valid UTF-8. */
size_t utf8_len(const char *s);

/* A typed vector: VEC(int) v = VEC_INIT; VEC_PUSH(&v, 3); free(v.v); */
#define VEC(type)                                                                                  \
    struct {                                                                                       \
        type *v;                                                                                   \
        size_t n, cap;                                                                             \
    }
#define VEC_INIT {NULL, 0, 0}
#define VEC_PUSH(vec, item)                                                                        \
    do {                                                                                           \
        if ((vec)->n == (vec)->cap) {                                                              \
            (vec)->cap = (vec)->cap ? 2 * (vec)->cap : 8;                                          \
            (vec)->v = xrealloc((vec)->v, (vec)->cap * sizeof(*(vec)->v));                         \
        }                                                                                          \
        (vec)->v[(vec)->n++] = (item);                                                             \
    } while (0)
#define VEC_FREE(vec)                                                                              \
    do {                                                                                           \
        free((vec)->v);                                                                            \
        (vec)->v = NULL;                                                                           \
        (vec)->n = (vec)->cap = 0;                                                                 \
    } while (0)

#endif
