/*
 * The compiler: a validated plan becomes an ffmpeg argv and a filter graph.
 *
 * Shape of the graph (labels in brackets):
 *   per cut      [k:v] speed, fps, fit (cover/contain/stretch), pad, trim -> [vcN]
 *                [k:a] speed (atempo chain), conform, volume, pad, trim   -> [acN]
 *   storyline    xfade / concat of the [vc], acrossfade / concat of the [ac] -> [sv] [sa]
 *   picture      color grades, overlays, text, captions, fades on [sv] -> [vout]
 *   sound        overlay sound and beds (ducked under [sa]) mixed, loudness,
 *                fades, exact length -> [aout]
 * Every duration is a whole number of output frames (timeline.c), every
 * untrusted string reaches the graph either as a file (drawtext textfile,
 * ASS captions) or through render_escape_value.
 */
#include "render/internal.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavfilter/avfilter.h>

#include "core/config.h"
#include "core/banned.h"

struct ctx {
    const struct plan *p;
    const struct render_opts *o;
    struct rtl tl;
    struct buf g;   /* the graph text */
    struct buf notes; /* render_cmd.notes */
    struct argv in; /* input arguments (-ss .. -i ..) */
    int ninputs;
    int nlabel;
    int nfiles;
    int W, H;
    const char *workdir;
    int measure;
    struct reel_err *err;
};

static void label(struct ctx *c, char *dst, size_t n, const char *prefix)
{
    snprintf(dst, n, "%s%d", prefix, c->nlabel++);
}

static const char *color_hex(char *dst, size_t n, const struct plan_color *col, int alpha)
{
    if (alpha)
        snprintf(dst, n, "0x%02X%02X%02X%02X", col->r, col->g, col->b, col->a);
    else
        snprintf(dst, n, "0x%02X%02X%02X", col->r, col->g, col->b);
    return dst;
}

/* "key=" + escaped value appended to the graph */
static void add_kv(struct ctx *c, const char *key, const char *value)
{
    buf_adds(&c->g, key);
    buf_addch(&c->g, '=');
    render_escape_value(&c->g, value);
}

static const struct plan_asset *asset_of(struct ctx *c, const char *label_, size_t opi)
{
    const struct plan_asset *a = NULL;
    for (size_t i = 0; label_ && i < c->p->nassets && !a; i++)
        if (c->p->assets[i].label && !strcmp(c->p->assets[i].label, label_))
            a = &c->p->assets[i];
    if (!a || !a->path) {
        reel_fail(c->err, REEL_EINVAL, NULL, "operation %zu: asset '%s' is unknown", opi,
                  label_ ? label_ : "(none)");
        return NULL;
    }
    if (!a->probed) {
        reel_fail(c->err, REEL_EINVAL, a->path,
                  "asset '%s' was not probed (validate the plan before rendering)", a->label);
        return NULL;
    }
    return a;
}

/* A path as an ffmpeg input URL: local files get "file:" so that a name
 * such as "concat:x" or "pipe:1" is never taken for a protocol. */
static void push_input_url(struct ctx *c, const char *path)
{
    if (starts_with(path, "http://") || starts_with(path, "https://"))
        argv_push(&c->in, path);
    else
        argv_pushf(&c->in, "file:%s", path);
}

/*
 * Which streams of an input file the graph reads. A file whose picture and
 * sound are both used is opened twice, once for each: ffmpeg decodes every
 * stream it reads of a file, so reading a later clip's sound early (an
 * acrossfade asks for both of its inputs) would decode and queue that clip's
 * pictures until the xfade chain reaches them: hundreds of MB per clip at
 * 1080p. Opened apart, each stream is read only when the graph wants it.
 */
enum input_streams { IN_ALL, IN_VIDEO, IN_AUDIO };

/* Add an input; returns its index. ss/t < 0: not given. */
static int add_input(struct ctx *c, const char *path, double ss, double t, int loop,
                     enum input_streams which)
{
    if (c->measure || which == IN_AUDIO)
        argv_pushv(&c->in, (const char *const[]){"-vn", "-sn", "-dn", NULL});
    else if (which == IN_VIDEO)
        argv_pushv(&c->in, (const char *const[]){"-an", "-sn", "-dn", NULL});
    if (!c->measure && which != IN_AUDIO) {
        /* FFmpeg opens every input's decoder at the start and keeps it, with
         * its threads' contexts and frame pools, to the end; with "auto"
         * (cores + 1, up to 16) a many-clip edit on a big machine holds
         * gigabytes. Clips are decoded one or two at a time, and decoded
         * frames are the same for any thread count. */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        argv_push(&c->in, "-threads");
        argv_pushf(&c->in, "%ld", cpus < 1 ? 1 : cpus > 4 ? 4 : cpus);
    }
    if (loop)
        argv_pushv(&c->in, (const char *const[]){"-stream_loop", "-1", NULL});
    if (ss > 0) {
        argv_push(&c->in, "-ss");
        argv_pushf(&c->in, "%.6f", ss);
    }
    if (t > 0) {
        argv_push(&c->in, "-t");
        argv_pushf(&c->in, "%.6f", t);
    }
    argv_push(&c->in, "-i");
    push_input_url(c, path);
    return c->ninputs++;
}

static void fps_str(const struct ctx *c, char *dst, size_t n)
{
    snprintf(dst, n, "%d/%d", c->tl.g.num, c->tl.g.den);
}

/* A frame-accurate enable window [start, end) in frames, as an expression
 * with half-frame margins so float time never lands on the boundary. */
static void add_enable(struct ctx *c, long start, long end)
{
    double h = rtl_seconds(&c->tl.g, 1) / 2;
    char e[128];
    snprintf(e, sizeof(e), "between(t,%.6f,%.6f)", rtl_seconds(&c->tl.g, start) - h,
             rtl_seconds(&c->tl.g, end) - h);
    buf_adds(&c->g, ":");
    add_kv(c, "enable", e);
}

/* Write a file in the work directory; returns its path (caller frees). */
static char *work_file(struct ctx *c, const char *stem, const char *ext, const char *data,
                       size_t len)
{
    char *path = xasprintf("%s/%s-%d.%s", c->workdir, stem, c->nfiles++, ext);
    if (write_file_atomic(path, data, len, c->err) != REEL_OK) {
        free(path);
        return NULL;
    }
    return path;
}

/* ---- the picture of one source made to fit the output frame ---- */

