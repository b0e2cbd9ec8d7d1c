"""GPUs through NVML: the real pynvml here (no GPU), and the recorded H200 behind the NVML seam."""

import logging
import subprocess
import sys

import pytest
from system_seams import IDLE, LOADED, RecordedNvml

from deck.plugins.system.client_nvml import Nvml
from deck.plugins.system.model import NO_GPU, ProcessInfo
from deck.plugins.system.panels_gpu import gpu_line, process_line
from deck.plugins.system.panels_processes import tree_order
from deck.plugins.system.source import GpuSampler
from deck.testing import open_deck
from deck.widgets import icons


def test_without_a_gpu_the_real_nvml_gives_one_calm_line(caplog: pytest.LogCaptureFixture) -> None:
    import pynvml  # the gpu extra (nvidia-ml-py) is part of the test install: missing is a failure

    assert callable(pynvml.nvmlInit)
    caplog.set_level(logging.INFO, "deck.plugins.system.client_nvml")
    sampler = GpuSampler()
    first, second = sampler.read(), sampler.read()
    assert first.unavailable == second.unavailable == NO_GPU and not first.gpus
    # The real import worked and the real nvmlInit said why: no driver library on this machine.
    reasons = [r.getMessage() for r in caplog.records]
    assert len(reasons) == 1 and reasons[0].startswith("no GPU view: NVML did not start")
    harness = open_deck("system", size=(80, 24))
    try:
        harness.first_results()
        screen = harness.wait_for(NO_GPU)
        assert "Traceback" not in screen and "Error" not in screen
        assert "─ GPU " not in screen  # the GPU row gave its space to the processes
        assert "GMEM" not in screen and "GPU%" not in screen
    finally:
        harness.stop()


def test_the_recorded_h200_idle_then_loaded_with_its_process(recorded_nvml: RecordedNvml) -> None:
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # deck-matmul"])
    recorded_nvml.pids = {676: worker.pid}
    harness = open_deck("system", size=(120, 40))
    try:
        harness.first_results()
        idle = harness.wait_for("0 H200")
        line = next(row for row in idle.splitlines() if "0 H200" in row)
        for figure in ("0%", "0.6/140G", "38°C", "79/700W", "345MHz"):
            assert figure in line
        assert "1 GPU · driver 580.159.04" in idle
        recorded_nvml.sample = LOADED
        harness.deck.scheduler.refresh("system.gpus")
        loaded = harness.wait_for("62°C")
        line = next(row for row in loaded.splitlines() if "0 H200" in row)
        for figure in ("100%", "1.8/140G", "62°C", "683/700W", "1980MHz"):
            assert figure in line
        harness.wait_for(f"└ {worker.pid} python")
        # The process table: GPU memory on the worker's row, and "n/a" for its SM share,
        # which the recording does not hold.
        row = harness.wait_for("GMEM")
        panel = harness.deck.panels("system.processes")[0]
        assert harness.wait_until(lambda: any(p.gpus for p in panel.table.all_rows))
        mine = next(p for p in panel.table.all_rows if p.pid == worker.pid)
        assert mine.gpus == (0,) and mine.gpu_memory == 1281359872 and mine.gpu_percent is None
        assert "GPU%" in row
    finally:
        harness.stop()
        worker.kill()
        worker.wait()


def test_gpu_percent_sorts_processes_on_a_gpu_first(recorded_nvml: RecordedNvml) -> None:
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)  # deck-gpu-sort"])
    recorded_nvml.sample = LOADED
    recorded_nvml.pids = {676: worker.pid}
    recorded_nvml.process_utilization = {worker.pid: 97}  # constructed: not in the recording
    harness = open_deck("system", size=(120, 40))
    try:
        harness.first_results()
        harness.press("tab", "tab", "tab")
        panel = harness.deck.panels("system.processes")[0]
        assert harness.wait_until(lambda: any(p.gpus for p in panel.table.all_rows))
        panel.sort_by("GPU%")
        harness.run()
        top = panel.table.visible_rows[0]
        assert top.pid == worker.pid and top.gpu_percent == 97
        line = next(row for row in harness.text().splitlines() if f" {worker.pid} " in row and "97" in row)
        assert "1.2 GiB" in line
    finally:
        harness.stop()
        worker.kill()
        worker.wait()


