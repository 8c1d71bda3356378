/* The ingest stage: each input into the media store, probed, analysed, transcribed. */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/internal.h"
#include "media/analyze.h"
#include "transcribe/transcribe.h"
#include "core/banned.h"

enum reel_code agent_copy_file(const char *from, const char *to, struct reel_err *err)
{
    char *tmp = xasprintf("%s.tmp-%d", to, (int)getpid());
    unlink(tmp);
    if (link(from, tmp) == 0)
        goto rename_it;
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        free(tmp);
        return reel_fail(err, errno == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, from,
                         "cannot read %s: %s", from, strerror(errno));
    }
    int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
        enum reel_code rc =
            reel_fail(err, REEL_ESYS, tmp, "cannot create %s: %s", tmp, strerror(errno));
        close(in);
        free(tmp);
        return rc;
    }
    char block[1 << 16];
    for (;;) {
        ssize_t n = read(in, block, sizeof(block));
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto io_fail;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, block + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                goto io_fail;
            off += w;
        }
    }
    if (fsync(out) != 0)
        goto io_fail;
    close(in);
    close(out);
rename_it:
    if (rename(tmp, to) != 0) {
        enum reel_code rc =
            reel_fail(err, REEL_ESYS, to, "cannot rename %s to %s: %s", tmp, to, strerror(errno));
        unlink(tmp);
        free(tmp);
        return rc;
    }
    free(tmp);
    return REEL_OK;
io_fail : {
    enum reel_code rc =
        reel_fail(err, REEL_ESYS, to, "copying %s to %s: %s", from, to, strerror(errno));
    close(in);
    close(out);
    unlink(tmp);
    free(tmp);
    return rc;
}
}

static void asset_release(struct agent_asset *a)
{
    free(a->label);
    free(a->type);
    free(a->path);
    json_decref(a->metadata);
    memset(a, 0, sizeof(*a));
}

void agent_assets_release(struct agent_job *aj)
{
    for (size_t i = 0; i < aj->nassets; i++)
        asset_release(&aj->assets[i]);
    free(aj->assets);
    free(aj->passets);
    aj->assets = NULL;
    aj->passets = NULL;
    aj->nassets = 0;
    json_decref(aj->transcripts);
    aj->transcripts = NULL;
}

static const char *guess_type(const struct media_info *info, enum agent_asset_type t)
{
    if (t != AGENT_ASSET_GUESS)
        return agent_asset_type_name(t);
    return media_kind_asset_type(info->kind);
}

static const char *file_ext(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    if (!dot || (slash && dot < slash) || strlen(dot) > 8)
        return "";
    return dot;
}

/* Does the cached metadata of an asset with the same bytes hold what we need? */
static int cache_usable(const json_t *md)
{
    return md && json_get_int(md, "ingest_version", 0) == AGENT_INGEST_VERSION &&
           json_object_get(md, "probe");
}

static void add_facts(json_t *md, const struct media_info *info)
{
    json_object_set_new(md, "probe", media_info_to_json(info));
    json_object_set_new(md, "kind", json_string(media_kind_name(info->kind)));
    json_object_set_new(md, "duration", json_real(info->duration));
    if (info->width) {
        json_object_set_new(md, "width", json_integer(info->width));
        json_object_set_new(md, "height", json_integer(info->height));
        json_object_set_new(md, "resolution", json_sprintf("%dx%d", info->width, info->height));
    }
    if (info->fps > 0)
        json_object_set_new(md, "fps", json_real(info->fps));
    json_object_set_new(md, "bitrate", json_integer(info->bitrate));
}

/* Transcription runs in a thread while the analysis decodes the same file:
 * both are pure computation; only this (the calling) thread writes to the store. */
struct tr_job {
    const char *path;
    struct transcribe_opts to;
    struct transcript tr;
    struct reel_err err;
    enum reel_code rc;
    pthread_t thread;
    int started;
};

static void *tr_thread(void *p)
{
    struct tr_job *t = p;
    t->rc = transcribe_file(t->path, &t->to, &t->tr, &t->err);
    return NULL;
}

static void tr_join(struct tr_job *t)
{
    if (t->started) {
        pthread_join(t->thread, NULL);
        t->started = 0;
    }
}

