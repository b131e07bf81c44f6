"""Every figure of a run, computed from its `DocRecord`s alone, and the tables they are shown in.

- validity: per route (grammar, naive) and task, the share of answers that parse as JSON and the
  share of results that validate against the wire model, over jobs where an LLM answer decided it;
- fields: exact match (after case/whitespace normalisation) and character error rate (`jiwer.cer`
  over the normalised values, a missing value counting as empty) per method, overall and by level;
- locate: IoU of each located box with the true field box (a field not found scores 0);
- issues: analyze's detection of wrong OCR values (a field is wrong when its OCR value differs from
  the truth's as its kind reads values, `evals.readings`, and beside it when its text differs;
  flagged when uncertain or with a medium/high issue);
- calibration: reliability bins and ECE of region and merged-field confidences (`evals.calibration`);
- usage, latency and cost: LLM calls and tokens per document, job latency percentiles, cost per
  document at the deployment guide's GPU prices from the measured job time (see `COST_ASSUMPTION`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import jiwer
import numpy as np

from evals import calibration
from evals.extract import normalize
from evals.phenomena import by_phenomenon, iou, located_iou, phenomenon_tables
from evals.readings import detection_counts
from evals.records import METHODS, DocRecord, Job, RunInfo
from evals.stages import stage_table, stages

__all__ = ["COST_ASSUMPTION", "compute", "iou", "markdown", "source_line", "tables"]

GPU_PRICES_USD_PER_H = {"RTX A6000": 0.45, "RTX 4090": 0.35}
COST_ASSUMPTION = (
    "cost per document = the measured wall time of the route's jobs for one document × the GPU's price per "
    "second, as if each job had the GPU to itself (no batching, idle or cold-start time; with `concurrency` above 1 "
    "the latencies include waiting for the engine, so this overstates it); OCR runs on the caller's side and is "
    "not counted. The time was measured with the model and engine in `run`, not on the GPU priced: on "
    "the CPU default model it illustrates the method, it is not a GPU cost."
)
TASKS = {"grammar": ("analyze", "locate", "merge"), "naive": ("naive-analyze", "naive-merge")}


def rate(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _validity(jobs: list[Job]) -> dict[str, Any]:
    parsed = [j for j in jobs if j.parsed is not None]
    decided = [j for j in jobs if j.valid is not None]
    return {
        "jobs": len(jobs),
        "with_llm": sum(j.llm_calls > 0 for j in jobs),
        "json_parse_rate": rate(sum(bool(j.parsed) for j in parsed), len(parsed)),
        "schema_valid_rate": rate(sum(bool(j.valid) for j in decided), len(decided)),
        "errors": dict(sorted(Counter(j.error for j in jobs if j.error).items())),
    }


def validity(records: list[DocRecord]) -> dict[str, dict[str, Any]]:
    """Per route and task (and per route overall), over the jobs an LLM answer decided."""
    jobs = [j for r in records for j in r.jobs]
    out = {}
    for route, tasks in TASKS.items():
        for task in tasks:
            out[f"{route}:{task}"] = _validity([j for j in jobs if j.route == route and j.task == task])
        out[f"{route}:all"] = _validity([j for j in jobs if j.route == route and j.task in tasks])
    return out


def field_scores(records: Iterable[DocRecord], method: str) -> dict[str, Any]:
    """Over the documents the method answered (the naive baseline runs on a sample of them)."""
    truth, got = [], []
    for r in (r for r in records if method in r.answers):
        for name, value in r.truth.items():
            truth.append(normalize(value))
            got.append(normalize(r.answers.get(method, {}).get(name)))
    hits = sum(t == g for t, g in zip(truth, got, strict=True))
    cer = float(jiwer.cer(truth, got)) if truth else None
    return {"n": len(truth), "exact_match": rate(hits, len(truth)), "cer": None if cer is None else round(cer, 4)}


def methods_of(records: list[DocRecord]) -> list[str]:
    """The methods the run answered with (a `--no-llm` run has no LLM merge and no naive baseline)."""
    return [m for m in METHODS if any(m in r.answers for r in records)]


def fields(records: list[DocRecord]) -> dict[str, Any]:
    levels, methods = sorted({r.level for r in records}), methods_of(records)
    return {
        "overall": {m: field_scores(records, m) for m in methods},
        "by_level": {
            str(level): {m: field_scores([r for r in records if r.level == level], m) for m in methods}
            for level in levels
        },
    }


def _iou_stats(scores: list[float]) -> dict[str, Any]:
    n = len(scores)
    return {
        "n": n,
        "mean_iou": round(math.fsum(scores) / n, 4) if n else None,
        "iou_ge_0_5": rate(sum(s >= 0.5 for s in scores), n),
        "iou_ge_0_7": rate(sum(s >= 0.7 for s in scores), n),
    }


def locate(records: list[DocRecord]) -> dict[str, Any]:
    """IoU of every truth field's located box (0 on the wrong page); also split by how the box was found."""
    by_how: dict[str, list[float]] = {}
    for r in records:
        for name in r.truth_boxes:
            region = r.regions.get(name)
            how = "not_found" if region is None else region.source
            if region is not None and region.source == "words":
                how = "words_by_value" if region.by_value else "words_by_model"
            by_how.setdefault(how, []).append(located_iou(r, name))
    return {
        **_iou_stats([s for scores in by_how.values() for s in scores]),
        "by_source": {how: _iou_stats(scores) for how, scores in sorted(by_how.items())},
    }


