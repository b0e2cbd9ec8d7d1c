#!/usr/bin/env bash
# Create (or reuse) the venv holding the real falcon-sbi 0.5.1 (CPU torch, Ray 2.60) and print
# the path of its `falcon` executable on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/falcon-sbi-0.5.1
#   DECK_FALCON_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# torch==2.13.0 resolves to the CPU wheel where one is offered (pip's find-links on these
# machines); the venv is ~1.5 GB and takes minutes to build, so it is kept between runs. It is
# reused only when it passes a check (the right falcon-sbi and torch are importable, every
# file the packages' RECORDs list is present, `falcon` exists); otherwise it is built again.
set -euo pipefail

version=0.5.1
cache=${DECK_CACHE:-$HOME/.cache/deck}
venv=$cache/falcon-sbi-$version
falcon=$venv/bin/falcon

log() { printf 'falcon-sbi-venv: %s\n' "$*" >&2; }

healthy() {
    [[ -x $venv/bin/python && -x $falcon ]] || return 1
    "$venv/bin/python" - "$version" <<'PY' >&2 || return 1
import importlib.metadata as metadata, sys
try:
    found = metadata.version("falcon-sbi")
except metadata.PackageNotFoundError:
    sys.exit("falcon-sbi is not installed")
if found != sys.argv[1]:
    sys.exit(f"falcon-sbi {found} is installed, not {sys.argv[1]}")
for dist in metadata.distributions():
    for file in dist.files or ():
        if "__pycache__" not in file.parts and not file.locate().exists():
            sys.exit(f"{dist.metadata['Name']} is incomplete: {file} is missing")
import falcon, torch  # noqa: E401  (the imports a run needs)
PY
}

build() {
    local python=${DECK_FALCON_PYTHON:-}
    if [[ -z $python ]]; then
        python=$(command -v python3.11 || command -v python3) || {
            log "no python3.11 or python3 found"
            exit 1
        }
    fi
    log "building $venv with $python (falcon-sbi==$version, torch==2.13.0 CPU)"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "torch==2.13.0" >&2
    "$venv/bin/python" -m pip install --quiet "falcon-sbi==$version" "ray[default]==2.60.0" >&2
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
printf '%s\n' "$falcon"