struct analyze_cb {
    struct agent_job *aj;
    const char *label;
};

static void on_analyze_progress(void *ctx, double fraction)
{
    struct analyze_cb *c = ctx;
    struct agent_event ev = {.kind = AGENT_EV_PROGRESS,
                             .job_id = c->aj->job.id,
                             .stage = "ingest",
                             .item = c->label,
                             .fraction = 0.2 + 0.6 * fraction,
                             .eta_s = -1,
                             .score = -1};
    agent_emit(c->aj, &ev);
}

/* Ingest one input: returns the stage result to store. */
static enum reel_code ingest_one(struct agent_job *aj, const struct trace_span *parent,
                                 const struct agent_input *in, json_t **result,
                                 struct reel_err *err)
{
    enum reel_code rc = REEL_OK;
    struct trace_span sp = {0}, sub = {0}, trs = {0};
    struct tr_job tj;
    memset(&tj, 0, sizeof(tj));
    tj.to = (struct transcribe_opts)TRANSCRIBE_OPTS_INIT;
    int want_tr = 0;
    char *name = xasprintf("ingest %s", in->label);
    char *dest = NULL;
    json_t *md = NULL;
    struct media_info info;
    memset(&info, 0, sizeof(info));
    if ((rc = agent_span_start(aj, &sp, parent, name, err)))
        goto out;
    struct agent_event ev = {.kind = AGENT_EV_PROGRESS,
                             .job_id = aj->job.id,
                             .stage = "ingest",
                             .item = in->label,
                             .fraction = 0,
                             .eta_s = -1,
                             .score = -1};

    /* probe the original first: a corrupt file fails before anything is copied */
    if ((rc = agent_span_start(aj, &sub, &sp, "probe", err)))
        goto out;
    rc = media_probe(in->path, &info, err);
    {
        json_t *pl = json_pack("{s:s}", "file", in->path);
        if (!rc)
            json_object_set_new(pl, "probe", media_info_to_json(&info));
        agent_span_end(&sub, pl, rc ? err->msg : NULL);
        json_decref(pl);
    }
    if (rc) {
        reel_err_prefix(err, "asset '%s'", in->label);
        goto out;
    }
    const char *type = guess_type(&info, in->type);

    /* into the media store */
    if (aj->req.reference) {
        char *rp = realpath(in->path, NULL);
        dest = rp ? rp : xstrdup(in->path);
    } else {
        char *dir = xasprintf("%s/media/%s", aj->cfg.data_dir, aj->job.id);
        rc = mkdir_p(dir, err);
        if (!rc) {
            dest = xasprintf("%s/%s%s", dir, in->label, file_ext(in->path));
            rc = agent_copy_file(in->path, dest, err);
        }
        free(dir);
        if (rc)
            goto out;
    }
    char sha[65];
    if ((rc = sha256_file_hex(dest, sha, err)))
        goto out;
    ev.fraction = 0.2;
    agent_emit(aj, &ev);