def detection(records: list[DocRecord], analyzers: list[str]) -> dict[str, Any]:
    c = detection_counts(records, analyzers)
    tp, fp, fn, tn = c["tp"], c["fp"], c["fn"], c["tn"]
    ptp, pfp, pfn = c["printed_tp"], c["printed_fp"], c["printed_fn"]
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn, "precision": rate(tp, tp + fp), "recall": rate(tp, tp + fn),
        "printed_precision": rate(ptp, ptp + pfp), "printed_recall": rate(ptp, ptp + pfn),
    }  # fmt: skip


def issues(records: list[DocRecord]) -> dict[str, Any]:
    analyzers = sorted({a for r in records for a in r.flags})
    out = {"analyze (all engines)": detection(records, [a for a in analyzers if a.startswith("analyze:")])}
    out.update({a: detection(records, [a]) for a in analyzers})
    return out


def usage(records: list[DocRecord]) -> dict[str, Any]:
    docs = max(len(records), 1)
    out = {}
    for route in TASKS:
        calls = [c for r in records for c in r.calls if c.route == route]
        out[route] = {
            "llm_calls_per_doc": round(len(calls) / docs, 3),
            "prompt_tokens_per_doc": round(sum(c.prompt_tokens for c in calls) / docs, 1),
            "completion_tokens_per_doc": round(sum(c.completion_tokens for c in calls) / docs, 1),
        }
    return out


def latency(records: list[DocRecord]) -> dict[str, Any]:
    by_task: dict[str, list[float]] = {}
    for job in (j for r in records for j in r.jobs):
        by_task.setdefault(job.task, []).append(job.ms)
    return {
        task: {
            "n": len(ms),
            "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p95_ms": round(float(np.percentile(ms, 95)), 1),
        }
        for task, ms in sorted(by_task.items())
    }


def cost(records: list[DocRecord]) -> dict[str, Any]:
    docs = max(len(records), 1)
    seconds = {
        route: round(
            sum(j.ms for r in records for j in r.jobs if j.route == route and j.task in tasks) / 1000 / docs, 3
        )
        for route, tasks in TASKS.items()
    }
    usd = {
        gpu: {route: round(s * price / 3600, 7) for route, s in seconds.items()}
        for gpu, price in GPU_PRICES_USD_PER_H.items()
    }
    return {
        "assumption": COST_ASSUMPTION,
        "gpu_prices_usd_per_h": GPU_PRICES_USD_PER_H,
        "seconds_per_doc": seconds,
        "usd_per_doc": usd,
    }


def compute(records: list[DocRecord], info: RunInfo) -> dict[str, Any]:
    return {
        "run": {**info.model_dump(mode="json"), "documents": len(records)},
        "validity": validity(records),
        "fields": fields(records),
        "locate": locate(records),
        "issues": issues(records),
        "usage": usage(records),
        "latency": latency(records),
        "cost": cost(records),
        "phenomena": by_phenomenon(records),
        "stages": stages(records),
        "calibration": calibration.section(records),
    }


Table = tuple[str, list[str], list[list[str]]]


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1 else f"{value:,.1f}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {v}" for k, v in value.items()) or "–"
    return str(value)


def source_line(metrics: dict[str, Any]) -> str:
    """Where every figure of the tables came from."""
    run = metrics["run"]
    naive = run.get("naive_docs")
    return (
        f"model {run['model']} · engine {run['engine_url']} · structured-output backend {run['backend']} · "
        f"seed {run['seed']} · {run['docs']} docs per level × levels {run['levels']} = {run['documents']} documents "
        f"({', '.join(run['layouts'])}) · {run['concurrency']} at a time · "
        f"{_naive_sample(naive)} · hardware: {run['hardware']}"
    )


