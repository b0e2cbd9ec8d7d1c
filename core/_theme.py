"""Themes: named colours and UI roles in YAML, resolved to an urwid palette for any colour depth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Final

from deck._colors import ColorDepth, nearest_16, nearest_256, parse_hex
from deck._errors import ThemeError
from deck._yamlfile import Document, did_you_mean, load_document

__all__ = ["ROLES", "Theme", "builtin_themes", "find_theme", "load_theme"]

#: The roles every theme defines and plugins may use, with what each is for.
ROLES: Final[dict[str, str]] = {
    "base": "screen background and default text",
    "text": "ordinary text",
    "muted": "secondary text, inactive borders, dim rows",
    "title": "panel titles and headings",
    "accent": "emphasis in the accent colour",
    "border": "panel borders",
    "border_focus": "the focused panel's border",
    "header": "the header bar",
    "tab": "an inactive tab",
    "tab_active": "the active tab",
    "column_head": "table column headings",
    "selected": "the selected row (text inverted on the accent colour)",
    "selected_muted": "the selected row when its panel is not focused",
    "good": "success, running, healthy",
    "warn": "warnings, waiting, pending",
    "bad": "errors, failures",
    "critical": "the most severe state, louder than bad",
    "info": "informational, in progress",
    "magenta": "a data category, scaling events",
    "key": "key names in hints",
    "footer": "the footer bar",
    "dialog": "overlay body",
    "dialog_border": "overlay border",
    "danger": "destructive confirmations",
    "button": "a button",
    "button_focus": "the focused button",
    "input": "a text input field",
    "escaped": "control characters shown escaped",
    "highlight": "search matches",
    "json_key": "JSON object keys",
    "json_string": "JSON strings",
    "json_number": "JSON numbers",
    "json_literal": "JSON true, false and null",
    "spark": "sparklines",
    "bar_fill": "the filled part of a bar or gauge",
    "bar_empty": "the empty part of a bar or gauge",
    "banner": "big-letter banners",
}
_ROLE_KEYS: Final = {"fg", "bg", "bold", "underline", "italics", "fg16", "bg16", "mono"}
_MONO: Final = {"bold", "underline", "standout", "italics", "default"}
_BORDERS: Final = {"single", "double", "rounded", "heavy", "ascii"}
_16_NAMES: Final = {
    "default",
    "black",
    "dark red",
    "dark green",
    "brown",
    "dark blue",
    "dark magenta",
    "dark cyan",
    "light gray",
    "dark gray",
    "light red",
    "light green",
    "yellow",
    "light blue",
    "light magenta",
    "light cyan",
    "white",
}


@dataclass(frozen=True)
class RoleStyle:
    """How one role looks: colours as #rrggbb plus text attributes and explicit fallbacks."""

    fg: str
    bg: str
    bold: bool = False
    underline: bool = False
    italics: bool = False
    fg16: str | None = None
    bg16: str | None = None
    mono: str | None = None


@dataclass(frozen=True)
class Theme:
    """A loaded theme: its name, border style, icon set, and a style for every role."""

    name: str
    border: str
    dark: bool
    roles: Mapping[str, RoleStyle]
    ascii_icons: bool = False

    def palette(self, depth: ColorDepth) -> list[tuple[str, str, str, str, str, str]]:
        """Return urwid palette entries for every role at the given colour depth."""
        return [_entry(name, style, depth) for name, style in self.roles.items()]


def _attrs(style: RoleStyle) -> list[str]:
    return [a for a in ("bold", "underline", "italics") if getattr(style, a)]


def _entry(name: str, style: RoleStyle, depth: ColorDepth) -> tuple[str, str, str, str, str, str]:
    attrs = _attrs(style)
    mono = style.mono or (",".join(attrs) if attrs else "default")
    if style.mono and style.fg == "default" and style.bg == "default":
        # A role with no colours of its own (the mono theme) keeps its meaning in colour too.
        attrs = sorted(set(attrs) | (set(style.mono.split(",")) - {"default"}))
    fg16 = style.fg16 or _convert(style.fg, "16")
    bg16 = style.bg16 or _convert(style.bg, "16", background=True)
    if depth in ("truecolor", "256"):
        fg_high, bg_high = _convert(style.fg, depth), _convert(style.bg, depth)
    else:
        fg_high, bg_high = fg16, bg16
    fg16 = ",".join([fg16, *attrs])
    fg_high = ",".join([fg_high, *attrs])
    return (name, fg16, bg16, mono, fg_high, bg_high)


def _convert(colour: str, depth: ColorDepth, *, background: bool = False) -> str:
    if colour == "default":
        return colour
    if depth == "truecolor":
        return colour
    if depth == "256":
        return nearest_256(colour)
    return nearest_16(colour, background=background)


def builtin_themes() -> dict[str, Path]:
    """Map the name of every theme shipped with deck to its file."""
    folder = resources.files("deck.themes")
    return {
        Path(entry.name).stem: Path(str(entry)) for entry in folder.iterdir() if entry.name.endswith(".yaml")
    }


def find_theme(name_or_path: str, extra: Mapping[str, Path] = {}) -> Path:
    """Resolve a theme name (built-in or contributed by a plugin) or a path to a file."""
    path = Path(name_or_path).expanduser()
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    known = {**builtin_themes(), **extra}
    stem = path.stem if path.suffix in (".yaml", ".yml") else name_or_path
    if stem in known:
        return known[stem]
    raise ThemeError(
        f"no theme named {name_or_path!r} (known: {', '.join(sorted(known))})",
        hint=did_you_mean(stem, known) or "see docs/themes.md",
    )


def load_theme(path: Path) -> Theme:
    """Load and validate a theme file."""
    doc = load_document(path, ThemeError)
    return _parse(doc)


