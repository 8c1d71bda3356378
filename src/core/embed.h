/*
 * Files compiled into the binary (the JSON Schema, the dashboard's static
 * files). The Makefile embeds everything matched by EMBED_FILES; paths are
 * relative to the repository root ("schema/editplan-v1.schema.json").
 * The data is followed by a NUL byte (not counted in *len), so text files
 * can be used as C strings.
 */
#ifndef REEL_CORE_EMBED_H
#define REEL_CORE_EMBED_H

#include <stddef.h>

const unsigned char *embed_get(const char *path, size_t *len); /* NULL if absent */
const char *embed_path_at(size_t i); /* iterate: NULL past the end */

#endif
