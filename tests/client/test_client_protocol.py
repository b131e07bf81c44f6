"""The typed client against a real HTTP server that speaks RunPod's runsync/status protocol.

The server (`FakeRunPod`, `http.server` in a thread) answers each route from a script of replies
and records every request, so the tests see what went over the wire: submissions, polls, headers.
Every behaviour is checked with the blocking and the asyncio client.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemas.errors import ErrorCode
from schemas.results import AnalyzeResponse, AnalyzeResult, GenerateResult, Timings, Usage
from worker.client import (
    AsyncClient,
    Client,
    DeadlineExceededError,
    HTTPStatusError,
    JobFailedError,
    OutcomeUnknownError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)
from worker.client.errors import parse_failure
from worker.client.protocol import split_endpoint

ROOT = Path(__file__).resolve().parents[2]
KEY = "rp-test-key"
FAST: dict[str, Any] = {"poll_interval": 0.02, "backoff": 0.01, "max_retries": 3, "deadline": 10.0, "timeout": 5.0}
SAMPLED = {"prompt": "Write a haiku.", "max_tokens": 16, "temperature": 0.7}
GREEDY = {"prompt": "What is 2+2?", "max_tokens": 16, "temperature": 0}
GENERATED = {"text": "4", "tokens_generated": 1, "status": "success"}
DOCUMENT = {"pages": [{"index": 0, "width": 100, "height": 100, "words": []}]}
ANALYZED = AnalyzeResponse(
    result=AnalyzeResult(issues=[], uncertain_fields=[], needs_review=False, quality=0.9),
    usage=Usage(),
    model="tiny",
    timings_ms=Timings(total=1.0),
).model_dump(mode="json")


@dataclass
class Reply:
    code: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: str | None = None
    """"before": close without answering; "during": close halfway through the body."""


def job(status: str, job_id: str = "job-1", **extra: Any) -> Reply:
    return Reply(body={"id": job_id, "status": status, **extra})


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeRunPod(ThreadingHTTPServer):
    """Answers POST …/runsync and GET …/status/{id} from scripts; the last reply repeats."""

    daemon_threads = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.scripts: dict[str, list[Reply]] = {
            "runsync": [job("COMPLETED", output=GENERATED)],
            "status": [],
            "cancel": [job("CANCELLED")],
        }
        self.seen: list[Seen] = []
        self.lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v2/ep-123/runsync"

    def script(self, route: str, *replies: Reply) -> None:
        self.scripts[route] = list(replies)

    def count(self, route: str) -> int:
        return sum(route in s.path for s in self.seen)

    def reply_for(self, seen: Seen) -> Reply:
        route = next((r for r in ("/runsync", "/status/", "/cancel/") if r in seen.path), "").strip("/")
        with self.lock:
            self.seen.append(seen)
            script = self.scripts.get(route)
            if not script:
                return Reply(404, {"error": "no such route"})
            return script.pop(0) if len(script) > 1 else script[0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeRunPod

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen = Seen(self.command, self.path, dict(self.headers), json.loads(raw) if raw else None)
        reply = self.server.reply_for(seen)
        if reply.drop == "before":
            self.close_connection = True
            return
        data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
        self.send_response(reply.code)
        for name, value in {"Content-Type": "application/json", **reply.headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data) * (2 if reply.drop else 1)))
        self.end_headers()
        self.wfile.write(data)
        if reply.drop:
            self.close_connection = True


def _serve(server: FakeRunPod) -> Iterator[FakeRunPod]:
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def server() -> Iterator[FakeRunPod]:
    yield from _serve(FakeRunPod())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def call(mode: str, endpoint: str, task: str, request: Any, **options: Any) -> BaseModel:
    """Run one task with the blocking or the asyncio client."""
    options = {**FAST, **options}
    if mode == "sync":
        with Client(endpoint, KEY, **options) as client:
            result: BaseModel = getattr(client, task)(request)
            return result

    async def run() -> BaseModel:
        async with AsyncClient(endpoint, KEY, **options) as client:
            result: BaseModel = await getattr(client, task)(request)
            return result

    return asyncio.run(run())


def test_queued_then_in_progress_then_completed(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("IN_QUEUE"))
    server.script("status", job("IN_PROGRESS"), job("COMPLETED", output=ANALYZED, delayTime=12))
    result = call(mode, server.endpoint, "analyze", {"document": DOCUMENT})
    assert isinstance(result, AnalyzeResponse)
    assert result.result.quality == 0.9
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", "/v2/ep-123/runsync"),
        ("GET", "/v2/ep-123/status/job-1"),
        ("GET", "/v2/ep-123/status/job-1"),
    ]
    assert server.seen[0].body == {"input": {"task": "analyze", "document": DOCUMENT}}
    assert all(s.headers["Authorization"] == f"Bearer {KEY}" for s in server.seen)


def test_generate_raw_call_returns_the_typed_result(server: FakeRunPod, mode: str) -> None:
    result = call(mode, server.endpoint, "generate", GREEDY)
    assert result == GenerateResult(text="4", tokens_generated=1)
    assert server.seen[0].body == {"input": {**GREEDY, "task": "generate"}}


@pytest.mark.parametrize(
    ("reply", "code", "message"),
    [
        (job("FAILED", error="invalid_output: word w9 is not in the document"), ErrorCode.INVALID_OUTPUT,
         "word w9 is not in the document"),
        (job("FAILED", error=json.dumps({"error_type": "<class 'RuntimeError'>",
                                         "error_message": "engine_unavailable: vLLM stopped"})),
         ErrorCode.ENGINE_UNAVAILABLE, "vLLM stopped"),
        (job("FAILED", error="quota_exceeded: too many jobs"), "quota_exceeded", "too many jobs"),
        (job("FAILED", error="Job ID not found"), ErrorCode.INTERNAL, "Job ID not found"),
        (job("CANCELLED"), ErrorCode.CANCELLED, "the job ended CANCELLED"),
        (job("TIMED_OUT"), ErrorCode.TIMEOUT, "the job ended TIMED_OUT"),
        (job("FAILED", error="timeout: ran past 300 s"), ErrorCode.TIMEOUT, "ran past 300 s"),
    ],
)  # fmt: skip
def test_failed_job_raises_service_error_with_code(
    server: FakeRunPod, mode: str, reply: Reply, code: ErrorCode | str, message: str
) -> None:
    server.script("runsync", job("IN_PROGRESS"))
    server.script("status", reply)
    with pytest.raises(JobFailedError) as caught:
        call(mode, server.endpoint, "generate", SAMPLED)
    assert (caught.value.code, caught.value.message, caught.value.job_id) == (code, message, "job-1")
    assert server.count("/runsync") == 1


def test_429_is_retried_even_for_sampled_generate(server: FakeRunPod, mode: str) -> None:
    server.script(
        "runsync",
        Reply(429, {"error": "slow down"}, {"Retry-After": "0"}),
        job("COMPLETED", output=GENERATED),
    )
    assert call(mode, server.endpoint, "generate", SAMPLED) == GenerateResult(text="4", tokens_generated=1)
    assert server.count("/runsync") == 2


def test_429_until_retries_run_out(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", Reply(429, {"error": "slow down"}))
    with pytest.raises(HTTPStatusError) as caught:
        call(mode, server.endpoint, "generate", SAMPLED, max_retries=2)
    assert caught.value.status_code == 429
    assert server.count("/runsync") == 3


def test_5xx_on_status_polls_is_retried(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("IN_QUEUE"))
    server.script("status", Reply(500, {"error": "boom"}), Reply(503, b"busy"), job("COMPLETED", output=GENERATED))
    assert isinstance(call(mode, server.endpoint, "generate", SAMPLED), GenerateResult)
    assert server.count("/status/") == 3


@pytest.mark.parametrize(("request_", "submissions"), [(SAMPLED, 1), (GREEDY, 2)])
def test_5xx_on_submission_is_retried_only_when_idempotent(
    server: FakeRunPod, mode: str, request_: dict[str, Any], submissions: int
) -> None:
    server.script("runsync", Reply(502, b"bad gateway"), job("COMPLETED", output=GENERATED))
    if submissions == 1:
        with pytest.raises(HTTPStatusError, match="502"):
            call(mode, server.endpoint, "generate", request_)
    else:
        call(mode, server.endpoint, "generate", request_)
    assert server.count("/runsync") == submissions


@pytest.mark.parametrize("drop", ["before", "during"])
def test_sampled_generate_is_not_resubmitted_after_lost_answer(server: FakeRunPod, mode: str, drop: str) -> None:
    server.script("runsync", Reply(body=job("COMPLETED", output=GENERATED).body, drop=drop), job("COMPLETED"))
    with pytest.raises(OutcomeUnknownError, match="may have run"):
        call(mode, server.endpoint, "generate", SAMPLED)
    assert server.count("/runsync") == 1


@pytest.mark.parametrize("task", ["generate", "analyze"])
def test_idempotent_jobs_are_resubmitted_after_lost_answer(server: FakeRunPod, mode: str, task: str) -> None:
    request, output = (GREEDY, GENERATED) if task == "generate" else ({"document": DOCUMENT}, ANALYZED)
    server.script("runsync", Reply(body={}, drop="during"), job("COMPLETED", output=output))
    assert call(mode, server.endpoint, task, request).model_dump(mode="json") == output
    assert server.count("/runsync") == 2


def test_connect_errors_are_retried_even_for_sampled_generate(mode: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    late: list[FakeRunPod] = []

    def start_late() -> None:
        late.append(FakeRunPod(port))
        threading.Thread(target=late[0].serve_forever, args=(0.05,), daemon=True).start()

    timer = threading.Timer(0.3, start_late)
    timer.start()
    try:
        result = call(mode, f"http://127.0.0.1:{port}/runsync", "generate", SAMPLED, backoff=0.1, max_retries=6)
    finally:
        timer.join()
        for server in late:
            server.shutdown()
            server.server_close()
    assert isinstance(result, GenerateResult)
    assert late[0].count("/runsync") == 1


def test_nothing_listening_is_a_transport_error(mode: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}/runsync"
    with pytest.raises(TransportError, match="could not reach"):
        call(mode, endpoint, "generate", SAMPLED, max_retries=1)


@pytest.mark.parametrize(
    "reply",
    [
        job("COMPLETED", output={"text": "4"}),
        job("COMPLETED", output={**GENERATED, "extra": 1}),
        Reply(body=b"<html>not json</html>"),
        Reply(body={"id": "job-1"}),
        job("PAUSED"),
    ],
)
def test_an_answer_that_does_not_validate_raises(server: FakeRunPod, mode: str, reply: Reply) -> None:
    server.script("runsync", reply)
    with pytest.raises(ResponseValidationError):
        call(mode, server.endpoint, "generate", GREEDY)


def test_analyze_output_that_does_not_validate_names_the_path(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("COMPLETED", output={**ANALYZED, "result": {"issues": "none"}}))
    with pytest.raises(ResponseValidationError, match=r"result\.issues") as caught:
        call(mode, server.endpoint, "analyze", {"document": DOCUMENT})
    assert caught.value.job_id == "job-1"


def test_deadline_passes_while_in_progress(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("IN_PROGRESS"))
    server.script("status", job("IN_PROGRESS"))
    start = time.monotonic()
    with pytest.raises(DeadlineExceededError) as caught:
        call(mode, server.endpoint, "generate", SAMPLED, deadline=0.5)
    assert 0.4 < time.monotonic() - start < 3
    assert caught.value.job_id == "job-1"
    assert server.count("/status/") >= 3
    # the abandoned job is cancelled on RunPod, once, after the last poll
    assert [(s.method, s.path) for s in server.seen if "/cancel/" in s.path] == [("POST", "/v2/ep-123/cancel/job-1")]
    assert "/cancel/" in server.seen[-1].path
    assert server.seen[-1].headers["Authorization"] == f"Bearer {KEY}"


def test_a_failed_cancel_still_reports_the_deadline(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("IN_QUEUE"))
    server.script("status", job("IN_QUEUE"))
    server.script("cancel", Reply(500, {"error": "boom"}))
    with pytest.raises(DeadlineExceededError):
        call(mode, server.endpoint, "generate", SAMPLED, deadline=0.3)
    assert server.count("/cancel/") == 1


def test_a_finished_job_is_not_cancelled(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", job("IN_QUEUE"))
    server.script("status", job("IN_PROGRESS"), job("COMPLETED", output=GENERATED))
    call(mode, server.endpoint, "generate", SAMPLED)
    assert server.count("/cancel/") == 0


def test_bad_input_fails_locally_with_its_path(server: FakeRunPod, mode: str) -> None:
    page = {"index": 0, "width": 0, "height": 9}
    with pytest.raises(RequestValidationError, match=r"document\.pages\[0\]\.width"):
        call(mode, server.endpoint, "analyze", {"document": {"pages": [page]}})
    with pytest.raises(RequestValidationError, match="task"):
        call(mode, server.endpoint, "generate", {**GREEDY, "task": "merge"})
    assert server.seen == []


def test_4xx_is_not_retried(server: FakeRunPod, mode: str) -> None:
    server.script("runsync", Reply(401, {"error": "unauthorized"}))
    with pytest.raises(HTTPStatusError) as caught:
        call(mode, server.endpoint, "analyze", {"document": DOCUMENT})
    assert caught.value.status_code == 401
    assert server.count("/runsync") == 1


def test_settings_come_from_the_environment(server: FakeRunPod, monkeypatch: pytest.MonkeyPatch) -> None:
    base = server.endpoint.removesuffix("/runsync")
    monkeypatch.setenv("RUNPOD_LLM_ENDPOINT_URL", base)
    monkeypatch.setenv("RUNPOD_LLM_API_KEY", "from-env")
    with Client(**FAST) as client:
        client.generate(GREEDY)
    assert server.seen[0].path == "/v2/ep-123/runsync"
    assert server.seen[0].headers["Authorization"] == "Bearer from-env"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/runsync", ("http://127.0.0.1:8000/runsync", "http://127.0.0.1:8000")),
        ("http://127.0.0.1:8000/", ("http://127.0.0.1:8000/runsync", "http://127.0.0.1:8000")),
        ("https://api.runpod.ai/v2/abc/runsync/", ("https://api.runpod.ai/v2/abc/runsync", "https://api.runpod.ai/v2/abc")),
    ],
)  # fmt: skip
def test_endpoint_url_forms(url: str, expected: tuple[str, str]) -> None:
    assert split_endpoint(url) == expected


def test_parse_failure_reads_an_object_with_code() -> None:
    assert parse_failure({"code": "timeout", "message": "60 s"}) == (ErrorCode.TIMEOUT, "60 s")


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNPOD_LLM_")}
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_client_imports_no_worker_dependencies() -> None:
    heavy = ["vllm", "torch", "runpod", "openai", "jinja2", "rapidfuzz", "outlines"]
    code = f"import sys, worker.client; print([m for m in {heavy!r} if m in sys.modules])"
    done = _run("-c", code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_cli_prints_the_typed_result(server: FakeRunPod, tmp_path: Path) -> None:
    path = tmp_path / "job.json"
    path.write_text(json.dumps(GREEDY))
    done = _run("-m", "worker.client", "generate", str(path), "--endpoint-url", server.endpoint)
    assert done.returncode == 0, done.stderr
    assert GenerateResult.model_validate_json(done.stdout) == GenerateResult(text="4", tokens_generated=1)


def test_cli_failed_job_exits_non_zero_with_the_code(server: FakeRunPod) -> None:
    server.script("runsync", job("FAILED", error="input_too_long: 9000 tokens do not fit 8192"))
    args = ["-m", "worker.client", "generate", "-", "--endpoint-url", server.endpoint, "--api-key", KEY]
    done = _run(*args, stdin=json.dumps(GREEDY))
    assert done.returncode == 1
    assert "input_too_long: 9000 tokens do not fit 8192" in done.stderr
    assert done.stdout == ""
    assert server.seen[0].headers["Authorization"] == f"Bearer {KEY}"


def test_cli_usage_and_transport_errors_have_their_own_exit_codes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"prompt": ""}))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    invalid = _run("-m", "worker.client", "generate", str(bad), "--endpoint-url", dead)
    assert invalid.returncode == 2
    assert invalid.stderr.startswith("error: invalid_input: invalid generate request: prompt:")
    assert _run("-m", "worker.client", "generate", str(tmp_path / "missing.json")).returncode == 2
    bad.write_text(json.dumps(GREEDY))
    unreachable = _run("-m", "worker.client", "generate", str(bad), "--endpoint-url", dead, "--deadline", "1")
    assert unreachable.returncode == 3, unreachable.stderr
    assert unreachable.stderr.startswith("error: transport:")
