"""`deck falcon`: open the falcon layout with the seed monitor's options on the command line.

deck falcon --address ray://head:10001 --refresh 2     # a coordinator on a Ray cluster
deck falcon --runs output                              # falcon-sbi runs in ./output
deck falcon --run-dir output/260104-101500-brave-otter # one falcon-sbi run
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deck import open_layout, shipped_layout

__all__ = ["COMMAND", "DESCRIPTION", "configure", "layout_for", "main"]

COMMAND = "falcon"
DESCRIPTION = "monitor a Falcon run: a coordinator on Ray (--address), or falcon-sbi run directories"


def configure(parser: argparse.ArgumentParser) -> None:
    """The command's options: where the run is and how often to look."""
    parser.add_argument("--address", help="Ray cluster: auto, host:port or ray://host:port (default: auto)")
    parser.add_argument("--refresh", type=float, help="seconds between polls (default 1)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--run-dir", help="a falcon-sbi 0.5 run directory (no Ray needed)")
    source.add_argument("--runs", help="a folder of falcon-sbi runs, e.g. output")
    parser.add_argument("--read-only", action="store_true", help="disable pause, resume and interrupt")
    parser.add_argument("--theme", "-t", help="theme, overriding the layout's")


def layout_for(args: argparse.Namespace) -> dict[str, Any]:
    """The shipped layout (falcon, or falcon-sbi for run directories) with the options applied."""
    files = args.run_dir is not None or args.runs is not None
    layout = shipped_layout("falcon-sbi" if files else "falcon")
    options: dict[str, Any] = layout["plugins"]["falcon"]
    if files:
        options.pop("runs", None)
        options["run_dir" if args.run_dir is not None else "runs"] = str(
            Path(args.run_dir or args.runs).expanduser().resolve()
        )
    if args.address is not None:
        options["address"] = args.address
    if args.refresh is not None:
        options["refresh"] = args.refresh
    return layout


def main(args: argparse.Namespace) -> int:
    """Open the layout with the options applied, like `deck --layout` would."""
    flags = ["--read-only"] if args.read_only else []
    flags += ["--theme", args.theme] if args.theme else []
    return open_layout(layout_for(args), flags, name="falcon")
