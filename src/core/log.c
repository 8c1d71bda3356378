#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/banned.h"

static int level = -1;

static void init_level(void)
{
    const char *e = getenv("REEL_LOG");
    level = LOG_WARN;
    if (!e)
        return;
    if (!strcmp(e, "error"))
        level = LOG_ERROR;
    else if (!strcmp(e, "info"))
        level = LOG_INFO;
    else if (!strcmp(e, "debug"))
        level = LOG_DEBUG;
}

void log_set_level(enum log_level lvl)
{
    level = (int)lvl;
}

enum log_level log_get_level(void)
{
    if (level < 0)
        init_level();
    return (enum log_level)level;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    if ((int)lvl > (int)log_get_level())
        return;
    char line[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fprintf(stderr, "reel: %s: %s\n", names[lvl], line);
}
