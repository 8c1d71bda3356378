/* Small image, text and statistics helpers shared by the metrics. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

static float lin_lut[256];
static int lin_ready;

const float *srgb_linear_table(void)
{
    if (!lin_ready) {
        for (int i = 0; i < 256; i++) {
            double c = i / 255.0;
            lin_lut[i] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
        }
        lin_ready = 1;
    }
    return lin_lut;
}

float srgb_to_linear(uint8_t v)
{
    return srgb_linear_table()[v];
}

double rel_luminance(uint8_t r, uint8_t g, uint8_t b)
{
    return 0.2126 * srgb_to_linear(r) + 0.7152 * srgb_to_linear(g) + 0.0722 * srgb_to_linear(b);
}

double wcag_contrast(double l1, double l2)
{
    double hi = l1 > l2 ? l1 : l2, lo = l1 > l2 ? l2 : l1;
    return (hi + 0.05) / (lo + 0.05);
}

static double lab_f(double t)
{
    return t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0;
}

void rgb_to_lab(double r, double g, double b, double lab[3])
{
    uint8_t R = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r), G = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g),
            B = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
    double lr = srgb_to_linear(R), lg = srgb_to_linear(G), lb = srgb_to_linear(B);
    double x = (0.4124 * lr + 0.3576 * lg + 0.1805 * lb) / 0.95047;
    double y = 0.2126 * lr + 0.7152 * lg + 0.0722 * lb;
    double z = (0.0193 * lr + 0.1192 * lg + 0.9505 * lb) / 1.08883;
    double fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
    lab[0] = 116 * fy - 16;
    lab[1] = 500 * (fx - fy);
    lab[2] = 200 * (fy - fz);
}

int parse_hex_color(const char *s, uint8_t rgb[3])
{
    if (!s || s[0] != '#' || (strlen(s) != 7 && strlen(s) != 9))
        return 0;
    for (int i = 0; i < 3; i++) {
        char h[3] = {s[1 + 2 * i], s[2 + 2 * i], 0};
        if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
            return 0;
        rgb[i] = (uint8_t)strtol(h, NULL, 16);
    }
    return 1;
}

/* Bilinear growing in 8.8 fixed point with per-column taps worked out once
 * (this runs on every sampled frame: the sharpness check grows a
 * downscaled copy back). */
static void grow_bilinear(const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst, int dw,
                          int dh)
{
    int *x0 = xmalloc((size_t)dw * 3 * sizeof(int)), *x1 = x0 + dw, *ax = x1 + dw;
    for (int x = 0; x < dw; x++) {
        double sx = (x + 0.5) * sw / dw - 0.5;
        if (sx < 0)
            sx = 0;
        x0[x] = (int)sx;
        x1[x] = x0[x] + 1 < sw ? x0[x] + 1 : sw - 1;
        ax[x] = (int)lround((sx - x0[x]) * 256);
    }
    for (int y = 0; y < dh; y++) {
        double sy = (y + 0.5) * sh / dh - 0.5;
        if (sy < 0)
            sy = 0;
        int y0 = (int)sy, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
        int ay = (int)lround((sy - y0) * 256);
        const uint8_t *r0 = src + (size_t)y0 * sstride, *r1 = src + (size_t)y1 * sstride;
        uint8_t *o = dst + (size_t)y * dw;
        for (int x = 0; x < dw; x++) {
            int top = r0[x0[x]] * (256 - ax[x]) + r0[x1[x]] * ax[x];
            int bot = r1[x0[x]] * (256 - ax[x]) + r1[x1[x]] * ax[x];
            o[x] = (uint8_t)((top * (256 - ay) + bot * ay + 32768) >> 16);
        }
    }
    free(x0);
}

