/* OCR of burned-in text with libtesseract's C API (English model). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <tesseract/capi.h>

#include "eval/internal.h"
#include "core/banned.h"

void *ocr_new(struct reel_err *err)
{
    TessBaseAPI *api = TessBaseAPICreate();
    if (!api) {
        reel_fail(err, REEL_ESYS, "tesseract", "could not create the OCR engine");
        return NULL;
    }
    /* OEM default (LSTM); datapath NULL: the installed tessdata. */
    if (TessBaseAPIInit3(api, NULL, "eng") != 0) {
        TessBaseAPIDelete(api);
        reel_fail(err, REEL_ETOOL, "tesseract",
                  "could not load the English OCR model (install tesseract-ocr-eng)");
        return NULL;
    }
    TessBaseAPISetPageSegMode(api, PSM_SINGLE_BLOCK);
    TessBaseAPISetVariable(api, "debug_file", "/dev/null");
    return api;
}

char *ocr_read(void *ocr, const uint8_t *gray, int w, int h, int *confidence)
{
    TessBaseAPI *api = ocr;
    /* tesseract runs OpenMP loops: each one would start a team whose idle
     * members spin beside the decoder and the other metrics (5-8% more CPU
     * for `reel eval` on 2 cores, measured). Reading runs in one thread
     * here (the ICV is per thread); a user who sets OMP_THREAD_LIMIT keeps
     * OpenMP's own behaviour. */
    if (!getenv("OMP_THREAD_LIMIT"))
        omp_set_max_active_levels(0);
    TessBaseAPISetImage(api, gray, w, h, 1, w);
    TessBaseAPISetSourceResolution(api, 300);
    char *t = TessBaseAPIGetUTF8Text(api);
    if (confidence)
        *confidence = TessBaseAPIMeanTextConf(api);
    char *r = t ? xstrdup(t) : NULL;
    if (t)
        TessDeleteText(t);
    TessBaseAPIClear(api);
    return r;
}

void ocr_free(void *ocr)
{
    if (!ocr)
        return;
    TessBaseAPIEnd(ocr);
    TessBaseAPIDelete(ocr);
}
