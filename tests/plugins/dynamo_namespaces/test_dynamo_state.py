"""Finding, reading and summarising state files."""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
from pathlib import Path

import filelock
import pytest

from deck.plugins.dynamo_namespaces.client import (
    STATE_DIR_ENV,
    StateError,
    StateSnapshot,
    directory_stamp,
    discover,
    find_namespace,
    load_state,
    lock_path,
    resolve_state_dir,
    state_files,
)


def test_state_dir_explicit_beats_env_beats_default(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    env = {STATE_DIR_ENV: str(tmp_path / "env")}
    assert resolve_state_dir(tmp_path / "flag", env) == tmp_path / "flag"
    assert resolve_state_dir(None, env) == tmp_path / "env"
    assert resolve_state_dir("", {STATE_DIR_ENV: ""}) == tmp_path / "home/.dynamo/state"
    assert resolve_state_dir("~/x", {}) == tmp_path / "home/x"
    monkeypatch.setenv(STATE_DIR_ENV, str(tmp_path / "real-env"))
    assert resolve_state_dir() == tmp_path / "real-env"


def test_missing_folder_means_no_deployments(tmp_path):
    missing = tmp_path / "gone"
    assert state_files(missing) == ()
    assert discover(missing) == ()
    assert directory_stamp(missing) == frozenset()
    assert find_namespace(missing, "dynamo") is None


def test_discovery_lists_json_files_by_content_namespace(copy_fixture, state_dir):
    copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    copy_fixture("broken/unicode_ns.json", "dÿnamo-测试.json")
    copy_fixture("broken/truncated.json")
    (state_dir / "dynamo.lock").touch()
    (state_dir / "notes.txt").write_text("not a state file")
    results = discover(state_dir)
    assert [r.namespace for r in results] == ["agg", "dynamo", "dÿnamo-测试", "truncated"]
    assert [r.ok for r in results] == [True, True, True, False]


def test_find_namespace_by_content_then_by_file_name(copy_fixture, state_dir):
    copy_fixture("broken/unicode_ns.json")
    copy_fixture("broken/empty.json")
    copy_fixture("initial/dynamo.json", "old-copy.json")
    copy_fixture("initial/dynamo.json")
    assert find_namespace(state_dir, "dÿnamo-测试").path.name == "unicode_ns.json"
    assert find_namespace(state_dir, "dynamo").path.name == "dynamo.json"  # {ns}.json preferred
    assert isinstance(find_namespace(state_dir, "empty"), StateError)
    assert find_namespace(state_dir, "nothing") is None


def test_vanished_file_is_a_missing_error_not_an_exception(state_dir):
    result = load_state(state_dir / "dynamo.json")
    assert isinstance(result, StateError)
    assert result.kind == "missing"
    assert result.problem == "file not found (the deployment may have stopped)"


def test_snapshot_values(copy_fixture):
    state = load_state(copy_fixture("after_add_vllm_prefill/dynamo.json"))
    assert isinstance(state, StateSnapshot)
    assert state.namespace == "dynamo"
    assert state.circus_endpoint == "tcp://127.0.0.1:41235"
    assert state.total_gpus == 4 and state.gpu_info == ("0", "1", "2", "3")
    assert state.warnings == ()
    worker = state.watcher("dynamo_VllmWorker_1")
    assert (worker.component, worker.index, worker.allocated_gpus) == ("VllmWorker", 1, ("2",))
    assert worker.watcher_name == "dynamo_VllmWorker_1"
    assert worker.cmd.endswith("--custom-component-name 'dynamo_VllmWorker_1'")
    assert state.watcher("dynamo_VllmWorker").allocated_gpus == ("0",)  # int 0 in the file
    assert not worker.has_lease and worker.raw["resources"]["allocated_gpus"] == ("2",)


def test_component_summary_puts_workers_first(copy_fixture):
    state = load_state(copy_fixture("after_add_vllm_prefill/dynamo.json"))
    rows = [(c.component, c.count, [w.key for w in c.watchers], c.gpus) for c in state.components]
    assert rows == [
        ("VllmWorker", 2, ["dynamo_VllmWorker", "dynamo_VllmWorker_1"], ("0", "2")),
        ("PrefillWorker", 2, ["dynamo_PrefillWorker", "dynamo_PrefillWorker_1"], ("1", "3")),
        ("Processor", 1, ["dynamo_Processor"], ()),
        ("Router", 1, ["dynamo_Router"], ()),
        ("Frontend", 1, ["dynamo_Frontend"], ()),
    ]
    assert [c.scalable for c in state.components] == [True, True, False, False, False]


def test_released_base_is_listed_but_not_counted(copy_fixture):
    state = load_state(copy_fixture("after_remove_base_vllm/dynamo.json"))
    vllm = state.component("VllmWorker")
    assert vllm.count == 0 and len(vllm.watchers) == 1 and vllm.watchers[0].released


def test_gpu_map_shows_holders_and_free(copy_fixture):
    state = load_state(copy_fixture("after_add_vllm/dynamo.json"))
    assert [(s.gpu, s.holders, s.free) for s in state.gpus] == [
        ("0", ("dynamo_VllmWorker",), False),
        ("1", ("dynamo_PrefillWorker",), False),
        ("2", ("dynamo_VllmWorker_1",), False),
        ("3", (), True),
    ]
    assert state.free_gpus == ("3",)


def test_gpu_conflicts_and_unlisted_gpus_are_warnings(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    document = json.loads(path.read_bytes())
    document["components"]["dynamo_Router"]["resources"] = {"allocated_gpus": ["0", 7]}
    path.write_text(json.dumps(document))
    state = load_state(path)
    assert state.gpus[0].holders == ("dynamo_Router", "dynamo_VllmWorker")  # file order
    assert state.gpus[-1] == type(state.gpus[-1])("7", ("dynamo_Router",), listed=False)
    assert state.warnings == (
        "GPU 7 is allocated to dynamo_Router but not in gpu_info",
        "GPU 0 is allocated to 2 watchers",
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.pop("components"), "missing key 'components'"),
        (
            lambda d: d["components"].update(dynamo_Router="x"),
            "components.dynamo_Router must be an object, got a string",
        ),
        (
            lambda d: d["components"]["dynamo_Router"].update(resources=None),
            "components.dynamo_Router.resources must be an object, got null",
        ),
        (
            lambda d: d["components"]["dynamo_VllmWorker"]["resources"].update(allocated_gpus=0),
            "components.dynamo_VllmWorker.resources.allocated_gpus must be a list, got a number",
        ),
        (
            lambda d: d["environment"]["SYSTEM_RESOURCES"].update(gpu_info=[{"id": 0}]),
            "environment.SYSTEM_RESOURCES.gpu_info[0] must be a string or integer, got an object",
        ),
        (lambda d: d.update(environment=[]), "environment must be an object, got a list"),
    ],
)
def test_structural_defects_name_the_place(copy_fixture, change, problem):
    path = copy_fixture("initial/dynamo.json")
    document = json.loads(path.read_bytes())
    change(document)
    path.write_text(json.dumps(document))
    result = load_state(path)
    assert isinstance(result, StateError)
    assert (result.kind, result.problem) == ("structure", problem)


