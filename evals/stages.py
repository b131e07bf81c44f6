"""Where a document's time goes, stage by stage: rendering, each OCR pass, each task's LLM calls and the
rest of its job (rules, prompt building, grammar compilation, parsing), the naive baseline.

Computed from the records alone: a job's time is measured around the whole job, its LLM time is the
sum of the engine's latencies of the calls made for it, and the rest is the difference. With
`concurrency` above 1 the stages overlap in wall time and include waits for the engine.
"""

from __future__ import annotations

from typing import Any

from evals.records import DocRecord

Table = tuple[str, list[str], list[list[str]]]


def stages(records: list[DocRecord]) -> dict[str, Any]:
    """stage → mean ms per document, LLM ms per document, LLM calls per document, mean ms per call."""
    docs = max(len(records), 1)
    out: dict[str, dict[str, float]] = {"render": {"ms_per_doc": round(sum(r.render_ms for r in records) / docs, 1)}}
    tasks = dict.fromkeys(j.task for r in records for j in r.jobs)
    for task in tasks:
        job_ms = sum(j.ms for r in records for j in r.jobs if j.task == task)
        calls = [c for r in records for c in r.calls if c.task == task]
        llm_ms = sum(c.latency_ms for c in calls)
        out[task] = {
            "ms_per_doc": round(job_ms / docs, 1),
            "llm_ms_per_doc": round(llm_ms / docs, 1),
            "other_ms_per_doc": round(max(job_ms - llm_ms, 0.0) / docs, 1),
            "llm_calls_per_doc": round(len(calls) / docs, 3),
            "ms_per_llm_call": round(llm_ms / len(calls), 1) if calls else 0.0,
        }
    total = sum(s["ms_per_doc"] for s in out.values())
    for s in out.values():
        s["share"] = round(s["ms_per_doc"] / total, 4) if total else 0.0
    return {"per_doc_ms": round(total, 1), "stages": out}


def stage_table(metrics: dict[str, Any]) -> list[Table]:
    split = metrics.get("stages")
    if not split:
        return []
    rows = []
    for name, s in sorted(split["stages"].items(), key=lambda kv: -kv[1]["ms_per_doc"]):
        rows.append(
            [
                name,
                f"{s['ms_per_doc'] / 1000:,.2f}",
                f"{s['share']:.1%}",
                f"{s.get('llm_ms_per_doc', 0.0) / 1000:,.2f}",
                f"{s.get('other_ms_per_doc', s['ms_per_doc']) / 1000:,.2f}",
                f"{s.get('llm_calls_per_doc', 0.0):.2f}",
                f"{s.get('ms_per_llm_call', 0.0) / 1000:,.2f}",
            ]
        )
    headers = ["stage", "s / doc", "share", "LLM s / doc", "other s / doc", "LLM calls / doc", "s / LLM call"]
    title = f"Where a document's time goes ({split['per_doc_ms'] / 1000:,.1f} s per document)"
    return [(title, headers, rows)]
