"""Replaying the fixtures' transitions must give what Dynamo's own LocalConnector wrote."""

from __future__ import annotations

import json
import re
from pathlib import Path

from deck.plugins.dynamo_namespaces.client import load_state, scale

# Dynamo copies the planner's whole environment into --worker-env; deck keeps only these.
KEPT_ENV = ("CUDA_VISIBLE_DEVICES", "DYNAMO_SERVICE_CONFIG")
WORKER_ENV = re.compile(r"--worker-env '(?P<env>.*)' --custom-component-name '(?P<name>[^']*)'$")


def without_operator_env(cmd: str) -> str:
    """The command Dynamo wrote, minus the environment variables deck deliberately leaves out."""
    match = WORKER_ENV.search(cmd)
    if match is None:
        return cmd
    envs = [{k: v for k, v in env.items() if k in KEPT_ENV} for env in json.loads(match["env"])]
    tail = f"--worker-env '{json.dumps(envs)}' --custom-component-name '{match['name']}'"
    return cmd[: match.start()] + tail


def expected_bytes(fixture: Path) -> bytes:
    """Dynamo's file with the environment difference applied, in LocalConnector's format."""
    document = json.loads(fixture.read_bytes())
    for entry in document["components"].values():
        entry["cmd"] = without_operator_env(entry["cmd"])
    return json.dumps(document, indent=2).encode("ascii")


def gpus_by_key(path: Path) -> dict[str, object]:
    components = json.loads(path.read_bytes())["components"]
    return {key: entry["resources"].get("allocated_gpus") for key, entry in components.items()}


def test_the_env_filter_really_removes_the_operator_environment(fixtures_dir):
    cmd = json.loads((fixtures_dir / "after_add_vllm/dynamo.json").read_bytes())["components"][
        "dynamo_VllmWorker_1"
    ]["cmd"]
    assert '"PATH": "/usr/bin"' in cmd
    assert "PATH" not in without_operator_env(cmd)
    assert '"CUDA_VISIBLE_DEVICES": "2"' in without_operator_env(cmd)


def test_add_vllm_matches_dynamo(copy_fixture, fixtures_dir):
    path = copy_fixture("initial/dynamo.json")
    result = scale(path, "add", "VllmWorker")
    assert result.ok, result.message
    assert result.message == "Added dynamo_VllmWorker_1 on GPU 2"
    expected = fixtures_dir / "after_add_vllm/dynamo.json"
    assert list(gpus_by_key(path).items()) == list(gpus_by_key(expected).items())
    assert path.read_bytes() == expected_bytes(expected)


def test_add_prefill_after_vllm_matches_dynamo(copy_fixture, fixtures_dir):
    path = copy_fixture("initial/dynamo.json")
    assert scale(path, "add", "VllmWorker").ok
    result = scale(path, "add", "PrefillWorker")
    assert result.message == "Added dynamo_PrefillWorker_1 on GPU 3"
    expected = fixtures_dir / "after_add_vllm_prefill/dynamo.json"
    assert list(gpus_by_key(path).items()) == list(gpus_by_key(expected).items())
    assert path.read_bytes() == expected_bytes(expected)


def test_add_prefill_on_dynamos_own_file_matches_dynamo(copy_fixture, fixtures_dir):
    path = copy_fixture("after_add_vllm/dynamo.json")
    assert scale(path, "add", "PrefillWorker").ok
    expected = fixtures_dir / "after_add_vllm_prefill/dynamo.json"
    assert gpus_by_key(path) == gpus_by_key(expected)
    added = json.loads(path.read_bytes())["components"]["dynamo_PrefillWorker_1"]
    assert added == json.loads(expected_bytes(expected))["components"]["dynamo_PrefillWorker_1"]