def _fail(doc: Document, path: tuple[Any, ...], message: str, hint: str | None = None) -> ThemeError:
    return ThemeError(message, where=doc.where(path), hint=hint or "see docs/themes.md")


def _parse(doc: Document) -> Theme:
    data = doc.data
    if not isinstance(data, dict):
        raise _fail(doc, (), "a theme must be a mapping with 'colors' and 'roles'")
    unknown = set(data) - {"name", "border", "dark", "colors", "roles", "icons"}
    for key in sorted(unknown, key=str):
        raise _fail(
            doc,
            (key,),
            f"unknown key {key!r}",
            did_you_mean(key, ["name", "border", "dark", "colors", "roles", "icons"]),
        )
    colors = _parse_colors(doc, data.get("colors") or {})
    border = data.get("border", "single")
    if not isinstance(border, str) or border not in _BORDERS:
        raise _fail(
            doc,
            ("border",),
            f"invalid border {border!r}: expected one of {', '.join(sorted(_BORDERS))}",
            did_you_mean(border, _BORDERS),
        )
    name = data.get("name") or Path(doc.file).stem
    if not isinstance(name, (str, int, float)):
        raise _fail(doc, ("name",), f"name must be text, got {name!r}")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise _fail(doc, ("dark",), f"dark must be true or false, got {dark!r}")
    roles = _parse_roles(doc, data.get("roles"), colors)
    icons = data.get("icons", "unicode")
    if not isinstance(icons, str) or icons not in ("unicode", "ascii"):
        raise _fail(doc, ("icons",), f"invalid icons {icons!r}: expected unicode or ascii")
    return Theme(
        name=str(name),
        border=border,
        dark=dark,
        roles=roles,
        ascii_icons=icons == "ascii",
    )


def _parse_colors(doc: Document, colors: object) -> dict[str, str]:
    """The theme's named colours, each a valid #rrggbb."""
    if not isinstance(colors, dict):
        raise _fail(doc, ("colors",), "'colors' must map names to #rrggbb values")
    for name, value in colors.items():
        if not isinstance(name, str):
            raise _fail(doc, ("colors", name), f"a colour name must be text, got {name!r}")
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            parse_hex(value)
        except ValueError:
            raise _fail(
                doc, ("colors", name), f"invalid colour {value!r} for {name!r}: expected #rrggbb"
            ) from None
    return colors


def _parse_roles(doc: Document, roles_data: object, colors: Mapping[str, str]) -> dict[str, RoleStyle]:
    """Every role's style: the ones given, then the text role's for the rest."""
    if not isinstance(roles_data, dict):
        raise _fail(doc, ("roles",), "'roles' must be a mapping of role name to style")
    roles = {role: _parse_role(doc, role, spec, colors) for role, spec in roles_data.items()}
    for role in roles:
        if not isinstance(role, str) or (role not in ROLES and "." not in role):
            raise _fail(
                doc,
                ("roles", role),
                f"unknown role {role!r} (plugin roles are named 'plugin.role')",
                did_you_mean(role, ROLES),
            )
    if "text" not in roles:
        raise _fail(doc, ("roles",), "the 'text' role is required")
    for role in ROLES:
        roles.setdefault(role, roles["text"])
    return roles


def _colour(doc: Document, path: tuple[Any, ...], value: object, colors: Mapping[str, str]) -> str:
    if not isinstance(value, str):
        raise _fail(doc, path, f"invalid colour {value!r}: expected a name from 'colors', #rrggbb or default")
    text = value
    if text == "default":
        return text
    if text in colors:
        return str(colors[text])
    try:
        parse_hex(text)
    except ValueError:
        raise _fail(
            doc,
            path,
            f"invalid colour {value!r}: expected a name from 'colors', #rrggbb or default",
            did_you_mean(text, colors),
        ) from None
    return text


def _parse_role(doc: Document, name: str, spec: object, colors: Mapping[str, str]) -> RoleStyle:
    path = ("roles", name)
    if not isinstance(spec, dict):
        raise _fail(doc, path, f"role {name!r} must be a mapping like {{fg: text, bg: base}}")
    for key in spec:
        if not isinstance(key, str) or key not in _ROLE_KEYS:
            raise _fail(doc, (*path, key), f"unknown role setting {key!r}", did_you_mean(key, _ROLE_KEYS))
    fg = _colour(doc, (*path, "fg"), spec.get("fg", "text" if "text" in colors else "default"), colors)
    bg = _colour(doc, (*path, "bg"), spec.get("bg", "base" if "base" in colors else "default"), colors)
    for key in ("fg16", "bg16"):
        if key in spec and (not isinstance(spec[key], str) or spec[key] not in _16_NAMES):
            raise _fail(
                doc,
                (*path, key),
                f"invalid {key} {spec[key]!r}: expected a basic colour name",
                did_you_mean(spec[key], _16_NAMES),
            )
    mono = spec.get("mono")
    if mono is not None and (not isinstance(mono, str) or not set(mono.replace(" ", "").split(",")) <= _MONO):
        raise _fail(doc, (*path, "mono"), f"invalid mono {mono!r}: expected {', '.join(sorted(_MONO))}")
    for key in ("bold", "underline", "italics"):
        if key in spec and not isinstance(spec[key], bool):
            raise _fail(doc, (*path, key), f"{key} must be true or false, got {spec[key]!r}")
    return RoleStyle(
        fg=fg,
        bg=bg,
        bold=spec.get("bold", False),
        underline=spec.get("underline", False),
        italics=spec.get("italics", False),
        fg16=spec.get("fg16"),
        bg16=spec.get("bg16"),
        mono=str(mono).replace(" ", "") if mono else None,
    )
