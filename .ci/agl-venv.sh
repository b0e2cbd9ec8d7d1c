#!/usr/bin/env bash
# Create (or reuse) the venv holding the real LightningStore server, agentlightning 0.3.0,
# and print the path of its `agl` executable on stdout. Everything else goes to stderr.
#
#   DECK_CACHE       cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/agl-0.3.0
#   DECK_AGL_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# The venv is large (~800 MB, 1-2 min to install), so it is kept between runs. It is reused
# only when it passes a check (the interpreter runs, the right version is installed, every
# file the packages' RECORDs list is present, `pip check` is clean, `agl` exists); a broken
# or half-installed venv is removed and built again.
set -euo pipefail

version=0.3.0
cache=${DECK_CACHE:-$HOME/.cache/deck}
venv=$cache/agl-$version
agl=$venv/bin/agl

log() { printf 'agl-venv: %s\n' "$*" >&2; }

healthy() {
    [[ -x $venv/bin/python && -x $agl ]] || return 1
    "$venv/bin/python" - "$version" <<'EOF' >&2 || return 1
import importlib.metadata as metadata, sys
try:
    found = metadata.version("agentlightning")
except metadata.PackageNotFoundError:
    sys.exit("agentlightning is not installed")
if found != sys.argv[1]:
    sys.exit(f"agentlightning {found} is installed, not {sys.argv[1]}")
# An interrupted install leaves files missing that the packages' RECORDs list.
for dist in metadata.distributions():
    for file in dist.files or ():
        if "__pycache__" not in file.parts and not file.locate().exists():
            sys.exit(f"{dist.metadata['Name']} is incomplete: {file} is missing")
EOF
    "$venv/bin/python" -m pip check >/dev/null 2>&1 || { log "pip check failed"; return 1; }
}

build() {
    local python=${DECK_AGL_PYTHON:-}
    if [[ -z $python ]]; then
        python=$(command -v python3.11 || command -v python3) || {
            log "no python3.11 or python3 found"
            exit 1
        }
    fi
    log "building $venv with $python (agentlightning==$version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "agentlightning==$version" >&2
}

mkdir -p "$cache"
# One builder at a time: parallel CI jobs sharing the cache wait here.
exec 9>"$venv.lock"
if command -v flock >/dev/null; then
    flock 9
fi

if healthy; then
    log "reusing $venv"
else
    [[ -e $venv ]] && log "$venv is broken or incomplete; rebuilding"
    build
    healthy || { log "the new venv failed its check"; exit 1; }
fi
printf '%s\n' "$agl"
