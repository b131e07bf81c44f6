"""What the LLM generates, per task: minimal, closed, bounded models.

These are not the wire results. The model cites word ids and picks from enums; the worker turns
its answer into the wire result (boxes are computed from cited words, never generated as numbers).
Rules every decoding model keeps, checked by tests on the emitted JSON Schema: closed objects,
every string/array/integer bounded, no floats (their length is unbounded), no `uniqueItems`, no
multi-branch `allOf`, no recursion. Every field is required, so the grammar fixes the key order.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from .bounds import pattern_char_class
from .common import (
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    MAX_WORD_ID,
    RAW_TEXT_CHARS,
    WORD_ID_PATTERN,
    DecodingModel,
    bounded_text,
)
from .results import Severity

GRID = 100
"""Coordinates in prompts and estimated boxes are quantised to a 0–99 grid (LMDX)."""

NameRef = Annotated[
    str, Field(min_length=1, max_length=MAX_FIELD_NAME, pattern=bounded_text(RAW_TEXT_CHARS, 1, MAX_FIELD_NAME))
]
WordRef = Annotated[str, Field(min_length=1, max_length=MAX_WORD_ID, pattern=WORD_ID_PATTERN)]
GridInt = Annotated[int, Field(ge=0, le=GRID - 1)]


class FindingKind(StrEnum):
    """What the model may report; rule-found kinds (low confidence, arithmetic) stay with the rules."""

    IMPLAUSIBLE_VALUE = "implausible_value"
    INCONSISTENT = "inconsistent"
    FORMAT_ERROR = "format_error"
    MISSING_FIELD = "missing_field"
    OTHER = "other"


MAX_FINDINGS = 6
"""Findings one analyze answer may hold; narrowing lowers it for requests with few fields."""
MAX_SUGGESTION = 48
"""Characters of a suggested value a finding may carry (longer candidates are not offered)."""


SUGGESTION_PATTERN = bounded_text(RAW_TEXT_CHARS, 0, MAX_SUGGESTION)


def is_suggestable(value: str) -> bool:
    """Whether a finding may carry `value`: short enough, no quote, backslash or control character."""
    return re.fullmatch(SUGGESTION_PATTERN, value) is not None


# A model finding has no free text: code writes the issue's message from its kind and field, and
# its suggestion is one of the candidates the request's grammar lists (or null).
class Finding(DecodingModel):
    field: NameRef | None
    kind: FindingKind
    severity: Severity
    words: Annotated[list[WordRef], Field(max_length=6)]
    suggestion: Annotated[str, Field(max_length=MAX_SUGGESTION, pattern=SUGGESTION_PATTERN)] | None


class AnalyzeDecoding(DecodingModel):
    issues: Annotated[list[Finding], Field(max_length=MAX_FINDINGS)]


class FieldLocation(DecodingModel):
    field: NameRef
    words: Annotated[list[WordRef], Field(max_length=12, description="Words that show the field.")]
    page: Annotated[int, Field(ge=0, le=49)]
    box: Annotated[list[GridInt], Field(min_length=4, max_length=4)] | None


class LocateDecoding(DecodingModel):
    fields: Annotated[list[FieldLocation], Field(max_length=50)]


class MergeChoice(DecodingModel):
    field: NameRef
    value: Annotated[str, Field(max_length=MAX_FIELD_VALUE)] | None


class MergeDecoding(DecodingModel):
    fields: Annotated[list[MergeChoice], Field(max_length=200)]


def decoding_schema(model: type[DecodingModel]) -> dict[str, Any]:
    """The JSON Schema the grammar is compiled from (validation mode, $defs kept)."""
    schema: dict[str, Any] = fold_lengths_into_patterns(model.model_json_schema(mode="validation"))
    return schema


def fold_lengths_into_patterns(node: Any) -> Any:
    """Drop `minLength`/`maxLength` where the string's pattern states bounds at least as strict.

    xgrammar ignores length keywords next to a pattern, and vLLM refuses that pair for xgrammar,
    so the pattern alone carries the bounds (`bounded_text`). Pydantic still checks both.
    """
    if isinstance(node, list):
        return [fold_lengths_into_patterns(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: fold_lengths_into_patterns(value) for key, value in node.items()}
    if isinstance(out.get("pattern"), str) and ("maxLength" in out or "minLength" in out):
        _, low, high = pattern_char_class(out["pattern"])
        if high is not None and high <= out.get("maxLength", high) and low >= out.get("minLength", 0):
            out.pop("maxLength", None)
            out.pop("minLength", None)
    return out
