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
    int width, height; /* display size before rotation is applied; 0 when no picture */
    int fps_num, fps_den; /* average frame rate; 0/0 when none */
    double fps;
    char format[32];    /* container: "mov,mp4,m4a,3gp,3g2,mj2" short name, "cube" */
    char vcodec[32];    /* "h264", "png", "" */
    char acodec[32];    /* "aac", "" */
    char pix_fmt[32];
    long long bitrate;  /* bits/s of the whole file, 0 if unknown */
    int rotation;       /* degrees clockwise the picture must be turned for display: 0/90/180/270 */
    int channels;       /* audio channels, 0 when no audio */
    int sample_rate;
    int has_alpha;
    int has_video;      /* a picture stream (video or image) */
    int has_audio;
    int lut_size;       /* LUT_3D_SIZE for .cube files */
};

/*
 * Probe one file. Errors: REEL_ENOTFOUND (no such file), REEL_EINVAL (not a
 * media file FFmpeg can read, or a media file with neither picture nor sound;
 * a malformed .cube), REEL_ESYS (unreadable). err->path is the file name.
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

/* Width and height as displayed (swapped for 90/270 rotation). */
void media_display_size(const struct media_info *info, int *w, int *h);

#endif
