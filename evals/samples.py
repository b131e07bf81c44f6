"""Equivalent answers in decoding form and wire form, to compare what each costs in tokens."""

from __future__ import annotations

from typing import Any

from schemas.decoding import AnalyzeDecoding, LocateDecoding, MergeDecoding
from schemas.results import AnalyzeResult, LocateResult, MergeResult


def decoding_vs_wire_pairs() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    analyze_d = AnalyzeDecoding.model_validate(
        {
            "issues": [
                {"field": "total", "kind": "format_error", "severity": "high", "words": ["w41"],
                 "suggestion": "12.00"},
                {"field": "date", "kind": "implausible_value", "severity": "medium", "words": ["w7"],
                 "suggestion": None},
            ]
        }
    )  # fmt: skip
    analyze_w = AnalyzeResult.model_validate(
        {
            "issues": [
                {"field": "total", "kind": "format_error", "severity": "high", "message": "letter O instead of zero",
                 "word_ids": ["w41"], "suggested_value": "12.00", "source": "llm"},
                {"field": "date", "kind": "implausible_value", "severity": "medium",
                 "message": "month 13 does not exist", "word_ids": ["w7"], "suggested_value": None, "source": "llm"},
            ],
            "uncertain_fields": ["total", "date"],
            "needs_review": True,
            "quality": 0.62,
        }
    )  # fmt: skip
    locate_d = LocateDecoding.model_validate(
        {"fields": [
            {"field": "total", "words": ["w41", "w42"], "page": 0, "box": None},
            {"field": "date", "words": ["w7"], "page": 0, "box": None},
            {"field": "iban", "words": [], "page": 0, "box": [10, 80, 60, 83]},
        ]}
    )  # fmt: skip
    locate_w = LocateResult.model_validate(
        {"regions": [
            {"field": "total", "page": 0, "bbox": [712.5, 1198.0, 901.25, 1241.75], "word_ids": ["w41", "w42"],
             "source": "words", "confidence": 0.93},
            {"field": "date", "page": 0, "bbox": [640.0, 98.5, 811.0, 139.0], "word_ids": ["w7"],
             "source": "words", "confidence": 0.88},
            {"field": "iban", "page": 0, "bbox": [124.0, 1403.2, 744.0, 1455.8], "word_ids": [],
             "source": "estimated", "confidence": 0.2},
        ]}
    )  # fmt: skip
    merge_d = MergeDecoding.model_validate(
        {"fields": [{"field": "total", "value": "12.00"}, {"field": "date", "value": "2024-01-02"}]}
    )
    merge_w = MergeResult.model_validate(
        {"fields": [
            {"name": "total", "value": "12.00", "confidence": 0.8, "method": "llm", "sources": ["tesseract"],
             "alternatives": [{"value": "12.0O", "sources": ["rapidocr"]}]},
            {"name": "date", "value": "2024-01-02", "confidence": 0.7, "method": "llm", "sources": ["rapidocr"],
             "alternatives": [{"value": "2024-01-08", "sources": ["tesseract"]}]},
        ]}
    )  # fmt: skip
    return [
        ("analyze", analyze_d.model_dump(mode="json"), analyze_w.model_dump(mode="json")),
        ("locate", locate_d.model_dump(mode="json"), locate_w.model_dump(mode="json")),
        ("merge", merge_d.model_dump(mode="json"), merge_w.model_dump(mode="json")),
    ]
