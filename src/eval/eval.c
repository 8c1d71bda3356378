/*
 * eval_render: probe the render, decode it once feeding every metric's
 * collector, run the metric table, weigh, decide golden.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

static const struct eval_metric metrics[EVAL_NMETRICS] = {
    {EVAL_CLARITY, "clarity", metric_clarity},
    {EVAL_PUNCHINESS, "punchiness", metric_punchiness},
    {EVAL_RETENTION, "retention", metric_retention},
    {EVAL_CAPTIONS, "captions", metric_captions},
    {EVAL_BRAND, "brand", metric_brand},
    {EVAL_WATCHABILITY, "watchability", metric_watchability},
};

const char *eval_metric_name(enum eval_metric_id id)
{
    return (unsigned)id < EVAL_NMETRICS ? metrics[id].name : "?";
}

void advise(struct metric_out *m, const char *fmt, ...)
{
    if (json_array_size(m->advice) >= 12)
        return;
    struct buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vaddf(&b, fmt, ap);
    va_end(ap);
    json_array_append_new(m->advice, json_string(b.buf));
    buf_release(&b);
}

void eval_weights_default(double w[EVAL_NMETRICS])
{
    for (int i = 0; i < EVAL_NMETRICS; i++)
        w[i] = 1.0;
}

static int metric_index(const char *name, size_t len)
{
    for (int i = 0; i < EVAL_NMETRICS; i++)
        if (strlen(metrics[i].name) == len && !strncmp(metrics[i].name, name, len))
            return i;
    return -1;
}

enum reel_code eval_weights_parse(const char *spec, double w[EVAL_NMETRICS], struct reel_err *err)
{
    const char *p = spec;
    while (p && *p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char part[96];
        if (len >= sizeof(part))
            return reel_fail(err, REEL_EINVAL, "weights", "weight '%.40s...' is too long", p);
        memcpy(part, p, len);
        part[len] = 0;
        char *eq = strchr(part, '=');
        if (!eq)
            return reel_fail(err, REEL_EINVAL, "weights",
                             "'%s' is not NAME=VALUE (names: clarity, punchiness, retention, "
                             "captions, brand, watchability)",
                             part);
        *eq = 0;
        int idx = metric_index(part, strlen(part));
        double v;
        if (idx < 0)
            return reel_fail(err, REEL_EINVAL, "weights",
                             "unknown metric '%s' (clarity, punchiness, retention, captions, "
                             "brand, watchability)",
                             part);
        if (!parse_double(eq + 1, &v) || v < 0 || !isfinite(v))
            return reel_fail(err, REEL_EINVAL, "weights",
                             "weight of %s must be a number >= 0, not '%s'", part, eq + 1);
        w[idx] = v;
        p = end ? end + 1 : NULL;
    }
    return REEL_OK;
}

static enum reel_code weights_from_style(const json_t *style, double w[EVAL_NMETRICS],
                                         struct reel_err *err)
{
    const json_t *ws = style ? json_object_get(style, "weights") : NULL;
    if (!ws)
        return REEL_OK;
    if (!json_is_object(ws))
        return reel_fail(err, REEL_EINVAL, "$.weights", "weights must be an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)ws, k, v)
    {
        int idx = metric_index(k, strlen(k));
        if (idx < 0)
            return reel_fail(err, REEL_EINVAL, "$.weights", "unknown metric '%s'", k);
        if (!json_is_number(v) || json_number_value(v) < 0)
            return reel_fail(err, REEL_EINVAL, "$.weights", "weight of %s must be a number >= 0",
                             k);
        w[idx] = json_number_value(v);
    }
    return REEL_OK;
}

int eval_is_golden(const json_t *report)
{
    if (!json_is_object(report))
        return 0;
    double overall = json_get_num(report, "overall", 0);
    const json_t *ms = json_object_get(report, "metrics");
    if (!json_is_array(ms) || !json_array_size(ms))
        return 0;
    size_t i;
    const json_t *m;
    json_array_foreach(ms, i, m)
    {
        if (!json_is_true(json_object_get(m, "gate")))
            return 0;
    }
    return overall > EVAL_GOLDEN_SCORE;
}

struct beats_job {
    struct eval_ctx *c;
    double seconds;
};

static void *beats_thread(void *arg)
{
    struct beats_job *j = arg;
    double t0 = now_mono_s();
    beats_for_plan(j->c);
    j->seconds = now_mono_s() - t0;
    return NULL;
}

enum reel_code eval_render(const char *render_path, const struct plan *plan,
                           const struct eval_opts *opts, json_t **report, struct reel_err *err)
{
    static const struct eval_opts no_opts = EVAL_OPTS_INIT;
    if (!opts)
        opts = &no_opts;
    *report = NULL;
    double w[EVAL_NMETRICS];
    eval_weights_default(w);
    enum reel_code rc = eval_weights_parse(opts->weights_spec, w, err);
    if (rc == REEL_OK)
        rc = weights_from_style(opts->style, w, err);
    if (rc != REEL_OK)
        return rc;

    double t0 = now_mono_s();
    struct eval_ctx c;
    ctx_init(&c, plan, opts);
    rc = media_probe(render_path, &c.info, err);
    if (rc != REEL_OK)
        goto out;
    if (c.info.kind != MEDIA_VIDEO || !c.info.has_video) {
        rc = reel_fail(err, REEL_EINVAL, render_path, "the render has no video to evaluate");
        goto out;
    }
    c.duration = c.info.duration;
    c.fps = c.info.fps > 0 ? c.info.fps : plan->output.fps;
    int rw, rh;
    media_display_size(&c.info, &rw, &rh);
    int aw = opts->analysis_width > 0 ? opts->analysis_width : 640;
    if (aw > rw)
        aw = rw;
    aw &= ~1;
    ctx_prepare(&c);

    /* the music's beats (its own decode) run beside the render's decode:
     * beats_for_plan touches only the beat fields of the context */
    struct beats_job bj = {&c, 0};
    pthread_t bt;
    int beats_threaded = pthread_create(&bt, NULL, beats_thread, &bj) == 0;
    if (!beats_threaded)
        beats_thread(&bj);

    double t_dec0 = now_mono_s();
    struct media_decode_opts o = MEDIA_DECODE_OPTS_INIT;
    o.analysis_width = aw;
    o.want_rgb = 1;
    o.want_interleaved = 1;
    o.sample_rate = 16000;
    o.threads = opts->threads;
    o.on_video = ctx_on_video;
    o.want_full = ctx_want_full;
    o.on_audio = ctx_on_audio;
    o.ctx = &c;
    text_reader_start(&c);
    rc = media_decode(render_path, &o, err);
    text_reader_finish(&c);
    if (beats_threaded)
        pthread_join(bt, NULL);
    double t_beats = bj.seconds;
    if (rc != REEL_OK)
        goto out;
    ctx_finish_audio(&c);
    if (!c.frames.n) {
        rc = reel_fail(err, REEL_EINVAL, render_path, "no video frame could be decoded");
        goto out;
    }
    if (c.duration <= 0)
        c.duration = c.frames.v[c.frames.n - 1].t + 1.0 / (c.fps > 0 ? c.fps : 30);
    double t_dec = now_mono_s() - t_dec0;

    json_t *rep = json_object();
    json_t *arr = json_array();
    json_t *timing = json_object();
    json_t *weights = json_object();
    double sum = 0, wsum = 0;
    int gates = 1;
    for (int i = 0; i < EVAL_NMETRICS; i++) {
        struct metric_out m = {0, 0, 1, json_object(), json_object(), json_array()};
        double ts = now_mono_s();
        metrics[i].run(&c, &m);
        json_object_set_new(timing, metrics[i].name, json_round((now_mono_s() - ts) * 1000, 1));
        json_object_set_new(weights, metrics[i].name, json_real(w[i]));
        json_t *mj = json_object();
        json_object_set_new(mj, "metric", json_string(metrics[i].name));
        json_object_set_new(mj, "applicable", json_boolean(m.applicable));
        if (m.applicable) {
            m.score = clamp01(m.score);
            json_object_set_new(mj, "score", json_round(m.score, 3));
            json_object_set_new(mj, "gate", json_boolean(m.gate));
            sum += w[i] * m.score;
            wsum += w[i];
            if (!m.gate)
                gates = 0;
        } else {
            json_object_set_new(mj, "score", json_null());
            json_object_set_new(mj, "gate", json_true());
        }
        json_object_set_new(mj, "weight", json_real(w[i]));
        json_object_set_new(mj, "threshold", m.threshold);
        json_object_set_new(mj, "evidence", m.evidence);
        json_object_set_new(mj, "advice", m.advice);
        json_array_append_new(arr, mj);
    }
    double overall = wsum > 0 ? sum / wsum : 0;
    json_object_set_new(rep, "schema", json_string("reel.eval/1"));
    json_object_set_new(rep, "render", json_string(render_path));
    json_object_set_new(rep, "overall", json_round(overall, 3));
    json_object_set_new(rep, "gates_passed", json_boolean(gates));
    json_object_set_new(rep, "golden_threshold", json_real(EVAL_GOLDEN_SCORE));
    json_object_set_new(rep, "metrics", arr);
    json_object_set_new(rep, "weights", weights);
    json_object_set_new(rep, "render_info", media_info_to_json(&c.info));
    json_object_set_new(rep, "analysis",
                        json_pack("{s:i, s:i, s:i, s:i}", "width", c.aw, "height", c.ah,
                                  "frames", (int)c.frames.n, "stills", (int)c.nstills));
    json_object_set_new(timing, "decode", json_round(t_dec * 1000, 1));
    json_object_set_new(timing, "music_beats", json_round(t_beats * 1000, 1));
    json_object_set_new(timing, "total", json_round((now_mono_s() - t0) * 1000, 1));
    json_object_set_new(rep, "timing_ms", timing);
    json_object_set_new(rep, "golden", json_boolean(eval_is_golden(rep)));
    *report = rep;
