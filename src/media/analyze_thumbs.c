/* Still pictures for thumbnails and contact sheets, encoded with libavcodec. */
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
#include <string.h>

#include "media/analyze_internal.h"
#include "core/banned.h"

/* rgb is packed rows of 3*w bytes; JPEG needs even sizes, so the last odd
 * row or column is dropped there. */
static enum reel_code encode_still(const char *path, enum AVCodecID id, enum AVPixelFormat fmt,
                                   const uint8_t *rgb, int w, int h, struct reel_err *err)
{
    enum reel_code rc = REEL_OK;
    int src_stride = 3 * w;
    if (fmt == AV_PIX_FMT_YUVJ420P) {
        w &= ~1;
        h &= ~1;
    }
    if (w < 2 || h < 2)
        return reel_fail(err, REEL_EINVAL, path, "picture too small for a thumbnail");
    const AVCodec *codec = avcodec_find_encoder(id);
    AVCodecContext *c = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    struct SwsContext *sws = NULL;
    if (!c || !f || !pkt) {
        rc = reel_fail(err, REEL_ESYS, path, "no %s encoder in this FFmpeg", avcodec_get_name(id));
        goto out;
    }
    c->width = w;
    c->height = h;
    c->pix_fmt = fmt;
    c->time_base = (AVRational){1, 25};
    if (id == AV_CODEC_ID_MJPEG) {
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * 3;
        c->color_range = AVCOL_RANGE_JPEG;
    }
    if (avcodec_open2(c, codec, NULL) < 0) {
        rc = reel_fail(err, REEL_ESYS, path, "cannot open the %s encoder", codec->name);
        goto out;
    }
    f->format = fmt;
    f->width = w;
    f->height = h;
    if (av_frame_get_buffer(f, 0) < 0) {
        rc = reel_fail(err, REEL_ESYS, path, "out of memory");
        goto out;
    }
    if (fmt == AV_PIX_FMT_RGB24) {
        for (int y = 0; y < h; y++)
            memcpy(f->data[0] + (size_t)y * f->linesize[0], rgb + (size_t)y * src_stride,
                   (size_t)3 * w);
    } else {
        sws = sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, fmt, SWS_BICUBIC, NULL, NULL, NULL);
        if (!sws) {
            rc = reel_fail(err, REEL_ESYS, path, "cannot convert the picture");
            goto out;
        }
        const uint8_t *src[4] = {rgb, NULL, NULL, NULL};
        int ss[4] = {src_stride, 0, 0, 0};
        sws_scale(sws, src, ss, 0, h, f->data, f->linesize);
    }
    f->quality = c->global_quality;
    f->pts = 0;
    if (avcodec_send_frame(c, f) < 0 || avcodec_send_frame(c, NULL) < 0 ||
        avcodec_receive_packet(c, pkt) < 0) {
        rc = reel_fail(err, REEL_ESYS, path, "encoding the %s picture failed", codec->name);
        goto out;
    }
    rc = write_file_atomic(path, pkt->data, pkt->size, err);
out:
    sws_freeContext(sws);
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&c);
    return rc;
}

enum reel_code an_write_jpeg(const char *path, const uint8_t *rgb, int w, int h,
                             struct reel_err *err)
{
    return encode_still(path, AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ420P, rgb, w, h, err);
}

enum reel_code an_write_png(const char *path, const uint8_t *rgb, int w, int h,
                            struct reel_err *err)
{
    return encode_still(path, AV_CODEC_ID_PNG, AV_PIX_FMT_RGB24, rgb, w, h, err);
}
