#include "media/probe.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "core/banned.h"

const char *media_kind_name(enum media_kind k)
{
    switch (k) {
    case MEDIA_VIDEO:
        return "video";
    case MEDIA_IMAGE:
        return "image";
    case MEDIA_AUDIO:
        return "audio";
    case MEDIA_LUT:
        return "lut";
    }
    return "unknown";
}

const char *media_kind_asset_type(enum media_kind k)
{
    switch (k) {
    case MEDIA_IMAGE:
        return "image";
    case MEDIA_AUDIO:
        return "audio";
    case MEDIA_LUT:
        return "lut";
    case MEDIA_VIDEO:
        break;
    }
    return "raw_footage";
}

/* A .cube 3D LUT (Adobe/Resolve format): header keywords then N^3 rows of 3 floats. */
static enum reel_code probe_cube(const char *path, struct media_info *info, struct reel_err *err)
{
    struct buf b = BUF_INIT;
    enum reel_code rc = buf_read_file(&b, path, 64u << 20, err);
    if (rc)
        return rc;
    int size = 0, rows = 0, lineno = 0;
    char *line = b.buf;
    while (line && *line) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        lineno++;
        while (*line == ' ' || *line == '\t' || *line == '\r')
            line++;
        if (!*line || *line == '#' || starts_with(line, "TITLE") || starts_with(line, "DOMAIN_") ||
            starts_with(line, "LUT_1D_SIZE")) {
            if (starts_with(line, "LUT_1D_SIZE")) {
                buf_release(&b);
                return reel_fail(err, REEL_EINVAL, path, "1D LUTs are not supported; use a 3D .cube");
            }
        } else if (starts_with(line, "LUT_3D_SIZE")) {
            size = atoi(line + 11);
        } else {
            double r, g, bl;
            if (sscanf(line, "%lf %lf %lf", &r, &g, &bl) != 3) {
                char where[300];
                snprintf(where, sizeof(where), "%s:%d", path, lineno);
                buf_release(&b);
                return reel_fail(err, REEL_EINVAL, where, "not a .cube LUT line");
            }
            rows++;
        }
        line = next;
    }
    buf_release(&b);
    if (size < 2 || size > 256)
        return reel_fail(err, REEL_EINVAL, path, "a .cube LUT needs LUT_3D_SIZE between 2 and 256");
    if (rows != size * size * size)
        return reel_fail(err, REEL_EINVAL, path, "LUT_3D_SIZE %d needs %d rows, found %d", size,
                         size * size * size, rows);
    info->kind = MEDIA_LUT;
    info->lut_size = size;
    snprintf(info->format, sizeof(info->format), "cube");
    return REEL_OK;
}

static int rotation_of(const AVStream *st)
{
    const uint8_t *sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, NULL);
    if (!sd)
        return 0;
    double theta = -av_display_rotation_get((const int32_t *)sd);
    if (isnan(theta))
        return 0;
    int r = (int)lround(theta);
    r = ((r % 360) + 360) % 360;
    r = (int)(lround(r / 90.0) * 90) % 360;
    return r;
}

static int is_image_codec(enum AVCodecID id)
{
    switch (id) {
    case AV_CODEC_ID_PNG:
    case AV_CODEC_ID_MJPEG:
    case AV_CODEC_ID_WEBP:
    case AV_CODEC_ID_BMP:
    case AV_CODEC_ID_TIFF:
    case AV_CODEC_ID_GIF:
    case AV_CODEC_ID_PPM:
    case AV_CODEC_ID_PGM:
    case AV_CODEC_ID_JPEG2000:
        return 1;
    default:
        return 0;
    }
}

enum reel_code media_probe(const char *path, struct media_info *info, struct reel_err *err)
{
    memset(info, 0, sizeof(*info));
    struct stat st;
    if (stat(path, &st) != 0)
        return reel_fail(err, errno == ENOENT ? REEL_ENOTFOUND : REEL_ESYS, path, "%s",
                         errno == ENOENT ? "no such file" : strerror(errno));
    if (S_ISDIR(st.st_mode))
        return reel_fail(err, REEL_EINVAL, path, "is a directory, not a media file");
    if (ends_with(path, ".cube") || ends_with(path, ".CUBE"))
        return probe_cube(path, info, err);