static void fit_chain(struct ctx *c, const struct media_info *mi, enum plan_fit fit, double fx,
                      double fy)
{
    int sw, sh;
    media_display_size(mi, &sw, &sh);
    if (sw <= 0 || sh <= 0) {
        sw = c->W;
        sh = c->H;
    }
    int W = c->W, H = c->H;
    if (fit == FIT_STRETCH) {
        buf_addf(&c->g, "scale=%d:%d", W, H);
    } else if (fit == FIT_COVER) {
        double s = fmax((double)W / sw, (double)H / sh);
        int nw = (int)ceil(sw * s - 1e-6), nh = (int)ceil(sh * s - 1e-6);
        if (nw < W)
            nw = W;
        if (nh < H)
            nh = H;
        long x = lround(fx * nw - W / 2.0), y = lround(fy * nh - H / 2.0);
        x = x < 0 ? 0 : x > nw - W ? nw - W : x;
        y = y < 0 ? 0 : y > nh - H ? nh - H : y;
        buf_addf(&c->g, "scale=%d:%d,crop=%d:%d:%ld:%ld", nw, nh, W, H, x, y);
    } else {
        double s = fmin((double)W / sw, (double)H / sh);
        int nw = (int)lround(sw * s), nh = (int)lround(sh * s);
        nw = nw > W ? W : nw < 2 ? 2 : nw;
        nh = nh > H ? H : nh < 2 ? 2 : nh;
        nw -= nw % 2;
        nh -= nh % 2;
        char bg[16];
        buf_addf(&c->g, "scale=%d:%d,pad=%d:%d:%d:%d:color=%s", nw, nh, W, H, (W - nw) / 2,
                 (H - nh) / 2, color_hex(bg, sizeof(bg), &c->p->output.background, 0));
    }
    buf_adds(&c->g, ",setsar=1");
}

/*
 * What every source picture needs before it is timed and fitted, whatever
 * the operation. FFmpeg itself turns pictures by their display matrix or
 * EXIF orientation (autorotation) and reads timestamps from the file's
 * start, so neither appears here. HDR (PQ, HLG) is tone-mapped to SDR
 * BT.709: linear light, BT.709 primaries, Hable's curve, BT.709 transfer,
 * limited range; without zscale in libavfilter it is passed on untouched
 * and the note says so.
 */
static void source_chain(struct ctx *c, const struct plan_asset *a)
{
    const struct media_info *mi = &a->info;
    if (!mi->hdr)
        return;
    const char *name = strrchr(a->path, '/') ? strrchr(a->path, '/') + 1 : a->path;
    if (!avfilter_get_by_name("zscale") || !avfilter_get_by_name("tonemap")) {
        buf_addf(&c->notes, "%s: HDR (%s, %s) NOT tone-mapped: this FFmpeg lacks zscale\n", name,
                 mi->color_transfer, mi->color_primaries);
        return;
    }
    buf_adds(&c->g, "zscale=t=linear:npl=100,format=gbrpf32le,zscale=p=bt709,"
                    "tonemap=tonemap=hable:desat=0,zscale=t=bt709:m=bt709:r=tv,format=yuv420p,");
    buf_addf(&c->notes, "%s: HDR (%s, %s) tone-mapped to SDR BT.709 with zscale+tonemap=hable\n",
             name, mi->color_transfer, mi->color_primaries);
}

/* [k:v] of a still image as an endless stream on the output frame grid */
static void still_chain(struct ctx *c)
{
    /* fps= keeps the timestamps and sets the link's frame rate, which
     * xfade compares between its inputs */
    buf_addf(&c->g, "loop=loop=-1:size=1,settb=%d/%d,setpts=N,fps=%d/%d,", c->tl.g.den, c->tl.g.num,
             c->tl.g.num, c->tl.g.den);
}

static void atempo_chain(struct buf *g, double speed)
{
    double s = speed;
    while (s > 2.0 + 1e-9) {
        buf_adds(g, "atempo=2,");
        s /= 2;
    }
    while (s < 0.5 - 1e-9) {
        buf_adds(g, "atempo=0.5,");
        s /= 0.5;
    }
    if (fabs(s - 1.0) > 1e-9)
        buf_addf(g, "atempo=%.6f,", s);
}

static void aformat(struct ctx *c)
{
    buf_addf(&c->g, "aformat=sample_fmts=fltp:sample_rates=%d:channel_layouts=stereo",
             c->tl.g.sample_rate);
}

/* a mono source plays at full level on both sides (FFmpeg's default
 * mono-to-stereo upmix would lower it by 3 dB) */
static void aconform(struct ctx *c, const struct media_info *mi)
{
    if (mi->channels == 1)
        buf_adds(&c->g, "pan=stereo|c0=c0|c1=c0,");
    aformat(c);
}

static void silence(struct ctx *c, long samples, const char *out)
{
    buf_addf(&c->g, "anullsrc=r=%d:cl=stereo,", c->tl.g.sample_rate);
    aformat(c);
    buf_addf(&c->g, ",atrim=end_sample=%ld[%s];\n", samples, out);
}

/* Kinds whose xfade result at a pixel depends only on the two pixels there
 * and on geometry given as a fraction of the plane's size: they are run on
 * each 4:2:0 plane apart (gray8) and give the same picture as in 4:4:4
 * without resampling the chroma. Fades through black or white need the
 * chroma planes' own black (128), and dissolve's noise would differ between
 * planes: those go through 4:4:4. */
static int xfade_per_plane(enum plan_transition_kind k)
{
    switch (k) {
    case TR_CROSSFADE:
    case TR_WIPE_LEFT:
    case TR_WIPE_RIGHT:
    case TR_SLIDE_LEFT:
    case TR_SLIDE_UP:
    case TR_CIRCLE_OPEN:
        return 1;
    case TR_FADE_BLACK:
    case TR_FADE_WHITE:
    case TR_DISSOLVE:
        return 0;
    }
    return 0;
}

static const char *xfade_name(enum plan_transition_kind k)
{
    switch (k) {
    case TR_CROSSFADE:
        return "fade";
    case TR_FADE_BLACK:
        return "fadeblack";
    case TR_FADE_WHITE:
        return "fadewhite";
    case TR_WIPE_LEFT:
        return "wipeleft";
    case TR_WIPE_RIGHT:
        return "wiperight";
    case TR_SLIDE_LEFT:
        return "slideleft";
    case TR_SLIDE_UP:
        return "slideup";
    case TR_CIRCLE_OPEN:
        return "circleopen";
    case TR_DISSOLVE:
        return "dissolve";
    }
    return "fade";
}

/* the transition op that follows cut `ci`, or -1 */
static long transition_after(const struct plan *p, size_t ci)
{
    const char *id = p->ops[ci].id;
    if (!id)
        return -1;
    for (size_t j = 0; j < p->nops; j++)
        if (p->ops[j].kind == OP_TRANSITION && p->ops[j].after && !strcmp(p->ops[j].after, id))
            return (long)j;
    return -1;
}

/* ---- the storyline ---- */

/* A cut's picture on the storyline: its label, its length in frames and
 * the transition into the next cut (frames, op index; 0 / -1: a hard cut). */
struct vclip {
    char label[32];
    long frames, out_t;
    long tr;
};

/*
 * Join the cuts' pictures. xfade (FFmpeg 5.1) works in 4:4:4 only, so a
 * chain of xfades converts every frame of every clip to 4:4:4 and back,
 * transition or not. Instead each clip is split into the frames that meet
 * the previous clip, its middle, and the frames that meet the next; only
 * the meeting frames go through xfade, and the whole is one concat.
 */
