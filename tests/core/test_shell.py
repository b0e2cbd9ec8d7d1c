"""The shell driven headless, the way an operator drives it."""

from pathlib import Path

import pytest

from deck.testing import Harness, open_deck


@pytest.fixture
def flaky(layouts: Path) -> Harness:
    harness = open_deck(layouts / "flaky.yaml", size=(120, 30))
    yield harness
    harness.stop()


def test_a_failing_panel_shows_its_error_and_the_rest_keeps_running(flaky: Harness) -> None:
    screen = flaky.wait_for("count")
    assert "ValueError: bad snapshot" in screen
    assert "RuntimeError: panel refused to build" in screen
    assert "see the log" in screen
    first = flaky.deck.scheduler.result("flaky.counter").value
    flaky.run(0.3)
    assert flaky.deck.scheduler.result("flaky.counter").value > first


def test_an_action_that_raises_reports_and_the_deck_stays_up(flaky: Harness) -> None:
    flaky.wait_for("count")
    flaky.press("x")
    assert "Explode failed: KeyError: 'handler exploded'" in flaky.text()
    flaky.press("2")
    assert "Sources" in flaky.wait_for("flaky.counter")


def test_confirmed_mutating_action_runs_on_yes_and_not_on_cancel(flaky: Harness) -> None:
    flaky.wait_for("count")
    flaky.press("w")
    assert "Really write?" in flaky.text()
    flaky.press("esc")
    assert "Write something: cancelled" in flaky.text()
    flaky.press("w")
    flaky.press("enter")
    assert "wrote it" in flaky.text()


def test_read_only_disables_mutating_actions_everywhere(layouts: Path) -> None:
    harness = open_deck(layouts / "flaky.yaml", size=(120, 30), read_only=True)
    try:
        harness.wait_for("count")
        assert "READ-ONLY" in harness.text()
        harness.press("w")
        assert "Really write?" not in harness.text()
        assert "Write something: disabled in read-only mode" in harness.text()
        harness.press("?")
        assert "Write something (disabled: read-only)" in harness.text()
    finally:
        harness.stop()


def test_plugin_that_raises_on_import_is_contained(layouts: Path) -> None:
    harness = open_deck(layouts / "import_error.yaml", size=(120, 30))
    try:
        screen = harness.wait_for("Memory")
        assert "panel 'broken.panel' is unavailable" in screen
        # The message names the plugin's file, so where it wraps depends on the checkout's path.
        broken_panel = "".join(
            line.split("││")[-1].rstrip("│") for line in screen.splitlines() if "││" in line
        )
        assert "ImportError:thispluginneedsalibrary" in "".join(broken_panel.split())
        harness.wait_for("Uptime")
    finally:
        harness.stop()


def test_plugin_raising_in_a_hook_breaks_only_its_panels(layouts: Path) -> None:
    harness = open_deck(layouts / "sources_fail.yaml", size=(120, 30))
    try:
        screen = harness.wait_for("Uptime")
        assert "deck_sources raised OSError: no such" in screen
        assert "[x] Explode" not in screen
    finally:
        harness.stop()


def test_tab_moves_focus_and_footer_hints_follow_the_panel() -> None:
    harness = open_deck("system", size=(120, 30))
    try:
        harness.first_results()
        assert "[F9] Send a signal" not in harness.text()
        harness.press("tab", "tab")
        assert "[F9] Send a signal" in harness.text()
        harness.press("shift tab")
        assert "[F9] Send a signal" not in harness.text()
    finally:
        harness.stop()


def test_help_palette_and_filter() -> None:
    harness = open_deck("system", size=(120, 50))
    try:
        harness.first_results()
        harness.press("?")
        screen = harness.text()
        assert "Help: every action" in screen and "scroll" in screen
        assert "On Processes (screen System)" in screen and "Send a signal" in screen
        harness.press("esc", ":")
        harness.type("sources")
        assert "Sources and their cost" in harness.text()
        harness.press("enter")
        assert "Sources: what each one costs" in harness.wait_for("system.processes")
        harness.press("esc", "tab", "tab", "/")
        harness.type("python")
        harness.press("enter")
        screen = harness.text()
        assert "/python" in screen
        table = harness.deck.panels("system.processes")[0].table
        assert all("python" in (p.command + p.name).lower() for p in table.visible_rows)
        harness.press("/", "esc")
        assert table.filter == "python"
    finally:
        harness.stop()


