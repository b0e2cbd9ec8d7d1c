"""Every file in fixtures/broken: a clear error or warning, and never a crash or a bad write."""

from __future__ import annotations

import json

import pytest

from deck.plugins.dynamo_namespaces import actions_cli
from deck.plugins.dynamo_namespaces.client import (
    StateError,
    StateSnapshot,
    discover,
    load_state,
    plan_add,
    plan_remove,
    scale,
)

UNUSABLE = {
    "empty.json": ("syntax", "empty file (0 bytes"),
    "truncated.json": ("syntax", "truncated JSON at line 1 column 1463 (Unterminated string)"),
    "not_object.json": ("structure", "top level must be an object, got a list"),
    "wrong_types.json": ("structure", "components must be an object, got a list"),
}
ACTIONS = [(a, c) for a in ("add", "remove") for c in ("VllmWorker", "PrefillWorker")]


def test_every_broken_file_is_covered(fixtures_dir):
    names = {p.name for p in (fixtures_dir / "broken").glob("*.json")}
    assert names == set(UNUSABLE) | {
        "bad_suffix.json",
        "mixed_gpu_ids.json",
        "unicode_ns.json",
        "unicode_ns_utf8.json",
    }


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_file_is_an_error_value_naming_file_and_problem(copy_fixture, name):
    path = copy_fixture(f"broken/{name}")
    result = load_state(path)
    kind, problem = UNUSABLE[name]
    assert isinstance(result, StateError)
    assert result.kind == kind
    assert result.problem.startswith(problem)
    assert result.message == f"{path}: {result.problem}"
    assert result.namespace == path.stem  # the content could not tell, so the file name does
    assert result.version is not None and result.version.size == path.stat().st_size


@pytest.mark.parametrize("name", sorted(UNUSABLE))
def test_unusable_file_is_byte_identical_after_every_action(copy_fixture, state_dir, name, capsys):
    path = copy_fixture(f"broken/{name}")
    before = path.read_bytes()
    for action, component in ACTIONS:
        result = scale(path, action, component)
        assert not result.ok and result.reason == "corrupt"
        assert str(path) in result.message and "nothing written" in result.message
        assert path.read_bytes() == before
        code = actions_cli.run(["--state-dir", str(state_dir), action, path.stem, component])
        assert code == 1
        assert path.read_bytes() == before
    assert actions_cli.run(["--state-dir", str(state_dir), "show", path.stem]) == 1
    assert UNUSABLE[name][1] in capsys.readouterr().err
    assert sorted(p.name for p in state_dir.iterdir()) == [name, f"{path.stem}.lock"]


def test_bad_suffix_loads_with_a_warning(copy_fixture):
    state = load_state(copy_fixture("broken/bad_suffix.json"))
    assert isinstance(state, StateSnapshot)
    (warning,) = state.warnings
    assert warning.startswith("dynamo_VllmWorker_abc: suffix 'abc' is not a number")
    assert state.watcher("dynamo_VllmWorker_abc").index is None
    assert state.watcher("dynamo_VllmWorker_abc").component == "VllmWorker"


def test_bad_suffix_is_skipped_by_add_and_remove_and_said_so(copy_fixture):
    path = copy_fixture("broken/bad_suffix.json")
    plan = plan_add(load_state(path), "VllmWorker")
    assert plan.describe() == "Add dynamo_VllmWorker_2 on GPU 3"
    assert plan.notes == ("skipped dynamo_VllmWorker_abc: suffix 'abc' is not a number",)
    removal = plan_remove(load_state(path), "VllmWorker")
    assert removal.watcher_key == "dynamo_VllmWorker_1"
    assert removal.notes == plan.notes

    original = json.loads(path.read_bytes())["components"]["dynamo_VllmWorker_abc"]
    assert scale(path, "add", "VllmWorker").message == "Added dynamo_VllmWorker_2 on GPU 3"
    assert scale(path, "remove", "VllmWorker").message == "Removed dynamo_VllmWorker_2 (GPU 3 freed)"
    assert json.loads(path.read_bytes())["components"]["dynamo_VllmWorker_abc"] == original


def test_mixed_gpu_ids_compare_as_strings(copy_fixture):
    path = copy_fixture("broken/mixed_gpu_ids.json")
    state = load_state(path)
    assert state.gpu_info == ("0", "1", "2", "3")
    assert state.watcher("dynamo_PrefillWorker").allocated_gpus == ("1",)
    assert state.watcher("dynamo_VllmWorker").allocated_gpus == ("0",)
    assert state.free_gpus == ("3",)
    assert scale(path, "add", "VllmWorker").message == "Added dynamo_VllmWorker_2 on GPU 3"
    written = json.loads(path.read_bytes())
    # Values deck did not touch keep their original types.
    assert written["components"]["dynamo_PrefillWorker"]["resources"]["allocated_gpus"] == [1, "1"]
    assert written["environment"]["SYSTEM_RESOURCES"]["gpu_info"] == ["0", 1, "2", 3]


@pytest.mark.parametrize("name", ["unicode_ns.json", "unicode_ns_utf8.json"])
def test_unicode_namespace_comes_from_the_content(copy_fixture, name):
    path = copy_fixture(f"broken/{name}")
    state = load_state(path)
    assert state.namespace == "dÿnamo-测试"
    assert path.stem != state.namespace
    result = scale(path, "add", "VllmWorker")
    assert result.message == "Added dÿnamo-测试_VllmWorker_1 on GPU 1"
    content = path.read_bytes()
    assert content.isascii()  # Dynamo's format: ensure_ascii
    assert "dÿnamo-测试_VllmWorker_1" in json.loads(content)["components"]


def test_discovery_of_the_whole_broken_folder_never_raises(fixtures_dir):
    results = discover(fixtures_dir / "broken")
    assert len(results) == 8
    errors = {r.path.name for r in results if isinstance(r, StateError)}
    assert errors == set(UNUSABLE)
