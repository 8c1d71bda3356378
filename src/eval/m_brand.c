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

static const char *anchor_name(enum plan_anchor a)
{
    static const char *n[] = {"top-left", "top",         "top-right", "left",        "center",
                              "right",    "bottom-left", "bottom",    "bottom-right", "x,y"};
    return n[a];
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
    static const double scales[] = {0.8, 0.9, 1.0, 1.1, 1.25};
    int R = W / 25 > 6 ? W / 25 : 6;
    json_t *checks = json_array();
    size_t ok = 0, n = 0;
    for (size_t si = 0; si < c->nstills; si++) {
        struct still *s = &c->stills[si];
        if (s->purpose != STILL_LOGO || &c->logos[s->item] != l || s->t < 0)
            continue;
        n++;
        double best = -2, best_scale = 1;
        int bx = 0, by = 0;
        for (size_t k = 0; k < ARRAY_SIZE(scales); k++) {
            int w = (int)lround(tw * scales[k]), h = (int)lround(th * scales[k]);
            if (w < 4 || h < 4 || w >= W || h >= H)
                continue;
            uint8_t *t = xmalloc((size_t)w * h), *mk = xmalloc((size_t)w * h);
            logo_template(&img, w, h, t, mk);
            int x, y;
            /* centre the window on the expected box's centre at this scale */
            int cx = ex + tw / 2 - w / 2, cy = ey + th / 2 - h / 2;
            double v = ncc_search(s->gray, W, H, t, mk, w, h, cx - R, cy - R, cx + R, cy + R, 2, &x,
                                  &y);
            if (v > best)
                best = v, best_scale = scales[k], bx = x, by = y;
            free(t);
            free(mk);
        }
        int bw = (int)lround(tw * best_scale), bh = (int)lround(th * best_scale);
        int found = best >= LOGO_NCC;
        int safe = bx >= LOGO_SAFE * W && by >= LOGO_SAFE * H && bx + bw <= (1 - LOGO_SAFE) * W &&
                   by + bh <= (1 - LOGO_SAFE) * H;
        int size_ok = fabs(best_scale - 1) <= 0.15;
        json_t *ck = json_pack("{s:o, s:o, s:b}", "time_s", json_round(s->t, 3), "match",
                               json_round(best, 3), "found", found);
        if (found) {
            json_object_set_new(ck, "box", json_pack("[i, i, i, i]", bx, by, bw, bh));
            json_object_set_new(ck, "scale", json_real(best_scale));
            json_object_set_new(ck, "in_safe_area", json_boolean(safe));
        } else {
            /* where is it then? look at the other anchors */
            uint8_t *t = xmalloc((size_t)tw * th), *mk = xmalloc((size_t)tw * th);
            logo_template(&img, tw, th, t, mk);
            double where_best = -2;
            enum plan_anchor where = POS_XY;
            for (int a = POS_TOP_LEFT; a <= POS_BOTTOM_RIGHT; a++) {
                int ax, ay, x, y;
                anchor_box((enum plan_anchor)a, 0, 0, W, H, tw, th, op->margin, &ax, &ay);
                double v = ncc_search(s->gray, W, H, t, mk, tw, th, ax - R, ay - R, ax + R,
                                      ay + R, 2, &x, &y);
                if (v > where_best)
                    where_best = v, where = (enum plan_anchor)a;
            }
            free(t);
            free(mk);
            if (where_best >= LOGO_NCC) {
                json_object_set_new(ck, "found_at", json_string(anchor_name(where)));
                advise(m, "the logo '%s' is %s at %.2f s, the plan puts it %s", l->label,
                       anchor_name(where), s->t, anchor_name(op->position.anchor));
            } else {
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
    json_object_set_new(m->threshold, "logo_safe_margin", json_real(LOGO_SAFE));
    json_object_set_new(m->threshold, "logo_checks_ok", json_real(2.0 / 3));
    json_object_set_new(m->threshold, "min_palette_score", json_real(PALETTE_MIN));
}
