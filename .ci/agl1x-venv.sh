#!/usr/bin/env bash
# Create (or reuse) the venv holding the real Agent-lightning 1.x server, agentlightning 1.0.2
# (Python >= 3.12), and print the path of its python on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/agl-1.0.2
#   DECK_AGL1X_PYTHON   a Python 3.12+ to build it with (default: python3.12, else python3.13,
#                       each from PATH, else pyenv's)
#
# The venv is small (~95 MB, ~30 s to install) and kept between runs while it passes ci_venv's
# check (.ci/lib.sh), with `pip check` clean and the server app importing. The server is
# started from that python (see tests/plugins/lightning_rollouts/agl1x.py).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

version=1.0.2
ci_venv_install() { ci_pip "agentlightning==$version"; }
ci_venv "agl-$version" bin/python DECK_AGL1X_PYTHON python3.12 python3.13 \
    --pin "agentlightning==$version" --import agentlightning.server.app --pip-check
