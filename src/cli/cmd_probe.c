#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "media/probe.h"
#include "core/banned.h"

static void print_human(const char *path, const struct media_info *i)
{
    printf("%s: %s", path, media_kind_name(i->kind));
    if (i->kind == MEDIA_LUT) {
        printf(", 3D LUT %d^3\n", i->lut_size);
        return;
    }
    if (i->duration > 0)
        printf(", %.3f s", i->duration);
    if (i->has_video) {
        printf(", %s %dx%d", i->vcodec, i->width, i->height);
        if (i->fps > 0)
            printf(" %.3f fps", i->fps);
        if (i->rotation)
            printf(" rotated %d", i->rotation);
        if (i->has_alpha)
            printf(" with alpha");
    }
    if (i->has_audio)
        printf(", %s %d Hz %d ch", i->acodec, i->sample_rate, i->channels);
    if (i->bitrate)
        printf(", %lld kb/s", i->bitrate / 1000);
    printf("\n");
}

int cmd_probe(int argc, char **argv)
{
    int as_json = 0, nfiles = 0, status = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            as_json = 1;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("probe", "unknown option '%s'", argv[i]);
        else
            nfiles++;
    }
    if (!nfiles)
        return cli_usage_error("probe", "no files given");
    json_t *arr = json_array();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            continue;
        struct media_info info;
        struct reel_err err = REEL_ERR_INIT;
        if (media_probe(argv[i], &info, &err)) {
            int st = cli_fail(&err);
            if (st > status)
                status = st;
            if (as_json) {
                json_t *e = json_object();
                json_object_set_new(e, "file", json_string(argv[i]));
                json_object_set_new(e, "error", json_string(err.msg));
                json_object_set_new(e, "code", json_string(reel_code_name(err.code)));
                json_array_append_new(arr, e);
            }
            continue;
        }
        if (as_json) {
            json_t *j = media_info_to_json(&info);
            json_object_set_new(j, "file", json_string(argv[i]));
            json_array_append_new(arr, j);
        } else {
            print_human(argv[i], &info);
        }
    }
    if (as_json) {
        struct buf b = BUF_INIT;
        json_dump_buf(arr, &b, 1);
        printf("%s\n", b.buf);
        buf_release(&b);
    }
    json_decref(arr);
    return status;
}
