"""RunPod's runsync/status protocol without I/O, shared by the sync and the async client.

A call is a generator (`job_flow`) that yields steps — send this HTTP request, or sleep — and is
sent back each step's outcome: an `httpx.Response`, or the `httpx.TransportError` that ended the
request. The client only executes steps, so retries, polling and deadlines are written once.

A job still queued or running at the deadline is cancelled with RunPod's `POST /cancel/{id}`.

Retry rules: 429 and failures to connect (the request never left) are always retried. A 5xx or a
lost answer after the request was sent is retried only when re-running the job is harmless: status
polls always, a submission only when the task is idempotent (see `is_idempotent`). Otherwise
`OutcomeUnknownError` is raised, so a job that may have run is never submitted twice.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from schemas.errors import ErrorCode, describe_validation_error
from schemas.requests import GenerateRequest

from .errors import (
    DeadlineExceededError,
    HTTPStatusError,
    JobFailedError,
    OutcomeUnknownError,
    ResponseValidationError,
    TransportError,
    parse_failure,
)

PENDING = frozenset({"IN_QUEUE", "IN_PROGRESS"})
FAILED = {"FAILED": None, "CANCELLED": ErrorCode.CANCELLED, "TIMED_OUT": ErrorCode.TIMEOUT}
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_MAX_BACKOFF_S = 30.0
CANCEL_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Send:
    method: str
    url: str
    body: dict[str, Any] | None
    timeout: float


@dataclass(frozen=True)
class Sleep:
    seconds: float


class JobStatus(BaseModel):
    """The part of RunPod's job object the client reads; other keys (delayTime...) are ignored."""

    model_config = ConfigDict(extra="ignore")

    id: str | None = None
    status: str
    output: Any = None
    error: Any = None


Step = Send | Sleep
Outcome = httpx.Response | httpx.TransportError | None
Flow = Generator[Step, Outcome, JobStatus]


@dataclass(frozen=True)
class Policy:
    """Where and how patiently to call; built once per client."""

    runsync_url: str
    base_url: str
    timeout: float
    poll_interval: float
    max_retries: int
    deadline: float
    backoff: float
    clock: Callable[[], float] = time.monotonic


def split_endpoint(url: str) -> tuple[str, str]:
    """(runsync URL, base URL) from either `…/runsync` or the bare endpoint URL."""
    base = url.rstrip("/").removesuffix("/runsync")
    return f"{base}/runsync", base


def is_idempotent(request: BaseModel) -> bool:
    """Whether running the job twice is harmless: every task but sampled (temperature > 0) generate."""
    return not isinstance(request, GenerateRequest) or request.temperature == 0


def job_flow(policy: Policy, payload: dict[str, Any], *, idempotent: bool) -> Flow:
    """Submit to runsync, then poll `/status/{id}` while the job is queued or running."""
    end = policy.clock() + policy.deadline
    send = Send("POST", policy.runsync_url, {"input": payload}, policy.timeout)
    job = yield from _exchange(policy, send, end, resend_after_sent=idempotent)
    try:
        while job.status in PENDING:
            if job.id is None:
                raise ResponseValidationError(f"job status {job.status} without an id to poll")
            wait = min(policy.poll_interval, end - policy.clock())
            if wait <= 0:
                raise DeadlineExceededError(f"the job was still {job.status} at the deadline", job_id=job.id)
            yield Sleep(wait)
            poll = Send("GET", f"{policy.base_url}/status/{job.id}", None, policy.timeout)
            job = yield from _exchange(policy, poll, end, resend_after_sent=True, job_id=job.id)
    except DeadlineExceededError:
        if job.id is not None:
            yield from _cancel(policy, job.id)
        raise
    return job


def _cancel(policy: Policy, job_id: str) -> Generator[Step, Outcome, None]:
    """An abandoned job is cancelled (`POST /cancel/{id}`), so it stops holding a worker and vLLM.

    Best effort, once: the deadline has passed, so the answer is awaited `CANCEL_TIMEOUT_S` at most
    and its outcome changes nothing; the caller gets `DeadlineExceededError` either way."""
    yield Send("POST", f"{policy.base_url}/cancel/{job_id}", None, CANCEL_TIMEOUT_S)