static void join_pictures(struct ctx *c, const struct vclip *v, size_t nv, char *out, size_t n)
{
    const struct plan *p = c->p;
    if (nv == 1) {
        snprintf(out, n, "%s", v[0].label);
        return;
    }
    struct buf segs = BUF_INIT;
    size_t nseg = 0;
    char prev_tail[32] = "";
    for (size_t k = 0; k < nv; k++) {
        long in_t = k ? v[k - 1].out_t : 0, out_t = k + 1 < nv ? v[k].out_t : 0;
        long F = v[k].frames;
        char head[32] = "", body[32], tail[32] = "";
        int parts = 1 + (in_t > 0) + (out_t > 0);
        label(c, body, sizeof(body), "vb");
        if (in_t > 0)
            label(c, head, sizeof(head), "vh");
        if (out_t > 0)
            label(c, tail, sizeof(tail), "vt");
        char src[3][32];
        if (parts > 1) {
            buf_addf(&c->g, "[%s]split=%d", v[k].label, parts);
            for (int i = 0; i < parts; i++) {
                label(c, src[i], sizeof(src[i]), "vs");
                buf_addf(&c->g, "[%s]", src[i]);
            }
            buf_adds(&c->g, ";\n");
        } else {
            snprintf(src[0], sizeof(src[0]), "%s", v[k].label);
        }
        int si = 0;
        if (in_t > 0)
            buf_addf(&c->g, "[%s]trim=end_frame=%ld,setpts=PTS-STARTPTS[%s];\n", src[si++], in_t,
                     head);
        if (parts > 1)
            buf_addf(&c->g, "[%s]trim=start_frame=%ld:end_frame=%ld,setpts=PTS-STARTPTS[%s];\n",
                     src[si++], in_t, F - out_t, body);
        else
            snprintf(body, sizeof(body), "%s", src[0]);
        if (out_t > 0)
            buf_addf(&c->g, "[%s]trim=start_frame=%ld,setpts=PTS-STARTPTS[%s];\n", src[si++],
                     F - out_t, tail);
        if (in_t > 0) {
            char x[32];
            label(c, x, sizeof(x), "vx");
            enum plan_transition_kind kind = p->ops[v[k - 1].tr].transition;
            double d = rtl_seconds(&c->tl.g, in_t);
            if (xfade_per_plane(kind)) {
                char pa[3][32], pb[3][32], px[3][32];
                for (int i = 0; i < 3; i++) {
                    label(c, pa[i], sizeof(pa[i]), "xa");
                    label(c, pb[i], sizeof(pb[i]), "xb");
                    label(c, px[i], sizeof(px[i]), "xp");
                }
                buf_addf(&c->g, "[%s]extractplanes=y+u+v[%s][%s][%s];\n", prev_tail, pa[0], pa[1],
                         pa[2]);
                buf_addf(&c->g, "[%s]extractplanes=y+u+v[%s][%s][%s];\n", head, pb[0], pb[1],
                         pb[2]);
                for (int i = 0; i < 3; i++)
                    buf_addf(&c->g, "[%s][%s]xfade=transition=%s:duration=%.6f:offset=0[%s];\n",
                             pa[i], pb[i], xfade_name(kind), d, px[i]);
                buf_addf(&c->g, "[%s][%s][%s]mergeplanes=0x001020:yuv420p[%s];\n", px[0], px[1],
                         px[2], x);
            } else {
                buf_addf(&c->g,
                         "[%s][%s]xfade=transition=%s:duration=%.6f:offset=0,format=yuv420p[%s];\n",
                         prev_tail, head, xfade_name(kind), d, x);
            }
            buf_addf(&segs, "[%s]", x);
            nseg++;
        }
        buf_addf(&segs, "[%s]", body);
        nseg++;
        snprintf(prev_tail, sizeof(prev_tail), "%s", tail);
    }
    label(c, out, n, "sv");
    buf_addf(&c->g, "%sconcat=n=%zu:v=1:a=0[%s];\n", segs.buf, nseg, out);
    buf_release(&segs);
}

static enum reel_code storyline(struct ctx *c, char *sv, char *sa, size_t n)
{
    const struct plan *p = c->p;
    char fps[32];
    fps_str(c, fps, sizeof(fps));
    char cura[32] = "";
    long prev = -1;
    VEC(struct vclip) clips = VEC_INIT;
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_CUT)
            continue;
        const struct plan_asset *a = asset_of(c, op->asset, i);
        if (!a)
            return c->err ? c->err->code : REEL_EINVAL;
        const struct media_info *mi = &a->info;
        const struct rspan *s = &c->tl.spans[i];
        double speed = op->speed > 0 ? op->speed : 1.0;
        int image = mi->kind == MEDIA_IMAGE;
        int want_audio = !image && mi->has_audio && !op->mute;
        int k = -1, ka = -1;
        double ss = image ? -1 : rtl_seconds(&c->tl.g, s->in_frame);
        double t = image ? -1
                         : rtl_seconds(&c->tl.g, s->frames) * speed + 2 * rtl_seconds(&c->tl.g, 1);
        if (!c->measure)
            k = add_input(c, a->path, ss, t, 0, want_audio ? IN_VIDEO : IN_ALL);
        if (want_audio)
            ka = add_input(c, a->path, ss, t, 0, IN_AUDIO);
        char vl[32], al[32];
        label(c, vl, sizeof(vl), "vc");
        label(c, al, sizeof(al), "ac");
        if (!c->measure) {
            buf_addf(&c->g, "[%d:v]", k);
            source_chain(c, a);
            if (image)
                still_chain(c);
            else
                buf_addf(&c->g, "setpts=(PTS-STARTPTS)/%.6f,fps=%s,", speed, fps);
            if (mi->has_alpha)
                buf_adds(&c->g, "format=rgba,");
            fit_chain(c, mi, op->fit, op->focus_x, op->focus_y);
            buf_addf(&c->g, ",tpad=stop=-1:stop_mode=clone,trim=end_frame=%ld", s->frames);
            if (mi->has_alpha) {
                char bg[16], fl[32], bl[32];
                label(c, fl, sizeof(fl), "fg");
                label(c, bl, sizeof(bl), "bg");
                buf_addf(&c->g,
                         "[%s];\ncolor=c=%s:s=%dx%d:r=%s,trim=end_frame=%ld[%s];\n[%s][%s]"
                         "overlay=format=yuv420:shortest=1",
                         fl, color_hex(bg, sizeof(bg), &p->output.background, 0), c->W, c->H, fps,
                         s->frames, bl, bl, fl);
            }
            buf_addf(&c->g, ",format=yuv420p,settb=%d/%d,setpts=N[%s];\n", c->tl.g.den, c->tl.g.num,
                     vl);
        }
        /* sound: exact samples of this cut's span on the timeline */
        long ns = rtl_samples(&c->tl.g, s->end) - rtl_samples(&c->tl.g, s->start);
        if (want_audio) {
            buf_addf(&c->g, "[%d:a]asetpts=PTS-STARTPTS,", ka);
            atempo_chain(&c->g, speed);
            aconform(c, mi);
            if (fabs(op->volume_db) > 1e-9)
                buf_addf(&c->g, ",volume=%.3fdB", op->volume_db);
            buf_addf(&c->g, ",apad,atrim=end_sample=%ld[%s];\n", ns, al);
        } else {
            silence(c, ns, al);
        }
        /* join: sound now, pictures once every cut is known */
        struct vclip vc = {.frames = s->frames, .out_t = 0, .tr = -1};
        snprintf(vc.label, sizeof(vc.label), "%s", vl);
        if (prev < 0) {
            snprintf(cura, sizeof(cura), "%s", al);
        } else {
            long tr = transition_after(p, (size_t)prev);
            char na[32];
            label(c, na, sizeof(na), "sa");
            if (tr >= 0 && c->tl.spans[tr].frames > 0) {
                long T = c->tl.spans[tr].frames;
                long tns = rtl_samples(&c->tl.g, s->start + T) - rtl_samples(&c->tl.g, s->start);
                clips.v[clips.n - 1].out_t = T;
                clips.v[clips.n - 1].tr = tr;
                buf_addf(&c->g, "[%s][%s]acrossfade=ns=%ld:c1=tri:c2=tri[%s];\n", cura, al, tns,
                         na);
            } else {
                buf_addf(&c->g, "[%s][%s]concat=n=2:v=0:a=1[%s];\n", cura, al, na);
            }
            snprintf(cura, sizeof(cura), "%s", na);
        }
        VEC_PUSH(&clips, vc);
        prev = (long)i;
    }
    if (prev < 0) {
        VEC_FREE(&clips);
        return reel_fail(c->err, REEL_EINVAL, "$.operations", "the plan has no cut");
    }
    if (!c->measure)
        join_pictures(c, clips.v, clips.n, sv, n);
    VEC_FREE(&clips);
    snprintf(sa, n, "%s", cura);
    return REEL_OK;
}