    /* the analysis cache: another asset with the same bytes */
    int found = 0;
    struct store_asset cached;
    memset(&cached, 0, sizeof(cached));
    if ((rc = store_asset_find_sha256(aj->st, sha, &found, &cached, err)))
        goto out;
    if (found && cache_usable(cached.metadata)) {
        md = json_deep_copy(cached.metadata);
        json_object_set_new(md, "cached_from", json_string(cached.id));
    }
    store_asset_release(&cached);
    if (!md) {
        md = json_object();
        json_object_set_new(md, "ingest_version", json_integer(AGENT_INGEST_VERSION));
        add_facts(md, &info);
        /* speech in the footage: timed words for cuts and captions */
        if (info.has_audio && !strcmp(type, "raw_footage")) {
            if ((rc = agent_span_start(aj, &trs, &sp, "transcribe", err)))
                goto out;
            tj.path = dest;
            transcribe_opts_from_config(&tj.to, &aj->cfg);
            transcript_init(&tj.tr);
            want_tr = 1;
            tj.started = pthread_create(&tj.thread, NULL, tr_thread, &tj) == 0;
        }
        /* one decode pass: shots, loudness, speech, beats, motion, thumbnails */
        if (info.kind == MEDIA_VIDEO || info.kind == MEDIA_AUDIO) {
            if ((rc = agent_span_start(aj, &sub, &sp, "analyze", err)))
                goto out;
            struct media_analyze_opts ao = MEDIA_ANALYZE_OPTS_INIT;
            ao.data_dir = aj->cfg.data_dir;
            ao.sha256 = sha;
            if (info.kind == MEDIA_AUDIO)
                ao.which = MEDIA_AN_LOUDNESS | MEDIA_AN_SPEECH | MEDIA_AN_BEATS;
            struct analyze_cb acb = {aj, in->label};
            ao.progress = on_analyze_progress;
            ao.progress_ctx = &acb;
            json_t *an = NULL;
            rc = media_analyze(dest, &ao, &an, err);
            json_t *pl = json_pack("{s:s}", "file", dest);
            if (!rc)
                json_object_set_new(pl, "cached",
                                    json_boolean(json_is_true(json_object_get(an, "cached"))));
            agent_span_end(&sub, pl, rc ? err->msg : NULL);
            json_decref(pl);
            if (rc) {
                reel_err_prefix(err, "analysing asset '%s'", in->label);
                goto out;
            }
            json_object_set_new(md, "analysis", an);
        }
        if (want_tr) {
            if (!tj.started) /* no thread: transcribe here */
                tr_thread(&tj);
            tr_join(&tj);
            json_t *pl = json_pack("{s:s}", "file", dest);
            struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
            if (tj.rc == REEL_OK) {
                /* words the recogniser made of music or noise are not captions */
                const json_t *sp = json_object_get(json_object_get(md, "analysis"), "speech");
                if (json_is_array(sp)) {
                    size_t moved = transcript_keep_speech_json(&tj.tr, sp, tj.to.pause_min);
                    json_object_set_new(pl, "not_speech", json_integer((json_int_t)moved));
                }
                json_object_set_new(pl, "words", json_integer((json_int_t)tj.tr.words.n));
                json_object_set_new(md, "transcript", transcript_to_json(&tj.tr));
            } else {
                /* no transcript is not fatal: the planner works without one */
                r.logs = tj.err.msg;
                json_object_set_new(md, "transcript_error", json_string(tj.err.msg));
                json_object_set_new(pl, "error", json_string(tj.err.msg));
            }
            r.payload = pl;
            r.is_failure = tj.rc != REEL_OK;
            trace_span_end(&trs, &r, NULL);
            json_decref(pl);
        }
    }
    ev.fraction = 0.9;
    agent_emit(aj, &ev);

    /* one assets row per input; a row left by an interrupted run is reused */
    char asset_id[STORE_ID_LEN] = "";
    struct store_asset_list al = {0};
    if ((rc = store_asset_list(aj->st, aj->job.id, &al, err)))
        goto out;
    for (size_t i = 0; i < al.n; i++)
        if (al.v[i].label && !strcmp(al.v[i].label, in->label))
            memcpy(asset_id, al.v[i].id, sizeof(asset_id));
    store_asset_list_release(&al);
    if (asset_id[0]) {
        rc = store_asset_set_location(aj->st, asset_id, dest, type, sha, err);
        if (!rc)
            rc = store_asset_set_metadata(aj->st, asset_id, md, err);
    } else {
        struct store_asset_new na = {.job_id = aj->job.id,
                                     .storage_url = dest,
                                     .asset_type = type,
                                     .metadata = md,
                                     .label = in->label,
                                     .sha256 = sha};
        rc = store_asset_add(aj->st, &na, asset_id, err);
    }
    if (rc)
        goto out;
    *result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "asset_id", asset_id, "label", in->label,
                        "type", type, "path", dest, "source", in->path, "sha256", sha);
    {
        json_t *pl = json_deep_copy(*result);
        json_object_set_new(pl, "cached", json_boolean(json_object_get(md, "cached_from") != NULL));
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.payload = pl;
        trace_span_end(&sp, &r, NULL);
        json_decref(pl);
    }
