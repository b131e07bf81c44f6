"""The worker's logging: one JSON object per line, no document text, and the runpod SDK kept quiet.

Every line our loggers write is a JSON object made by python-json-logger's formatter; the job line
is `{"level": "INFO", "logger": "worker.jobs", "message": "job", "id": …, "outcome": …}`.

Privacy: document text reaches a log only with LOG_PAYLOADS=1. Two things would leak it otherwise:
- the runpod SDK logs every job's output at DEBUG, and DEBUG is its default. Its level is read
  from RUNPOD_LOG_LEVEL when runpod is imported, so `configure_sdk_logging` sets it first, and
  never below INFO unless payloads are allowed;
- exception messages quote input (pydantic's, a KeyError's key). Without LOG_PAYLOADS a logged
  exception keeps its frames and types and drops its messages.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from .config import Settings

# the SDK's level names (runpod.serverless.modules.rp_logger.LOG_LEVELS), by Python level
_SDK_LEVELS = {
    "DEBUG": "DEBUG",
    "INFO": "INFO",
    "WARNING": "WARN",
    "WARN": "WARN",
    "ERROR": "ERROR",
    "CRITICAL": "ERROR",
}
_QUIET_LIBRARIES = ("httpx", "httpcore", "openai")
"""They log every HTTP request to the engine at INFO/DEBUG: noise, and URLs only."""

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


def python_level(settings: Settings) -> int:
    level = logging.getLevelName(settings.log_level.upper())
    if not isinstance(level, int):
        raise ValueError(f"LOG_LEVEL={settings.log_level!r} is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
    return level


def sdk_log_level(settings: Settings) -> str:
    """The runpod SDK's level: ours, but never DEBUG (where it logs outputs) without LOG_PAYLOADS."""
    level = _SDK_LEVELS.get(settings.log_level.upper(), "INFO")
    if level == "DEBUG" and not settings.log_payloads:
        return "INFO"
    return level


def redacted_traceback(error: BaseException) -> str:
    """The traceback of `error` and of its causes, with every exception message left out."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    parts: list[str] = []
    for exc in reversed(chain):
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(exc.__traceback__))
        parts.append(f"{type(exc).__module__}.{type(exc).__qualname__}: (message withheld, LOG_PAYLOADS=0)\n")
    return "".join(parts).rstrip("\n")


class PrivateJsonFormatter(JsonFormatter):
    """python-json-logger's formatter; exceptions lose their messages unless payloads may be logged."""

    def __init__(self, *, log_payloads: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log_payloads = log_payloads

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 - logging.Formatter names it so
        if self.log_payloads or ei[1] is None:
            return str(super().formatException(ei))
        return redacted_traceback(ei[1])


def json_formatter(settings: Settings) -> PrivateJsonFormatter:
    return PrivateJsonFormatter(
        log_payloads=settings.log_payloads,
        fmt="%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",
        json_ensure_ascii=False,
    )


def setup_logging(settings: Settings) -> None:
    """JSON lines on stdout for every logger, at LOG_LEVEL; the SDK's level set before it loads."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter(settings))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(python_level(settings))
    for name in _QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    configure_sdk_logging(settings)


def configure_sdk_logging(settings: Settings) -> None:
    """Set the runpod SDK's level; call before `import runpod` (it reads the level at import)."""
    level = sdk_log_level(settings)
    os.environ["RUNPOD_LOG_LEVEL"] = level  # its child processes (the heartbeat) read it too
    os.environ.pop("RUNPOD_DEBUG_LEVEL", None)
    if "runpod" in sys.modules:  # imported already: the class attribute was read from the old value
        from runpod.serverless.modules.rp_logger import RunPodLogger

        RunPodLogger().level = level
