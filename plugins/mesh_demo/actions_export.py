"""Export a table as plain text: `deck-<tab>-<timestamp>.txt`, never overwriting a file."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from deck import ActionError
from deck._sanitize import sanitize

__all__ = ["export_table", "render_table"]

_UNSAFE_NAME = re.compile(r"[^a-z0-9]+")


def render_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """Left-aligned columns under a title, as the table read on screen."""
    header = [sanitize(c) for c in columns]
    body = [[sanitize(cell) for cell in row] for row in rows]
    widths = [len(h) for h in header]
    for row in body:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join(padded).rstrip()

    out = [sanitize(title), "", line(header), line(["-" * w for w in widths])]
    out.extend(line(row) for row in body)
    out.append(f"({len(body)} rows)")
    return "\n".join(out) + "\n"


def export_table(
    tab: str,
    title: str,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    directory: str | Path = ".",
    when: float | None = None,
) -> Path:
    """Write the table to `<directory>/deck-<tab>-<UTC timestamp>.txt` and return the path.

    An existing file is never replaced: a `-2`, `-3` … suffix is added instead.
    """
    slug = _UNSAFE_NAME.sub("-", tab.lower()).strip("-") or "table"
    stamp = datetime.fromtimestamp(time.time() if when is None else when, tz=timezone.utc)
    folder = Path(directory).expanduser()
    text = render_table(title, columns, rows)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for attempt in range(1, 1000):
            suffix = "" if attempt == 1 else f"-{attempt}"
            path = folder / f"deck-{slug}-{stamp:%Y%m%d-%H%M%SZ}{suffix}.txt"
            try:
                with path.open("x", encoding="utf-8") as handle:
                    handle.write(text)
            except FileExistsError:
                continue
            return path
    except OSError as error:
        raise ActionError(
            f"could not write the export: {error.strerror or error}", where=str(folder)
        ) from error
    raise ActionError("too many exports with the same name this second", where=str(folder))
