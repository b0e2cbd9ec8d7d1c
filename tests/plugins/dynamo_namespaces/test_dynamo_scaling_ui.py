"""Adding and removing workers through the keys: exact plans, exact writes, and refusals."""

from __future__ import annotations

import re
import shutil

import pytest

from deck.plugins.dynamo_namespaces.client import load_state, scale
from deck.testing import open_deck


def expected_after(path, tmp_path, action: str, component: str) -> bytes:
    """The bytes the same change makes on a copy, through the shared implementation."""
    copy = tmp_path / "expected" / path.name
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(path, copy)
    assert scale(copy, action, component).ok
    return copy.read_bytes()


def test_add_through_the_keys_writes_exactly_the_plan(
    copy_fixture, state_dir, tmp_path, open_dynamo, fixtures_dir
):
    path = copy_fixture("initial/dynamo.json")
    expected = expected_after(path, tmp_path, "add", "VllmWorker")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("a")
    screen = deck.wait_for("Add which worker?")
    assert "VllmWorker" in screen and "PrefillWorker" in screen
    deck.press("1")
    screen = deck.wait_for("Add dynamo_VllmWorker_1 on GPU 2")
    assert "Add VllmWorker" in screen  # the dialog's title
    assert "written only if still version" in screen
    assert "Recorded in the state file; Dynamo's own watcher starts or stops the process." in screen
    deck.press("y")
    assert deck.wait_until(lambda: deck.deck.status.text == "Added dynamo_VllmWorker_1 on GPU 2", 5)
    assert path.read_bytes() == expected
    # Same watchers and GPUs as Dynamo's own LocalConnector wrote for this transition.
    dynamo = load_state(fixtures_dir / "after_add_vllm/dynamo.json")
    written = load_state(path)
    assert [(w.key, w.allocated_gpus) for w in written.watchers] == [
        (w.key, w.allocated_gpus) for w in dynamo.watchers
    ]
    screen = deck.wait_for("✓ 6 watchers · 3/4 GPUs used", timeout=1.0)
    assert "✓ Added dynamo_VllmWorker_1 on GPU 2" in screen
    assert "dynamo_VllmWorker_1" in [w.key for w in deck.deck.panels("dynamo.watchers")[0].table.all_rows]


def test_remove_through_the_keys_matches_dynamo_byte_for_byte(
    copy_fixture, state_dir, open_dynamo, fixtures_dir
):
    path = copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("tab", "tab", "r", "1")  # from the GPU map: r there removes, it does not refresh
    screen = deck.wait_for("Release base entry dynamo_VllmWorker, freeing GPU 0")
    assert "Remove VllmWorker" in screen
    deck.press("y")
    message = "Removed dynamo_VllmWorker (GPU 0 freed; base entry kept as the template)"
    assert deck.wait_until(lambda: deck.deck.status.text == message, 5)
    assert path.read_bytes() == (fixtures_dir / "after_remove_base_vllm/dynamo.json").read_bytes()
    deck.wait_for("base (released)", timeout=1.0)


@pytest.mark.parametrize(
    ("keys", "dialog"),
    [
        (("a", "1", "esc"), "Add dynamo_VllmWorker_1 on GPU 2"),
        (("a", "2", "n"), "Add dynamo_PrefillWorker_1 on GPU 2"),
        (("r", "2", "enter"), "Release base entry dynamo_PrefillWorker"),  # Enter starts on Cancel
        (("r", "1", "esc"), "Release base entry dynamo_VllmWorker"),
    ],
)
def test_cancelled_changes_leave_the_file_byte_identical(copy_fixture, state_dir, open_dynamo, keys, dialog):
    path = copy_fixture("initial/dynamo.json")
    before = path.read_bytes()
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press(*keys[:2])
    deck.wait_for(dialog)
    deck.press(keys[2])
    assert deck.wait_until(lambda: "cancelled, nothing written" in deck.deck.status.text, 5)
    assert dialog not in deck.text()
    assert path.read_bytes() == before
    assert sorted(p.name for p in state_dir.iterdir()) == ["dynamo.json"]  # not even a lock file


