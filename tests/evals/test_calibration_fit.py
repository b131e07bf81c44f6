"""Calibration figures and the fit of the worker's maps (evals.calibration), from records alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evals.calibration import (
    calibrate,
    ece,
    field_pairs,
    isotonic,
    mapped,
    region_pairs,
    reliability,
    rounded,
    section,
    tables,
)
from evals.records import DocRecord, Region
from evals.report import calibration_html
from worker.calibration import Knots, read_map

Pair = tuple[float, bool]
pair_lists = st.lists(
    st.tuples(st.integers(0, 10_000).map(lambda i: i / 10_000), st.booleans()),  # 4 decimals, as the worker's
    min_size=1,
    max_size=120,
)


def record(
    regions: dict[str, Region], answers: dict[str, str | None], confidences: dict[str, float], seed: int = 0
) -> DocRecord:
    truth = {"total": "12.00", "name": "ACME  Ltd", "absent": ""}
    return DocRecord(
        doc_id=f"d{seed}",
        layout="invoice",
        template=0,
        seed=seed,
        level=0,
        width=1000,
        height=800,
        truth=truth,
        truth_boxes={"total": (100.0, 100.0, 200.0, 120.0), "name": (100.0, 200.0, 300.0, 220.0)},
        answers={"vote": answers},
        confidences={"vote": confidences},
        flags={},
        regions=regions,
        reocr_fields=[],
        jobs=[],
        calls=[],
    )


def test_a_region_is_right_when_its_box_overlaps_the_truth_by_half() -> None:
    regions = {
        "total": Region(bbox=(100.0, 100.0, 190.0, 120.0), source="words", by_value=True, confidence=0.9),  # IoU .9
        "name": Region(bbox=(100.0, 200.0, 180.0, 220.0), source="words", by_value=True, confidence=0.7),  # IoU .4
        "absent": Region(bbox=(0.0, 0.0, 10.0, 10.0), source="estimated", by_value=False, confidence=0.2),
    }
    assert region_pairs([record(regions, {}, {})]) == [(0.9, True), (0.7, False), (0.2, False)]
    not_found = {"total": Region(bbox=None, source="not_found", by_value=False, confidence=0.0)}
    unrecorded = {"total": Region(bbox=(100.0, 100.0, 200.0, 120.0), source="words", by_value=True)}
    assert region_pairs([record(not_found, {}, {}), record(unrecorded, {}, {})]) == []


def test_a_merged_value_is_right_when_it_matches_the_truth_as_exact_match_does() -> None:
    answers: dict[str, str | None] = {"total": "12.00", "name": "acme ltd", "absent": "x"}
    pairs = field_pairs([record({}, answers, {"total": 0.9, "name": 0.8, "absent": 0.3})])
    assert pairs == [(0.9, True), (0.8, True), (0.3, False)]


def test_ece_is_zero_when_calibrated_and_large_when_overconfident() -> None:
    # at confidence 0.05, 0.15, …, 0.95: exactly 5, 15, …, 95 of 100 answers right
    calibrated = [(0.05 + b / 10, i < 5 + 10 * b) for b in range(10) for i in range(100)]
    assert ece(calibrated) == pytest.approx(0.0, abs=1e-9)
    overconfident = [(0.95, i % 2 == 0) for i in range(200)]
    assert ece(overconfident) == pytest.approx(0.45)
    bins = reliability(overconfident)
    assert [b["n"] for b in bins] == [0] * 9 + [200] and bins[-1]["accuracy"] == 0.5


def test_pav_fits_a_known_step_and_pools_violators() -> None:
    step = [(x / 10, x >= 5) for x in range(1, 10) for _ in range(3)]
    knots = isotonic(step)
    assert knots.root == [(0.1, 0.0), (0.4, 0.0), (0.5, 1.0), (0.9, 1.0)]
    assert knots(0.2) == 0.0 and knots(0.8) == 1.0 and knots(0.45) == pytest.approx(0.5)
    assert isotonic([(0.2, True), (0.4, False)]).root == [(0.2, 0.5), (0.4, 0.5)]  # a violation, pooled


@settings(max_examples=200, deadline=None)
@given(pair_lists)
def test_the_fitted_map_is_monotone_and_never_worse_than_the_identity_on_its_data(sample: list[Pair]) -> None:
    fit = isotonic(sample)
    grid = [i / 200 for i in range(201)]
    assert all(a <= b for a, b in zip(map(fit, grid), map(fit, grid[1:]), strict=False))
    before, after = ece(sample), ece(mapped(sample, fit))
    assert before is not None and after is not None
    assert after <= before + 1e-9
    stored = rounded(fit)
    assert Knots.model_validate(stored.model_dump()) == stored  # what is written loads again
    assert (ece(mapped(sample, stored)) or 0.0) <= before + 1e-5


def test_the_section_tables_and_diagrams_come_from_the_records() -> None:
    regions = {"total": Region(bbox=(100.0, 100.0, 200.0, 120.0), source="words", by_value=True, confidence=0.9)}
    kinds = section([record(regions, {"total": "12.00"}, {"total": 0.6})])["kinds"]
    assert kinds["region"]["n"] == 1 and kinds["region"]["ece"] == pytest.approx(0.1)
    assert kinds["field"]["ece"] == pytest.approx(0.4) and kinds["field:llm-merge"]["n"] == 0
    metrics = {"calibration": section([record(regions, {"total": "12.00"}, {"total": 0.6})])}
    titles = [title for title, *_ in tables(metrics)]
    assert titles[0].startswith("Calibration") and "Reliability: region (10 bins; empty bins left out)" in titles
    assert calibration_html(metrics).count("<svg") == 3  # region, field, field:vote (llm-merge has no pairs)


def write_run(folder: Path, records: list[DocRecord], calibration: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "records.json").write_text(json.dumps([r.model_dump(mode="json") for r in records]))
    (folder / "metrics.json").write_text(json.dumps({"run": {"model": "m-1", "calibration": calibration}}))
    return folder / "records.json"


def overconfident_records(count: int) -> list[DocRecord]:
    """Vote answers at confidence 0.95 of which half are right, regions at 0.3 that are all right."""
    box = Region(bbox=(100.0, 100.0, 200.0, 120.0), source="words", by_value=True, confidence=0.3)
    return [
        record({"total": box}, {"total": "12.00" if seed % 2 else "13.00"}, {"total": 0.95}, seed)
        for seed in range(count)
    ]


def test_calibrate_writes_a_map_the_worker_loads_and_refuses_mapped_confidences(tmp_path: Path) -> None:
    raw = write_run(tmp_path / "raw", overconfident_records(40), "identity")
    out = tmp_path / "maps" / "smollm2-135m.json"
    calibrate([raw], "smollm2-135m", out, min_pairs=30)
    fitted = read_map(out)
    assert fitted.preset == "smollm2-135m" and fitted.model == "m-1"
    assert fitted.fitted_on.documents == 40 and fitted.fitted_on.pairs == {"region": 40, "field": 40}
    assert fitted.apply("field", 0.95) == 0.5 and fitted.apply("region", 0.3) == 1.0
    few = write_run(tmp_path / "few", overconfident_records(5), "")
    assert calibrate([few], "smollm2-135m", tmp_path / "few.json").maps == {}  # under MIN_PAIRS: raw
    mapped_run = write_run(tmp_path / "mapped", overconfident_records(5), "smollm2-135m.json (fitted 2026-01-01)")
    with pytest.raises(ValueError, match="CALIBRATION=false"):
        calibrate([mapped_run], "smollm2-135m", tmp_path / "no.json")


def test_a_refit_prints_held_out_ece_under_the_previous_map_beside_the_new_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "smollm2-135m.json"
    fit = write_run(tmp_path / "fit", overconfident_records(40), "identity")
    held_out = write_run(tmp_path / "held", overconfident_records(40), "")
    calibrate([fit], "smollm2-135m", out, check=[held_out])  # no map there before
    assert "held out, field: 40 pairs, ECE raw 0.4500, previous map – (none), new map 0.0000" in capsys.readouterr().out
    calibrate([fit], "smollm2-135m", out, check=[held_out])
    assert "held out, field: 40 pairs, ECE raw 0.4500, previous map 0.0000, new map 0.0000" in capsys.readouterr().out
    mapped_run = write_run(tmp_path / "mapped", overconfident_records(5), "smollm2-135m.json (fitted 2026-01-01)")
    with pytest.raises(ValueError, match="check on a CALIBRATION=false run"):
        calibrate([fit], "smollm2-135m", out, check=[mapped_run])
