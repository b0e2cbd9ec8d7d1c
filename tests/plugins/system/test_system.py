"""The system plugin against this machine's real processes."""

import os
import subprocess
import sys
import time

from deck.plugins.system.source import CpuSampler, ProcessSampler, read_memory
from deck.testing import open_deck


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
        harness.first_results()
        harness.press("tab", "tab", "/")
        harness.type("deck-target")
        harness.press("enter")
        panel = harness.deck.panels("system.processes")[0]
        assert harness.wait_until(lambda: panel.selection is not None and panel.selection.pid == child.pid)
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
        harness.first_results()
        harness.press("tab", "tab", "/")
        harness.type("deck-gone")
        harness.press("enter")
        panel = harness.deck.panels("system.processes")[0]
        assert harness.wait_until(lambda: panel.selection is not None and panel.selection.pid == child.pid)
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