out:
    ctx_release(&c);
    return rc;
}

/* The one number a person looks at first, per metric. */
static void main_evidence(const json_t *m, struct buf *out)
{
    const char *name = json_get_str(m, "metric", "");
    const json_t *e = json_object_get(m, "evidence");
    if (!json_is_true(json_object_get(m, "applicable"))) {
        buf_addf(out, "%s", json_get_str(e, "note", "not applicable"));
        return;
    }
    if (!strcmp(name, "clarity")) {
        const json_t *r = json_object_get(e, "render");
        const json_t *s = json_object_get(e, "sharpness");
        const json_t *b = json_object_get(e, "best_source");
        buf_addf(out, "%lldx%lld %.2f fps %s, %.3f bpp, detail %.2f",
                 json_get_int(r, "width", 0), json_get_int(r, "height", 0),
                 json_get_num(r, "fps", 0), json_get_str(r, "video_codec", ""),
                 json_get_num(e, "bits_per_pixel", 0), json_get_num(s, "detail_ratio", -1));
        if (b)
            buf_addf(out, ", best source %lldx%lld", json_get_int(b, "width", 0),
                     json_get_int(b, "height", 0));
    } else if (!strcmp(name, "punchiness")) {
        buf_addf(out, "%lld cuts, mean shot %.2f s (%s)", json_get_int(e, "cut_count", 0),
                 json_get_num(e, "mean_shot_s", 0), json_get_str(e, "pace", ""));
        if (json_object_get(e, "on_beat_share"))
            buf_addf(out, ", %.0f%% on the beat", 100 * json_get_num(e, "on_beat_share", 0));
    } else if (!strcmp(name, "retention")) {
        const json_t *h = json_object_get(e, "hook");
        buf_addf(out, "hook %s, shot cv %.2f, dead air %.1f s",
                 json_is_true(json_object_get(h, "found")) ? "yes" : "NO",
                 json_get_num(e, "shot_length_cv", 0), json_get_num(e, "dead_air_s", 0));
    } else if (!strcmp(name, "captions")) {
        long long nr = json_get_int(e, "not_read", 0), nf = json_get_int(e, "frames_checked", 0);
        if (nf && nr == nf)
            buf_addf(out, "too small to read back, ");
        else
            buf_addf(out, "CER %.2f, ", json_get_num(e, "mean_cer", 0));
        buf_addf(out, "min contrast %.1f:1, %.1f chars/s, %lld texts",
                 json_get_num(e, "min_contrast", 0), json_get_num(e, "max_chars_per_s", 0),
                 json_get_int(e, "texts", 0));
        /* cues a person must check, each on a line of its own */
        size_t k;
        const json_t *q;
        json_array_foreach(json_object_get(e, "uncertain"), k, q)
        {
            buf_addf(out, "\n                     uncertain cue %6.2f-%6.2f s  %.2f  \"%s\"",
                     json_get_num(q, "start", 0), json_get_num(q, "end", 0),
                     json_get_num(q, "confidence", 0), json_get_str(q, "text", ""));
        }
        /* what the render's own sound says under cues it contradicts */
        json_array_foreach(json_object_get(json_object_get(e, "hearing"), "cues"), k, q)
        {
            if (!strcmp(json_get_str(q, "verdict", "agrees"), "agrees"))
                continue;
            buf_addf(out, "\n                     %-13s %6.2f-%6.2f s  \"%s\"  heard \"%s\" (WER %.2f)",
                     json_get_str(q, "verdict", ""), json_get_num(q, "start", 0),
                     json_get_num(q, "end", 0), json_get_str(q, "text", ""),
                     json_get_str(q, "heard", ""), json_get_num(q, "wer", 0));
            if (json_is_number(json_object_get(q, "offset_s")))
                buf_addf(out, ", %+.2f s from its words' speech", json_get_num(q, "offset_s", 0));
        }
    } else if (!strcmp(name, "brand")) {
        const json_t *ls = json_object_get(e, "logos");
        const json_t *pal = json_object_get(e, "palette");
        if (json_array_size(ls))
            buf_addf(out, "logo %.0f%% of checks ok",
                     100 * json_get_num(json_array_get(ls, 0), "score", 0));
        if (pal)
            buf_addf(out, "%spalette %.0f%% on", json_array_size(ls) ? ", " : "",
                     100 * json_get_num(pal, "on_palette_share", 0));
    } else if (!strcmp(name, "watchability")) {
        if (json_object_get(e, "audio"))
            buf_addf(out, "%s, %.1f flashes/s", json_get_str(e, "audio", ""),
                     json_get_num(e, "max_flashes_per_s", 0));
        else
            buf_addf(out, "%.1f LUFS (target %.0f), TP %.1f dBTP, %.1f flashes/s",
                 json_get_num(e, "integrated_lufs", NAN), json_get_num(e, "target_lufs", 0),
                 json_get_num(e, "true_peak_dbtp", NAN), json_get_num(e, "max_flashes_per_s", 0));
    }
}

