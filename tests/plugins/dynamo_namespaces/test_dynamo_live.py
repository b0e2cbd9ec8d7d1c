"""The dashboard follows the folder: broken files, files coming and going, no folder at all."""

from __future__ import annotations

import shutil

import pytest

from deck.plugins.dynamo_namespaces.client import scale

#: A change in the folder must be on screen within this many seconds (the issue's budget).
ON_SCREEN_WITHIN = 1.0

UNUSABLE = {
    "empty.json": "empty file (0 bytes; a writer may be part-way through)",
    "truncated.json": "truncated JSON at line 1 column 1463 (Unterminated string)",
    "not_object.json": "top level must be an object, got a list",
    "wrong_types.json": "components must be an object, got a list",
}
USABLE = {
    "bad_suffix.json": "dynamo_VllmWorker_abc: suffix 'abc' is not a number",
    "mixed_gpu_ids.json": "✓ 6 watchers · 3/4 GPUs used",
    "unicode_ns.json": "Namespace · dÿnamo-测试",
    "unicode_ns_utf8.json": "Namespace · dÿnamo-测试",
}
DYNAMO_PANELS = ("dynamo.components", "dynamo.watchers", "dynamo.gpus", "dynamo.state")


def test_every_broken_fixture_is_covered(fixtures_dir):
    assert {p.name for p in (fixtures_dir / "broken").glob("*.json")} == set(UNUSABLE) | set(USABLE)


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_an_unusable_file_shows_its_error_everywhere_and_is_never_written(
    copy_fixture, state_dir, open_dynamo, name
):
    path = copy_fixture(f"broken/{name}")
    before = path.read_bytes()
    deck = open_dynamo(state_dir)
    screen = deck.wait_for(UNUSABLE[name])
    assert f"✗ Cannot read namespace '{path.stem}'" in screen
    for panel_type in DYNAMO_PANELS:
        (panel,) = deck.deck.panels(panel_type)
        assert panel.widget is panel.notice
        assert f"{path}: {UNUSABLE[name]}" in panel.notice.text
    assert "ns " in screen and path.stem in screen
    for key, verb in (("a", "add"), ("r", "remove")):
        deck.press(key)
        status = deck.deck.status
        expected = f"cannot {verb}: Cannot read namespace '{path.stem}': {path}: {UNUSABLE[name]}"
        assert deck.wait_until(lambda s=expected: deck.deck.status.text.endswith(s), 5), status
        assert "which worker?" not in deck.text()
    deck.press("tab", "tab", "tab", "a", "r")  # from the watchers panel too
    deck.run(0.1)
    assert path.read_bytes() == before
    assert sorted(p.name for p in state_dir.iterdir()) == [name]


@pytest.mark.parametrize("name", sorted(USABLE))
def test_a_surprising_but_usable_file_is_shown_and_untouched_until_confirmed(
    copy_fixture, state_dir, open_dynamo, name
):
    path = copy_fixture(f"broken/{name}")
    before = path.read_bytes()
    deck = open_dynamo(state_dir)
    deck.wait_for(USABLE[name])
    for key in ("a", "r"):
        deck.press(key, "1")
        deck.wait_until(lambda: deck.deck.overlays.top is not None and "Cancel" in deck.text(), 5)
        deck.press("esc")
        deck.run(0.05)
    assert path.read_bytes() == before


def test_a_broken_file_that_gets_fixed_is_shown_again(copy_fixture, state_dir, open_dynamo, fixtures_dir):
    path = copy_fixture("broken/truncated.json", "dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("truncated JSON")
    shutil.copyfile(fixtures_dir / "initial/dynamo.json", path)
    screen = deck.wait_for("✓ 5 watchers", timeout=ON_SCREEN_WITHIN)
    assert "truncated JSON" not in screen
    assert deck.deck.panels("dynamo.watchers")[0].table.total == 5


def test_files_appearing_changing_and_vanishing_show_up_within_a_second(state_dir, open_dynamo, fixtures_dir):
    deck = open_dynamo(state_dir)
    screen = deck.wait_for("No deployments")
    assert "has no *.json state files" in screen

    path = state_dir / "dynamo.json"
    shutil.copyfile(fixtures_dir / "initial/dynamo.json", path)
    deck.wait_for("dynamo_Frontend", timeout=ON_SCREEN_WITHIN)

    assert scale(path, "add", "PrefillWorker").ok  # someone else's planner
    deck.wait_for("dynamo_PrefillWorker_1", timeout=ON_SCREEN_WITHIN)

    shutil.copyfile(fixtures_dir / "initial/agg.json", state_dir / "agg.json")
    deck.wait_for("2 namespaces · n switches", timeout=ON_SCREEN_WITHIN)

    path.unlink()
    screen = deck.wait_for("Namespace 'dynamo' not found", timeout=ON_SCREEN_WITHIN)
    assert "found: agg" in screen and "dynamo_PrefillWorker_1" not in screen

    shutil.rmtree(state_dir)  # what `dynamo serve` does when it stops
    screen = deck.wait_for("does not exist", timeout=ON_SCREEN_WITHIN)
    assert "No deployments" in screen


def test_a_missing_folder_reads_as_no_deployments(tmp_path, open_dynamo, fixtures_dir):
    folder = tmp_path / "never-created"
    deck = open_dynamo(folder)
    screen = deck.wait_for("No deployments")
    assert f"{folder} does not exist." in screen
    assert "✗" not in screen and "stale" not in screen  # a normal state, not an error
    (panel,) = deck.deck.panels("dynamo.watchers")
    assert panel.widget is panel.notice and "No deployments" in panel.notice.text
    deck.press("a")
    assert deck.wait_until(lambda: "cannot add: No deployments" in deck.deck.status.text, 5)
    deck.press("n")
    assert deck.wait_until(lambda: "no namespaces to choose from" in deck.deck.status.text, 5)
    assert not folder.exists()  # looking never creates anything

    folder.mkdir()  # `dynamo serve` starts
    shutil.copyfile(fixtures_dir / "initial/agg.json", folder / "agg.json")
    deck.wait_for("agg_VllmWorker", timeout=ON_SCREEN_WITHIN)


def test_a_file_that_breaks_leaves_nothing_for_actions_to_act_on(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("tab", "tab", "tab")
    (watchers,) = deck.deck.panels("dynamo.watchers")
    assert watchers.selection is not None
    path.write_bytes(path.read_bytes()[:100])  # a writer caught half-way
    deck.wait_for("truncated JSON", timeout=ON_SCREEN_WITHIN)
    assert watchers.selection is None
    assert all(panel.table.total == 0 for panel in deck.deck.panels() if hasattr(panel, "table"))
    deck.press("enter")
    assert deck.wait_until(lambda: deck.deck.status.text == "Full command: select a watcher first", 5)
