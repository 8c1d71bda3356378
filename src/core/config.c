#include "core/config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/banned.h"

static char *env_dup(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? xstrdup(v) : NULL;
}

void config_load(struct reel_config *c)
{
    memset(c, 0, sizeof(*c));
    c->data_dir = env_dup("REEL_DATA_DIR");
    if (!c->data_dir) {
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        if (xdg && *xdg)
            c->data_dir = xasprintf("%s/reel", xdg);
        else if (home && *home)
            c->data_dir = xasprintf("%s/.local/share/reel", home);
        else
            c->data_dir = xstrdup("./reel-data");
    }
    c->database_url = env_dup("REEL_DATABASE_URL");
    if (!c->database_url)
        c->database_url = xasprintf("sqlite:%s/reel.db", c->data_dir);
    c->llm_base_url = env_dup("REEL_LLM_BASE_URL");
    c->llm_api_key = env_dup("REEL_LLM_API_KEY");
    c->llm_model = env_dup("REEL_LLM_MODEL");
    c->transcribe_url = env_dup("REEL_TRANSCRIBE_URL");
    c->transcribe_api_key = env_dup("REEL_TRANSCRIBE_API_KEY");
    c->transcribe_model = env_dup("REEL_TRANSCRIBE_MODEL");
    c->ffmpeg = env_dup("REEL_FFMPEG");
    if (!c->ffmpeg)
        c->ffmpeg = xstrdup("ffmpeg");
}

void config_set(char **field, const char *value)
{
    free(*field);
    *field = value ? xstrdup(value) : NULL;
}

void config_release(struct reel_config *c)
{
    free(c->data_dir);
    free(c->database_url);
    free(c->llm_base_url);
    free(c->llm_api_key);
    free(c->llm_model);
    free(c->transcribe_url);
    free(c->transcribe_api_key);
    free(c->transcribe_model);
    free(c->ffmpeg);
    memset(c, 0, sizeof(*c));
}

const char *config_ffmpeg(void)
{
    const char *v = getenv("REEL_FFMPEG");
    return v && *v ? v : "ffmpeg";
}
