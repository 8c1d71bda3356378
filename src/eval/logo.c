/*
 * The logo image with its alpha channel. media_decode delivers gray and
 * RGB only, and a logo's transparent pixels show whatever is behind it in
 * the render, so template matching must ignore them: this reads the first
 * picture of the file as RGBA with libavcodec + libswscale.
 */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#include "eval/internal.h"
#include "core/banned.h"

enum reel_code logo_load(const char *path, struct logo_image *out, struct reel_err *err)
{
    memset(out, 0, sizeof(*out));
    AVFormatContext *fc = NULL;
    AVCodecContext *cc = NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    struct SwsContext *sws = NULL;
    enum reel_code rc = REEL_OK;
    int got = 0;
    if (avformat_open_input(&fc, path, NULL, NULL) < 0 || avformat_find_stream_info(fc, NULL) < 0) {
        rc = reel_fail(err, REEL_EINVAL, path, "cannot read the logo image");
        goto out;
    }
    int vi = av_find_best_stream(fc, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (vi < 0) {
        rc = reel_fail(err, REEL_EINVAL, path, "the logo has no picture");
        goto out;
    }
    const AVCodec *codec = avcodec_find_decoder(fc->streams[vi]->codecpar->codec_id);
    cc = codec ? avcodec_alloc_context3(codec) : NULL;
    if (!cc || avcodec_parameters_to_context(cc, fc->streams[vi]->codecpar) < 0 ||
        avcodec_open2(cc, codec, NULL) < 0) {
        rc = reel_fail(err, REEL_EINVAL, path, "no decoder for the logo image");
        goto out;
    }
    while (!got && av_read_frame(fc, pkt) >= 0) {
        if (pkt->stream_index == vi && avcodec_send_packet(cc, pkt) >= 0)
            got = avcodec_receive_frame(cc, fr) >= 0;
        av_packet_unref(pkt);
    }
    if (!got) {
        avcodec_send_packet(cc, NULL);
        got = avcodec_receive_frame(cc, fr) >= 0;
    }
    if (!got || fr->width <= 0 || fr->height <= 0 || fr->width > 8192 || fr->height > 8192) {
        rc = reel_fail(err, REEL_EINVAL, path, "no picture could be decoded from the logo");
        goto out;
    }
    sws = sws_getContext(fr->width, fr->height, fr->format, fr->width, fr->height, AV_PIX_FMT_RGBA,
                         SWS_BILINEAR, NULL, NULL, NULL);
    if (!sws) {
        rc = reel_fail(err, REEL_EINVAL, path, "cannot convert the logo to RGBA");
        goto out;
    }
    out->w = fr->width;
    out->h = fr->height;
    out->rgba = xmalloc((size_t)out->w * out->h * 4);
    uint8_t *dst[4] = {out->rgba, NULL, NULL, NULL};
    int dst_stride[4] = {out->w * 4, 0, 0, 0};
    sws_scale(sws, (const uint8_t *const *)fr->data, fr->linesize, 0, fr->height, dst, dst_stride);
out:
    sws_freeContext(sws);
    av_frame_free(&fr);
    av_packet_free(&pkt);
    avcodec_free_context(&cc);
    avformat_close_input(&fc);
    return rc;
}

void logo_template(const struct logo_image *img, int w, int h, uint8_t *gray, uint8_t *mask)
{
    /* premultiplied gray and alpha, area-resampled to w x h */
    int n = img->w * img->h;
    uint8_t *g = xmalloc((size_t)n), *a = xmalloc((size_t)n);
    for (int i = 0; i < n; i++) {
        const uint8_t *p = img->rgba + 4 * (size_t)i;
        g[i] = (uint8_t)((p[0] * 77 + p[1] * 150 + p[2] * 29) >> 8);
        a[i] = p[3];
    }
    uint8_t *ga = xmalloc((size_t)w * h);
    gray_resize(g, img->w, img->h, img->w, gray, w, h);
    gray_resize(a, img->w, img->h, img->w, ga, w, h);
    for (int i = 0; i < w * h; i++)
        mask[i] = ga[i] >= 160;
    free(g), free(a), free(ga);
}

int logo_scaled(const struct logo_image *img, int w, int h, uint8_t *rgba)
{
    /* the renderer's scale filter: swscale's default, bicubic, on straight RGBA */
    struct SwsContext *sws = sws_getContext(img->w, img->h, AV_PIX_FMT_RGBA, w, h, AV_PIX_FMT_RGBA,
                                            SWS_BICUBIC, NULL, NULL, NULL);
    if (!sws)
        return -1;
    const uint8_t *src[4] = {img->rgba, NULL, NULL, NULL};
    int src_stride[4] = {img->w * 4, 0, 0, 0};
    uint8_t *dst[4] = {rgba, NULL, NULL, NULL};
    int dst_stride[4] = {w * 4, 0, 0, 0};
    sws_scale(sws, src, src_stride, 0, img->h, dst, dst_stride);
    sws_freeContext(sws);
    return 0;
}

void logo_image_release(struct logo_image *img)
{
    free(img->rgba);
    memset(img, 0, sizeof(*img));
}
