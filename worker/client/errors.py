"""Every exception the client raises, and how a failed job's error is read back.

ClientError                      base: catch this to catch everything below
├── ConfigurationError           no or malformed endpoint URL (also a ValueError)
├── RequestValidationError       the request fails its model, checked before sending (ValueError)
├── TransportError               no usable answer from the endpoint after the allowed retries
│   ├── HTTPStatusError          the endpoint answered 4xx/5xx (`.status_code`)
│   └── OutcomeUnknownError      the request went out, the answer was lost, and re-sending a
│                                job that is not idempotent could run it twice: not re-sent
├── JobFailedError               the job ran and failed, was cancelled or timed out on the
│                                service (`.code`: an `ErrorCode`, or a str from a newer worker)
├── ResponseValidationError      the answer does not follow RunPod's protocol or the result model
└── DeadlineExceededError        the caller's deadline passed first (also a TimeoutError)
"""

from __future__ import annotations

import json
import re
from typing import Any

from schemas.errors import ErrorCode

_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class ClientError(Exception):
    """Base of every error the client raises; `.job_id` is set once the service assigned one."""

    def __init__(self, message: str, *, job_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.job_id = job_id


class ConfigurationError(ClientError, ValueError):
    """The client cannot be built: no endpoint URL, or one that is not http(s)."""


class RequestValidationError(ClientError, ValueError):
    """The request does not match its model; `.message` names each bad path. Nothing was sent."""


class TransportError(ClientError):
    """Connection failures, timeouts of a single request, and HTTP errors, after retries."""


class HTTPStatusError(TransportError):
    """The endpoint answered with an HTTP error status (401 bad key, 404 wrong URL, 5xx...)."""

    def __init__(self, message: str, *, status_code: int, job_id: str | None = None) -> None:
        super().__init__(message, job_id=job_id)
        self.status_code = status_code


class OutcomeUnknownError(TransportError):
    """The submission was sent but its answer was lost; the job may have run, and was not re-sent."""


class JobFailedError(ClientError):
    """The job failed on the service. `.code` is an `ErrorCode` (or a str unknown to this client)."""

    def __init__(self, code: ErrorCode | str, message: str, *, job_id: str | None = None) -> None:
        super().__init__(f"{code}: {message}", job_id=job_id)
        self.code = code
        self.message = message


class ResponseValidationError(ClientError):
    """The answer is not what the protocol or the task's result model promise (never returned raw)."""


class DeadlineExceededError(ClientError, TimeoutError):
    """The caller's deadline passed before the job finished; the job may still be running."""


def to_code(raw: str) -> ErrorCode | str:
    """An `ErrorCode` when this client knows the code, else the code as sent."""
    try:
        return ErrorCode(raw)
    except ValueError:
        return raw


def parse_failure(error: Any) -> tuple[ErrorCode | str, str]:
    """Code and message of a failed job's `error`.

    Accepts the worker's `"<code>: <message>"`, RunPod's JSON string (or object) of a captured
    handler exception (`{"error_message": ...}`), or an object with `code` and `message`. An error
    without a recognisable code (RunPod's own failures) is reported as `internal`; no error as ''.
    """
    if isinstance(error, str):
        try:
            decoded = json.loads(error)
        except ValueError:
            decoded = None
        if isinstance(decoded, dict):
            error = decoded
    if isinstance(error, dict):
        if isinstance(error.get("code"), str) and _CODE.match(error["code"]):
            return to_code(error["code"]), str(error.get("message", ""))
        text = error.get("error_message", error.get("message"))
        error = text if isinstance(text, str) else json.dumps(error)
    text = "" if error is None else str(error)
    code, sep, message = text.partition(": ")
    if sep and _CODE.match(code):
        return to_code(code), message
    return ErrorCode.INTERNAL, text
