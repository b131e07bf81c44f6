"""Whether a confidence means what it says, and the monotone maps that make it so.

From a run's records, every confidence the worker returned is paired with whether its answer was right:
- region: a located box (not `not_found`) is right when its IoU with the true box is ≥ 0.5
  (`evals.phenomena.located_iou`, as the locate metrics: 0 on the wrong page); a box for a field
  absent from the page is wrong, and a field whose truth has no box (a user's document) is left out;
- field: a merged value (the LLM merge's and the vote's) is right when it equals the truth under the
  normalisation of the exact-match metric (`evals.extract.normalize`); a field without a value is
  left out (its confidence is 0 by definition);
- issue: analyze's issues carry no confidence (`schemas.results.Issue`), so there is nothing to
  calibrate; the report says so.

Reliability: 10 equal-width confidence bins (count, mean confidence, accuracy); ECE is the
count-weighted mean of |accuracy − mean confidence| over the bins. The map the worker applies
(`worker.calibration`) is the isotonic (pool-adjacent-violators) fit of correctness on confidence,
stored as knots at each pooled block's lowest and highest confidence and interpolated linearly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.extract import normalize
from evals.phenomena import located_iou
from evals.records import DocRecord
from worker.calibration import KINDS, CalibrationMap, FittedOn, Knots, read_map
from worker.config import PRESETS

BINS = 10
IOU_RIGHT = 0.5
MERGE_METHODS = ("llm-merge", "vote")
MIN_PAIRS = 30
"""A kind with fewer pairs gets no map (its confidences stay raw): a handful of answers fit nothing."""
ISSUES_NOTE = "Analyze's issues carry no confidence (schemas.results.Issue has none): nothing to calibrate"
RAW = ("", "identity")
"""`RunInfo.calibration` of a run whose confidences are raw (or not recorded)."""
Pair = tuple[float, bool]
Table = tuple[str, list[str], list[list[str]]]


def region_pairs(records: Iterable[DocRecord]) -> list[Pair]:
    out = []
    for r in records:
        for name, region in r.regions.items():
            if region.confidence is None or region.bbox is None:
                continue
            if name in r.truth_boxes:
                out.append((region.confidence, located_iou(r, name) >= IOU_RIGHT))
            elif name in r.truth and not r.truth[name]:
                out.append((region.confidence, False))
    return out


def field_pairs(records: Iterable[DocRecord], methods: Iterable[str] = MERGE_METHODS) -> list[Pair]:
    out = []
    for r in records:
        for method in methods:
            for name, confidence in r.confidences.get(method, {}).items():
                if name in r.truth:
                    right = normalize(r.answers.get(method, {}).get(name)) == normalize(r.truth[name])
                    out.append((confidence, right))
    return out


def pairs(records: list[DocRecord]) -> dict[str, list[Pair]]:
    """Per kind (and per merge method), every (confidence, right) pair of the run."""
    out = {"region": region_pairs(records), "field": field_pairs(records)}
    out |= {f"field:{m}": field_pairs(records, [m]) for m in MERGE_METHODS}
    return out


def _bin(confidence: float, bins: int) -> int:
    return min(max(int(confidence * bins), 0), bins - 1)


def reliability(sample: list[Pair], bins: int = BINS) -> list[dict[str, Any]]:
    """Every bin [i/bins, (i+1)/bins) (the last one closed): count, mean confidence, accuracy."""
    grouped: list[list[Pair]] = [[] for _ in range(bins)]
    for confidence, right in sample:
        grouped[_bin(confidence, bins)].append((confidence, right))
    return [
        {
            "lo": round(i / bins, 4),
            "hi": round((i + 1) / bins, 4),
            "n": len(group),
            "confidence": round(math.fsum(c for c, _ in group) / len(group), 4) if group else None,
            "accuracy": round(sum(ok for _, ok in group) / len(group), 4) if group else None,
        }
        for i, group in enumerate(grouped)
    ]


def ece(sample: list[Pair], bins: int = BINS) -> float | None:
    """Expected calibration error: Σ_bins n_b / N · |accuracy_b − mean confidence_b| (None: no pairs)."""
    grouped: list[list[Pair]] = [[] for _ in range(bins)]
    for confidence, right in sample:
        grouped[_bin(confidence, bins)].append((confidence, right))
    gaps = [abs(sum(ok for _, ok in g) - math.fsum(c for c, _ in g)) for g in grouped if g]
    return math.fsum(gaps) / len(sample) if sample else None


def section(records: list[DocRecord]) -> dict[str, Any]:
    """The `calibration` part of the metrics: per kind, the pairs' summary, ECE and reliability bins."""
    kinds = {}
    for kind, sample in pairs(records).items():
        n, error = len(sample), ece(sample)
        kinds[kind] = {
            "n": n,
            "mean_confidence": round(math.fsum(c for c, _ in sample) / n, 4) if n else None,
            "accuracy": round(sum(ok for _, ok in sample) / n, 4) if n else None,
            "ece": None if error is None else round(error, 4),
            "bins": reliability(sample),
        }
    return {"kinds": kinds, "issue": ISSUES_NOTE}


