/*
 * A recursive descent JSON5 reader. The input is checked for NUL bytes and
 * valid UTF-8 first, so the scanner below can decode code points without
 * checking again. Positions are byte offsets; line and column are computed
 * only when an error is reported.
 */
#include "core/json5.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

struct j5 {
    const unsigned char *s;
    size_t n, i;
    int depth;
    const char *source;
    struct reel_err *err;
    struct buf tmp; /* scratch for strings and numbers */
};

/* Decode the code point at s[i] (known valid UTF-8); returns its length. */
static size_t cp_at(const unsigned char *s, size_t n, size_t i, unsigned *cp)
{
    unsigned c = s[i];
    if (c < 0x80 || i + 1 >= n) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((c & 0x1F) << 6) | (s[i + 1] & 0x3F);
        return 2;
    }
    if (c < 0xF0 && i + 2 < n) {
        *cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        return 3;
    }
    if (i + 3 < n) {
        *cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) |
              (s[i + 3] & 0x3F);
        return 4;
    }
    *cp = c;
    return 1;
}

/* The offset of the first invalid UTF-8 sequence, or n when there is none. */
static size_t utf8_first_bad(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        unsigned min, cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000, cp = c & 0x07;
        } else {
            return i;
        }
        if (i + len > n)
            return i;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += len;
    }
    return n;
}

static int is_line_end(unsigned cp)
{
    return cp == '\n' || cp == '\r' || cp == 0x2028 || cp == 0x2029;
}

static int is_space(unsigned cp)
{
    switch (cp) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0xA0:
    case 0xFEFF:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
        return 1;
    default:
        return cp >= 0x2000 && cp <= 0x200A;
    }
}

/* Identifier characters: ASCII letters, $ and _, digits after the first,
 * and every non-ASCII code point that is not white space (a simplification
 * of ECMAScript's Unicode categories, documented in json5.h). */
static int is_id_char(unsigned cp, int first)
{
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '$' || cp == '_')
        return 1;
    if (!first && cp >= '0' && cp <= '9')
        return 1;
    return cp >= 0x80 && !is_space(cp);
}

static void where(const struct j5 *p, size_t off, char *dst, size_t n)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < off && i < p->n;) {
        unsigned cp;
        size_t len = cp_at(p->s, p->n, i, &cp);
        if (cp == '\r' && i + 1 < p->n && p->s[i + 1] == '\n') {
            i += 2;
            line++, col = 1;
            continue;
        }
        i += len;
        if (is_line_end(cp))
            line++, col = 1;
        else
            col++;
    }
    snprintf(dst, n, "%s:%d:%d", p->source, line, col);
}

