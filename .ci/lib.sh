# shellcheck shell=bash
# Sourced by the .ci/ installers: logging, the shared cache and its locks, and ci_venv, which
# builds (or reuses) one venv in the cache and prints the path of one of its files on stdout.
# Everything else goes to stderr.
#
#   DECK_CACHE  cache root (default: ~/.cache/deck)

ci_cache=${DECK_CACHE:-$HOME/.cache/deck}
ci_name=$(basename "$0" .sh)
ci_dir=$(dirname "${BASH_SOURCE[0]}")

log() { printf '%s: %s\n' "$ci_name" "$*" >&2; }

# Holds LOCKFILE (under the cache) until the script exits: parallel CI jobs sharing the cache
# wait here, one builder at a time.
ci_lock() {
    mkdir -p "$ci_cache"
    exec 9>"$1"
    if command -v flock >/dev/null; then
        flock 9
    fi
}

# Prints the first interpreter that runs: $1 when set (an explicit choice, taken as it is),
# else each of the commands $2... on PATH, else pyenv's build of that version (a pyenv shim
# on PATH fails for a version that is installed but not selected).
ci_find_python() {
    local chosen=$1 command root=${PYENV_ROOT:-$HOME/.pyenv} candidate
    shift
    if [[ -n $chosen ]]; then
        printf '%s\n' "$chosen"
        return
    fi
    for command in "$@"; do
        for candidate in "$(command -v "$command")" "$root"/versions/"${command#python}".*/bin/"$command"; do
            if [[ -x $candidate ]] && "$candidate" -c '' 2>/dev/null; then
                printf '%s\n' "$candidate"
                return
            fi
        done
    done
    return 1
}

# pip install into the venv being built (for the script's `ci_venv_install`).
ci_pip() { "$ci_venv_path/bin/python" -m pip install --quiet "$@" >&2; }

# ci_venv DIR PRINTED PYTHON_VARIABLE PYTHON... [--pin DIST==VERSION...] [--import MODULE...]
#        [--pip-check]
#
# Reuses $DECK_CACHE/DIR when it passes the check: bin/python and PRINTED (relative to the
# venv) are executable, each pinned distribution is installed at that version, every file the
# packages' RECORDs list is present (an interrupted install leaves some missing), each module
# imports, and with --pip-check `pip check` is clean. Otherwise the venv is removed and built
# again: with $PYTHON_VARIABLE when set, else the first of PYTHON... that runs, then the
# script's `ci_venv_install` (ci_pip ...). Prints the venv's PRINTED.
ci_venv() {
    local dir=$1 printed=$2 python_variable=$3 arg option=--python
    local -a pythons=() pins=() modules=()
    local pip_check=
    for arg in "${@:4}"; do
        case $arg in
            --pip-check) pip_check=1 ;;
            --pin | --import) option=$arg ;;
            *)
                case $option in
                    --python) pythons+=("$arg") ;;
                    --pin) pins+=("$arg") ;;
                    --import) modules+=("$arg") ;;
                esac
                ;;
        esac
    done
    ci_venv_path=$ci_cache/$dir
    ci_lock "$ci_venv_path.lock"

    if _ci_venv_healthy; then
        log "reusing $ci_venv_path"
    else
        [[ -e $ci_venv_path ]] && log "$ci_venv_path is broken or incomplete; rebuilding"
        local python
        python=$(ci_find_python "${!python_variable:-}" "${pythons[@]}") || {
            log "no ${pythons[*]} found that runs (set $python_variable)"
            exit 1
        }
        log "building $ci_venv_path with $python (${pins[*]})"
        rm -rf "$ci_venv_path"
        "$python" -m venv "$ci_venv_path"
        ci_venv_install
        _ci_venv_healthy || { log "the new venv failed its check"; exit 1; }
    fi
    printf '%s\n' "$ci_venv_path/$printed"
}

# The reuse check of ci_venv (its locals pins, modules, pip_check, printed); says why it fails.
_ci_venv_healthy() {
    local python=$ci_venv_path/bin/python why
    [[ -x $python && -x $ci_venv_path/$printed ]] || return 1
    why=$("$python" -I "$ci_dir/venv_check.py" "${pins[@]}" -- "${modules[@]}" 2>&1) || {
        log "${why##*$'\n'}"
        return 1
    }
    if [[ -n $pip_check ]] && ! "$python" -m pip check >/dev/null 2>&1; then
        log "pip check failed"
        return 1
    fi
}
