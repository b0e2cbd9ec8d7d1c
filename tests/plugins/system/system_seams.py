"""Seams for what this machine lacks: an NVIDIA GPU (NVML answering with recorded values) and
many cores (psutil's per-core times, fed constructed loads)."""

from __future__ import annotations

import csv
import json
from collections import namedtuple
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

GPU_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "gpu"
#: Samples in nvml-samples.json: the first is idle, the last at full load with one process.
IDLE, LOADED = 0, 11


class NVMLError(Exception):
    """pynvml's error: `value` is the NVML return code."""

    def __init__(self, value: int) -> None:
        super().__init__({3: "Not Supported", 15: "GPU is lost"}.get(value, f"NVML error {value}"))
        self.value = value


class RecordedNvml:
    """pynvml's functions answering from the H200 recording (tests/fixtures/gpu)."""

    NVMLError = NVMLError
    NVML_ERROR_NOT_SUPPORTED = 3
    NVML_ERROR_GPU_IS_LOST = 15
    NVML_TEMPERATURE_GPU = 0
    NVML_CLOCK_SM = 1
    NVML_MEMORY_ERROR_TYPE_UNCORRECTED = 1
    NVML_VOLATILE_ECC = 0

    def __init__(self, sample: int = IDLE) -> None:
        recording = json.loads((GPU_FIXTURES / "nvml-samples.json").read_text())
        self.driver = recording["driver"]
        self.samples: list[dict[str, Any]] = recording["samples"]
        with (GPU_FIXTURES / "query-gpu.csv").open() as file:
            query = next(csv.DictReader(file, skipinitialspace=True))
        self.ecc = int(query["ecc.errors.uncorrected.volatile.total"])
        self.sample = sample
        #: The recorded process's pid, replayed as a process that exists here.
        self.pids: dict[int, int] = {}
        #: Per-process SM use: not in the recording, so a test that needs it supplies it.
        self.process_utilization: dict[int, int] | None = None
        self.unsupported: set[str] = set()
        self.inits = 0
        #: How many GPUs answer: the recorded one, repeated (a constructed many-GPU machine).
        self.count = 1

    def _now(self, name: str) -> dict[str, Any]:
        if name in self.unsupported:
            raise NVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return self.samples[self.sample]

    def nvmlInit(self) -> None:
        self.inits += 1

    def nvmlSystemGetDriverVersion(self) -> str:
        return self.driver

    def nvmlDeviceGetCount(self) -> int:
        return self.count

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, handle: int) -> str:
        return self._now("name")["name"]

    def nvmlDeviceGetUUID(self, handle: int) -> str:
        uuid = self._now("uuid")["uuid"]
        return f"{uuid}-{handle}" if handle else uuid

    def nvmlDeviceGetUtilizationRates(self, handle: int) -> SimpleNamespace:
        sample = self._now("utilization")
        return SimpleNamespace(gpu=sample["util_gpu"], memory=sample["util_mem"])

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        sample = self._now("memory")
        return SimpleNamespace(used=sample["mem_used"], total=sample["mem_total"])

    def nvmlDeviceGetTemperature(self, handle: int, sensor: int) -> int:
        return self._now("temperature")["temp_c"]

    def nvmlDeviceGetPowerUsage(self, handle: int) -> int:
        return self._now("power")["power_mw"]

    def nvmlDeviceGetEnforcedPowerLimit(self, handle: int) -> int:
        return self._now("power_limit")["power_limit_mw"]

    def nvmlDeviceGetClockInfo(self, handle: int, clock: int) -> int:
        return self._now("clock")["sm_clock_mhz"]

    def nvmlDeviceGetMigMode(self, handle: int) -> list[int]:
        return self._now("mig")["mig_mode"]

    def nvmlDeviceGetTotalEccErrors(self, handle: int, kind: int, counter: int) -> int:
        self._now("ecc")
        return self.ecc

    def nvmlDeviceGetComputeRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        return [
            SimpleNamespace(pid=self.pids.get(p["pid"], p["pid"]) + handle, usedGpuMemory=p["used_memory"])
            for p in self._now("processes")["processes"]
        ]

    def nvmlDeviceGetGraphicsRunningProcesses(self, handle: int) -> list[SimpleNamespace]:
        return []

    def nvmlDeviceGetProcessUtilization(self, handle: int, since: int) -> list[SimpleNamespace]:
        if self.process_utilization is None:
            raise NVMLError(self.NVML_ERROR_NOT_SUPPORTED)
        return [
            SimpleNamespace(pid=pid, smUtil=util, timeStamp=1)
            for pid, util in self.process_utilization.items()
        ]


CpuTimes = namedtuple("CpuTimes", "user nice system idle iowait")


class ManyCores:
    """psutil.cpu_times(percpu=True) for a machine with as many cores as a test wants."""

    def __init__(self, loads: Sequence[float]) -> None:
        self.loads = list(loads)
        self._totals = [[0.0, 0.0, 0.0, 0.0, 0.0] for _ in self.loads]

    def __call__(self, percpu: bool = False) -> list[CpuTimes]:
        # Each read is 100 ticks later: busy ticks go to `user`, the rest to `idle`.
        for total, load in zip(self._totals, self.loads):
            total[0] += load
            total[3] += 100 - load
        return [CpuTimes(*total) for total in self._totals]
