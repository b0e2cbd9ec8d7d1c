"""Building a deck from a layout name or path: the one entry point every runner uses."""

from __future__ import annotations

from pathlib import Path

from deck._assemble import Assembly, assemble
from deck._core_plugin import CorePlugin
from deck._deck import Deck
from deck._errors import LayoutError, ThemeError
from deck._layout import find_layout, load_layout

__all__ = ["DEFAULT_LAYOUT", "build_deck", "check_layout"]

DEFAULT_LAYOUT = "default"


def locate_layout(name_or_path: str) -> Path:
    """Find a layout file, looking last at the layouts installed plugins ship."""
    try:
        return find_layout(name_or_path)
    except LayoutError:
        from deck._installed import all_plugins, plugin_layouts

        shipped = plugin_layouts(all_plugins()[0])
        stem = Path(name_or_path).name.removesuffix(".yaml").removesuffix(".yml")
        if stem in shipped:
            return shipped[stem]
        raise


def check_layout(layout: str | Path, *, theme: str | None = None) -> Assembly:
    """Load a layout with its plugins and theme, raising DeckError on the first problem."""
    parsed = load_layout(locate_layout(str(layout)))
    try:
        return assemble(parsed, theme=theme, core=CorePlugin())
    except ThemeError as exc:
        if theme is None and exc.where is None:
            raise LayoutError(exc.message, where=parsed.where(("theme",)), hint=exc.hint) from None
        raise


def build_deck(
    layout: str | Path = DEFAULT_LAYOUT,
    *,
    theme: str | None = None,
    read_only: bool = False,
    ascii: bool = False,
) -> Deck:
    """Build (but do not start) a deck from a layout name or path; `ascii` for ASCII-only terminals."""
    return Deck(check_layout(layout, theme=theme), read_only=read_only, ascii=ascii)
