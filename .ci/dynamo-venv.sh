#!/usr/bin/env bash
# Create (or reuse) the venv holding a real Dynamo 1.6.1 (mocker workers and frontend, CPU only)
# and print the path of its python on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/dynamo-1.6.1
#   DECK_DYNAMO_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# ai-dynamo depends on `aisimulate`, which PyPI does not have, so it is installed without its
# dependencies plus the runtime packages the mocker and the frontend import. The venv is reused
# only when it passes a check (the right version, every file the packages' RECORDs list present,
# the mocker and frontend modules import); a broken or half-installed venv is built again.
set -euo pipefail

version=1.6.1
cache=${DECK_CACHE:-$HOME/.cache/deck}
venv=$cache/dynamo-$version
python_bin=$venv/bin/python

log() { printf 'dynamo-venv: %s\n' "$*" >&2; }

healthy() {
    [[ -x $python_bin ]] || return 1
    "$python_bin" -I - "$version" <<'PY' >&2 || return 1
import importlib.metadata as metadata, importlib.util, sys
for name in ("ai-dynamo", "ai-dynamo-runtime"):
    try:
        found = metadata.version(name)
    except metadata.PackageNotFoundError:
        sys.exit(f"{name} is not installed")
    if found != sys.argv[1]:
        sys.exit(f"{name} {found} is installed, not {sys.argv[1]}")
for dist in metadata.distributions():
    for file in dist.files or ():
        if "__pycache__" not in file.parts and not file.locate().exists():
            sys.exit(f"{dist.metadata['Name']} is incomplete: {file} is missing")
for module in ("dynamo.mocker", "dynamo.frontend", "tokenizers", "transformers"):
    if importlib.util.find_spec(module) is None:
        sys.exit(f"{module} cannot be imported")
PY
}

build() {
    local python=${DECK_DYNAMO_PYTHON:-}
    if [[ -z $python ]]; then
        python=$(command -v python3.11 || command -v python3) || {
            log "no python3.11 or python3 found"
            exit 1
        }
    fi
    log "building $venv with $python (ai-dynamo==$version)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$python_bin" -m pip install --quiet "ai-dynamo==$version" --no-deps >&2
    "$python_bin" -m pip install --quiet "ai-dynamo-runtime==$version" 'aiohttp>=3.14.3,<4' \
        'kubernetes>=32.0.1,<33' msgspec prometheus-client pyzmq 'redis<9' tqdm \
        transformers typing-extensions zstandard tokenizers >&2
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
printf '%s\n' "$python_bin"
