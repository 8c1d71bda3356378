/* `reel plan --brief TEXT ASSET...`: the planners from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/json.h"
#include "core/util.h"
#include "core/log.h"
#include "media/analyze.h"
#include "media/probe.h"
#include "planner/planner.h"
#include "transcribe/transcribe.h"
#include "agent/agent.h"
#include "store/store.h"
#include "core/banned.h"

const char *const usage_plan_make =
    "usage: reel plan --brief TEXT [LABEL=]FILE... [-o plan.json] [options]\n"
    "  the brief in words (\"30 s vertical, fast, captions, logo top-right, on the beat\"),\n"
    "  and flags that override the words:\n"
    "    --duration S  --aspect 16:9|9:16|1:1|4:5  --pace slow|medium|fast\n"
    "    --captions | --no-captions   --on-beat | --no-beat   --title TEXT\n"
    "    --logo-position POS  --style BRAND.json\n"
    "  assets: labels come from file names unless given as LABEL=FILE;\n"
    "    --broll FILE  --music FILE|LABEL  --logo FILE|LABEL   as in reel edit\n"
    "    --type LABEL=raw_footage|b-roll|audio|image|logo|lut\n"
    "    --analysis LABEL=FILE.json  --transcript LABEL=FILE.json   facts to plan from\n"
    "    (default: reel analyses and transcribes the files itself; --no-analyze plans from\n"
    "    the probe alone, --no-transcribe skips speech to text)\n"
    "  planner: rules (default, offline) or llm (when REEL_LLM_BASE_URL and REEL_LLM_MODEL\n"
    "    are set, or --planner llm):\n"
    "    --planner rules|llm  --base-url URL  --model NAME  --max-attempts N (3)\n"
    "    --max-retries N (2)  --timeout S (120)  --no-images\n"
    "    --record CALLS.json   write every model call (request, response, tokens)\n"
    "    --replay CALLS.json|JOB  plan again from recorded calls (a file written by --record,\n"
    "                          or a job's trace), without a network\n"
    "  revise a plan: --revise PLAN.json --feedback FEEDBACK.json\n"
    "  output: the plan to -o FILE (default stdout); --json prints the planning report;\n"
    "    --explain  each phrase of the brief with the constraint it became, what a flag\n"
    "    overrode, and the words not used (with --json: the report's \"explain\")\n"
    "    --transcripts-out FILE.json  the transcripts used, for reel render --transcripts\n";

struct kv {
    char *key, *val;
};
typedef VEC(struct kv) kv_vec;

static int split_kv(const char *s, struct kv *out)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return -1;
    out->key = xstrndup(s, (size_t)(eq - s));
    out->val = xstrdup(eq + 1);
    return 0;
}

static void kv_free(kv_vec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        free(v->v[i].key);
        free(v->v[i].val);
    }
    VEC_FREE(v);
}

static const char *kv_get(const kv_vec *v, const char *key)
{
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->v[i].key, key))
            return v->v[i].val;
    return NULL;
}

static int looks_like_label(const char *s, size_t n)
{
    if (!n || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

static int has_label(const struct planner_asset *a, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a[i].label, label))
            return 1;
    return 0;
}

static const char *const types[] = {"raw_footage", "b-roll", "audio", "image", "logo", "lut", NULL};

static int type_valid(const char *t)
{
    for (size_t i = 0; types[i]; i++)
        if (!strcmp(types[i], t))
            return 1;
    return 0;
}

static void print_issues(const json_t *issues)
{
    size_t i;
    json_t *v;
    json_array_foreach(issues, i, v)
    {
        if (i >= 20) {
            fprintf(stderr, "  ... %zu more\n", json_array_size(issues) - 20);
            break;
        }
        fprintf(stderr, "  %s: %s: %s\n", json_get_str(v, "path", "$"),
                json_get_str(v, "code", "?"), json_get_str(v, "message", ""));
    }
}

static int same_aspect(const struct media_info *m, const char *aspect)
{
    int w, h, a = 16, b = 9;
    media_display_size(m, &w, &h);
    if (!w || !h || !*aspect)
        return 1;
    if (sscanf(aspect, "%d:%d", &a, &b) != 2 || !a || !b)
        return 1;
    double q = ((double)w / h) / ((double)a / b);
    return q > 0.98 && q < 1.02;
}

/* Share of the file that the analysis found to be speech (1 without analysis:
 * the transcript decides). */
