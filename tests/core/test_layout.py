import subprocess
import sys
from pathlib import Path

import pytest

from deck._app import check_layout
from deck._errors import LayoutError
from deck._layout import PanelSpec, Split, find_layout, load_layout

GOOD = """\
title: T
plugins:
  system: {}
screens:
  - name: One
    rows:
      - height: 8
        columns:
          - panel: system.cpu
          - panel: system.memory
            width: 40
      - panel: system.processes
        weight: 2
  - name: Two
    key: "0"
    panel: system.processes
"""


def write(tmp_path: Path, text: str, name: str = "layout.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_layout_parses_into_screens_splits_and_panels(tmp_path: Path) -> None:
    layout = load_layout(write(tmp_path, GOOD))
    assert [s.name for s in layout.screens] == ["One", "Two"]
    assert [s.key for s in layout.screens] == ["1", "0"]
    body = layout.screens[0].body
    assert isinstance(body, Split) and body.direction == "rows"
    top = body.children[0]
    assert isinstance(top, Split) and top.size == ("given", 8)
    assert isinstance(top.children[1], PanelSpec) and top.children[1].size == ("given", 40)
    assert body.children[1].size == ("weight", 2.0)
    assert [p.type for p in layout.panels()] == [
        "system.cpu",
        "system.memory",
        "system.processes",
        "system.processes",
    ]


BAD_LAYOUTS = [
    ("syntax", "screens: [\n", "layout.yaml:2:1: YAML syntax error"),
    ("unknown top key", GOOD + "colour: red\n", "layout.yaml:17:1: unknown key 'colour'"),
    ("typo top key", GOOD.replace("screens:", "screnes:"), "did you mean 'screens'?"),
    ("unknown plugin", GOOD.replace("system: {}", "sytsem: {}"), "unknown plugin 'sytsem'"),
    ("unknown panel type", GOOD.replace("system.cpu", "system.cpus"), "unknown panel type 'system.cpus'"),
    ("panel typo hint", GOOD.replace("system.cpu", "system.cpus"), "did you mean 'system.cpu'?"),
    ("wrong type height", GOOD.replace("height: 8", "height: eight"), "height must be a whole number"),
    ("wrong type weight", GOOD.replace("weight: 2", "weight: -1"), "weight must be a number > 0"),
    (
        "height in columns",
        GOOD.replace("width: 40", "height: 40"),
        "'height' only applies inside a rows list",
    ),
    (
        "two kinds",
        GOOD.replace(
            "panel: system.processes\n        weight",
            "panel: system.processes\n        rows: []\n        weight",
        ),
        "exactly one of",
    ),
    (
        "bad option",
        GOOD.replace("panel: system.cpu", "panel: system.cpu\n            options: {bar_widht: 3}"),
        "has no option 'bar_widht'",
    ),
    (
        "bad option type",
        GOOD.replace("panel: system.cpu", "panel: system.cpu\n            options: {bar_width: wide}"),
        "'bar_width' must be int",
    ),
    ("bad plugin config", GOOD.replace("system: {}", "system: {interval: fast}"), "'interval' must be float"),
    ("duplicate screen", GOOD.replace("name: Two", "name: One"), "screen name 'One' is used twice"),
    ("duplicate yaml key", GOOD.replace("title: T", "title: T\ntitle: U"), "'title' appears twice"),
    ("key bound twice", GOOD + 'keys: {"y": system.kill, "k": deck.quit}\n', "key 'y' of"),
    ("unknown action", GOOD + 'keys: {"y": system.kil}\n', "unknown action 'system.kil'"),
    ("screen key taken", GOOD + 'keys: {"1": deck.quit}\n', "already used for showing screen 'One'"),
    (
        "missing theme",
        GOOD.replace("title: T", "title: T\ntheme: neon-syndicat"),
        "layout.yaml:2:8: no theme named 'neon-syndicat'",
    ),
    ("no screens", "title: x\n", "screens must be a non-empty list"),
]


@pytest.mark.parametrize(("case", "text", "message"), BAD_LAYOUTS, ids=[c[0] for c in BAD_LAYOUTS])
def test_bad_layouts_fail_with_one_located_message(
    tmp_path: Path, case: str, text: str, message: str | None
) -> None:
    path = write(tmp_path, text)
    if case == "key bound twice":
        # "y" then "k" moves kill to y and quit to k; both legal: no error expected.
        check_layout(path)
        return
    with pytest.raises(LayoutError) as caught:
        check_layout(path)
    error = str(caught.value)
    assert error.startswith(str(path))
    if message:
        assert message in error


def test_the_same_key_for_two_actions_in_one_scope_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + 'keys: {"y": deck.quit, "y2": deck.help}\n')
    check_layout(path)
    path = write(tmp_path, GOOD + 'keys: {"?": deck.quit}\n')
    with pytest.raises(LayoutError) as caught:
        check_layout(path)
    assert "key '?' is bound twice in scope 'global': deck.quit and deck.help" in str(caught.value)
    assert ":17:" in str(caught.value)


BROKEN_CLI = [
    ("syntax.yaml", "screens: [\n"),
    ("unknown_plugin.yaml", GOOD.replace("system: {}", "nope: {}")),
    ("unknown_panel.yaml", GOOD.replace("system.cpu", "system.gpu")),
    ("wrong_types.yaml", GOOD.replace("height: 8", "height: [8]")),
    ("duplicate_key.yaml", GOOD + 'keys: {"?": deck.quit}\n'),
    ("missing_theme.yaml", GOOD.replace("title: T", "title: T\ntheme: nothing-here")),
    ("invalid_colour.yaml", GOOD.replace("title: T", "title: T\ntheme: bad_theme.yaml")),
    (
        "raises_on_import.yaml",
        GOOD.replace(
            "system: {}",
            f"system: {{}}\n  boom:\n    from: {Path(__file__).parent / 'plugins' / 'raises_on_import.py'}",
        ),
    ),
]


@pytest.mark.parametrize(("name", "text"), BROKEN_CLI, ids=[c[0] for c in BROKEN_CLI])
def test_deck_check_exits_1_with_one_message_and_no_traceback(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / "bad_theme.yaml").write_text("colors: {x: '#12345'}\nroles: {text: {fg: x}}\n")
    path = write(tmp_path, text, name)
    done = subprocess.run(
        [sys.executable, "-m", "deck", "--check", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("deck: error: ")
    assert name in done.stderr or "bad_theme.yaml" in done.stderr
    assert done.stdout == ""


def test_deck_check_accepts_every_builtin_layout_that_needs_no_extra() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "deck", "--check", "system"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "ok (1 screen, 4 panels; plugins: system" in done.stdout


def test_layout_lookup_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    (config / "deck" / "layouts").mkdir(parents=True)
    (config / "deck" / "layouts" / "mine.yaml").write_text(GOOD)
    (config / "deck" / "layouts" / "system.yaml").write_text(GOOD)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.chdir(tmp_path)
    assert find_layout("mine") == config / "deck" / "layouts" / "mine.yaml"
    assert find_layout("mine.yaml") == config / "deck" / "layouts" / "mine.yaml"
    assert find_layout("system") == config / "deck" / "layouts" / "system.yaml"
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "system.yaml").write_text(GOOD)
    assert find_layout("system") == tmp_path / "layouts" / "system.yaml"
    (tmp_path / "direct.yaml").write_text(GOOD)
    assert find_layout(str(tmp_path / "direct.yaml")) == tmp_path / "direct.yaml"
    assert find_layout("default").name == "default.yaml"
    with pytest.raises(LayoutError, match="did you mean 'system'"):
        find_layout("systen")
