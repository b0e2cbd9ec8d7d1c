"""`deck dynamo open|list|show|add|remove`: the scriptable side of the plugin, same code as the panels.

`open` starts the dynamo dashboard with settings given as flags; the other four mirror Dynamo's
`examples/planner/test_controller.py` (state, add, remove) plus discovery. Exit codes: 0 ok,
1 error (bad file, nothing to do, refused write), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TextIO

from deck import open_layout, sanitize, shipped_layout

from .client import (
    SCALABLE_COMPONENTS,
    STATE_DIR_ENV,
    ApplyResult,
    StateError,
    StateSnapshot,
    discover,
    find_namespace,
    resolve_state_dir,
    scale,
)
from .client_live import locate_store

__all__ = [
    "COMMAND",
    "DESCRIPTION",
    "CommandOutput",
    "add_component",
    "configure",
    "list_namespaces",
    "main",
    "register",
    "remove_component",
    "run",
    "show_namespace",
]

COMMAND = "dynamo"
DESCRIPTION = "Inspect and scale Dynamo namespaces through their local state files."
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


@dataclass(frozen=True)
class CommandOutput:
    """What a command prints as text or as JSON, and its exit code."""

    exit_code: int
    text: str
    payload: dict[str, Any] = field(default_factory=dict)


def _error_payload(error: StateError) -> dict[str, Any]:
    return {
        "ok": False,
        "namespace": error.namespace,
        "path": str(error.path),
        "error": error.problem,
        "kind": error.kind,
    }


def _summary_payload(state: StateSnapshot) -> dict[str, Any]:
    return {
        "ok": True,
        "namespace": state.namespace,
        "path": str(state.path),
        "version": state.version.sha256,
        "watchers": len(state.watchers),
        "components": {c.component: c.count for c in state.components},
        "gpus": {"total": len(state.gpu_info), "free": list(state.free_gpus)},
        "warnings": list(state.warnings),
    }


def _detail_payload(state: StateSnapshot) -> dict[str, Any]:
    payload = _summary_payload(state)
    payload["circus_endpoint"] = state.circus_endpoint
    payload["components"] = [
        {
            "component": c.component,
            "count": c.count,
            "watchers": [w.key for w in c.watchers],
            "gpus": list(c.gpus),
            "scalable": c.scalable,
        }
        for c in state.components
    ]
    payload["watchers_detail"] = [
        {
            "key": w.key,
            "component": w.component,
            "index": w.index,
            "gpus": list(w.allocated_gpus),
            "released": w.released,
            "cmd": w.cmd,
        }
        for w in state.watchers
    ]
    payload["gpu_map"] = [
        {"gpu": s.gpu, "holders": list(s.holders), "free": s.free, "listed": s.listed} for s in state.gpus
    ]
    return payload


def _width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(*rows, strict=True)]
    return [
        "  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def list_namespaces(state_dir: Path) -> CommandOutput:
    """Every namespace in the folder; a missing or empty folder is "no deployments"."""
    results = discover(state_dir)
    namespaces: list[dict[str, Any]] = []
    payload = {"state_dir": str(state_dir), "namespaces": namespaces}
    if not results:
        where = "does not exist" if not state_dir.is_dir() else "has no *.json state files"
        return CommandOutput(EXIT_OK, f"No deployments: {state_dir} {where}.", payload)
    rows = [("NAMESPACE", "WATCHERS", "GPUS USED", "FILE", "STATUS")]
    for result in results:
        if isinstance(result, StateError):
            namespaces.append(_error_payload(result))
            rows.append((result.namespace, "-", "-", result.path.name, f"error: {result.problem}"))
            continue
        namespaces.append(_summary_payload(result))
        listed = len(result.gpu_info)
        used = f"{listed - len(result.free_gpus)}/{listed}"
        status = f"{len(result.warnings)} warning(s)" if result.warnings else "ok"
        rows.append((result.namespace, str(len(result.watchers)), used, result.path.name, status))
    return CommandOutput(EXIT_OK, "\n".join(_table(rows)), payload)


def _resolve(state_dir: Path, namespace: str) -> StateSnapshot | CommandOutput:
    """The namespace's snapshot, or the failure to print."""
    loaded = discover(state_dir)
    found = find_namespace(state_dir, namespace, loaded)
    if isinstance(found, StateSnapshot):
        return found
    if isinstance(found, StateError):
        return CommandOutput(EXIT_ERROR, found.message, _error_payload(found))
    known = ", ".join(dict.fromkeys(r.namespace for r in loaded)) or "none"
    message = f"no namespace {namespace!r} in {state_dir} (found: {known})"
    return CommandOutput(EXIT_ERROR, message, {"ok": False, "error": message})


def _show_text(state: StateSnapshot) -> str:
    lines = [
        f"Namespace {state.namespace}  ({state.path}, version {state.version.short})",
        f"Circus    {state.circus_endpoint or '-'}",
        "",
    ]
    rows = [("COMPONENT", "COUNT", "GPUS", "WATCHERS")]
    for c in state.components:
        watchers = ", ".join(w.key + (" (released)" if w.released else "") for w in c.watchers)
        rows.append((c.component, str(c.count), ",".join(c.gpus) or "-", watchers))
    lines += _table(rows)
    lines += ["", f"GPUs: {len(state.gpu_info)} listed, {len(state.free_gpus)} free"]
    for slot in state.gpus:
        holder = ", ".join(slot.holders) or "free"
        lines.append(f"  GPU {slot.gpu:<4} {holder}" + ("" if slot.listed else "  (not listed)"))
    lines += [f"warning: {w}" for w in state.warnings]
    return "\n".join(lines)


