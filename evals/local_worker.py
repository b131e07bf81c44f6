"""Run the real worker with RunPod's local API as a child process (benchmarks and e2e tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx


class WorkerStartError(RuntimeError):
    """The worker exited or did not serve in time; the message carries its log's end."""


def start_local_worker(
    port: int, overrides: dict[str, str], *, log: IO[bytes] | None = None, timeout_s: float = 600
) -> subprocess.Popen[bytes]:
    """`python -m worker --rp_serve_api` on 127.0.0.1:`port`, returned once it answers HTTP."""
    cmd = [sys.executable, "-m", "worker", "--rp_serve_api", "--rp_api_host", "127.0.0.1", "--rp_api_port", str(port)]
    env = {**os.environ, **overrides}  # the child's own Settings read these
    proc = subprocess.Popen(cmd, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorkerStartError(f"the worker exited with {proc.returncode}{_tail(log)}")
        try:
            if httpx.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    stop_local_worker(proc)
    raise WorkerStartError(f"the worker did not serve within {timeout_s:.0f} s{_tail(log)}")


def stop_local_worker(proc: subprocess.Popen[bytes], grace_s: float = 60) -> None:
    proc.terminate()
    try:
        proc.wait(grace_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _tail(log: IO[bytes] | None) -> str:
    name = getattr(log, "name", None)
    if not isinstance(name, str) or not Path(name).is_file():
        return ""
    return ":\n" + Path(name).read_text(errors="replace")[-4000:]
