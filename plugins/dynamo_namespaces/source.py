"""Watching the state folder: a cheap stat poll, and a reload of only the files that changed."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .client import (
    DirectoryStamp,
    StateError,
    StateSnapshot,
    directory_stamp,
    find_namespace,
    load_state,
)
from .model import thaw

__all__ = ["PARAMS", "SOURCE", "FolderView", "Problem", "StateFolderSource"]

logger = logging.getLogger(__name__)

#: The one source of the plugin; every dynamo panel follows it.
SOURCE = "dynamo.state"
#: The source's one parameter: the namespace the operator (or the layout) chose; None shows the first.
PARAMS: Mapping[str, Any] = {"namespace": None}

Loaded = StateSnapshot | StateError

#: Said wherever no state file is found: Dynamo 1.x deployments are in its discovery store.
NO_STATE_IN_1X = "Dynamo 1.x has no state files: see the Fleet screen."


@dataclass(frozen=True)
class Problem:
    """Why the panels cannot show a namespace: a headline and the details, for every panel."""

    level: str  # "warn" (nothing to show yet) or "bad" (a file that cannot be used)
    headline: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class FolderView:
    """What the panels show: the folder, its namespaces, and the one namespace on show.

    Equality is by `key` (the folder's stat stamp, the namespace, a reload counter), so the
    scheduler's unchanged-snapshot check costs nothing even for a file with 1,000 watchers.
    """

    state_dir: Path
    folder: str  # "ok", "missing" or "not a folder"
    files: tuple[Loaded, ...]
    namespace: str | None
    chosen: bool  # picked by the operator or the layout, not just the first one found
    state: Loaded | None
    document: Any = field(repr=False)  # state.data as plain dicts and lists, for the JSON view
    key: tuple[Any, ...] = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FolderView) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def namespaces(self) -> tuple[str, ...]:
        """Every namespace in the folder, in order, each once."""
        return tuple(dict.fromkeys(loaded.namespace for loaded in self.files))

    @property
    def snapshot(self) -> StateSnapshot | None:
        """The namespace's parsed state, when it could be read."""
        return self.state if isinstance(self.state, StateSnapshot) else None

    @property
    def problem(self) -> Problem | None:
        """Why there is nothing to show, or None when the namespace's state is readable."""
        folder = self.state_dir
        if self.folder == "missing":
            return Problem(
                "warn",
                "No deployments",
                (
                    f"{folder} does not exist.",
                    "Dynamo creates it when `dynamo serve` starts and removes it when it stops.",
                    NO_STATE_IN_1X,
                ),
            )
        if self.folder != "ok":
            return Problem("bad", "No deployments", (f"{folder} is not a folder.",))
        if not self.files:
            return Problem("warn", "No deployments", (f"{folder} has no *.json state files.", NO_STATE_IN_1X))
        if self.state is None:
            found = ", ".join(self.namespaces)
            return Problem(
                "warn",
                f"Namespace {self.namespace!r} not found",
                (f"No state file for it in {folder} (found: {found}).", "Press n to choose another one."),
            )
        if isinstance(self.state, StateError):
            return Problem(
                "bad",
                f"Cannot read namespace {self.namespace!r}",
                (
                    self.state.message,
                    "Nothing can be added or removed until the file is valid; deck never writes to it.",
                ),
            )
        return None


class StateFolderSource:
    """The plugin's fetch: returns the previous view unless the folder or the chosen namespace changed.

    `fetch` runs in a worker thread (never two at once); the namespace on show reaches it only
    as its parameter (`ctx.retarget(SOURCE, namespace=...)`).
    """

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._automatic: str | None = None  # the first namespace found, shown while none is chosen
        self._cache: dict[str, tuple[tuple[int, int, int], Loaded]] = {}
        self._stamp: DirectoryStamp | None = None
        self._view: FolderView | None = None

    def fetch(self, params: Mapping[str, Any] = PARAMS) -> FolderView:
        """The current view; a plain function, so the scheduler runs it in a worker thread."""
        stamp = directory_stamp(self.state_dir)
        folder = self._folder_state(stamp)
        wanted = params["namespace"]
        previous = self._view
        if (
            previous is not None
            and stamp == self._stamp
            and folder == previous.folder
            and wanted == (previous.namespace if previous.chosen else None)
        ):
            return previous
        self._view = self._build(stamp, folder, wanted, previous)
        self._stamp = stamp
        return self._view

    def _folder_state(self, stamp: DirectoryStamp) -> str:
        if stamp or self.state_dir.is_dir():
            return "ok"
        return "not a folder" if self.state_dir.exists() else "missing"

    def _load(self, stamp: DirectoryStamp) -> tuple[Loaded, ...]:
        """Every file, reusing what was read before when its (mtime, size, inode) is the same."""
        cache: dict[str, tuple[tuple[int, int, int], Loaded]] = {}
        for name, mtime_ns, size, inode in stamp:
            stat_key = (mtime_ns, size, inode)
            known = self._cache.get(name)
            loaded = known[1] if known is not None and known[0] == stat_key else None
            if loaded is None:
                loaded = load_state(self.state_dir / name)
                logger.debug("read %s: %s", name, loaded.problem if isinstance(loaded, StateError) else "ok")
            cache[name] = (stat_key, loaded)
        self._cache = cache
        return tuple(sorted((entry for _, entry in cache.values()), key=lambda r: (r.namespace, r.path.name)))

    def _build(
        self, stamp: DirectoryStamp, folder: str, wanted: str | None, previous: FolderView | None
    ) -> FolderView:
        files = self._load(stamp)
        names = [loaded.namespace for loaded in files]
        if wanted is None and names and self._automatic is None:
            self._automatic = names[0]  # kept from now on: what is on show never switches by itself
        namespace = wanted if wanted is not None else self._automatic
        state = find_namespace(self.state_dir, namespace, files) if namespace is not None else None
        if previous is not None and state is previous.state:
            document = previous.document
        else:
            document = thaw(state.data) if isinstance(state, StateSnapshot) else None
        return FolderView(
            state_dir=self.state_dir,
            folder=folder,
            files=files,
            namespace=namespace,
            chosen=wanted is not None,
            state=state,
            document=document,
            key=(stamp, folder, namespace, wanted is not None),
        )
