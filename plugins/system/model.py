"""The system plugin's snapshots: immutable values handed from the sources to the panels."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "NO_GPU",
    "CpuSnapshot",
    "Gpu",
    "GpuProcess",
    "GpuSnapshot",
    "MemorySnapshot",
    "ProcessDetails",
    "ProcessInfo",
]

#: What the GPU views say when there is no NVIDIA GPU to show, whatever the reason.
NO_GPU = "no NVIDIA GPU found: NVML not available"


@dataclass(frozen=True)
class CpuSnapshot:
    """Per-core use now and recently, plus the load average."""

    per_core: tuple[float, ...]
    history: tuple[tuple[float, ...], ...]
    total: float
    load: tuple[float, float, float]


@dataclass(frozen=True)
class MemorySnapshot:
    """Memory and swap use, in bytes."""

    total: int
    used: int
    available: int
    swap_total: int
    swap_used: int
    boot_time: float


@dataclass(frozen=True)
class ProcessInfo:
    """One process, as the processes table shows it; GPU figures only for processes on a GPU."""

    pid: int
    name: str
    user: str
    cpu: float
    memory: float
    rss: int
    threads: int
    status: str
    command: str
    #: With pid, names one process: a pid reused by a new process has another start.
    started: float = 0.0
    parent: int = 0
    cpu_seconds: float = 0.0
    #: The indexes of the GPUs the process runs on (empty for most processes).
    gpus: tuple[int, ...] = ()
    gpu_memory: int | None = None
    gpu_percent: float | None = None


@dataclass(frozen=True)
class Gpu:
    """One GPU's state; a field the card does not support is None (shown as "n/a")."""

    index: int
    name: str
    uuid: str = ""
    utilization: int | None = None
    memory_utilization: int | None = None
    memory_used: int | None = None
    memory_total: int | None = None
    temperature: int | None = None
    power_watts: float | None = None
    power_limit_watts: float | None = None
    sm_clock_mhz: int | None = None
    mig: bool | None = None
    ecc_errors: int | None = None
    #: Recent utilization, oldest first, for the sparkline.
    history: tuple[float, ...] = ()
    #: Set when the GPU could not be read at all (fallen off the bus, say).
    error: str | None = None


@dataclass(frozen=True)
class GpuProcess:
    """A process using a GPU: its memory there and, where the driver says, its share of the SMs."""

    pid: int
    gpu: int
    memory: int | None = None
    utilization: int | None = None


@dataclass(frozen=True)
class GpuSnapshot:
    """Every GPU and the processes on them, or why there are none to show."""

    gpus: tuple[Gpu, ...] = ()
    processes: tuple[GpuProcess, ...] = ()
    driver: str = ""
    #: Why no GPU can be shown (None when NVML answered): one calm line, never a traceback.
    unavailable: str | None = None


@dataclass(frozen=True)
class ProcessDetails:
    """One process in full, for its detail view; None where the operator may not look."""

    pid: int
    name: str
    user: str
    command: tuple[str, ...]
    exe: str | None
    create_time: float | None
    parent: int | None
    threads: int | None
    status: str
    cwd: str | None
    open_files: tuple[str, ...] | None
    connections: tuple[str, ...] | None
    children: tuple[tuple[int, str], ...] | None