def test_add_add_remove_restores_the_single_add_exactly(copy_fixture, fixtures_dir):
    path = copy_fixture("initial/dynamo.json")
    assert scale(path, "add", "VllmWorker").ok
    after_one_add = path.read_bytes()
    assert scale(path, "add", "VllmWorker").message == "Added dynamo_VllmWorker_2 on GPU 3"
    result = scale(path, "remove", "VllmWorker")
    assert result.message == "Removed dynamo_VllmWorker_2 (GPU 3 freed)"
    assert path.read_bytes() == after_one_add
    assert path.read_bytes() == expected_bytes(fixtures_dir / "after_add_add_remove_vllm/dynamo.json")


def test_remove_base_vllm_is_byte_identical_to_dynamo(copy_fixture, fixtures_dir):
    path = copy_fixture("initial/dynamo.json")
    result = scale(path, "remove", "VllmWorker")
    assert result.ok
    assert result.message == "Removed dynamo_VllmWorker (GPU 0 freed; base entry kept as the template)"
    assert path.read_bytes() == (fixtures_dir / "after_remove_base_vllm/dynamo.json").read_bytes()
    base = load_state(path).watcher("dynamo_VllmWorker")
    assert base.released and base.has_lease and base.allocated_gpus == ()


def test_after_base_removal_add_takes_index_1_and_the_freed_gpu(copy_fixture):
    path = copy_fixture("after_remove_base_vllm/dynamo.json")
    result = scale(path, "add", "VllmWorker")
    assert result.message == "Added dynamo_VllmWorker_1 on GPU 0"
    assert gpus_by_key(path)["dynamo_VllmWorker"] is None


def test_removing_a_released_base_again_is_refused_not_rewritten(copy_fixture):
    # Dynamo rewrites the same content and signals circus again; deck says there is nothing left.
    path = copy_fixture("after_remove_base_vllm/dynamo.json")
    before = path.read_bytes()
    result = scale(path, "remove", "VllmWorker")
    assert not result.ok and result.reason == "refused"
    assert "dynamo_VllmWorker is already released" in result.message
    assert path.read_bytes() == before


def test_two_adds_reach_no_gpu_left(copy_fixture, fixtures_dir):
    path = copy_fixture("initial/dynamo.json")
    assert scale(path, "add", "VllmWorker").ok
    assert scale(path, "add", "VllmWorker").ok
    expected = fixtures_dir / "no_gpu_left/dynamo.json"
    assert list(gpus_by_key(path).items()) == list(gpus_by_key(expected).items())
    assert path.read_bytes() == expected_bytes(expected)


def test_no_gpu_left_gives_a_clear_error_and_writes_nothing(copy_fixture):
    path = copy_fixture("no_gpu_left/dynamo.json")
    before = path.read_bytes()
    for component in ("VllmWorker", "PrefillWorker"):
        result = scale(path, "add", component)
        assert not result.ok and result.reason == "refused"
        assert result.message.startswith("no free GPU: 4 of 4 allocated")
        assert path.read_bytes() == before


def test_unscalable_and_unknown_components_are_refused(copy_fixture):
    path = copy_fixture("no_gpu_left/dynamo.json")
    before = path.read_bytes()
    for action in ("add", "remove"):
        for component in ("Processor", "Nonexistent"):
            result = scale(path, action, component)
            assert not result.ok
            assert f"{component} cannot be scaled" in result.message
    assert path.read_bytes() == before


def test_agg_namespace(copy_fixture):
    path = copy_fixture("initial/agg.json")
    assert scale(path, "add", "VllmWorker").message == "Added agg_VllmWorker_1 on GPU 1"
    result = scale(path, "add", "PrefillWorker")
    assert "no base entry agg_PrefillWorker" in result.message
    assert scale(path, "add", "VllmWorker").message.startswith("no free GPU: 2 of 2 allocated")


def test_real_shape_with_planner_watcher(copy_fixture):
    path = copy_fixture("initial_with_planner/dynamo.json")
    state = load_state(path)
    assert [c.component for c in state.components][:2] == ["VllmWorker", "PrefillWorker"]
    assert state.component("Planner").count == 1
    assert scale(path, "add", "VllmWorker").message == "Added dynamo_VllmWorker_1 on GPU 2"
    assert next(iter(json.loads(path.read_bytes())["components"])) == "dynamo_Planner"
