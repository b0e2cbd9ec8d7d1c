"""Exporting a table to `deck-<tab>-<timestamp>.txt`."""

from __future__ import annotations

from pathlib import Path

import pytest
from mesh_clock import START, settle

from deck import ActionError
from deck.plugins.mesh_demo import Mesh, export_table

WHEN = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def test_export_writes_an_aligned_text_table(tmp_path: Path) -> None:
    rows = [("node-0", "healthy", "0.0"), ("node-12", "degraded", "41.7")]
    path = export_table(
        "NODES", "NODES — mesh-demo", ["NODE", "HEALTH", "RTT"], rows, directory=tmp_path, when=WHEN
    )
    assert path == tmp_path / "deck-nodes-20231114-221320Z.txt"
    assert path.read_text(encoding="utf-8").splitlines() == [
        "NODES — mesh-demo",
        "",
        "NODE     HEALTH    RTT",
        "-------  --------  ----",
        "node-0   healthy   0.0",
        "node-12  degraded  41.7",
        "(2 rows)",
    ]


def test_export_never_overwrites_an_earlier_file(tmp_path: Path) -> None:
    first = export_table("NET.MAP", "first", ["A"], [("1",)], directory=tmp_path, when=WHEN)
    second = export_table("NET.MAP", "second", ["A"], [("2",)], directory=tmp_path, when=WHEN)
    assert first.name == "deck-net-map-20231114-221320Z.txt"
    assert second.name == "deck-net-map-20231114-221320Z-2.txt"
    assert first.read_text(encoding="utf-8").startswith("first")


def test_export_escapes_control_characters(tmp_path: Path) -> None:
    path = export_table("logs", "LOGS", ["MESSAGE"], [("\x1b[31mred\x07",)], directory=tmp_path, when=WHEN)
    text = path.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\\e[31mred\\x07" in text


def test_export_creates_the_directory_and_reports_one_it_cannot_use(tmp_path: Path) -> None:
    nested = export_table("audit", "AUDIT", ["SEQ"], [], directory=tmp_path / "a" / "b", when=WHEN)
    assert nested.exists()
    blocker = tmp_path / "file"
    blocker.write_text("keep me", encoding="utf-8")
    with pytest.raises(ActionError, match="could not write the export"):
        export_table("audit", "AUDIT", ["SEQ"], [], directory=blocker, when=WHEN)
    assert blocker.read_text(encoding="utf-8") == "keep me"


def test_a_snapshot_table_exports_every_row(tmp_path: Path) -> None:
    snap = settle(Mesh(seed=1, start=START), 5.0)
    rows = [(n.id, n.health, f"{n.cpu_pct:.0f}%") for n in snap.nodes]
    path = export_table("nodes", "NODES", ["NODE", "HEALTH", "CPU"], rows, directory=tmp_path, when=snap.now)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4 + len(snap.nodes) + 1
    assert all(any(line.startswith(n.id) for line in lines) for n in snap.nodes)
