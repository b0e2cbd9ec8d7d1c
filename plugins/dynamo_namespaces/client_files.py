"""Finding and reading state files; a vanished folder or file is normal, never an exception."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import filelock

from .client_parse import parse_state
from .model import FileVersion, StateError, StateSnapshot

__all__ = [
    "DEFAULT_STATE_DIR",
    "STATE_DIR_ENV",
    "DirectoryStamp",
    "directory_stamp",
    "discover",
    "find_namespace",
    "load_state",
    "lock_path",
    "read_state",
    "resolve_state_dir",
    "state_files",
]

logger = logging.getLogger(__name__)

STATE_DIR_ENV = "DYN_LOCAL_STATE_DIR"
DEFAULT_STATE_DIR = Path("~/.dynamo/state")

# (file name, mtime_ns, size, inode) of every state file: equal stamps mean nothing changed.
DirectoryStamp = frozenset[tuple[str, int, int, int]]


def resolve_state_dir(
    explicit: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """The state folder: an explicit setting, else $DYN_LOCAL_STATE_DIR, else ~/.dynamo/state."""
    env = os.environ if environ is None else environ
    chosen = explicit if explicit not in (None, "") else env.get(STATE_DIR_ENV) or DEFAULT_STATE_DIR
    return Path(chosen).expanduser()


def lock_path(state_file: Path) -> Path:
    """Dynamo's lock beside the state file: `{ns}.lock` (state_file.with_suffix('.lock'))."""
    return state_file.with_suffix(".lock")


def state_files(state_dir: Path) -> tuple[Path, ...]:
    """Every `*.json` in the folder, sorted; a missing folder has none."""
    try:
        entries = list(os.scandir(state_dir))
    except (FileNotFoundError, NotADirectoryError):
        return ()
    except OSError as exc:
        logger.warning("cannot list %s: %s", state_dir, exc.strerror)
        return ()
    names = sorted(e.name for e in entries if e.name.endswith(".json") and not e.is_dir())
    return tuple(Path(state_dir, name) for name in names)


def directory_stamp(state_dir: Path) -> DirectoryStamp:
    """Cheap fingerprint of the folder (stat only) for polling: files appearing, changing, going."""
    stamp = set()
    for path in state_files(state_dir):
        try:
            st = path.stat()
        except OSError:
            continue
        stamp.add((path.name, st.st_mtime_ns, st.st_size, st.st_ino))
    return frozenset(stamp)


def read_state(path: Path) -> StateSnapshot | StateError:
    """Read and parse one file once, without locking; used directly while holding the lock."""
    try:
        with open(path, "rb") as handle:
            st = os.fstat(handle.fileno())
            content = handle.read()
    except FileNotFoundError:
        problem = "file not found (the deployment may have stopped)"
        return StateError(path, problem, "missing", path.stem)
    except OSError as exc:
        return StateError(path, f"cannot read: {exc.strerror or exc}", "unreadable", path.stem)
    digest = hashlib.sha256(content).hexdigest()
    version = FileVersion(st.st_mtime_ns, len(content), st.st_ino, digest)
    return parse_state(path, content, version)


def load_state(path: Path, *, lock_timeout: float = 1.0) -> StateSnapshot | StateError:
    """Read one file; a syntax error is retried once under Dynamo's lock when that lock exists.

    Dynamo's LocalConnector rewrites the file in place under `{ns}.lock`, so an unlocked reader
    can catch it half-written. Retrying under the lock reads the finished file. The lock file is
    never created here: a read-only dashboard leaves the folder as it found it.
    """
    result = read_state(path)
    if isinstance(result, StateSnapshot) or result.kind != "syntax":
        return result
    lock_file = lock_path(path)
    if not lock_file.exists():
        return result
    try:
        with filelock.FileLock(str(lock_file), timeout=lock_timeout):
            return read_state(path)
    except filelock.Timeout:
        return result
    except OSError as exc:
        logger.debug("cannot take %s for a re-read: %s", lock_file, exc)
        return result


def discover(state_dir: Path) -> tuple[StateSnapshot | StateError, ...]:
    """Load every state file in the folder, ordered by namespace (taken from the content)."""
    results = [load_state(path) for path in state_files(state_dir)]
    return tuple(sorted(results, key=lambda r: (r.namespace, r.path.name)))


def find_namespace(
    state_dir: Path, namespace: str, loaded: tuple[StateSnapshot | StateError, ...] | None = None
) -> StateSnapshot | StateError | None:
    """The file for `namespace`: by content first (`{ns}.json` preferred), else by file name."""
    results = discover(state_dir) if loaded is None else loaded
    by_content = [r for r in results if isinstance(r, StateSnapshot) and r.namespace == namespace]
    by_content.sort(key=lambda r: r.path.stem != namespace)
    if by_content:
        return by_content[0]
    return next((r for r in results if r.path.stem == namespace), None)
