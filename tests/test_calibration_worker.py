"""The worker maps region and merged-field confidences through its preset's map (worker.calibration).

Jobs run through the real `JobHandler` on rules alone (no LLM call: the scripted engine has no
answers), with a map file written by the test into a temporary map folder.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from schemas.results import LocateResult, MergedField, MergeMethod, MergeResult, Region, RegionSource
from worker import calibration
from worker.calibration import MAP_DIR, Calibration, CalibrationMap, Knots, load_calibration, read_map
from worker.config import PRESETS, Settings
from worker.handler import JobHandler

from .scripted_engine import ScriptedEngine

PRESET = "smollm2-135m"
REGION_MAP = [[0.5, 0.2], [1.0, 0.6]]  # raw 0.8 → 0.44
FIELD_MAP = [[0.0, 0.0], [1.0, 0.5]]  # raw 0.9 → 0.45
MERGE = {
    "task": "merge",
    "use_llm": False,
    "passes": [
        {"source": "a", "fields": [{"name": "total", "value": "12.00", "confidence": 0.5}]},
        {"source": "b", "fields": [{"name": "total", "value": "12.00", "confidence": 0.5}]},
    ],
}
LOCATE = {
    "task": "locate",
    "fields": [{"name": "total", "value": "12.00"}],
    "document": {
        "pages": [
            {
                "index": 0,
                "width": 1000,
                "height": 800,
                "words": [
                    {"id": "w0", "text": "Total", "bbox": [50, 400, 150, 420], "confidence": 0.9},
                    {"id": "w1", "text": "12.00", "bbox": [400, 400, 480, 420], "confidence": 0.8},
                ],
            }
        ]
    },
}


def map_data(preset: str = PRESET) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "preset": preset,
        "model": PRESETS[preset].model,
        "date": "2026-01-01",
        "fitted_on": {"records": ["r.json"], "seeds": [0], "documents": 3, "levels": [0], "pairs": {"region": 9}},
        "maps": {"region": REGION_MAP, "field": FIELD_MAP},
    }


@pytest.fixture
def maps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A map folder holding a map for the CPU default preset, used by every handler."""
    (tmp_path / f"{PRESET}.json").write_text(json.dumps(map_data()))
    monkeypatch.setattr(calibration, "MAP_DIR", tmp_path)
    return tmp_path


async def _job(job_input: dict[str, Any], **settings: Any) -> dict[str, Any]:
    handler = JobHandler(ScriptedEngine([]), Settings(model_preset=PRESET, **settings))
    answer = await handler({"id": "job-1", "input": job_input})
    assert "error" not in answer, answer
    return answer["result"]  # type: ignore[no-any-return]


async def test_merged_fields_and_regions_go_through_the_map(maps: Path) -> None:
    [merged] = (await _job(MERGE))["fields"]
    assert merged["method"] == "unanimous" and merged["confidence"] == pytest.approx(0.45)
    [region] = (await _job(LOCATE))["regions"]
    assert region["source"] == "words" and region["confidence"] == pytest.approx(0.44)


async def test_calibration_false_returns_raw_confidences(maps: Path) -> None:
    [merged] = (await _job(MERGE, calibration=False))["fields"]
    assert merged["confidence"] == pytest.approx(0.9)  # the unanimous floor
    [region] = (await _job(LOCATE, calibration=False))["regions"]
    assert region["confidence"] == pytest.approx(0.8)  # the word's OCR confidence × an exact match


async def test_a_preset_without_a_map_gets_raw_confidences(maps: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="worker.calibration"):
        handler = JobHandler(ScriptedEngine([]), Settings(model_preset="qwen2.5-7b"))
    assert handler.calibration.map is None and handler.calibration.name == "identity"
    assert any("no map for preset qwen2.5-7b" in r.getMessage() for r in caplog.records)


def test_another_model_than_the_presets_gets_raw_confidences(maps: Path) -> None:
    settings = Settings(model_preset=PRESET, model_name="someone/other-model")
    assert load_calibration(settings).map is None
    assert load_calibration(Settings(model_preset=PRESET)).map is not None


def test_a_map_fitted_for_another_preset_is_refused(tmp_path: Path) -> None:
    (tmp_path / f"{PRESET}.json").write_text(json.dumps(map_data("qwen2.5-7b")))
    with pytest.raises(ValueError, match=r"fitted for preset 'qwen2\.5-7b'"):
        load_calibration(Settings(model_preset=PRESET), tmp_path)


def test_regions_not_found_and_fields_without_a_value_keep_zero() -> None:
    apply = Calibration(CalibrationMap.model_validate(map_data() | {"maps": {"region": [[0.0, 0.3], [1.0, 0.9]]}}))
    located = LocateResult(
        regions=[Region(field="a", page=None, bbox=None, source=RegionSource.NOT_FOUND, confidence=0.0)]
    )
    assert apply.result(located) == located
    none = MergedField(name="a", value=None, confidence=0.0, method=MergeMethod.NONE, sources=[])
    assert apply.result(MergeResult(fields=[none])) == MergeResult(fields=[none])
    assert apply.confidence("field", 0.37) == 0.37  # a kind without a map stays raw


@pytest.mark.parametrize(
    "knots",
    [[[0.5, 0.9], [0.6, 0.1]], [[0.6, 0.1], [0.5, 0.9]], [[0.5, 0.1], [0.5, 0.2]], [], [[0.5, 1.2]]],
)
def test_knots_that_are_not_a_monotone_map_of_the_unit_interval_are_refused(knots: list[list[float]]) -> None:
    with pytest.raises(ValidationError):
        Knots.model_validate(knots)


def test_knots_interpolate_linearly_and_are_flat_beyond_the_ends() -> None:
    knots = Knots.model_validate([[0.2, 0.1], [0.6, 0.5], [0.8, 0.5]])
    assert [knots(x) for x in (0.0, 0.2, 0.4, 0.7, 1.0)] == pytest.approx([0.1, 0.1, 0.3, 0.5, 0.5])


def test_every_shipped_map_loads_for_its_own_preset() -> None:
    for path in sorted(MAP_DIR.glob("*.json")):  # none until the lead fits one: then each must load
        fitted = read_map(path)
        assert fitted.preset == path.stem and fitted.preset in PRESETS, path.name
        assert fitted.maps, f"{path.name} maps no kind"
