#!/usr/bin/env bash
# Create (or reuse) the venv holding the real Agent-lightning 1.x server, agentlightning 1.0.2
# (Python >= 3.12), and print the path of its python on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/agl-1.0.2
#   DECK_AGL1X_PYTHON   a Python 3.12+ to build it with (default: pyenv's 3.12, else python3.12)
#
# The venv is small (~95 MB, ~30 s to install) and kept between runs. It is reused only when
# it passes a check (the right version is installed, every file the packages' RECORDs list is
# present, `pip check` is clean); a broken or half-installed venv is removed and built again.
# The server is started from that python (see tests/plugins/lightning_rollouts/agl1x.py).
set -euo pipefail

version=1.0.2
cache=${DECK_CACHE:-$HOME/.cache/deck}
venv=$cache/agl-$version
python_bin=$venv/bin/python

log() { printf 'agl1x-venv: %s\n' "$*" >&2; }

healthy() {
    [[ -x $python_bin ]] || return 1
    "$python_bin" - "$version" <<'PY' >&2 || return 1
import importlib.metadata as metadata, sys
try:
    found = metadata.version("agentlightning")
except metadata.PackageNotFoundError:
    sys.exit("agentlightning is not installed")
if found != sys.argv[1]:
    sys.exit(f"agentlightning {found} is installed, not {sys.argv[1]}")
for dist in metadata.distributions():
    for file in dist.files or ():
        if "__pycache__" not in file.parts and not file.locate().exists():
            sys.exit(f"{dist.metadata['Name']} is incomplete: {file} is missing")
import agentlightning.server.app  # noqa: F401  (the app the tests serve)
PY
    "$python_bin" -m pip check >/dev/null 2>&1 || { log "pip check failed"; return 1; }
}

find_python() {
    if [[ -n ${DECK_AGL1X_PYTHON:-} ]]; then
        printf '%s\n' "$DECK_AGL1X_PYTHON"
        return
    fi
    if command -v pyenv >/dev/null; then
        local root candidate
        root=$(pyenv root)
        for candidate in "$root"/versions/3.1[2-9]*/bin/python3; do
            [[ -x $candidate ]] && { printf '%s\n' "$candidate"; return; }
        done
    fi
    command -v python3.12 || command -v python3.13 || {
        log "no Python 3.12+ found (set DECK_AGL1X_PYTHON)"
        exit 1
    }
}

build() {
    local python
    python=$(find_python)
    log "building $venv with $python (agentlightning==$version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$python_bin" -m pip install --quiet "agentlightning==$version" >&2
}

mkdir -p "$cache"
# One builder at a time: parallel CI jobs sharing the cache wait here.
exec 9>"$venv.lock"
if command -v flock >/dev/null; then
    flock 9
fi

if healthy 2>/dev/null; then
    log "reusing $venv"
else
    [[ -e $venv ]] && log "$venv is broken or incomplete; rebuilding"
    build
    healthy || { log "the new venv failed its check"; exit 1; }
fi
printf '%s\n' "$python_bin"
