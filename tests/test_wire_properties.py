"""Properties of the wire schemas: the exported JSON Schemas and the Pydantic models agree.

1. Every instance hypothesis-jsonschema draws from an exported request/result schema validates in
   Pydantic, or fails ONLY with a cross-field error (rules JSON Schema cannot express):
   `CROSS_FIELD_TYPES`, or `value_error` at a `bbox` (the x0 ≤ x1, y0 ≤ y1 rule).
2. Every consistent instance built on the Pydantic side (see the strategies below) validates
   against the exported schema and round-trips through JSON unchanged.
3. A valid request, mutated (a wrong type, a number out of range, a required key removed, a list
   past maxItems, an unknown key), always raises pydantic.ValidationError, located at the mutation,
   and describe_validation_error names that path.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from pydantic import BaseModel, ValidationError

from schemas.errors import describe_validation_error, json_path
from schemas.export import JOB_INPUT, REQUEST_MODELS, RESULT_MODELS
from schemas.requests import GenerateRequest
from schemas.tasks import parse_job_input
from tests.wire_strategies import REQUESTS, RESULTS, drawable

GENERATED = Path(__file__).resolve().parents[1] / "schemas" / "generated"
CROSS_FIELD_TYPES = {
    "bbox_outside_page",  # a word's box reaches past its page's width or height
    "duplicate_page",  # two pages with one index
    "duplicate_word_id",  # a word id used twice in a document
    "unknown_word_id",  # a field cites a word id the document lacks
    "duplicate_name",  # two fields / expected fields / targets with one name
    "duplicate_source",  # two merge passes with one source
}
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def exported(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((GENERATED / f"{name}.json").read_text())
    return schema


def is_cross_field(error: Any) -> bool:
    if error["type"] in CROSS_FIELD_TYPES:
        return True
    return error["type"] == "value_error" and error["loc"][-1] == "bbox"


def validate_wire(name: str, instance: Any) -> BaseModel:
    """Validate JSON text as the worker (requests) or a client (results) would."""
    if name == JOB_INPUT:
        return parse_job_input(json.loads(json.dumps(instance)))
    model = {**REQUEST_MODELS, **RESULT_MODELS}[name]
    return model.model_validate_json(json.dumps(instance, ensure_ascii=False))


# 1. JSON Schema side → Pydantic


@pytest.mark.parametrize("name", [*REQUEST_MODELS, JOB_INPUT, *RESULT_MODELS])
def test_drawn_instances_validate_or_break_only_cross_field_rules(name: str) -> None:
    @FAST
    @given(from_schema(drawable(exported(name))))
    def check(instance: Any) -> None:
        try:
            parsed = validate_wire(name, instance)
        except ValidationError as exc:
            errors = exc.errors()
            assert name not in RESULT_MODELS, errors  # results have no cross-field rules
            assert all(is_cross_field(e) for e in errors), errors
            return
        Draft202012Validator(exported(name)).validate(parsed.model_dump(mode="json"))

    check()


# 2. Pydantic side → JSON Schema, and the JSON round trip


@pytest.mark.parametrize("name", [*REQUESTS, *RESULTS])
def test_built_instances_match_schema_and_round_trip(name: str) -> None:
    validator = Draft202012Validator(exported(name))
    model = {**REQUEST_MODELS, **RESULT_MODELS}[name]

    @FAST
    @given({**REQUESTS, **RESULTS}[name])
    def check(instance: BaseModel) -> None:
        validator.validate(instance.model_dump(mode="json"))
        assert model.model_validate_json(instance.model_dump_json()) == instance
        if name in REQUESTS:
            Draft202012Validator(exported(JOB_INPUT)).validate(instance.model_dump(mode="json"))
            assert parse_job_input(json.loads(instance.model_dump_json())) == instance

    check()


# 3. Bad wire input


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def schema_at(schema: dict[str, Any], data: Any, path: tuple[Any, ...]) -> dict[str, Any]:
    """The (resolved) schema of the value at `path`; for `X | null` the branch the value took."""
    node = resolve(schema, schema)
    for key in path:
        data = data[key]
        if "anyOf" in node:
            node = resolve(schema, next(b for b in node["anyOf"] if b.get("type") != "null"))
        if isinstance(key, int):
            node = node["prefixItems"][key] if "prefixItems" in node else node["items"]
        else:
            node = node["properties"][key]
        node = resolve(schema, node)
    if "anyOf" in node and data is not None:
        node = resolve(schema, next(b for b in node["anyOf"] if b.get("type") != "null"))
    return node


def walk(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any]]:
    found = [(path, data)]
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else []
    for key, value in items:
        found += walk(value, (*path, key))
    return found


def put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = put(data[path[0]], path[1:], value)
    return copy


@st.composite
def mutations(draw: st.DrawFn, kind: str) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """(a request with one mutation of `kind`, the path mutated)."""
    name = draw(st.sampled_from(sorted(REQUESTS)))
    data = draw(REQUESTS[name]).model_dump(mode="json")
    schema = exported(name)
    nodes = walk(data)
    kinds = {
        # a null is left alone: `{}` is the other branch's type where a dict may be null (`formats`)
        "wrong_type": [(p, [] if isinstance(v, dict) else {}) for p, v in nodes if v is not None],
        "out_of_range": [(p, None) for p, v in nodes if type(v) in (int, float)],
        "missing_required": [
            (p, k) for p, v in nodes if isinstance(v, dict) for k in schema_at(schema, data, p).get("required", [])
        ],
        "too_long": [(p, schema_at(schema, data, p)["maxItems"]) for p, v in nodes if isinstance(v, list) and v],
        "unknown_key": [(p, None) for p, v in nodes if isinstance(v, dict)],
    }
    assume(kinds[kind])
    path, arg = draw(st.sampled_from(kinds[kind]))
    if kind == "wrong_type":
        return put(data, path, arg), path
    if kind == "out_of_range":
        return put(data, path, draw(st.sampled_from([-1, -0.5, 10**12, 1e300]))), path
    target = data
    for key in path:
        target = target[key]
    if kind == "missing_required":
        return put(data, path, {k: v for k, v in target.items() if k != arg}), (*path, arg)
    if kind == "too_long":
        return put(data, path, [target[0]] * (arg + 1)), path
    return put(data, path, {**target, "unexpected_key": 1}), (*path, "unexpected_key")


PATH_RE = re.compile(r"^(input|[A-Za-z_]\w*(\[\d+\]|\.[A-Za-z_]\w*)*): ")


MUTATIONS = ["wrong_type", "out_of_range", "missing_required", "too_long", "unknown_key"]


@pytest.mark.parametrize("kind", MUTATIONS)
def test_mutated_requests_raise_a_located_validation_error(kind: str) -> None:
    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutations(kind))
    def check(mutation: tuple[dict[str, Any], tuple[Any, ...]]) -> None:
        assert_located(*mutation)

    check()


def assert_located(data: dict[str, Any], path: tuple[Any, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_job_input(data)
    located = [tuple(e["loc"]) for e in caught.value.errors()]
    near = [loc for loc in located if loc == path[: len(loc)] or path == loc[: len(path)]]
    assert near, (path, located)
    text = describe_validation_error(caught.value)
    assert PATH_RE.match(text), text
    assert text.startswith(json_path(located[0]) + ": ")


# Explicit cross-field cases


def word(i: int, bbox: list[float]) -> dict[str, Any]:
    return {"id": f"w{i}", "text": "x", "bbox": bbox, "confidence": 0.9}


def page(index: int, words: list[dict[str, Any]]) -> dict[str, Any]:
    return {"index": index, "width": 100, "height": 50, "words": words}


def analyze(*pages: dict[str, Any], fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"task": "analyze", "document": {"pages": list(pages), "fields": fields or []}}


def only_error(raw: dict[str, Any]) -> tuple[dict[str, Any], str]:
    with pytest.raises(ValidationError) as caught:
        parse_job_input(raw)
    errors = caught.value.errors()
    assert len(errors) == 1, errors
    return dict(errors[0]), describe_validation_error(caught.value)


def test_word_box_outside_its_page_names_the_box() -> None:
    inside = [word(i, [0, 0, 10, 10]) for i in range(3)]
    error, text = only_error(analyze(page(0, [*inside, word(3, [90, 40, 101, 45])])))
    assert error["type"] == "bbox_outside_page"
    assert error["loc"] == ("document", "pages", 0, "words", 3, "bbox")
    assert text.startswith("document.pages[0].words[3].bbox: ")


def test_unordered_box_names_the_box() -> None:
    error, text = only_error(analyze(page(0, [word(0, [0, 0, 1, 1]), word(1, [9, 0, 1, 1])])))
    assert (error["type"], error["loc"]) == ("value_error", ("document", "pages", 0, "words", 1, "bbox"))
    assert text.startswith("document.pages[0].words[1].bbox: ")


def test_duplicate_word_id_names_the_second_use() -> None:
    error, text = only_error(analyze(page(0, [word(0, [0, 0, 1, 1])]), page(1, [word(0, [0, 0, 1, 1])])))
    assert (error["type"], error["loc"]) == ("duplicate_word_id", ("document", "pages", 1, "words", 0, "id"))
    assert text == "document.pages[1].words[0].id: this word id appears earlier in the document"


def test_field_citing_an_unknown_word_names_the_reference() -> None:
    fields = [{"name": "total", "word_ids": ["w0", "w9"]}]
    error, text = only_error(analyze(page(0, [word(0, [0, 0, 1, 1])]), fields=fields))
    assert (error["type"], error["loc"]) == ("unknown_word_id", ("document", "fields", 0, "word_ids", 1))
    assert text == "document.fields[0].word_ids[1]: this word id is not in the document"


def test_duplicate_page_and_names_are_located() -> None:
    error, _ = only_error(analyze(page(0, []), page(0, [])))
    assert (error["type"], error["loc"]) == ("duplicate_page", ("document", "pages", 1, "index"))
    raw = {**analyze(page(0, [])), "expected_fields": [{"name": "a"}, {"name": "a"}]}
    error, _ = only_error(raw)
    assert (error["type"], error["loc"]) == ("duplicate_name", ("expected_fields", 1, "name"))
    passes = [{"source": "tess", "fields": []}, {"source": "tess", "fields": []}]
    error, _ = only_error({"task": "merge", "passes": passes})
    assert (error["type"], error["loc"]) == ("duplicate_source", ("passes", 1, "source"))


def test_prompt_without_task_is_a_generate_request() -> None:
    request = parse_job_input({"prompt": "hi"})
    assert request == GenerateRequest(prompt="hi")
    assert Draft202012Validator(exported(JOB_INPUT)).is_valid({"prompt": "hi"})


def test_unknown_task_lists_the_allowed_tags() -> None:
    error, text = only_error({"task": "summarize", "prompt": "hi"})
    assert error["type"] == "union_tag_invalid"
    assert text.startswith("input: ")
    for tag in ("generate", "analyze", "locate", "merge"):
        assert f"'{tag}'" in text


def test_non_object_input_is_a_validation_error() -> None:
    for raw in ("hi", [], None, 3):
        with pytest.raises(ValidationError) as caught:
            parse_job_input(raw)
        assert describe_validation_error(caught.value).startswith("input: ")
