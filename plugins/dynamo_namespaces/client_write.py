"""Writing a plan: Dynamo's lock held across read-modify-write, atomic replace, no blind writes."""

from __future__ import annotations

import json
import logging
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any, Literal

import filelock

from .client_files import lock_path, read_state
from .client_parse import parse_state
from .model import FileVersion, StateError, StateSnapshot, thaw
from .model_plan import Plan, PlanError, apply_to_document, plan_add, plan_remove

__all__ = ["DEFAULT_LOCK_TIMEOUT", "ApplyResult", "FailureReason", "apply_plan", "scale"]

logger = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 10.0

FailureReason = Literal["missing", "corrupt", "stale", "locked", "refused", "read-only", "write-failed"]


@dataclass(frozen=True)
class ApplyResult:
    """Outcome of an add/remove: a status line, and the state the operator should now see."""

    ok: bool
    message: str
    reason: FailureReason | None = None
    plan: Plan | None = None
    state: StateSnapshot | StateError | None = None


def _render(document: dict[str, Any]) -> bytes:
    """Dynamo's LocalConnector format: indent=2, ASCII escapes, no trailing newline; strict JSON.

    Raises ValueError for NaN or Infinity, which JSON does not have (Python would write them).
    """
    return json.dumps(document, indent=2, allow_nan=False).encode("ascii")


def _is_our_temp(name: str, target: str) -> bool:
    """mkstemp's names for our temp files: `.{file}.` + 8 characters + `.tmp`."""
    return re.fullmatch(re.escape(f".{target}.") + r"[a-z0-9_]{8}\.tmp", name) is not None


def _remove_stale_temps(target: Path) -> None:
    """Temp files of our own naming left by a writer killed mid-write (we hold the lock now)."""
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if _is_our_temp(name, target.name):
            try:
                os.unlink(target.parent / name)
                logger.info("removed %s, left by an interrupted write", target.parent / name)
            except OSError as exc:
                logger.debug("cannot remove %s: %s", name, exc)


def _read_only(target: Path) -> bool:
    """A file nobody may write (0444), or one this process may not write, is not ours to replace."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not mode & 0o222 or not os.access(target, os.W_OK)


def _write_atomically(path: Path, content: bytes) -> FileVersion:
    """Temp file in the same folder, fsync, os.replace: readers see the old or the new file."""
    old = path.stat()
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, stat.S_IMODE(old.st_mode))
        if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
            try:
                os.chown(temp_name, old.st_uid, old.st_gid)
            except PermissionError:
                logger.debug("cannot keep the owner of %s", path)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    new = path.stat()
    return FileVersion(new.st_mtime_ns, new.st_size, new.st_ino, sha256(content).hexdigest())


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _stale(state: StateSnapshot, expected: FileVersion) -> ApplyResult:
    message = (
        f"{state.path.name} changed since it was shown (version {expected.short} is now "
        f"{state.version.short}); nothing written: review the new state and confirm again"
    )
    return ApplyResult(False, message, "stale", None, state)


def _locked_apply(
    path: Path, action: Literal["add", "remove"], component: str, expected: FileVersion | None
) -> ApplyResult:
    state = read_state(path)
    if isinstance(state, StateError):
        reason: FailureReason = "missing" if state.kind == "missing" else "corrupt"
        return ApplyResult(False, f"{state.message}; nothing written", reason, None, state)
    if expected is not None and not state.version.same_content(expected):
        return _stale(state, expected)
    plan = plan_add(state, component) if action == "add" else plan_remove(state, component)
    if isinstance(plan, PlanError):
        return ApplyResult(False, f"{plan.message}; nothing written", "refused", None, state)
    document = thaw(state.data)
    apply_to_document(document, plan)
    try:
        content = _render(document)
    except ValueError:
        message = f"{path} holds NaN or Infinity, which is not JSON; nothing written"
        return ApplyResult(False, message, "refused", plan, state)
    target = Path(os.path.realpath(path))  # a symlinked state file is written through its link
    if _read_only(target):
        shown = f"{path} (a link to {target})" if path.is_symlink() else str(path)
        message = f"{shown} is read-only; nothing written (make it writable to scale from here)"
        return ApplyResult(False, message, "read-only", plan, state)
    _remove_stale_temps(target)
    try:
        version = _write_atomically(target, content)
    except OSError as exc:
        message = f"{path}: cannot write ({exc.strerror or exc}); the file is unchanged"
        return ApplyResult(False, message, "write-failed", plan, state)
    message = plan.done_message()
    logger.info("%s: %s", path, message)
    return ApplyResult(True, message, None, plan, parse_state(path, content, version))


def scale(
    path: Path,
    action: Literal["add", "remove"],
    component: str,
    *,
    expected_version: FileVersion | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
) -> ApplyResult:
    """Re-read under `{ns}.lock`, check the version, plan, and write; the lock spans all of it.

    With `expected_version`, the write is refused when the file's content differs from that
    version (someone changed it since the operator looked); the result carries the new state.
    """
    if not path.is_file():
        state = read_state(path)
        message = state.message if isinstance(state, StateError) else f"{path}: not a file"
        return ApplyResult(False, f"{message}; nothing written", "missing", None, state)
    lock = filelock.FileLock(str(lock_path(path)), timeout=lock_timeout)
    try:
        with lock:
            return _locked_apply(path, action, component, expected_version)
    except filelock.Timeout:
        message = (
            f"{lock_path(path)} is held by another writer for over {lock_timeout:g} s; "
            "nothing written, try again"
        )
        return ApplyResult(False, message, "locked")
    except OSError as exc:
        message = f"{path}: cannot lock or read ({exc.strerror or exc}); nothing written"
        return ApplyResult(False, message, "write-failed")


def apply_plan(plan: Plan, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> ApplyResult:
    """Carry out a plan the operator confirmed, refusing if the file moved on since it was made."""
    return scale(
        plan.path,
        plan.action,
        plan.component,
        expected_version=plan.version,
        lock_timeout=lock_timeout,
    )
