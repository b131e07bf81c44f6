"""A job's input, from RunPod's JSON to the task's request model; every problem is a coded error.

Before Pydantic sees the input, one iterative walk checks what would otherwise surface as a crash
deep inside a library: nesting too deep for recursive code (json, Pydantic), text that is not
valid Unicode (a lone UTF-16 surrogate, which cannot be encoded), and the size limit, measured on
the way. Messages
name the path and the limit, never the text itself.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import ValidationError

from schemas.errors import describe_validation_error, json_path
from schemas.requests import TaskName
from schemas.tasks import MissingTask, parse_job_input

from .errors import InvalidInput, PayloadTooLarge, UnknownTask

MAX_NESTING = 32
"""The deepest a valid request nests is 7 (document.pages[i].words[j].bbox[k]); 32 leaves room."""
_UNKNOWN_TASK_ERRORS = ("union_tag_invalid", "union_tag_not_found")


def parse_request(raw: Any, max_bytes: int) -> Any:
    """Validate a job's input into its task's request model. CPU-bound on a large input: the
    handler calls it in a thread."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"input: expected a JSON object, got {type(raw).__name__}")
    size = checked_size(raw)
    if size > max_bytes:
        raise PayloadTooLarge(f"input is {size} bytes; the limit is {max_bytes} bytes")
    try:
        return parse_job_input(raw)
    except MissingTask as exc:
        raise InvalidInput(f"task: {exc}") from None
    except ValidationError as exc:
        if any(e["type"] in _UNKNOWN_TASK_ERRORS for e in exc.errors()):
            raise UnknownTask(f"task: {_short(raw.get('task'))} is not one of {', '.join(TaskName)}") from None
        raise InvalidInput(describe_validation_error(exc)) from None


def checked_size(raw: Any) -> int:
    """The input's size as compact JSON, in UTF-8 bytes (string escapes not counted), measured by
    the same walk that checks depth and Unicode: no recursion, and no second pass over 10 MB."""
    size = 0
    stack: list[tuple[Any, tuple[int | str, ...]]] = [(raw, ())]
    while stack:
        node, path = stack.pop()
        if len(path) > MAX_NESTING:
            raise InvalidInput(f"{json_path(path)}: the input nests deeper than {MAX_NESTING} levels")
        if isinstance(node, str):
            size += _text_size(node, path) + 2
        elif isinstance(node, dict):
            size += 2 + max(2 * len(node) - 1, 0)  # braces, a colon per key, commas between
            for key, value in node.items():
                size += _text_size(str(key), path) + 2
                stack.append((value, (*path, str(key))))
        elif isinstance(node, list):
            size += 2 + max(len(node) - 1, 0)
            stack.extend((item, (*path, i)) for i, item in enumerate(node))
        elif isinstance(node, int) and not isinstance(node, bool) and node.bit_length() > 64:
            # str() refuses ints over 4,300 digits; the digit count follows from the bit length
            size += int(node.bit_length() * math.log10(2)) + 2
        else:
            size += len(json.dumps(node))
    return size


def _text_size(text: str, path: tuple[int | str, ...]) -> int:
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"{json_path(path)}: not valid Unicode text (a lone surrogate U+{ord(text[exc.start]):04X} "
            f"at character {exc.start})"
        ) from None


def _short(value: Any, limit: int = 40) -> str:
    """A task name as given, quoted and cut: it is a name, not document text, but unbounded."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"
