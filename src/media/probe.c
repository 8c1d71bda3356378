#include "media/probe.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

/* EXIF orientation (1-8) as the clockwise turn it contains; the mirrored
 * ones (2, 4, 5, 7) keep their mirror for the renderer to apply. */
static int exif_rotation(int orientation)
{
    static const int turn[9] = {0, 0, 0, 180, 180, 270, 90, 90, 270};
    return orientation >= 1 && orientation <= 8 ? turn[orientation] : 0;
}

/* The EXIF orientation of a JPEG still: libavcodec's decoder puts the EXIF
 * tags in the frame's metadata. 0 when there is none. */
static int exif_orientation_of(AVFormatContext *fc, int vi)
{
    const AVStream *st = fc->streams[vi];
    const AVCodec *dec = avcodec_find_decoder(st->codecpar->codec_id);
    if (st->codecpar->codec_id != AV_CODEC_ID_MJPEG || !dec)
        return 0;
    AVCodecContext *c = avcodec_alloc_context3(dec);
    AVPacket *pkt = av_packet_alloc();
    AVFrame *f = av_frame_alloc();
    int o = 0;
    if (c && pkt && f && avcodec_parameters_to_context(c, st->codecpar) >= 0 &&
        avcodec_open2(c, dec, NULL) >= 0) {
        while (av_read_frame(fc, pkt) >= 0) {
            int mine = pkt->stream_index == vi;
            if (mine && avcodec_send_packet(c, pkt) >= 0 && avcodec_receive_frame(c, f) >= 0) {
                const AVDictionaryEntry *e = av_dict_get(f->metadata, "Orientation", NULL, 0);
                o = e ? atoi(e->value) : 0;
            }
            av_packet_unref(pkt);
            if (mine)
                break;
        }
    }
    av_frame_free(&f);
    av_packet_free(&pkt);
    avcodec_free_context(&c);
    return o >= 1 && o <= 8 ? o : 0;
}

/* Seconds one packet of a stream lasts when the packet does not say
 * (Matroska blocks, some video): a frame at the stream's rate. */
static double default_packet_seconds(const AVStream *st)
{
    AVRational fr = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
    return st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && fr.num > 0 && fr.den > 0
               ? av_q2d(av_inv_q(fr))
               : 0;
}

/* Read packets to the end (or to the first error, where a file is cut off):
 * the end of the last one over all streams, seconds after `start`; -1 when
 * no packet has a time. Demuxing only, nothing is decoded. */
