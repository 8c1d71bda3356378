/* XML helpers shared by the FCPXML and MLT writers. */
#include "export/internal.h"
#include "core/banned.h"

void export_xml_escape(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            buf_adds(b, "&amp;");
            break;
        case '<':
            buf_adds(b, "&lt;");
            break;
        case '>':
            buf_adds(b, "&gt;");
            break;
        case '"':
            buf_adds(b, "&quot;");
            break;
        case '\'':
            buf_adds(b, "&apos;");
            break;
        default:
            if (c < 0x20 && c != '\t')
                buf_addf(b, "&#%u;", c); /* newlines survive in attributes */
            else
                buf_addch(b, (char)c);
        }
    }
}