/* ---- picture layers ---- */

/* x, y of a box of w x h at a position, margin in pixels */
static void place(const struct plan_position *pos, int W, int H, int w, int h, int m, long *x,
                  long *y)
{
    long l = m, cx = (W - w) / 2, r = W - w - m;
    long t = m, cy = (H - h) / 2, b = H - h - m;
    switch (pos->anchor) {
    case POS_TOP_LEFT:
        *x = l, *y = t;
        break;
    case POS_TOP:
        *x = cx, *y = t;
        break;
    case POS_TOP_RIGHT:
        *x = r, *y = t;
        break;
    case POS_LEFT:
        *x = l, *y = cy;
        break;
    case POS_CENTER:
        *x = cx, *y = cy;
        break;
    case POS_RIGHT:
        *x = r, *y = cy;
        break;
    case POS_BOTTOM_LEFT:
        *x = l, *y = b;
        break;
    case POS_BOTTOM:
        *x = cx, *y = b;
        break;
    case POS_BOTTOM_RIGHT:
        *x = r, *y = b;
        break;
    case POS_XY:
        /* (x, y) is where the box's centre goes */
        *x = lround(pos->x * W - w / 2.0);
        *y = lround(pos->y * H - h / 2.0);
        break;
    }
}

static enum reel_code color_op(struct ctx *c, size_t i, char *cur, size_t n)
{
    const struct plan_op *op = &c->p->ops[i];
    const struct rspan *s = &c->tl.spans[i];
    if (s->frames <= 0)
        return REEL_OK;
    char out[32];
    label(c, out, sizeof(out), "cg");
    buf_addf(&c->g, "[%s]", cur);
    int any = 0;
    if (fabs(op->brightness) > 1e-9 || fabs(op->contrast - 1) > 1e-9 ||
        fabs(op->saturation - 1) > 1e-9 || fabs(op->gamma - 1) > 1e-9) {
        buf_addf(&c->g, "eq=brightness=%.4f:contrast=%.4f:saturation=%.4f:gamma=%.4f",
                 op->brightness, op->contrast, op->saturation, op->gamma);
        add_enable(c, s->start, s->end);
        any = 1;
    }
    const char *lut = op->lut ? op->lut : NULL;
    if (lut) {
        const struct plan_asset *a = asset_of(c, lut, i);
        if (!a)
            return c->err ? c->err->code : REEL_EINVAL;
        if (any)
            buf_addch(&c->g, ',');
        buf_adds(&c->g, "lut3d=");
        add_kv(c, "file", a->path);
        add_enable(c, s->start, s->end);
        any = 1;
    }
    if (!any)
        buf_adds(&c->g, "null");
    buf_addf(&c->g, "[%s];\n", out);
    snprintf(cur, n, "%s", out);
    return REEL_OK;
}

static enum reel_code overlay_op(struct ctx *c, size_t i, char *cur, size_t n, char *ov_audio,
                                 size_t an)
{
    const struct plan_op *op = &c->p->ops[i];
    const struct rspan *s = &c->tl.spans[i];
    ov_audio[0] = 0;
    if (s->frames <= 0)
        return REEL_OK;
    const struct plan_asset *a = asset_of(c, op->asset, i);
    if (!a)
        return c->err ? c->err->code : REEL_EINVAL;
    const struct media_info *mi = &a->info;
    int image = mi->kind == MEDIA_IMAGE;
    int want_audio = op->audio && !image && mi->has_audio;
    double span_s = rtl_seconds(&c->tl.g, s->frames);
    long ns = rtl_samples(&c->tl.g, s->end) - rtl_samples(&c->tl.g, s->start);
    long delay = rtl_samples(&c->tl.g, s->start);
    if (c->measure && !want_audio)
        return REEL_OK;
    double oss = image ? -1 : op->in, ot = image ? -1 : span_s + 0.1;
    int k = c->measure ? -1 : add_input(c, a->path, oss, ot, 0, want_audio ? IN_VIDEO : IN_ALL);
    int ka = want_audio ? add_input(c, a->path, oss, ot, 0, IN_AUDIO) : -1;
    if (!c->measure) {
        int sw, sh;
        media_display_size(mi, &sw, &sh);
        if (sw <= 0 || sh <= 0)
            sw = c->W, sh = c->H;
        int w = (int)lround(op->width * c->W);
        if (w < 2)
            w = 2;
        int h = (int)lround((double)w * sh / sw);
        w += w % 2;
        h += h % 2;
        long x = 0, y = 0;
        place(&op->position, c->W, c->H, w, h, (int)lround(op->margin * c->W), &x, &y);
        char fps[32], ol[32], out[32];
        fps_str(c, fps, sizeof(fps));
        label(c, ol, sizeof(ol), "ov");
        label(c, out, sizeof(out), "vo");
        buf_addf(&c->g, "[%d:v]", k);
        source_chain(c, a);
        if (image)
            still_chain(c);
        else
            buf_addf(&c->g, "setpts=PTS-STARTPTS,fps=%s,", fps);
        buf_addf(&c->g, "scale=%d:%d,setsar=1,format=rgba", w, h);
        if (op->opacity < 1)
            buf_addf(&c->g, ",colorchannelmixer=aa=%.4f", op->opacity);
        buf_addf(&c->g, ",trim=end_frame=%ld,settb=%d/%d,setpts=N+%ld[%s];\n", s->frames,
                 c->tl.g.den, c->tl.g.num, s->start, ol);
        buf_addf(&c->g, "[%s][%s]overlay=x=%ld:y=%ld:eof_action=pass:format=yuv420", cur, ol, x, y);
        add_enable(c, s->start, s->end);
        buf_addf(&c->g, "[%s];\n", out);
        snprintf(cur, n, "%s", out);
    }
    if (want_audio) {
        char al[32];
        label(c, al, sizeof(al), "oa");
        buf_addf(&c->g, "[%d:a]asetpts=PTS-STARTPTS,", ka);
        aconform(c, mi);
        if (fabs(op->volume_db) > 1e-9)
            buf_addf(&c->g, ",volume=%.3fdB", op->volume_db);
        buf_addf(&c->g, ",atrim=end_sample=%ld", ns);
        if (delay > 0)
            buf_addf(&c->g, ",adelay=delays=%ldS:all=1", delay);
        buf_addf(&c->g, "[%s];\n", al);
        snprintf(ov_audio, an, "%s", al);
    }
    return REEL_OK;
}

