"""The system plugin against this machine's real processes."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from deck.plugins.system.client import ProcessGone, parse_stat, process_details, read_one, send_signal
from deck.plugins.system.model import ProcessInfo
from deck.plugins.system.panels_processes import ProcessesPanel, cpu_time, tree_order
from deck.plugins.system.source import CpuSampler, ProcessSampler, read_memory
from deck.testing import Harness, open_deck


def select_process(harness: Harness, marker: str, pid: int) -> ProcessesPanel:
    """Filter the processes table for `marker` and wait until process `pid` is the selection."""
    harness.first_results()
    harness.press("tab", "tab", "/")
    harness.type(marker)
    harness.press("enter")
    panel = harness.deck.panels("system.processes")[0]
    assert isinstance(panel, ProcessesPanel)
    assert harness.wait_until(lambda: panel.selection is not None and panel.selection.pid == pid)
    return panel


def sleeper(marker: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep(120)  # {marker}"])


def test_samplers_read_this_machine() -> None:
    cpu = CpuSampler().read()
    assert len(cpu.per_core) == (os.cpu_count() or 1)
    assert all(0.0 <= value <= 100.0 for value in cpu.per_core)
    memory = read_memory()
    assert 0 < memory.used < memory.total
    processes = ProcessSampler().read()
    me = next(p for p in processes if p.pid == os.getpid())
    assert me.rss > 0 and "python" in me.command
    assert me.parent == os.getppid() and me.started > 0


def test_signal_action_terminates_the_selected_process() -> None:
    child = sleeper("deck-target")
    harness = open_deck("system", size=(140, 40))
    try:
        select_process(harness, "deck-target", child.pid)
        harness.press("f9")
        harness.wait_for("Signal for")
        harness.press("1")  # SIGTERM
        harness.wait_for("Send SIGTERM to process")
        harness.press("y")
        harness.wait_for(f"sent SIGTERM to {child.pid}")
        assert child.wait(5) == -15
    finally:
        harness.stop()
        if child.poll() is None:
            child.kill()


def test_signalling_a_vanished_process_says_so() -> None:
    child = sleeper("deck-gone")
    harness = open_deck("system", size=(140, 40))
    try:
        select_process(harness, "deck-gone", child.pid)
        harness.press("K", "2")
        child.kill()
        child.wait(5)
        time.sleep(0.1)
        harness.press("y")
        harness.wait_for(f"process {child.pid} has already exited")
    finally:
        harness.stop()


def test_a_reused_pid_is_never_signalled() -> None:
    child = sleeper("deck-reused")
    try:
        now = read_one(child.pid)
        assert now is not None
        # The pid as it was when a process that started earlier owned it.
        with pytest.raises(
            ProcessGone, match=rf"pid {child.pid} now belongs to another process \(.+\); nothing was sent"
        ):
            send_signal(child.pid, now.started - 1, signal.SIGKILL)
        assert child.poll() is None
        send_signal(child.pid, now.started, signal.SIGTERM)
        assert child.wait(5) == -15
    finally:
        if child.poll() is None:
            child.kill()


def test_tagged_processes_are_signalled_together_after_one_confirmation() -> None:
    children = [sleeper("deck-tagged"), sleeper("deck-tagged")]
    harness = open_deck("system", size=(140, 40))
    try:
        harness.first_results()
        harness.press("tab", "tab", "/")
        harness.type("deck-tagged")
        harness.press("enter")
        panel = harness.deck.panels("system.processes")[0]
        assert isinstance(panel, ProcessesPanel)
        assert harness.wait_until(lambda: len(panel.table) == 2)
        harness.press("home", " ", " ")
        assert {p.pid for p in panel.tagged} == {c.pid for c in children}
        assert "2 tagged" in harness.text()
        harness.press("f9")
        harness.wait_for("Signal for 2 tagged processes")
        harness.press("1")
        screen = harness.wait_for("Send SIGTERM to these 2 processes?")
        assert all(str(c.pid) in screen for c in children)
        harness.press("y")
        harness.wait_for("sent SIGTERM to 2 processes")
        assert [c.wait(5) for c in children] == [-15, -15]
    finally:
        harness.stop()
        for child in children:
            if child.poll() is None:
                child.kill()


def test_read_only_cannot_signal() -> None:
    harness = open_deck("system", size=(120, 30), read_only=True)
    try:
        harness.first_results()
        harness.press("tab", "tab", "f9")
        assert "Send a signal: disabled in read-only mode" in harness.text()
        assert "Signal for" not in harness.text()
    finally:
        harness.stop()


def test_tree_details_and_htop_sort_keys() -> None:
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time; subprocess.Popen([sys.executable, '-c', "
            "'import time; time.sleep(120)  # deck-grandchild']); time.sleep(120)  # deck-family",
        ]
    )
    harness = open_deck("system", size=(120, 40))
    try:
        assert harness.wait_until(lambda: len(psutil.Process(child.pid).children()) == 1)
        grandchild = psutil.Process(child.pid).children()[0].pid
        # The child's command line names the grandchild too: the filter keeps the family.
        panel = select_process(harness, f"deck-family {child.pid}", child.pid)
        harness.press("enter")
        screen = harness.wait_for("Command line:")
        assert "# deck-family" in screen and "Cwd" in screen
        assert f"{grandchild}  python" in screen  # the one child, by pid and name
        harness.press("esc", "/", *["backspace"] * 20)
        harness.type("deck-grandchild")
        harness.press("enter")
        assert harness.wait_until(lambda: len(panel.table) == 2)
        harness.press("f3")
        harness.type("deck-grandchild")
        harness.press("enter")
        assert harness.wait_until(
            lambda: panel.selection is not None and panel.selection.pid in (child.pid, grandchild)
        )
        first = panel.selection.pid
        harness.press("f3", "enter")  # the same text again: the next match
        assert harness.wait_until(lambda: panel.selection is not None and panel.selection.pid != first)
        assert len(panel.table) == 2 and panel.table.filter == "deck-grandchild"  # search never filters
        harness.press("M")
        assert panel.table.sort == ("MEM%", True)
        harness.press("T")
        assert panel.table.sort == ("TIME+", True)
        harness.press("t")
        assert harness.wait_until(lambda: panel.tree and "tree" in harness.text())
        rows = panel.table.visible_rows
        at = {p.pid: (position, panel.branch(p)) for position, p in enumerate(rows)}
        assert at[grandchild][0] > at[child.pid][0] and at[grandchild][1].endswith("└─ ")
        harness.press("P")
        assert not panel.tree and panel.table.sort == ("CPU%", True)
        harness.press("f5", ">")  # the tree again, then the table's own sort key
        assert not panel.tree and all(not panel.branch(p) for p in panel.table.visible_rows)
    finally:
        harness.stop()
        for process in psutil.Process(child.pid).children():
            process.kill()
        child.kill()
        child.wait()


def test_tree_order_puts_children_under_their_parents() -> None:
    def process(pid: int, parent: int) -> ProcessInfo:
        return ProcessInfo(pid, "p", "u", 0, 0, 0, 1, "sleeping", f"cmd{pid}", parent=parent)

    ordered = [
        (p.pid, branch)
        for p, branch in tree_order(
            [process(1, 0), process(5, 1), process(3, 1), process(7, 3), process(9, 99)]
        )
    ]
    assert ordered == [(1, ""), (3, "├─ "), (7, "│  └─ "), (5, "└─ "), (9, "")]
    chain = [process(pid, pid - 1) for pid in range(1, 5001)]  # deeper than Python's stack
    deepest = list(tree_order(chain))[-1]
    assert deepest[0].pid == 5000 and deepest[1] == "   " * 4998 + "└─ "


def test_proc_counters_agree_with_psutil_for_a_busy_child() -> None:
    child = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        real = psutil.Process(child.pid)
        sampler = ProcessSampler()
        sampler.read()
        before, began = sum(real.cpu_times()[:2]), time.monotonic()
        time.sleep(1.0)
        busy = next(p for p in sampler.read() if p.pid == child.pid)
        used, elapsed = sum(real.cpu_times()[:2]) - before, time.monotonic() - began
        assert busy.status == real.status() and busy.threads == real.num_threads() == 1
        assert abs(busy.rss - real.memory_info().rss) < 1 << 20
        # The child's own counters over the same second: however busy the machine is, the two agree.
        assert busy.cpu > 0 and abs(busy.cpu - 100 * used / elapsed) < 15
        assert busy.name == real.name() and busy.command.endswith("while True: pass")
    finally:
        child.kill()
        child.wait()


def test_stat_lines_with_parentheses_in_the_name_parse() -> None:
    line = b"42 (a) b (c)) S 1 42 42 0 -1 4194560 10 0 0 0 150 50 0 0 20 0 3 0 999 1000 25 rest"
    counters = parse_stat(42, line)
    assert counters is not None and counters.status == "sleeping" and counters.threads == 3
    assert counters.started == 999.0 and counters.rss == 25 * os.sysconf("SC_PAGE_SIZE")
    assert counters.cpu_seconds == 200 / os.sysconf("SC_CLK_TCK") and counters.parent == 1
    assert parse_stat(1, b"1 (short) S 1 2") is None


def test_cpu_time_reads_like_htop() -> None:
    assert cpu_time(83.456) == "1:23.46"
    assert cpu_time(3600 * 12 + 5 * 60 + 7) == "12h05:07"


def test_a_hostile_command_line_is_shown_escaped_in_the_table_and_the_details() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(120)", "deck-hostile", "\x1b]2;PWNED\x07"]
    )
    harness = open_deck("system", size=(120, 40))
    try:
        select_process(harness, "deck-hostile", child.pid)
        assert "\x1b" not in harness.text()
        harness.press("enter")
        screen = harness.wait_for("Command line:")
        assert "PWNED" in screen and "\x1b" not in screen and "\x07" not in screen
    finally:
        harness.stop()
        child.kill()
        child.wait()


def test_htop_function_keys_filter_and_quit() -> None:
    harness = open_deck("system", size=(120, 30))
    try:
        harness.first_results()
        harness.press("tab", "tab", "f4")
        assert harness.deck.overlays.top is not None  # the filter prompt
        harness.press("esc", "f10")
        assert harness.deck.closed is not None and harness.deck.closed.done()
    finally:
        harness.stop()


def test_details_list_the_cwd_open_files_connections_and_children(tmp_path: Path) -> None:
    code = (
        "import socket, subprocess, sys, time\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "log = open('held.log', 'w')\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(server.getsockname()[1], flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline())
        now = read_one(child.pid)
        assert now is not None
        found = process_details(child.pid, now.started)
        assert found.cwd == str(tmp_path) and found.open_files is not None and found.connections is not None
        assert str(tmp_path / "held.log") in found.open_files
        assert f"tcp 127.0.0.1:{port} LISTEN" in found.connections
        assert found.children is not None and len(found.children) == 1
        with pytest.raises(ProcessGone, match="now belongs to another process"):
            process_details(child.pid, now.started - 1)
    finally:
        for process in psutil.Process(child.pid).children():
            process.kill()
        child.kill()
        child.wait()
