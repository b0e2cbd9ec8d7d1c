#!/usr/bin/env bash
# Create (or reuse) the venv holding the real falcon-sbi 0.5.1 (CPU torch, Ray 2.60) and print
# the path of its `falcon` executable on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/falcon-sbi-0.5.1
#   DECK_FALCON_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# torch==2.13.0 resolves to the CPU wheel where one is offered (pip's find-links on these
# machines); the venv is ~1.5 GB and takes minutes to build, so it is kept between runs while
# it passes ci_venv's check (.ci/lib.sh), with falcon and torch importing and `falcon` present.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

version=0.5.1
ci_venv_install() {
    ci_pip "torch==2.13.0"
    ci_pip "falcon-sbi==$version" "ray[default]==2.60.0"
}
ci_venv "falcon-sbi-$version" bin/falcon DECK_FALCON_PYTHON python3.11 python3 \
    --pin "falcon-sbi==$version" --import falcon torch