def test_kill_asks_for_a_signal_then_confirms_in_red_and_can_be_cancelled() -> None:
    harness = open_deck("system", size=(120, 30))
    try:
        harness.first_results()
        harness.press("tab", "tab", "f9")
        assert "SIGTERM" in harness.wait_for("Signal for")
        harness.press("1")
        assert "Send SIGTERM to process" in harness.text()
        dialog = harness.deck.overlays.top
        assert dialog is not None and dialog.danger
        harness.press("enter")  # a destructive dialog starts on Cancel
        assert "cancelled" in harness.text()
    finally:
        harness.stop()


def test_screens_switch_by_number_and_brackets(layouts: Path) -> None:
    harness = open_deck(layouts / "flaky.yaml", size=(100, 20))
    try:
        harness.wait_for("count")
        harness.press("2")
        assert harness.deck.screen.spec.name == "Other"
        harness.press("[")
        assert harness.deck.screen.spec.name == "Main"
    finally:
        harness.stop()


@pytest.mark.parametrize("size", [(20, 6), (80, 24), (10, 3), (200, 50)])
def test_any_size_renders_and_resizing_back_works(size: tuple[int, int]) -> None:
    harness = open_deck("system", size=(120, 40))
    try:
        harness.first_results()
        harness.resize(*size)
        lines = harness.text().splitlines()
        assert len(lines) == size[1]
        assert all(len(line) <= size[0] for line in lines)
        harness.press("?")
        harness.text()
        harness.press("esc")
        harness.resize(120, 40)
        assert "Processes" in harness.text()
    finally:
        harness.stop()


def test_the_theme_can_be_switched_while_running() -> None:
    harness = open_deck("system", size=(100, 30))
    try:
        harness.first_results()
        assert "┌─" in harness.text()
        harness.deck.contexts["system"].use_theme("mono")
        assert harness.deck.theme.name == "Mono"
        assert "+-" in harness.text()
        with pytest.raises(Exception, match="no theme named 'nope'"):
            harness.deck.contexts["system"].use_theme("nope")
        assert harness.deck.theme.name == "Mono"
    finally:
        harness.stop()


def test_keys_typed_in_one_burst_reach_the_dialog_the_first_key_opens() -> None:
    harness = open_deck("system", size=(120, 30))
    try:
        harness.first_results()
        harness.press("tab", "tab")

        async def burst() -> None:
            for key in "/python":
                harness.shell.keypress(harness.size, key)

        harness.loop.run_until_complete(burst())
        harness.run(0.1)
        harness.press("enter")
        assert harness.deck.panels("system.processes")[0].filter_text == "python"
    finally:
        harness.stop()


def test_keys_that_arrive_together_filter_once_with_the_text_they_leave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from deck._filtering import FilterDialog

    harness = open_deck("system", size=(120, 40))
    try:
        harness.first_results()
        panel = harness.deck.panels("system.processes")[0]
        applied: list[str] = []
        apply = panel.apply_filter
        monkeypatch.setattr(panel, "apply_filter", lambda text: (applied.append(text), apply(text)))
        redraws: list[int] = []
        dialog = FilterDialog(panel, harness.deck.theme.border, lambda: redraws.append(1))

        async def burst(*keys: str) -> None:  # one read from the terminal holding several keys
            for key in keys:
                dialog.keypress((80, 3), key)

        harness.loop.run_until_complete(burst(*"pyth"))
        harness.run()
        assert applied == ["pyth"] and redraws == [1] and panel.filter_text == "pyth"
        harness.loop.run_until_complete(burst("o", "enter"))  # Enter keeps "pytho" at once
        harness.run()
        assert applied == ["pyth", "pytho"] and panel.filter_text == "pytho"
    finally:
        harness.stop()
