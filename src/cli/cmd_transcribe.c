/* reel transcribe FILE [--json|--srt|--vtt|--words] [--script FILE]: speech to timed words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/json.h"
#include "media/analyze.h"
#include "transcribe/transcribe.h"
#include "core/banned.h"

enum fmt { FMT_TEXT, FMT_JSON, FMT_SRT, FMT_VTT, FMT_WORDS };

static int need_value(int i, int argc, const char *opt)
{
    if (i + 1 >= argc) {
        cli_usage_error("transcribe", "%s needs a value", opt);
        return 0;
    }
    return 1;
}

int cmd_transcribe(int argc, char **argv)
{
    enum fmt fmt = FMT_TEXT;
    const char *file = NULL, *outpath = NULL, *language = NULL, *script = NULL;
    double chunk = 0, pause = 0;
    long threads = 0;
    int all_words = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json"))
            fmt = FMT_JSON;
        else if (!strcmp(a, "--srt"))
            fmt = FMT_SRT;
        else if (!strcmp(a, "--vtt"))
            fmt = FMT_VTT;
        else if (!strcmp(a, "--words"))
            fmt = FMT_WORDS;
        else if (!strcmp(a, "--all-words"))
            all_words = 1;
        else if (!strcmp(a, "--script")) {
            if (!need_value(i, argc, a))
                return 2;
            script = argv[++i];
        }
        else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!need_value(i, argc, a))
                return 2;
            outpath = argv[++i];
        } else if (!strcmp(a, "--language")) {
            if (!need_value(i, argc, a))
                return 2;
            language = argv[++i];
        } else if (!strcmp(a, "--chunk")) {
            if (!need_value(i, argc, a))
                return 2;
            if (!parse_double(argv[++i], &chunk) || chunk < 1 || chunk > 3600)
                return cli_usage_error("transcribe", "--chunk wants seconds in 1..3600, not '%s'",
                                       argv[i]);
        } else if (!strcmp(a, "--threads")) {
            if (!need_value(i, argc, a))
                return 2;
            if (!parse_long(argv[++i], &threads) || threads < 1 || threads > 256)
                return cli_usage_error("transcribe", "--threads wants 1..256, not '%s'", argv[i]);
        } else if (!strcmp(a, "--pause")) {
            if (!need_value(i, argc, a))
                return 2;
            if (!parse_double(argv[++i], &pause) || pause <= 0 || pause > 60)
                return cli_usage_error("transcribe", "--pause wants seconds in (0, 60], not '%s'",
                                       argv[i]);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("transcribe", "unknown option '%s'", a);
        } else if (file) {
            return cli_usage_error("transcribe", "one file at a time ('%s' and '%s')", file, a);
        } else {
            file = a;
        }
    }
    if (!file)
        return cli_usage_error("transcribe", "no file given");

    struct reel_config cfg;
    config_load(&cfg);
    struct transcribe_opts o = TRANSCRIBE_OPTS_INIT;
    transcribe_opts_from_config(&o, &cfg);
    o.language = language;
    o.chunk_seconds = chunk;
    o.threads = (int)threads;
    o.pause_min = pause;
    struct transcript t;
    transcript_init(&t);
    struct tr_script sc = {0};
    struct reel_err err = REEL_ERR_INIT;
    int status = 0;
    if (script && tr_script_load(script, &sc, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    o.script = script ? &sc : NULL;
    if (transcribe_file(file, &o, &t, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    /* what the recogniser made of music and noise is not what was said */
    if (!all_words && !t.from_script && t.words.n) {
        struct media_analyze_opts ao = MEDIA_ANALYZE_OPTS_INIT;
        ao.which = MEDIA_AN_SPEECH;
        ao.use_cache = 0; /* one analyser only: not what a later full analysis may reuse */
        json_t *an = NULL;
        if (media_analyze(file, &ao, &an, &err)) {
            status = cli_fail(&err);
            goto out;
        }
        size_t moved = transcript_keep_speech_json(&t, json_object_get(an, "speech"), pause);
        json_decref(an);
        if (moved && fmt != FMT_JSON)
            fprintf(stderr,
                    "reel: %zu word%s heard where there is no speech left out (--json lists "
                    "them under not_speech; --all-words keeps them)\n",
                    moved, moved == 1 ? "" : "s");
    }
    struct buf b = BUF_INIT;
    if (fmt == FMT_JSON) {
        json_t *j = transcript_to_json(&t);
        json_dump_buf(j, &b, 1);
        buf_addch(&b, '\n');
        json_decref(j);
    } else if (fmt == FMT_SRT) {
        transcript_to_srt(&t, &b);
    } else if (fmt == FMT_VTT) {
        transcript_to_vtt(&t, &b);
    } else if (fmt == FMT_WORDS || (fmt == FMT_TEXT && t.from_script)) {
        transcript_to_words(&t, &b);
    } else {
        transcript_to_text(&t, &b);
    }
    if (outpath) {
        if (write_file_atomic(outpath, b.buf, b.len, &err))
            status = cli_fail(&err);
    } else if (fwrite(b.buf, 1, b.len, stdout) != b.len || fflush(stdout)) {
        reel_fail(&err, REEL_ESYS, "stdout", "could not write the transcript");
        status = cli_fail(&err);
    }
    buf_release(&b);
out:
    transcript_release(&t);
    tr_script_release(&sc);
    config_release(&cfg);
    return status;
}
