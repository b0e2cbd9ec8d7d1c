"""Resources, Traces pickers, Runners and Settings against the recorded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
from deck_helpers import keys, loaded, panel, rollouts, status_line, wait_until
from fixture_store import FixtureStore, more_rollouts
from lightning_support import free_port


def test_resources_latest_marked_and_opening_into_resources(
    fixture_store: FixtureStore, open_lightning
) -> None:
    deck = open_lightning(url=fixture_store.url, size=(160, 30))
    deck.first_results()
    deck.press("2")
    screen = deck.wait_for("rs-cf3ab54ec777")
    latest = next(line for line in screen.splitlines() if "▸ rs-cf3ab54ec777" in line)
    older = next(line for line in screen.splitlines() if "▸ rs-7fbf24925988" in line)
    assert "★ latest" in latest and "★" not in older
    assert "2 snapshots · latest rs-cf3ab54ec777" in screen
    assert screen.index("rs-cf3ab54ec777") < screen.index("rs-7fbf24925988")  # updated last, first
    deck.press("enter")
    screen = deck.text()
    assert "└ main_llm" in screen and "└ system_prompt" in screen
    assert "llm  model=Qwen/Qwen2.5-1.5B-Instruct" in screen
    assert "prompt_template  engine=jinja  template=You are {{ name }}." in screen
    deck.press("j", "j", "v")
    screen = deck.wait_for("Resource system_prompt")
    assert '"resource_type": "prompt_template",' in screen


def test_runners_and_their_current_rollout(fixture_store: FixtureStore, open_lightning) -> None:
    deck = open_lightning(url=fixture_store.url)
    deck.first_results()
    deck.press("4")
    screen = deck.wait_for("worker-5")
    assert "5 runners · 2 busy" in screen
    busy = next(line for line in screen.splitlines() if "worker-1 " in line)
    assert "● busy" in busy and "ro-0347ec6024a6" in busy
    runners = panel(deck, "lightning.runners").table
    assert [w.worker_id for w in runners.visible_rows][:2] == ["worker-1", "worker-2"]
    runners.select("worker-5")
    deck.press("t")
    assert "worker-5 is not running a rollout" in deck.wait_for("not running")
    runners.select("worker-1")
    deck.press("t")
    screen = deck.wait_for("Span tree")
    assert "traces of ro-0347ec6024a6 (at-b56f2d02)" in status_line(deck)


def test_picking_a_rollout_and_an_attempt_for_traces(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    deck.press("3")
    deck.wait_for("no rollout picked: o picks one")
    deck.press("o")
    asked = deck.wait_for("Traces of which rollout? (an id, part of one, or empty")
    assert "│ for a list)" in asked  # too long for the border: asked whole, wrapped, above the input
    deck.type("6eedb")
    deck.press("enter")  # one match, three attempts: which one?
    screen = deck.wait_for("Which attempt of ro-6eedb2fc3a09?")
    assert "every attempt (3)" in screen and "#3  at-dc7cece9  succeeded  worker-3" in screen
    deck.press("1")  # every attempt
    screen = deck.wait_for("ro-6eedb2fc3a09 · all 3 attempts")
    spans = panel(deck, "lightning.spans").table
    wait_until(deck, lambda: spans.total > 0, "the spans")
    assert {s.attempt_id for s in spans.all_rows} >= {"at-d8e97006", "at-dc7cece9"}
    deck.press("a")
    deck.wait_for("Which attempt of ro-6eedb2fc3a09?")
    deck.press("2")  # the newest first: #3
    deck.wait_for("ro-6eedb2fc3a09 · attempt #3 of 3 (at-dc7cece9)")
    wait_until(deck, lambda: {s.attempt_id for s in spans.all_rows} == {"at-dc7cece9"}, "one attempt's spans")
    deck.press("o")
    deck.wait_for("Traces of which rollout?")
    deck.type("ro-doesnotexist")
    deck.press("enter")
    assert "there is no rollout 'ro-doesnotexist'" in deck.wait_for("there is no rollout")
    deck.press("o")
    deck.wait_for("Traces of which rollout?")
    deck.press("enter")  # nothing typed: a list of every rollout, newest first
    screen = deck.wait_for("Rollouts matching ''")
    assert "ro-bbb903f2bb99  queuing" in screen


def test_the_span_table_searches_and_shows_json(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    rollouts(deck).table.select("ro-339e107ec270")
    deck.press("t")
    deck.wait_for("agentlightning.annotation")
    spans = panel(deck, "lightning.spans").table
    deck.press("/")
    deck.type("tool.call")
    deck.press("enter")
    assert [s.name for s in spans.visible_rows] == ["tool.call"]
    deck.press("/", *["backspace"] * 9)
    deck.type("output=391")  # a value with its name: what the tool returned
    deck.press("enter")
    assert [s.name for s in spans.visible_rows] == ["tool.call"]
    deck.press("v")
    screen = deck.wait_for("Span tool.call")
    assert '"span_id":' in screen and '"attributes": {' in screen
    deck.press("esc", "tab")  # the span tree follows the table: Enter shows the same span's JSON
    deck.press("enter")
    deck.wait_for("Span tool.call")


def test_the_span_tree_folds_and_follows_the_span_table(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    rollouts(deck).table.select("ro-339e107ec270")
    deck.press("t")
    deck.wait_for("agentlightning.annotation")
    spans, tree = panel(deck, "lightning.spans"), panel(deck, "lightning.waterfall")
    wait_until(deck, lambda: len(tree.table) == 7, "the span tree")
    assert tree.table.selected.span.name == "agentlightning.rollout"  # it starts at the root
    deck.press("j", "j", "j")  # the table's fourth span: the tool call
    assert spans.table.selected.name == "tool.call" and tree.table.selected.span.name == "tool.call"
    deck.press("tab", "-")  # a leaf: - goes to its parent, and the table follows
    assert tree.table.selected.span.name == "agent.step" and spans.table.selected.sequence_id == 2
    deck.press("-")  # folds the step: its two children are hidden, and counted
    screen = deck.text()
    assert "agent.step +2" in screen and "7 spans · depth 3 · 5 shown" in screen
    assert [row.span.name for row in tree.table.visible_rows].count("openai.chat.completion") == 1
    deck.press("shift tab", "j", "j")  # the table picks the tool call: the fold opens to show it
    assert tree.table.selected.span.name == "tool.call" and len(tree.table) == 7
    deck.press("tab", "k", "-")  # the chat call is a leaf: to its parent, the step; fold it again
    deck.press("-")
    assert len(tree.table) == 5
    deck.press("+")
    assert len(tree.table) == 7 and "5 shown" not in deck.text()


def test_the_traces_of_a_rollout_the_store_no_longer_has(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    rollouts(deck).table.select("ro-bbb903f2bb99")
    deck.press("t")
    deck.wait_for("ro-bbb903f2bb99 has no attempt yet, so no spans")
    fixture_store.rollouts = [r for r in fixture_store.rollouts if r["rollout_id"] != "ro-bbb903f2bb99"]
    deck.press("r")
    deck.wait_for("ro-bbb903f2bb99 is not in the store (deleted, or the store restarted): no spans")


def test_auto_refresh_really_refreshes(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url))
    deck.press("5")
    deck.wait_for("Auto-refresh  off")
    deck.press("a")
    deck.wait_for("every 300 s")
    before = fixture_store.count("GET /v1/agl/rollouts?limit=-1")
    deck.press("2")  # every 5 s
    assert "auto-refresh: every 5 s" in status_line(deck)
    assert "Auto-refresh  every 5 s" in deck.text()
    deck.run(3.0)
    assert fixture_store.count("GET /v1/agl/rollouts?limit=-1") == before
    wait_until(deck, lambda: fixture_store.count("GET /v1/agl/rollouts?limit=-1") > before, "a refresh", 4)
    wait_until(deck, lambda: fixture_store.count("GET /v1/agl/workers") >= 2, "the runners refreshed too", 4)
    deck.press("a", "1")  # off again (Refresher's tests check that it then stays quiet)
    assert "Auto-refresh  off" in deck.text()


def test_the_backend_url_is_checked_and_switches_server(fixture_store: FixtureStore, open_lightning) -> None:
    other = FixtureStore()
    other.rollouts = more_rollouts(3)
    other.start()
    not_a_store = FixtureStore()
    not_a_store.override = lambda method, path: (404, {"detail": "Not Found"}, "application/json")
    not_a_store.start()
    try:
        deck = loaded(open_lightning(url=fixture_store.url))
        deck.press("5", "u")
        deck.wait_for("Backend URL (http://host:port)")
        deck.press(*["backspace"] * 40)
        deck.type("ftp://elsewhere")
        deck.press("enter")
        assert "must start with http:// or https://" in deck.text()
        for bad, says in (
            (f"127.0.0.1:{free_port()}", "connection refused"),
            (f"127.0.0.1:{not_a_store.port}", "HTTP 404 from a server that is not a LightningStore"),
        ):
            deck.press("u")
            deck.wait_for("Backend URL (http://host:port)")
            deck.press(*["backspace"] * 40)
            deck.type(bad)
            deck.press("enter")
            wait_until(deck, lambda s=says: s in status_line(deck), f"the refusal of {bad}")
            assert "; not switched" in status_line(deck) and "✓" not in status_line(deck)
            assert f"Backend URL   {fixture_store.url}" in deck.text()
        deck.press("u")
        deck.wait_for("Backend URL (http://host:port)")
        deck.press(*["backspace"] * 40)
        deck.type(f"127.0.0.1:{other.port}/v1/agl/")
        deck.press("enter")
        wait_until(deck, lambda: f"backend: {other.url} (0.3.0)" in status_line(deck), "the switch")
        wait_until(deck, lambda: f"Backend URL   {other.url}" in deck.text(), "the new URL in Settings")
        deck.press("1")
        wait_until(deck, lambda: keys(deck) == [r["rollout_id"] for r in other.rollouts], "the other store")
        assert other.count("GET /v1/agl/health") >= 1
        deck.stop()
        again = loaded(open_lightning(url=fixture_store.url))  # the next run starts where we were
        deck = again
        deck.press("5")
        assert f"Backend URL   {other.url}" in deck.wait_for("from Settings (saved in")
        assert "Data age      rollouts read" in deck.wait_for("Data age      rollouts read")
    finally:
        other.stop()
        not_a_store.stop()


def test_agl_server_host_and_port_choose_the_server(
    fixture_store: FixtureStore, open_lightning, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGL_SERVER_HOST", "127.0.0.1")
    monkeypatch.setenv("AGL_SERVER_PORT", str(fixture_store.port))
    deck = loaded(open_lightning(url="http://127.0.0.1:1"))  # the layout's URL is overridden
    deck.press("5")
    deck.wait_for("from AGL_SERVER_HOST/AGL_SERVER_PORT")


@pytest.mark.parametrize(
    ("choice", "colorfgbg", "theme"),
    [
        ("1", "", "Daylight"),
        ("2", "", "Neon Syndicate"),
        ("3", "0;15", "Daylight"),
        ("3", "15;0", "Neon Syndicate"),
    ],
)
def test_the_theme_switches_live(
    fixture_store: FixtureStore, open_lightning, monkeypatch: pytest.MonkeyPatch, choice, colorfgbg, theme
) -> None:
    monkeypatch.setenv("COLORFGBG", colorfgbg)
    deck = open_lightning(url=fixture_store.url, theme="light" if theme != "Daylight" else "dark")
    assert deck.deck.theme.name != theme
    deck.press("5", "T")
    deck.wait_for("system")
    deck.press(choice)
    assert deck.deck.theme.name == theme
    chosen = ("light", "dark", "system")[int(choice) - 1]
    wait_until(deck, lambda: f"Theme         {chosen}   [T]" in deck.text(), "the setting shown", 3)


def test_page_size_from_settings(fixture_store: FixtureStore, open_lightning) -> None:
    fixture_store.rollouts += more_rollouts(100)
    deck = loaded(open_lightning(url=fixture_store.url, page_size=50))
    assert "page 1/3 · 50 per page · 114 rollouts" in deck.text()
    deck.press("5")
    deck.wait_for("Page size     50 rollouts")
    deck.press("j", "j", "j", "j", "j", "j")  # Enter on the setting changes it
    deck.press("enter")
    deck.wait_for("Rollouts per page")
    deck.press("3")
    assert "Page size     200 rollouts" in deck.text()
    deck.press("1")
    assert "page 1/1 · 200 per page · 114 rollouts" in deck.text()


def test_the_header_says_refreshing_while_fetching(fixture_store: FixtureStore, open_lightning) -> None:
    deck = loaded(open_lightning(url=fixture_store.url, health_interval=0.2))
    fixture_store.stall()
    started = time.monotonic()
    deck.press("r")
    wait_until(deck, lambda: "Refreshing" in deck.text(), "Refreshing in the header", 3)
    fixture_store.unstall()
    wait_until(deck, lambda: "● Online" in deck.text(), "Online again", 5)
    assert time.monotonic() - started < 5


def test_deck_lightning_url_wins_over_the_environment_and_the_saved_url(
    fixture_store: FixtureStore, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deck.plugins.lightning_rollouts.source_settings import save_url, state_file

    dead = f"http://127.0.0.1:{free_port()}"
    save_url(state_file(), dead)  # chosen in Settings on an earlier run
    env = {**os.environ, "AGL_SERVER_HOST": "127.0.0.1", "AGL_SERVER_PORT": dead.rsplit(":", 1)[1]}
    argv = [sys.executable, "-m", "deck", "lightning", "--url", fixture_store.url]
    done = subprocess.run(
        [*argv, "--refresh", "off", "--snapshot", "--size", "100x16"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Online 0.3.0" in done.stdout and "14 rollouts" in done.stdout
    assert json.loads(state_file().read_text())["url"] == dead  # the saved choice is left alone
