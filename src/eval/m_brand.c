/*
 * Brand fit: the render's colours against the brand palette (style file),
 * and each planned logo found by template matching where, when and as big
 * as the plan put it, inside the safe area.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

#define LOGO_NCC 0.6     /* normalised cross-correlation that counts as found */
#define LOGO_SHAPE 0.6   /* shape-in-colour correlation that counts as found */
#define LOGO_COMPOSITE 0.6 /* correlation with the logo composited over the footage ... */
#define LOGO_COMPOSITE_SNR 1.0 /* ... counted where the logo's change stands over the footage's texture */
#define LOGO_MIN_CONTRAST 1.5   /* under this against the picture behind ... */
#define LOGO_MIN_COLOR_DIST 40.0 /* ... and this close in colour, a logo is not seen */
#define LOGO_SAFE 0.025  /* the logo keeps 2.5% of the frame from each edge */
#define PALETTE_DE 20.0  /* CIE76 distance that counts as "a palette colour" */
#define PALETTE_MIN 0.4

static void anchor_box(enum plan_anchor a, double px, double py, int W, int H, int tw, int th,
                       double margin, int *x, int *y)
{
    int m = (int)lround(margin * W);
    int left = m, hc = (W - tw) / 2, right = W - m - tw;
    int top = m, vc = (H - th) / 2, bottom = H - m - th;
    switch (a) {
    case POS_TOP_LEFT: *x = left, *y = top; break;
    case POS_TOP: *x = hc, *y = top; break;
    case POS_TOP_RIGHT: *x = right, *y = top; break;
    case POS_LEFT: *x = left, *y = vc; break;
    case POS_CENTER: *x = hc, *y = vc; break;
    case POS_RIGHT: *x = right, *y = vc; break;
    case POS_BOTTOM_LEFT: *x = left, *y = bottom; break;
    case POS_BOTTOM: *x = hc, *y = bottom; break;
    case POS_BOTTOM_RIGHT: *x = right, *y = bottom; break;
    default:
        *x = (int)lround(px * W - tw / 2.0);
        *y = (int)lround(py * H - th / 2.0);
    }
}

/* The logo at w x h: RGB where it is opaque (alpha >= 200), a class per
 * pixel (1 opaque, 0 transparent: alpha < 30, -1 the soft edge between),
 * and its mean opaque colour. 0 when it has no transparent pixels. */
struct shape_tmpl {
    int w, h;
    float *rgb;
    signed char *cls;
    float mean[3];
    int nin, nout;
};

static int shape_template(const struct logo_image *img, int w, int h, struct shape_tmpl *t)
{
    memset(t, 0, sizeof(*t));
    t->w = w, t->h = h;
    t->rgb = xmalloc((size_t)w * h * 3 * sizeof(float));
    t->cls = xmalloc((size_t)w * h);
    double m[3] = {0, 0, 0};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            /* area average of the source pixels under this one */
            int x0 = x * img->w / w, x1 = (x + 1) * img->w / w, y0 = y * img->h / h,
                y1 = (y + 1) * img->h / h;
            if (x1 <= x0)
                x1 = x0 + 1;
            if (y1 <= y0)
                y1 = y0 + 1;
            double a = 0, r = 0, g = 0, b = 0;
            int n = 0;
            for (int j = y0; j < y1 && j < img->h; j++)
                for (int i = x0; i < x1 && i < img->w; i++) {
                    const uint8_t *p = img->rgba + 4 * ((size_t)j * img->w + i);
                    double al = p[3] / 255.0;
                    a += al, r += p[0] * al, g += p[1] * al, b += p[2] * al, n++;
                }
            size_t k = (size_t)y * w + x;
            double al = n ? a / n : 0;
            t->cls[k] = al >= 200 / 255.0 ? 1 : al < 30 / 255.0 ? 0 : -1;
            float *o = t->rgb + 3 * k;
            o[0] = a > 0 ? (float)(r / a) : 0;
            o[1] = a > 0 ? (float)(g / a) : 0;
            o[2] = a > 0 ? (float)(b / a) : 0;
            if (t->cls[k] == 1) {
                m[0] += o[0], m[1] += o[1], m[2] += o[2];
                t->nin++;
            } else if (t->cls[k] == 0) {
                t->nout++;
            }
        }
    for (int i = 0; i < 3; i++)
        t->mean[i] = t->nin ? (float)(m[i] / t->nin) : 0;
    return t->nin >= 8 && t->nout >= 8;
}

