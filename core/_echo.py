"""Everything the command line prints passes through the screen's sanitiser, line by line."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from deck._sanitize import sanitize

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

__all__ = ["echo"]


def echo(text: object = "", *, file: SupportsWrite[str] | None = None) -> None:
    """Print `text` with control characters shown escaped; line breaks are kept."""
    lines = str(text).split("\n")
    print("\n".join(sanitize(line, keep_tabs=True) for line in lines), file=file or sys.stdout)
