"""`deck lightning`: open the lightning layout on the server named on the command line.

deck lightning --url http://trainer:4747            # a LightningStore (0.3.0) or an agl-server (1.x)
deck lightning --url localhost:4747 --refresh 5     # refresh every 5 s
"""

from __future__ import annotations

import argparse
from typing import Any

from deck import open_layout, shipped_layout

__all__ = ["COMMAND", "DESCRIPTION", "configure", "layout_for", "main"]

COMMAND = "lightning"
DESCRIPTION = "watch an Agent-lightning server (0.3.0 LightningStore or 1.x agl-server) given by its URL"
REFRESH_CHOICES = ("off", "5", "15", "60", "300")


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options: which server, how often to look, and the deck's own flags."""
    parser.add_argument(
        "--url",
        help="the server, e.g. http://host:4747 (wins over AGL_SERVER_HOST/PORT and Settings)",
    )
    parser.add_argument("--refresh", choices=REFRESH_CHOICES, help="seconds between automatic refreshes")
    parser.add_argument("--read-only", action="store_true", help="disable every change and the export")
    parser.add_argument("--snapshot", action="store_true", help="print the screen as text and exit")
    parser.add_argument("--size", metavar="COLSxROWS", help="screen size for --snapshot")


def layout_for(args: argparse.Namespace) -> dict[str, Any]:
    """The shipped lightning layout with the command's options applied."""
    layout = shipped_layout("lightning")
    options: dict[str, Any] = layout["plugins"]["lightning"]
    if args.url is not None:
        options.update(url=args.url, url_wins=True)
    if args.refresh is not None:
        options["auto_refresh"] = args.refresh if args.refresh == "off" else int(args.refresh)
    return layout


def main(args: argparse.Namespace) -> int:
    """Open the layout with the options applied, like `deck --layout` would."""
    flags = ["--read-only"] * args.read_only + ["--snapshot"] * args.snapshot
    flags += ["--size", args.size] if args.size else []
    return open_layout(layout_for(args), flags, name="lightning")
