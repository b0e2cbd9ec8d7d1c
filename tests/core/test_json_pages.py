"""Long prompts in the JSON viewer: multi-line text says how long it is, and Enter reads it whole."""

from __future__ import annotations

from pathlib import Path

from deck.testing import open_deck
from deck.widgets import JsonView

PROMPT = "You are a careful assistant.\nAnswer in French.\nCite sources."
LONG = "word " * 60
CALL = {"messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": LONG}]}


def screen(view: JsonView, width: int = 60, height: int = 20) -> list[str]:
    return [line.decode().rstrip() for line in view.render((width, height), True).text]


def row_roles(view: JsonView, row: int, width: int = 60, height: int = 20) -> list[tuple[str | None, str]]:
    runs = list(view.render((width, height), True).content())[row]
    return [(role, text.decode()) for role, _, text in runs]


def cursor_on(view: JsonView, text: str) -> None:
    view.cursor = next(i for i, line in enumerate(screen(view)) if text in line)


def test_a_multi_line_string_shows_its_first_line_and_how_many_lines_it_has() -> None:
    view = JsonView(CALL)
    lines = screen(view)
    assert '      "content": "You are a careful assistant. … 3 lines' in lines
    assert not any("Answer in French" in line for line in lines)


def test_a_cut_string_ends_in_a_muted_ellipsis_and_keeps_its_comma() -> None:
    view = JsonView({"content": LONG, "role": "user"})
    row = row_roles(view, 1)
    assert "".join(text for _, text in row).rstrip().endswith("word…,")
    assert row[-1] == ("muted", "…,") and row[-2][0] == "json_string"


def test_enter_on_a_string_opens_it_whole_with_its_path_and_a_container_still_folds() -> None:
    opened: list[tuple[str, str]] = []
    view = JsonView(CALL)
    view.open_value = lambda title, text: opened.append((title, text))
    cursor_on(view, '"content": "word')
    assert view.keypress((60, 20), "enter") is None
    cursor_on(view, '"content": "You')
    view.keypress((60, 20), "enter")
    assert opened == [("messages[1].content", LONG), ("messages[0].content", PROMPT)]
    cursor_on(view, '"messages"')  # a container still folds
    view.keypress((60, 20), "enter")
    assert '  "messages": [ 2 items ]' in screen(view)


def test_enter_on_a_masked_secret_opens_nothing_and_shows_nothing() -> None:
    opened: list[tuple[str, str]] = []
    view = JsonView({"api_key": "sk-live-4f9a", "n": 3})
    view.open_value = lambda title, text: opened.append((title, text))
    cursor_on(view, '"api_key"')
    view.keypress((60, 20), "enter")
    assert opened == [] and not any("sk-live" in line for line in screen(view))
    cursor_on(view, '"n"')
    view.keypress((60, 20), "enter")
    assert opened == [("n", "3")]


def test_the_json_overlay_opens_a_long_string_wrapped_on_its_own_page(layouts: Path) -> None:
    deck = open_deck(layouts / "operator.yaml", size=(100, 30))
    try:
        deck.wait_for("alpha")
        deck.deck.overlays.json("Call", CALL)
        deck.press(*["down"] * 8, "enter")
        page = deck.wait_for("messages[1].content")
        assert page.count("word word word") >= 3  # all sixty words, wrapped over lines
        assert "word …" not in page
        deck.press("esc")
        assert '"content": "You are a careful assistant. … 3 lines' in deck.wait_for("Call")
        deck.press("up", "up", "up", "up", "enter")
        page = deck.wait_for("messages[0].content")
        assert "Answer in French." in page and "Cite sources." in page
    finally:
        deck.stop()