static void shape_release(struct shape_tmpl *t)
{
    free(t->rgb);
    free(t->cls);
}

/*
 * How well the render at (x, y) shows the logo's shape in the logo's
 * colours: the correlation between the template's opaque/transparent map
 * and how close each render pixel is to the logo's colour there (the mean
 * logo colour for transparent pixels). A logo of one flat colour (an
 * outline emblem, a wordmark) has no texture for a gray cross-correlation
 * to follow; its shape against whatever footage is behind it it has.
 */
static double shape_at(const uint8_t *rgb, int W, int H, const struct shape_tmpl *t, int x, int y)
{
    if (x < 0 || y < 0 || x + t->w > W || y + t->h > H)
        return -2;
    double si = 0, so = 0, sq = 0;
    int ni = 0, no = 0;
    for (int j = 0; j < t->h; j++) {
        const uint8_t *row = rgb + ((size_t)(y + j) * W + x) * 3;
        for (int i = 0; i < t->w; i++) {
            size_t k = (size_t)j * t->w + i;
            int cl = t->cls[k];
            if (cl < 0)
                continue;
            const float *ref = cl ? t->rgb + 3 * k : t->mean;
            double dr = row[3 * i] - ref[0], dg = row[3 * i + 1] - ref[1],
                   db = row[3 * i + 2] - ref[2];
            double L = -sqrt(dr * dr + dg * dg + db * db);
            sq += L * L;
            if (cl)
                si += L, ni++;
            else
                so += L, no++;
        }
    }
    int n = ni + no;
    if (ni < 4 || no < 4)
        return -2;
    double mean = (si + so) / n, var = sq / n - mean * mean;
    if (var < 1e-6)
        return 0;
    double p = (double)ni / n;
    return (si / ni - so / no) * sqrt(p * (1 - p)) / sqrt(var);
}

static double shape_search(const uint8_t *rgb, int W, int H, const struct shape_tmpl *t, int x0,
                           int y0, int x1, int y1, int step, int *bx, int *by)
{
    double best = -2;
    for (int y = y0; y <= y1; y += step)
        for (int x = x0; x <= x1; x += step) {
            double v = shape_at(rgb, W, H, t, x, y);
            if (v > best)
                best = v, *bx = x, *by = y;
        }
    return best;
}

/* Best match of the logo at w x h around (cx, cy) +- R: the gray
 * cross-correlation of its opaque pixels, or its shape in its colours
 * (each against its own threshold), as a score where >= 1 is found. */
static double match_logo(const struct still *s, int W, int H, const struct logo_image *img, int w,
                         int h, int x0, int y0, int x1, int y1, int *bx, int *by, double *ncc,
                         double *shape)
{
    uint8_t *t = xmalloc((size_t)w * h), *mk = xmalloc((size_t)w * h);
    logo_template(img, w, h, t, mk);
    int gx = 0, gy = 0, sx = 0, sy = 0;
    *ncc = ncc_search(s->gray, W, H, t, mk, w, h, x0, y0, x1, y1, 2, &gx, &gy);
    free(t);
    free(mk);
    *shape = -2;
    if (s->rgb) {
        struct shape_tmpl st;
        if (shape_template(img, w, h, &st)) {
            *shape = shape_search(s->rgb, W, H, &st, x0, y0, x1, y1, 2, &sx, &sy);
            /* then to the pixel: a thin stroke one pixel off reads as absent */
            int cx = sx, cy = sy, rx = sx, ry = sy;
            double fine = shape_search(s->rgb, W, H, &st, cx - 1, cy - 1, cx + 1, cy + 1, 1, &rx, &ry);
            if (fine > *shape)
                *shape = fine, sx = rx, sy = ry;
        }
        shape_release(&st);
    }
    double a = *ncc / LOGO_NCC, b = *shape / LOGO_SHAPE;
    if (a >= b) {
        *bx = gx, *by = gy;
        return a;
    }
    *bx = sx, *by = sy;
    return b;
}

/*
 * The logo composited over the footage, at the render's own size: the
 * logo scaled as the renderer scales it (w x h, the planned width rounded
 * as the renderer rounds it), its luma (BT.601, limited range, as the
 * overlay converts it) and alpha, the pixels on or next to it, and the
 * normal matrix of a plane fit over its transparent pixels.
 */
