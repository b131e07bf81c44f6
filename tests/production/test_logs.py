"""The worker's log lines: JSON objects made by python-json-logger, the SDK never at DEBUG without
LOG_PAYLOADS, and exception messages (which quote input) withheld. No engine needed."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

import pytest

from worker.config import Settings
from worker.logs import json_formatter, redacted_traceback, sdk_log_level

SECRET = "Quillfeather"


def _line(settings: Settings, message: str, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter(settings))
    logger = logging.getLogger(f"test.logs.{id(stream)}")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        raise KeyError(SECRET) from ValueError(f"value {SECRET!r} is bad")
    except KeyError:
        logger.exception(message, extra=extra)
    return stream.getvalue()


def test_a_line_is_one_json_object_and_exceptions_keep_only_their_types() -> None:
    text = _line(Settings(), "job", event="job", id="job-1", outcome="error")
    assert text.count("\n") == 1 and text.startswith("{")
    record = json.loads(text)
    assert {k: record[k] for k in ("level", "logger", "message", "id", "outcome")} == {
        "level": "ERROR",
        "logger": record["logger"],
        "message": "job",
        "id": "job-1",
        "outcome": "error",
    }
    assert "builtins.KeyError" in record["exc_info"] and "builtins.ValueError" in record["exc_info"]
    assert SECRET not in text


def test_log_payloads_shows_exception_messages() -> None:
    assert SECRET in _line(Settings(log_payloads=True), "job")


@pytest.mark.parametrize(
    ("level", "payloads", "expected"),
    [("DEBUG", False, "INFO"), ("DEBUG", True, "DEBUG"), ("INFO", False, "INFO"), ("WARNING", False, "WARN")],
)
def test_the_sdk_logs_outputs_only_with_log_payloads(level: str, payloads: bool, expected: str) -> None:
    assert sdk_log_level(Settings(log_level=level, log_payloads=payloads)) == expected


def test_the_sdk_level_is_set_before_it_loads() -> None:
    """RUNPOD_LOG_LEVEL=DEBUG from the environment does not survive `setup_logging` without LOG_PAYLOADS."""
    code = (
        "from worker.config import Settings; from worker.logs import setup_logging; setup_logging(Settings()); "
        "from runpod.serverless.modules.rp_logger import RunPodLogger; print(RunPodLogger().level)"
    )
    env = {"RUNPOD_LOG_LEVEL": "DEBUG", "RUNPOD_DEBUG_LEVEL": "DEBUG", "LOG_LEVEL": "DEBUG", "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "INFO"


def test_a_redacted_traceback_names_frames_and_types() -> None:
    try:
        {}[SECRET]
    except KeyError as exc:
        text = redacted_traceback(exc)
    assert "test_logs.py" in text and text.endswith("builtins.KeyError: (message withheld, LOG_PAYLOADS=0)")
    assert SECRET not in text