static double speech_share(const json_t *an, double dur)
{
    const json_t *sp = json_object_get(an, "speech");
    if (!an || !json_is_array(sp))
        return 1;
    double s = 0;
    size_t i;
    json_t *v;
    json_array_foreach(sp, i, v) s += json_get_num(v, "end", 0) - json_get_num(v, "start", 0);
    return dur > 0 ? s / dur : 0;
}

/*
 * Facts the user did not give: the analysis of each video and audio file
 * (when the analysis module is linked) and, for videos that must be
 * reframed, where the action is. Failures only cost facts: planning goes
 * on from what there is.
 */
static void gather_facts(struct planner_asset *assets, size_t n, json_t **owned, size_t *nowned,
                         const struct planner_brief *brief, const struct reel_config *cfg,
                         int no_analyze, int no_transcribe)
{
    for (size_t i = 0; i < n; i++) {
        struct planner_asset *a = &assets[i];
        if (a->probe.kind != MEDIA_VIDEO && a->probe.kind != MEDIA_AUDIO)
            continue;
        json_t *an = (json_t *)a->analysis;
        if (!an && !no_analyze) {
            struct media_analyze_opts ao = MEDIA_ANALYZE_OPTS_INIT;
            ao.data_dir = cfg->data_dir;
            ao.use_cache = 1;
            struct reel_err e = REEL_ERR_INIT;
            if (media_analyze(a->path, &ao, &an, &e) == REEL_OK) {
                owned[(*nowned)++] = an;
                a->analysis = an;
            } else {
                an = NULL;
                log_warn("reel plan: could not analyse %s (%s); planning from its probe", a->path,
                         e.msg);
            }
        }
        /* talking footage: words for silence/filler cuts and captions */
        if (!a->transcript && !no_transcribe && a->probe.kind == MEDIA_VIDEO &&
            a->probe.has_audio && (!a->asset_type || !strcmp(a->asset_type, "raw_footage")) &&
            (brief->captions > 0 || speech_share(an, a->probe.duration) > 0.25)) {
            struct transcribe_opts to = TRANSCRIBE_OPTS_INIT;
            transcribe_opts_from_config(&to, cfg);
            struct transcript t;
            struct reel_err e = REEL_ERR_INIT;
            if (transcribe_file(a->path, &to, &t, &e) == REEL_OK) {
                json_t *tj = transcript_to_json(&t);
                owned[(*nowned)++] = tj;
                a->transcript = tj;
            } else {
                log_warn("reel plan: could not transcribe %s (%s)", a->path, e.msg);
            }
            transcript_release(&t);
        }
        if (a->probe.kind == MEDIA_VIDEO && !no_analyze && brief->aspect[0] &&
            !same_aspect(&a->probe, brief->aspect) && !json_object_get(an, "activity")) {
            json_t *track = NULL;
            struct reel_err e = REEL_ERR_INIT;
            if (planner_activity_track(a->path, &track, &e) == REEL_OK) {
                if (!an) {
                    an = json_object();
                    owned[(*nowned)++] = an;
                    a->analysis = an;
                }
                json_object_set_new(an, "activity", track);
            } else {
                log_warn("reel plan: no activity track for %s (%s)", a->path, e.msg);
            }
        }
    }
}

