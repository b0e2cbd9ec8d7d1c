"""The shipped declare layouts and declared actions, driven through the deck harness."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from declare_support import LAYOUTS, exporter, free_port, gone, layout_on

from deck.plugins.declare.panels_table import DeclaredRow, DeclaredTable
from deck.testing import Harness, open_deck


def write_layout(folder: Path, text: str) -> Path:
    path = folder / "declared.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def processes_table(harness: Harness) -> DeclaredTable:
    (panel,) = harness.deck.panels("declare.table")
    assert isinstance(panel, DeclaredTable)
    return panel


def select_pid(harness: Harness, marker: str, pid: int) -> DeclaredTable:
    """Focus the processes table, filter it for `marker` and wait until `pid` is selected."""
    table = processes_table(harness)
    harness.deck.focus_panel(table)
    harness.press("/")
    harness.type(marker)
    harness.press("enter")

    def selected() -> bool:
        row = table.selection
        return isinstance(row, DeclaredRow) and row.fields.get("pid") == pid

    assert harness.wait_until(selected), harness.text()
    return table


@pytest.fixture
def sleeper() -> Callable[[str], subprocess.Popen[bytes]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(marker: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(300)  # {marker}"])
        started.append(child)
        return child

    yield start  # type: ignore[misc]
    for child in started:
        if child.poll() is None:
            child.kill()
            child.wait()


def test_host_layout_shows_disks_memory_load_and_processes(deck_harness: Callable[..., Harness]) -> None:
    harness = deck_harness(LAYOUTS / "host.yaml", size=(120, 40))
    assert harness.first_results(20)
    screen = harness.wait_for("MemTotal")
    for text in ("Disks", "Load (1 min)", "Processes (T terminates)", "command", "Uptime", " up "):
        assert text in screen, screen
    table = processes_table(harness)
    cpu = next(c for c in table.table.columns if c.title == "cpu")
    assert cpu.render is not None
    assert cpu.render(95.0) == [("bad", "95")]
    assert cpu.render(60.0) == [("warn", "60")]
    assert cpu.render(1.5) == "1.5"


def test_host_layout_fits_80x24(deck_harness: Callable[..., Harness]) -> None:
    harness = deck_harness(LAYOUTS / "host.yaml", size=(80, 24))
    assert harness.first_results(20)
    screen = harness.wait_for("MemTotal")
    assert "Processes" in screen and "Disks" in screen
    assert all(len(line) <= 80 for line in screen.splitlines())


def test_declared_action_confirms_runs_and_streams_its_output(
    deck_harness: Callable[..., Harness], sleeper: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    child = sleeper("declare-target")
    harness = deck_harness(LAYOUTS / "host.yaml", size=(140, 40))
    harness.wait_for("MemTotal")
    select_pid(harness, "declare-target", child.pid)
    harness.press("enter")
    harness.wait_for(f'"pid": {child.pid}')  # Enter shows the row's every field
    harness.press("esc", "T")
    harness.wait_for(f"kill -TERM {child.pid}")
    assert "Run this command? (changes something outside the deck)" in harness.text()
    harness.press("y")
    harness.wait_for("exit status 0 after")
    assert child.wait(10) == -15
    harness.wait_for("Terminate: kill finished (exit 0)")


def test_read_only_blocks_declared_actions(
    deck_harness: Callable[..., Harness], sleeper: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    child = sleeper("declare-readonly")
    harness = deck_harness(LAYOUTS / "host.yaml", size=(140, 40), read_only=True)
    harness.wait_for("MemTotal")
    select_pid(harness, "declare-readonly", child.pid)
    harness.press("T")
    harness.wait_for("Terminate: disabled in read-only mode")
    assert child.poll() is None


def test_failing_action_shows_stderr_in_the_pane_and_the_status(
    tmp_path: Path, deck_harness: Callable[..., Harness]
) -> None:
    layout = write_layout(
        tmp_path,
        f"""\
plugins:
  declare:
    sources:
      items: {{exec: [{sys.executable}, -c, "print('alpha')"]}}
    actions:
      poke:
        key: P
        confirm: false
        mutating: false
        exec: [{sys.executable}, -c, "import sys; print('poking {{line}}'); sys.exit('no such item: {{line}}')"]
screens:
  - name: Main
    panel: declare.table
    options: {{source: items}}
""",
    )
    harness = deck_harness(layout, size=(100, 30), read_only=True)  # reads only: allowed
    harness.wait_for("alpha")
    harness.press("P")
    harness.wait_for("no such item: alpha")
    harness.wait_for("exit status 1 after")
    assert "poking alpha" in harness.text()
    harness.wait_for("exited with status 1 (its output is in the pane)")


def test_failing_source_shows_its_error_in_its_panel_only(
    tmp_path: Path, deck_harness: Callable[..., Harness]
) -> None:
    layout = write_layout(
        tmp_path,
        f"""\
