/* OCR of burned-in text with libtesseract's C API (English model). */
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
