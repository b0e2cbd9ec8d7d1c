"""The fenced code blocks of a Markdown file, so tests can run every one of them."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOCS", "Block", "Command", "blocks", "check_console", "commands", "normalised", "write_file"]

DOCS = Path(__file__).resolve().parents[2] / "docs"

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```$", re.MULTILINE | re.DOTALL)
#: A first line like "# deck_ckpt/source.py" makes a block the content of that file.
_FILE = re.compile(r"# (?P<path>[\w./-]+\.(?:py|toml|yaml))\n")


@dataclass(frozen=True)
class Block:
    """One fenced block: its language, text, the file it is (if any), and where it starts."""

    lang: str
    text: str
    file: str | None
    line: int

    @property
    def where(self) -> str:
        """'line N' of the block's opening fence, for failure messages."""
        return f"line {self.line}"


@dataclass(frozen=True)
class Command:
    """A `$ ` line of a console block and the output lines shown under it."""

    line: str
    output: tuple[str, ...]


def blocks(name: str) -> list[Block]:
    """Every fenced block of docs/NAME, in order."""
    text = (DOCS / name).read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        body = match.group("body")
        header = _FILE.match(body)
        found.append(
            Block(
                lang=match.group("lang"),
                text=body,
                file=header.group("path") if header else None,
                line=text.count("\n", 0, match.start()) + 1,
            )
        )
    return found


def commands(block: Block) -> list[Command]:
    """The commands of a console block, each with the output shown for it."""
    found: list[Command] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            found.append(Command(line[2:], ()))
        elif found:
            found[-1] = Command(found[-1].line, (*found[-1].output, line))
        else:
            raise AssertionError(f"{block.where}: output before any '$ ' command")
    return found


def normalised(lines: list[str] | tuple[str, ...]) -> list[str]:
    """Lines with every number replaced by 0 and trailing blanks dropped (clocks, dates, timings)."""
    result = [re.sub(r"\d+", "0", line.rstrip()) for line in lines]
    while result and not result[-1]:
        result.pop()
    return result


def write_file(block: Block, folder: Path) -> Path:
    """Write a file block under `folder` (a later block for the same path replaces it)."""
    assert block.file is not None, f"{block.where}: not a file block"
    path = folder / block.file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(block.text, encoding="utf-8")
    return path


def check_console(
    block: Block, run: Callable[[str], subprocess.CompletedProcess[str]], *, exact: bool
) -> None:
    """Run each command of a console block and compare what it prints with what the doc shows.

    A command must succeed, unless the doc shows it failing ("deck: error: ..."). Output is
    compared exactly, or with numbers ignored when `exact` is false.
    """
    for command in commands(block):
        done = run(command.line)
        printed = (done.stdout + done.stderr).splitlines()
        fails = bool(command.output) and command.output[0].startswith("deck: error:")
        assert (done.returncode != 0) == fails, (
            f"{block.where}: `{command.line}` exited with {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
        if not command.output:
            continue
        if exact:
            actual, shown = [line.rstrip() for line in printed], [line.rstrip() for line in command.output]
        else:
            actual, shown = normalised(printed), normalised(command.output)
        assert actual == shown, f"{block.where}: `{command.line}` printed something else:\n" + "\n".join(
            printed
        )
