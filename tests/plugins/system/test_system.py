"""The system plugin against this machine's real processes."""

import os
import subprocess
import sys
import time

import psutil

from deck.plugins.system.counters import parse_stat
from deck.plugins.system.source import CpuSampler, ProcessSampler, read_memory
from deck.testing import Harness, open_deck


def select_process(harness: Harness, marker: str, pid: int) -> None:
    """Filter the processes table for `marker` and wait until process `pid` is the selection."""
    harness.first_results()
    harness.press("tab", "tab", "/")
    harness.type(marker)
    harness.press("enter")
    panel = harness.deck.panels("system.processes")[0]
    assert harness.wait_until(lambda: panel.selection is not None and panel.selection.pid == pid)


def test_samplers_read_this_machine() -> None:
    cpu = CpuSampler().read()
    assert len(cpu.per_core) == (os.cpu_count() or 1)
    assert all(0.0 <= value <= 100.0 for value in cpu.per_core)
    memory = read_memory()
    assert 0 < memory.used < memory.total
    processes = ProcessSampler().read()
    me = next(p for p in processes if p.pid == os.getpid())
    assert me.rss > 0 and "python" in me.command


def test_signal_action_terminates_the_selected_process() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # deck-target"])
    harness = open_deck("system", size=(140, 40))
    try:
        select_process(harness, "deck-target", child.pid)
        harness.press("k")
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
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # deck-gone"])
    harness = open_deck("system", size=(140, 40))
    try:
        select_process(harness, "deck-gone", child.pid)
        harness.press("k", "2")
        child.kill()
        child.wait(5)
        time.sleep(0.1)
        harness.press("y")
        harness.wait_for(f"process {child.pid} has already exited")
    finally:
        harness.stop()


def test_read_only_cannot_signal() -> None:
    harness = open_deck("system", size=(120, 30), read_only=True)
    try:
        harness.first_results()
        harness.press("tab", "tab", "k")
        assert "Send a signal: disabled in read-only mode" in harness.text()
        assert "Signal for" not in harness.text()
    finally:
        harness.stop()


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
    assert counters.cpu_seconds == 200 / os.sysconf("SC_CLK_TCK")
    assert parse_stat(1, b"1 (short) S 1 2") is None