enum {
    OPT_DURATION = 1000,
    OPT_ASPECT,
    OPT_PACE,
    OPT_CAPTIONS,
    OPT_NO_CAPTIONS,
    OPT_ON_BEAT,
    OPT_NO_BEAT,
    OPT_TITLE,
    OPT_MUSIC,
    OPT_LOGO,
    OPT_LOGO_POS,
    OPT_STYLE,
    OPT_TYPE,
    OPT_ANALYSIS,
    OPT_TRANSCRIPT,
    OPT_PLANNER,
    OPT_BASE_URL,
    OPT_MODEL,
    OPT_MAX_ATTEMPTS,
    OPT_MAX_RETRIES,
    OPT_TIMEOUT,
    OPT_NO_IMAGES,
    OPT_RECORD,
    OPT_REPLAY,
    OPT_REVISE,
    OPT_FEEDBACK,
    OPT_JSON,
    OPT_NO_ANALYZE,
    OPT_NO_TRANSCRIBE,
    OPT_TRANSCRIPTS_OUT,
    OPT_BROLL,
    OPT_EXPLAIN,
};

/* The model calls recorded in a job's trace, as a replay array. */
static enum reel_code replay_from_job(const char *job, json_t **out, struct reel_err *err)
{
    struct store *st = NULL;
    char id[STORE_ID_LEN];
    enum reel_code rc = store_open(NULL, &st, err);
    if (rc == REEL_OK && (rc = store_job_resolve(st, job, id, err)) == REEL_OK)
        rc = agent_recorded_calls(st, id, out, err);
    store_close(st);
    if (rc == REEL_ENOTFOUND && !err->path[0])
        snprintf(err->path, sizeof(err->path), "%s", job);
    return rc;
}