struct comp_tmpl {
    int w, h;
    float *alpha, *luma;
    uint8_t *near, *clear;
    double pinv[9];
};

static void comp_release(struct comp_tmpl *t)
{
    free(t->alpha);
    free(t->luma);
    free(t->near);
    free(t->clear);
    memset(t, 0, sizeof(*t));
}

static int comp_template(const struct logo_image *img, int w, int h, struct comp_tmpl *t)
{
    memset(t, 0, sizeof(*t));
    size_t n = (size_t)w * h;
    uint8_t *px = xmalloc(n * 4);
    if (logo_scaled(img, w, h, px)) {
        free(px);
        return 0;
    }
    t->w = w, t->h = h;
    t->alpha = xmalloc(n * sizeof(float));
    t->luma = xmalloc(n * sizeof(float));
    t->near = xcalloc(n, 1);
    t->clear = xcalloc(n, 1);
    size_t nclear = 0, nsolid = 0;
    for (size_t k = 0; k < n; k++) {
        const uint8_t *p = px + 4 * k;
        t->alpha[k] = p[3] / 255.0f;
        t->luma[k] = (float)(16 + (65.481 * p[0] + 128.553 * p[1] + 24.966 * p[2]) / 255);
        t->clear[k] = p[3] < 30;
        nclear += t->clear[k];
        nsolid += p[3] >= 200;
    }
    free(px);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int j = y - 1; j <= y + 1; j++)
                for (int i = x - 1; i <= x + 1; i++)
                    if (i >= 0 && j >= 0 && i < w && j < h && t->alpha[(size_t)j * w + i] >= 0.05f)
                        t->near[(size_t)y * w + x] = 1;
    /* the footage behind the logo as a plane a + b x + c y through the
     * transparent pixels: its normal matrix is the template's own */
    double M[9] = {0};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!t->clear[(size_t)y * w + x])
                continue;
            double v[3] = {1, x, y};
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                    M[3 * i + j] += v[i] * v[j];
        }
    double det = M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) +
                 M[2] * (M[3] * M[7] - M[4] * M[6]);
    if (nclear < 16 || nsolid < 8 || fabs(det) < 1e-9) {
        comp_release(t);
        return 0;
    }
    double *q = t->pinv;
    q[0] = (M[4] * M[8] - M[5] * M[7]) / det, q[1] = (M[2] * M[7] - M[1] * M[8]) / det;
    q[2] = (M[1] * M[5] - M[2] * M[4]) / det, q[3] = (M[5] * M[6] - M[3] * M[8]) / det;
    q[4] = (M[0] * M[8] - M[2] * M[6]) / det, q[5] = (M[2] * M[3] - M[0] * M[5]) / det;
    q[6] = (M[3] * M[7] - M[4] * M[6]) / det, q[7] = (M[1] * M[6] - M[0] * M[7]) / det;
    q[8] = (M[0] * M[4] - M[1] * M[3]) / det;
    return 1;
}

/*
 * How well the render's luma at (x, y) is the logo composited over the
 * footage: the footage behind it estimated as a plane (B) through the
 * render where the logo is transparent, the logo's change to the picture
 * predicted as alpha (logo - B), and the Pearson correlation of that
 * prediction with what the render shows (render - B) on and next to the
 * logo. A logo close to the footage in colour (a white wordmark over a pale
 * sky) still changes it in its own shape, anti-aliased edge and outline,
 * which neither its texture nor its mean colour shows.
 */