out:
    tr_join(&tj);
    if (want_tr)
        transcript_release(&tj.tr);
    if (rc) {
        if (trs.open)
            trace_span_fail(&trs, err, NULL);
        if (sub.open)
            trace_span_fail(&sub, err, NULL);
        if (sp.open)
            trace_span_fail(&sp, err, NULL);
    }
    json_decref(md);
    free(dest);
    free(name);
    return rc;
}

/* Build aj->assets / passets / transcripts from the stage results and the asset rows. */
static enum reel_code load_assets(struct agent_job *aj, json_t *records, struct reel_err *err)
{
    enum reel_code rc = REEL_OK;
    size_t n = json_array_size(records);
    agent_assets_release(aj);
    aj->assets = xcalloc(n ? n : 1, sizeof(*aj->assets));
    aj->passets = xcalloc(n ? n : 1, sizeof(*aj->passets));
    aj->transcripts = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *rec = json_array_get(records, i);
        struct agent_asset *a = &aj->assets[aj->nassets];
        struct store_asset sa;
        memset(&sa, 0, sizeof(sa));
        if ((rc = store_asset_get(aj->st, json_get_str(rec, "asset_id", ""), &sa, err)))
            return rc;
        snprintf(a->id, sizeof(a->id), "%s", sa.id);
        a->label = xstrdup(json_get_str(rec, "label", sa.label ? sa.label : "asset"));
        a->type = xstrdup(sa.asset_type);
        a->path = xstrdup(sa.storage_url);
        snprintf(a->sha256, sizeof(a->sha256), "%s", sa.sha256);
        a->metadata = json_incref(sa.metadata);
        store_asset_release(&sa);
        if (!media_info_from_json(json_object_get(a->metadata, "probe"), &a->info)) {
            rc = reel_fail(err, REEL_EINVAL, a->label,
                           "asset '%s' has no probe facts in its metadata", a->label);
            aj->nassets++;
            return rc;
        }
        aj->nassets++;
        struct planner_asset *pa = &aj->passets[i];
        pa->label = a->label;
        pa->path = a->path;
        pa->asset_type = a->type;
        pa->probe = a->info;
        pa->analysis = json_object_get(a->metadata, "analysis");
        /* a script aligned for this job (align_script) replaces what was heard */
        pa->transcript = json_object_get(rec, "transcript");
        if (!pa->transcript)
            pa->transcript = json_object_get(a->metadata, "transcript");
        if (pa->transcript)
            json_object_set(aj->transcripts, a->label, (json_t *)pa->transcript);
    }
    return REEL_OK;
}

/*
 * The user's script (req.script) is what the first talking clip says: its
 * words are aligned to that clip's speech and the aligned transcript goes
 * into the clip's ingest record, so captions show the script's words.
 * The assets' own metadata keeps what was heard (it is shared by every job
 * that uses the file).
 */
static enum reel_code align_script(struct agent_job *aj, const struct trace_span *parent,
                                   json_t *records, struct reel_err *err)
{
    size_t k = aj->nassets;
    for (size_t i = 0; i < aj->nassets && k == aj->nassets; i++)
        if (!strcmp(aj->assets[i].type, "raw_footage") && aj->passets[i].transcript &&
            json_array_size(json_object_get(aj->passets[i].transcript, "words")))
            k = i;
    if (k == aj->nassets)
        return reel_fail(err, REEL_EINVAL, "script",
                         "a script was given, but no footage has speech to align it to");
    struct trace_span sp = {0};
    enum reel_code rc = agent_span_start(aj, &sp, parent, "align script", err);
    if (rc)
        return rc;
    struct tr_script sc;
    struct transcript heard, out;
    transcript_init(&heard);
    transcript_init(&out);
    struct transcribe_opts to = TRANSCRIBE_OPTS_INIT;
    transcribe_opts_from_config(&to, &aj->cfg);
    if (!(rc = tr_script_parse(aj->req.script, strlen(aj->req.script), "script", &sc, err))) {
        if (!(rc = transcript_from_json(aj->passets[k].transcript, &heard, err)))
            rc = transcribe_align_file(aj->assets[k].path, &sc, &heard, &to, &out, err);
        tr_script_release(&sc);
    }
    json_t *pl = NULL;
    if (!rc) {
        json_t *tj = transcript_to_json(&out);
        json_object_set_new(json_array_get(records, k), "transcript", tj);
        aj->passets[k].transcript = tj;
        json_object_set(aj->transcripts, aj->assets[k].label, tj);
        pl = json_pack("{s:s, s:O}", "asset", aj->assets[k].label, "alignment",
                       json_object_get(tj, "alignment"));
    } else {
        reel_err_prefix(err, "aligning the script to '%s'", aj->assets[k].label);
    }
    agent_span_end(&sp, pl, rc ? err->msg : NULL);
    json_decref(pl);
    transcript_release(&heard);
    transcript_release(&out);
    return rc;
}

