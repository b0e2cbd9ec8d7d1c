"""What a plugin author gets wrong is said, not swallowed: misspelt or unmarked hooks, failures
in the log with their tracebacks, a test that waits in vain, log chunks that must all arrive."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from deck._app import check_layout
from deck.testing import open_deck

HEADER = """
from collections.abc import Mapping
from typing import Any

from deck import Option, Panel, PanelContext, PanelType, Result, Source, StatusSegment, hookimpl
from deck.widgets import KeyValue


class Board(Panel):
    sources = ("author.value",)

    def __init__(self, ctx: PanelContext) -> None:
        super().__init__(ctx)
        self.view = KeyValue()
        self.widget = self.view

    def update(self, result: Result[Any]) -> None:
        self.view.pairs = [("value", str(result.value))]
"""


def _layout(
    tmp_path: Path, plugin: str, *, screens: str = "  - name: Main\n    panel: author.board\n"
) -> Path:
    (tmp_path / "author.py").write_text(HEADER + textwrap.dedent(plugin), encoding="utf-8")
    layout = tmp_path / "author.yaml"
    layout.write_text(
        f"title: AUTHOR\nplugins:\n  author:\n    from: author.py\nscreens:\n{screens}", encoding="utf-8"
    )
    return layout


def _check(layout: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "deck", "--check", str(layout)], capture_output=True, text=True, timeout=60
    )


def test_a_misspelt_hook_fails_the_check_with_the_hook_it_meant(tmp_path: Path) -> None:
    layout = _layout(
        tmp_path,
        """
        @hookimpl
        def deck_panel(config: Mapping[str, Any]) -> list[PanelType]:
            return [PanelType("author.board", Board)]
        """,
    )
    done = _check(layout)
    assert done.returncode == 1
    assert "deck_panel is not a deck hook (did you mean 'deck_panels'?)" in done.stderr, done.stderr


def test_a_hook_without_hookimpl_fails_the_check(tmp_path: Path) -> None:
    layout = _layout(
        tmp_path,
        """
        def deck_panels(config: Mapping[str, Any]) -> list[PanelType]:
            return [PanelType("author.board", Board)]
        """,
    )
    done = _check(layout)
    assert done.returncode == 1
    assert "deck_panels is not marked @hookimpl, so deck never calls it" in done.stderr, done.stderr


def test_a_broken_plugin_shows_its_problem_in_its_panels_place(tmp_path: Path) -> None:
    layout = _layout(
        tmp_path,
        """
        @hookimpl
        def deck_panels() -> list[PanelType]:
            return [PanelType("author.board", Board)]

        @hookimpl
        def deck_source(config: Mapping[str, Any]) -> list[Source[int]]:
            return []
        """,
    )
    parts = check_layout(layout)
    assert "deck_source is not a deck hook (did you mean 'deck_sources'?)" in parts.problems["author"]
    harness = open_deck(layout, size=(100, 12))
    try:
        harness.wait_until(
            lambda: "(did you mean 'deck_sources'?)" in _unwrapped(harness.text()), what="the problem"
        )
    finally:
        harness.stop()


def _unwrapped(screen: str) -> str:
    """The screen's text with the panel borders and line breaks taken out (paths wrap anywhere)."""
    return " ".join(line.strip("│ ") for line in screen.splitlines())


CONFIGURED = """
class Plugin:
    def __init__(self) -> None:
        self.greeting = ""

    @hookimpl
    def deck_options(self) -> Mapping[str, Option]:
        return {"name": Option(str, "world")}

    @hookimpl
    def deck_configure(self, config: Mapping[str, Any]) -> None:
        if config["name"] == "nobody":
            raise ValueError("nobody to greet")
        self.greeting = f"hello {config['name']}"

    @hookimpl
    def deck_panels(self) -> list[PanelType]:
        greeting = self.greeting  # set up before any other hook runs
        return [PanelType("author.board", Board, description=greeting)]

    @hookimpl
    def deck_sources(self) -> list[Source[str]]:
        greeting = self.greeting
        return [Source("author.value", lambda: greeting, interval=None)]


plugin = Plugin
"""


def test_configure_runs_first_so_every_hook_uses_one_setup(tmp_path: Path) -> None:
    parts = check_layout(_layout(tmp_path, CONFIGURED))
    assert not parts.problems
    assert parts.panel_types["author.board"][1].description == "hello world"
    harness = open_deck(tmp_path / "author.yaml", size=(60, 10))
    try:
        harness.wait_for("hello world")
    finally:
        harness.stop()


