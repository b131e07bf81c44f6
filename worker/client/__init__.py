"""Typed client for the worker, over RunPod's runsync/status protocol (httpx only).

    from worker.client import Client

    with Client() as client:  # RUNPOD_LLM_ENDPOINT_URL, RUNPOD_LLM_API_KEY
        result = client.analyze({"document": {...}, "expected_fields": [...]})
        result.result.issues

`Client` blocks, `AsyncClient` awaits; both have `generate`, `analyze`, `locate`, `merge` (and
`run(task, request)`), take the request model or a dict, and return the result model. Errors are
in `worker.client.errors`: catch `ClientError` for all of them. This package imports only pydantic,
pydantic-settings and httpx, so the base install (no extras) is enough.
"""

from .cli import main
from .clients import AsyncClient, Client
from .errors import (
    ClientError,
    ConfigurationError,
    DeadlineExceededError,
    HTTPStatusError,
    JobFailedError,
    OutcomeUnknownError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)

__all__ = [
    "AsyncClient",
    "Client",
    "ClientError",
    "ConfigurationError",
    "DeadlineExceededError",
    "HTTPStatusError",
    "JobFailedError",
    "OutcomeUnknownError",
    "RequestValidationError",
    "ResponseValidationError",
    "TransportError",
    "main",
]
