"""`python -m worker.client TASK FILE.json`: run one job, print its typed result as JSON.

Exit status: 0 success, 1 the job failed (`JobFailedError`), 2 usage (arguments, input file,
request validation, configuration), 3 transport (connection, HTTP error, lost answer),
4 the answer did not validate, 5 the deadline passed. Errors go to stderr as `error: <code>: …`,
where `<code>` is the service's `ErrorCode` for a failed job.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from schemas.requests import TaskName

from .clients import DEFAULT_DEADLINE_S, DEFAULT_TIMEOUT_S, Client
from .errors import (
    ClientError,
    ConfigurationError,
    DeadlineExceededError,
    JobFailedError,
    RequestValidationError,
    ResponseValidationError,
    TransportError,
)

EXIT_SERVICE = 1
EXIT_USAGE = 2
EXIT_TRANSPORT = 3
EXIT_INVALID_RESPONSE = 4
EXIT_DEADLINE = 5

_EXITS: list[tuple[type[ClientError], int, str]] = [
    (ConfigurationError, EXIT_USAGE, "usage"),
    (RequestValidationError, EXIT_USAGE, "invalid_input"),
    (TransportError, EXIT_TRANSPORT, "transport"),
    (ResponseValidationError, EXIT_INVALID_RESPONSE, "invalid_response"),
    (DeadlineExceededError, EXIT_DEADLINE, "deadline_exceeded"),
]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qwen-llm-client",
        description="Run one job on the LLM worker and print its typed result as JSON.",
        epilog="The endpoint and key default to RUNPOD_LLM_ENDPOINT_URL and RUNPOD_LLM_API_KEY.",
    )
    parser.add_argument("task", choices=[t.value for t in TaskName], help="the task to run")
    parser.add_argument("file", type=Path, help="the job input as a JSON object ('-' reads stdin)")
    parser.add_argument("--endpoint-url", help="runsync URL, or the endpoint URL without /runsync")
    parser.add_argument("--api-key", help="RunPod API key (prefer the environment variable)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=DEFAULT_DEADLINE_S, help="seconds in all")
    return parser


def _read_input(parser: argparse.ArgumentParser, file: Path) -> Any:
    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
        return json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        parser.error(f"cannot read a JSON object from {file}: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    payload = _read_input(parser, args.file)
    try:
        with Client(args.endpoint_url, args.api_key, timeout=args.timeout, deadline=args.deadline) as client:
            result = client.run(args.task, payload)
    except JobFailedError as exc:
        return _report(str(exc.code), exc.message, exc.job_id, EXIT_SERVICE)
    except ClientError as exc:
        found = ((code, name) for kind, code, name in _EXITS if isinstance(exc, kind))
        exit_code, label = next(found, (EXIT_TRANSPORT, "error"))
        return _report(label, exc.message, exc.job_id, exit_code)
    print(result.model_dump_json(indent=2))
    return 0


def _report(code: str, message: str, job_id: str | None, exit_code: int) -> int:
    job = f" (job {job_id})" if job_id else ""
    print(f"error: {code}: {message}{job}", file=sys.stderr)
    return exit_code