/* drawtext options shared by text ops: font, size, colours, outline, box */
static void text_style(struct ctx *c, const struct plan_text_style *st, int px)
{
    char col[16];
    add_kv(c, "font", st->font && *st->font ? st->font : "DejaVu Sans");
    buf_addf(&c->g, ":fontsize=%d:fontcolor=%s", px, color_hex(col, sizeof(col), &st->color, 1));
    if (st->outline.set)
        buf_addf(&c->g, ":borderw=%d:bordercolor=%s", px / 16 > 1 ? px / 16 : 1,
                 color_hex(col, sizeof(col), &st->outline, 1));
    if (st->box.set)
        buf_addf(&c->g, ":box=1:boxcolor=%s:boxborderw=%d",
                 color_hex(col, sizeof(col), &st->box, 1), px / 4 > 1 ? px / 4 : 1);
    buf_addf(&c->g, ":line_spacing=%d", px / 5);
}

static enum reel_code text_op(struct ctx *c, size_t i, char *cur, size_t n)
{
    const struct plan_op *op = &c->p->ops[i];
    const struct rspan *s = &c->tl.spans[i];
    if (s->frames <= 0 || !op->text || !*op->text)
        return REEL_OK;
    char *file = work_file(c, "text", "txt", op->text, strlen(op->text));
    if (!file)
        return c->err ? c->err->code : REEL_ESYS;
    int px = (int)lround((op->style.size > 0 ? op->style.size : 0.06) * c->H);
    if (px < 4)
        px = 4;
    /* title-safe: 5% of each dimension from the edges */
    int mx = (int)lround(0.05 * c->W), my = (int)lround(0.05 * c->H);
    char xe[160], ye[160];
    const char *xl = "(w-text_w)/2", *yl = "(h-text_h)/2";
    switch (op->position.anchor) {
    case POS_TOP_LEFT:
    case POS_LEFT:
    case POS_BOTTOM_LEFT:
        snprintf(xe, sizeof(xe), "%d", mx);
        break;
    case POS_TOP_RIGHT:
    case POS_RIGHT:
    case POS_BOTTOM_RIGHT:
        snprintf(xe, sizeof(xe), "w-text_w-%d", mx);
        break;
    case POS_XY:
        snprintf(xe, sizeof(xe), "max(0,min(w-text_w,%.6f*w-text_w/2))", op->position.x);
        break;
    default:
        snprintf(xe, sizeof(xe), "%s", xl);
    }
    switch (op->position.anchor) {
    case POS_TOP_LEFT:
    case POS_TOP:
    case POS_TOP_RIGHT:
        snprintf(ye, sizeof(ye), "%d", my);
        break;
    case POS_BOTTOM_LEFT:
    case POS_BOTTOM:
    case POS_BOTTOM_RIGHT:
        snprintf(ye, sizeof(ye), "h-text_h-%d", my);
        break;
    case POS_XY:
        snprintf(ye, sizeof(ye), "max(0,min(h-text_h,%.6f*h-text_h/2))", op->position.y);
        break;
    default:
        snprintf(ye, sizeof(ye), "%s", yl);
    }
    char out[32];
    label(c, out, sizeof(out), "tx");
    buf_addf(&c->g, "[%s]drawtext=", cur);
    add_kv(c, "textfile", file);
    buf_adds(&c->g, ":expansion=none:");
    text_style(c, &op->style, px);
    buf_adds(&c->g, ":");
    add_kv(c, "x", xe);
    buf_adds(&c->g, ":");
    add_kv(c, "y", ye);
    add_enable(c, s->start, s->end);
    buf_addf(&c->g, "[%s];\n", out);
    snprintf(cur, n, "%s", out);
    free(file);
    return REEL_OK;
}

#define MIN_CLIPPED_CUE_S 0.4

/* The cues captions op i burns in: from its cues or the transcripts, kept to
 * the op's span of the timeline. */
static enum reel_code op_cues(const struct plan *p, const struct rtl *tl, const json_t *transcripts,
                              size_t i, struct cap_list *cues, struct reel_err *err)
{
    const struct plan_op *op = &p->ops[i];
    int maxc = op->style.max_chars_per_line > 0 ? op->style.max_chars_per_line : 42;
    int maxl = op->style.max_lines > 0 ? op->style.max_lines : 2;
    if (op->source_transcript) {
        enum reel_code rc = captions_from_transcript(p, tl, transcripts, maxc, maxl, cues, err);
        if (rc)
            return rc;
    } else {
        captions_from_cues(op, tl, cues);
    }
    const struct rspan *s = &tl->spans[i];
    double lo = rtl_seconds(&tl->g, s->start), hi = rtl_seconds(&tl->g, s->end);
    size_t kept = 0;
    for (size_t j = 0; j < cues->n; j++) {
        struct cap_cue *q = &cues->v[j];
        int outside = q->end <= lo || q->start >= hi;
        int clipped = q->start < lo || q->end > hi;
        double start = q->start < lo ? lo : q->start, end = q->end > hi ? hi : q->end;
        /* a cue cut down by the span's edge to a flash nobody can read is
         * left out rather than blinked on screen */
        if (outside || (clipped && end - start < MIN_CLIPPED_CUE_S)) {
            cap_cue_release(q);
            continue;
        }
        q->start = start;
        q->end = end;
        cues->v[kept++] = *q;
    }
    cues->n = kept;
    return REEL_OK;
}

size_t render_cues_spoken(const json_t *cues)
{
    size_t i, n = 0;
    const json_t *q;
    json_array_foreach(cues, i, q) n += strcmp(json_get_str(q, "source", "plan"), "plan") != 0;
    return n;
}

