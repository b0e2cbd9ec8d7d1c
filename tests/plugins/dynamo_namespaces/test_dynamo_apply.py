"""Planning is pure; applying locks, checks the version, and replaces the file atomically."""

from __future__ import annotations

import json
import multiprocessing
import os
import shlex
import stat
from pathlib import Path

import filelock

from deck.plugins.dynamo_namespaces.client import (
    AddPlan,
    PlanError,
    RemovePlan,
    StateSnapshot,
    apply_plan,
    load_state,
    lock_path,
    plan_add,
    plan_remove,
    scale,
    worker_command,
)


def _edit(path: Path, change) -> None:
    document = json.loads(path.read_bytes())
    change(document)
    path.write_text(json.dumps(document))


def test_plans_say_exactly_what_will_happen_and_touch_nothing(copy_fixture, state_dir):
    path = copy_fixture("after_add_vllm/dynamo.json")
    before = path.read_bytes()
    state = load_state(path)
    add = plan_add(state, "VllmWorker")
    assert isinstance(add, AddPlan)
    assert (add.watcher_key, add.index, add.gpu) == ("dynamo_VllmWorker_2", 2, "3")
    assert add.describe() == "Add dynamo_VllmWorker_2 on GPU 3"
    assert add.entry()["resources"] == {"allocated_gpus": ["3"]}
    remove = plan_remove(state, "VllmWorker")
    assert isinstance(remove, RemovePlan)
    assert (remove.watcher_key, remove.index, remove.freed_gpus) == (
        "dynamo_VllmWorker_1",
        1,
        ("2",),
    )
    assert remove.describe() == "Remove dynamo_VllmWorker_1, freeing GPU 2"
    base = plan_remove(state, "PrefillWorker")
    assert base.keeps_base and base.describe().startswith("Release base entry dynamo_PrefillWorker")
    assert path.read_bytes() == before
    assert sorted(p.name for p in state_dir.iterdir()) == ["dynamo.json"]


