"""The dashboard driven headless: what an operator reads, and the namespace picker."""

from __future__ import annotations

import json

from deck.plugins.dynamo_namespaces.client import load_state
from deck.plugins.dynamo_namespaces.model_command import command_text, short_command
from deck.testing import Harness


def roles(harness: Harness) -> set[str]:
    """Every theme role drawn on the screen."""
    canvas = harness.shell.render(harness.size, focus=True)
    return {role for row in canvas.content() for role, _, _ in row if role}


def test_dashboard_shows_banner_components_gpus_and_watchers(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    screen = deck.wait_for("dynamo_Frontend")
    assert "█▀▀▄ █   █ ██ █ ▄▀▀▄ █▄ ▄█ ▄▀▀▄" in screen  # DYNAMO in big letters
    assert "Namespace · dynamo" in screen and "ns dynamo" in screen
    facts = dict(deck.deck.panels("dynamo.overview")[0].facts.pairs)
    assert facts["Namespace"] == [("accent", "dynamo"), ("muted", " · "), ("text", str(path))]
    assert "✓ 5 watchers · 2/4 GPUs used" in screen
    assert "tcp://127.0.0.1:41235" in screen
    assert "Changed    " in screen and load_state(path).version.short in screen

    components = deck.deck.panels("dynamo.components")[0].table.visible_rows
    assert [(r.component, r.count, r.gpus, r.watchers) for r in components] == [
        ("VllmWorker", 1, "0", "base"),
        ("PrefillWorker", 1, "1", "base"),
        ("Processor", 1, "", "base"),
        ("Router", 1, "", "base"),
        ("Frontend", 1, "", "base"),
    ]
    assert "⚡ VllmWorker        1 0" in screen

    gpus = deck.deck.panels("dynamo.gpus")[0].table.visible_rows
    assert [(g.gpu, g.state, g.holders) for g in gpus] == [
        ("0", "in use", "VllmWorker"),
        ("1", "in use", "PrefillWorker"),
        ("2", "free", ""),
        ("3", "free", ""),
    ]
    assert "2 free" in screen and " 50% 2/4" in screen

    watchers = deck.deck.panels("dynamo.watchers")[0].table.visible_rows
    assert [w.key for w in watchers] == [
        "dynamo_Processor",
        "dynamo_Router",
        "dynamo_VllmWorker",
        "dynamo_PrefillWorker",
        "dynamo_Frontend",
    ]
    assert "serve_dynamo graphs.disagg_router:Frontend --service-name VllmWorker" in screen
    assert "/opt/dynamo/venv/bin/python3" not in screen  # the interpreter path is abbreviated away
    assert "[n] Namespace  [a] Add worker  [r] Remove worker" in screen


def test_raw_state_is_coloured_json_on_the_second_screen(copy_fixture, state_dir, open_dynamo):
    path = copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_Frontend")
    deck.press("2")
    screen = deck.wait_for('"circus_endpoint": "tcp://127.0.0.1:41235",')
    assert '"namespace": "dynamo",' in screen
    assert f"dynamo.json · {path.stat().st_size:,} bytes" in screen
    assert {"json_key", "json_string", "json_number"} <= roles(deck)
    assert "Raw state · dynamo" in screen
    assert "[Enter] fold  [-] fold all  [+] unfold all" in screen
    deck.press("j", "j", "j", "enter")  # the cursor starts in the JSON: fold "components"
    assert '"components": { 5 keys }' in deck.text()


def test_enter_on_a_watcher_shows_its_whole_command(copy_fixture, state_dir, open_dynamo):
    copy_fixture("after_add_vllm/dynamo.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("dynamo_VllmWorker_1")
    deck.press("tab", "tab", "tab")  # banner -> components -> GPUs -> watchers
    assert "[Enter] Full command" in deck.text()
    deck.press("G", "enter")  # the last row: the added VllmWorker
    screen = deck.wait_for("Command of dynamo_VllmWorker_1")
    assert "--worker-env, decoded:" in screen
    assert '"CUDA_VISIBLE_DEVICES": "2"' in screen
    assert "/opt/dynamo/venv/bin/python3 -m dynamo.sdk.cli.serve_dynamo" in screen
    deck.press("esc")
    assert "Command of" not in deck.text()


def test_short_and_full_command_texts(copy_fixture):
    state = load_state(copy_fixture("after_add_vllm/dynamo.json"))
    base, added = state.watcher("dynamo_VllmWorker"), state.watcher("dynamo_VllmWorker_1")
    expected = (
        "serve_dynamo graphs.disagg_router:Frontend --service-name VllmWorker "
        "--worker-id $(CIRCUS.WID) --target dynamo --worker-env …"
    )
    assert short_command(base.cmd) == expected  # bare JSON, as `dynamo serve` writes it
    assert short_command(added.cmd) == expected  # quoted JSON and a component name, as the planner does
    assert short_command("") == ""
    assert short_command("run --worker-env '{broken") == "run --worker-env …"
    full = command_text(added)
    assert full.splitlines()[:3] == [
        "watcher    dynamo_VllmWorker_1",
        "component  VllmWorker (index 1)",
        "GPUs       2",
    ]
    lines = full.splitlines()
    start = lines.index("command, as in the state file (wrapped):") + 1
    wrapped = lines[start : lines.index("", start)]
    assert all(len(line) <= 94 for line in wrapped)
    assert " ".join(wrapped) == added.cmd
    decoded = json.loads("\n".join(lines[lines.index("--worker-env, decoded:") + 1 :]))
    assert decoded[0]["CUDA_VISIBLE_DEVICES"] == "2"
    assert decoded[0]["DYNAMO_SERVICE_CONFIG"]["Planner"] == {"environment": "local", "no-operation": False}


def test_picker_on_start_with_two_namespaces_and_n_to_switch(copy_fixture, state_dir, open_dynamo):
    copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    deck = open_dynamo(state_dir)
    screen = deck.wait_for("Choose a namespace")
    assert "agg    3 watchers" in screen and "dynamo 5 watchers" in screen
    deck.press("2")
    screen = deck.wait_for("Namespace · dynamo")
    assert "showing namespace dynamo" in screen
    deck.wait_for("dynamo_PrefillWorker")
    deck.press("tab", "n")
    deck.wait_for("Choose a namespace")
    deck.press("1")
    screen = deck.wait_for("agg_VllmWorker")
    assert "Namespace · agg" in screen and "dynamo_PrefillWorker" not in screen
    deck.press("n", "esc")
    assert "Namespace · agg" in deck.text()


def test_a_configured_namespace_is_shown_without_asking(copy_fixture, state_dir, open_dynamo):
    copy_fixture("initial/dynamo.json")
    copy_fixture("initial/agg.json")
    deck = open_dynamo(state_dir, namespace="agg")
    deck.wait_for("agg_VllmWorker")
    deck.run(0.2)
    assert "Choose a namespace" not in deck.text()


def test_a_single_namespace_is_shown_without_asking(copy_fixture, state_dir, open_dynamo):
    copy_fixture("initial/agg.json")
    deck = open_dynamo(state_dir)
    deck.wait_for("agg_VllmWorker")
    deck.run(0.2)
    assert "Choose a namespace" not in deck.text()


def test_small_terminal_still_shows_the_essentials(copy_fixture, state_dir, open_dynamo):
    copy_fixture("initial/dynamo.json")
    deck = open_dynamo(state_dir, size=(80, 24))
    screen = deck.wait_for("dynamo_Processor")
    assert "✓ 5 watchers · 2/4 GPUs used" in screen
    assert "⚡ PrefillWorker     1 1" in screen
    assert "    3 ● free" in screen


def test_a_big_state_file_starts_folded_in_the_raw_view(fixtures_dir, state_dir, open_dynamo):
    document = json.loads((fixtures_dir / "initial/dynamo.json").read_bytes())
    template = document["components"]["dynamo_Processor"]
    for index in range(1, 150):
        key = f"dynamo_Processor_{index}"
        document["components"][key] = {**template, "watcher_name": key}
    (state_dir / "dynamo.json").write_text(json.dumps(document, indent=2))
    deck = open_dynamo(state_dir)
    deck.wait_for("154 watchers")
    deck.press("2")
    screen = deck.wait_for('"components": { 154 keys }')
    assert '"environment": { 2 keys }' in screen
    deck.press("j", "j", "j", "enter")
    assert '"dynamo_Processor_1": { 3 keys },' in deck.wait_for('"dynamo_Processor": { 3 keys },')
