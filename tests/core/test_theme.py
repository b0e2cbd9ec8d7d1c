from pathlib import Path

import pytest

from deck._colors import detect_depth, nearest_16, nearest_256, parse_hex
from deck._errors import ThemeError
from deck._theme import ROLES, builtin_themes, find_theme, load_theme


@pytest.mark.parametrize(
    ("env", "depth"),
    [
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor"}, "truecolor"),
        ({"TERM": "xterm-256color"}, "256"),
        ({"TERM": "screen-256color"}, "256"),
        ({"TERM": "xterm"}, "16"),
        ({"TERM": "linux"}, "16"),
        ({"TERM": "dumb"}, "mono"),
        ({"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"}, "mono"),
        ({"TERM": "xterm-256color", "NO_COLOR": ""}, "256"),
    ],
)
def test_depth_detection(env: dict[str, str], depth: str) -> None:
    assert detect_depth(env) == depth


def test_colour_conversion() -> None:
    assert parse_hex("#00f0ff") == (0, 240, 255)
    assert nearest_256("#ff0000") == "h196"
    assert nearest_256("#1a1a1d") == "h234"
    assert nearest_16("#00f0ff") == "light cyan"
    assert nearest_16("#00f0ff", background=True) == "dark cyan"
    with pytest.raises(ValueError):
        parse_hex("cyan")


@pytest.mark.parametrize("name", ["neon-syndicate", "daylight", "mono"])
@pytest.mark.parametrize("depth", ["truecolor", "256", "16", "mono"])
def test_every_builtin_theme_resolves_every_role_at_every_depth(name: str, depth: str) -> None:
    theme = load_theme(find_theme(name))
    palette = {entry[0]: entry for entry in theme.palette(depth)}  # type: ignore[arg-type]
    assert set(ROLES) <= set(palette)
    for _, fg16, bg16, mono, fg_high, bg_high in palette.values():
        assert fg16 and bg16 and mono and fg_high and bg_high


def test_neon_syndicate_uses_the_specified_colours() -> None:
    theme = load_theme(builtin_themes()["neon-syndicate"])
    assert theme.roles["base"].bg == "#1a1a1d"
    assert theme.roles["border_focus"].fg == "#00f0ff"
    assert theme.roles["bad"].fg == "#ff3333"
    assert theme.roles["good"].fg == "#39ff14"
    assert theme.roles["warn"].fg == "#ff8c00"
    selected = dict((e[0], e) for e in theme.palette("truecolor"))["selected"]
    assert selected[4].startswith("#1a1a1d") and selected[5] == "#00f0ff"
    assert dict((e[0], e) for e in theme.palette("mono"))["selected"][3] == "standout"


def test_mono_theme_uses_the_terminal_colours() -> None:
    theme = load_theme(builtin_themes()["mono"])
    for entry in theme.palette("truecolor"):
        assert entry[4].split(",")[0] == "default" and entry[5] == "default"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("roles: [", "YAML syntax error"),
        ("colors: {a: '#zzzzzz'}\nroles: {text: {fg: a}}", "invalid colour '#zzzzzz'"),
        ("roles: {text: {fg: '#fff'}, titel: {fg: '#fff'}}", "unknown role 'titel'"),
        ("roles: {text: {fg: '#fff', bolt: true}}", "unknown role setting 'bolt'"),
        ("roles: {text: {fg: nope}}", "invalid colour 'nope'"),
        ("border: wavy\nroles: {text: {}}", "invalid border 'wavy'"),
        ("roles: {muted: {}}", "the 'text' role is required"),
    ],
)
def test_bad_themes_fail_with_a_located_message(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ThemeError) as caught:
        load_theme(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unknown_theme_suggests_a_name() -> None:
    with pytest.raises(ThemeError) as caught:
        find_theme("neon-syndicat")
    assert "did you mean 'neon-syndicate'" in str(caught.value)
