"""NVIDIA GPUs through NVML (the `nvidia-ml-py` package, imported as `pynvml`).

The NVML library object is the one seam: the deck passes nothing and gets `pynvml`; tests pass
an object with the same functions that answers with recorded values.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, NamedTuple

from deck.plugins.system.model import NO_GPU, Gpu, GpuProcess

__all__ = ["Nvml", "NvmlReading", "NvmlUnavailable"]

log = logging.getLogger(__name__)


class NvmlUnavailable(Exception):
    """NVML cannot be read: the message is the line to show (why NVML did not start is logged)."""


class NvmlReading(NamedTuple):
    """One read of every GPU and the processes on them."""

    gpus: tuple[Gpu, ...]
    processes: tuple[GpuProcess, ...]
    driver: str


class Nvml:
    """Reads every GPU through NVML, initialised on first use; NVML is never asked twice to start.

    Args:
        library: the `pynvml` module, or an object offering the same functions (tests).
    """

    def __init__(self, library: Any = None) -> None:
        self._library = library
        self._started: Any = None
        self._failed: str | None = None
        #: Per GPU, the NVML timestamp of the newest per-process sample already seen.
        self._seen: dict[int, int] = {}

    def _open(self) -> Any:
        if self._started is not None:
            return self._started
        if self._failed is not None:
            raise NvmlUnavailable(NO_GPU)
        try:
            library = self._library or importlib.import_module("pynvml")
            library.nvmlInit()
        except ImportError:
            self._failed = "the nvidia-ml-py package is not installed (pip install 'deck-tui[gpu]')"
        except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, _NoPermission, …
            self._failed = f"NVML did not start: {_reason(exc)}"
        if self._failed is not None:
            log.info("no GPU view: %s", self._failed)
            raise NvmlUnavailable(NO_GPU)
        self._started = library
        return library

    def read(self) -> NvmlReading:
        """Every GPU now; raises NvmlUnavailable when NVML cannot be used here."""
        nvml = self._open()
        gpus: list[Gpu] = []
        processes: list[GpuProcess] = []
        try:
            count = nvml.nvmlDeviceGetCount()
        except nvml.NVMLError as exc:  # NVML started, then the driver stopped answering
            raise NvmlUnavailable(f"NVIDIA GPUs unreadable: {_reason(exc)}") from None
        for index in range(count):
            try:
                handle = nvml.nvmlDeviceGetHandleByIndex(index)
                name = _text(nvml.nvmlDeviceGetName(handle))
            except nvml.NVMLError as exc:
                gpus.append(Gpu(index=index, name="?", error=_reason(exc)))
                continue
            gpus.append(self._gpu(nvml, index, handle, name))
            processes += self._processes(nvml, index, handle)
        driver = self._field(nvml, nvml.nvmlSystemGetDriverVersion)
        return NvmlReading(tuple(gpus), tuple(processes), _text(driver) if driver else "")

    def _gpu(self, nvml: Any, index: int, handle: Any, name: str) -> Gpu:
        def field(call: Callable[..., Any], *args: Any) -> Any:
            return self._field(nvml, call, handle, *args)

        rates = field(nvml.nvmlDeviceGetUtilizationRates)
        memory = field(nvml.nvmlDeviceGetMemoryInfo)
        power = field(nvml.nvmlDeviceGetPowerUsage)
        limit = field(nvml.nvmlDeviceGetEnforcedPowerLimit)
        mig = field(nvml.nvmlDeviceGetMigMode)
        uuid = field(nvml.nvmlDeviceGetUUID)
        return Gpu(
            index=index,
            name=name,
            uuid=_text(uuid) if uuid else "",
            utilization=rates.gpu if rates is not None else None,
            memory_utilization=rates.memory if rates is not None else None,
            memory_used=memory.used if memory is not None else None,
            memory_total=memory.total if memory is not None else None,
            temperature=field(nvml.nvmlDeviceGetTemperature, nvml.NVML_TEMPERATURE_GPU),
            power_watts=power / 1000 if power is not None else None,
            power_limit_watts=limit / 1000 if limit is not None else None,
            sm_clock_mhz=field(nvml.nvmlDeviceGetClockInfo, nvml.NVML_CLOCK_SM),
            mig=bool(mig[0]) if mig is not None else None,
            ecc_errors=field(
                nvml.nvmlDeviceGetTotalEccErrors,
                nvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED,
                nvml.NVML_VOLATILE_ECC,
            ),
        )

    def _processes(self, nvml: Any, index: int, handle: Any) -> list[GpuProcess]:
        found: dict[int, GpuProcess] = {}
        for call in (nvml.nvmlDeviceGetComputeRunningProcesses, nvml.nvmlDeviceGetGraphicsRunningProcesses):
            for process in self._field(nvml, call, handle) or ():
                # usedGpuMemory is None where the driver cannot see it (containers without the PID namespace).
                found.setdefault(process.pid, GpuProcess(process.pid, index, process.usedGpuMemory))
        if not found:
            return []
        samples = self._field(nvml, nvml.nvmlDeviceGetProcessUtilization, handle, self._seen.get(index, 0))
        for sample in samples or ():
            self._seen[index] = max(self._seen.get(index, 0), sample.timeStamp)
            if sample.pid in found:
                found[sample.pid] = replace(found[sample.pid], utilization=sample.smUtil)
        return list(found.values())

    @staticmethod
    def _field(nvml: Any, call: Callable[..., Any], *args: Any) -> Any:
        """One NVML value, or None when the card does not support it (or cannot say now)."""
        try:
            return call(*args)
        except nvml.NVMLError as exc:
            log.debug("%s: %s", getattr(call, "__name__", call), _reason(exc))
            return None


def _text(value: Any) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