def test_a_failing_configure_is_the_plugins_problem(tmp_path: Path) -> None:
    layout = _layout(tmp_path, CONFIGURED)
    layout.write_text(layout.read_text().replace("from: author.py", "from: author.py\n    name: nobody"))
    parts = check_layout(layout)
    assert parts.problems["author"] == "deck_configure raised ValueError: nobody to greet"


SEGMENT = """
@hookimpl
def deck_panels() -> list[PanelType]:
    return [PanelType("author.board", Board)]

@hookimpl
def deck_sources() -> list[Source[int]]:
    return [Source("author.value", lambda: 1, interval=None)]

def _explode(result: Result[int]) -> str:
    raise KeyError("no such field")

@hookimpl
def deck_status_segments() -> list[StatusSegment]:
    return [StatusSegment("author.seg", "author.value", _explode)]
"""


def _snapshot(layout: Path, log: Path, *flags: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "deck", "--layout", str(layout), "--snapshot", "--log", str(log), *flags],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return log.read_text(encoding="utf-8")


def test_debug_writes_segment_errors_with_their_traceback(tmp_path: Path) -> None:
    layout = _layout(tmp_path, SEGMENT)
    quiet = _snapshot(layout, tmp_path / "quiet.log")
    assert "author.seg" not in quiet and "Traceback" not in quiet
    loud = _snapshot(layout, tmp_path / "debug.log", "--debug")
    assert "DEBUG deck._shell: status segment author.seg failed: 'no such field'" in loud
    after = loud.split("status segment author.seg failed", 1)[1]
    assert "Traceback (most recent call last)" in after and "KeyError: 'no such field'" in after


def test_debug_gives_a_traceback_to_errors_logged_without_one(tmp_path: Path) -> None:
    import logging

    from deck._logging import setup_logging

    path = setup_logging(tmp_path / "deck.log", debug=True)
    assert path is not None
    try:
        try:
            {}["missing"]
        except KeyError as exc:
            logging.getLogger("deck.plugin.author").warning("lookup failed: %s", exc)
        logging.getLogger("deck.plugin.author").info("no exception here")
    finally:
        setup_logging(tmp_path / "after.log")
    text = path.read_text(encoding="utf-8")
    assert "lookup failed: 'missing'\nTraceback (most recent call last)" in text
    assert text.count("Traceback") == 1


def test_wait_until_fails_with_what_it_waited_for_and_the_screen(tmp_path: Path) -> None:
    harness = open_deck(_layout(tmp_path, SEGMENT), size=(60, 10))
    try:
        assert harness.wait_until(lambda: "value" in harness.text(), what="the value")
        with pytest.raises(AssertionError) as failure:
            harness.wait_until(lambda: False, 0.2, what="the sky falling")
        message = str(failure.value)
        assert message.startswith("the sky falling did not happen within 0.2 s; the screen was:\n")
        assert "value" in message.split("the screen was:", 1)[1]
        with pytest.raises(AssertionError, match="'nowhere' on screen did not happen"):
            harness.wait_for("nowhere", 0.1)
    finally:
        harness.stop()


APPENDING = """
from deck import LogPanel
from deck.widgets import LogLine

CHUNKS: list[Any] = [
    ("alpha",), ("alpha",), RuntimeError("backend gone"), ("beta",), (), ("beta",), ("gamma",)
]


class Tail(LogPanel):
    sources = ("author.tail",)
    append = True

    def lines(self, value: Any) -> list[LogLine]:
        return [LogLine(text) for text in value]


def fetch() -> tuple[str, ...]:
    chunk = CHUNKS.pop(0) if CHUNKS else ()
    if isinstance(chunk, Exception):
        raise chunk
    return chunk


@hookimpl
def deck_panels() -> list[PanelType]:
    return [PanelType("author.board", Board), PanelType("author.tail", Tail)]


@hookimpl
def deck_sources() -> list[Source[Any]]:
    return [
        Source("author.value", lambda: len(CHUNKS), interval=0.02),
        Source("author.tail", fetch, interval=0.02, max_backoff=0.02, append=True),
    ]
"""


def test_an_append_log_keeps_every_chunk_while_hidden_even_repeated_ones(tmp_path: Path) -> None:
    screens = "  - name: Main\n    panel: author.board\n  - name: Log\n    panel: author.tail\n"
    harness = open_deck(_layout(tmp_path, APPENDING, screens=screens), size=(60, 12))
    try:
        harness.wait_for("value  0")  # every chunk fetched while the log's screen was hidden
        harness.run(0.2)
        harness.press("2")
        screen = harness.wait_for("gamma")
    finally:
        harness.stop()
    words = [w for line in screen.splitlines() for w in line.split() if w in ("alpha", "beta", "gamma")]
    assert words == ["alpha", "alpha", "beta", "beta", "gamma"], screen