def test_fields_a_card_does_not_support_read_n_a() -> None:
    nvml = RecordedNvml(IDLE)
    nvml.unsupported = {"temperature", "power", "power_limit", "clock", "mig", "ecc", "utilization"}
    reading = Nvml(nvml).read()
    gpu = reading.gpus[0]
    assert (gpu.temperature, gpu.power_watts, gpu.sm_clock_mhz, gpu.mig, gpu.ecc_errors) == (None,) * 5
    assert gpu.memory_total == 150754820096 and reading.driver == "580.159.04"
    text = "".join(part for _, part in gpu_line(gpu, 120))
    assert text.count("n/a") >= 3 and "rror" not in text


def test_nvml_starts_once_and_a_failed_start_is_not_retried() -> None:
    class NoDriver(RecordedNvml):
        def nvmlInit(self) -> None:
            self.inits += 1
            raise self.NVMLError(9)  # NVML_ERROR_DRIVER_NOT_LOADED

    broken = NoDriver()
    sampler = GpuSampler(Nvml(broken))
    assert [sampler.read().unavailable for _ in range(3)] == [NO_GPU] * 3 and broken.inits == 1

    class Lost(RecordedNvml):
        def nvmlDeviceGetCount(self) -> int:
            raise self.NVMLError(15)  # NVML_ERROR_GPU_IS_LOST, after a good start

    assert GpuSampler(Nvml(Lost())).read().unavailable == "NVIDIA GPUs unreadable: GPU is lost"
    working = RecordedNvml()
    sampler = GpuSampler(Nvml(working))
    for sample in range(12):
        working.sample = sample
        snapshot = sampler.read()
    assert working.inits == 1
    assert snapshot.gpus[0].history == tuple(s["util_gpu"] for s in working.samples)


def test_a_gpu_line_keeps_what_matters_when_narrow() -> None:
    gpu = Nvml(RecordedNvml(LOADED)).read().gpus[0]
    wide = "".join(part for _, part in gpu_line(gpu, 200))
    narrow = "".join(part for _, part in gpu_line(gpu, 60))
    assert all(
        f in wide for f in ("util", "mem", "62°C", "683/700W", "MBW 7%", "1980MHz", "MIG off", "ECC 0")
    )
    assert "util" in narrow and "mem" in narrow and len(narrow) <= 60 and "MHz" not in narrow
    assert "█" * 30 in wide and "█" * 11 not in narrow  # bars grow only when everything fits
    failing = RecordedNvml(LOADED)
    failing.ecc = 3
    line = "".join(part for _, part in gpu_line(Nvml(failing).read().gpus[0], 76))
    assert "ECC 3" in line and "MHz" not in line  # errors outrank the calm figures


def test_eight_gpus_each_keep_their_line_and_the_panel_scrolls(recorded_nvml: RecordedNvml) -> None:
    recorded_nvml.count, recorded_nvml.sample = 8, LOADED  # constructed: the H200 eight times
    harness = open_deck("system", size=(120, 40))
    try:
        harness.first_results()
        screen = harness.wait_for("8 GPUs")
        shown = [n for n in range(8) if f"│{n} H200" in screen]
        assert shown == list(range(6))  # six body rows: GPUs first, no process lines
        panel = harness.deck.panels("system.gpus")[0]
        assert harness.deck.focus_panel(panel)
        harness.press("end")
        screen = harness.text()
        assert "│7 H200" in screen and "│0 H200" not in screen
    finally:
        harness.stop()


def test_ascii_terminals_get_ascii_gpu_lines_and_trees() -> None:
    reading = Nvml(RecordedNvml(LOADED)).read()
    parent = ProcessInfo(1, "init", "root", 0, 0, 0, 1, "sleeping", "init")
    child = ProcessInfo(2, "python", "root", 0, 0, 0, 1, "sleeping", "python", parent=1)
    icons.ascii = True
    try:
        text = "".join(
            t for _, t in gpu_line(reading.gpus[0], 200) + process_line(reading.processes[0], "python")
        )
        branches = "".join(branch for _, branch in tree_order([parent, child]))
    finally:
        icons.ascii = False
    assert text.isascii() and "62C" in text and "`- 676" in text
    assert branches == "`- "