static double composite_at(const uint8_t *Y, int W, int H, const struct comp_tmpl *t, int x, int y,
                           double *snr)
{
    if (x < 0 || y < 0 || x + t->w > W || y + t->h > H)
        return -2;
    double sv[3] = {0, 0, 0};
    for (int j = 0; j < t->h; j++) {
        const uint8_t *row = Y + (size_t)(y + j) * W + x;
        for (int i = 0; i < t->w; i++)
            if (t->clear[(size_t)j * t->w + i])
                sv[0] += row[i], sv[1] += i * row[i], sv[2] += j * row[i];
    }
    double co[3];
    for (int r = 0; r < 3; r++)
        co[r] = t->pinv[3 * r] * sv[0] + t->pinv[3 * r + 1] * sv[1] + t->pinv[3 * r + 2] * sv[2];
    double sp = 0, sr = 0, spp = 0, srr = 0, spr = 0;
    size_t n = 0;
    for (int j = 0; j < t->h; j++) {
        const uint8_t *row = Y + (size_t)(y + j) * W + x;
        for (int i = 0; i < t->w; i++) {
            size_t k = (size_t)j * t->w + i;
            if (!t->near[k])
                continue;
            double b = co[0] + co[1] * i + co[2] * j;
            double p = t->alpha[k] * (t->luma[k] - b), r = row[i] - b;
            sp += p, sr += r, spp += p * p, srr += r * r, spr += p * r;
            n++;
        }
    }
    if (n < 16)
        return -2;
    double vp = spp - sp * sp / (double)n, vr = srr - sr * sr / (double)n;
    if (vp < 1e-6 || vr < 1e-6)
        return 0;
    if (snr) {
        /* the logo's predicted change against the footage's own texture
         * (what is left of it around the plane where the logo is clear) */
        double ss = 0;
        size_t nc = 0;
        for (int j = 0; j < t->h; j++) {
            const uint8_t *row = Y + (size_t)(y + j) * W + x;
            for (int i = 0; i < t->w; i++)
                if (t->clear[(size_t)j * t->w + i]) {
                    double d = row[i] - (co[0] + co[1] * i + co[2] * j);
                    ss += d * d, nc++;
                }
        }
        *snr = sqrt(vp / (double)n) / fmax(1, sqrt(ss / (double)(nc ? nc : 1)));
    }
    return (spr - sp * sr / (double)n) / sqrt(vp * vr);
}

/* The best composite match around (cx, cy) +- R in the still's native
 * luma, at every pixel: a stroke one pixel wide, one pixel off, is not
 * there. */
static double composite_search(const struct still *s, const struct comp_tmpl *t, int cx, int cy,
                               int R, int *bx, int *by, double *snr)
{
    double best = -2;
    *bx = cx, *by = cy;
    for (int y = cy - R; y <= cy + R; y++)
        for (int x = cx - R; x <= cx + R; x++) {
            double v = composite_at(s->native, s->nw, s->nh, t, x, y, NULL);
            if (v > best)
                best = v, *bx = x, *by = y;
        }
    *snr = 0;
    composite_at(s->native, s->nw, s->nh, t, *bx, *by, snr);
    return best;
}

static const char *anchor_name(enum plan_anchor a)
{
    static const char *n[] = {"top-left", "top",         "top-right", "left",        "center",
                              "right",    "bottom-left", "bottom",    "bottom-right", "x,y"};
    return n[a];
}

/* The contrast between the logo's mean opaque colour and the render's mean
 * colour over the box (x, y, w, h), and (*dist) the largest difference of
 * their channels: under 1.5:1 and 40 levels a logo there cannot be told
 * from the footage behind it (a white wordmark over a white sky), found
 * or not. */
static double logo_contrast(const struct logo_image *img, const struct still *s, int W, int H, int x,
                            int y, int w, int h, double *dist)
{
    double lr = 0, lg = 0, lb = 0, ln = 0;
    for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
        const uint8_t *p = img->rgba + 4 * i;
        if (p[3] >= 200)
            lr += p[0], lg += p[1], lb += p[2], ln++;
    }
    double rr = 0, rg = 0, rb = 0, rn = 0;
    for (int j = y < 0 ? 0 : y; j < y + h && j < H; j++)
        for (int i = x < 0 ? 0 : x; i < x + w && i < W; i++) {
            const uint8_t *p = s->rgb + ((size_t)j * W + i) * 3;
            rr += p[0], rg += p[1], rb += p[2], rn++;
        }
    if (!ln || !rn)
        return -1;
    *dist = fmax(fabs(lr / ln - rr / rn), fmax(fabs(lg / ln - rg / rn), fabs(lb / ln - rb / rn)));
    double a = rel_luminance((uint8_t)(lr / ln), (uint8_t)(lg / ln), (uint8_t)(lb / ln));
    double b = rel_luminance((uint8_t)(rr / rn), (uint8_t)(rg / rn), (uint8_t)(rb / rn));
    return wcag_contrast(a, b);
}

