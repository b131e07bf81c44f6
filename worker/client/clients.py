"""`Client` and `AsyncClient`: one method per task, each returning that task's typed result."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from schemas.errors import describe_validation_error
from schemas.requests import AnalyzeRequest, GenerateRequest, LocateRequest, MergeRequest, TaskName
from schemas.results import AnalyzeResponse, GenerateResult, LocateResponse, MergeResponse
from schemas.tasks import SPECS

from ..config import ClientSettings
from .errors import ConfigurationError, RequestValidationError, ResponseValidationError
from .protocol import (
    Flow,
    JobStatus,
    Outcome,
    Policy,
    Send,
    completed_output,
    is_idempotent,
    job_flow,
    split_endpoint,
)

DEFAULT_TIMEOUT_S = 120.0
"""One HTTP request; above RunPod's runsync wait (90 s), after which it answers IN_PROGRESS."""
DEFAULT_POLL_INTERVAL_S = 1.0
DEFAULT_MAX_RETRIES = 3
DEFAULT_DEADLINE_S = 600.0
"""The whole call: submission, polls and retries."""
DEFAULT_BACKOFF_S = 0.5

R = TypeVar("R", bound=BaseModel)


class _BaseClient:
    def __init__(
        self,
        endpoint_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT_S,
        poll_interval: float = DEFAULT_POLL_INTERVAL_S,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline: float = DEFAULT_DEADLINE_S,
        backoff: float = DEFAULT_BACKOFF_S,
        settings: ClientSettings | None = None,
    ) -> None:
        """Arguments left out come from `ClientSettings` (RUNPOD_LLM_ENDPOINT_URL, RUNPOD_LLM_API_KEY).

        `endpoint_url` is the runsync URL (`https://api.runpod.ai/v2/<id>/runsync`,
        `http://127.0.0.1:8000/runsync`) or the same without `/runsync`. Times are in seconds:
        `timeout` bounds one HTTP request, `deadline` a whole call.
        """
        if endpoint_url is None or api_key is None:
            endpoint_url, api_key = _from_settings(endpoint_url, api_key, settings)
        if min(timeout, poll_interval, deadline) <= 0 or max_retries < 0 or backoff < 0:
            raise ConfigurationError("times must be positive, max_retries and backoff not negative")
        runsync_url, base_url = split_endpoint(_checked_url(endpoint_url))
        self.policy = Policy(runsync_url, base_url, timeout, poll_interval, max_retries, deadline, backoff)
        self.headers = {"Accept": "application/json", "User-Agent": "qwen-llm-service-client"}
        if api_key:
            self.headers["Authorization"] = f"Bearer {api_key}"
        self._open()

    def _open(self) -> None:
        raise NotImplementedError

    def _flow(self, task: TaskName, request: BaseModel | Mapping[str, Any]) -> Flow:
        model = validate_request(task, request)
        payload = {**model.model_dump(mode="json", exclude_unset=True), "task": task.value}
        return job_flow(self.policy, payload, idempotent=is_idempotent(model))


class Client(_BaseClient):
    """Blocking client. Use as a context manager, or call `close()`."""

    _http: httpx.Client

    def _open(self) -> None:
        self._http = httpx.Client(headers=self.headers)

    def generate(self, request: GenerateRequest | Mapping[str, Any]) -> GenerateResult:
        return self._call(TaskName.GENERATE, request, GenerateResult)

    def analyze(self, request: AnalyzeRequest | Mapping[str, Any]) -> AnalyzeResponse:
        return self._call(TaskName.ANALYZE, request, AnalyzeResponse)

    def locate(self, request: LocateRequest | Mapping[str, Any]) -> LocateResponse:
        return self._call(TaskName.LOCATE, request, LocateResponse)

    def merge(self, request: MergeRequest | Mapping[str, Any]) -> MergeResponse:
        return self._call(TaskName.MERGE, request, MergeResponse)

    def run(self, task: TaskName | str, request: BaseModel | Mapping[str, Any]) -> BaseModel:
        """Any task by name; the result is the task's response model (`schemas.tasks.SPECS`)."""
        name = task_name(task)
        return self._call(name, request, SPECS[name].response)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, task: TaskName, request: BaseModel | Mapping[str, Any], result: type[R]) -> R:
        flow = self._flow(task, request)
        outcome: Outcome = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return parse_result(task, done.value, result)
            if isinstance(step, Send):
                outcome = _send_sync(self._http, step)
            else:
                time.sleep(step.seconds)
                outcome = None


