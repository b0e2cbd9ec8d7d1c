"""Hostile layouts and themes: each is refused with file:line: message, quickly and in little memory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from deck._app import check_layout
from deck._errors import LayoutError, ThemeError
from deck._limits import MAX_YAML_BYTES
from deck._theme import load_theme

ROOT = Path(__file__).resolve().parents[2]

BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
screens: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""

CHAIN = "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 200)).replace("*a0", "1") + "screens: *a199\n"

GOOD = """\
title: T
plugins:
  system: {}
screens:
  - name: One
    rows:
      - height: 8
        panel: system.cpu
      - panel: system.processes
        weight: 2
  - name: Two
    panel: system.memory
"""

HOSTILE = [
    ("alias bomb", BILLION_LAUGHS, "layout.yaml:5:4:", "alias bomb"),
    ("alias chain", CHAIN, "layout.yaml:65:", "nested more than 64 levels deep once aliases are expanded"),
    ("self alias", "screens: &x [*x]\n", "layout.yaml:1:10:", "refers to the value that contains it"),
    ("self alias in a mapping", "screens: &x {a: *x}\n", "layout.yaml:1:10:", "refers to the value"),
    ("deep nesting", "screens: " + "[" * 5000 + "]" * 5000 + "\n", "layout.yaml:1:", "nest"),
    ("bad timestamp", GOOD + "when: 2001-13-45\n", "layout.yaml:13:7:", "not a valid timestamp"),
    ("huge height", GOOD.replace("height: 8", "height: 100000000000"), ":7:17:", "from 1 to 1000"),
    ("zero height", GOOD.replace("height: 8", "height: 0"), ":7:17:", "from 1 to 1000"),
    ("infinite weight", GOOD.replace("weight: 2", "weight: .inf"), ":10:17:", "finite"),
    ("nan weight", GOOD.replace("weight: 2", "weight: .nan"), ":10:17:", "weight must be a number > 0"),
    ("negative weight", GOOD.replace("weight: 2", "weight: -1"), ":10:17:", "> 0"),
    (
        "huge bar_width",
        GOOD.replace("panel: system.cpu", "panel: system.cpu\n        options: {bar_width: 100000000}"),
        ":9:",
        "'bar_width' must be at most 100000, got 100000000",
    ),
    ("zero interval", GOOD.replace("system: {}", "system: {interval: 0}"), ":3:", "at least 0.01"),
    ("negative interval", GOOD.replace("system: {}", "system: {interval: -1}"), ":3:", "at least 0.01"),
    ("nan interval", GOOD.replace("system: {}", "system: {interval: .nan}"), ":3:", "finite"),
    ("infinite interval", GOOD.replace("system: {}", "system: {interval: .inf}"), ":3:", "finite"),
    (
        "duplicate screen keys",
        GOOD.replace("name: Two", "name: Two\n    key: '1'"),
        ":12:10:",
        "screen key '1' is already used by screen 'One'",
    ),
    ("list as screen key", GOOD.replace("name: Two", "name: Two\n    key: [1]"), ":12:10:", "key must be"),
]


@pytest.mark.parametrize(("case", "text", "where", "message"), HOSTILE, ids=[c[0] for c in HOSTILE])
def test_hostile_layouts_are_refused_with_file_line_message(
    tmp_path: Path, case: str, text: str, where: str, message: str
) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text(text)
    with pytest.raises(LayoutError) as caught:
        check_layout(path)
    error = str(caught.value)
    assert error.startswith(str(path)), error
    assert where in error.split(" ")[0], error
    assert message in error, error


def test_an_out_of_range_number_hints_at_the_nearest_allowed_one(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text(GOOD.replace("system: {}", "system: {interval: 0}"))
    with pytest.raises(LayoutError, match=r"did you mean 0\.01\? \(seconds between samples goes from 0\.01"):
        check_layout(path)


def test_a_file_with_too_many_values_is_refused_before_it_is_built(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text("screens:\n" + "  - {name: s, panel: system.cpu}\n" * 5000)
    with pytest.raises(
        LayoutError, match=r"layout.yaml:4001:12: more than 20,000 values; refusing to read further"
    ):
        check_layout(path)


def test_a_file_larger_than_the_bound_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * (MAX_YAML_BYTES // 10 + 1))
    with pytest.raises(ThemeError, match="larger than"):
        load_theme(path)


def test_a_theme_with_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "theme.yaml"
    path.write_text(BILLION_LAUGHS.replace("screens", "roles"))
    with pytest.raises(ThemeError, match="alias bomb"):
        load_theme(path)


def run_deck(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "deck", *args], capture_output=True, timeout=60, env=dict(os.environ)
    )


def test_deck_check_refuses_the_alias_bomb_in_a_child_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    # An address-space cap far below what expanding the bomb needs (gigabytes): the refusal must
    # come from the loader's bound, not from running out of memory.
    limit = "import resource; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))"
    done = subprocess.run(
        [sys.executable, "-c", f"{limit}; import sys; from deck._cli import main; sys.exit(main())",
         "--check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"deck: error: {path}:5:4: more than 20,000 values")


def test_self_referencing_alias_gives_one_line_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "self.yaml"
    path.write_text("screens: &x [*x]\n")
    done = run_deck("--check", str(path))
    assert done.returncode == 1
    assert done.stderr.decode().count("\n") <= 2 and b"Traceback" not in done.stderr


def test_cli_output_never_carries_escape_bytes(tmp_path: Path) -> None:
    theme = (ROOT / "themes" / "mono.yaml").read_text().replace("name: Mono", 'name: "Evil\\e]2;PWNED\\a"')
    (tmp_path / "evil.yaml").write_text(theme)
    checked = run_deck("--check", "system", "--theme", str(tmp_path / "evil.yaml"))
    assert checked.returncode == 0, checked.stderr
    assert b"\x1b" not in checked.stdout and b"\x07" not in checked.stdout
    assert b"Evil\\e]2;PWNED\\x07" in checked.stdout
    bad_argument = run_deck("--bogus", "\x1b]2;PWNED\x07")
    assert bad_argument.returncode == 2
    assert b"\x1b" not in bad_argument.stderr and b"\\e]2;PWNED" in bad_argument.stderr
    missing = run_deck("--check", "\x1b[2Jnothing")
    assert missing.returncode == 1
    assert b"\x1b" not in missing.stderr and b"x1b[2Jnothing" in missing.stderr
    snapshot = run_deck("--layout", "system", "--snapshot", "--theme", str(tmp_path / "evil.yaml"))
    assert snapshot.returncode == 0 and b"\x1b" not in snapshot.stdout


def test_help_says_what_read_only_blocks_and_that_check_runs_plugin_code() -> None:
    done = run_deck("--help")
    text = " ".join(done.stdout.decode().split())
    assert "disable every action marked mutating or destructive" in text
    assert "file writes such as `e` export); the deck still writes its log" in text
    assert "this imports the layout's plugins (their code runs)" in text