static double check_logo(struct eval_ctx *c, struct logo_item *l, struct metric_out *m,
                         json_t *out)
{
    const struct plan_op *op = &c->plan->ops[l->op];
    int W = c->aw, H = c->ah;
    json_object_set_new(out, "label", json_string(l->label ? l->label : ""));
    json_object_set_new(out, "position", json_string(anchor_name(op->position.anchor)));
    struct logo_image img = {0, 0, NULL};
    if (l->path) {
        struct reel_err e = REEL_ERR_INIT;
        if (logo_load(l->path, &img, &e) != REEL_OK)
            snprintf(l->why, sizeof(l->why), "%s", e.msg);
    }
    if (!img.rgba || W <= 0) {
        json_object_set_new(out, "error",
                            json_string(l->why[0] ? l->why : "the logo image could not be read"));
        logo_image_release(&img);
        return 0;
    }
    int tw = (int)lround(op->width * W);
    int th = (int)lround((double)tw * img.h / img.w);
    if (tw < 6 || th < 6 || tw >= W || th >= H) {
        json_object_set_new(out, "error", json_string("the logo is too small or too large to check"));
        logo_image_release(&img);
        return 0;
    }
    int ex, ey;
    anchor_box(op->position.anchor, op->position.x, op->position.y, W, H, tw, th, op->margin, &ex,
               &ey);
    json_object_set_new(out, "expected_box", json_pack("[i, i, i, i]", ex, ey, tw, th));
    static const double scales[] = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.25};
    int R = W / 25 > 6 ? W / 25 : 6;
    struct comp_tmpl ct = {0};
    int ct_nw = 0, ct_ok = 0;
    json_t *checks = json_array();
    size_t ok = 0, n = 0;
    for (size_t si = 0; si < c->nstills; si++) {
        struct still *s = &c->stills[si];
        if (s->purpose != STILL_LOGO || &c->logos[s->item] != l || s->t < 0)
            continue;
        n++;
        double best = -2, best_scale = 1, best_ncc = -2, best_shape = -2;
        int bx = 0, by = 0;
        for (size_t k = 0; k < ARRAY_SIZE(scales); k++) {
            int w = (int)lround(tw * scales[k]), h = (int)lround(th * scales[k]);
            if (w < 4 || h < 4 || w >= W || h >= H)
                continue;
            int x, y;
            double vn, vs;
            /* centre the window on the expected box's centre at this scale */
            int cx = ex + tw / 2 - w / 2, cy = ey + th / 2 - h / 2;
            double v = match_logo(s, W, H, &img, w, h, cx - R, cy - R, cx + R, cy + R, &x, &y,
                                  &vn, &vs);
            if (v > best)
                best = v, best_scale = scales[k], bx = x, by = y, best_ncc = vn, best_shape = vs;
        }
        /* at the render's own size, the logo composited as the renderer did */
        double best_comp = -2, comp_snr = 0;
        int nw = s->nw, nh = s->nh, ntw = 0, nth = 0, nR = nw / 25 > 6 ? nw / 25 : 6;
        if (s->native && nw > 0 && nh > 0) {
            ntw = (int)lround(op->width * nw);
            ntw = ntw < 2 ? 2 : ntw;
            nth = (int)lround((double)ntw * img.h / img.w);
            ntw += ntw % 2, nth += nth % 2;
            if (ct_nw != nw) {
                comp_release(&ct);
                ct_ok = ntw < nw && nth < nh && comp_template(&img, ntw, nth, &ct);
                ct_nw = nw;
            }
        }
        if (ct_ok && s->native && s->nw == ct_nw) {
            int nx, ny, x, y;
            anchor_box(op->position.anchor, op->position.x, op->position.y, nw, nh, ntw, nth,
                       op->margin, &nx, &ny);
            /* where the renderer puts it, then (not there) the whole window */
            best_comp = composite_search(s, &ct, nx, ny, 3, &x, &y, &comp_snr);
            if (best_comp < LOGO_COMPOSITE)
                best_comp = composite_search(s, &ct, nx, ny, nR, &x, &y, &comp_snr);
            if (comp_snr >= LOGO_COMPOSITE_SNR && best_comp / LOGO_COMPOSITE > best) {
                best = best_comp / LOGO_COMPOSITE, best_scale = 1;
                bx = (int)lround((double)x * W / nw), by = (int)lround((double)y * H / nh);
            }
        }
        int bw = (int)lround(tw * best_scale), bh = (int)lround(th * best_scale);
        int found = best >= 1;
        int safe = bx >= LOGO_SAFE * W && by >= LOGO_SAFE * H && bx + bw <= (1 - LOGO_SAFE) * W &&
                   by + bh <= (1 - LOGO_SAFE) * H;
        int size_ok = fabs(best_scale - 1) <= 0.15;
        json_t *ck = json_pack("{s:o, s:o, s:o, s:o, s:b}", "time_s", json_round(s->t, 3),
                               "match", json_round(best_ncc, 3), "shape_match",
                               json_round(best_shape, 3), "composite_match",
                               json_round(best_comp, 3), "found", found);
        json_object_set_new(ck, "composite_snr", json_round(comp_snr, 3));
        if (found) {
            json_object_set_new(ck, "box", json_pack("[i, i, i, i]", bx, by, bw, bh));
            json_object_set_new(ck, "scale", json_real(best_scale));
            json_object_set_new(ck, "in_safe_area", json_boolean(safe));
        } else {
            /* where is it then? look at the other anchors */
            double where_best = -2;
            enum plan_anchor where = POS_XY;
            for (int a = POS_TOP_LEFT; a <= POS_BOTTOM_RIGHT; a++) {
                int ax, ay, x, y;
                double vn, vs;
                anchor_box((enum plan_anchor)a, 0, 0, W, H, tw, th, op->margin, &ax, &ay);
                double v = match_logo(s, W, H, &img, tw, th, ax - R, ay - R, ax + R, ay + R, &x,
                                      &y, &vn, &vs);
                if (ct_ok && s->native && s->nw == ct_nw) {
                    int nx, ny;
                    anchor_box((enum plan_anchor)a, 0, 0, nw, nh, ntw, nth, op->margin, &nx, &ny);
                    double snr;
                    double vc = composite_search(s, &ct, nx, ny, 3, &x, &y, &snr) / LOGO_COMPOSITE;
                    if (snr >= LOGO_COMPOSITE_SNR && vc > v)
                        v = vc;
                }
                if (v > where_best)
                    where_best = v, where = (enum plan_anchor)a;
            }
            if (where_best >= 1) {
                json_object_set_new(ck, "found_at", json_string(anchor_name(where)));
                advise(m, "the logo '%s' is %s at %.2f s, the plan puts it %s", l->label,
                       anchor_name(where), s->t, anchor_name(op->position.anchor));
            } else {
                double cd = 255;
                double k = s->rgb ? logo_contrast(&img, s, W, H, ex, ey, tw, th, &cd) : -1;
                if (k >= 0)
                    json_object_set_new(ck, "contrast", json_round(k, 2));
                if (k >= 0 && k < LOGO_MIN_CONTRAST && cd < LOGO_MIN_COLOR_DIST)
                    advise(m,
                           "the logo '%s' cannot be told from the footage behind it at %.2f s "
                           "(plan: %s; its colour against the picture there: %.2f:1): use a "
                           "version of the logo that stands out, or add an outline or a shadow",
                           l->label, s->t, anchor_name(op->position.anchor), k);
                else
                    advise(m, "the logo '%s' is missing at %.2f s (plan: %s, %.0f%% of the width)",
                           l->label, s->t, anchor_name(op->position.anchor), op->width * 100);
            }
        }
        if (found && !size_ok)
            advise(m, "the logo '%s' is %.0f%% of its planned size at %.2f s", l->label,
                   best_scale * 100, s->t);
        if (found && !safe)
            advise(m, "the logo '%s' at %.2f s is outside the safe area: increase its margin",
                   l->label, s->t);
        if (found && size_ok && safe)
            ok++;
        json_array_append_new(checks, ck);
    }
    logo_image_release(&img);
    comp_release(&ct);
    json_object_set_new(out, "checks", checks);
    return n ? (double)ok / n : 0;
}