def isotonic(sample: list[Pair]) -> Knots:
    """Pool adjacent violators: the non-decreasing fit of correctness on confidence (least squares),
    as knots at every pooled block's lowest and highest confidence."""
    by_x: dict[float, list[int]] = {}
    for confidence, right in sample:
        hits_n = by_x.setdefault(confidence, [0, 0])
        hits_n[0] += right
        hits_n[1] += 1
    blocks: list[tuple[float, float, int, int]] = []  # (lowest x, highest x, hits, n)
    for x in sorted(by_x):
        lo, hi, hits, n = x, x, *by_x[x]
        while blocks and blocks[-1][2] * n >= hits * blocks[-1][3]:  # previous mean ≥ this one: pool
            lo, _, more, count = blocks.pop()
            hits, n = hits + more, n + count
        blocks.append((lo, hi, hits, n))
    xs: list[float] = []
    ys: list[float] = []
    for lo, hi, hits, n in blocks:
        for x in dict.fromkeys((lo, hi)):
            xs.append(x)
            ys.append(hits / n)
    return Knots(list(zip(xs, ys, strict=True)))


def rounded(knots: Knots, digits: int = 6) -> Knots:
    """The knots as stored: rounded, keeping x strictly increasing."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in zip(knots.x, knots.y, strict=True):
        if not xs or round(x, digits) > xs[-1]:
            xs.append(round(x, digits))
            ys.append(max(round(y, digits), ys[-1] if ys else 0.0))
    return Knots(list(zip(xs, ys, strict=True)))


def mapped(sample: list[Pair], knots: Knots) -> list[Pair]:
    return [(knots(c), ok) for c, ok in sample]


def load_records(path: Path) -> list[DocRecord]:
    return [DocRecord.model_validate(r) for r in json.loads(path.read_text(encoding="utf-8"))]


def run_of(records_path: Path) -> dict[str, Any]:
    """The run info of the metrics.json beside a records.json ({} when there is none)."""
    metrics = records_path.with_name("metrics.json")
    return dict(json.loads(metrics.read_text(encoding="utf-8")).get("run", {})) if metrics.is_file() else {}


def raw_run(path: Path, use: str) -> dict[str, Any]:
    """The run info of the records at `path`, which must hold raw confidences to `use` them
    (to fit or check a map: confidences already mapped would fit the map on itself)."""
    run = run_of(path)
    if str(run.get("calibration", "")) not in RAW:
        mapped_by = run["calibration"]
        raise ValueError(f"{path}: its confidences were mapped ({mapped_by}); {use} on a CALIBRATION=false run")
    return run


def fit_map(paths: list[Path], preset: str, min_pairs: int = MIN_PAIRS) -> CalibrationMap:
    """Per kind, the isotonic map of the runs' raw confidences (a kind with fewer than `min_pairs` has none)."""
    if preset not in PRESETS:
        raise ValueError(f"preset {preset!r} is not one of {', '.join(sorted(PRESETS))}")
    records, models = [], set()
    for path in paths:
        run = raw_run(path, "fit")
        models |= {str(run["model"])} if "model" in run else set()
        records += load_records(path)
    found = pairs(records)
    return CalibrationMap(
        preset=preset,
        model=", ".join(sorted(models)) or PRESETS[preset].model,
        date=datetime.now(UTC).date().isoformat(),
        fitted_on=FittedOn(
            records=[str(p) for p in paths],
            seeds=sorted({r.seed for r in records}),
            documents=len(records),
            levels=sorted({r.level for r in records}),
            pairs={kind: len(found[kind]) for kind in KINDS},
        ),
        maps={kind: rounded(isotonic(found[kind])) for kind in KINDS if len(found[kind]) >= min_pairs},
    )


