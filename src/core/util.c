#include "core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/banned.h"

char buf_empty[1];

static void die_oom(size_t n)
{
    fprintf(stderr, "reel: fatal: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom(n);
    return p;
}

void *xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (!p)
        die_oom(count * n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = 0;
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    return buf_detach(&b);
}

void buf_init(struct buf *b)
{
    b->buf = buf_empty;
    b->len = b->alloc = 0;
}

void buf_release(struct buf *b)
{
    if (b->alloc)
        free(b->buf);
    buf_init(b);
}

char *buf_detach(struct buf *b)
{
    char *r = b->alloc ? b->buf : xstrdup("");
    buf_init(b);
    return r;
}

void buf_reset(struct buf *b)
{
    buf_setlen(b, 0);
}

void buf_grow(struct buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n *= 2;
    if (b->alloc) {
        b->buf = xrealloc(b->buf, n);
    } else {
        b->buf = xmalloc(n);
        b->buf[0] = 0;
    }
    b->alloc = n;
}

void buf_setlen(struct buf *b, size_t len)
{
    if (!b->alloc) {
        if (len)
            abort();
        return;
    }
    b->len = len;
    b->buf[len] = 0;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
    if (!len)
        return;
    buf_grow(b, len);
    memcpy(b->buf + b->len, data, len);
    b->len += len;
    b->buf[b->len] = 0;
}

void buf_adds(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, char c)
{
    buf_add(b, &c, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n <= 0)
        return;
    buf_grow(b, (size_t)n);
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(b, fmt, ap);
    va_end(ap);
}

void buf_trim_end(struct buf *b)
{
    size_t n = b->len;
    while (n && (b->buf[n - 1] == ' ' || b->buf[n - 1] == '\n' || b->buf[n - 1] == '\r' ||
                 b->buf[n - 1] == '\t'))
        n--;
    if (n != b->len)
        buf_setlen(b, n);
}

enum reel_code buf_read_file(struct buf *b, const char *path, size_t cap, struct reel_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return reel_fail(err, errno == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, path,
                         "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return reel_fail(err, REEL_EINVAL, path, "is a directory, not a file");
    }
    size_t start = b->len;
    for (;;) {
        buf_grow(b, 65536);
        ssize_t n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            buf_setlen(b, start);
            return reel_fail(err, REEL_ESYS, path, "cannot read: %s", strerror(e));
        }
        if (n == 0)
            break;
        b->len += (size_t)n;
        b->buf[b->len] = 0;
        if (cap && b->len - start > cap) {
            close(fd);
            buf_setlen(b, start);
            return reel_fail(err, REEL_ELIMIT, path, "file is larger than the limit of %zu bytes",
                             cap);
        }
    }
    close(fd);
    return REEL_OK;
}

enum reel_code write_file_atomic(const char *path, const void *data, size_t len,
                                 struct reel_err *err)
{
    char tmp[4096];
    char rnd[9];
    random_hex(rnd, 4);
    if (snprintf(tmp, sizeof(tmp), "%s.tmp-%s", path, rnd) >= (int)sizeof(tmp))
        return reel_fail(err, REEL_EINVAL, path, "path is too long");
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return reel_fail(err, REEL_ESYS, path, "cannot create: %s", strerror(errno));
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return reel_fail(err, REEL_ESYS, path, "cannot write: %s", strerror(e));
        }
        p += n;
        left -= (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return reel_fail(err, REEL_ESYS, path, "cannot write: %s", strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return reel_fail(err, REEL_ESYS, path, "cannot rename into place: %s", strerror(e));
    }
    return REEL_OK;
}

enum reel_code mkdir_p(const char *path, struct reel_err *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return reel_fail(err, REEL_EINVAL, path, "path is too long");
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = 0;
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
            return reel_fail(err, REEL_ESYS, tmp, "cannot create directory: %s", strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        return reel_fail(err, REEL_ESYS, tmp, "cannot create directory: %s", strerror(errno));
    return REEL_OK;
}

int64_t now_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double now_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int64_t now_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void random_bytes(void *out, size_t n)
{
    unsigned char *p = out;
    while (n) {
        ssize_t r = getrandom(p, n, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "reel: fatal: getrandom failed: %s\n", strerror(errno));
            abort();
        }
        p += r;
        n -= (size_t)r;
    }
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

void random_hex(char *out, size_t nbytes)
{
    unsigned char tmp[64];
    if (nbytes > sizeof(tmp))
        abort();
    random_bytes(tmp, nbytes);
    hex_encode(tmp, nbytes, out);
}

void uuid_v4(char out[37])
{
    unsigned char b[16];
    char h[33];
    random_bytes(b, sizeof(b));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    hex_encode(b, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

void sha256_hex(const void *data, size_t len, char out[65])
{
    struct AVSHA *sha = av_sha_alloc();
    unsigned char dig[32];
    if (!sha)
        die_oom(sizeof(dig));
    av_sha_init(sha, 256);
    av_sha_update(sha, data, len);
    av_sha_final(sha, dig);
    av_free(sha);
    hex_encode(dig, 32, out);
}

enum reel_code sha256_file_hex(const char *path, char out[65], struct reel_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return reel_fail(err, errno == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, path,
                         "cannot open: %s", strerror(errno));
    struct AVSHA *sha = av_sha_alloc();
    if (!sha)
        die_oom(64);
    av_sha_init(sha, 256);
    unsigned char *chunk = xmalloc(1 << 20);
    enum reel_code rc = REEL_OK;
    for (;;) {
        ssize_t n = read(fd, chunk, 1 << 20);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = reel_fail(err, REEL_ESYS, path, "cannot read: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        av_sha_update(sha, chunk, (unsigned)n);
    }
    unsigned char dig[32];
    av_sha_final(sha, dig);
    av_free(sha);
    free(chunk);
    close(fd);
    if (rc == REEL_OK)
        hex_encode(dig, 32, out);
    return rc;
}

int parse_double(const char *s, double *out)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end || errno == ERANGE || v != v)
        return 0;
    *out = v;
    return 1;
}

int parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno == ERANGE)
        return 0;
    *out = v;
    return 1;
}

int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        size_t n;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, min = 0x80, c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, min = 0x800, c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}
