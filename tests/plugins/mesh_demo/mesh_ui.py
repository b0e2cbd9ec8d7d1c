"""Helpers for the mesh-demo UI tests: a shipped layout with a test config, and handles on the deck."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from deck.plugins.mesh_demo.client import MeshClient
from deck.plugins.mesh_demo.plugin import MeshPlugin
from deck.plugins.mesh_demo.source import SOURCE
from deck.testing import Harness

LAYOUTS = Path(__file__).resolve().parents[3] / "layouts"
KEYS = "1234567890"
SCREENS = ("NET.MAP", "NODES", "DAEMONS", "GROUPS", "CHAINS", "LOGS", "BLOBS", "NRPC", "MIGRATIONS", "AUDIT")


def write_layout(folder: Path, name: str = "mesh-demo", **config: Any) -> Path:
    """A copy of a shipped layout whose mesh has seed 1 and exports into `folder/exports`."""
    data = yaml.safe_load((LAYOUTS / f"{name}.yaml").read_text(encoding="utf-8"))
    data["plugins"]["mesh"].update({"seed": 1, "export_dir": str(folder / "exports"), **config})
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def plugin(harness: Harness) -> MeshPlugin:
    return harness.deck.parts.host.plugins["mesh"].obj


def client(harness: Harness) -> MeshClient:
    found = plugin(harness).client
    assert found is not None
    return found


def selected(harness: Harness, what: str) -> str | None:
    """The node or group the operator selected, as the mesh source's parameter holds it."""
    return harness.deck.scheduler.params(SOURCE)[what]


def show(harness: Harness, key: str) -> str:
    """Show a screen by its key and return the screen text."""
    harness.press(key)
    harness.run(0.05)
    return harness.text()


def status(harness: Harness) -> str:
    return harness.deck.status.text


def wait_status(harness: Harness, text: str, timeout: float = 5.0) -> str:
    """Run until the status line contains `text`; fail with what it said instead."""
    if not harness.wait_until(lambda: text in status(harness), timeout):
        raise AssertionError(f"status never said {text!r}; it says {status(harness)!r}")
    return status(harness)


def dialog_text(harness: Harness) -> str:
    """The screen text while a dialog is open (fails when none is)."""
    assert harness.deck.overlays.top is not None, "no dialog is open"
    return harness.text()


def audit_outcomes(harness: Harness) -> list[tuple[str, str, str]]:
    """(command, target, outcome) of every AUDIT entry, oldest first."""
    return [(a.command, a.target, a.outcome) for a in client(harness).snapshot().audit]
