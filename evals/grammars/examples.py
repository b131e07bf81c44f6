"""The schemas under test: the decoding schemas the worker sends, static and narrowed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemas.common import DecodingModel
from schemas.decoding import AnalyzeDecoding, LocateDecoding, MergeDecoding, decoding_schema
from schemas.narrowing import narrow_analyze, narrow_locate, narrow_merge
from schemas.tasks import DECODING_MODELS


@dataclass(frozen=True)
class Example:
    """A decoding schema the worker sends, and the static model its output must validate as."""

    name: str
    model: type[DecodingModel]
    schema: dict[str, Any]


def example_schemas() -> list[Example]:
    """The three static decoding schemas and a narrowed one per task, for a typical request."""
    words = [f"w{i}" for i in range(1, 13)]
    merge_conflicts = [
        ("total", ["12.00", "12.0O"]),
        ("date", ["2024-01-02"]),
        ("vendor", ['Café "Zur Post"', "Cafe Zur Post"]),
    ]
    static = [Example(name, model, decoding_schema(model)) for name, model in DECODING_MODELS.items()]
    return [
        *static,
        Example("analyze:narrowed", AnalyzeDecoding, narrow_analyze(["total", "date", "vendor"], words)),
        Example("locate:narrowed", LocateDecoding, narrow_locate(["total", "date", "vendor"], words, [0, 1])),
        Example("merge:narrowed", MergeDecoding, narrow_merge(merge_conflicts)),
    ]
