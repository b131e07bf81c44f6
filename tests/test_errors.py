"""The error tree is complete: every code has one error type, and the mapping is in one place."""

from __future__ import annotations

import pytest

from schemas.errors import ErrorCode
from worker import errors
from worker.errors import ServiceError, error_code, job_error_message
from worker.handler import parse_request


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


@pytest.mark.parametrize(
    ("raw", "expected", "mentions"),
    [
        ({"task": "summarise"}, errors.UnknownTask, "summarise"),
        ({"prompt": ""}, errors.InvalidInput, "prompt"),
        ({"prompt": "x", "temperature": 3}, errors.InvalidInput, "temperature"),
        ({"prompt": "x", "extra": 1}, errors.InvalidInput, "extra"),
        ([1, 2], errors.InvalidInput, "input"),
        ({"prompt": "x" * 5000}, errors.PayloadTooLarge, "4096"),
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