def test_gaps_are_not_filled_and_the_highest_number_is_reused(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    _edit(path, lambda d: d["components"].update(dynamo_VllmWorker_5={"resources": {}}))
    state = load_state(path)
    assert plan_add(state, "VllmWorker").watcher_key == "dynamo_VllmWorker_6"
    assert plan_remove(state, "VllmWorker").watcher_key == "dynamo_VllmWorker_5"


def test_command_keeps_only_the_gpu_and_service_config(copy_fixture, monkeypatch):
    monkeypatch.setenv("DECK_TEST_SECRET", "hunter2")
    state = load_state(copy_fixture("initial/dynamo.json"))
    plan = plan_add(state, "VllmWorker")
    words = shlex.split(plan.cmd)
    assert words[:6] == [
        "/opt/dynamo/venv/bin/python3",
        "-m",
        "dynamo.sdk.cli.serve_dynamo",
        "graphs.disagg_router:Frontend",
        "--service-name",
        "VllmWorker",
    ]
    assert words[-4:-2] == ["--worker-env", words[-3]]
    (env,) = json.loads(words[-3])
    assert env == {
        "CUDA_VISIBLE_DEVICES": "2",
        "DYNAMO_SERVICE_CONFIG": state.service_config_text,
    }
    assert words[-2:] == ["--custom-component-name", "dynamo_VllmWorker_1"]
    assert "hunter2" not in plan.cmd and plan.cmd.count("--worker-env") == 1


def test_command_stays_valid_shell_when_the_config_holds_a_quote():
    cmd = worker_command("serve --worker-env [{}]", "1", '{"name": "it\'s"}', "ns_VllmWorker_1")
    words = shlex.split(cmd)
    assert json.loads(words[words.index("--worker-env") + 1])[0]["DYNAMO_SERVICE_CONFIG"] == (
        '{"name": "it\'s"}'
    )


def test_first_free_gpu_is_numerically_lowest_with_a_note(copy_fixture):
    path = copy_fixture("initial/dynamo.json")

    def twelve_gpus(document):
        document["environment"]["SYSTEM_RESOURCES"] = {
            "total_gpus": 12,
            "gpu_info": [str(i) for i in range(12)],
        }
        taken = [3, 4, 5, 6, 7, 8, 9, 11]
        document["components"]["dynamo_Processor"]["resources"] = {"allocated_gpus": taken}

    _edit(path, twelve_gpus)
    plan = plan_add(load_state(path), "PrefillWorker")
    assert plan.gpu == "2"
    assert plan.notes == ("Dynamo's planner would take GPU 10 (string order); deck: 2",)


def test_missing_base_entry_and_inventory_are_clear_errors(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    _edit(path, lambda d: d["environment"].pop("SYSTEM_RESOURCES"))
    state = load_state(path)
    assert "SYSTEM_RESOURCES is missing" in state.warnings[0]
    error = plan_add(state, "VllmWorker")
    assert isinstance(error, PlanError) and error.message.startswith("no GPU inventory")
    _edit(path, lambda d: d["components"].pop("dynamo_PrefillWorker"))
    error = plan_add(load_state(path), "PrefillWorker")
    assert error.message == "no base entry dynamo_PrefillWorker in dynamo.json: its cmd is the template"
    assert plan_remove(load_state(path), "PrefillWorker").message == (
        "no PrefillWorker watcher in namespace dynamo to remove"
    )


def test_confirmed_plan_is_refused_when_the_file_changed_since(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    shown = load_state(path)
    plan = plan_add(shown, "VllmWorker")
    assert scale(path, "add", "PrefillWorker").ok  # someone else acts in between
    changed = path.read_bytes()
    result = apply_plan(plan)
    assert not result.ok and result.reason == "stale"
    assert result.message.startswith("dynamo.json changed since it was shown")
    assert "nothing written" in result.message
    assert path.read_bytes() == changed
    assert isinstance(result.state, StateSnapshot)
    assert result.state.watcher("dynamo_PrefillWorker_1") is not None
    replanned = plan_add(result.state, "VllmWorker")
    assert replanned.gpu == "3"  # GPU 2 went to the other writer
    assert apply_plan(replanned).message == "Added dynamo_VllmWorker_1 on GPU 3"


def test_same_bytes_with_a_new_mtime_is_not_stale(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    plan = plan_add(load_state(path), "VllmWorker")
    os.utime(path, ns=(10**9, 10**9))
    assert apply_plan(plan).ok


def test_write_is_an_atomic_replace_in_dynamos_format(copy_fixture, state_dir):
    path = copy_fixture("initial/dynamo.json")
    os.chmod(path, 0o640)
    inode = path.stat().st_ino
    result = scale(path, "add", "VllmWorker")
    assert result.ok
    content = path.read_bytes()
    assert content == json.dumps(json.loads(content), indent=2).encode("ascii")
    assert not content.endswith(b"\n")
    assert path.stat().st_ino != inode
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in state_dir.iterdir()) == ["dynamo.json", "dynamo.lock"]
    assert result.state.version.same_content(load_state(path).version)


def test_unknown_keys_survive_add_and_remove(copy_fixture):
    path = copy_fixture("initial/dynamo.json")

    def extras(document):
        document["x_operator"] = {"note": "keep me", "n": [1, 2.5, None, True]}
        document["components"]["dynamo_VllmWorker"]["x_tag"] = "base"
        document["environment"]["x_env"] = 1

    _edit(path, extras)
    before = json.loads(path.read_bytes())
    assert scale(path, "add", "VllmWorker").ok
    assert scale(path, "remove", "VllmWorker").ok
    assert scale(path, "remove", "VllmWorker").ok  # releases the base, keeps its other keys
    after = json.loads(path.read_bytes())
    assert after["x_operator"] == before["x_operator"]
    assert after["environment"] == before["environment"]
    base = after["components"]["dynamo_VllmWorker"]
    assert base == {**before["components"]["dynamo_VllmWorker"], "resources": {}, "lease": None}


def _hold_lock(path: Path, held, release) -> None:
    with filelock.FileLock(str(lock_path(path))):
        held.set()
        release.wait(10)


def test_a_held_lock_times_out_with_a_message_and_no_write(copy_fixture):
    path = copy_fixture("initial/dynamo.json")
    before = path.read_bytes()
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    holder = context.Process(target=_hold_lock, args=(path, held, release))
    holder.start()
    try:
        assert held.wait(10)
        result = scale(path, "add", "VllmWorker", lock_timeout=0.2)
    finally:
        release.set()
        holder.join(10)
    assert not result.ok and result.reason == "locked"
    assert (
        result.message
        == f"{lock_path(path)} is held by another writer for over 0.2 s; nothing written, try again"
    )
    assert path.read_bytes() == before
    assert scale(path, "add", "VllmWorker", lock_timeout=5).ok


def test_vanished_file_is_reported_and_not_recreated(copy_fixture, state_dir):
    path = copy_fixture("initial/dynamo.json")
    plan = plan_add(load_state(path), "VllmWorker")
    path.unlink()
    result = apply_plan(plan)
    assert not result.ok and result.reason == "missing"
    assert "file not found" in result.message
    assert list(state_dir.iterdir()) == []