void gray_resize(const uint8_t *src, int sw, int sh, int sstride, uint8_t *dst, int dw, int dh)
{
    /* Area average when shrinking (each destination pixel covers a box),
     * bilinear when growing. */
    if (dw >= sw && dh >= sh) {
        grow_bilinear(src, sw, sh, sstride, dst, dw, dh);
        return;
    }
    for (int y = 0; y < dh; y++) {
        double fy0 = (double)y * sh / dh, fy1 = (double)(y + 1) * sh / dh;
        for (int x = 0; x < dw; x++) {
            double fx0 = (double)x * sw / dw, fx1 = (double)(x + 1) * sw / dw;
            if (fx1 - fx0 >= 1.0 && fy1 - fy0 >= 1.0) {
                int x0 = (int)fx0, x1 = (int)ceil(fx1), y0 = (int)fy0, y1 = (int)ceil(fy1);
                if (x1 > sw)
                    x1 = sw;
                if (y1 > sh)
                    y1 = sh;
                double s = 0;
                int n = 0;
                for (int yy = y0; yy < y1; yy++)
                    for (int xx = x0; xx < x1; xx++)
                        s += src[(size_t)yy * sstride + xx], n++;
                dst[(size_t)y * dw + x] = (uint8_t)(s / (n ? n : 1) + 0.5);
            } else {
                double sx = (x + 0.5) * sw / dw - 0.5, sy = (y + 0.5) * sh / dh - 0.5;
                if (sx < 0)
                    sx = 0;
                if (sy < 0)
                    sy = 0;
                int x0 = (int)sx, y0 = (int)sy;
                int x1 = x0 + 1 < sw ? x0 + 1 : sw - 1, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
                double ax = sx - x0, ay = sy - y0;
                double v = (1 - ax) * (1 - ay) * src[(size_t)y0 * sstride + x0] +
                           ax * (1 - ay) * src[(size_t)y0 * sstride + x1] +
                           (1 - ax) * ay * src[(size_t)y1 * sstride + x0] +
                           ax * ay * src[(size_t)y1 * sstride + x1];
                dst[(size_t)y * dw + x] = (uint8_t)(v + 0.5);
            }
        }
    }
}

double ncc_at(const uint8_t *img, int iw, int ih, const uint8_t *templ, const uint8_t *mask, int tw,
              int th, int x, int y)
{
    if (x < 0 || y < 0 || x + tw > iw || y + th > ih)
        return -1;
    double si = 0, st = 0, sii = 0, stt = 0, sit = 0;
    double n = 0;
    for (int j = 0; j < th; j++) {
        const uint8_t *a = img + (size_t)(y + j) * iw + x;
        const uint8_t *b = templ + (size_t)j * tw;
        const uint8_t *m = mask ? mask + (size_t)j * tw : NULL;
        for (int i = 0; i < tw; i++) {
            if (m && !m[i])
                continue;
            double p = a[i], q = b[i];
            si += p, st += q, sii += p * p, stt += q * q, sit += p * q;
            n += 1;
        }
    }
    if (n < 16)
        return 0;
    double vi = sii - si * si / n, vt = stt - st * st / n;
    if (vi <= 1e-6 * n || vt <= 1e-6 * n)
        return 0;
    return (sit - si * st / n) / sqrt(vi * vt);
}