    av_log_set_level(AV_LOG_QUIET);
    AVFormatContext *fc = NULL;
    int r = avformat_open_input(&fc, path, NULL, NULL);
    if (r < 0) {
        char e[128];
        av_strerror(r, e, sizeof(e));
        if (r == AVERROR(EACCES))
            return reel_fail(err, REEL_ESYS, path, "cannot read: %s", e);
        return reel_fail(err, REEL_EINVAL, path, "not a media file FFmpeg can read (%s)", e);
    }
    r = avformat_find_stream_info(fc, NULL);
    if (r < 0) {
        avformat_close_input(&fc);
        return reel_fail(err, REEL_EINVAL, path, "cannot read stream information");
    }
    snprintf(info->format, sizeof(info->format), "%s", fc->iformat->name);
    int vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    int ai = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    /* Cover art in an audio file is not a picture track. */
    if (vi >= 0 && (fc->streams[vi]->disposition & AV_DISPOSITION_ATTACHED_PIC))
        vi = -1;
    if (vi >= 0) {
        AVStream *vs = fc->streams[vi];
        AVCodecParameters *p = vs->codecpar;
        if (p->width <= 0 || p->height <= 0) {
            vi = -1;
        } else {
            info->has_video = 1;
            info->width = p->width;
            info->height = p->height;
            snprintf(info->vcodec, sizeof(info->vcodec), "%s", avcodec_get_name(p->codec_id));
            const char *pf = av_get_pix_fmt_name(p->format);
            snprintf(info->pix_fmt, sizeof(info->pix_fmt), "%s", pf ? pf : "");
            const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(p->format);
            info->has_alpha = d && (d->flags & AV_PIX_FMT_FLAG_ALPHA);
            AVRational fr = vs->avg_frame_rate.num ? vs->avg_frame_rate : vs->r_frame_rate;
            if (fr.num > 0 && fr.den > 0) {
                info->fps_num = fr.num;
                info->fps_den = fr.den;
                info->fps = av_q2d(fr);
            }
            info->rotation = rotation_of(vs);
        }
    }
    if (ai >= 0) {
        AVCodecParameters *p = fc->streams[ai]->codecpar;
        info->has_audio = 1;
        info->channels = p->ch_layout.nb_channels;
        info->sample_rate = p->sample_rate;
        snprintf(info->acodec, sizeof(info->acodec), "%s", avcodec_get_name(p->codec_id));
    }
    if (!info->has_video && !info->has_audio) {
        avformat_close_input(&fc);
        return reel_fail(err, REEL_EINVAL, path, "has neither a picture nor a sound stream");
    }
    if (fc->duration > 0)
        info->duration = fc->duration / (double)AV_TIME_BASE;
    else if (vi >= 0 && fc->streams[vi]->duration > 0)
        info->duration = fc->streams[vi]->duration * av_q2d(fc->streams[vi]->time_base);
    info->bitrate = fc->bit_rate > 0 ? fc->bit_rate : 0;

    if (info->has_video) {
        AVStream *vs = fc->streams[vi];
        int image_demuxer = strstr(fc->iformat->name, "_pipe") || !strcmp(fc->iformat->name, "image2");
        int one_frame = vs->nb_frames == 1 || (vs->nb_frames == 0 && info->duration <= 0.05);
        if (!info->has_audio && is_image_codec(vs->codecpar->codec_id) &&
            (image_demuxer || one_frame) && vs->codecpar->codec_id != AV_CODEC_ID_GIF) {
            info->kind = MEDIA_IMAGE;
            info->duration = 0;
            info->fps = 0;
            info->fps_num = info->fps_den = 0;
        } else {
            info->kind = MEDIA_VIDEO;
        }
    } else {
        info->kind = MEDIA_AUDIO;
    }
    if (info->kind == MEDIA_VIDEO && info->duration <= 0) {
        avformat_close_input(&fc);
        return reel_fail(err, REEL_EINVAL, path, "video has no known duration");
    }
    avformat_close_input(&fc);
    return REEL_OK;
}

