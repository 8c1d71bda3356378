/*
 * Filtergraph escaping. A value in a filter graph is parsed twice: the
 * graph parser splits the text into filters with av_get_token(.., "[],;")
 * (which removes one level of quotes and backslashes), then the filter
 * splits its argument string into key=value pairs with av_get_token(..,
 * ":=") (which removes another). So a value is first quoted for the option
 * level, then that result escaped for the graph level.
 */
#include "render/render.h"

#include <string.h>

#include "core/banned.h"

void render_escape_opt(struct buf *out, const char *s)
{
    /* Inside '...' everything is literal except the closing quote; a quote
     * itself is written as '\'' (close, escaped quote, reopen). */
    buf_addch(out, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            buf_adds(out, "'\\''");
        else
            buf_addch(out, *s);
    }
    buf_addch(out, '\'');
}

void render_escape_graph(struct buf *out, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\'[],;", *s))
            buf_addch(out, '\\');
        buf_addch(out, *s);
    }
}

void render_escape_value(struct buf *out, const char *s)
{
    struct buf q = BUF_INIT;
    render_escape_opt(&q, s);
    render_escape_graph(out, q.buf);
    buf_release(&q);
}
