#!/usr/bin/env bash
# Make sure Debian's etcd server is installed and print the path of its `etcd` executable on
# stdout. Everything else goes to stderr. The tests start it themselves, on free loopback ports.
#
#   DECK_ETCD  an etcd executable to use instead (nothing is installed then)
#
# Installs the Debian package `etcd-server` with apt-get (as root, or through sudo -n).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

healthy() { "$1" --version >/dev/null 2>&1; }

if [[ -n ${DECK_ETCD:-} ]]; then
    healthy "$DECK_ETCD" || { log "$DECK_ETCD does not run"; exit 1; }
    printf '%s\n' "$DECK_ETCD"
    exit 0
fi

found=$(command -v etcd || true)
if [[ -z $found ]]; then
    sudo=()
    [[ $(id -u) == 0 ]] || sudo=(sudo -n)
    ci_lock "$ci_cache/etcd-install.lock"
    found=$(command -v etcd || true)
    if [[ -z $found ]]; then
        log "installing etcd-server with apt-get"
        "${sudo[@]}" apt-get install -y -q etcd-server >&2 || {
            "${sudo[@]}" apt-get update -q >&2
            "${sudo[@]}" apt-get install -y -q etcd-server >&2
        }
        found=$(command -v etcd || echo /usr/bin/etcd)
    fi
fi
healthy "$found" || { log "$found does not run"; exit 1; }
log "using $found"
printf '%s\n' "$found"