enum reel_code render_caption_cues(const struct plan *p, const json_t *transcripts, json_t **out,
                                   struct reel_err *err)
{
    *out = NULL;
    struct rtl tl;
    enum reel_code rc = rtl_build(p, &tl, err);
    if (rc)
        return rc;
    json_t *a = json_array();
    for (size_t i = 0; i < p->nops && !rc; i++) {
        if (p->ops[i].kind != OP_CAPTIONS)
            continue;
        struct cap_list cues = {0};
        rc = op_cues(p, &tl, transcripts, i, &cues, err);
        for (size_t j = 0; !rc && j < cues.n; j++) {
            const struct cap_cue *q = &cues.v[j];
            /* where the words came from, and how sure the recogniser was */
            double conf = 0;
            int script = q->nwords > 0;
            for (size_t k = 0; k < q->nwords; k++) {
                conf += q->words[k].confidence;
                script = script && q->words[k].script;
            }
            const char *source = !q->nwords ? "plan" : script ? "script" : "speech";
            json_t *cue =
                json_pack("{s:I, s:f, s:f, s:s, s:s, s:f}", "op", (json_int_t)i, "start",
                          q->start, "end", q->end, "text", q->text ? q->text : "", "source",
                          source, "confidence", q->nwords ? conf / (double)q->nwords : 1.0);
            if (q->nwords) {
                json_t *ws = json_array();
                for (size_t k = 0; k < q->nwords; k++)
                    json_array_append_new(ws, json_pack("{s:s, s:f, s:f}", "word",
                                                        q->words[k].word ? q->words[k].word : "",
                                                        "start", q->words[k].start, "end",
                                                        q->words[k].end));
                json_object_set_new(cue, "words", ws);
            }
            json_array_append_new(a, cue);
        }
        cap_list_release(&cues);
    }
    rtl_release(&tl);
    if (rc)
        json_decref(a);
    else
        *out = a;
    return rc;
}

static enum reel_code captions_op(struct ctx *c, size_t i, char *cur, size_t n)
{
    const struct plan_op *op = &c->p->ops[i];
    struct cap_list cues = {0};
    enum reel_code rc = op_cues(c->p, &c->tl, c->o->transcripts, i, &cues, c->err);
    if (rc)
        return rc;
    if (!cues.n) {
        cap_list_release(&cues);
        return REEL_OK;
    }
    struct buf ass = BUF_INIT;
    captions_write_ass(op, &cues, c->W, c->H, &ass);
    cap_list_release(&cues);
    char *file = work_file(c, "captions", "ass", ass.buf, ass.len);
    buf_release(&ass);
    if (!file)
        return c->err ? c->err->code : REEL_ESYS;
    char out[32];
    label(c, out, sizeof(out), "cc");
    buf_addf(&c->g, "[%s]subtitles=", cur);
    add_kv(c, "filename", file);
    buf_addf(&c->g, ":original_size=%dx%d[%s];\n", c->W, c->H, out);
    snprintf(cur, n, "%s", out);
    free(file);
    return REEL_OK;
}

/* ---- sound: beds ---- */

static enum reel_code audio_op(struct ctx *c, size_t i, char *out, size_t n, int *duck)
{
    const struct plan_op *op = &c->p->ops[i];
    const struct rspan *s = &c->tl.spans[i];
    out[0] = 0;
    *duck = 0;
    if (s->frames <= 0)
        return REEL_OK;
    const struct plan_asset *a = asset_of(c, op->asset, i);
    if (!a)
        return c->err ? c->err->code : REEL_EINVAL;
    if (!a->info.has_audio)
        return REEL_OK;
    double span_s = rtl_seconds(&c->tl.g, s->frames);
    long ns = rtl_samples(&c->tl.g, s->end) - rtl_samples(&c->tl.g, s->start);
    long delay = rtl_samples(&c->tl.g, s->start);
    int k = add_input(c, a->path, op->in, op->loop ? -1 : span_s + 0.1, op->loop, IN_AUDIO);
    label(c, out, n, "bed");
    buf_addf(&c->g, "[%d:a]asetpts=PTS-STARTPTS,", k);
    aconform(c, &a->info);
    if (fabs(op->volume_db) > 1e-9)
        buf_addf(&c->g, ",volume=%.3fdB", op->volume_db);
    buf_addf(&c->g, ",atrim=end_sample=%ld", ns);
    /* the bed's own length (it may end before its span when not looping) */
    double len = span_s;
    if (!op->loop && a->info.duration > 0 && a->info.duration - op->in < len)
        len = a->info.duration - op->in;
    if (op->fade_in > 0)
        buf_addf(&c->g, ",afade=t=in:st=0:d=%.6f", fmin(op->fade_in, len));
    if (op->fade_out > 0) {
        double d = fmin(op->fade_out, len);
        buf_addf(&c->g, ",afade=t=out:st=%.6f:d=%.6f", len - d, d);
    }
    if (delay > 0)
        buf_addf(&c->g, ",adelay=delays=%ldS:all=1", delay);
    buf_addf(&c->g, "[%s];\n", out);
    *duck = op->duck;
    return REEL_OK;
}

/*
 * Ducking: the bed is lowered by exactly amount_db while the storyline's
 * sound is above a speech threshold. A gate keyed by the storyline passes
 * the bed only during speech; subtracting (1 - A) of that from the bed
 * leaves A x bed during speech and the bed untouched elsewhere, with the
 * gate's attack and release as the ramps.
 */
static void duck_bed(struct ctx *c, const char *bed, const char *key, double amount_db, char *out,
                     size_t n)
{
    double A = pow(10.0, (amount_db > 0 ? -amount_db : amount_db) / 20.0);
    char b1[32], b2[32], gl[32];
    label(c, b1, sizeof(b1), "db");
    label(c, b2, sizeof(b2), "db");
    label(c, gl, sizeof(gl), "dg");
    label(c, out, n, "dk");
    buf_addf(&c->g, "[%s]asplit=2[%s][%s];\n", bed, b1, b2);
    /* the subtraction is a negative volume: amix's own weights lose
     * their sign when both inputs come from the same asplit */
    buf_addf(&c->g,
             "[%s][%s]sidechaingate=threshold=0.02:range=0:ratio=9000:knee=1:attack=20:"
             "release=300:detection=rms,volume=%.6f[%s];\n",
             b1, key, -(1.0 - A), gl);
    buf_addf(&c->g, "[%s][%s]amix=inputs=2:normalize=0:duration=first[%s];\n", b2, gl, out);
}

/* ---- the whole graph ---- */

static enum reel_code build_graph(struct ctx *c)
{
    const struct plan *p = c->p;
    char sv[32], sa[32];
    enum reel_code rc = storyline(c, sv, sa, sizeof(sv));
    if (rc)
        return rc;
    char cur[32];
    snprintf(cur, sizeof(cur), "%s", sv);
    VEC(char *) mix = VEC_INIT;
    VEC(size_t) beds = VEC_INIT;

