"""Request-specific decoding schemas: the model may only cite what the request contains.

Each function takes the request's names and ids and returns a JSON Schema that is a subtype of the
task's static decoding schema (every instance of it validates against the static model), with
field names as enums or consts, word ids as an enum of the document's ids (or the id pattern when
there are too many to list), merge values as the candidates the passes gave, or null, and an
analyze finding's suggestion as one of the values the rules suggested, or null.
Output is deterministic for a given input (sorted enums), so vLLM's grammar cache hits on repeats.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from .common import MAX_WORD_ID, WORD_ID_PATTERN
from .decoding import MAX_FINDINGS, AnalyzeDecoding, LocateDecoding, MergeDecoding, decoding_schema, is_suggestable

ENUM_LIMIT = 1_500
"""Above this many word ids the grammar checks the id pattern instead of listing every id."""

_NULL = {"type": "null"}


def string_enum(values: Sequence[str]) -> dict[str, Any]:
    return {"type": "string", "enum": sorted(set(values))}


def string_const(value: str) -> dict[str, Any]:
    return {"type": "string", "const": value}


def word_refs(word_ids: Sequence[str], max_items: int) -> dict[str, Any]:
    """An array of at most `max_items` of the document's word ids."""
    if not word_ids:
        return {"type": "array", "maxItems": 0, "items": {"type": "string", "maxLength": MAX_WORD_ID}}
    if len(set(word_ids)) > ENUM_LIMIT:
        item: dict[str, Any] = {"type": "string", "pattern": WORD_ID_PATTERN}  # the pattern bounds it
    else:
        item = string_enum(word_ids)
    return {"type": "array", "maxItems": max_items, "items": item}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, _NULL]}


def _fixed_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Exactly these items, in this order: one answer per requested field."""
    return {
        "type": "array",
        "prefixItems": items,
        "items": False,
        "minItems": len(items),
        "maxItems": len(items),
    }


def max_findings(field_count: int) -> int:
    """One finding per field the answer may name plus one about the document, at most MAX_FINDINGS:
    a request with few fields gets a smaller answer bound (and a shorter `max_tokens`)."""
    return min(MAX_FINDINGS, field_count + 1)


def narrow_analyze(
    field_names: Sequence[str], word_ids: Sequence[str], suggestions: Sequence[str] = ()
) -> dict[str, Any]:
    """`suggestions`: the values a finding may suggest (those the static pattern refuses, such as
    any longer than MAX_SUGGESTION, are left out);
    with none, a finding's suggestion is null."""
    schema = decoding_schema(AnalyzeDecoding)
    finding = schema["$defs"]["Finding"]["properties"]
    finding["field"] = _nullable(string_enum(field_names)) if field_names else _NULL
    finding["words"] = word_refs(word_ids, finding["words"]["maxItems"])
    offered = [s for s in suggestions if is_suggestable(s)]
    finding["suggestion"] = _nullable(string_enum(offered)) if offered else _NULL
    schema["properties"]["issues"]["maxItems"] = max_findings(len(set(field_names)))
    return schema


def narrow_locate(
    targets: Sequence[str],
    word_ids: Sequence[str],
    pages: Sequence[int],
    choices: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """`choices`: target name → the first word id of each printed occurrence of its value; such a
    target cites exactly one of them (the grammar lists them as its only words) and no box."""
    schema = decoding_schema(LocateDecoding)
    location = schema["$defs"]["FieldLocation"]
    words = word_refs(word_ids, location["properties"]["words"]["maxItems"])
    page = {"type": "integer", "enum": sorted(set(pages))}

    def one(name: str) -> dict[str, Any]:
        item: dict[str, Any] = copy.deepcopy(location)
        item.pop("title", None)
        item["properties"].update(field=string_const(name), words=words, page=page)
        if choices and name in choices:
            chosen = {"type": "array", "minItems": 1, "maxItems": 1, "items": string_enum(choices[name])}
            item["properties"].update(words=chosen, box=_NULL)
        return item

    schema["properties"]["fields"] = _fixed_list([one(name) for name in targets])
    del schema["$defs"]["FieldLocation"]
    return schema


def narrow_merge(conflicts: Sequence[tuple[str, Sequence[str]]]) -> dict[str, Any]:
    """`conflicts`: (field name, candidate values) for each field the rules could not settle."""
    schema = decoding_schema(MergeDecoding)
    choice = schema["$defs"]["MergeChoice"]

    def one(name: str, candidates: Sequence[str]) -> dict[str, Any]:
        item: dict[str, Any] = copy.deepcopy(choice)
        item.pop("title", None)
        value = _nullable(string_enum(candidates)) if candidates else _NULL
        item["properties"].update(field=string_const(name), value=value)
        return item

    schema["properties"]["fields"] = _fixed_list([one(n, c) for n, c in conflicts])
    del schema["$defs"]["MergeChoice"]
    return schema