int cmd_plan_make(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"brief", required_argument, NULL, 'b'},
        {"output", required_argument, NULL, 'o'},
        {"duration", required_argument, NULL, OPT_DURATION},
        {"aspect", required_argument, NULL, OPT_ASPECT},
        {"pace", required_argument, NULL, OPT_PACE},
        {"captions", no_argument, NULL, OPT_CAPTIONS},
        {"no-captions", no_argument, NULL, OPT_NO_CAPTIONS},
        {"on-beat", no_argument, NULL, OPT_ON_BEAT},
        {"no-beat", no_argument, NULL, OPT_NO_BEAT},
        {"title", required_argument, NULL, OPT_TITLE},
        {"music", required_argument, NULL, OPT_MUSIC},
        {"logo", required_argument, NULL, OPT_LOGO},
        {"logo-position", required_argument, NULL, OPT_LOGO_POS},
        {"style", required_argument, NULL, OPT_STYLE},
        {"type", required_argument, NULL, OPT_TYPE},
        {"analysis", required_argument, NULL, OPT_ANALYSIS},
        {"transcript", required_argument, NULL, OPT_TRANSCRIPT},
        {"planner", required_argument, NULL, OPT_PLANNER},
        {"base-url", required_argument, NULL, OPT_BASE_URL},
        {"model", required_argument, NULL, OPT_MODEL},
        {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
        {"max-retries", required_argument, NULL, OPT_MAX_RETRIES},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"no-images", no_argument, NULL, OPT_NO_IMAGES},
        {"record", required_argument, NULL, OPT_RECORD},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"revise", required_argument, NULL, OPT_REVISE},
        {"feedback", required_argument, NULL, OPT_FEEDBACK},
        {"json", no_argument, NULL, OPT_JSON},
        {"no-analyze", no_argument, NULL, OPT_NO_ANALYZE},
        {"no-transcribe", no_argument, NULL, OPT_NO_TRANSCRIBE},
        {"transcripts-out", required_argument, NULL, OPT_TRANSCRIPTS_OUT},
        {"broll", required_argument, NULL, OPT_BROLL},
        {"explain", no_argument, NULL, OPT_EXPLAIN},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct planner_brief brief;
    struct planner_opts opts;
    struct reel_config cfg;
    struct reel_err err = REEL_ERR_INIT;
    kv_vec typev = VEC_INIT, anv = VEC_INIT, trv = VEC_INIT;
    const char *out_path = NULL, *style_path = NULL, *record_path = NULL, *replay_path = NULL;
    const char *revise_path = NULL, *feedback_path = NULL, *transcripts_out = NULL;
    int want_json = 0, rc = 0, have_brief = 0, no_analyze = 0, no_transcribe = 0, explain = 0;
    /* assets given by flag (--broll FILE, --music FILE, --logo FILE): path and type */
    kv_vec flagged = VEC_INIT;
    struct planner_asset *assets = NULL;
    char **labels = NULL, **paths = NULL;
    json_t **owned = NULL; /* analysis / transcript documents */
    size_t nowned = 0, nassets = 0;
    json_t *calls = NULL, *replay = NULL, *previous = NULL, *feedback = NULL;
    struct planner_result res;
    struct planner_recorder rec = {NULL, NULL, NULL};

    planner_brief_init(&brief);
    planner_opts_init(&opts);
    planner_result_init(&res);
    config_load(&cfg);
    optind = 1;
    opterr = 0;
    int c;
    double d;
    long l;
    while ((c = getopt_long(argc, argv, "b:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            free(brief.text);
            brief.text = xstrdup(optarg);
            have_brief = 1;
            break;
        case 'o':
            out_path = optarg;
            break;
        case OPT_DURATION:
            if (!parse_double(optarg, &d) || d <= 0 || d > 4 * 3600) {
                rc = cli_usage_error("plan", "--duration: expected seconds > 0, got '%s'", optarg);
                goto out;
            }
            brief.duration = d;
            break;
        case OPT_ASPECT:
            if (strcmp(optarg, "16:9") && strcmp(optarg, "9:16") && strcmp(optarg, "1:1") &&
                strcmp(optarg, "4:5")) {
                rc = cli_usage_error("plan", "--aspect: one of 16:9, 9:16, 1:1, 4:5");
                goto out;
            }
            snprintf(brief.aspect, sizeof(brief.aspect), "%s", optarg);
            break;
        case OPT_PACE:
            if (!strcmp(optarg, "slow"))
                brief.pace = PACE_SLOW;
            else if (!strcmp(optarg, "medium"))
                brief.pace = PACE_MEDIUM;
            else if (!strcmp(optarg, "fast"))
                brief.pace = PACE_FAST;
            else {
                rc = cli_usage_error("plan", "--pace: one of slow, medium, fast");
                goto out;
            }
            break;
        case OPT_CAPTIONS:
            brief.captions = 1;
            break;
        case OPT_NO_CAPTIONS:
            brief.captions = 0;
            break;
        case OPT_ON_BEAT:
            brief.on_beat = 1;
            break;
        case OPT_NO_BEAT:
            brief.on_beat = 0;
            break;
        case OPT_TITLE:
            free(brief.title);
            brief.title = xstrdup(optarg);
            break;
        case OPT_MUSIC:
        case OPT_LOGO:
        case OPT_BROLL: {
            /* a file (as in reel edit), or the label of an asset given below */
            const char *type = c == OPT_MUSIC ? "audio" : c == OPT_LOGO ? "logo" : "b-roll";
            if (c == OPT_BROLL || access(optarg, F_OK) == 0 || strchr(optarg, '/')) {
                struct kv kv = {xstrdup(optarg), xstrdup(type)};
                VEC_PUSH(&flagged, kv);
            } else if (c == OPT_MUSIC) {
                free(brief.music);
                brief.music = xstrdup(optarg);
            } else {
                free(brief.logo);
                brief.logo = xstrdup(optarg);
            }
            break;
        }
        case OPT_EXPLAIN:
            explain = 1;
            break;
        case OPT_LOGO_POS:
            snprintf(brief.logo_position, sizeof(brief.logo_position), "%s", optarg);
            break;
        case OPT_STYLE:
            style_path = optarg;
            break;
        case OPT_TYPE:
        case OPT_ANALYSIS:
        case OPT_TRANSCRIPT: {
            struct kv kv;
            if (split_kv(optarg, &kv)) {
                rc = cli_usage_error("plan", "%s: expected LABEL=VALUE, got '%s'",
                                     c == OPT_TYPE       ? "--type"
                                     : c == OPT_ANALYSIS ? "--analysis"
                                                         : "--transcript",
                                     optarg);
                goto out;
            }
            if (c == OPT_TYPE && !type_valid(kv.val)) {
                rc = cli_usage_error(
                    "plan",
                    "--type: '%s' is not one of raw_footage, b-roll, audio, image, logo, lut",
                    kv.val);
                free(kv.key);
                free(kv.val);
                goto out;
            }
            VEC_PUSH(c == OPT_TYPE ? &typev : c == OPT_ANALYSIS ? &anv : &trv, kv);
            break;
        }
        case OPT_PLANNER:
            opts.strategy = optarg;
            break;
        case OPT_BASE_URL:
            config_set(&cfg.llm_base_url, optarg);
            break;
        case OPT_MODEL:
            config_set(&cfg.llm_model, optarg);
            break;
        case OPT_MAX_ATTEMPTS:
            if (!parse_long(optarg, &l) || l < 1 || l > 20) {
                rc = cli_usage_error("plan", "--max-attempts: 1..20");
                goto out;
            }
            opts.max_attempts = (int)l;
            break;
        case OPT_MAX_RETRIES:
            if (!parse_long(optarg, &l) || l < 0 || l > 10) {
                rc = cli_usage_error("plan", "--max-retries: 0..10");
                goto out;
            }
            opts.max_retries = (int)l;
            break;
        case OPT_TIMEOUT:
            if (!parse_double(optarg, &d) || d <= 0 || d > 3600) {
                rc = cli_usage_error("plan", "--timeout: seconds in (0, 3600]");
                goto out;
            }
            opts.timeout_s = d;
            break;
        case OPT_NO_IMAGES:
            opts.no_images = 1;
            break;
        case OPT_RECORD:
            record_path = optarg;
            break;
        case OPT_REPLAY:
            replay_path = optarg;
            break;
        case OPT_REVISE:
            revise_path = optarg;
            break;
        case OPT_FEEDBACK:
            feedback_path = optarg;
            break;
        case OPT_JSON:
            want_json = 1;
            break;
        case OPT_NO_ANALYZE:
            no_analyze = 1;
            break;
        case OPT_NO_TRANSCRIBE:
            no_transcribe = 1;
            break;
        case OPT_TRANSCRIPTS_OUT:
            transcripts_out = optarg;
            break;
        case 'h':
            fputs(usage_plan_make, stdout);
            goto out;
        default:
            rc = cli_usage_error("plan", "unknown option '%s'", argv[optind - 1]);
            goto out;
        }
    }
    if (!have_brief && !revise_path) {
        rc = cli_usage_error("plan", "--brief TEXT is required");
        goto out;
    }
    if (!!revise_path != !!feedback_path) {
        rc = cli_usage_error("plan", "--revise and --feedback go together");
        goto out;
    }
    if (optind >= argc && !flagged.n) {
        rc = cli_usage_error("plan", "give at least one asset file");
        goto out;
    }
    if (planner_brief_parse(&brief, &err) ||
        (style_path && planner_brief_load_style(&brief, style_path, &err))) {
        rc = cli_fail(&err);
        goto out;
    }

    /* Assets: label, path, probe, type, facts. */
    size_t npos = (size_t)(argc - optind);
    nassets = npos + flagged.n;
    assets = xcalloc(nassets, sizeof(*assets));
    labels = xcalloc(nassets, sizeof(*labels));
    paths = xcalloc(nassets, sizeof(*paths));
    owned = xcalloc(2 * nassets, sizeof(*owned));
    for (size_t i = 0; i < nassets; i++) {
        const char *arg = i < npos ? argv[optind + (int)i] : flagged.v[i - npos].key;
        const char *eq = strchr(arg, '=');
        char label[64];
        if (i < npos && eq && looks_like_label(arg, (size_t)(eq - arg)) && eq[1]) {
            snprintf(label, sizeof(label), "%.*s", (int)(eq - arg), arg);
            paths[i] = xstrdup(eq + 1);
            for (size_t j = 0; j < i; j++)
                if (!strcmp(labels[j], label)) {
                    rc = cli_usage_error("plan", "asset label '%s' is given twice", label);
                    goto out;
                }
        } else {
            paths[i] = xstrdup(arg);
            planner_label_from_path(arg, (const char *const *)labels, i, label, sizeof(label));
        }
        labels[i] = xstrdup(label);
        assets[i].label = labels[i];
        assets[i].path = paths[i];
        if (media_probe(paths[i], &assets[i].probe, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    }
    for (size_t i = 0; i < nassets; i++) {
        struct planner_asset *a = &assets[i];
        const char *t = kv_get(&typev, a->label);
        if (!t && i >= npos)
            t = flagged.v[i - npos].val;
        if (t && !strcmp(t, "audio") && !brief.music)
            brief.music = xstrdup(a->label);
        if (t && !strcmp(t, "logo") && !brief.logo)
            brief.logo = xstrdup(a->label);
        if (!t) {
            if (a->probe.kind == MEDIA_IMAGE &&
                ((brief.logo && !strcmp(brief.logo, a->label)) || strstr(a->label, "logo")))
                t = "logo";
            else if (a->probe.kind == MEDIA_VIDEO && strstr(a->label, "broll"))
                t = "b-roll";
        }
        a->asset_type = t; /* NULL: from the probe */
        const char *af = kv_get(&anv, a->label), *tf = kv_get(&trv, a->label);
        if (af) {
            if (json_parse_file(af, 0, &owned[nowned], &err)) {
                rc = cli_fail(&err);
                goto out;
            }
            a->analysis = owned[nowned++];
        }
        if (tf) {
            if (json_parse_file(tf, 0, &owned[nowned], &err)) {
                rc = cli_fail(&err);
                goto out;
            }
            a->transcript = owned[nowned++];
        }
    }
    planner_brief_resolve(&brief, assets, nassets);
    gather_facts(assets, nassets, owned, &nowned, &brief, &cfg, no_analyze,
                 no_transcribe || no_analyze);
    for (size_t i = 0; i < anv.n; i++)
        if (!has_label(assets, nassets, anv.v[i].key)) {
            rc = cli_usage_error("plan", "--analysis: no asset labelled '%s'", anv.v[i].key);
            goto out;
        }
    for (size_t i = 0; i < trv.n; i++)
        if (!has_label(assets, nassets, trv.v[i].key)) {
            rc = cli_usage_error("plan", "--transcript: no asset labelled '%s'", trv.v[i].key);
            goto out;
        }

    if (transcripts_out) {
        json_t *m = json_object();
        for (size_t i = 0; i < nassets; i++)
            if (assets[i].transcript)
                json_object_set(m, assets[i].label, (json_t *)assets[i].transcript);
        enum reel_code wrc = json_write_file(m, transcripts_out, &err);
        json_decref(m);
        if (wrc) {
            rc = cli_fail(&err);
            goto out;
        }
    }

    /* Planner options. */
    opts.base_url = cfg.llm_base_url;
    opts.api_key = cfg.llm_api_key;
    opts.model = cfg.llm_model;
    if (replay_path) {
        /* a recorded-calls file, or a job whose model calls are in its trace */
        if (access(replay_path, F_OK) != 0) {
            if (replay_from_job(replay_path, &replay, &err)) {
                rc = cli_fail(&err);
                goto out;
            }
        } else if (json_parse_file(replay_path, 64u << 20, &replay, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        json_t *arr = json_is_object(replay) ? json_object_get(replay, "calls") : replay;
        if (!json_is_array(arr)) {
            reel_fail(&err, REEL_EINVAL, replay_path, "a replay file is a JSON array of calls");
            rc = cli_fail(&err);
            goto out;
        }
        opts.replay = arr;
        opts.strategy = "llm";
        /* the model that was recorded */
        const char *m = json_get_str(
            json_object_get(json_object_get(json_array_get(arr, 0), "request"), "body"), "model",
            NULL);
        if (m && (!cfg.llm_model || !*cfg.llm_model))
            config_set(&cfg.llm_model, m);
        opts.model = cfg.llm_model;
    }
    if (record_path) {
        calls = json_array();
        rec.on_call = planner_record_array_on_call;
        rec.ctx = calls;
        opts.recorder = &rec;
    }

    enum reel_code code;
    if (revise_path) {
        if (json_parse_file(revise_path, 0, &previous, &err) ||
            json_parse_file(feedback_path, 0, &feedback, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
        code = planner_revise(&brief, assets, nassets, previous, feedback, &opts, &res, &err);
    } else {
        code = planner_plan(&brief, assets, nassets, &opts, &res, &err);
    }
    if (record_path) {
        struct reel_err werr = REEL_ERR_INIT;
        if (json_write_file(calls, record_path, &werr))
            reel_err_print(&werr);
    }
    if (want_json) {
        json_t *rep = planner_result_to_json(&res);
        json_object_set(rep, "plan", res.plan ? res.plan : json_null());
        if (explain && brief.explain)
            json_object_set(rep, "explain", brief.explain);
        struct buf b = BUF_INIT;
        json_dump_buf(rep, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
        json_decref(rep);
    }
    for (size_t i = 0; i < res.nattempts; i++)
        if (!res.attempts[i].valid && json_array_size(res.attempts[i].issues)) {
            fprintf(stderr, "reel plan: attempt %d (%s) was rejected:\n", res.attempts[i].attempt,
                    res.attempts[i].model);
            print_issues(res.attempts[i].issues);
        }
    if (code) {
        rc = cli_fail(&err);
        goto out;
    }
    if (out_path) {
        if (json_write_file(res.plan, out_path, &err)) {
            rc = cli_fail(&err);
            goto out;
        }
    } else if (!want_json) {
        struct buf b = BUF_INIT;
        json_dump_buf(res.plan, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
    }
    if (explain && !want_json && brief.explain) {
        struct buf eb = BUF_INIT;
        buf_adds(&eb, "reel plan: the brief, phrase by phrase:\n");
        planner_brief_explain_text(brief.explain, &eb);
        fputs(eb.buf, stderr);
        buf_release(&eb);
    }
    fprintf(stderr,
            "reel plan: %s planner (%s), %zu attempt%s, %d prompt + %d completion tokens, $%.4f\n",
            res.strategy, res.model, res.nattempts, res.nattempts == 1 ? "" : "s",
            res.prompt_tokens, res.completion_tokens, res.cost_usd);

out:
    planner_result_release(&res);
    for (size_t i = 0; i < nassets; i++) {
        free(labels[i]);
        free(paths[i]);
    }
    for (size_t i = 0; i < nowned; i++)
        json_decref(owned[i]);
    free(owned);
    free(labels);
    free(paths);
    free(assets);
    kv_free(&typev);
    kv_free(&anv);
    kv_free(&trv);
    kv_free(&flagged);
    json_decref(calls);
    json_decref(replay);
    json_decref(previous);
    json_decref(feedback);
    planner_brief_release(&brief);
    config_release(&cfg);
    return rc;
}
