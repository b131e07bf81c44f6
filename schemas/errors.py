"""Stable error codes of the service and the one way validation errors are put into words.

The worker maps its exceptions to these codes; the client parses them back. A failed job's
message always starts with `<code>: `.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


class ErrorCode(StrEnum):
    INVALID_INPUT = "invalid_input"
    """The job input does not match the request schema (the message names the path)."""
    INPUT_TOO_LONG = "input_too_long"
    """The prompt plus the answer's bound does not fit the model's context."""
    PAYLOAD_TOO_LARGE = "payload_too_large"
    """The job input is larger than the worker accepts."""
    UNKNOWN_TASK = "unknown_task"
    """`task` names no task this worker runs."""
    ENGINE_UNAVAILABLE = "engine_unavailable"
    """The inference engine is not running or stopped answering."""
    GENERATION_INCOMPLETE = "generation_incomplete"
    """The model stopped at max_tokens before the answer was complete."""
    INVALID_OUTPUT = "invalid_output"
    """The model's answer failed validation or cited something not in the request."""
    TIMEOUT = "timeout"
    """The job ran past its deadline."""
    CANCELLED = "cancelled"
    """The job was cancelled."""
    INTERNAL = "internal"
    """A bug: anything else. The message says what, never the document."""


def json_path(loc: tuple[int | str, ...]) -> str:
    """`("document", "pages", 0, "words", 3, "bbox")` → `document.pages[0].words[3].bbox`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "input"


def describe_validation_error(error: ValidationError, *, limit: int = 5) -> str:
    """One line per problem, each naming its path; never echoes the offending input."""
    problems = [f"{json_path(tuple(e['loc']))}: {e['msg']}" for e in error.errors()[:limit]]
    more = error.error_count() - len(problems)
    if more > 0:
        problems.append(f"… and {more} more")
    return "; ".join(problems)


def located_error(title: str, kind: str, message: str, loc: tuple[int | str, ...], **ctx: Any) -> ValidationError:
    """A validation error at a path below the model that raises it (for cross-field rules)."""
    detail = InitErrorDetails(type=PydanticCustomError(kind, message, ctx or None), loc=loc, input=None)
    return ValidationError.from_exception_data(title, [detail])
