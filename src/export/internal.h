/* Private to src/export: one writer per format, all reading the same walk. */
#ifndef REEL_EXPORT_INTERNAL_H
#define REEL_EXPORT_INTERNAL_H

#include "export/export.h"

enum reel_code export_write_otio(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_edl(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_srt(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_vtt(const struct export_walk *w, struct buf *out, struct reel_err *err);

#endif