    /* picture layers in a fixed order: grade the storyline, then put
     * overlays, titles and captions on top, then fade everything */
    if (!c->measure)
        for (size_t i = 0; i < p->nops && !rc; i++)
            if (p->ops[i].kind == OP_COLOR)
                rc = color_op(c, i, cur, sizeof(cur));
    for (size_t i = 0; i < p->nops && !rc; i++)
        if (p->ops[i].kind == OP_OVERLAY) {
            char oa[32];
            rc = overlay_op(c, i, cur, sizeof(cur), oa, sizeof(oa));
            if (!rc && oa[0])
                VEC_PUSH(&mix, xstrdup(oa));
        }
    if (!c->measure) {
        for (size_t i = 0; i < p->nops && !rc; i++)
            if (p->ops[i].kind == OP_TEXT)
                rc = text_op(c, i, cur, sizeof(cur));
        for (size_t i = 0; i < p->nops && !rc; i++)
            if (p->ops[i].kind == OP_CAPTIONS)
                rc = captions_op(c, i, cur, sizeof(cur));
    }
    /* sound beds */
    int nduck = 0;
    VEC(char *) bedl = VEC_INIT;
    VEC(double) bedamt = VEC_INIT;
    for (size_t i = 0; i < p->nops && !rc; i++)
        if (p->ops[i].kind == OP_AUDIO) {
            char bl[32];
            int duck = 0;
            rc = audio_op(c, i, bl, sizeof(bl), &duck);
            if (!rc && bl[0]) {
                VEC_PUSH(&bedl, xstrdup(bl));
                VEC_PUSH(&bedamt, duck ? p->ops[i].duck_amount_db : 1.0);
                VEC_PUSH(&beds, i);
                nduck += duck;
            }
        }
    if (rc)
        goto out;
    /* the storyline's sound, split when beds duck under it */
    char samix[32];
    snprintf(samix, sizeof(samix), "%s", sa);
    if (nduck) {
        label(c, samix, sizeof(samix), "sm");
        buf_addf(&c->g, "[%s]asplit=%d[%s]", sa, nduck + 1, samix);
        for (int d = 0; d < nduck; d++)
            buf_addf(&c->g, "[key%d]", d);
        buf_adds(&c->g, ";\n");
    }
    {
        int d = 0;
        for (size_t b = 0; b < bedl.n; b++) {
            if (bedamt.v[b] <= 0) {
                char key[32], dk[32];
                snprintf(key, sizeof(key), "key%d", d++);
                duck_bed(c, bedl.v[b], key, bedamt.v[b], dk, sizeof(dk));
                VEC_PUSH(&mix, xstrdup(dk));
            } else {
                VEC_PUSH(&mix, xstrdup(bedl.v[b]));
            }
        }
    }
    char am[32];
    label(c, am, sizeof(am), "mix");
    buf_addf(&c->g, "[%s]", samix);
    for (size_t m = 0; m < mix.n; m++)
        buf_addf(&c->g, "[%s]", mix.v[m]);
    if (mix.n)
        buf_addf(&c->g, "amix=inputs=%zu:duration=first:normalize=0:dropout_transition=0[%s];\n",
                 mix.n + 1, am);
    else
        buf_addf(&c->g, "anull[%s];\n", am);

    long total_ns = rtl_samples(&c->tl.g, c->tl.total);
    const struct plan_output *o = &p->output;
    if (c->measure) {
        buf_addf(&c->g, "[%s]loudnorm=I=%.2f:TP=%.2f:LRA=11:print_format=json[aout]\n", am,
                 o->loudness_lufs, o->true_peak_dbtp);
        goto out;
    }
    /* sound: loudness, fades, exact length */
    buf_addf(&c->g, "[%s]", am);
    if (o->loudness_set) {
        const struct render_loudness *L = &c->o->loudness;
        if (L->set)
            buf_addf(&c->g,
                     "loudnorm=I=%.2f:TP=%.2f:LRA=%.1f:measured_I=%.2f:measured_TP=%.2f:"
                     "measured_LRA=%.2f:measured_thresh=%.2f:offset=%.2f:linear=true:"
                     "print_format=none,",
                     o->loudness_lufs, o->true_peak_dbtp, fmin(50, fmax(11, L->input_lra + 1)),
                     L->input_i, L->input_tp, L->input_lra, L->input_thresh, L->target_offset);
        else
            buf_addf(&c->g, "loudnorm=I=%.2f:TP=%.2f:LRA=11:print_format=none,", o->loudness_lufs,
                     o->true_peak_dbtp);
        buf_addf(&c->g, "aresample=%d,", c->tl.g.sample_rate);
    }
    aformat(c);
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_FADE)
            continue;
        const struct rspan *s = &c->tl.spans[i];
        long s0 = rtl_samples(&c->tl.g, s->start), s1 = rtl_samples(&c->tl.g, s->end);
        buf_addf(&c->g, ",afade=t=%s:ss=%ld:ns=%ld", op->fade_out_kind ? "out" : "in", s0, s1 - s0);
    }
    buf_addf(&c->g, ",apad,atrim=end_sample=%ld[aout];\n", total_ns);

    /* picture: fades, then the output format */
    buf_addf(&c->g, "[%s]", cur);
    for (size_t i = 0; i < p->nops; i++) {
        const struct plan_op *op = &p->ops[i];
        if (op->kind != OP_FADE)
            continue;
        const struct rspan *s = &c->tl.spans[i];
        buf_addf(&c->g, "fade=t=%s:s=%ld:n=%ld,", op->fade_out_kind ? "out" : "in", s->start,
                 s->frames);
    }
    buf_addf(&c->g, "format=yuv420p,trim=end_frame=%ld[vout]\n", c->tl.total);
out:
    for (size_t m = 0; m < mix.n; m++)
        free(mix.v[m]);
    VEC_FREE(&mix);
    for (size_t m = 0; m < bedl.n; m++)
        free(bedl.v[m]);
    VEC_FREE(&bedl);
    VEC_FREE(&bedamt);
    VEC_FREE(&beds);
    return rc;
}

/* ---- encoders and the argv ---- */

static int preset_rank(const char *p) /* 0 ultrafast .. 8 veryslow, placebo 9 */
{
    static const char *const names[] = {"ultrafast", "superfast", "veryfast", "faster",
                                        "fast",      "medium",    "slow",     "slower",
                                        "veryslow",  "placebo"};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (p && !strcmp(p, names[i]))
            return (int)i;
    return 5;
}

static void video_codec_args(struct ctx *c, struct argv *a, int threads)
{
    const struct plan_output *o = &c->p->output;
    const char *preset = c->o->preset ? c->o->preset : o->preset ? o->preset : "medium";
    int rank = preset_rank(preset);
    switch (o->vcodec) {
    case VCODEC_H264:
        argv_pushv(a, (const char *const[]){"-c:v", "libx264", "-preset", preset, NULL});
        argv_push(a, "-crf");
        argv_pushf(a, "%d", o->crf);
        argv_push(a, "-threads");
        argv_pushf(a, "%d", threads);
        break;
    case VCODEC_HEVC:
        argv_pushv(a, (const char *const[]){"-c:v", "libx265", "-preset", preset, NULL});
        argv_push(a, "-crf");
        argv_pushf(a, "%d", o->crf);
        argv_push(a, "-x265-params");
        argv_pushf(a, "log-level=error:pools=%d:frame-threads=%d", threads,
                   threads > 4 ? 4 : threads);
        if (o->container == CONT_MP4 || o->container == CONT_MOV)
            argv_pushv(a, (const char *const[]){"-tag:v", "hvc1", NULL});
        break;
    case VCODEC_VP9: {
        static const int cpu[] = {8, 8, 6, 5, 4, 3, 2, 1, 0, 0};
        argv_pushv(a, (const char *const[]){"-c:v", "libvpx-vp9", "-b:v", "0", "-deadline", "good",
                                            "-row-mt", "1", NULL});
        argv_push(a, "-crf");
        argv_pushf(a, "%d", o->crf > 63 ? 63 : o->crf);
        argv_push(a, "-cpu-used");
        argv_pushf(a, "%d", cpu[rank]);
        argv_push(a, "-threads");
        argv_pushf(a, "%d", threads);
        break;
    }
    case VCODEC_AV1: {
        static const int sp[] = {12, 11, 10, 9, 8, 7, 5, 4, 2, 1};
        argv_pushv(a, (const char *const[]){"-c:v", "libsvtav1", NULL});
        argv_push(a, "-crf");
        argv_pushf(a, "%d", o->crf > 63 ? 63 : o->crf);
        argv_push(a, "-preset");
        argv_pushf(a, "%d", sp[rank]);
        argv_push(a, "-svtav1-params");
        argv_pushf(a, "lp=%d", threads);
        break;
    }
    }
    argv_pushv(a, (const char *const[]){"-pix_fmt", "yuv420p", NULL});
}

