"""Starts, health-checks and stops the local vLLM OpenAI-compatible server.

Like the official RunPod vLLM worker, the worker runs vLLM's OpenAI server as a child process bound
to 127.0.0.1 and talks to it over HTTP. Start-up waits for `/health` against a deadline and fails
fast, with vLLM's last log lines, if the process dies. `died` is set if it exits later, so waiting
jobs fail at once instead of hanging. Threads, not an event loop, watch the process: RunPod's SDK
runs jobs in an event loop of its own, created after the engine is up.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path

import httpx

from .config import Settings, engine_child_environment

log = logging.getLogger(__name__)
_PR_SET_PDEATHSIG = 1


class EngineStartError(RuntimeError):
    """vLLM did not become healthy; the message carries its last log lines."""


def vllm_server_command(settings: Settings, model: str) -> list[str]:
    """The command line of the supervised server (a pure function of the settings)."""
    structured: dict[str, object] = {"backend": settings.structured_outputs_backend}
    if settings.structured_outputs_backend in ("xgrammar", "guidance"):
        structured["disable_any_whitespace"] = True
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", model,
        "--served-model-name", settings.served_model_name,
        "--host", "127.0.0.1",
        "--port", str(settings.engine_port),
        "--max-model-len", str(settings.context_length),
        "--max-num-seqs", str(settings.max_num_seqs),
        "--structured-outputs-config", json.dumps(structured),
        "--disable-uvicorn-access-log",
        "--uvicorn-log-level", "warning",
    ]  # fmt: skip
    quantization = settings.quantization or settings.preset.quantization
    if quantization:
        cmd += ["--quantization", quantization]
    if settings.eager:
        cmd.append("--enforce-eager")
    if not settings.on_cpu:
        cmd += [
            "--gpu-memory-utilization", str(settings.gpu_memory_utilization),
            "--tensor-parallel-size", str(settings.tensor_parallel_size),
        ]  # fmt: skip
    return cmd


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the worker dies without stopping us (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EngineProcess:
    """One supervised vLLM server process."""

    def __init__(self, settings: Settings, model: str | Path, *, log_lines: int = 300) -> None:
        self.settings = settings
        self.command = vllm_server_command(settings, str(model))
        self.base_url = f"http://127.0.0.1:{settings.engine_port}"
        self.died = threading.Event()
        self._log: deque[str] = deque(maxlen=log_lines)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = False

    def last_log_lines(self, n: int = 40) -> str:
        return "\n".join(list(self._log)[-n:])

    def start(self) -> float:
        """Start vLLM and wait until `/health` answers; returns the seconds it took."""
        started = time.monotonic()
        self._proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=engine_child_environment(self.settings),
            start_new_session=True,  # we decide when vLLM stops, not the terminal's signals
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only calls prctl, which is async-signal-safe
        )
        threading.Thread(target=self._pump_log, name="vllm-log", daemon=True).start()
        deadline = started + self.settings.engine_start_timeout_s
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.died.is_set():
                    raise EngineStartError(f"vLLM exited during start-up:\n{self.last_log_lines()}")
                with contextlib.suppress(httpx.HTTPError):
                    if client.get(f"{self.base_url}/health").status_code == 200:
                        return time.monotonic() - started
                time.sleep(0.5)
        self.stop()
        raise EngineStartError(
            f"vLLM was not healthy after {self.settings.engine_start_timeout_s:.0f} s:\n{self.last_log_lines()}"
        )

    def _pump_log(self) -> None:
        """Keep vLLM's last lines for error messages; its exit sets `died`."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self._log.append(line)
            log.debug("vllm: %s", line)
        code = proc.wait()
        if not self._stopping:
            log.error("vLLM exited with code %s:\n%s", code, self.last_log_lines())
        self.died.set()

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM the server's process group, then SIGKILL after `grace_s`."""
        proc, self._stopping = self._proc, True
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