enum reel_code agent_ingest(struct agent_job *aj, struct reel_err *err)
{
    enum reel_code rc;
    json_t *done = NULL;
    if ((rc = agent_stage_get(aj, "ingest", &done, err)))
        return rc;
    if (done) {
        agent_emit_simple(aj, AGENT_EV_STAGE_SKIP, "ingest", 0, NULL);
        rc = load_assets(aj, json_object_get(done, "assets"), err);
        json_decref(done);
        return rc;
    }
    if (aj->req.ninputs == 0)
        return reel_fail(err, REEL_EINVAL, "inputs",
                         "the job has no assets: give at least one video, image or sound file");
    struct trace_span sp = {0};
    if ((rc = agent_span_start(aj, &sp, &aj->root, "ingest", err)))
        return rc;
    int64_t t0 = now_mono_ms();
    agent_emit_simple(aj, AGENT_EV_STAGE_BEGIN, "ingest", 0, NULL);
    json_t *records = json_array();
    for (size_t i = 0; i < aj->req.ninputs; i++) {
        const struct agent_input *in = &aj->req.inputs[i];
        char *stage = xasprintf("ingest/%s", in->label);
        json_t *rec = NULL;
        rc = agent_stage_get(aj, stage, &rec, err);
        if (!rc && !rec) {
            rc = ingest_one(aj, &sp, in, &rec, err);
            if (!rc)
                rc = agent_stage_put(aj, stage, rec, err);
        }
        free(stage);
        if (rc) {
            json_decref(rec);
            break;
        }
        json_array_append_new(records, rec);
        if (agent_should_stop(aj)) {
            rc = reel_fail(err, REEL_ECANCELED, NULL, "stopped during ingest");
            break;
        }
    }
    if (!rc)
        rc = load_assets(aj, records, err);
    if (!rc && aj->req.script && *aj->req.script)
        rc = align_script(aj, &sp, records, err);
    json_t *result = json_pack("{s:O}", "assets", records);
    if (!rc)
        rc = agent_stage_put(aj, "ingest", result, err);
    struct agent_event ev = {.kind = AGENT_EV_STAGE_END,
                             .job_id = aj->job.id,
                             .stage = "ingest",
                             .fraction = -1,
                             .eta_s = -1,
                             .score = -1,
                             .failed = rc != REEL_OK,
                             .elapsed_ms = now_mono_ms() - t0};
    char msg[128];
    snprintf(msg, sizeof(msg), "%zu asset%s", json_array_size(records),
             json_array_size(records) == 1 ? "" : "s");
    ev.message = rc ? err->msg : msg;
    agent_emit(aj, &ev);
    if (rc) {
        trace_span_fail(&sp, err, NULL);
    } else {
        struct trace_span_result r = TRACE_SPAN_RESULT_INIT;
        r.payload = result;
        trace_span_end(&sp, &r, NULL);
    }
    json_decref(result);
    json_decref(records);
    return rc;
}

enum reel_code agent_assets_load(struct agent_job *aj, struct reel_err *err)
{
    json_t *done = NULL;
    enum reel_code rc = agent_stage_get(aj, "ingest", &done, err);
    if (rc)
        return rc;
    if (!done)
        return reel_fail(err, REEL_ENOTFOUND, aj->job.id, "job %s has no ingested assets",
                         aj->job.id);
    rc = load_assets(aj, json_object_get(done, "assets"), err);
    json_decref(done);
    return rc;
}
