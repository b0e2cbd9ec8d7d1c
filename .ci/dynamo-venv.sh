#!/usr/bin/env bash
# Create (or reuse) the venv holding a real Dynamo 1.6.1 (mocker workers and frontend, CPU only)
# and print the path of its python on stdout. Everything else goes to stderr.
#
#   DECK_CACHE          cache root (default: ~/.cache/deck); the venv is $DECK_CACHE/dynamo-1.6.1
#   DECK_DYNAMO_PYTHON  interpreter to build it with (default: python3.11, else python3)
#
# ai-dynamo depends on `aisimulate`, which PyPI does not have, so it is installed without its
# dependencies (hence no `pip check`) plus the runtime packages the mocker and the frontend
# import. The venv is kept between runs while it passes ci_venv's check (.ci/lib.sh), with the
# mocker and the frontend importing.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

version=1.6.1
ci_venv_install() {
    ci_pip "ai-dynamo==$version" --no-deps
    ci_pip "ai-dynamo-runtime==$version" 'aiohttp>=3.14.3,<4' 'kubernetes>=32.0.1,<33' msgspec \
        prometheus-client pyzmq 'redis<9' tqdm transformers typing-extensions zstandard tokenizers
}
ci_venv "dynamo-$version" bin/python DECK_DYNAMO_PYTHON python3.11 python3 \
    --pin "ai-dynamo==$version" "ai-dynamo-runtime==$version" \
    --import dynamo.mocker dynamo.frontend tokenizers transformers
