/*
 * Configuration from the environment (REEL_* variables); command-line flags
 * override by assigning fields after config_load. Strings are borrowed from
 * the environment or owned by the struct; config_release frees them.
 *
 *   REEL_DATA_DIR        data directory (default: $XDG_DATA_HOME/reel or ~/.local/share/reel)
 *   REEL_DATABASE_URL    postgres://... or sqlite:PATH (default: sqlite in the data dir)
 *   REEL_LLM_BASE_URL    OpenAI-compatible base URL (absent: rules planner)
 *   REEL_LLM_API_KEY     its API key (never logged)
 *   REEL_LLM_MODEL       model name
 *   REEL_TRANSCRIBE_URL  OpenAI-compatible transcription base URL (absent: offline)
 *   REEL_TRANSCRIBE_API_KEY, REEL_TRANSCRIBE_MODEL
 *   REEL_FFMPEG          ffmpeg program (default: ffmpeg on PATH)
 */
#ifndef REEL_CORE_CONFIG_H
#define REEL_CORE_CONFIG_H

#include "core/err.h"

struct reel_config {
    char *data_dir;
    char *database_url;
    char *llm_base_url;
    char *llm_api_key;
    char *llm_model;
    char *transcribe_url;
    char *transcribe_api_key;
    char *transcribe_model;
    char *ffmpeg;
};

/* Fill from the environment with defaults. Never fails. */
void config_load(struct reel_config *c);
void config_release(struct reel_config *c);
/* Replace a field: frees the old value, copies the new (NULL clears). */
void config_set(char **field, const char *value);

/* The ffmpeg program to run: $REEL_FFMPEG or "ffmpeg". */
const char *config_ffmpeg(void);

#endif
