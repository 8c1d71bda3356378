#include "test_render_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "core/banned.h"

void rt_plan_init(struct plan *p, int w, int h, double fps)
{
    memset(p, 0, sizeof(*p));
    struct plan_output *o = &p->output;
    o->width = w;
    o->height = h;
    o->fps = fps;
    o->vcodec = VCODEC_H264;
    o->crf = 20;
    o->preset = xstrdup("ultrafast");
    o->acodec = ACODEC_AAC;
    o->audio_bitrate_kbps = 128;
    o->sample_rate = 48000;
    o->loudness_set = 0;
    o->loudness_lufs = -14;
    o->true_peak_dbtp = -1;
    o->container = CONT_MP4;
    o->background = (struct plan_color){1, 0, 0, 0, 255};
}

void rt_plan_free(struct plan *p)
{
    plan_release(p);
}

struct plan_op *rt_add_op(struct plan *p, enum plan_op_kind k)
{
    p->ops = xrealloc(p->ops, (p->nops + 1) * sizeof(*p->ops));
    struct plan_op *op = &p->ops[p->nops++];
    memset(op, 0, sizeof(*op));
    op->kind = k;
    op->out = -1;
    op->duration = (k == OP_TRANSITION || k == OP_FADE) ? 0.5 : -1;
    op->speed = 1;
    op->fit = FIT_COVER;
    op->focus_x = op->focus_y = 0.5;
    op->end = -1;
    op->position.anchor = k == OP_CAPTIONS ? POS_BOTTOM : POS_CENTER;
    op->width = 1;
    op->margin = 0.03;
    op->opacity = 1;
    op->style.font = xstrdup("DejaVu Sans");
    op->style.size = 0.06;
    op->style.color = (struct plan_color){1, 255, 255, 255, 255};
    op->style.outline = (struct plan_color){1, 0, 0, 0, 255};
    op->style.max_chars_per_line = 42;
    op->style.max_lines = 2;
    op->duck_amount_db = -10;
    op->contrast = op->saturation = op->gamma = 1;
    return op;
}

struct plan_op *rt_add_cut(struct plan *p, const char *id, const char *asset, double in, double out)
{
    struct plan_op *op = rt_add_op(p, OP_CUT);
    op->id = id ? xstrdup(id) : NULL;
    op->asset = xstrdup(asset);
    op->in = in;
    op->out = out;
    return op;
}

int rt_add_asset(struct plan *p, const char *label, const char *path)
{
    p->assets = xrealloc(p->assets, (p->nassets + 1) * sizeof(*p->assets));
    struct plan_asset *a = &p->assets[p->nassets++];
    memset(a, 0, sizeof(*a));
    a->label = xstrdup(label);
    a->path = xstrdup(path);
    struct reel_err err = REEL_ERR_INIT;
    if (media_probe(path, &a->info, &err) != REEL_OK) {
        fprintf(stderr, "probe %s: %s\n", path, err.msg);
        return -1;
    }
    a->probed = 1;
    return 0;
}

int rt_ffmpeg(const char *const *args)
{
    struct argv a = ARGV_INIT;
    argv_pushv(&a, (const char *const[]){"ffmpeg", "-nostdin", "-v", "error", "-y", NULL});
    argv_pushv(&a, args);
    struct buf e = BUF_INIT;
    int st = -1;
    proc_run(&a, NULL, &e, 0, &st, NULL);
    if (st != 0)
        fprintf(stderr, "ffmpeg failed: %s\n", e.buf);
    buf_release(&e);
    argv_release(&a);
    return st;
}

int rt_make_color(const char *path, const char *color, double seconds, int freq)
{
    char v[128], s[128];
    snprintf(v, sizeof(v), "color=c=%s:s=320x180:r=30:d=%.3f", color, seconds);
    snprintf(s, sizeof(s), "sine=f=%d:r=48000:d=%.3f", freq, seconds);
    return rt_ffmpeg((const char *const[]){"-f", "lavfi", "-i", v, "-f", "lavfi", "-i", s, "-c:v",
                                           "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                                           "-c:a", "aac", "-shortest", path, NULL});
}

int rt_frame_rgb(const char *path, double t, const char *crop, int rgb[3])
{
    char ts[32], vf[160];
    snprintf(ts, sizeof(ts), "%.4f", t);
    snprintf(vf, sizeof(vf), "%s%sscale=1:1:flags=area,format=rgb24", crop ? "crop=" : "",
             crop ? crop : "");
    if (crop)
        snprintf(vf, sizeof(vf), "crop=%s,scale=1:1:flags=area,format=rgb24", crop);
    struct argv a = ARGV_INIT;
    argv_pushv(&a, (const char *const[]){"ffmpeg", "-nostdin", "-v", "error", "-i", path, "-ss", ts,
                                         "-frames:v", "1", "-vf", vf, "-f", "rawvideo", "-", NULL});
    struct buf out = BUF_INIT;
    int st = -1;
    proc_run(&a, &out, NULL, 0, &st, NULL);
    argv_release(&a);
    int ok = st == 0 && out.len >= 3;
    if (ok)
        for (int i = 0; i < 3; i++)
            rgb[i] = (unsigned char)out.buf[i];
    buf_release(&out);
    return ok ? 0 : -1;
}

long rt_frame_count(const char *path)
{
    struct argv a = ARGV_INIT;
    argv_pushv(&a, (const char *const[]){"ffprobe", "-v", "error", "-count_frames",
                                         "-select_streams", "v:0", "-show_entries",
                                         "stream=nb_read_frames", "-of", "csv=p=0", path, NULL});
    struct buf out = BUF_INIT;
    int st = -1;
    proc_run(&a, &out, NULL, 0, &st, NULL);
    argv_release(&a);
    long n = st == 0 ? strtol(out.buf, NULL, 10) : -1;
    buf_release(&out);
    return n;
}

const char *rt_path(const char *name)
{
    static char bufs[8][512];
    static int i;
    char *b = bufs[i++ % 8];
    snprintf(b, 512, "%s/%s", test_tmpdir(), name);
    return b;
}
