# Shared by the agent's end-to-end tests (tests/e2e/t07*.sh): small sample
# footage made once per script, and helpers to read `reel edit --json` output.
# Source after lib.sh.
export REEL_RENDER_PRESET=ultrafast
unset REEL_DATABASE_URL REEL_LLM_BASE_URL REEL_LLM_MODEL REEL_TRANSCRIBE_URL
M=$TMP/media
agent_media() {
    [ -s "$M/logo.png" ] || "$ROOT/scripts/demo-media.sh" "$M" 320x180 >/dev/null
}
# last_result FILE: the final {"event":"result",...} line of reel edit --json
last_result() { grep '"event": *"result"\|"event":"result"' "$1" | tail -n 1; }
# jget FILE FILTER: jq over the result line
jget() { last_result "$1" | jq -r "$2"; }
