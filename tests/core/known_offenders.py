"""Built-in plugins that break the grammar today (docs/keys.md): their owners are fixing them.

Whoever merges a fix removes its line; a fixed offender still listed here fails its test, so
these lists only shrink.
"""

from __future__ import annotations

#: Default keys that shadow a global key, as (plugin, action id, key).
KEYS: set[tuple[str, str, str]] = {
    ("dynamo", "dynamo.remove", "r"),
    ("falcon", "falcon.next_node", "j"),
    ("falcon", "falcon.prev_node", "k"),
    ("falcon", "falcon.sort", "s"),
    ("falcon", "falcon.refresh_summary", "r"),
    ("falcon", "falcon.refresh_nodes", "r"),
    ("falcon", "falcon.refresh_log", "r"),
}

#: Glyphs drawn with no ASCII fallback (shown as "?" under LANG=C), as (layout, character).
#: The fix: draw them with `deck.widgets.glyph(unicode, ascii)`.
GLYPHS: set[tuple[str, str]] = set()
