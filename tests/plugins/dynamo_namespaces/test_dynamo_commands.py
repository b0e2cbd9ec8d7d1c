"""`deck dynamo list|show|add|remove`: text, JSON and exit codes, in-process and as a process."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from deck.plugins.dynamo_namespaces import actions_cli


@pytest.fixture
def deployment(copy_fixture, state_dir):
    copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    return state_dir


def run_json(state_dir, *argv: str, capsys) -> tuple[int, dict]:
    code = actions_cli.run(["--state-dir", str(state_dir), "--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_list_text(deployment, capsys):
    assert actions_cli.run(["--state-dir", str(deployment), "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "NAMESPACE  WATCHERS  GPUS USED  FILE         STATUS",
        "agg        3         1/2        agg.json     ok",
        "dynamo     5         2/4        dynamo.json  ok",
    ]


def test_list_json_and_options_after_the_subcommand(deployment, capsys):
    assert actions_cli.run(["list", "--json", "--state-dir", str(deployment)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["state_dir"] == str(deployment)
    dynamo = payload["namespaces"][1]
    assert dynamo["namespace"] == "dynamo" and dynamo["ok"] is True
    assert dynamo["components"] == {
        "VllmWorker": 1,
        "PrefillWorker": 1,
        "Processor": 1,
        "Router": 1,
        "Frontend": 1,
    }
    assert dynamo["gpus"] == {"total": 4, "free": ["2", "3"]}


def test_list_of_a_missing_folder_is_no_deployments(tmp_path, capsys):
    assert actions_cli.run(["--state-dir", str(tmp_path / "gone"), "list"]) == 0
    assert capsys.readouterr().out == f"No deployments: {tmp_path / 'gone'} does not exist.\n"
    code, payload = run_json(tmp_path / "gone", "list", capsys=capsys)
    assert (code, payload["namespaces"]) == (0, [])


def test_show_text_and_json(deployment, capsys):
    assert actions_cli.run(["--state-dir", str(deployment), "show", "dynamo"]) == 0
    text = capsys.readouterr().out
    assert "VllmWorker     1      0     dynamo_VllmWorker" in text
    assert "  GPU 2    free" in text
    code, payload = run_json(deployment, "show", "dynamo", capsys=capsys)
    assert code == 0
    assert payload["components"][0] == {
        "component": "VllmWorker",
        "count": 1,
        "watchers": ["dynamo_VllmWorker"],
        "gpus": ["0"],
        "scalable": True,
    }
    assert payload["gpu_map"][3] == {"gpu": "3", "holders": [], "free": True, "listed": True}
    assert payload["watchers_detail"][2]["key"] == "dynamo_VllmWorker"


def test_add_and_remove(deployment, capsys):
    code, payload = run_json(deployment, "add", "dynamo", "VllmWorker", capsys=capsys)
    assert code == 0
    assert payload["message"] == "Added dynamo_VllmWorker_1 on GPU 2"
    assert (payload["watcher"], payload["gpus"]) == ("dynamo_VllmWorker_1", ["2"])
    assert actions_cli.run(["--state-dir", str(deployment), "remove", "dynamo", "VllmWorker"]) == 0
    assert capsys.readouterr().out == "Removed dynamo_VllmWorker_1 (GPU 2 freed)\n"


def test_errors_exit_1_on_stderr(deployment, capsys):
    argv = ["--state-dir", str(deployment)]
    assert actions_cli.run([*argv, "add", "agg", "VllmWorker"]) == 0
    capsys.readouterr()
    assert actions_cli.run([*argv, "add", "agg", "VllmWorker"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "no free GPU: 2 of 2 allocated; nothing written\n"
    assert actions_cli.run([*argv, "show", "nope"]) == 1
    assert "no namespace 'nope'" in capsys.readouterr().err
    code, payload = run_json(deployment, "add", "agg", "PrefillWorker", capsys=capsys)
    assert code == 1 and payload["ok"] is False and payload["reason"] == "refused"


@pytest.mark.parametrize(
    "argv",
    [[], ["add", "dynamo"], ["add", "dynamo", "Processor"], ["show"], ["frobnicate"]],
)
def test_usage_errors_exit_2(deployment, argv, capsys):
    assert actions_cli.run(["--state-dir", str(deployment), *argv]) == 2
    assert "usage:" in capsys.readouterr().err


def test_unicode_namespace_from_the_command_line(copy_fixture, state_dir, capsys):
    copy_fixture("broken/unicode_ns.json")
    code, payload = run_json(state_dir, "add", "dÿnamo-测试", "VllmWorker", capsys=capsys)
    assert code == 0
    assert payload["watcher"] == "dÿnamo-测试_VllmWorker_1"


def test_control_characters_in_a_file_are_escaped_in_text_output(copy_fixture, state_dir, capsys):
    path = copy_fixture("initial/dynamo.json")
    document = json.loads(path.read_bytes())
    document["namespace"] = "evil\x1b[2J"
    path.write_text(json.dumps(document))
    assert actions_cli.run(["--state-dir", str(state_dir), "list"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "evil\\e[2J" in out


def test_register_builds_a_dynamo_subcommand(deployment, capsys):
    parser = argparse.ArgumentParser(prog="deck")
    actions_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["dynamo", "show", "agg", "--json", "--state-dir", str(deployment)])
    assert args.handler(args) == 0
    assert json.loads(capsys.readouterr().out)["namespace"] == "agg"


def test_as_a_real_process_using_the_environment_variable(deployment):
    env = {**os.environ, "DYN_LOCAL_STATE_DIR": str(deployment)}
    module = "deck.plugins.dynamo_namespaces.actions_cli"

    def deck_dynamo(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", module, *argv], env=env, capture_output=True, text=True)

    added = deck_dynamo("add", "dynamo", "PrefillWorker", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["message"] == "Added dynamo_PrefillWorker_1 on GPU 2"
    shown = deck_dynamo("show", "dynamo")
    assert shown.returncode == 0
    assert "dynamo_PrefillWorker, dynamo_PrefillWorker_1" in shown.stdout
    refused = deck_dynamo("remove", "nope", "VllmWorker")
    assert refused.returncode == 1 and "no namespace 'nope'" in refused.stderr


def test_default_folder_is_under_home(tmp_path, copy_fixture):
    home = tmp_path / "home"
    (home / ".dynamo/state").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "DYN_LOCAL_STATE_DIR"}
    env["HOME"] = str(home)
    source = copy_fixture("initial/agg.json")
    (home / ".dynamo/state/agg.json").write_bytes(source.read_bytes())
    listed = subprocess.run(
        [sys.executable, "-m", "deck.plugins.dynamo_namespaces.actions_cli", "list", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    assert [n["namespace"] for n in json.loads(listed.stdout)["namespaces"]] == ["agg"]


def test_the_deck_command_line_runs_the_dynamo_subcommands(deployment):
    """`deck dynamo ...` through the installed console script (the plugin's deck_commands)."""
    deck = Path(sys.executable).with_name("deck")
    command = [str(deck)] if deck.exists() else [sys.executable, "-m", "deck"]
    env = {k: v for k, v in os.environ.items() if k != "DYN_LOCAL_STATE_DIR"}

    def deck_dynamo(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "dynamo", *argv], env=env, capture_output=True, text=True)

    listed = deck_dynamo("list", "--state-dir", str(deployment))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[1:] == [
        "agg        3         1/2        agg.json     ok",
        "dynamo     5         2/4        dynamo.json  ok",
    ]
    added = deck_dynamo("--state-dir", str(deployment), "add", "dynamo", "VllmWorker", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["message"] == "Added dynamo_VllmWorker_1 on GPU 2"
    refused = deck_dynamo("add", "nope", "VllmWorker", "--state-dir", str(deployment))
    assert refused.returncode == 1 and "no namespace 'nope'" in refused.stderr


def test_open_starts_the_dashboard_with_the_flags_as_settings(tmp_path, capfd):
    dead = "http://127.0.0.1:9"
    flags = ["--discovery", f"file:{tmp_path / 'kv'}", "--frontend", dead, "--etcd", dead]
    code = actions_cli.run(["open", "--state-dir", str(tmp_path), *flags, "--snapshot", "--size", "100x30"])
    screen = capfd.readouterr().out
    assert code == 0
    assert "no 1.x store" in screen and "Dynamo 1.x has no state files: see the Fleet screen." in screen
    assert f"{tmp_path} has no *.json state files." in screen


def test_open_refuses_a_store_it_cannot_name(tmp_path, capfd):
    assert actions_cli.run(["open", "--discovery", "consul:x"]) == 2
    assert "discovery must be file:<folder> or etcd:<url>" in capfd.readouterr().err
