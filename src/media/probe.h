/*
 * Probe: what a media file is, read with libavformat/libavcodec (never by
 * parsing ffprobe output). Enough to validate a plan against its assets and
 * to conform sources in the renderer.
 */
#ifndef REEL_MEDIA_PROBE_H
#define REEL_MEDIA_PROBE_H

#include "core/err.h"
#include "core/json.h"

enum media_kind { MEDIA_VIDEO, MEDIA_IMAGE, MEDIA_AUDIO, MEDIA_LUT };

struct media_info {
    enum media_kind kind;
    double duration;   /* seconds; 0 for images and LUTs */
    int width, height; /* coded picture size, before SAR and rotation; 0 when no picture */
    int sar_num, sar_den; /* sample (pixel) aspect ratio; 0/0 or 1/1: square pixels */
    int fps_num, fps_den; /* average frame rate; 0/0 when none */
    double fps;
    char format[32];    /* container: "mov,mp4,m4a,3gp,3g2,mj2" short name, "cube" */
    char vcodec[32];    /* "h264", "png", "" */
    char acodec[32];    /* "aac", "" */
    char pix_fmt[32];
    long long bitrate;  /* bits/s of the whole file, 0 if unknown */
    int rotation;       /* degrees clockwise the picture must be turned for display: 0/90/180/270 */
    /* EXIF orientation of a JPEG photo (1-8; 0: none). Its turn is in
     * `rotation` too; ffmpeg applies it when rendering as it applies a
     * video's display matrix; the mirror of 2/4/5/7 is not applied. */
    int exif_orientation;
    int vfr;                  /* frame durations vary (average rate differs from the base rate) */
    double start;             /* first timestamp of the file, seconds (often 0) */
    char color_transfer[24];  /* "smpte2084" (PQ), "arib-std-b67" (HLG), "bt709", "" */
    char color_primaries[24]; /* "bt2020", "bt709", "" */
    int hdr;                  /* a PQ or HLG transfer: the renderer tone-maps it to SDR BT.709 */
    int channels;       /* audio channels, 0 when no audio */
    int sample_rate;
    int has_alpha;
    int has_video;      /* a picture stream (video or image) */
    int has_audio;
    int lut_size;       /* LUT_3D_SIZE for .cube files */
};

/*
 * Probe one file. The container is told by its content, not by its name
 * (an MP4 named .webm is read as the MP4 it is). A duration the header does
 * not state (a browser's streamed WebM, a fragmented MP4) is measured by
 * demuxing: the end of the last packet over all streams. Errors:
 * REEL_ENOTFOUND (no such file), REEL_EINVAL (not a media file FFmpeg can
 * read, a media file with neither picture nor sound, a file whose packets
 * end well before its stated duration: truncated; a malformed .cube),
 * REEL_ESYS (unreadable). err->path is the file name, err->msg names the
 * property and what to do.
 */
enum reel_code media_probe(const char *path, struct media_info *info, struct reel_err *err);

const char *media_kind_name(enum media_kind k); /* "video", "image", "audio", "lut" */
/* The asset type (assets.asset_type) a file of this kind gets when none is
 * given: "raw_footage", "image", "audio", "lut". */
const char *media_kind_asset_type(enum media_kind k);

/* {"kind":..., "duration":..., "width":..., ...}; new reference. */
json_t *media_info_to_json(const struct media_info *info);
/* The inverse, for cached metadata; returns 0 when j lacks the fields. */
int media_info_from_json(const json_t *j, struct media_info *info);

/* Width and height as displayed: the width scaled by the sample aspect
 * ratio, then both swapped for 90/270 rotation. */
void media_display_size(const struct media_info *info, int *w, int *h);

#endif