double ncc_search(const uint8_t *img, int iw, int ih, const uint8_t *templ, const uint8_t *mask,
                  int tw, int th, int x0, int y0, int x1, int y1, int step, int *bx, int *by)
{
    double best = -2;
    int cx = x0, cy = y0;
    if (x0 < 0)
        x0 = 0;
    if (y0 < 0)
        y0 = 0;
    if (x1 > iw - tw)
        x1 = iw - tw;
    if (y1 > ih - th)
        y1 = ih - th;
    for (int y = y0; y <= y1; y += step)
        for (int x = x0; x <= x1; x += step) {
            double v = ncc_at(img, iw, ih, templ, mask, tw, th, x, y);
            if (v > best)
                best = v, cx = x, cy = y;
        }
    if (step > 1 && best > -2) { /* refine around the coarse best */
        int rx = cx, ry = cy;
        for (int y = ry - step + 1; y < ry + step; y++)
            for (int x = rx - step + 1; x < rx + step; x++) {
                double v = ncc_at(img, iw, ih, templ, mask, tw, th, x, y);
                if (v > best)
                    best = v, cx = x, cy = y;
            }
    }
    if (bx)
        *bx = cx;
    if (by)
        *by = cy;
    return best;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double percentile(double *v, size_t n, double p)
{
    if (!n)
        return 0;
    qsort(v, n, sizeof(*v), cmp_double);
    double pos = p / 100.0 * (double)(n - 1);
    size_t i = (size_t)pos;
    if (i + 1 >= n)
        return v[n - 1];
    return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

/* x minus its k-times box downscale, grown back bilinearly */
static void down_up(const uint8_t *g, int w, int h, int stride, int k, uint8_t *out)
{
    int hw = w / k, hh = h / k;
    uint8_t *s = xmalloc((size_t)hw * hh);
    for (int y = 0; y < hh; y++)
        for (int x = 0; x < hw; x++) {
            int sum = 0;
            for (int j = 0; j < k; j++)
                for (int i = 0; i < k; i++)
                    sum += g[(size_t)(k * y + j) * stride + k * x + i];
            s[(size_t)y * hw + x] = (uint8_t)((sum + k * k / 2) / (k * k));
        }
    gray_resize(s, hw, hh, hw, out, w, h);
    free(s);
}

double upscale_ratio(const uint8_t *gray, int w, int h, int stride)
{
    /* Detail lost by halving the picture, over detail lost by quartering
     * it: the top octave of the spectrum against the top two. Native
     * footage has detail in every octave (0.25-0.5); a picture upscaled 2x
     * or more has next to nothing in its top octave (under 0.2). */
    if (w < 64 || h < 64)
        return -1;
    uint8_t *d2 = xmalloc((size_t)w * h), *d4 = xmalloc((size_t)w * h);
    down_up(gray, w, h, stride, 2, d2);
    down_up(gray, w, h, stride, 4, d4);
    const int B = 32;
    size_t nb = 0, cap = (size_t)(w / B + 1) * (h / B + 1);
    double *ratios = xmalloc(cap * sizeof(double));
    for (int by = 0; by + B <= h - 4; by += B)
        for (int bx = 0; bx + B <= w - 4; bx += B) {
            double e2 = 0, e4 = 0;
            for (int y = by; y < by + B; y++)
                for (int x = bx; x < bx + B; x++) {
                    double v = gray[(size_t)y * stride + x];
                    double a = v - d2[(size_t)y * w + x], b = v - d4[(size_t)y * w + x];
                    e2 += a * a, e4 += b * b;
                }
            if (e4 / (B * B) > 20) /* a block with detail says something */
                ratios[nb++] = e2 / e4;
        }
    free(d2);
    free(d4);
    /* the lower quartile: sharp overlays (captions, a logo) drawn at the
     * render size sit in the upper blocks and do not hide a soft picture */
    double r = nb >= 4 ? percentile(ratios, nb, 25) : -1;
    free(ratios);
    return r;
}

static size_t utf8_decode_all(const char *s, uint32_t **out)
{
    size_t n = strlen(s), k = 0;
    uint32_t *v = xmalloc((n + 1) * sizeof(uint32_t));
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t c = *p;
        int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (extra)
            c &= (0x3F >> extra);
        p++;
        for (int i = 0; i < extra && (*p & 0xC0) == 0x80; i++, p++)
            c = (c << 6) | (*p & 0x3F);
        v[k++] = c;
    }
    *out = v;
    return k;
}

size_t utf8_levenshtein(const char *a, const char *b)
{
    uint32_t *x, *y;
    size_t n = utf8_decode_all(a, &x), m = utf8_decode_all(b, &y);
    size_t *prev = xmalloc((m + 1) * sizeof(size_t)), *cur = xmalloc((m + 1) * sizeof(size_t));
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t sub = prev[j - 1] + (x[i - 1] != y[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        size_t *t = prev;
        prev = cur, cur = t;
    }
    size_t d = prev[m];
    free(prev), free(cur), free(x), free(y);
    return d;
}

char *text_normalize(const char *s)
{
    struct buf b = BUF_INIT;
    int space = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || *p >= 0x80) {
            if (space && b.len)
                buf_addch(&b, ' ');
            space = 0;
            buf_addch(&b, (char)tolower(*p));
        } else {
            space = 1;
        }
    }
    return buf_detach(&b);
}

double clamp01(double x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

json_t *json_round(double v, int digits)
{
    if (!isfinite(v))
        return json_null();
    double m = pow(10, digits);
    return json_real(round(v * m) / m);
}

json_t *json_times(const double *t, size_t n, size_t max)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n && i < max; i++)
        json_array_append_new(a, json_round(t[i], 3));
    return a;
}