plugins:
  declare:
    sources:
      good: {{exec: [{sys.executable}, -c, "print('fine and well')"]}}
      bad: {{exec: [{sys.executable}, -c, "import sys; sys.exit('GPU 3 fell off the bus')"]}}
      hostile: {{exec: [{sys.executable}, -c, "print('\\\\x1b[2J\\\\x1b[31mred\\\\x07')"]}}
screens:
  - name: Main
    columns:
      - panel: declare.log
        title: Good
        options: {{source: good}}
      - panel: declare.table
        title: Bad
        options: {{source: bad}}
      - panel: declare.log
        title: Hostile
        options: {{source: hostile}}
""",
    )
    harness = deck_harness(layout, size=(120, 20))
    assert harness.first_results(20)
    screen = harness.wait_for("GPU 3 fell off")
    assert "exited with status 1" in screen
    harness.wait_for("fine and well")
    assert harness.wait_until(lambda: "\\e[2J\\e[31mred\\x07" in harness.text()), harness.text()
    assert "\x1b" not in harness.text()


def test_prometheus_layout_against_a_real_exporter(
    tmp_path: Path, deck_harness: Callable[..., Harness]
) -> None:
    with exporter() as port:
        layout = layout_on("prometheus", tmp_path, {"127.0.0.1:8000": f"127.0.0.1:{port}"})
        harness = deck_harness(layout, size=(120, 40))
        harness.wait_for("dynamo_frontend_requests_total")
        # Rates need two scrapes (2 s apart): then the chart shows one line per status.
        screen = harness.wait_for("success", timeout=15)
        assert "error" in screen
        assert "In flight" in screen and "tiny" in screen and "13%" in screen  # 34 of 256
        table = processes_table(harness)
        rows = {(r.fields["metric"], r.fields["labels"]): r.fields for r in table.table.all_rows}
        assert rows[("dynamo_frontend_inflight_requests", "model=tiny")]["value"] == 34
        assert harness.wait_until(
            lambda: (
                (
                    row := {r.fields["labels"]: r for r in table.table.all_rows}.get(
                        "model=tiny,status=success"
                    )
                )
                is not None
                and (row.fields["rate"] or 0) > 0
            ),
            timeout=15,
        )
        # Ten in eleven first tokens take 0.2 s, one takes 3 s (past the last finite bucket, 2.5).
        ttft = "dynamo_frontend_time_to_first_token_seconds"
        assert 0.1 < rows[(ttft, "model=tiny,quantile=0.5")]["value"] <= 0.25
        assert rows[(ttft, "model=tiny,quantile=0.99")]["value"] == 2.5


def test_health_board_shows_each_endpoint_or_why_it_failed(
    tmp_path: Path, deck_harness: Callable[..., Harness], http_server: str
) -> None:
    port = http_server.rsplit(":", 1)[1]
    layout = layout_on(
        "health",
        tmp_path,
        {
            "127.0.0.1:8000/health": f"127.0.0.1:{port}/health",
            "127.0.0.1:8081/health": f"127.0.0.1:{port}/notready",
            "127.0.0.1:4747": f"127.0.0.1:{free_port()}",
        },
    )
    harness = deck_harness(layout, size=(120, 30))
    assert harness.first_results(20)
    for text in ("HTTP 503", "refused", "healthy", "status 200", "••••••"):
        harness.wait_for(text)
    assert "k-123" not in harness.text()


def test_escape_sequences_from_a_server_are_shown_escaped(
    tmp_path: Path, deck_harness: Callable[..., Harness], http_server: str
) -> None:
    layout = write_layout(
        tmp_path,
        f"""\
plugins:
  declare:
    sources:
      odd: {{http: '{http_server}/escape'}}
screens:
  - name: Main
    columns:
      - panel: declare.kv
        options: {{source: odd}}
      - panel: declare.json
        options: {{source: odd}}
""",
    )
    harness = deck_harness(layout, size=(100, 20))
    screen = harness.wait_for("\\e[2J\\e[31mred")  # the pairs escape it
    assert '"\\u001b[2J\\u001b[31mred"' in screen  # the JSON view shows it as JSON escapes
    assert "\x1b" not in screen


def test_closing_the_deck_kills_a_command_still_running(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    layout = write_layout(
        tmp_path,
        f"""\
plugins:
  declare:
    sources:
      stuck: {{exec: [sh, -c, 'echo $$ > {pidfile}; exec sleep 600'], timeout: 300}}
screens:
  - name: Main
    panel: declare.log
    options: {{source: stuck}}
""",
    )
    harness = open_deck(layout, size=(80, 20))
    try:
        assert harness.wait_until(lambda: pidfile.exists() and pidfile.read_text().strip() != "")
    finally:
        harness.stop()
    command = int(pidfile.read_text())
    assert gone(command), f"the command {command} outlived the deck"
