"""The design rules of decoding schemas (schemas/decoding.py), on the JSON Schema grammars compile.

Every object closed, every integer bounded, no `number`, every string with maxLength (or an
enum/const), every array with maxItems (or prefixItems + items: false), no multi-branch allOf, no
uniqueItems, no recursion. `bounds.max_output_tokens` refuses schemas that break a rule (naming the
path) and bounds every instance's compact JSON; narrowed schemas admit only static instances.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator

from schemas.bounds import UnboundedSchemaError, max_output_tokens, max_string_length, pattern_char_class
from schemas.common import RAW_TEXT_CHARS, SAFE_TEXT_CHARS, WORD_ID_CHARS
from schemas.decoding import DecodingModel, decoding_schema
from schemas.narrowing import ENUM_LIMIT, narrow_analyze, narrow_locate, narrow_merge
from schemas.tasks import DECODING_MODELS
from tests.wire_strategies import drawable, names, word_ids

MANY_IDS = [f"w{i}" for i in range(ENUM_LIMIT + 1)]
NARROWED: dict[str, tuple[str, dict[str, Any]]] = {
    "analyze": ("analyze", narrow_analyze(["total", "date", "Straße «Nr»"], ["w1", "w2", "a:b.c-d_e"])),
    "analyze-suggestions": ("analyze", narrow_analyze(["total"], ["w1"], ["119.00", "Zoë 😀", "x" * 49])),
    "analyze-no-names-no-ids": ("analyze", narrow_analyze([], [])),
    "analyze-many-ids": ("analyze", narrow_analyze(["total"], MANY_IDS)),
    "locate": ("locate", narrow_locate(["total", "iban"], ["w1", "w2"], [0, 3])),
    "locate-many-ids": ("locate", narrow_locate(["total"], MANY_IDS, [0])),
    "locate-choices": ("locate", narrow_locate(["total", "iban"], ["w1", "w2", "w3"], [0], {"total": ["w1", "w3"]})),
    "merge": ("merge", narrow_merge([("total", ["12.00", "12,00"]), ("date", []), ("name", ["Zoë 😀"])])),
}
SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    **{f"static-{task}": (task, decoding_schema(model)) for task, model in DECODING_MODELS.items()},
    **{f"narrowed-{key}": value for key, value in NARROWED.items()},
}
FAST = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _local_violations(node: dict[str, Any], kinds: list[str]) -> list[str]:
    """The rules one node breaks by itself (its children are visited separately)."""
    found = []
    if len(node.get("allOf", [])) > 1:
        found.append("multi-branch allOf")
    if "uniqueItems" in node:
        found.append("uniqueItems")
    if not kinds and not ({"anyOf", "oneOf", "allOf", "enum", "const"} & set(node)):
        found.append("no type")
    fixed = "enum" in node or "const" in node
    if "object" in kinds and node.get("additionalProperties") is not False:
        found.append("object not closed")
    bounded = {"minimum", "exclusiveMinimum"} & set(node) and {"maximum", "exclusiveMaximum"} & set(node)
    if "integer" in kinds and not fixed and not bounded:
        found.append("unbounded integer")
    if "number" in kinds:
        found.append("number")
    if "string" in kinds and not fixed and max_string_length(node) is None:
        found.append("string without maxLength")
    tuple_only = "prefixItems" in node and node.get("items") is False
    if "array" in kinds and "maxItems" not in node and not tuple_only:
        found.append("array without maxItems")
    return found


def _children(node: dict[str, Any], path: str) -> list[tuple[Any, str]]:
    children = [
        (b, f"{path}<{key}{i}>") for key in ("anyOf", "oneOf", "allOf") for i, b in enumerate(node.get(key, []))
    ]
    children += [(sub, f"{path}.{key}") for key, sub in node.get("properties", {}).items()]
    children += [(sub, f"{path}[{i}]") for i, sub in enumerate(node.get("prefixItems", []))]
    if isinstance(node.get("items"), dict):
        children.append((node["items"], f"{path}[]"))
    return children


def rule_violations(schema: dict[str, Any]) -> list[str]:
    """Every place `schema` breaks a design rule, as `path: rule`."""
    defs: dict[str, Any] = schema.get("$defs", {})
    found: list[str] = []

    def visit(node: dict[str, Any], path: str, stack: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/$defs/")
            if name in stack:
                found.append(f"{path}: recursion through {name}")
            else:
                visit(defs[name], path, stack | {name})
            return
        kinds = node.get("type", [])
        found.extend(
            f"{path}: {rule}" for rule in _local_violations(node, kinds if isinstance(kinds, list) else [kinds])
        )
        for child, child_path in _children(node, path):
            visit(child, child_path, stack)

    visit(schema, "$", frozenset())
    for name, sub in defs.items():
        visit(sub, f"$defs.{name}", frozenset({name}))
    return found


@pytest.mark.parametrize("key", SCHEMAS)
def test_decoding_schemas_keep_the_design_rules(key: str) -> None:
    _task, schema = SCHEMAS[key]
    Draft202012Validator.check_schema(schema)
    assert rule_violations(schema) == []
    assert max_output_tokens(schema) > 0


def _obj(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "properties": properties, "required": list(properties)}


NODE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"next": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}},
}
BROKEN: dict[str, tuple[dict[str, Any], str, str]] = {
    # rule: (schema, the path bounds.py names, a phrase of its message)
    "open object": (_obj(inner={"type": "object", "properties": {}}), "$.inner", "additionalProperties"),
    "unbounded integer": (_obj(n={"type": "integer", "minimum": 0}), "$.n", "integer needs minimum and maximum"),
    "number": (_obj(x={"type": "number", "minimum": 0, "maximum": 1}), "$.x", "number"),
    "string without maxLength": (_obj(s={"type": "string", "pattern": "^[a-z]*$"}), "$.s", "maxLength"),
    "array without maxItems": (_obj(a={"type": "array", "items": {"type": "boolean"}}), "$.a", "maxItems"),
    "multi-branch allOf": (_obj(m={"allOf": [{"type": "boolean"}, {"type": "boolean"}]}), "$.m", "allOf"),
    "uniqueItems": (
        _obj(u={"type": "array", "maxItems": 2, "uniqueItems": True, "items": {"type": "null"}}),
        "$.u",
        "uniqueItems",
    ),
    "recursion": ({"$defs": {"Node": NODE}, "$ref": "#/$defs/Node"}, "$.next<anyOf0>", "recursive"),
}


@pytest.mark.parametrize("rule", BROKEN)
def test_bounds_refuse_each_broken_rule_naming_the_path(rule: str) -> None:
    schema, path, phrase = BROKEN[rule]
    with pytest.raises(UnboundedSchemaError) as caught:
        max_output_tokens(schema)
    assert str(caught.value).startswith(f"{path}: "), caught.value
    assert phrase in str(caught.value)
    assert any(v.startswith(path) for v in rule_violations(schema)), rule_violations(schema)


def test_bounds_accept_what_the_rules_allow() -> None:
    allowed = _obj(
        e={"type": "string", "enum": ["a", "bb"]},
        c={"type": "string", "const": "x"},
        t={"type": "array", "prefixItems": [{"type": "boolean"}], "items": False},
        i={"type": "integer", "enum": [0, 12]},
    )
    assert rule_violations(allowed) == []
    assert max_output_tokens(allowed) >= len(json.dumps({"e": "bb", "c": "x", "t": [False], "i": 12})) + 1


def compact_bytes(instance: Any) -> int:
    return len(json.dumps(instance, ensure_ascii=False, separators=(", ", ": ")).encode())


@pytest.mark.parametrize("key", SCHEMAS)
def test_bound_covers_drawn_instances_and_narrowed_fit_static(key: str) -> None:
    task, schema = SCHEMAS[key]
    bound = max_output_tokens(schema)
    static: type[DecodingModel] = DECODING_MODELS[task]

    @FAST
    @given(from_schema(drawable(schema, max_items=6, max_length=60)))
    def check(instance: Any) -> None:
        assert bound >= compact_bytes(instance) + 1
        static.model_validate_json(json.dumps(instance, ensure_ascii=False))

    check()
    assert bound <= max_output_tokens(decoding_schema(static))


# The widest instance: every list full, every string at maxLength of its widest allowed character.
WIDEST_CHAR = {SAFE_TEXT_CHARS: "~", WORD_ID_CHARS: "a", RAW_TEXT_CHARS: "😀", "": "\x01"}


def widest(schema: dict[str, Any], node: Any) -> Any:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
    if "const" in node:
        return node["const"]
    if "enum" in node:
        return max(node["enum"], key=compact_bytes)
    if "anyOf" in node:
        return max((widest(schema, b) for b in node["anyOf"]), key=compact_bytes)
    kind = node["type"]
    if kind == "object":
        return {k: widest(schema, sub) for k, sub in node["properties"].items()}
    if kind == "array":
        prefix = [widest(schema, sub) for sub in node.get("prefixItems", [])]
        if node.get("items", {}) is False:
            return prefix
        return prefix + [widest(schema, node["items"])] * (node["maxItems"] - len(prefix))
    if kind == "string":
        length = max_string_length(node)
        assert length is not None
        return WIDEST_CHAR[pattern_char_class(node.get("pattern", ""))[0]] * length
    if kind == "integer":
        return max(node["minimum"], node["maximum"], key=lambda n: len(str(n)))
    return {"boolean": False, "null": None}[kind]


@pytest.mark.parametrize("key", SCHEMAS)
def test_bound_covers_the_widest_instance(key: str) -> None:
    task, schema = SCHEMAS[key]
    instance = widest(schema, schema)
    Draft202012Validator(schema).validate(instance)
    DECODING_MODELS[task].model_validate(instance)
    assert max_output_tokens(schema) >= compact_bytes(instance) + 1


Narrow = Callable[..., dict[str, Any]]


@st.composite
def narrowings(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A narrowed schema for drawn request contents."""
    ids = draw(st.lists(word_ids, max_size=5, unique=True))
    fields = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    task = draw(st.sampled_from(sorted(DECODING_MODELS)))
    if task == "analyze":
        return task, narrow_analyze(fields, ids, draw(st.lists(st.text(max_size=60), max_size=3)))
    if task == "locate":
        return task, narrow_locate(fields, ids, draw(st.lists(st.integers(0, 49), min_size=1, max_size=3)))
    candidates = st.lists(st.text(max_size=20), max_size=3)
    return task, narrow_merge([(name, draw(candidates)) for name in fields])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(narrowings(), st.data())
def test_instances_of_drawn_narrowings_validate_as_static(
    narrowed: tuple[str, dict[str, Any]], data: st.DataObject
) -> None:
    task, schema = narrowed
    assert rule_violations(schema) == []
    instance = data.draw(from_schema(drawable(schema)))
    DECODING_MODELS[task].model_validate_json(json.dumps(instance, ensure_ascii=False))
    assert max_output_tokens(schema) >= compact_bytes(instance) + 1
