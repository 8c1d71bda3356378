# Shared by the agent's end-to-end tests (tests/e2e/t07*.sh): small sample
# footage made once (cached under tests/artifacts/, rebuilt when this file's
# recipe version changes), and helpers to read `reel edit --json` output.
# Source after lib.sh.
export REEL_RENDER_PRESET=ultrafast
unset REEL_DATABASE_URL REEL_LLM_BASE_URL REEL_LLM_MODEL REEL_TRANSCRIBE_URL
M=$ROOT/tests/artifacts/agent-media-v5  # v5: talk.txt (the script), 640x360: the caption finder misses short white captions at 320x180
agent_media() {
    [ -s "$M/logo.png" ] && return 0
    mkdir -p "$ROOT/tests/artifacts"
    local tmp
    tmp=$(mktemp -d "$ROOT/tests/artifacts/.agent-media-XXXXXX")
    DEMO_TALK_TEXT="Welcome to reel. It reads your footage and writes a plan." \
        "$ROOT/scripts/demo-media.sh" "$tmp" 640x360 >/dev/null
    # two scripts may race to make it: the first rename wins, the other is dropped
    mv -T "$tmp" "$M" 2>/dev/null || rm -rf "$tmp"
}
# last_result FILE: the final {"event":"result",...} line of reel edit/wait --json
last_result() { grep -E '"event": ?"result"' "$1" | tail -n 1; }
# jget FILE FILTER: jq over the result line
jget() { last_result "$1" | jq -r "$2"; }
