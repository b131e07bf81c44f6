"""The error tree is complete: every code has one error type, and the mapping is in one place."""

from __future__ import annotations

import json

import pytest

from schemas.errors import ErrorCode
from worker import errors
from worker.errors import ServiceError, error_code, job_error_message
from worker.intake import checked_size, parse_request


def _all_subclasses(cls: type[ServiceError]) -> list[type[ServiceError]]:
    found: list[type[ServiceError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def test_every_code_but_internal_has_exactly_one_error_type() -> None:
    types = _all_subclasses(ServiceError)
    codes = [t.code for t in types]
    assert len(codes) == len(set(codes)), "two error types share a code"
    assert set(codes) | {ErrorCode.INTERNAL} == set(ErrorCode)


def test_every_error_type_is_documented_in_the_tree() -> None:
    assert errors.__doc__ is not None
    for error_type in _all_subclasses(ServiceError):
        assert error_type.__name__ in errors.__doc__
        assert error_type.code.value in errors.__doc__


@pytest.mark.parametrize("error_type", _all_subclasses(ServiceError))
def test_message_starts_with_the_code(error_type: type[ServiceError]) -> None:
    error = errors.InputTooLong(10, 20, 25) if error_type is errors.InputTooLong else error_type("detail")
    assert job_error_message(error).startswith(f"{error_type.code.value}: ")
    assert error_code(error) is error_type.code


def test_unexpected_exceptions_are_internal_and_do_not_leak_their_text() -> None:
    message = job_error_message(KeyError("secret document text"))
    assert message == "internal: unexpected KeyError"


def _nested(depth: int) -> object:
    node: object = []
    for _ in range(depth):
        node = [node]
    return node


@pytest.mark.parametrize(
    ("raw", "expected", "mentions"),
    [
        ({"task": "summarise"}, errors.UnknownTask, "summarise"),
        ({"prompt": ""}, errors.InvalidInput, "prompt"),
        ({"prompt": "x", "temperature": 3}, errors.InvalidInput, "temperature"),
        ({"prompt": "x", "extra": 1}, errors.InvalidInput, "extra"),
        ([1, 2], errors.InvalidInput, "input"),
        ({"prompt": "x" * 5000}, errors.PayloadTooLarge, "4096"),
        ({}, errors.InvalidInput, "a job needs a `task`"),
        ({"max_tokens": 5}, errors.InvalidInput, "or a `prompt` for the raw call"),
        ({"prompt": "a\ud800b"}, errors.InvalidInput, "prompt: not valid Unicode text"),
        ({"task": "merge", "passes": [{"source": "\udfff"}]}, errors.InvalidInput, "passes[0].source"),
        ({"prompt": "x", "extra": _nested(100)}, errors.InvalidInput, "deeper than 32 levels"),
    ],
)
def test_parse_request_maps_to_coded_errors(raw: object, expected: type[ServiceError], mentions: str) -> None:
    with pytest.raises(expected) as caught:
        parse_request(raw, max_bytes=4096)
    assert type(caught.value) is expected
    assert mentions in str(caught.value)


def test_original_call_without_task_is_generate() -> None:
    request = parse_request({"prompt": "What is 2+2?", "max_tokens": 100, "temperature": 0.1}, max_bytes=4096)
    assert request.task == "generate"
    assert (request.max_tokens, request.temperature) == (100, 0.1)


def test_nesting_beyond_the_recursion_limit_is_invalid_input_not_a_crash() -> None:
    with pytest.raises(errors.InvalidInput, match="deeper than"):
        parse_request({"task": "analyze", "document": _nested(100_000)}, max_bytes=10**9)


def test_validation_messages_name_the_path_but_never_quote_document_text() -> None:
    page = {"index": 0, "width": 100, "height": 100, "words": []}
    fields = [{"name": "CANARY-name", "value": "CANARY-value"}] * 2
    with pytest.raises(errors.InvalidInput) as caught:
        parse_request({"task": "analyze", "document": {"pages": [page], "fields": fields}}, max_bytes=4096)
    assert "document.fields[1].name" in str(caught.value)
    assert "CANARY" not in str(caught.value)


@pytest.mark.parametrize(
    "raw",
    [
        {"prompt": "x"},
        {"task": "merge", "passes": [{"source": "é", "fields": [{"name": "n", "value": None}]}], "use_llm": False},
        {"a": [1, 2.5, True, None, {"b": []}], "c": "ünïcode ✓", "d": {}},
    ],
)
def test_the_measured_size_is_the_compact_json_size(raw: dict[str, object]) -> None:
    compact = json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode()
    assert checked_size(raw) == len(compact)


def test_a_huge_integer_is_measured_not_a_crash() -> None:
    with pytest.raises(errors.InvalidInput, match="max_tokens"):
        parse_request({"prompt": "x", "max_tokens": 10**5000}, max_bytes=10**6)
    with pytest.raises(errors.PayloadTooLarge):
        parse_request({"prompt": "x", "max_tokens": 10**5000}, max_bytes=4096)
