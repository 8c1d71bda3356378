/* Cutting long sound at its quiet places, and WAV encoding for uploads. */
#include <stdlib.h>
#include <string.h>

#include "transcribe/internal.h"
#include "core/banned.h"

#define FRAME 160 /* 10 ms at 16 kHz */
#define WIN 20    /* frames in the quietness window: 200 ms */

size_t tr_plan_chunks(const int16_t *pcm, size_t n, double target, struct tr_chunk **out)
{
    size_t nf = n / FRAME, tf = (size_t)(target * 100.0);
    if (tf < 3 * WIN)
        tf = 3 * WIN;
    VEC(struct tr_chunk) v = VEC_INIT;
    if (n == 0 || nf <= tf * 4 / 3) {
        struct tr_chunk c = {0, n};
        VEC_PUSH(&v, c);
        *out = v.v;
        return v.n;
    }
    /* prefix sums of frame energy, so a window's energy is one subtraction */
    double *cum = xmalloc((nf + 1) * sizeof(*cum));
    cum[0] = 0;
    for (size_t f = 0; f < nf; f++) {
        double e = 0;
        for (size_t i = 0; i < FRAME; i++) {
            double x = pcm[f * FRAME + i];
            e += x * x;
        }
        cum[f + 1] = cum[f] + e;
    }
    size_t s = 0; /* chunk start, frames */
    while (nf - s > tf * 4 / 3) {
        size_t lo = s + tf * 2 / 3, hi = s + tf * 4 / 3, want = s + tf;
        size_t best = want;
        double best_e = -1;
        for (size_t f = lo; f <= hi; f++) {
            size_t a = f >= WIN / 2 ? f - WIN / 2 : 0, b = f + WIN / 2 < nf ? f + WIN / 2 : nf;
            double e = (cum[b] - cum[a]) / (double)(b - a);
            size_t d = f > want ? f - want : want - f, bd = best > want ? best - want : want - best;
            /* quieter wins; among equally quiet places, the one nearer the target */
            if (best_e < 0 || e < best_e * 0.999 || (e <= best_e * 1.001 && d < bd)) {
                best = f;
                best_e = e;
            }
        }
        struct tr_chunk c = {s * FRAME, best * FRAME};
        VEC_PUSH(&v, c);
        s = best;
    }
    struct tr_chunk c = {s * FRAME, n};
    VEC_PUSH(&v, c);
    free(cum);
    *out = v.v;
    return v.n;
}

static void put_le(struct buf *b, uint32_t x, int bytes)
{
    for (int i = 0; i < bytes; i++)
        buf_addch(b, (char)((x >> (8 * i)) & 0xff));
}

void tr_wav_encode(const int16_t *pcm, size_t n, struct buf *out)
{
    uint32_t data = (uint32_t)(n * 2);
    buf_add(out, "RIFF", 4);
    put_le(out, 36 + data, 4);
    buf_add(out, "WAVEfmt ", 8);
    put_le(out, 16, 4);                  /* fmt chunk size */
    put_le(out, 1, 2);                   /* PCM */
    put_le(out, 1, 2);                   /* mono */
    put_le(out, TRANSCRIBE_RATE, 4);     /* sample rate */
    put_le(out, TRANSCRIBE_RATE * 2, 4); /* byte rate */
    put_le(out, 2, 2);                   /* block align */
    put_le(out, 16, 2);                  /* bits per sample */
    buf_add(out, "data", 4);
    put_le(out, data, 4);
    buf_grow(out, data);
    for (size_t i = 0; i < n; i++)
        put_le(out, (uint16_t)pcm[i], 2);
}
