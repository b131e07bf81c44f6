"""Can the engine enforce this JSON Schema? Checked before an OpenAI `json_schema` request reaches vLLM.

A schema the grammar backend cannot compile would come back from vLLM as a 400 with a message that
names no path ("Unimplemented keys: ["uniqueItems"]"); one it compiles but does not enforce would
decode answers that break the schema. Each capability check below is a named function that returns
every problem as `(path, reason)`, in the style of vLLM's `has_guidance_unsupported_json_features`;
`check_response_schema` runs the ones for the configured backend and raises one `invalid_input`
naming the first problem, e.g. `response_format.json_schema.schema.properties.x.uniqueItems: not
supported by the guidance backend`. The keyword lists are what llguidance 1.7.6 answers
"Unimplemented keys" for (tests compare them with the real library) and what the grammar-library
facts record for xgrammar (accepts, but does not enforce).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from .errors import InvalidInput

SchemaProblem = tuple[str, str]
"""(path inside the request, reason)."""

SCHEMA_PATH = "response_format.json_schema.schema"

GUIDANCE_UNIMPLEMENTED = frozenset(
    {
        "uniqueItems",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "minContains",
        "maxContains",
        "dependentRequired",
        "dependentSchemas",
        "propertyNames",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
"""Keywords llguidance refuses to compile ("Unimplemented keys"), whatever their value."""

XGRAMMAR_UNENFORCED = frozenset({"uniqueItems", "not", "if", "then", "else", "contains", "dependentSchemas"})
"""Keywords xgrammar compiles without enforcing: answers could break them."""

_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_SINGLE = (
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "contains",
    "items",
    "additionalItems",
    "unevaluatedItems",
    "not",
    "if",
    "then",
    "else",
    "contentSchema",
)
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
# Rust's regex crate (llguidance) and xgrammar's regex converter have no look-around or backreferences.
_LOOKAROUND = re.compile(r"\(\?<?[=!]")
_BACKREFERENCE = re.compile(r"(?<!\\)(?:\\\\)*\\(?:[1-9]|k<)")


def subschemas(schema: Any, path: str = SCHEMA_PATH) -> Iterator[tuple[dict[str, Any], str]]:
    """Every (sub)schema object with its path, the root first; iterative, so depth cannot overflow."""
    stack: list[tuple[Any, str]] = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if not isinstance(node, dict):
            continue
        yield node, where
        for key in _SUBSCHEMA_MAPS:
            if isinstance(children := node.get(key), dict):
                stack.extend((child, f"{where}.{key}.{name}") for name, child in children.items())
        for key in _SUBSCHEMA_SINGLE:
            if isinstance(node.get(key), dict):
                stack.append((node[key], f"{where}.{key}"))
        for key in _SUBSCHEMA_LISTS:
            if isinstance(children := node.get(key), list):
                stack.extend((child, f"{where}.{key}[{i}]") for i, child in enumerate(children))


def metaschema_problems(schema: Any) -> list[SchemaProblem]:
    """Is it a JSON Schema at all (Draft 2020-12's metaschema)? The most relevant error only."""
    if not isinstance(schema, dict):
        return [(SCHEMA_PATH, "a JSON Schema object is required")]
    error = best_match(Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema))
    if error is None:
        return []
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    # the validator's name, not its message: the message quotes the offending value
    return [(f"{SCHEMA_PATH}{where}", f"not a valid JSON Schema (Draft 2020-12 '{error.validator}' fails)")]


def guidance_unsupported_features(schema: dict[str, Any]) -> list[SchemaProblem]:
    """Keywords llguidance cannot compile."""
    return [
        (f"{where}.{key}", "not supported by the guidance backend")
        for node, where in subschemas(schema)
        for key in sorted(GUIDANCE_UNIMPLEMENTED & node.keys())
    ]


def xgrammar_unenforced_features(schema: dict[str, Any]) -> list[SchemaProblem]:
    """Keywords xgrammar accepts but does not enforce, and multi-branch allOf (which accepts invalid values)."""
    problems = [
        (f"{where}.{key}", "not enforced by the xgrammar backend")
        for node, where in subschemas(schema)
        for key in sorted(XGRAMMAR_UNENFORCED & node.keys())
    ]
    problems += [
        (f"{where}.allOf", "multi-branch allOf is not enforced by the xgrammar backend")
        for node, where in subschemas(schema)
        if isinstance(node.get("allOf"), list) and len(node["allOf"]) > 1
    ]
    return problems


def remote_references(schema: dict[str, Any]) -> list[SchemaProblem]:
    """`$ref`s outside the schema: the engine fetches nothing, so only `#…` references resolve."""
    return [
        (f"{where}.$ref", "only local references (#/…) are supported; the engine fetches no documents")
        for node, where in subschemas(schema)
        if isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#")
    ]


def unsupported_pattern_features(schema: dict[str, Any]) -> list[SchemaProblem]:
    """Regex features no grammar backend can turn into a grammar: look-around and backreferences."""
    problems = []
    for node, where in subschemas(schema):
        pattern = node.get("pattern")
        if not isinstance(pattern, str):
            continue
        if _LOOKAROUND.search(pattern):
            problems.append((f"{where}.pattern", "look-around assertions are not supported in patterns"))
        elif _BACKREFERENCE.search(pattern):
            problems.append((f"{where}.pattern", "backreferences are not supported in patterns"))
    return problems


def guidance_compile_problems(schema: dict[str, Any]) -> list[SchemaProblem]:
    """What llguidance itself says (unknown `format`s and the like), when it is installed here: the
    worker's image has it, as vLLM needs it; without it vLLM's own 400 still names the problem."""
    try:
        import llguidance
    except ImportError:
        return []
    try:
        grammar = llguidance.LLMatcher.grammar_from_json_schema(
            json.dumps(schema), defaults={"whitespace_flexible": False}
        )
        error = llguidance.LLMatcher.validate_grammar(grammar, None)
    except (ValueError, TypeError) as exc:
        error = str(exc)
    return [(SCHEMA_PATH, f"the guidance backend cannot compile it: {error[:200]}")] if error else []


def check_response_schema(schema: Any, backend: str) -> None:
    """Raise `invalid_input` naming the first part of `schema` the engine could not enforce."""
    problems = metaschema_problems(schema)
    if not problems:
        problems = remote_references(schema) + unsupported_pattern_features(schema)
        if backend == "guidance":
            problems += guidance_unsupported_features(schema)
        elif backend == "xgrammar":
            problems += xgrammar_unenforced_features(schema)
    if not problems and backend == "guidance":
        problems = guidance_compile_problems(schema)
    if problems:
        where, reason = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise InvalidInput(f"{where}: {reason}{more}")
