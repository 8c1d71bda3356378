/* reel analyze FILE... [--json] [--only LIST] [--thumbs DIR|--no-thumbs] [--no-cache] */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/config.h"
#include "core/json.h"
#include "media/analyze.h"
#include "core/banned.h"

static void progress_bar(void *ctx, double f)
{
    const char *name = ctx;
    int w = 30, n = (int)(f * w + 0.5);
    char bar[64];
    for (int i = 0; i < w; i++)
        bar[i] = i < n ? '#' : '.';
    bar[w] = 0;
    fprintf(stderr, "\r%-30.30s [%s] %3d%%", name, bar, (int)(f * 100 + 0.5));
    if (f >= 1)
        fprintf(stderr, "\r%*s\r", 70, "");
    fflush(stderr);
}

static int parse_only(const char *list, unsigned *which)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"shots", MEDIA_AN_SHOTS},   {"loudness", MEDIA_AN_LOUDNESS},
                 {"speech", MEDIA_AN_SPEECH}, {"beats", MEDIA_AN_BEATS},
                 {"motion", MEDIA_AN_MOTION}, {"thumbnails", MEDIA_AN_THUMBS}};
    *which = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        int found = 0;
        for (size_t i = 0; i < ARRAY_SIZE(names); i++)
            if (strlen(names[i].name) == len && !strncmp(p, names[i].name, len)) {
                *which |= names[i].bit;
                found = 1;
            }
        if (!found)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    return *which ? 0 : -1;
}

static double jnum(const json_t *o, const char *k)
{
    return json_get_num(o, k, 0);
}

static double total_len(const json_t *arr)
{
    double s = 0;
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) s += jnum(v, "end") - jnum(v, "start");
    return s;
}

static void print_human(const char *file, const json_t *r)
{
    const json_t *probe = json_object_get(r, "probe");
    printf("%s: %s, %.2f s%s\n", file, json_get_str(probe, "kind", "?"), jnum(r, "duration"),
           json_is_true(json_object_get(r, "cached")) ? " (cached)" : "");
    const json_t *shots = json_object_get(r, "shots"), *cuts = json_object_get(r, "cuts");
    if (json_array_size(shots)) {
        size_t grad = 0, i;
        json_t *c;
        json_array_foreach(cuts, i, c) grad += !strcmp(json_get_str(c, "kind", ""), "gradual");
        printf("  shots: %zu (%zu cuts, %zu gradual)\n", json_array_size(shots),
               json_array_size(cuts) - grad, grad);
        json_array_foreach(cuts, i, c)
        {
            printf("    %8.3f s  %-7s score %.2f\n", jnum(c, "t"), json_get_str(c, "kind", ""),
                   jnum(c, "score"));
        }
    }
    const json_t *l = json_object_get(r, "loudness");
    if (json_is_object(l)) {
        const json_t *I = json_object_get(l, "integrated_lufs");
        const json_t *tp = json_object_get(l, "true_peak_dbtp");
        if (json_is_number(I))
            printf("  loudness: %.1f LUFS integrated, %.1f LU range", json_number_value(I),
                   jnum(l, "range_lu"));
        else
            printf("  loudness: silent");
        if (json_is_number(tp))
            printf(", true peak %.1f dBTP", json_number_value(tp));
        printf("\n");
    }
    if (json_object_get(probe, "has_audio") == json_true())
        printf("  speech %.1f s, silence %.1f s, music/noise %.1f s\n",
               total_len(json_object_get(r, "speech")), total_len(json_object_get(r, "silence")),
               total_len(json_object_get(r, "music")));
    const json_t *b = json_object_get(r, "beats");
    if (json_is_object(b) && jnum(b, "bpm") > 0)
        printf("  tempo: %.1f BPM (confidence %.2f), %zu beats\n", jnum(b, "bpm"),
               jnum(b, "confidence"), json_array_size(json_object_get(b, "times")));
    size_t nb = json_array_size(json_object_get(r, "black"));
    size_t nf = json_array_size(json_object_get(r, "frozen"));
    if (nb || nf)
        printf("  black stretches: %zu, frozen stretches: %zu\n", nb, nf);
    const char *sheet = json_get_str(r, "contact_sheet", NULL);
    if (sheet)
        printf("  contact sheet: %s\n", sheet);
}

