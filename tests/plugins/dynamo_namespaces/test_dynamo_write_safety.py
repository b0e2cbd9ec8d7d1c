"""A state write never replaces what it must not: read-only files, links, non-JSON numbers, old temps."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

from deck.plugins.dynamo_namespaces.actions import DynamoActions
from deck.plugins.dynamo_namespaces.client import load_state, scale


def test_a_read_only_state_file_is_refused_not_replaced(copy_fixture, state_dir):
    path = copy_fixture("initial/dynamo.json")
    os.chmod(path, 0o444)
    before, inode = path.read_bytes(), path.stat().st_ino
    result = scale(path, "add", "VllmWorker")
    assert not result.ok
    assert result.reason == "read-only"
    assert result.message == f"{path} is read-only; nothing written (make it writable to scale from here)"
    assert (path.read_bytes(), path.stat().st_ino) == (before, inode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert sorted(p.name for p in state_dir.iterdir()) == ["dynamo.json", "dynamo.lock"]


def test_a_symlinked_state_file_is_written_through_the_link(copy_fixture, state_dir, tmp_path):
    real_dir = tmp_path / "elsewhere"
    real_dir.mkdir()
    real = copy_fixture("initial/dynamo.json", "real.json")
    real = real.rename(real_dir / "dynamo.json")
    link = state_dir / "dynamo.json"
    link.symlink_to(real)
    result = scale(link, "add", "VllmWorker")
    assert result.ok, result.message
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "dynamo_VllmWorker_1" in json.loads(real.read_bytes())["components"]
    assert sorted(p.name for p in real_dir.iterdir()) == ["dynamo.json"]
    assert sorted(p.name for p in state_dir.iterdir()) == ["dynamo.json", "dynamo.lock"]


def test_a_read_only_target_behind_a_link_is_refused(copy_fixture, state_dir, tmp_path):
    real = copy_fixture("initial/dynamo.json", "real.json")
    os.chmod(real, 0o444)
    link = state_dir / "dynamo.json"
    link.symlink_to(real)
    result = scale(link, "add", "VllmWorker")
    assert (result.ok, result.reason) == (False, "read-only")
    assert f"(a link to {real})" in result.message
    assert link.is_symlink()


def test_nan_and_infinity_are_never_written(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    document = json.loads(path.read_bytes())
    document["environment"]["weights"] = [float("nan"), float("inf")]
    path.write_text(json.dumps(document))  # Python writes NaN and Infinity; Dynamo reads them
    before = path.read_bytes()
    assert b"NaN" in before and load_state(path).ok
    result = scale(path, "add", "VllmWorker")
    assert (result.ok, result.reason) == (False, "refused")
    assert "NaN or Infinity" in result.message
    assert path.read_bytes() == before


def test_temp_files_left_by_a_killed_writer_are_cleaned_on_the_next_write(copy_fixture, state_dir):
    path = copy_fixture("initial/dynamo.json")
    # what a kill -9 between creating the temp file and the rename leaves behind
    fd, orphan = tempfile.mkstemp(prefix=".dynamo.json.", suffix=".tmp", dir=state_dir)
    os.write(fd, b'{"half": ')
    os.close(fd)
    others = [
        ".dynamo.json.tmp",
        "dynamo.json.abcdefgh.tmp",
        ".other.json.abcdefgh.tmp",
        ".dynamo.json.abc.tmp",
    ]
    for name in others:
        (state_dir / name).write_text("not ours")
    assert scale(path, "add", "VllmWorker").ok
    assert not Path(orphan).exists()
    assert sorted(p.name for p in state_dir.iterdir()) == sorted(["dynamo.json", "dynamo.lock", *others])


def test_remove_is_destructive_and_mutating():
    actions = {action.id: action for action in DynamoActions().actions()}
    assert actions["dynamo.remove"].destructive and actions["dynamo.remove"].mutating
    assert actions["dynamo.add"].mutating and not actions["dynamo.add"].destructive
