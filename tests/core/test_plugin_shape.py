"""Every built-in plugin has the one shape `deck new-plugin` generates (docs/plugins.md).

`plugin.py` (hook implementations only), `client.py` (talks to the backend, never urwid),
`source.py`, `panels.py`, `actions.py` and `model.py`; any other module splits one of these
(`client_v1.py`, `panels_fleet.py`). So a newcomer finds any behaviour in one hop.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from deck._scaffold import new_plugin

PLUGINS = Path(__file__).resolve().parents[2] / "plugins"
PARTS = ("plugin", "client", "source", "panels", "actions", "model")
#: The parts a bigger plugin may split into several modules.
SPLITTABLE = ("client", "source", "panels", "actions", "model")


def _plugins() -> list[str]:
    return sorted(p.name for p in PLUGINS.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _is_split(stem: str) -> bool:
    return any(stem.startswith(f"{part}_") and len(stem) > len(part) + 1 for part in SPLITTABLE)


def _is_hookimpl(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
    return name == "hookimpl"


def _is_constant(statement: ast.stmt) -> bool:
    """A docstring, or a module-level name bound once in capitals (or `__all__`)."""
    if isinstance(statement, ast.Expr):
        return isinstance(statement.value, ast.Constant) and isinstance(statement.value.value, str)
    targets = (
        statement.targets
        if isinstance(statement, ast.Assign)
        else [statement.target]
        if isinstance(statement, ast.AnnAssign)
        else []
    )
    names = [t.id for t in targets if isinstance(t, ast.Name)]
    return bool(names) and len(names) == len(targets) and all(n == "__all__" or n.isupper() for n in names)


def _is_type_checking_block(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.If)
        and ast.unparse(statement.test).endswith("TYPE_CHECKING")
        and all(isinstance(s, (ast.Import, ast.ImportFrom)) for s in statement.body)
    )


def not_hooks(source: str) -> Iterator[str]:
    """What a `plugin.py` holds besides imports, constants and hook implementations."""
    for statement in ast.parse(source).body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)) or _is_constant(statement):
            continue
        if _is_type_checking_block(statement):
            continue
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not any(_is_hookimpl(d) for d in statement.decorator_list):
                yield f"function {statement.name}"
        elif isinstance(statement, ast.ClassDef):
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    # __init__ sets up what the hooks share (a client, say); all else is a hook.
                    if member.name != "__init__" and not any(_is_hookimpl(d) for d in member.decorator_list):
                        yield f"{statement.name}.{member.name}"
                elif not _is_constant(member):
                    yield f"{statement.name}: line {member.lineno}"
        else:
            yield f"line {statement.lineno}"


def imports_urwid(source: str) -> bool:
    """Whether a module imports urwid (a client talks to its backend, never to the screen)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "urwid" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "urwid":
            return True
    return False


def offences(folder: Path) -> set[tuple[str, str, str]]:
    """Every way one plugin folder departs from the shape, as (plugin, rule, what)."""
    plugin = folder.name
    found: set[tuple[str, str, str]] = set()
    modules = sorted(p for p in folder.glob("*.py"))
    stems = {p.stem for p in modules}
    found |= {(plugin, "missing", f"{part}.py") for part in PARTS if part not in stems}
    for module in modules:
        stem = module.stem
        if stem not in PARTS and stem != "__init__" and not _is_split(stem):
            found.add((plugin, "stray module", module.name))
        source = module.read_text(encoding="utf-8")
        if (stem == "client" or stem.startswith("client_")) and imports_urwid(source):
            found.add((plugin, "client imports urwid", module.name))
    if "plugin" in stems:
        for what in not_hooks((folder / "plugin.py").read_text(encoding="utf-8")):
            found.add((plugin, "plugin.py holds more than hooks", what))
    return found


@pytest.mark.parametrize("plugin", _plugins())
def test_every_built_in_plugin_has_the_one_shape(plugin: str) -> None:
    found = sorted(offences(PLUGINS / plugin))
    assert not found, f"{plugin} departs from the plugin shape (docs/plugins.md): {found}"


def test_the_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in ("__init__", "client", "source", "panels_fleet", "actions", "model", "helpers"):
        (folder / f"{name}.py").write_text('"""A module."""\n')
    (folder / "client_v1.py").write_text("from urwid import Text\n")
    (folder / "plugin.py").write_text(
        "from deck import hookimpl\n"
        "LIMIT = 3\n"
        "class P:\n"
        "    def __init__(self) -> None: ...\n"
        "    @hookimpl\n"
        "    def deck_panels(self): ...\n"
        "    def helper(self): ...\n"
        "def format_row(): ...\n"
        "cache = {}\n"
    )
    assert offences(folder) == {
        ("bad", "missing", "panels.py"),
        ("bad", "stray module", "helpers.py"),
        ("bad", "client imports urwid", "client_v1.py"),
        ("bad", "plugin.py holds more than hooks", "P.helper"),
        ("bad", "plugin.py holds more than hooks", "function format_row"),
        ("bad", "plugin.py holds more than hooks", "line 9"),
    }


def test_the_generated_plugin_has_the_shape(tmp_path: Path) -> None:
    project = new_plugin("shape_probe", tmp_path)
    assert offences(project / "deck_shape_probe") == set()
