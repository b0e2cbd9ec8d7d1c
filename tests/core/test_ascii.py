"""ASCII terminals (LANG=C, --ascii): every built-in layout draws with ASCII only."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import known_offenders
import pytest

from deck._app import locate_layout
from deck._assemble import assemble
from deck._core_plugin import CorePlugin
from deck._deck import Deck
from deck._errors import LayoutError
from deck._headless import Harness
from deck._layout import builtin_layouts, load_layout
from deck.testing import open_deck
from deck.widgets import glyph, icons
from deck.widgets._glyphs import is_utf8_locale, to_ascii, unmapped


def open_ascii(name: str, size: tuple[int, int]) -> Harness:
    """A built-in layout, headless, in ASCII mode (keys its plugins are still moving unbound)."""
    layout = load_layout(locate_layout(name))
    try:
        parts = assemble(layout, core=CorePlugin())
    except LayoutError as exc:
        moving = {key for _, action, key in known_offenders.KEYS if action in str(exc)}
        if not moving:
            raise
        keys = {**layout.keys, **dict.fromkeys(sorted(k for _, _, k in known_offenders.KEYS))}
        parts = assemble(dataclasses.replace(layout, keys=keys), core=CorePlugin())
    return Harness(Deck(parts, ascii=True), size).start()


def every_screen(harness: Harness) -> list[str]:
    """The text of every screen, then of help over the first one."""
    shown = []
    for index in range(len(harness.deck.screens)):
        harness.deck.show_screen(index)
        harness.run(0.05)
        shown.append(harness.text())
    harness.deck.show_screen(0)
    harness.press("?")
    shown.append(harness.text())
    return shown


@pytest.mark.parametrize("name", sorted(builtin_layouts()))
def test_every_builtin_layout_draws_with_ascii_only(name: str) -> None:
    unmapped.clear()
    for size in ((80, 24), (120, 40)):
        harness = open_ascii(name, size)
        try:
            harness.run(0.5)
            for text in every_screen(harness):
                bad = sorted({c for c in text if not c.isascii()})
                assert not bad, f"{name} at {size}: non-ASCII {bad} on\n{text}"
        finally:
            harness.stop()
    found = {(name, char) for char in unmapped}
    known = {o for o in known_offenders.GLYPHS if o[0] == name}
    assert not found - known, (
        f"{name}: glyphs with no ASCII fallback (drawn as '?'): {sorted(found - known)}; "
        "draw them with deck.widgets.glyph(unicode, ascii)"
    )
    assert not known - found, (
        f"{name}: fixed, so remove from tests/core/known_offenders.py GLYPHS: {sorted(known - found)}"
    )


@pytest.mark.parametrize(("lang", "flags"), [("C", []), ("C.UTF-8", ["--ascii"])])
def test_lang_c_or_the_flag_switches_the_command_line_to_ascii(
    layouts: Path, lang: str, flags: list[str]
) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "LANG": lang, "HOME": os.environ.get("HOME", "/tmp")}
    layout = str(layouts / "operator.yaml")
    shown = subprocess.run(
        [sys.executable, "-m", "deck", "--layout", layout, "--snapshot", "--size", "80x24", *flags],
        env=env,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    assert shown.isascii(), shown.decode("utf-8", "replace")
    assert b"+- List -" in shown  # the border fell back too


@pytest.mark.parametrize(
    ("environ", "utf8"),
    [
        ({"LANG": "C"}, False),
        ({"LANG": "C", "LC_CTYPE": "C.UTF-8"}, False),  # Python's own coercion (PEP 538)
        ({}, False),
        ({"LANG": "POSIX"}, False),
        ({"LANG": "en_US.ISO-8859-1"}, False),
        ({"LANG": "en_US.UTF-8"}, True),
        ({"LANG": "C.UTF-8"}, True),
        ({"LANG": "C", "LC_ALL": "de_DE.utf8"}, True),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "C"}, False),
    ],
)
def test_the_locale_decides(environ: dict[str, str], utf8: bool) -> None:
    assert is_utf8_locale(environ) is utf8


def test_fallbacks_keep_every_cell_and_glyph_picks_the_plugins_own() -> None:
    unmapped.clear()
    assert to_ascii("┌─ ● ok · 3/4 ✓ ▁▃█ …") == "+- * ok . 3/4 v _:# ~"
    assert to_ascii("名前") == "????"  # wide characters keep both cells
    assert to_ascii("⚡ frontend") == "!  frontend"  # a wide glyph's fallback too
    assert unmapped == {"名", "前"}
    icons.ascii = True
    try:
        assert glyph("◉", "@") == "@"
    finally:
        icons.ascii = False
    assert glyph("◉", "@") == "◉"


def test_an_input_keeps_its_cursor_in_ascii_mode(layouts: Path) -> None:
    harness = open_deck(layouts / "operator.yaml", size=(80, 24), ascii=True)
    try:
        harness.wait_for("alpha")
        harness.press("/").type("al")
        assert harness.shell.render(harness.size, focus=True).cursor is not None
        assert harness.text().isascii()
    finally:
        harness.stop()
