"""What the LLM generates, per task: minimal, closed, bounded models.

These are not the wire results. The model cites word ids and picks from enums; the worker turns
its answer into the wire result (boxes are computed from cited words, never generated as numbers).
Rules every decoding model keeps, checked by tests on the emitted JSON Schema: closed objects,
every string/array/integer bounded, no floats (their length is unbounded), no `uniqueItems`, no
multi-branch `allOf`, no recursion. Every field is required, so the grammar fixes the key order.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field

from .common import (
    MAX_FIELD_NAME,
    MAX_FIELD_VALUE,
    RAW_TEXT_PATTERN,
    SAFE_TEXT_PATTERN,
    WORD_ID_PATTERN,
    DecodingModel,
)
from .results import Severity

GRID = 100
"""Coordinates in prompts and estimated boxes are quantised to a 0–99 grid (LMDX)."""

NameRef = Annotated[str, Field(min_length=1, max_length=MAX_FIELD_NAME, pattern=RAW_TEXT_PATTERN)]
WordRef = Annotated[str, Field(min_length=1, max_length=16, pattern=WORD_ID_PATTERN)]
GridInt = Annotated[int, Field(ge=0, le=GRID - 1)]


class FindingKind(StrEnum):
    """What the model may report; rule-found kinds (low confidence, arithmetic) stay with the rules."""

    IMPLAUSIBLE_VALUE = "implausible_value"
    INCONSISTENT = "inconsistent"
    FORMAT_ERROR = "format_error"
    MISSING_FIELD = "missing_field"
    OTHER = "other"


class Finding(DecodingModel):
    field: NameRef | None
    kind: FindingKind
    severity: Severity
    words: Annotated[list[WordRef], Field(max_length=6)]
    note: Annotated[str, Field(min_length=1, max_length=80, pattern=SAFE_TEXT_PATTERN)]
    fix: Annotated[str, Field(max_length=48, pattern=RAW_TEXT_PATTERN)] | None


class AnalyzeDecoding(DecodingModel):
    issues: Annotated[list[Finding], Field(max_length=6)]


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


DECODING_MODELS: dict[str, type[DecodingModel]] = {
    "analyze": AnalyzeDecoding,
    "locate": LocateDecoding,
    "merge": MergeDecoding,
}


def decoding_schema(model: type[DecodingModel]) -> dict[str, Any]:
    """The JSON Schema the grammar is compiled from (validation mode, $defs kept)."""
    return model.model_json_schema(mode="validation")