def test_choosing_no_component_does_nothing(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    before = path.read_bytes()
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("a")
    deck.wait_for("Add which worker?")
    deck.press("esc")
    deck.run(0.1)
    assert "Add which worker?" not in deck.text()
    assert path.read_bytes() == before


def test_a_file_changed_after_the_plan_was_shown_is_refused_and_reread(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("a", "1")
    deck.wait_for("Add dynamo_VllmWorker_1 on GPU 2")
    assert scale(path, "add", "PrefillWorker").ok  # another planner writes while the dialog is open
    theirs = path.read_bytes()
    deck.press("y")
    assert deck.wait_until(lambda: "changed since it was shown" in deck.deck.status.text, 5)
    assert deck.deck.status.level == "error"
    assert deck.deck.status.text.startswith("Add worker: dynamo.json changed since it was shown")
    assert "nothing written" in deck.deck.status.text
    assert path.read_bytes() == theirs
    screen = deck.wait_for("dynamo_PrefillWorker_1", timeout=1.0)  # the new state, re-read
    assert "dynamo_VllmWorker_1" not in screen
    # Confirming again on what is now shown works, and plans from the new state.
    deck.press("a", "1")
    deck.wait_for("Add dynamo_VllmWorker_1 on GPU 3")
    deck.press("y")
    assert deck.wait_until(lambda: deck.deck.status.text == "Added dynamo_VllmWorker_1 on GPU 3", 5)


def test_a_refused_plan_says_why_and_writes_nothing(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("no_gpu_left/dynamo.json")
    before = path.read_bytes()
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_VllmWorker_2")
    deck.press("a", "2")
    assert deck.wait_until(lambda: deck.deck.status.text == "Add worker: no free GPU: 4 of 4 allocated", 5)
    assert path.read_bytes() == before


def test_read_only_disables_add_and_remove(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    before = path.read_bytes()
    deck = open_dynamo(state_dir, read_only=True)
    screen = deck.wait_for("dynamo_Frontend")
    assert "READ-ONLY" in screen
    deck.press("a")
    assert deck.deck.status.text == "Add worker: disabled in read-only mode"
    deck.press("r")
    assert deck.deck.status.text == "Remove worker: disabled in read-only mode"
    assert "which worker?" not in deck.text()
    deck.press("?")
    screen = deck.wait_for("Help: every action")
    assert "Add worker (disabled: read-only)" in screen
    assert path.read_bytes() == before
    deck.press("esc", "n")  # looking around is still allowed
    deck.wait_for("Choose a namespace")


def test_the_dynamo_layout_moves_refresh_to_capital_r_and_help_says_so(copy_fixture, state_dir, open_dynamo):
    copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("R")
    assert deck.deck.status.text.startswith("refreshing dynamo.state")
    deck.press("?")
    screen = deck.wait_for("Help: every action")
    assert re.search(r"\bR +Refresh this panel \(moved from r\)", screen), screen
    assert re.search(r"\br +Remove worker", screen), screen


def test_elsewhere_r_refreshes_and_x_removes(copy_fixture, state_dir, tmp_path):
    copy_fixture("initial/dynamo.json")
    layout = tmp_path / "mine.yaml"
    layout.write_text(
        f"plugins:\n  dynamo:\n    state_dir: {state_dir}\nscreens:\n  - name: Mine\n    panel: dynamo.watchers\n"
    )
    deck = open_deck(layout, size=(120, 40))
    try:
        deck.first_results()
        deck.wait_for("dynamo_Frontend")
        deck.press("r")
        assert deck.deck.status.text.startswith("refreshing dynamo.state")
        assert "which worker?" not in deck.text()
        deck.press("x")
        deck.wait_for("Remove which worker?")
    finally:
        deck.stop()
