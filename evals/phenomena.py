"""Every metric split by the phenomenon a field shows (`evals.variants.PHENOMENA`, or `plain`).

A field counts under each phenomenon its truth names (a field with none is `plain`); field exact
match, CER, the locate rate (IoU ≥ 0.5 over fields with a true box; for absent fields, the share
that locate left unlocated) and analyze's precision/recall are over those fields. LLM calls and
tokens are per document, over the documents with at least one such field.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import jiwer

from evals.extract import normalize
from evals.readings import field_counts
from evals.records import METHODS, Box, DocRecord
from evals.variants import ABSENT, PHENOMENA

PLAIN = "plain"
FieldRef = tuple[DocRecord, str]


def iou(a: Box | None, b: Box) -> float:
    """Intersection over union of two boxes; 0 when `a` is None (not found)."""
    if a is None:
        return 0.0
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(w, 0.0) * max(h, 0.0)
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def located_iou(record: DocRecord, name: str) -> float:
    """IoU of a field's located box with its true box: 0 when not found, or found on another page."""
    region = record.regions.get(name)
    if region is None or region.page != record.truth_pages.get(name, 0):
        return 0.0
    return iou(region.bbox, record.truth_boxes[name])


def _rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def phenomena_of(record: DocRecord, name: str) -> list[str]:
    return record.phenomena.get(name) or [PLAIN]


def _fields(records: list[DocRecord], phenomenon: str) -> list[FieldRef]:
    return [(r, n) for r in records for n in r.truth if phenomenon in phenomena_of(r, n)]


def _exact(refs: list[FieldRef], method: str) -> dict[str, Any]:
    truth = [normalize(r.truth[n]) for r, n in refs]
    got = [normalize(r.answers.get(method, {}).get(n)) for r, n in refs]
    hits = sum(t == g for t, g in zip(truth, got, strict=True))
    cer = round(float(jiwer.cer(truth, got)), 4) if any(truth) else None
    return {"exact_match": _rate(hits, len(refs)), "cer": cer}


def _locate(refs: list[FieldRef]) -> dict[str, Any]:
    boxed = [(r, n) for r, n in refs if n in r.truth_boxes]
    scores = [located_iou(r, n) for r, n in boxed]
    absent = [(r, n) for r, n in refs if ABSENT in phenomena_of(r, n)]
    left_out = sum(n not in r.regions or r.regions[n].bbox is None for r, n in absent)
    return {
        "boxed": len(boxed),
        "iou_ge_0_5": _rate(sum(s >= 0.5 for s in scores), len(scores)),
        "absent_unlocated": _rate(left_out, len(absent)),
    }


def _issues(refs: list[FieldRef]) -> dict[str, Any]:
    counts = Counter[str]()
    for r, n in refs:
        counts.update(field_counts(r, n))
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {"precision": _rate(tp, tp + fp), "recall": _rate(tp, tp + fn), "wrong": tp + fn}


def _usage(docs: list[DocRecord]) -> dict[str, Any]:
    calls = [c for r in docs for c in r.calls if c.route == "grammar"]
    n = max(len(docs), 1)
    return {
        "docs": len(docs),
        "llm_calls_per_doc": round(len(calls) / n, 3),
        "prompt_tokens_per_doc": round(sum(c.prompt_tokens for c in calls) / n, 1),
        "completion_tokens_per_doc": round(sum(c.completion_tokens for c in calls) / n, 1),
    }


def by_phenomenon(records: list[DocRecord]) -> dict[str, Any]:
    """phenomenon → its fields' figures; only phenomena some field shows."""
    out = {}
    for phenomenon in (PLAIN, *PHENOMENA):
        refs = _fields(records, phenomenon)
        if not refs:
            continue
        docs = list({id(r): r for r, _ in refs}.values())
        out[phenomenon] = {
            "fields": len(refs),
            "methods": {m: _exact(refs, m) for m in METHODS if any(m in r.answers for r in records)},
            "locate": _locate(refs),
            "issues": _issues(refs),
            "usage": _usage(docs),
        }
    return out


def _fmt(value: Any) -> str:
    return "–" if value is None else f"{value:.3g}" if isinstance(value, float) else str(value)


def phenomenon_tables(metrics: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Two tables: field accuracy per method, and locate / issues / usage, one row per phenomenon."""
    split = metrics.get("phenomena") or {}
    if not split:
        return []
    methods = list(next(iter(split.values()))["methods"])
    accuracy = [
        [
            p,
            str(s["fields"]),
            *(f"{_fmt(s['methods'][m]['exact_match'])} / {_fmt(s['methods'][m]['cer'])}" for m in methods),
        ]
        for p, s in split.items()
    ]
    rest = [
        [
            p,
            _fmt(s["locate"]["iou_ge_0_5"]),
            _fmt(s["locate"]["absent_unlocated"]),
            _fmt(s["issues"]["precision"]),
            _fmt(s["issues"]["recall"]),
            str(s["usage"]["docs"]),
            _fmt(s["usage"]["llm_calls_per_doc"]),
            _fmt(s["usage"]["prompt_tokens_per_doc"]),
            _fmt(s["usage"]["completion_tokens_per_doc"]),
        ]
        for p, s in split.items()
    ]
    head = ["phenomenon", "locate IoU ≥ 0.5", "absent left unlocated", "issue precision", "issue recall", "docs"]
    return [
        ("Field exact match / CER by phenomenon", ["phenomenon", "fields", *methods], accuracy),
        (
            "Locate, issues and LLM use by phenomenon",
            [*head, "LLM calls/doc", "prompt tok/doc", "compl. tok/doc"],
            rest,
        ),
    ]