def test_invalid_json_in_the_middle_is_not_called_truncated(state_dir):
    path = state_dir / "x.json"
    path.write_text('{"namespace": "x",, "components": {}}')
    problem = "invalid JSON at line 1 column 19 (Expecting property name enclosed in double quotes)"
    assert load_state(path).problem == problem
    path.write_bytes(b'{"namespace": "\xff"}')
    assert load_state(path).problem.startswith("not UTF-8 text")


def test_missing_namespace_falls_back_to_file_name_with_a_warning(copy_fixture):
    path = copy_fixture("initial/dynamo.json", "fallback.json")
    document = json.loads(path.read_bytes())
    del document["namespace"]
    path.write_text(json.dumps(document))
    state = load_state(path)
    assert state.namespace == "fallback"
    assert state.warnings[0] == "namespace is null; using the file name 'fallback'"


def test_service_config_is_parsed_lazily_and_defensively(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    state = load_state(path)
    assert "_service_config" not in vars(state)
    assert state.service_config["Common"]["model"] == "deepseek-ai/DeepSeek-R1-Distill-Llama-8B"
    assert state.service_config_error is None
    document = json.loads(path.read_bytes())
    document["environment"]["DYNAMO_SERVICE_CONFIG"] = "{not json"
    path.write_text(json.dumps(document))
    broken = load_state(path)
    assert broken.ok and broken.service_config is None
    assert broken.service_config_error.startswith("environment.DYNAMO_SERVICE_CONFIG is not valid")


def test_snapshots_are_immutable(copy_fixture):
    state = load_state(copy_fixture("initial/dynamo.json"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        state.namespace = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.data["namespace"] = "other"  # type: ignore[index]
    with pytest.raises(TypeError):
        state.watchers[0].raw["cmd"] = "rm -rf /"  # type: ignore[index]
    assert json.loads(state.pretty_json) == json.loads(state.path.read_bytes())


def test_version_tracks_content_and_stamp_tracks_the_folder(copy_fixture, state_dir):
    path = copy_fixture("initial/dynamo.json")
    first = load_state(path)
    stamp = directory_stamp(state_dir)
    assert first.version.stat_key == (
        path.stat().st_mtime_ns,
        path.stat().st_size,
        path.stat().st_ino,
    )
    os.utime(path, ns=(1, 1))
    touched = load_state(path)
    assert touched.version.same_content(first.version) and touched.version != first.version
    assert directory_stamp(state_dir) != stamp
    stamp = directory_stamp(state_dir)
    copy_fixture("initial/agg.json")
    assert directory_stamp(state_dir) != stamp
    stamp = directory_stamp(state_dir)
    path.unlink()
    assert directory_stamp(state_dir) != stamp


def _write_slowly_under_lock(path: Path, content: bytes, ready, done) -> None:
    """Dynamo's LocalConnector pattern: truncate and rewrite in place while holding the lock."""
    with filelock.FileLock(str(lock_path(path))), open(path, "wb") as handle:
        handle.write(content[: len(content) // 2])
        handle.flush()
        ready.set()
        done.wait(0.3)
        handle.write(content[len(content) // 2 :])


def test_half_written_file_is_reread_under_dynamos_lock(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    content = path.read_bytes()
    lock_path(path).touch()
    context = multiprocessing.get_context("fork")
    ready, done = context.Event(), context.Event()
    writer = context.Process(target=_write_slowly_under_lock, args=(path, content, ready, done))
    writer.start()
    try:
        assert ready.wait(10)
        assert path.read_bytes() != content  # a plain read now would see half a file
        result = load_state(path, lock_timeout=10)
    finally:
        done.set()
        writer.join(10)
    assert isinstance(result, StateSnapshot), result
    assert result.version.size == len(content)


def test_without_a_lock_file_the_error_is_returned_and_no_lock_is_created(copy_fixture):
    path = copy_fixture("broken/truncated.json")
    assert load_state(path).kind == "syntax"
    assert not lock_path(path).exists()


def test_absurdly_deep_json_is_an_error_value_not_a_crash(state_dir):
    path = state_dir / "deep.json"
    path.write_text('{"namespace": "x", "components": {}, "deep": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = load_state(path)
    assert isinstance(result, StateError) and result.problem == "JSON nested too deeply"
