"""Built-in plugins that break the grammar today (docs/keys.md): their owners are fixing them.

Whoever merges a fix removes its line; a fixed offender still listed here fails its test, so
these lists only shrink.
"""

from __future__ import annotations

#: Default keys that shadow a global key, as (plugin, action id, key).
KEYS: set[tuple[str, str, str]] = {}

#: Glyphs drawn with no ASCII fallback (shown as "?" under LANG=C), as (layout, character).
#: The fix: draw them with `deck.widgets.glyph(unicode, ascii)`.
GLYPHS: set[tuple[str, str]] = set()
