"""Any YAML value in any position of a layout or theme is refused with a located message or accepted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deck._app import check_layout
from deck._errors import DeckError, LayoutError, ThemeError
from deck._theme import load_theme
from deck._yamlfile import parse_document

ROOT = Path(__file__).resolve().parents[2]
LAYOUT: dict[str, Any] = {
    "title": "Fuzz",
    "theme": "mono",
    "plugins": {"system": {"interval": 2.0, "processes_interval": 2.0}},
    "keys": {"z": "deck.quit"},
    "screens": [
        {
            "name": "One",
            "key": "1",
            "rows": [
                {"height": 8, "columns": [{"panel": "system.cpu", "options": {"bar_width": 12}}]},
                {"weight": 2, "panel": "system.processes", "title": "Procs"},
            ],
        },
        {"name": "Two", "panel": "system.memory"},
    ],
}
THEME: dict[str, Any] = yaml.safe_load((ROOT / "themes" / "neon-syndicate.yaml").read_text())

FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "system.cpu", "deck.quit", "#ff00aa", "default", "ascii", "1", "\x1b[2J"])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(scalars, inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every position in a document, the document itself included."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from paths(child, (*prefix, index))


def mutate(document: Any, path: tuple[Any, ...], value: Any, new_key: Any | None) -> Any:
    """A deep copy of `document` with `value` at `path` (or under a new key there, for a mapping)."""
    copy = yaml.safe_load(yaml.safe_dump(document))
    if not path:
        return value
    parent = copy
    for step in path[:-1]:
        parent = parent[step]
    target = parent[path[-1]]
    if new_key is not None and isinstance(target, dict):
        target[new_key] = value
    else:
        parent[path[-1]] = value
    return copy


def position(document: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    return st.sampled_from(list(paths(document)))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def write(folder: Path, name: str, document: Any) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document, allow_unicode=False), encoding="utf-8")
    return path


@FUZZ
@given(path=position(LAYOUT), value=values, new_key=st.none() | scalars)
def test_any_value_anywhere_in_a_layout_is_an_error_or_accepted(
    scratch: Path, path: tuple[Any, ...], value: Any, new_key: Any
) -> None:
    file = write(scratch, "layout.yaml", mutate(LAYOUT, path, value, new_key))
    try:
        check_layout(file)
    except LayoutError as exc:
        assert str(exc).startswith(str(file)), exc
    except ThemeError as exc:
        assert exc.where is not None, exc


@FUZZ
@given(path=position(THEME), value=values, new_key=st.none() | scalars)
def test_any_value_anywhere_in_a_theme_is_an_error_or_accepted(
    scratch: Path, path: tuple[Any, ...], value: Any, new_key: Any
) -> None:
    file = write(scratch, "theme.yaml", mutate(THEME, path, value, new_key))
    try:
        theme = load_theme(file)
    except ThemeError as exc:
        assert str(exc).startswith(str(file)), exc
    else:
        for depth in ("truecolor", "256", "16", "mono"):
            assert theme.palette(depth)  # type: ignore[arg-type]


yaml_text = st.text(
    alphabet=st.sampled_from(list("ab:-[]{},&*!|>'\"#%@`?\n 0.1eE+x\t\\")) | st.characters(), max_size=80
)


@FUZZ
@given(text=yaml_text)
def test_any_text_parses_or_is_a_located_error(text: str) -> None:
    try:
        parse_document(text, "fuzz.yaml", LayoutError)
    except DeckError as exc:
        assert str(exc).startswith("fuzz.yaml"), exc
