"""The `deck` command line."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from deck._version import __version__

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from deck._deck import Deck

__all__ = ["main"]

log = logging.getLogger(__name__)

_DEPTHS = ("truecolor", "256", "16", "mono")


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise argparse.ArgumentTypeError(f"expected COLSxROWS like 120x40, got {text!r}")
    return int(match.group(1)), int(match.group(2))


class _Parser(argparse.ArgumentParser):
    """argparse, but what it prints (usage errors quote the arguments) is sanitised."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            from deck._echo import echo

            echo(message.rstrip("\n"), file=file or sys.stderr)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deck",
        description="A plugin-based terminal dashboard for people who run AI infrastructure.",
        epilog="Plugins add subcommands: deck --list shows them. Docs: docs/layouts.md, docs/plugins.md.",
    )
    parser.add_argument("--layout", "-l", metavar="NAME|PATH", help="layout to open (default: default)")
    parser.add_argument("--theme", "-t", metavar="NAME|PATH", help="theme, overriding the layout's")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="change nothing: disable every action marked mutating or destructive (signals, scaling, "
        "cancel, admin commands, and file writes such as `e` export); the deck still writes its log",
    )
    parser.add_argument(
        "--colors",
        choices=_DEPTHS,
        help="colour depth (default: detected from COLORTERM/TERM/NO_COLOR)",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        help="draw with ASCII only (default: when the locale is not UTF-8, e.g. LANG=C)",
    )
    parser.add_argument(
        "--snapshot",
        action="store_true",
        help="print the screen as text after the first results and exit",
    )
    parser.add_argument(
        "--size",
        type=_size,
        metavar="COLSxROWS",
        help="screen size for --snapshot (default 120x40)",
    )
    parser.add_argument(
        "--wait",
        type=float,
        metavar="SECONDS",
        help="with --snapshot: wait this long instead of for the first results",
    )
    parser.add_argument(
        "--record", type=Path, metavar="FILE", help="write what the deck receives to FILE (docs/recorder.md)"
    )
    parser.add_argument(
        "--replay", type=Path, metavar="FILE", help="open a recording with its layout; no backends needed"
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="with --replay: open at HH:MM:SS, +SECONDS after its start or -SECONDS before its end",
    )
    parser.add_argument(
        "--log", type=Path, metavar="FILE", help="log file (default: $XDG_STATE_HOME/deck/deck.log)"
    )
    parser.add_argument(
        "--list", action="store_true", help="list plugins, panel types, actions, layouts and themes"
    )
    parser.add_argument(
        "--check",
        metavar="LAYOUT",
        help="validate a layout and exit 0 (ok) or 1; this imports the layout's plugins (their code runs)",
    )
    parser.add_argument(
        "--debug", action="store_true", help="write debug records to the log, each error with its traceback"
    )
    parser.add_argument("--version", action="version", version=f"deck {__version__}")
    return parser


def _fail(message: object) -> int:
    from deck._echo import echo

    echo(f"deck: error: {message}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `deck` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    from deck._errors import DeckError

    try:
        if args_list and not args_list[0].startswith("-"):
            from deck._commands import run_command
            from deck._logging import setup_logging

            setup_logging(None)
            return run_command(args_list)
        args = _parser().parse_args(args_list)
        from deck._logging import setup_logging

        setup_logging(args.log, debug=args.debug)
        if args.list:
            from deck._listing import print_listing

            print_listing()
            return 0
        if args.check:
            return _check(args.check, args.theme)
        return _run(args)
    except DeckError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went away (`deck --snapshot | head`): not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _check(layout: str, theme: str | None) -> int:
    from deck._app import check_layout
    from deck._echo import echo

    parts = check_layout(layout, theme=theme)
    if parts.problems:
        for name, problem in parts.problems.items():
            echo(f"deck: error: {parts.layout.document.file}: plugin {name!r} {problem}", file=sys.stderr)
        return 1
    panels = parts.layout.panels()
    plugins = ", ".join(p.name for p in parts.layout.plugins) or "none"
    sizes = f"{_count(len(parts.layout.screens), 'screen')}, {_count(len(panels), 'panel')}"
    echo(f"{parts.layout.document.file}: ok ({sizes}; plugins: {plugins}; theme: {parts.theme.name})")
    return 0


def _build(args: argparse.Namespace, ascii: bool) -> Deck:
    """The deck to run: from the layout, or from a recording (--replay); recording with --record."""
    from deck._app import DEFAULT_LAYOUT, build_deck
    from deck._errors import DeckError

    recording = None
    if args.replay is not None:
        from deck._recording import read_recording

        recording = read_recording(args.replay)
    elif args.at is not None:
        raise DeckError("--at works with --replay only")
    layout = args.layout or (recording.layout if recording is not None else DEFAULT_LAYOUT)
    deck = build_deck(layout, theme=args.theme, read_only=args.read_only, ascii=ascii)
    try:
        if recording is not None:
            from deck._recorder_config import open_replay

            open_replay(deck, recording, args.replay, args.at)
        if args.record is not None:
            deck.recorder.record_to(args.record)
    except BaseException:
        deck.discard()
        raise
    return deck


def _run(args: argparse.Namespace) -> int:
    from deck._colors import detect_depth
    from deck._echo import echo
    from deck._logging import default_log_path

    log_path = args.log or default_log_path()
    from deck.widgets._glyphs import is_utf8_locale

    ascii = args.ascii or not is_utf8_locale(os.environ)
    deck = _build(args, ascii)
    if args.snapshot:
        from deck._headless import Harness

        harness = Harness(deck, args.size or (120, 40))
        with harness:
            if args.wait is not None:
                harness.run(args.wait)
            elif deck.recorder.replaying:
                harness.run(0.1)
            else:
                harness.first_results(10.0)
            echo(harness.text())
        return 0
    if not sys.stdout.isatty():
        return _fail("not a terminal; use --snapshot for text output")
    from deck._terminal import run_terminal

    depth = args.colors or detect_depth(os.environ)
    try:
        status = run_terminal(deck, depth)
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("deck crashed")
        echo(traceback.format_exc().rstrip("\n"), file=sys.stderr)
        where = f"; the log is {log_path}" if log_path else ""
        echo(f"deck: crashed (the terminal was restored){where}", file=sys.stderr)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