static double packets_end(AVFormatContext *fc, double start)
{
    AVPacket *pkt = av_packet_alloc();
    double end = -1;
    while (av_read_frame(fc, pkt) >= 0) {
        const AVStream *st = fc->streams[pkt->stream_index];
        int64_t ts = pkt->pts != AV_NOPTS_VALUE ? pkt->pts : pkt->dts;
        if (ts != AV_NOPTS_VALUE && !(st->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
            double tb = av_q2d(st->time_base);
            double d = pkt->duration > 0 ? pkt->duration * tb : default_packet_seconds(st);
            end = fmax(end, ts * tb + d - start);
        }
        av_packet_unref(pkt);
    }
    av_packet_free(&pkt);
    return end;
}

/*
 * Where the file's packets really end, seconds after `start`. With a
 * stated duration, from a seek to 3 s before that end (a few packets);
 * when the seek fails or finds nothing there (the index points past the
 * end of a cut-off file), and when no duration is stated, by reading every
 * packet from the start.
 */
static double measured_end(AVFormatContext *fc, double start, double stated)
{
    if (stated > 3 && fc->pb && (fc->pb->seekable & AVIO_SEEKABLE_NORMAL)) {
        int64_t near_end = (int64_t)((start + stated - 3) * AV_TIME_BASE);
        if (av_seek_frame(fc, -1, near_end, AVSEEK_FLAG_BACKWARD) >= 0) {
            double e = packets_end(fc, start);
            if (e >= 0)
                return e;
        }
        if (av_seek_frame(fc, -1, (int64_t)(start * AV_TIME_BASE), AVSEEK_FLAG_BACKWARD) < 0)
            return -1;
    }
    return packets_end(fc, start);
}

/* The duration the header states, seconds after `start`. A file that does
 * not start at zero (a camera's timecode, -output_ts_offset) may state its
 * length from zero (MP4's movie header counts an empty edit): its streams'
 * own starts and lengths give the true span. */
static double stated_duration(const AVFormatContext *fc, int vi, double start)
{
    if (start > 0.01) {
        double end = -1;
        for (unsigned i = 0; i < fc->nb_streams; i++) {
            const AVStream *st = fc->streams[i];
            if (st->duration > 0 && st->start_time != AV_NOPTS_VALUE &&
                !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
                end = fmax(end, (st->start_time + st->duration) * av_q2d(st->time_base));
        }
        if (end > start)
            return end - start;
    }
    if (fc->duration > 0)
        return fc->duration / (double)AV_TIME_BASE;
    if (vi >= 0 && fc->streams[vi]->duration > 0)
        return fc->streams[vi]->duration * av_q2d(fc->streams[vi]->time_base);
    return 0;
}

/* The length of a video or sound file: the stated one checked against the
 * packets, or the measured one where none is stated (or only guessed from
 * the bit rate). A file whose packets end well before the stated end is
 * cut off: an error, since a plan would point at pictures it lacks. */
static enum reel_code probe_duration(AVFormatContext *fc, int vi, const char *path,
                                     struct media_info *info, struct reel_err *err)
{
    double stated = stated_duration(fc, vi, info->start);
    int guessed = fc->duration_estimation_method == AVFMT_DURATION_FROM_BITRATE;
    double end = measured_end(fc, info->start, guessed ? 0 : stated);
    if (stated > 0 && !guessed) {
        if (end >= 0 && end < stated - fmax(0.5, 0.05 * stated))
            return reel_fail(err, REEL_EINVAL, path,
                             "the file ends at %.1f s of its stated %.1f s: it is truncated (an "
                             "interrupted copy or recording); copy or export it again",
                             end, stated);
        info->duration = stated;
    } else if (end > 0) {
        info->duration = end;
    } else {
        return reel_fail(err, REEL_EINVAL, path,
                         "%s has no duration in its header and no timed packets to measure one "
                         "from; re-mux it (ffmpeg -i IN -c copy OUT.mkv)",
                         info->kind == MEDIA_AUDIO ? "the sound" : "the video");
    }
    return REEL_OK;
}

static void probe_color(const AVCodecParameters *p, struct media_info *info)
{
    const char *trc = av_color_transfer_name(p->color_trc);
    const char *prim = av_color_primaries_name(p->color_primaries);
    snprintf(info->color_transfer, sizeof(info->color_transfer), "%s",
             p->color_trc != AVCOL_TRC_UNSPECIFIED && trc ? trc : "");
    snprintf(info->color_primaries, sizeof(info->color_primaries), "%s",
             p->color_primaries != AVCOL_PRI_UNSPECIFIED && prim ? prim : "");
    info->hdr = p->color_trc == AVCOL_TRC_SMPTE2084 || p->color_trc == AVCOL_TRC_ARIB_STD_B67;
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
    case AV_CODEC_ID_SVG:
        return 1;
    default:
        return 0;
    }
}

/* An ISO base media file (MP4, MOV, 3GP): its first box is "ftyp". */
static int is_iso_media(const char *path)
{
    unsigned char head[8] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, sizeof(head), f);
    fclose(f);
    return n == sizeof(head) && !memcmp(head + 4, "ftyp", 4);
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
        if (is_iso_media(path))
            return reel_fail(err, REEL_EINVAL, path,
                             "an MP4/MOV file without its index (no moov atom): it is truncated, "
                             "or its recording was never finished; copy it again, or recover it "
                             "with a tool such as untrunc");
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
            AVRational sar =
                vs->sample_aspect_ratio.num ? vs->sample_aspect_ratio : p->sample_aspect_ratio;
            if (sar.num > 0 && sar.den > 0 && sar.num != sar.den) {
                info->sar_num = sar.num;
                info->sar_den = sar.den;
            }
            info->vfr = vs->avg_frame_rate.num > 0 && vs->r_frame_rate.num > 0 &&
                        fabs(av_q2d(vs->avg_frame_rate) / av_q2d(vs->r_frame_rate) - 1) > 0.01;
            probe_color(p, info);
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
    if (fc->start_time != AV_NOPTS_VALUE)
        info->start = fc->start_time / (double)AV_TIME_BASE;
    info->duration = stated_duration(fc, vi, info->start);
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
            info->vfr = 0;
            info->start = 0;
            info->exif_orientation = exif_orientation_of(fc, vi);
            info->rotation = exif_rotation(info->exif_orientation);
        } else {
            info->kind = MEDIA_VIDEO;
        }
    } else {
        info->kind = MEDIA_AUDIO;
    }
    enum reel_code rc = REEL_OK;
    if (info->kind != MEDIA_IMAGE)
        rc = probe_duration(fc, vi, path, info, err);
    avformat_close_input(&fc);
    return rc;
}

void media_display_size(const struct media_info *info, int *w, int *h)
{
    int swap = info->rotation == 90 || info->rotation == 270;
    int dw = info->width;
    if (info->sar_num > 0 && info->sar_den > 0)
        dw = (int)lround((double)info->width * info->sar_num / info->sar_den);
    *w = swap ? info->height : dw;
    *h = swap ? dw : info->height;
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
    int dw, dh;
    media_display_size(i, &dw, &dh);
    json_object_set_new(j, "display_width", json_integer(dw));
    json_object_set_new(j, "display_height", json_integer(dh));
    json_object_set_new(j, "sar_num", json_integer(i->sar_num));
    json_object_set_new(j, "sar_den", json_integer(i->sar_den));
    json_object_set_new(j, "exif_orientation", json_integer(i->exif_orientation));
    json_object_set_new(j, "vfr", json_boolean(i->vfr));
    json_object_set_new(j, "start_time", json_real(i->start));
    json_object_set_new(j, "color_transfer", json_string(i->color_transfer));
    json_object_set_new(j, "color_primaries", json_string(i->color_primaries));
    json_object_set_new(j, "hdr", json_boolean(i->hdr));
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
    i->sar_num = (int)json_get_int(j, "sar_num", 0);
    i->sar_den = (int)json_get_int(j, "sar_den", 0);
    i->exif_orientation = (int)json_get_int(j, "exif_orientation", 0);
    i->vfr = json_get_bool(j, "vfr", 0);
    i->start = json_get_num(j, "start_time", 0);
    snprintf(i->color_transfer, sizeof(i->color_transfer), "%s",
             json_get_str(j, "color_transfer", ""));
    snprintf(i->color_primaries, sizeof(i->color_primaries), "%s",
             json_get_str(j, "color_primaries", ""));
    i->hdr = json_get_bool(j, "hdr", 0);
    i->channels = (int)json_get_int(j, "channels", 0);
    i->sample_rate = (int)json_get_int(j, "sample_rate", 0);
    i->has_alpha = json_get_bool(j, "has_alpha", 0);
    i->has_video = json_get_bool(j, "has_video", 0);
    i->has_audio = json_get_bool(j, "has_audio", 0);
    return 1;
}