static enum reel_code fail_at(struct j5 *p, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum reel_code fail_at(struct j5 *p, size_t off, const char *fmt, ...)
{
    char loc[300], msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    where(p, off, loc, sizeof(loc));
    return reel_fail(p->err, REEL_EINVAL, loc, "malformed JSON5: %s", msg);
}

/* "'x'", "U+2028" or "the end of the input", for messages. */
static const char *found(const struct j5 *p, size_t off, char *dst, size_t n)
{
    if (off >= p->n) {
        snprintf(dst, n, "the end of the input");
        return dst;
    }
    unsigned cp;
    size_t len = cp_at(p->s, p->n, off, &cp);
    if (cp >= 0x21 && cp < 0x7F)
        snprintf(dst, n, "'%c'", (char)cp);
    else if (cp < 0x80 || is_space(cp))
        snprintf(dst, n, "U+%04X", cp);
    else
        snprintf(dst, n, "'%.*s'", (int)len, (const char *)p->s + off);
    return dst;
}

static enum reel_code unexpected(struct j5 *p, const char *expected)
{
    char f[32];
    return fail_at(p, p->i, "expected %s, found %s", expected, found(p, p->i, f, sizeof(f)));
}

static enum reel_code skip_space(struct j5 *p)
{
    while (p->i < p->n) {
        unsigned cp;
        size_t len = cp_at(p->s, p->n, p->i, &cp);
        if (is_space(cp)) {
            p->i += len;
        } else if (cp == '/' && p->i + 1 < p->n && p->s[p->i + 1] == '/') {
            while (p->i < p->n) {
                len = cp_at(p->s, p->n, p->i, &cp);
                if (is_line_end(cp))
                    break;
                p->i += len;
            }
        } else if (cp == '/' && p->i + 1 < p->n && p->s[p->i + 1] == '*') {
            size_t start = p->i;
            p->i += 2;
            for (;;) {
                if (p->i + 1 >= p->n)
                    return fail_at(p, start, "a comment that starts here never ends (no '*/')");
                if (p->s[p->i] == '*' && p->s[p->i + 1] == '/') {
                    p->i += 2;
                    break;
                }
                p->i++;
            }
        } else if (cp == '/') {
            return fail_at(p, p->i, "'/' that starts no comment (use // or /* */)");
        } else {
            break;
        }
    }
    return REEL_OK;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* n hex digits at p->i; -1 when they are not there (p->i unchanged). */
static long read_hex(struct j5 *p, int n)
{
    long v = 0;
    if (p->i + (size_t)n > p->n)
        return -1;
    for (int k = 0; k < n; k++) {
        int h = hexval(p->s[p->i + k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    p->i += (size_t)n;
    return v;
}

static void add_cp(struct buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    }
    buf_add(b, u, n);
}

/* \uXXXX at p->i (after the backslash and 'u'), with a following low
 * surrogate when it is a high one. */
static enum reel_code read_u_escape(struct j5 *p, size_t esc, unsigned *out)
{
    long hi = read_hex(p, 4);
    if (hi < 0)
        return fail_at(p, esc, "\\u needs four hexadecimal digits");
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return fail_at(p, esc, "\\u%04lX is a lone low surrogate", hi);
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        long lo = -1;
        if (p->i + 1 < p->n && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
            p->i += 2;
            lo = read_hex(p, 4);
        }
        if (lo < 0xDC00 || lo > 0xDFFF)
            return fail_at(p, esc, "\\u%04lX is a high surrogate without a low one after it", hi);
        *out = 0x10000 + (((unsigned)hi - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
        return REEL_OK;
    }
    *out = (unsigned)hi;
    return REEL_OK;
}

/* A string from its opening quote at p->i into p->tmp. */
static enum reel_code read_string(struct j5 *p)
{
    size_t start = p->i;
    unsigned char q = p->s[p->i++];
    buf_reset(&p->tmp);
    for (;;) {
        if (p->i >= p->n)
            return fail_at(p, start, "a string that starts here never ends (no closing %c)", q);
        unsigned cp;
        size_t len = cp_at(p->s, p->n, p->i, &cp);
        if (cp == q) {
            p->i++;
            return REEL_OK;
        }
        if (cp == '\n' || cp == '\r')
            return fail_at(p, p->i,
                           "a line end inside a string (write \\n, or end the line with \\ "
                           "to continue the string)");
        if (cp != '\\') {
            buf_add(&p->tmp, p->s + p->i, len);
            p->i += len;
            continue;
        }
        size_t esc = p->i++;
        if (p->i >= p->n)
            return fail_at(p, start, "a string that starts here never ends (no closing %c)", q);
        len = cp_at(p->s, p->n, p->i, &cp);
        p->i += len;
        switch (cp) {
        case 'b':
            buf_addch(&p->tmp, '\b');
            break;
        case 'f':
            buf_addch(&p->tmp, '\f');
            break;
        case 'n':
            buf_addch(&p->tmp, '\n');
            break;
        case 'r':
            buf_addch(&p->tmp, '\r');
            break;
        case 't':
            buf_addch(&p->tmp, '\t');
            break;
        case 'v':
            buf_addch(&p->tmp, '\v');
            break;
        case '0':
            if (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9')
                return fail_at(p, esc, "\\0 followed by a digit (octal escapes are not JSON5)");
            return fail_at(p, esc, "a NUL character (\\0) in a string");
        case 'x': {
            long v = read_hex(p, 2);
            if (v < 0)
                return fail_at(p, esc, "\\x needs two hexadecimal digits");
            if (v == 0)
                return fail_at(p, esc, "a NUL character (\\x00) in a string");
            add_cp(&p->tmp, (unsigned)v);
            break;
        }
        case 'u': {
            unsigned u;
            enum reel_code rc = read_u_escape(p, esc, &u);
            if (rc)
                return rc;
            if (u == 0)
                return fail_at(p, esc, "a NUL character (\\u0000) in a string");
            add_cp(&p->tmp, u);
            break;
        }
        case '\r':
            if (p->i < p->n && p->s[p->i] == '\n')
                p->i++;
            break;
        case '\n':
        case 0x2028:
        case 0x2029:
            break; /* a line continuation: nothing */
        default:
            if (cp >= '1' && cp <= '9')
                return fail_at(p, esc, "\\%c is not an escape (octal escapes are not JSON5)",
                               (char)cp);
            /* \' \" \\ \/ and any other character stand for themselves */
            buf_add(&p->tmp, p->s + p->i - len, len);
        }
    }
}

/* An identifier key at p->i into p->tmp. */
static enum reel_code read_ident(struct j5 *p)
{
    buf_reset(&p->tmp);
    int first = 1;
    while (p->i < p->n) {
        unsigned cp;
        size_t at = p->i, len = cp_at(p->s, p->n, p->i, &cp);
        if (cp == '\\') {
            if (p->i + 1 >= p->n || p->s[p->i + 1] != 'u')
                return fail_at(p, at, "only \\u escapes may appear in a key");
            p->i += 2;
            enum reel_code rc = read_u_escape(p, at, &cp);
            if (rc)
                return rc;
            if (!is_id_char(cp, first))
                return fail_at(p, at, "\\u%04X cannot be part of an unquoted key", cp);
            add_cp(&p->tmp, cp);
        } else if (is_id_char(cp, first)) {
            buf_add(&p->tmp, p->s + p->i, len);
            p->i += len;
        } else {
            break;
        }
        first = 0;
    }
    if (first)
        return unexpected(p, "a key (a string or a name)");
    return REEL_OK;
}

static int word_at(const struct j5 *p, const char *w)
{
    size_t n = strlen(w);
    if (p->i + n > p->n || memcmp(p->s + p->i, w, n))
        return 0;
    if (p->i + n == p->n)
        return 1;
    unsigned cp;
    cp_at(p->s, p->n, p->i + n, &cp);
    return !is_id_char(cp, 0) && cp != '\\';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static enum reel_code read_number(struct j5 *p, json_t **out)
{
    size_t start = p->i;
    int neg = 0;
    if (p->s[p->i] == '+' || p->s[p->i] == '-')
        neg = p->s[p->i++] == '-';
    if (word_at(p, "Infinity") || word_at(p, "NaN"))
        return fail_at(p, start, "%s is valid JSON5 but has no JSON value; write a number",
                       p->s[p->i] == 'N' ? "NaN" : "Infinity");
    if (p->i + 1 < p->n && p->s[p->i] == '0' && (p->s[p->i + 1] == 'x' || p->s[p->i + 1] == 'X')) {
        p->i += 2;
        unsigned long long v = 0;
        size_t d0 = p->i;
        while (p->i < p->n && hexval(p->s[p->i]) >= 0) {
            if (v > (unsigned long long)LLONG_MAX / 16)
                return fail_at(p, start, "a hexadecimal number over 2^63 - 1");
            v = v * 16 + (unsigned)hexval(p->s[p->i++]);
            if (v > (unsigned long long)LLONG_MAX)
                return fail_at(p, start, "a hexadecimal number over 2^63 - 1");
        }
        if (p->i == d0)
            return fail_at(p, start, "0x needs hexadecimal digits");
        if (p->i < p->n && (is_id_char(p->s[p->i], 0) || p->s[p->i] == '.'))
            return unexpected(p, "the end of the number");
        *out = json_integer(neg ? -(json_int_t)v : (json_int_t)v);
        return REEL_OK;
    }
    size_t int0 = p->i;
    while (p->i < p->n && is_digit(p->s[p->i]))
        p->i++;
    size_t nint = p->i - int0;
    if (nint > 1 && p->s[int0] == '0')
        return fail_at(p, int0, "a number with a leading zero (write %s or 0x for hexadecimal)",
                       "0.5");
    int real = 0;
    size_t nfrac = 0;
    if (p->i < p->n && p->s[p->i] == '.') {
        real = 1;
        p->i++;
        size_t f0 = p->i;
        while (p->i < p->n && is_digit(p->s[p->i]))
            p->i++;
        nfrac = p->i - f0;
    }
    if (!nint && !nfrac) {
        p->i = start;
        return unexpected(p, "a value");
    }
    if (p->i < p->n && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
        real = 1;
        p->i++;
        if (p->i < p->n && (p->s[p->i] == '+' || p->s[p->i] == '-'))
            p->i++;
        size_t e0 = p->i;
        while (p->i < p->n && is_digit(p->s[p->i]))
            p->i++;
        if (p->i == e0)
            return fail_at(p, start, "an exponent needs digits");
    }
    if (p->i < p->n) {
        unsigned cp;
        cp_at(p->s, p->n, p->i, &cp);
        if (is_id_char(cp, 0) || cp == '.' || cp == '\\')
            return unexpected(p, "the end of the number");
    }
    buf_reset(&p->tmp);
    if (neg)
        buf_addch(&p->tmp, '-');
    buf_add(&p->tmp, p->s + (p->s[start] == '+' || neg ? start + 1 : start),
            p->i - (p->s[start] == '+' || neg ? start + 1 : start));
    errno = 0;
    if (!real) {
        char *end;
        long long v = strtoll(p->tmp.buf, &end, 10);
        if (errno == 0 && *end == 0) {
            *out = json_integer(v);
            return REEL_OK;
        }
        errno = 0;
    }
    char *end;
    double d = strtod(p->tmp.buf, &end);
    if (*end || !isfinite(d))
        return fail_at(p, start, "a number too large for a double");
    *out = json_real(d);
    return *out ? REEL_OK : fail_at(p, start, "a number JSON cannot hold");
}

static enum reel_code read_value(struct j5 *p, json_t **out);

static enum reel_code read_object(struct j5 *p, json_t **out)
{
    json_t *obj = json_object();
    p->i++;
    enum reel_code rc;
    for (;;) {
        if ((rc = skip_space(p)))
            goto fail;
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            break;
        }
        size_t key_at = p->i;
        if (p->i < p->n && (p->s[p->i] == '"' || p->s[p->i] == '\''))
            rc = read_string(p);
        else
            rc = read_ident(p);
        if (rc)
            goto fail;
        char *key = xstrndup(p->tmp.buf, p->tmp.len);
        if (json_object_get(obj, key)) {
            rc = fail_at(p, key_at, "the key '%s' appears twice in one object", key);
            free(key);
            goto fail;
        }
        if ((rc = skip_space(p))) {
            free(key);
            goto fail;
        }
        if (p->i >= p->n || p->s[p->i] != ':') {
            free(key);
            rc = unexpected(p, "':' after the key");
            goto fail;
        }
        p->i++;
        json_t *v = NULL;
        if ((rc = skip_space(p)) || (rc = read_value(p, &v))) {
            free(key);
            goto fail;
        }
        json_object_set_new(obj, key, v);
        free(key);
        if ((rc = skip_space(p)))
            goto fail;
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == '}') {
            p->i++;
            break;
        }
        rc = unexpected(p, "',' or '}'");
        goto fail;
    }
    *out = obj;
    return REEL_OK;
fail:
    json_decref(obj);
    return rc;
}

static enum reel_code read_array(struct j5 *p, json_t **out)
{
    json_t *arr = json_array();
    p->i++;
    enum reel_code rc;
    for (;;) {
        if ((rc = skip_space(p)))
            goto fail;
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            break;
        }
        json_t *v = NULL;
        if ((rc = read_value(p, &v)))
            goto fail;
        json_array_append_new(arr, v);
        if ((rc = skip_space(p)))
            goto fail;
        if (p->i < p->n && p->s[p->i] == ',') {
            p->i++;
            continue;
        }
        if (p->i < p->n && p->s[p->i] == ']') {
            p->i++;
            break;
        }
        rc = unexpected(p, "',' or ']'");
        goto fail;
    }
    *out = arr;
    return REEL_OK;
fail:
    json_decref(arr);
    return rc;
}

static enum reel_code read_value(struct j5 *p, json_t **out)
{
    *out = NULL;
    if (p->i >= p->n)
        return unexpected(p, "a value");
    unsigned char c = p->s[p->i];
    if (c == '{' || c == '[') {
        if (p->depth >= JSON5_MAX_DEPTH)
            return fail_at(p, p->i, "nested deeper than %d objects and arrays", JSON5_MAX_DEPTH);
        p->depth++;
        enum reel_code rc = c == '{' ? read_object(p, out) : read_array(p, out);
        p->depth--;
        return rc;
    }
    if (c == '"' || c == '\'') {
        enum reel_code rc = read_string(p);
        if (rc)
            return rc;
        *out = json_stringn(p->tmp.buf, p->tmp.len);
        return REEL_OK;
    }
    if (is_digit(c) || c == '-' || c == '+' || c == '.')
        return read_number(p, out);
    if (word_at(p, "Infinity") || word_at(p, "NaN"))
        return read_number(p, out);
    static const char *const words[] = {"true", "false", "null"};
    for (size_t k = 0; k < ARRAY_SIZE(words); k++)
        if (word_at(p, words[k])) {
            p->i += strlen(words[k]);
            *out = k == 0 ? json_true() : k == 1 ? json_false() : json_null();
            return REEL_OK;
        }
    return unexpected(p, "a value");
}

enum reel_code json5_parse(const char *text, size_t len, size_t cap, const char *source,
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
    struct j5 p = {(const unsigned char *)text, len, 0, 0, source, err, BUF_INIT};
    enum reel_code rc;
    const char *nul = memchr(text, 0, len);
    size_t bad = utf8_first_bad(p.s, len);
    if (nul && (size_t)(nul - text) < bad) {
        p.n = (size_t)(nul - text);
        return fail_at(&p, p.n, "a NUL byte (offset %zu)", p.n);
    }
    if (bad < len) {
        p.n = bad;
        return fail_at(&p, bad, "invalid UTF-8 (offset %zu)", bad);
    }
    json_t *v = NULL;
    if (!(rc = skip_space(&p)) && !(rc = read_value(&p, &v)) && !(rc = skip_space(&p)) && p.i < p.n)
        rc = unexpected(&p, "the end of the document");
    buf_release(&p.tmp);
    if (rc) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return REEL_OK;
}

enum reel_code json5_parse_file(const char *path, size_t cap, json_t **out, struct reel_err *err)
{
    struct buf b = BUF_INIT;
    *out = NULL;
    enum reel_code rc = buf_read_file(&b, path, cap ? cap : REEL_JSON_MAX_BYTES, err);
    if (rc == REEL_OK)
        rc = json5_parse(b.buf, b.len, cap, path, out, err);
    buf_release(&b);
    return rc;
}