class AsyncClient(_BaseClient):
    """asyncio client. Use as an async context manager, or await `aclose()`."""

    _http: httpx.AsyncClient

    def _open(self) -> None:
        self._http = httpx.AsyncClient(headers=self.headers)

    async def generate(self, request: GenerateRequest | Mapping[str, Any]) -> GenerateResult:
        return await self._call(TaskName.GENERATE, request, GenerateResult)

    async def analyze(self, request: AnalyzeRequest | Mapping[str, Any]) -> AnalyzeResponse:
        return await self._call(TaskName.ANALYZE, request, AnalyzeResponse)

    async def locate(self, request: LocateRequest | Mapping[str, Any]) -> LocateResponse:
        return await self._call(TaskName.LOCATE, request, LocateResponse)

    async def merge(self, request: MergeRequest | Mapping[str, Any]) -> MergeResponse:
        return await self._call(TaskName.MERGE, request, MergeResponse)

    async def run(self, task: TaskName | str, request: BaseModel | Mapping[str, Any]) -> BaseModel:
        """Any task by name; the result is the task's response model (`schemas.tasks.SPECS`)."""
        name = task_name(task)
        return await self._call(name, request, SPECS[name].response)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _call(self, task: TaskName, request: BaseModel | Mapping[str, Any], result: type[R]) -> R:
        flow = self._flow(task, request)
        outcome: Outcome = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return parse_result(task, done.value, result)
            if isinstance(step, Send):
                outcome = await _send_async(self._http, step)
            else:
                await asyncio.sleep(step.seconds)
                outcome = None


def task_name(task: TaskName | str) -> TaskName:
    try:
        return TaskName(task)
    except ValueError:
        raise RequestValidationError(f"unknown task {task!r}; one of {', '.join(TaskName)}") from None


def validate_request(task: TaskName, request: BaseModel | Mapping[str, Any]) -> BaseModel:
    """The task's request model for `request`; `RequestValidationError` naming each bad path."""
    model = SPECS[task].request
    if isinstance(request, model):
        return request
    if not isinstance(request, Mapping):
        kind = type(request).__name__
        raise RequestValidationError(f"{task} takes a {model.__name__} or a dict, not {kind}")
    try:
        return model.model_validate(dict(request))
    except ValidationError as exc:
        raise RequestValidationError(f"invalid {task} request: {describe_validation_error(exc)}") from None


def parse_result(task: TaskName, job: JobStatus, result: type[R]) -> R:
    """The typed output of a finished job; raises for a failed job or an output that does not fit."""
    output = completed_output(job)
    try:
        return result.model_validate(output)
    except ValidationError as exc:
        problem = describe_validation_error(exc)
        raise ResponseValidationError(
            f"the {task} output does not match {result.__name__}: {problem}", job_id=job.id
        ) from None


def _send_sync(http: httpx.Client, step: Send) -> httpx.Response | httpx.TransportError:
    try:
        return http.request(step.method, step.url, json=step.body, timeout=_timeout(step.timeout))
    except httpx.TransportError as exc:
        return exc


async def _send_async(http: httpx.AsyncClient, step: Send) -> httpx.Response | httpx.TransportError:
    try:
        return await http.request(step.method, step.url, json=step.body, timeout=_timeout(step.timeout))
    except httpx.TransportError as exc:
        return exc


def _timeout(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, 10.0))


def _from_settings(
    endpoint_url: str | None, api_key: str | None, settings: ClientSettings | None
) -> tuple[str, str | None]:
    if settings is None:
        try:
            settings = ClientSettings()
        except ValidationError as exc:
            raise ConfigurationError(f"RUNPOD_LLM_*: {describe_validation_error(exc)}") from None
    if endpoint_url is None and settings.endpoint_url is not None:
        endpoint_url = str(settings.endpoint_url)
    if api_key is None and settings.api_key is not None:
        api_key = settings.api_key.get_secret_value()
    if endpoint_url is None:
        raise ConfigurationError("no endpoint URL: pass endpoint_url or set RUNPOD_LLM_ENDPOINT_URL")
    return endpoint_url, api_key


def _checked_url(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ConfigurationError(f"invalid endpoint URL {url!r}: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(f"the endpoint URL must be http(s)://host/…, not {url!r}")
    return url
