#!/usr/bin/env bash
# Print compile_commands.json for the given sources: $1 compiler, $2 flags.
cc=$1; flags=$2; shift 2
dir=$(pwd)
printf '[\n'
first=1
for f in "$@"; do
    [ $first -eq 1 ] || printf ',\n'
    first=0
    cmd="$cc $flags -c $f"
    cmd=${cmd//\\/\\\\}; cmd=${cmd//\"/\\\"}
    printf '  {"directory": "%s", "file": "%s", "command": "%s"}' "$dir" "$f" "$cmd"
done
printf '\n]\n'
