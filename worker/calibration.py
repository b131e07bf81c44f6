"""Calibrated confidences: a monotone map from a raw confidence to the share of answers that were right.

A map is fitted offline on the synthetic evaluation set (`python -m evals calibrate`) for one model
preset and shipped as data, `worker/calibration_maps/<preset>.json`: per kind (`region`: a located box,
`field`: a merged value) a short list of (raw, calibrated) knots, linearly interpolated and flat
beyond the ends. The worker applies the map of the preset it serves to every located region with a
box and every merged field with a value, just before the result is returned. A region that was not
found and a field without a value keep confidence 0 (they claim nothing). Analyze's issues carry no
confidence, so there is nothing to calibrate there.

No map for the preset, a model other than the preset's (MODEL_NAME), or `CALIBRATION=false`: the raw
confidences are returned unchanged (the identity), which is also how raw confidences are collected
for a fit. What was chosen is logged once at start.
"""

from __future__ import annotations

import bisect
import logging
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

from schemas.results import LocateResult, MergedField, MergeResult, Region, RegionSource

from .config import Settings

log = logging.getLogger("worker.calibration")

SCHEMA_VERSION: Literal[1] = 1
MAP_DIR = Path(__file__).with_name("calibration_maps")
Kind = Literal["region", "field"]
KINDS: tuple[Kind, ...] = ("region", "field")
Unit = Annotated[float, Field(ge=0.0, le=1.0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Knots(RootModel[list[tuple[Unit, Unit]]]):
    """A monotone non-decreasing piecewise-linear map of [0, 1] onto [0, 1]: its (raw, calibrated) knots."""

    model_config = ConfigDict(frozen=True)
    root: Annotated[list[tuple[Unit, Unit]], Field(min_length=1, max_length=1000)]

    @model_validator(mode="after")
    def _monotone(self) -> Knots:
        if any(a[0] >= b[0] for a, b in zip(self.root, self.root[1:], strict=False)):
            raise ValueError("the knots' raw confidences must be strictly increasing")
        if any(a[1] > b[1] for a, b in zip(self.root, self.root[1:], strict=False)):
            raise ValueError("the knots' calibrated values must be non-decreasing (the map is monotone)")
        return self

    @property
    def x(self) -> list[float]:
        return [x for x, _ in self.root]

    @property
    def y(self) -> list[float]:
        return [y for _, y in self.root]

    def __call__(self, raw: float) -> float:
        """Linear interpolation between the knots; the end values beyond them."""
        i = bisect.bisect_right(self.x, raw)
        if i == 0:
            return self.root[0][1]
        if i == len(self.root):
            return self.root[-1][1]
        (x0, y0), (x1, y1) = self.root[i - 1], self.root[i]
        return y0 + (y1 - y0) * (raw - x0) / (x1 - x0)


class FittedOn(_Frozen):
    records: list[str]
    """The records files the pairs came from (as given to the command)."""
    seeds: list[int]
    documents: int
    levels: list[int]
    pairs: dict[Kind, int]
    """(confidence, correct) pairs per kind."""


class CalibrationMap(_Frozen):
    """What `worker/calibration_maps/<preset>.json` holds."""

    schema_version: Literal[1] = SCHEMA_VERSION
    preset: str
    model: str
    """The model the raw confidences came from (the evaluation run's)."""
    date: str
    """When the map was fitted (ISO 8601)."""
    fitted_on: FittedOn
    maps: dict[Kind, Knots]
    """A kind without a map keeps its raw confidences."""

    def apply(self, kind: Kind, raw: float) -> float:
        knots = self.maps.get(kind)
        return raw if knots is None else round(min(max(knots(raw), 0.0), 1.0), 4)


class Calibration:
    """What the worker applies to a task's result before returning it (the identity when `map` is None)."""

    def __init__(self, fitted: CalibrationMap | None = None) -> None:
        self.map = fitted

    @property
    def name(self) -> str:
        """`<preset>.json (fitted <date>)`, or "identity" (raw confidences)."""
        return "identity" if self.map is None else f"{self.map.preset}.json (fitted {self.map.date})"

    def confidence(self, kind: Kind, raw: float) -> float:
        return raw if self.map is None else self.map.apply(kind, raw)

    def result(self, result: BaseModel) -> BaseModel:
        """The result with its region and merged-field confidences mapped; any other result as it is."""
        if self.map is None:
            return result
        if isinstance(result, LocateResult):
            return result.model_copy(update={"regions": [self._region(r) for r in result.regions]})
        if isinstance(result, MergeResult):
            return result.model_copy(update={"fields": [self._field(f) for f in result.fields]})
        return result

    def _region(self, region: Region) -> Region:
        if region.source is RegionSource.NOT_FOUND:
            return region
        return region.model_copy(update={"confidence": self.confidence("region", region.confidence)})

    def _field(self, merged: MergedField) -> MergedField:
        if merged.value is None:
            return merged
        return merged.model_copy(update={"confidence": self.confidence("field", merged.confidence)})


def map_path(preset: str, folder: Path = MAP_DIR) -> Path:
    return folder / f"{preset}.json"


def read_map(path: Path) -> CalibrationMap:
    """A map file, validated (a malformed one is an error: a shipped map must load)."""
    return CalibrationMap.model_validate_json(path.read_bytes())


def load_calibration(settings: Settings, folder: Path | None = None) -> Calibration:
    """The map of the preset served (from `folder`, default `MAP_DIR`), or the identity; the choice is
    logged once per process and setting."""
    return _load(settings.calibration, settings.preset.name, settings.serves_preset_model, folder or MAP_DIR)


@cache
def _load(enabled: bool, preset: str, serves_preset_model: bool, folder: Path) -> Calibration:
    path = map_path(preset, folder)
    if not enabled:
        log.info("calibration off (CALIBRATION=false): confidences are raw")
        return Calibration()
    if not serves_preset_model:
        log.info("calibration: MODEL_NAME is not preset %s's model; confidences are raw", preset)
        return Calibration()
    if not path.is_file():
        log.info("calibration: no map for preset %s; confidences are raw", preset)
        return Calibration()
    fitted = read_map(path)
    if fitted.preset != preset:
        raise ValueError(f"{path.name} was fitted for preset {fitted.preset!r}, not {preset!r}")
    log.info("calibration: map %s (fitted %s on %d documents)", path.name, fitted.date, fitted.fitted_on.documents)
    return Calibration(fitted)