def calibrate(
    paths: list[Path], preset: str, out: Path, min_pairs: int = MIN_PAIRS, check: list[Path] | None = None
) -> CalibrationMap:
    """`python -m evals calibrate`: fit, write the map file, print ECE before and after on the fit's
    own pairs, and with `check` (raw runs the fit did not see) the held-out ECE of the map that
    `out` held before beside the new one's."""
    fitted = fit_map(paths, preset, min_pairs)
    previous = read_map(out) if out.is_file() else None
    for line in held_out_lines(check or [], previous, fitted):
        print(line)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(map_json(fitted), encoding="utf-8")
    found = pairs([r for p in paths for r in load_records(p)])
    for kind in KINDS:
        sample, fit = found[kind], fitted.maps.get(kind)
        after = "no map (too few pairs)" if fit is None else f"{ece(mapped(sample, fit)):.4f} ({len(fit.x)} knots)"
        print(f"{kind}: {len(sample)} pairs, ECE raw {_fmt(ece(sample))} → fitted {after}")
    print(f"wrote {out}; the fit's own pairs (report ECE on held-out documents)")
    return fitted


def held_out_lines(check: list[Path], previous: CalibrationMap | None, fitted: CalibrationMap) -> list[str]:
    """Per kind, the ECE on raw runs the fit did not see: raw, under the previous map, under the new
    one, side by side, so a refit is kept only where it does better."""
    if not check:
        return []
    for path in check:
        raw_run(path, "check")
    found = pairs([r for p in check for r in load_records(p)])
    out = []
    for kind in KINDS:
        sample = found[kind]
        before, after = (m.maps.get(kind) if m else None for m in (previous, fitted))
        scores = [ece(mapped(sample, knots)) if knots else ece(sample) for knots in (before, after)]
        out.append(
            f"held out, {kind}: {len(sample)} pairs, ECE raw {_fmt(ece(sample))}, "
            f"previous map {_fmt(scores[0]) if previous else '– (none)'}, new map {_fmt(scores[1])}"
        )
    return out


def map_json(fitted: CalibrationMap) -> str:
    """The map file's text: indented, with every [raw, calibrated] knot on one line."""
    text = json.dumps(fitted.model_dump(mode="json"), indent=1)
    return re.sub(r"\[\s+([-\d.e]+),\s+([-\d.e]+)\s+\]", r"[\1, \2]", text) + "\n"


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4f}"


def tables(metrics: dict[str, Any]) -> list[Table]:
    """The ECE per kind, then one reliability table per kind that has pairs."""
    kinds = metrics.get("calibration", {}).get("kinds", {})
    keys = ("n", "mean_confidence", "accuracy", "ece")
    summary = [[kind, *(_cell(s[k]) for k in keys)] for kind, s in kinds.items()]
    summary.append(["issue", "–", "–", "–", "– (analyze issues carry no confidence)"])
    out: list[Table] = [
        (
            "Calibration: expected calibration error per kind",
            ["kind", "n", "mean confidence", "accuracy", "ECE"],
            summary,
        )
    ]
    for kind, s in kinds.items():
        rows = [
            [f"{b['lo']:.1f}–{b['hi']:.1f}", str(b["n"]), _cell(b["confidence"]), _cell(b["accuracy"])]
            for b in s["bins"]
            if b["n"]
        ]
        if rows:
            out.append(
                (
                    f"Reliability: {kind} (10 bins; empty bins left out)",
                    ["confidence", "n", "mean confidence", "accuracy"],
                    rows,
                )
            )
    return out


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
