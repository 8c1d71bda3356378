/* media_analyze: one decode pass into every analyser, the result document and its cache. */
#include "media/analyze.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "media/analyze_internal.h"
#include "media/decode.h"
#include "media/probe.h"
#include "core/banned.h"

struct actx {
    const struct media_analyze_opts *o;
    struct an_video v;
    struct an_audio *au;
    double duration;
    double last_report;
};

static void report(struct actx *c, double t)
{
    if (!c->o->progress || c->duration <= 0)
        return;
    double fr = t / c->duration;
    if (fr > 1)
        fr = 1;
    if (fr - c->last_report >= 0.005 || fr >= 1) {
        c->last_report = fr;
        c->o->progress(c->o->progress_ctx, fr);
    }
}

static int on_video(void *ctx, const struct media_frame *f)
{
    struct actx *c = ctx;
    an_video_frame(&c->v, f);
    report(c, f->t);
    return 0;
}

static int on_audio(void *ctx, const struct media_audio *a)
{
    struct actx *c = ctx;
    an_audio_samples(c->au, a);
    report(c, a->t);
    return 0;
}

char *media_analyze_cache_path(const char *data_dir, const char *sha256)
{
    return xasprintf("%s/cache/analysis/%s-v%d.json", data_dir, sha256, MEDIA_ANALYZE_VERSION);
}

static const char *const an_names[] = {"shots", "loudness", "speech",
                                       "beats", "motion",   "thumbnails"};

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* A cached result is usable when it has this version and its thumbnails are still there. */
static json_t *cache_load(const char *path)
{
    json_t *j = NULL;
    if (!file_exists(path) || json_parse_file(path, 0, &j, NULL) != REEL_OK)
        return NULL;
    if (!json_is_object(j) || json_get_int(j, "version", 0) != MEDIA_ANALYZE_VERSION) {
        json_decref(j);
        return NULL;
    }
    const char *sheet = json_get_str(j, "contact_sheet", NULL);
    if (sheet && !file_exists(sheet)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

enum reel_code media_analyze(const char *path, const struct media_analyze_opts *opts, json_t **out,
                             struct reel_err *err)
{
    *out = NULL;
    unsigned which = opts->which ? opts->which : MEDIA_AN_ALL;
    if (which & MEDIA_AN_THUMBS)
        which |= MEDIA_AN_SHOTS;
    struct media_info info;
    enum reel_code rc = media_probe(path, &info, err);
    if (rc)
        return rc;
    if (info.kind == MEDIA_LUT)
        return reel_fail(err, REEL_EINVAL, path, "a LUT has no picture or sound to analyse");
    char sha[65];
    if (opts->sha256 && strlen(opts->sha256) == 64)
        snprintf(sha, sizeof(sha), "%s", opts->sha256);
    else if ((rc = sha256_file_hex(path, sha, err)))
        return rc;

    char *cache = NULL;
    if (opts->use_cache && opts->data_dir && which == MEDIA_AN_ALL) {
        cache = media_analyze_cache_path(opts->data_dir, sha);
        json_t *j = cache_load(cache);
        if (j) {
            json_object_set_new(j, "cached", json_true());
            free(cache);
            if (opts->progress)
                opts->progress(opts->progress_ctx, 1.0);
            *out = j;
            return REEL_OK;
        }
    }
    char *thumbs = NULL;
    if (which & MEDIA_AN_THUMBS) {
        if (opts->thumb_dir)
            thumbs = xstrdup(opts->thumb_dir);
        else if (opts->data_dir)
            thumbs = xasprintf("%s/thumbs/%s", opts->data_dir, sha);
    }

    struct actx c;
    memset(&c, 0, sizeof(c));
    c.o = opts;
    c.duration = info.duration;
    an_video_init(&c.v);
    c.v.fps = info.fps;
    c.au = an_audio_new(which);
    struct media_decode_opts d = MEDIA_DECODE_OPTS_INIT;
    d.analysis_width = opts->thumb_width > 0 ? opts->thumb_width : 192;
    d.want_rgb = 1;
    d.want_interleaved = (which & MEDIA_AN_LOUDNESS) != 0;
    d.sample_rate = 22050;
    d.threads = opts->threads;
    d.fast = 1;
    d.ctx = &c;
    int want_video = info.has_video && (which & (MEDIA_AN_SHOTS | MEDIA_AN_MOTION));
    int want_audio =
        info.has_audio && (which & (MEDIA_AN_LOUDNESS | MEDIA_AN_SPEECH | MEDIA_AN_BEATS));
    d.on_video = want_video ? on_video : NULL;
    d.on_audio = want_audio ? on_audio : NULL;
    double t0 = now_mono_s();
    if (want_video || want_audio)
        rc = media_decode(path, &d, err);
    json_t *res = json_object();
    if (!rc) {
        json_object_set_new(res, "version", json_integer(MEDIA_ANALYZE_VERSION));
        json_object_set_new(res, "sha256", json_string(sha));
        json_object_set_new(res, "probe", media_info_to_json(&info));
        json_object_set_new(res, "duration", an_time(info.duration));
        json_t *names = json_array();
        for (size_t i = 0; i < ARRAY_SIZE(an_names); i++)
            if (which & (1u << i))
                json_array_append_new(names, json_string(an_names[i]));
        json_object_set_new(res, "analyzers", names);
        /* what does not apply is empty (or null), so readers need no special cases */
        json_object_set_new(res, "shots", json_array());
        json_object_set_new(res, "cuts", json_array());
        json_object_set_new(res, "contact_sheet", json_null());
        json_object_set_new(res, "motion", json_array());
        json_object_set_new(res, "black", json_array());
        json_object_set_new(res, "frozen", json_array());
        json_object_set_new(res, "loudness", json_null());
        json_object_set_new(res, "speech", json_array());
        json_object_set_new(res, "silence", json_array());
        json_object_set_new(res, "music", json_array());
        json_object_set_new(res, "beats", json_null());
        if (want_video && c.v.frames.n)
            rc = an_video_finish(&c.v, info.duration, which, thumbs, res, err);
        if (!rc && want_audio)
            an_audio_finish(c.au, info.duration, res);
        json_object_set_new(res, "analysis_seconds", an_num(now_mono_s() - t0, 3));
    }
    if (!rc && cache) {
        struct reel_err e2 = REEL_ERR_INIT;
        char *dir = xasprintf("%s/cache/analysis", opts->data_dir);
        /* a cache that cannot be written costs time later, not correctness now */
        if (mkdir_p(dir, &e2) == REEL_OK)
            json_write_file(res, cache, &e2);
        free(dir);
    }
    if (!rc)
        json_object_set_new(res, "cached", json_false());
    an_video_release(&c.v);
    an_audio_free(c.au);
    free(thumbs);
    free(cache);
    if (rc) {
        json_decref(res);
        if (err && !err->path[0])
            snprintf(err->path, sizeof(err->path), "%s", path);
        return rc;
    }
    if (opts->progress)
        opts->progress(opts->progress_ctx, 1.0);
    *out = res;
    return REEL_OK;
}