void media_display_size(const struct media_info *info, int *w, int *h)
{
    int swap = info->rotation == 90 || info->rotation == 270;
    *w = swap ? info->height : info->width;
    *h = swap ? info->width : info->height;
}

json_t *media_info_to_json(const struct media_info *i)
{
    json_t *j = json_object();
    json_object_set_new(j, "kind", json_string(media_kind_name(i->kind)));
    json_object_set_new(j, "duration", json_real(i->duration));
    json_object_set_new(j, "format", json_string(i->format));
    if (i->kind == MEDIA_LUT) {
        json_object_set_new(j, "lut_size", json_integer(i->lut_size));
        return j;
    }
    json_object_set_new(j, "width", json_integer(i->width));
    json_object_set_new(j, "height", json_integer(i->height));
    json_object_set_new(j, "fps", json_real(i->fps));
    json_object_set_new(j, "fps_num", json_integer(i->fps_num));
    json_object_set_new(j, "fps_den", json_integer(i->fps_den));
    json_object_set_new(j, "video_codec", json_string(i->vcodec));
    json_object_set_new(j, "pix_fmt", json_string(i->pix_fmt));
    json_object_set_new(j, "audio_codec", json_string(i->acodec));
    json_object_set_new(j, "bitrate", json_integer(i->bitrate));
    json_object_set_new(j, "rotation", json_integer(i->rotation));
    json_object_set_new(j, "channels", json_integer(i->channels));
    json_object_set_new(j, "sample_rate", json_integer(i->sample_rate));
    json_object_set_new(j, "has_alpha", json_boolean(i->has_alpha));
    json_object_set_new(j, "has_video", json_boolean(i->has_video));
    json_object_set_new(j, "has_audio", json_boolean(i->has_audio));
    return j;
}

int media_info_from_json(const json_t *j, struct media_info *i)
{
    memset(i, 0, sizeof(*i));
    const char *k = json_get_str(j, "kind", NULL);
    if (!k)
        return 0;
    if (!strcmp(k, "video"))
        i->kind = MEDIA_VIDEO;
    else if (!strcmp(k, "image"))
        i->kind = MEDIA_IMAGE;
    else if (!strcmp(k, "audio"))
        i->kind = MEDIA_AUDIO;
    else if (!strcmp(k, "lut"))
        i->kind = MEDIA_LUT;
    else
        return 0;
    i->duration = json_get_num(j, "duration", 0);
    snprintf(i->format, sizeof(i->format), "%s", json_get_str(j, "format", ""));
    i->lut_size = (int)json_get_int(j, "lut_size", 0);
    i->width = (int)json_get_int(j, "width", 0);
    i->height = (int)json_get_int(j, "height", 0);
    i->fps = json_get_num(j, "fps", 0);
    i->fps_num = (int)json_get_int(j, "fps_num", 0);
    i->fps_den = (int)json_get_int(j, "fps_den", 0);
    snprintf(i->vcodec, sizeof(i->vcodec), "%s", json_get_str(j, "video_codec", ""));
    snprintf(i->pix_fmt, sizeof(i->pix_fmt), "%s", json_get_str(j, "pix_fmt", ""));
    snprintf(i->acodec, sizeof(i->acodec), "%s", json_get_str(j, "audio_codec", ""));
    i->bitrate = json_get_int(j, "bitrate", 0);
    i->rotation = (int)json_get_int(j, "rotation", 0);
    i->channels = (int)json_get_int(j, "channels", 0);
    i->sample_rate = (int)json_get_int(j, "sample_rate", 0);
    i->has_alpha = json_get_bool(j, "has_alpha", 0);
    i->has_video = json_get_bool(j, "has_video", 0);
    i->has_audio = json_get_bool(j, "has_audio", 0);
    return 1;
}