def _naive_sample(naive_docs: int | None) -> str:
    if naive_docs == 0:
        return "naive baseline off (opt in: --naive-docs N)"
    return "naive baseline on " + ("every document" if naive_docs is None else f"the first {naive_docs} per level")


def _validity_table(m: dict[str, Any]) -> Table:
    keys = ("jobs", "with_llm", "json_parse_rate", "schema_valid_rate", "errors")
    rows = [[k, *(fmt(v[x]) for x in keys)] for k, v in m["validity"].items()]
    headers = ["route:task", "jobs", "with LLM", "JSON parse", "schema-valid", "errors"]
    return "JSON validity: grammar path vs naive path", headers, rows


def _fields_table(m: dict[str, Any]) -> Table:
    levels = list(m["fields"]["by_level"])
    rows = [
        [method, fmt(s["n"]), fmt(s["exact_match"]), fmt(s["cer"])]
        + [fmt(m["fields"]["by_level"][lv][method]["exact_match"]) for lv in levels]
        for method, s in m["fields"]["overall"].items()
    ]
    headers = ["method", "fields", "exact match", "CER", *(f"exact, level {lv}" for lv in levels)]
    return "Field accuracy by method", headers, rows


def _locate_table(m: dict[str, Any]) -> Table:
    loc, stats = m["locate"], ("n", "mean_iou", "iou_ge_0_5", "iou_ge_0_7")
    rows = [["all", *(fmt(loc[x]) for x in stats)]]
    rows += [[how, *(fmt(s[x]) for x in stats)] for how, s in loc["by_source"].items()]
    return "Located boxes vs true field boxes", ["boxes", "n", "mean IoU", "IoU ≥ 0.5", "IoU ≥ 0.7"], rows


def _issues_table(m: dict[str, Any]) -> Table:
    keys = ("tp", "fp", "fn", "tn", "precision", "recall", "printed_precision", "printed_recall")
    rows = [[a, *(fmt(s.get(x)) for x in keys)] for a, s in m["issues"].items()]
    headers = ["analyzer", "TP", "FP", "FN", "TN", "precision", "recall", "precision (text)", "recall (text)"]
    title = "Issue detection (a field is wrong when its OCR value differs from the truth's; see evals.readings)"
    return title, headers, rows


def _usage_table(m: dict[str, Any]) -> Table:
    rows = [[route, *(fmt(v) for v in s.values())] for route, s in m["usage"].items()]
    return "LLM usage per document", ["route", "LLM calls", "prompt tokens", "completion tokens"], rows


def _latency_table(m: dict[str, Any]) -> Table:
    rows = [[task, fmt(s["n"]), fmt(s["p50_ms"]), fmt(s["p95_ms"])] for task, s in m["latency"].items()]
    title = f"Latency per task ({m['run']['concurrency']} document(s) at a time)"
    return title, ["task", "n", "p50 ms", "p95 ms"], rows


def _cost_table(m: dict[str, Any]) -> Table:
    usd = m["cost"]["usd_per_doc"]
    rows = [
        [route, fmt(s), *(f"${usd[gpu][route]:.7f}" for gpu in GPU_PRICES_USD_PER_H)]
        for route, s in m["cost"]["seconds_per_doc"].items()
    ]
    headers = ["route", "seconds", *(f"{gpu} ${p}/h" for gpu, p in GPU_PRICES_USD_PER_H.items())]
    return "Cost per document (see the assumption)", headers, rows


def tables(metrics: dict[str, Any]) -> list[Table]:
    """The figures as (title, headers, rows), for the printed summary and the report."""
    makers = (_validity_table, _fields_table, _locate_table, _issues_table, _usage_table, _latency_table)
    extra = phenomenon_tables(metrics) + stage_table(metrics) + calibration.tables(metrics)
    return [make(metrics) for make in (*makers, _cost_table)] + extra


def markdown(metrics: dict[str, Any]) -> str:
    parts = [source_line(metrics)]
    for title, headers, rows in tables(metrics):
        lines = [f"| {' | '.join(headers)} |", f"|{'---|' * len(headers)}"]
        lines += [f"| {' | '.join(row)} |" for row in rows]
        parts.append(f"**{title}**\n\n" + "\n".join(lines))
    parts.append(f"Cost assumption: {metrics['cost']['assumption']}")
    return "\n\n".join(parts)