def completed_output(job: JobStatus) -> Any:
    """The output of a finished job; `JobFailedError` for a failed one."""
    if job.status == "COMPLETED":
        return job.output
    if job.status in FAILED:
        code, message = parse_failure(job.error)
        status_code = FAILED[job.status]
        if status_code is not None and code == ErrorCode.INTERNAL:
            code = status_code
        raise JobFailedError(code, message or f"the job ended {job.status}", job_id=job.id)
    raise ResponseValidationError(f"unknown job status {job.status!r}", job_id=job.id)


def _exchange(
    policy: Policy, send: Send, end: float, *, resend_after_sent: bool, job_id: str | None = None
) -> Generator[Step, Outcome, JobStatus]:
    """One request with bounded retries; the decoded job status of its 2xx answer."""
    for attempt in range(policy.max_retries + 1):
        left = end - policy.clock()
        if left <= 0:
            raise DeadlineExceededError("the deadline passed before the job finished", job_id=job_id)
        outcome = yield Send(send.method, send.url, send.body, min(send.timeout, left))
        assert outcome is not None, "a Send step is answered with a response or an error"
        error, retry_after = _failure(outcome, resend_after_sent, job_id)
        if error is None:
            assert isinstance(outcome, httpx.Response)
            return _decode(outcome, job_id)
        if _deadline_hit(outcome, end, policy.clock):
            raise DeadlineExceededError("the deadline passed waiting for an answer", job_id=job_id) from error
        if attempt == policy.max_retries or retry_after is None:
            raise error
        delay = max(retry_after, _backoff(policy.backoff, attempt))
        if policy.clock() + delay >= end:
            raise error  # no time left to retry: the last failure says more than the deadline
        yield Sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def _failure(
    outcome: httpx.Response | httpx.TransportError, resend_after_sent: bool, job_id: str | None
) -> tuple[TransportError | None, float | None]:
    """(error to raise, or None on success; seconds to wait before a retry, or None: do not retry)."""
    if isinstance(outcome, httpx.Response):
        if outcome.is_success:
            return None, None
        error = HTTPStatusError(
            f"HTTP {outcome.status_code} from {outcome.request.url}: {outcome.text[:200]}",
            status_code=outcome.status_code,
            job_id=job_id,
        )
        if outcome.status_code == 429 or (outcome.status_code >= 500 and resend_after_sent):
            return error, _retry_after(outcome)
        return error, None
    detail = f"{type(outcome).__name__}: {outcome}"
    if isinstance(outcome, _NOT_SENT):
        return TransportError(f"could not reach the endpoint ({detail})", job_id=job_id), 0.0
    if resend_after_sent:
        return TransportError(f"the answer was lost ({detail})", job_id=job_id), 0.0
    lost = f"the job was sent but its answer was lost ({detail}); not re-sent, as it may have run"
    return OutcomeUnknownError(lost, job_id=job_id), None


def _deadline_hit(outcome: Outcome, end: float, clock: Callable[[], float]) -> bool:
    return isinstance(outcome, httpx.TimeoutException) and clock() >= end - 0.05


def _retry_after(response: httpx.Response) -> float:
    try:
        return min(max(float(response.headers.get("Retry-After", "0")), 0.0), _MAX_BACKOFF_S)
    except ValueError:  # an HTTP date: fall back on the backoff
        return 0.0


def _backoff(base: float, attempt: int) -> float:
    """Exponential backoff with jitter: between half and all of base·2^attempt, capped."""
    return min(base * 2.0**attempt, _MAX_BACKOFF_S) * random.uniform(0.5, 1.0)


def _decode(response: httpx.Response, job_id: str | None) -> JobStatus:
    try:
        return JobStatus.model_validate_json(response.content)
    except ValidationError as exc:
        problem = describe_validation_error(exc)
        raise ResponseValidationError(f"not a RunPod job status: {problem}", job_id=job_id) from None