int cmd_analyze(int argc, char **argv)
{
    int as_json = 0, nfiles = 0, status = 0, no_thumbs = 0, no_cache = 0;
    const char *thumbs = NULL;
    unsigned which = 0;
    long threads = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--json")) {
            as_json = 1;
        } else if (!strcmp(a, "--no-thumbs")) {
            no_thumbs = 1;
        } else if (!strcmp(a, "--no-cache")) {
            no_cache = 1;
        } else if (!strcmp(a, "--thumbs") || !strcmp(a, "--only") || !strcmp(a, "--threads")) {
            if (i + 1 >= argc)
                return cli_usage_error("analyze", "%s needs a value", a);
            const char *v = argv[++i];
            if (!strcmp(a, "--thumbs"))
                thumbs = v;
            else if (!strcmp(a, "--only") && parse_only(v, &which))
                return cli_usage_error("analyze",
                                       "--only takes a comma list of shots, loudness, speech, "
                                       "beats, motion, thumbnails; got '%s'",
                                       v);
            else if (!strcmp(a, "--threads") &&
                     (parse_long(v, &threads) || threads < 0 || threads > 256))
                return cli_usage_error("analyze", "--threads takes 0..256, got '%s'", v);
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("analyze", "unknown option '%s'", a);
        } else {
            nfiles++;
        }
    }
    if (!nfiles)
        return cli_usage_error("analyze", "no files given");
    if (thumbs && no_thumbs)
        return cli_usage_error("analyze", "--thumbs and --no-thumbs contradict each other");
    if (no_thumbs)
        which = (which ? which : MEDIA_AN_ALL) & ~(unsigned)MEDIA_AN_THUMBS;

    struct reel_config cfg;
    config_load(&cfg);
    json_t *arr = json_array();
    int tty = cli_isatty(2), ordinal = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--thumbs") || !strcmp(a, "--only") || !strcmp(a, "--threads")) {
            i++;
            continue;
        }
        if (a[0] == '-' && a[1])
            continue;
        ordinal++;
        struct media_analyze_opts o = MEDIA_ANALYZE_OPTS_INIT;
        o.which = which;
        o.data_dir = cfg.data_dir;
        o.thumb_dir = thumbs && nfiles == 1 ? thumbs : NULL;
        char *per_file = NULL;
        if (thumbs && nfiles > 1) {
            /* several files: one numbered sub-folder each, in the order given */
            per_file = xasprintf("%s/%d", thumbs, ordinal);
            o.thumb_dir = per_file;
        }
        o.use_cache = !no_cache && !thumbs;
        o.threads = (int)threads;
        if (tty) {
            o.progress = progress_bar;
            o.progress_ctx = (void *)a;
        }
        json_t *res = NULL;
        struct reel_err err = REEL_ERR_INIT;
        if (media_analyze(a, &o, &res, &err)) {
            int st = cli_fail(&err);
            if (st > status)
                status = st;
            if (as_json) {
                json_t *e = json_object();
                json_object_set_new(e, "file", json_string(a));
                json_object_set_new(e, "error", json_string(err.msg));
                json_object_set_new(e, "code", json_string(reel_code_name(err.code)));
                json_array_append_new(arr, e);
            }
            free(per_file);
            continue;
        }
        free(per_file);
        json_object_set_new(res, "file", json_string(a));
        if (as_json)
            json_array_append_new(arr, res);
        else {
            print_human(a, res);
            json_decref(res);
        }
    }
    if (as_json) {
        struct buf b = BUF_INIT;
        /* one file: its object; several: an array */
        json_dump_buf(nfiles == 1 && json_array_size(arr) == 1 ? json_array_get(arr, 0) : arr, &b,
                      1);
        printf("%s\n", b.buf);
        buf_release(&b);
    }
    json_decref(arr);
    config_release(&cfg);
    return status;
}
