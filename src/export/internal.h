/* Private to src/export: one writer per format, all reading the same walk. */
#ifndef REEL_EXPORT_INTERNAL_H
#define REEL_EXPORT_INTERNAL_H

#include "export/export.h"

enum reel_code export_write_otio(const struct export_walk *w, struct buf *out,
                                 struct reel_err *err);
enum reel_code export_write_fcpxml(const struct export_walk *w, struct buf *out,
                                   struct reel_err *err);
enum reel_code export_write_mlt(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_edl(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_srt(const struct export_walk *w, struct buf *out, struct reel_err *err);
enum reel_code export_write_vtt(const struct export_walk *w, struct buf *out, struct reel_err *err);

/* An absolute file:// URL of path (made absolute against the cwd), every
 * byte outside RFC 3986's unreserved set and '/' percent-encoded. */
char *export_file_url(const char *path);
/* Append s escaped for an XML attribute or text: & < > " ' and control
 * characters as character references. */
void export_xml_escape(struct buf *b, const char *s);

#endif
