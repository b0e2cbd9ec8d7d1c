#!/usr/bin/env bash
# Create (or reuse) the venv holding the real LightningStore server, agentlightning 0.3.0,
# and print the path of its `agl` executable on stdout. Everything else goes to stderr.
#
#   DECK_CACHE       cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/agl-0.3.0
#   DECK_AGL_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# The venv is large (~800 MB, 1-2 min to install), so it is kept between runs while it passes
# ci_venv's check (.ci/lib.sh), with `pip check` clean and `agl` present.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

version=0.3.0
ci_venv_install() { ci_pip "agentlightning==$version"; }
ci_venv "agl-$version" bin/agl DECK_AGL_PYTHON python3.11 python3 \
    --pin "agentlightning==$version" --pip-check