static const char *container_format(enum plan_container k)
{
    switch (k) {
    case CONT_MP4:
        return "mp4";
    case CONT_MOV:
        return "mov";
    case CONT_MKV:
        return "matroska";
    case CONT_WEBM:
        return "webm";
    }
    return "mp4";
}

static char *temp_name(const char *output)
{
    const char *slash = strrchr(output, '/');
    const char *base = slash ? slash + 1 : output;
    return xasprintf("%.*s.%s.reel-%ld.part", (int)(base - output), output, base, (long)getpid());
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return xstrdup(".");
    if (slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

enum reel_code render_compile(const struct plan *p, const struct render_opts *opts,
                              const char *output, struct render_cmd *cmd, struct reel_err *err)
{
    static const struct render_opts defaults = RENDER_OPTS_INIT;
    struct ctx c;
    memset(&c, 0, sizeof(c));
    memset(cmd, 0, sizeof(*cmd));
    c.p = p;
    c.o = opts ? opts : &defaults;
    c.err = err;
    c.measure = c.o->measure_only;
    buf_init(&c.g);
    buf_init(&c.notes);
    enum reel_code rc = rtl_build(p, &c.tl, err);
    if (rc)
        return rc;
    c.W = p->output.width;
    c.H = p->output.height;
    if (!output || !*output) {
        rtl_release(&c.tl);
        return reel_fail(err, REEL_EUSAGE, NULL, "no output path");
    }

    cmd->output = xstrdup(output);
    cmd->measure_only = c.measure;
    if (c.o->workdir) {
        cmd->workdir = xstrdup(c.o->workdir);
        if ((rc = mkdir_p(cmd->workdir, err)))
            goto fail;
    } else {
        char *d = dir_of(output);
        char *tmpl = xasprintf("%s/.reel-render-XXXXXX", d);
        free(d);
        if (!mkdtemp(tmpl)) {
            rc = reel_fail(err, REEL_ESYS, tmpl, "cannot create a work directory: %s",
                           strerror(errno));
            free(tmpl);
            goto fail;
        }
        cmd->workdir = tmpl;
        cmd->own_workdir = 1;
    }
    c.workdir = cmd->workdir;
    if ((rc = build_graph(&c)))
        goto fail;

    cmd->filter_script = xstrdup(c.g.buf);
    cmd->notes = buf_detach(&c.notes);
    cmd->script_path = xasprintf("%s/graph%s.txt", cmd->workdir, c.measure ? "-measure" : "");
    if ((rc = write_file_atomic(cmd->script_path, c.g.buf, c.g.len, err)))
        goto fail;
    cmd->fps = c.tl.g.fps;
    cmd->duration = rtl_seconds(&c.tl.g, c.tl.total);
    cmd->frames = c.measure ? 0 : c.tl.total;

    int threads = c.o->threads > 0 ? c.o->threads : RENDER_DEFAULT_THREADS;
    struct argv *a = &cmd->argv;
    argv_push(a, c.o->ffmpeg ? c.o->ffmpeg : config_ffmpeg());
    argv_pushv(a, (const char *const[]){"-nostdin", "-hide_banner", "-nostats", "-loglevel",
                                        "level+info", "-progress", "pipe:1", "-y", NULL});
    for (size_t i = 0; i < c.in.n; i++)
        argv_push(a, c.in.v[i]);
    argv_push(a, "-filter_complex_script");
    argv_push(a, cmd->script_path);
    if (c.measure) {
        argv_pushv(a, (const char *const[]){"-map", "[aout]", "-f", "null", "-", NULL});
    } else {
        const struct plan_output *o = &p->output;
        argv_pushv(a, (const char *const[]){"-map", "[vout]", "-map", "[aout]", NULL});
        video_codec_args(&c, a, threads);
        argv_push(a, "-r");
        argv_pushf(a, "%d/%d", c.tl.g.num, c.tl.g.den);
        int sr = c.tl.g.sample_rate;
        if (o->acodec == ACODEC_OPUS) {
            argv_pushv(a, (const char *const[]){"-c:a", "libopus", NULL});
            sr = 48000;
        } else {
            argv_pushv(a, (const char *const[]){"-c:a", "aac", NULL});
        }
        argv_push(a, "-b:a");
        argv_pushf(a, "%dk", o->audio_bitrate_kbps > 0 ? o->audio_bitrate_kbps : 160);
        argv_push(a, "-ar");
        argv_pushf(a, "%d", sr);
        argv_pushv(a, (const char *const[]){"-ac", "2", "-fflags", "+bitexact", "-flags:v",
                                            "+bitexact", "-flags:a", "+bitexact", "-map_metadata",
                                            "-1", "-map_chapters", "-1", NULL});
        if (o->container == CONT_MP4 || o->container == CONT_MOV)
            argv_pushv(a, (const char *const[]){"-movflags", "+faststart", NULL});
        argv_push(a, "-f");
        argv_push(a, container_format(o->container));
        cmd->temp_output = temp_name(output);
        argv_push(a, cmd->temp_output);
    }
    rtl_release(&c.tl);
    argv_release(&c.in);
    buf_release(&c.g);
    return REEL_OK;
fail:
    rtl_release(&c.tl);
    argv_release(&c.in);
    buf_release(&c.g);
    buf_release(&c.notes);
    render_cmd_release(cmd);
    return rc;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *f = xasprintf("%s/%s", dir, e->d_name);
        unlink(f);
        free(f);
    }
    closedir(d);
    rmdir(dir);
}

void render_cmd_release(struct render_cmd *cmd)
{
    argv_release(&cmd->argv);
    if (cmd->own_workdir && cmd->workdir)
        remove_dir(cmd->workdir);
    free(cmd->filter_script);
    free(cmd->notes);
    free(cmd->script_path);
    free(cmd->workdir);
    free(cmd->output);
    free(cmd->temp_output);
    memset(cmd, 0, sizeof(*cmd));
}

void render_cmd_to_shell(const struct render_cmd *cmd, struct buf *out)
{
    argv_to_shell(out, &cmd->argv);
}
