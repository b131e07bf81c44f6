"""A RunPod job-queue host: a real HTTP server speaking the runpod SDK's production protocol (1.10.0).

The worker runs in production mode with its `RUNPOD_WEBHOOK_*` variables pointing here (see
`worker_environment`). The routes are those the SDK derives from them (rp_job.py, rp_http.py,
rp_ping.py), under `/v2/<endpoint>`:

    GET  /job-take/<worker>?gpu=…&job_in_progress=0|1               one job: 200 {"id","input"}, 204 none
    GET  /job-take-batch/<worker>?gpu=…&batch_size=N&job_in_progress=…  up to N: 200 [{…}], 204 none
    GET  /job-stop/<worker>?gpu=…                                   200 {"jobsToStop": [ids]}, 204 none
    POST /job-done/<worker>/<job>?gpu=…&isStream=false              the result: a JSON string body
    POST /job-stream/<worker>/<job>?gpu=…&isStream=false            one stream chunk, same body form
    GET  /ping/<worker>?gpu=…&job_id=<ids,>&runpod_version=…        heartbeat

Takes and stop polls are long polls, as on RunPod: held until there is something or `hold_s` passes.
Everything is recorded: each take (its batch size and ids), each result and stream chunk (job id,
body, `stopPod`), pings, and the number of jobs taken and not yet answered over time.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ENDPOINT = "ep-test"
WORKER_ID = "worker-test"
GPU = "cpu-test"


@dataclass
class Take:
    at: float
    batch: bool
    batch_size: int
    job_in_progress: str
    ids: list[str]


@dataclass
class Posted:
    at: float
    job_id: str
    worker: str
    is_stream: str
    body: dict[str, Any]

    @property
    def stop_pod(self) -> bool:
        return bool(self.body.get("stopPod"))

    @property
    def error_code(self) -> str | None:
        error = self.body.get("error")
        return str(error).split(":", 1)[0] if error else None


@dataclass
class Record:
    takes: list[Take] = field(default_factory=list)
    results: list[Posted] = field(default_factory=list)
    chunks: list[Posted] = field(default_factory=list)
    pings: list[dict[str, list[str]]] = field(default_factory=list)
    stop_polls: int = 0
    in_flight: list[tuple[float, int]] = field(default_factory=list)
    bad_requests: list[str] = field(default_factory=list)
    untaken: int = 0
    """Jobs of takes the worker hung up on before they reached it, put back in the queue."""


class JobQueueHost(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, hold_s: float = 1.0) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hold_s = hold_s
        self.record = Record()
        self._queue: list[dict[str, Any]] = []
        self._stops: list[str] = []
        self._taken: set[str] = set()  # taken, not yet answered nor stopped
        self._ids = itertools.count(1)
        self._changed = threading.Condition()

    # --- what a test does ------------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v2/{ENDPOINT}"

    def worker_environment(self) -> dict[str, str]:
        """The variables RunPod sets on a serverless worker, pointing at this host."""
        return {
            "RUNPOD_WEBHOOK_GET_JOB": f"{self.base}/job-take/$ID?gpu={GPU}",
            "RUNPOD_WEBHOOK_POST_OUTPUT": f"{self.base}/job-done/$RUNPOD_POD_ID/$ID?gpu={GPU}",
            "RUNPOD_WEBHOOK_POST_STREAM": f"{self.base}/job-stream/$RUNPOD_POD_ID/$ID?gpu={GPU}",
            "RUNPOD_WEBHOOK_PING": f"{self.base}/ping/$RUNPOD_POD_ID?gpu={GPU}",
            "RUNPOD_PING_INTERVAL": "1000",
            "RUNPOD_POD_ID": WORKER_ID,
            "RUNPOD_AI_API_KEY": "test-key",
            "RUNPOD_SKIP_AUTO_SYSTEM_CHECKS": "true",
        }

    def enqueue(self, job_input: dict[str, Any], job_id: str | None = None) -> str:
        job_id = job_id or f"job-{next(self._ids)}"
        with self._changed:
            self._queue.append({"id": job_id, "input": job_input})
            self._changed.notify_all()
        return job_id

    def stop(self, job_id: str) -> None:
        """Ask the worker to stop a job through the stop channel (a cancel or a RunPod timeout)."""
        with self._changed:
            self._stops.append(job_id)
            self._changed.notify_all()

    def results_for(self, job_id: str) -> list[Posted]:
        with self._changed:
            return [r for r in self.record.results if r.job_id == job_id]

    def answer_counts(self) -> Counter[str]:
        with self._changed:
            return Counter(r.job_id for r in self.record.results)

    def wait_answered(self, ids: list[str], timeout_s: float) -> bool:
        """True once every id has a result; False when `timeout_s` passes first."""
        wanted = set(ids)
        return self.wait_for(lambda record: wanted <= {r.job_id for r in record.results}, timeout_s)

    def wait_for(self, predicate: Callable[[Record], bool], timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        with self._changed:
            while not predicate(self.record):
                if time.monotonic() >= end:
                    return False
                self._changed.wait(min(0.2, max(0.0, end - time.monotonic())))
        return True

    def max_in_flight(self, since: float = 0.0) -> int:
        with self._changed:
            return max((n for at, n in self.record.in_flight if at >= since), default=0)

    def queued(self) -> int:
        with self._changed:
            return len(self._queue)

    # --- what the worker calls ------------------------------------------------------------------
    def take(self, batch_size: int, batch: bool, job_in_progress: str) -> list[dict[str, Any]]:
        end = time.monotonic() + self.hold_s
        with self._changed:
            while not self._queue and time.monotonic() < end:
                self._changed.wait(max(0.0, end - time.monotonic()))
            jobs, self._queue = self._queue[:batch_size], self._queue[batch_size:]
            now = time.monotonic()
            self._taken.update(j["id"] for j in jobs)
            if jobs:
                self.record.in_flight.append((now, len(self._taken)))
            self.record.takes.append(Take(now, batch, batch_size, job_in_progress, [j["id"] for j in jobs]))
            self._changed.notify_all()
            return jobs

    def untake(self, jobs: list[dict[str, Any]]) -> None:
        """The worker hung up before the jobs of a take reached it: back to the head of the queue,
        as if never taken (else a test would wait for answers to jobs the worker never saw)."""
        ids = {j["id"] for j in jobs}
        with self._changed:
            self._queue = [*jobs, *self._queue]
            self._taken.difference_update(ids)
            for take in reversed(self.record.takes):
                if ids & set(take.ids):
                    take.ids[:] = [i for i in take.ids if i not in ids]
                    break
            self.record.untaken += len(ids)
            self._changed.notify_all()

    def stop_signals(self) -> list[str]:
        end = time.monotonic() + self.hold_s
        with self._changed:
            self.record.stop_polls += 1
            while not self._stops and time.monotonic() < end:
                self._changed.wait(max(0.0, end - time.monotonic()))
            stops, self._stops = self._stops, []
            self._taken.difference_update(stops)  # RunPod ends a stopped job itself
            return stops

    def posted(self, kind: str, posted: Posted) -> None:
        with self._changed:
            if kind == "job-done":
                self.record.results.append(posted)
                self._taken.discard(posted.job_id)
                self.record.in_flight.append((posted.at, len(self._taken)))
            else:
                self.record.chunks.append(posted)
            self._changed.notify_all()

    def pinged(self, query: dict[str, list[str]]) -> None:
        with self._changed:
            self.record.pings.append(query)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: JobQueueHost

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts, query = self._route()
        kind = parts[0] if parts else ""
        if kind in ("job-take", "job-take-batch") and parts[1:] == [WORKER_ID] and query.get("gpu") == [GPU]:
            batch = kind == "job-take-batch"
            size = int(query["batch_size"][0]) if batch else 1
            jobs = self.server.take(size, batch, query.get("job_in_progress", ["?"])[0])
            if not jobs:
                return self._send(204, None)
            try:
                return self._send(200, jobs if batch else jobs[0])
            except (BrokenPipeError, ConnectionResetError):
                return self.server.untake(jobs)
        if kind == "job-stop" and parts[1:] == [WORKER_ID]:
            stops = self.server.stop_signals()
            return self._send(200, {"jobsToStop": stops}) if stops else self._send(204, None)
        if kind == "ping" and parts[1:] == [WORKER_ID]:
            self.server.pinged(query)
            return self._send(200, {})
        self._bad()

    def do_POST(self) -> None:
        parts, query = self._route()
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if len(parts) == 3 and parts[0] in ("job-done", "job-stream") and query.get("gpu") == [GPU]:
            body = json.loads(raw.decode())  # the SDK posts json.dumps(result) as the body
            posted = Posted(time.monotonic(), parts[2], parts[1], query.get("isStream", ["?"])[0], body)
            self.server.posted(parts[0], posted)
            return self._send(200, {})
        self._bad()

    def _route(self) -> tuple[list[str], dict[str, list[str]]]:
        url = urlsplit(self.path)
        prefix = f"/v2/{ENDPOINT}/"
        parts = url.path.removeprefix(prefix).split("/") if url.path.startswith(prefix) else []
        return parts, parse_qs(url.query)

    def _bad(self) -> None:
        self.server.record.bad_requests.append(f"{self.command} {self.path}")
        self._send(404, {"error": "unknown route"})

    def _send(self, status: int, body: Any) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def running_host(hold_s: float = 1.0) -> Iterator[JobQueueHost]:
    host = JobQueueHost(hold_s=hold_s)
    thread = threading.Thread(target=host.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield host
    finally:
        host.shutdown()
        host.server_close()
