"""Starts, health-checks and stops the local vLLM OpenAI-compatible server.

Like the official RunPod vLLM worker, the worker runs vLLM's OpenAI server as a child process bound
to 127.0.0.1 and talks to it over HTTP. Each start takes a free port (unless ENGINE_PORT is set, and
then fails at once if the port is taken) and a random key, so the worker never talks to an engine it
did not start. Start-up waits for `/health` against a deadline and fails fast, with vLLM's last log
lines, if the process dies. `died` is set when the process exits, so waiting jobs fail at once.
Threads, not an event loop, watch the process: RunPod's SDK runs jobs in an event loop of its own,
created after the engine is up.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import secrets
import signal
import socket
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


def vllm_server_command(settings: Settings, model: str, *, port: int) -> list[str]:
    """The command line of the supervised server: a pure function of the settings (the key goes by
    environment, never on a command line that `ps` and our log show)."""
    return [sys.executable, "-m", "vllm.entrypoints.openai.api_server", *vllm_server_args(settings, model, port)]


def vllm_server_args(settings: Settings, model: str, port: int) -> list[str]:
    """Settings → vLLM's arguments, one row per setting (None leaves the flag out, True is a bare flag)."""
    structured: dict[str, object] = {"backend": settings.structured_outputs_backend}
    if settings.structured_outputs_backend in ("xgrammar", "guidance"):
        structured["disable_any_whitespace"] = True
    on_gpu = not settings.on_cpu
    flags: list[tuple[str, object]] = [
        ("--model", model),
        ("--revision", settings.model_revision or None),
        ("--served-model-name", settings.served_model_name),
        ("--host", "127.0.0.1"),
        ("--port", port),
        ("--max-model-len", settings.context_length),
        ("--max-num-seqs", settings.max_num_seqs),
        ("--structured-outputs-config", json.dumps(structured)),
        ("--quantization", settings.quantization),
        ("--enforce-eager", settings.eager or None),
        ("--dtype", settings.engine_dtype),
        ("--gpu-memory-utilization", settings.gpu_memory_utilization if on_gpu else None),
        ("--tensor-parallel-size", settings.tensor_parallel_size if on_gpu else None),
        ("--disable-uvicorn-access-log", True),
        ("--uvicorn-log-level", "warning"),
    ]
    args: list[str] = []
    for flag, value in flags:
        if value is True:
            args.append(flag)
        elif value is not None:
            args += [flag, str(value)]
    return args


def free_port() -> int:
    """A port nothing listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_port_free(port: int) -> None:
    """Fail with a clear line when another process holds the port (vLLM's own error would be buried)."""
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise EngineStartError(
                f"ENGINE_PORT={port} is taken by another process ({exc.strerror}); unset ENGINE_PORT to use a free port"
            ) from None


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the worker dies without stopping us (Linux only)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class EngineProcess:
    """One supervised vLLM server process, on its own port and with its own key."""

    def __init__(self, settings: Settings, model: str | Path, *, log_lines: int = 300) -> None:
        self.settings = settings
        self.port = settings.engine_port or free_port()
        self.command = vllm_server_command(settings, str(model), port=self.port)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api_key = secrets.token_urlsafe(24)
        """Sent by our engine client; a server that does not know it is not ours (vLLM answers 401)."""
        self.died = threading.Event()
        self._log: deque[str] = deque(maxlen=log_lines)
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = False

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def last_log_lines(self, n: int = 40) -> str:
        return "\n".join(list(self._log)[-n:])

    def start(self) -> float:
        """Start vLLM and wait until `/health` answers; returns the seconds it took."""
        started = time.monotonic()
        ensure_port_free(self.port)
        self._proc = subprocess.Popen(
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**engine_child_environment(self.settings), "VLLM_API_KEY": self.api_key},
            start_new_session=True,  # we decide when vLLM stops, not the terminal's signals
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only calls prctl, which is async-signal-safe
        )
        threading.Thread(target=self._pump_log, name="vllm-log", daemon=True).start()
        threading.Thread(target=self._watch_exit, name="vllm-exit", daemon=True).start()
        deadline = started + self.settings.engine_start_timeout_s
        with httpx.Client(timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.died.is_set():
                    raise EngineStartError(f"vLLM exited during start-up:\n{self.last_log_lines()}")
                with contextlib.suppress(httpx.HTTPError):
                    # /health needs no key: the key is checked when the engine client connects
                    if client.get(f"{self.base_url}/health").status_code == 200 and not self.died.is_set():
                        return time.monotonic() - started
                time.sleep(0.5)
        self.stop()
        raise EngineStartError(
            f"vLLM was not healthy after {self.settings.engine_start_timeout_s:.0f} s:\n{self.last_log_lines()}"
        )

    def _pump_log(self) -> None:
        """Keep vLLM's last lines for error messages."""
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").rstrip()
            self._log.append(line)
            log.debug("vllm: %s", line)

    def _watch_exit(self) -> None:
        """Watch the child process itself (its output pipe can outlive it): its exit sets `died`."""
        proc = self._proc
        assert proc is not None
        while proc.poll() is None:
            time.sleep(0.2)
        self.died.set()  # first: waiting jobs fail now
        if not self._stopping:
            time.sleep(0.2)  # let the log pump catch vLLM's last words
            log.error("vLLM exited with code %s:\n%s", proc.returncode, self.last_log_lines())

    def stop(self, grace_s: float = 20.0) -> None:
        """SIGTERM the server's process group, then SIGKILL after `grace_s`."""
        proc, self._stopping = self._proc, True
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(grace_s)
        # what is left of the group: all of it after a timeout, and a killed server's orphans (its
        # engine core and workers outlive a SIGKILLed API server); the group id stays theirs
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