void metric_brand(struct eval_ctx *c, struct metric_out *m)
{
    json_t *ev = m->evidence;
    const json_t *style = c->opts ? c->opts->style : NULL;
    const json_t *pal = style ? json_object_get(style, "palette") : NULL;
    size_t npal = json_is_array(pal) ? json_array_size(pal) : 0;
    if (!c->nlogos && !npal) {
        m->applicable = 0;
        json_object_set_new(ev, "note", json_string("no logo in the plan and no brand palette"));
        return;
    }
    m->applicable = 1;
    double sum = 0;
    int parts = 0, gate = 1;

    if (c->nlogos) {
        json_t *logos = json_array();
        double ls = 0;
        for (size_t i = 0; i < c->nlogos; i++) {
            json_t *lo = json_object();
            double s = check_logo(c, &c->logos[i], m, lo);
            json_object_set_new(lo, "score", json_round(s, 3));
            json_array_append_new(logos, lo);
            ls += s;
            if (s < 2.0 / 3 - 1e-9)
                gate = 0;
        }
        json_object_set_new(ev, "logos", logos);
        sum += ls / c->nlogos;
        parts++;
    }

    if (npal) {
        double lab[16][3];
        size_t np = 0;
        json_t *bad = json_array();
        for (size_t i = 0; i < npal && np < 16; i++) {
            uint8_t rgb[3];
            const char *s = json_string_value(json_array_get(pal, i));
            if (!parse_hex_color(s, rgb)) {
                json_array_append_new(bad, json_string(s ? s : "(not a string)"));
                continue;
            }
            rgb_to_lab(rgb[0], rgb[1], rgb[2], lab[np++]);
        }
        double on = 0, neutral = 0, total = c->hist_total;
        double used[16] = {0};
        const int sh = 8 - HIST_BITS, half = 1 << (sh - 1);
        for (int b = 0; b < HIST_N && total > 0; b++) {
            if (c->hist[b] <= 0)
                continue;
            int r = ((b >> (2 * HIST_BITS)) << sh) + half, g = (((b >> HIST_BITS) & ((1 << HIST_BITS) - 1)) << sh) + half,
                bl = ((b & ((1 << HIST_BITS) - 1)) << sh) + half;
            double L[3];
            rgb_to_lab(r, g, bl, L);
            double best = 1e9;
            size_t bi = 0;
            for (size_t k = 0; k < np; k++) {
                double d = sqrt((L[0] - lab[k][0]) * (L[0] - lab[k][0]) +
                                (L[1] - lab[k][1]) * (L[1] - lab[k][1]) +
                                (L[2] - lab[k][2]) * (L[2] - lab[k][2]));
                if (d < best)
                    best = d, bi = k;
            }
            if (best <= PALETTE_DE) {
                on += c->hist[b];
                used[bi] += c->hist[b];
            } else if (sqrt(L[1] * L[1] + L[2] * L[2]) < 10) {
                neutral += c->hist[b];
            }
        }
        double on_share = total > 0 ? on / total : 0, neutral_share = total > 0 ? neutral / total : 0;
        size_t covered = 0;
        for (size_t k = 0; k < np; k++)
            covered += total > 0 && used[k] / total >= 0.01;
        double fit = clamp01((on_share + 0.5 * neutral_share) / 0.6);
        double ps = np ? 0.7 * fit + 0.3 * (double)covered / np : 0;
        json_object_set_new(ev, "palette",
                            json_pack("{s:o, s:o, s:i, s:i, s:o, s:o}", "on_palette_share",
                                      json_round(on_share, 3), "neutral_share",
                                      json_round(neutral_share, 3), "colors", (int)np,
                                      "colors_used", (int)covered, "score", json_round(ps, 3),
                                      "invalid", bad));
        if (ps < PALETTE_MIN)
            advise(m, "only %.0f%% of the picture is in the brand palette: grade toward it "
                      "(color op) or choose footage in its colours",
                   on_share * 100);
        if (ps < PALETTE_MIN)
            gate = 0;
        sum += ps;
        parts++;
    }
    m->score = parts ? sum / parts : 1;
    m->gate = gate;
    json_object_set_new(m->threshold, "logo_match", json_real(LOGO_NCC));
    json_object_set_new(m->threshold, "logo_shape_match", json_real(LOGO_SHAPE));
    json_object_set_new(m->threshold, "logo_composite_match", json_real(LOGO_COMPOSITE));
    json_object_set_new(m->threshold, "logo_composite_min_snr", json_real(LOGO_COMPOSITE_SNR));
    json_object_set_new(m->threshold, "logo_safe_margin", json_real(LOGO_SAFE));
    json_object_set_new(m->threshold, "logo_checks_ok", json_real(2.0 / 3));
    json_object_set_new(m->threshold, "min_palette_score", json_real(PALETTE_MIN));
}
