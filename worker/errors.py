"""The worker's one error tree, and the one place that maps errors to stable codes.

    ServiceError
    ├── InvalidInput          invalid_input      (request did not validate; names the path)
    │   └── UnknownTask       unknown_task
    ├── PayloadTooLarge       payload_too_large
    ├── InputTooLong          input_too_long     (prompt + answer bound > context)
    ├── EngineUnavailable     engine_unavailable (engine dead, unreachable or hung)
    ├── GenerationIncomplete  generation_incomplete (finish_reason == "length")
    ├── InvalidOutput         invalid_output     (answer failed validation or grounding)
    ├── JobTimeout            timeout
    └── JobCancelled          cancelled

Anything else is a bug and maps to `internal`. A job's error message is `"<code>: <message>"`;
messages name fields and limits, never document text.
"""

from __future__ import annotations

from schemas.errors import ErrorCode


class ServiceError(Exception):
    """Base of every error a job can end with; `code` is the stable, documented code."""

    code: ErrorCode = ErrorCode.INTERNAL
    refresh_worker = False
    """True when the worker itself is broken and RunPod should replace it."""


class InvalidInput(ServiceError):
    code = ErrorCode.INVALID_INPUT


class UnknownTask(InvalidInput):
    code = ErrorCode.UNKNOWN_TASK


class PayloadTooLarge(ServiceError):
    code = ErrorCode.PAYLOAD_TOO_LARGE


class InputTooLong(ServiceError):
    code = ErrorCode.INPUT_TOO_LONG

    def __init__(self, prompt_tokens: int | None, reserved_tokens: int | None, context: int) -> None:
        """A count the engine did not report is None, and the message leaves it out."""
        if prompt_tokens is None:
            need = "the prompt and the room for the answer exceed"
        elif reserved_tokens is None:
            need = f"the prompt is {prompt_tokens} tokens; with room for the answer it exceeds"
        else:
            need = f"the prompt is {prompt_tokens} tokens and the answer may need {reserved_tokens}; together they"
            need += " exceed"
        super().__init__(f"{need} the model's context of {context} tokens")
        self.prompt_tokens = prompt_tokens
        self.reserved_tokens = reserved_tokens
        self.context = context


class EngineUnavailable(ServiceError):
    code = ErrorCode.ENGINE_UNAVAILABLE
    refresh_worker = True

    def __init__(self, message: str, *, refresh_worker: bool = True) -> None:
        """`refresh_worker=False`: the engine failed one request but is healthy, so the worker stays."""
        super().__init__(message)
        self.refresh_worker = refresh_worker


class GenerationIncomplete(ServiceError):
    code = ErrorCode.GENERATION_INCOMPLETE


class InvalidOutput(ServiceError):
    code = ErrorCode.INVALID_OUTPUT


class JobTimeout(ServiceError):
    code = ErrorCode.TIMEOUT

    @classmethod
    def after(cls, limit_s: float) -> JobTimeout:
        return cls(f"the job ran longer than JOB_TIMEOUT_S={limit_s:g} s")


class JobCancelled(ServiceError):
    code = ErrorCode.CANCELLED


def error_code(error: BaseException) -> ErrorCode:
    """The stable code of any exception a job may raise (unknown ones are `internal`)."""
    if isinstance(error, ServiceError):
        return error.code
    return ErrorCode.INTERNAL


def job_error_message(error: BaseException) -> str:
    """The text RunPod reports for a failed job: `"<code>: <message>"`."""
    code = error_code(error)
    detail = str(error) if isinstance(error, ServiceError) else f"unexpected {type(error).__name__}"
    return f"{code.value}: {detail}"