def show_namespace(state_dir: Path, namespace: str) -> CommandOutput:
    """One namespace in detail: components, watchers, GPU map, warnings."""
    state = _resolve(state_dir, namespace)
    if isinstance(state, CommandOutput):
        return state
    return CommandOutput(EXIT_OK, _show_text(state), _detail_payload(state))


def _scale_output(result: ApplyResult) -> CommandOutput:
    payload: dict[str, Any] = {"ok": result.ok, "message": result.message, "reason": result.reason}
    plan = result.plan
    lines = [result.message]
    if plan is not None:
        payload.update(action=plan.action, component=plan.component, watcher=plan.watcher_key)
        payload["notes"] = list(plan.notes)
        payload["gpus"] = [plan.gpu] if plan.action == "add" else list(plan.freed_gpus)
        lines += [f"note: {note}" for note in plan.notes]
    if isinstance(result.state, StateSnapshot):
        payload["version"] = result.state.version.sha256
    return CommandOutput(EXIT_OK if result.ok else EXIT_ERROR, "\n".join(lines), payload)


def _scale(
    state_dir: Path, namespace: str, action: Literal["add", "remove"], component: str
) -> CommandOutput:
    state = _resolve(state_dir, namespace)
    if isinstance(state, CommandOutput):
        return state
    return _scale_output(scale(state.path, action, component))


def add_component(state_dir: Path, namespace: str, component: str) -> CommandOutput:
    """Add the next VllmWorker/PrefillWorker watcher on the first free GPU."""
    return _scale(state_dir, namespace, "add", component)


def remove_component(state_dir: Path, namespace: str, component: str) -> CommandOutput:
    """Remove the highest-numbered watcher of a component (the base entry is only released)."""
    return _scale(state_dir, namespace, "remove", component)


def _add_common_options(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS defaults let the options sit before or after the subcommand without clobbering.
    parser.add_argument(
        "--state-dir",
        default=argparse.SUPPRESS,
        help=f"state folder (default: ${STATE_DIR_ENV}, else ~/.dynamo/state)",
    )
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def _add_open_command(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--namespace", help="namespace of the state files to show (default: ask when several)"
    )
    parser.add_argument("--discovery", metavar="file:DIR|etcd:URL", help="the Dynamo 1.x discovery store")
    parser.add_argument("--frontend", metavar="URL", help="the Dynamo 1.x frontend (default: localhost:8000)")
    parser.add_argument("--etcd", metavar="URL", help="etcd holding the planner's keys")
    parser.add_argument("--read-only", action="store_true", help="disable every mutating action")
    parser.add_argument("--snapshot", action="store_true", help="print the screen as text and exit")
    parser.add_argument("--size", metavar="COLSxROWS", help="screen size for --snapshot")


def open_dashboard(args: argparse.Namespace) -> int:
    """`deck dynamo open`: the shipped dynamo layout with the given settings, in a deck of its own."""
    document = shipped_layout("dynamo")
    config = document.setdefault("plugins", {}).get("dynamo") or {}
    document["plugins"]["dynamo"] = config
    for option in ("state_dir", "namespace", "discovery", "frontend", "etcd"):
        value = getattr(args, option, None)
        if value:
            config[option] = value
    if args.discovery:
        try:
            locate_store(args.discovery)
        except ValueError as exc:
            print(f"deck dynamo open: {exc}", file=sys.stderr)
            return EXIT_USAGE
    flags = ["--read-only"] * args.read_only + ["--snapshot"] * args.snapshot
    flags += ["--size", args.size] if args.size else []
    return open_layout(document, flags, name="dynamo")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the dynamo subcommands and options to `parser`."""
    _add_common_options(parser)
    sub = parser.add_subparsers(dest="dynamo_command", metavar="COMMAND", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        created = sub.add_parser(name, help=text, description=text)
        _add_common_options(created)
        return created

    _add_open_command(command("open", "open the dynamo dashboard with these settings"))
    command("list", "list the namespaces in the state folder")
    command("show", "show one namespace").add_argument("namespace")
    for name, text in (("add", "add a watcher"), ("remove", "remove the newest watcher")):
        scaler = command(name, f"{text} of VllmWorker or PrefillWorker")
        scaler.add_argument("namespace")
        scaler.add_argument("component", choices=SCALABLE_COMPONENTS)


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Build the `dynamo` subcommand on an argparse subparsers object; `main` is its handler."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        COMMAND, help=DESCRIPTION, description=DESCRIPTION
    )
    configure(parser)
    parser.set_defaults(handler=main)
    return parser


def _emit(output: CommandOutput, as_json: bool, stdout: TextIO, stderr: TextIO) -> None:
    if as_json:
        stdout.write(json.dumps(output.payload, indent=2) + "\n")
        return
    text = "\n".join(sanitize(line) for line in output.text.splitlines())
    (stdout if output.exit_code == EXIT_OK else stderr).write(text + "\n")


def main(args: argparse.Namespace, *, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the parsed command, print its output, return the exit code."""
    state_dir = resolve_state_dir(getattr(args, "state_dir", None))
    command = args.dynamo_command
    if command == "open":
        return open_dashboard(args)
    if command == "list":
        output = list_namespaces(state_dir)
    elif command == "show":
        output = show_namespace(state_dir, args.namespace)
    elif command == "add":
        output = add_component(state_dir, args.namespace, args.component)
    else:
        output = remove_component(state_dir, args.namespace, args.component)
    _emit(output, getattr(args, "json", False), stdout or sys.stdout, stderr or sys.stderr)
    return output.exit_code


def run(argv: Sequence[str] | None = None) -> int:
    """`deck dynamo ...` as a function: parse `argv`, run, return the exit code."""
    parser = argparse.ArgumentParser(prog=f"deck {COMMAND}", description=DESCRIPTION)
    configure(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on usage errors and --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    return main(args)


if __name__ == "__main__":
    sys.exit(run())