void eval_report_format(const json_t *report, struct buf *out, int color)
{
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "",
               *dim = color ? "\033[2m" : "", *off = color ? "\033[0m" : "";
    const json_t *ms = json_object_get(report, "metrics");
    size_t i;
    const json_t *m;
    json_array_foreach(ms, i, m)
    {
        int app = json_is_true(json_object_get(m, "applicable"));
        int gate = json_is_true(json_object_get(m, "gate"));
        if (app)
            buf_addf(out, "%-13s %5.2f  %s%-4s%s  ", json_get_str(m, "metric", ""),
                     json_get_num(m, "score", 0), gate ? green : red, gate ? "pass" : "FAIL", off);
        else
            buf_addf(out, "%-13s   n/a  %s%-4s%s  ", json_get_str(m, "metric", ""), dim, "-", off);
        main_evidence(m, out);
        buf_addch(out, '\n');
    }
    int golden = json_is_true(json_object_get(report, "golden"));
    buf_addf(out, "%-13s %5.2f  %s%s%s\n", "overall", json_get_num(report, "overall", 0),
             golden ? green : red,
             golden ? "golden"
                    : (json_is_true(json_object_get(report, "gates_passed")) ? "not golden (score)"
                                                                             : "not golden (gates)"),
             off);
    json_array_foreach(ms, i, m)
    {
        const json_t *adv = json_object_get(m, "advice");
        size_t k;
        const json_t *a;
        json_array_foreach(adv, k, a)
        {
            buf_addf(out, "  - %s: %s\n", json_get_str(m, "metric", ""), json_string_value(a));
        }
    }
}
