"""The truth file of a user's document (`python -m evals run --dir DIR`): `NAME.truth.json` beside
`NAME.pdf`, `NAME.png` or `NAME.jpg`.

    {"layout": "invoice",                       optional: invoice | receipt | form, for label words
     "fields": [
       {"name": "total", "value": "4.904,94"},   the value as printed, without glued symbols
       {"name": "date", "value": "7. Mai 2014", "format": "date",
        "bbox": [812, 402, 1010, 431], "page": 0, "phenomena": ["non_english"]},
       {"name": "phone", "value": null}          null or "": expected but not on the page
     ]}

Every page of a document is evaluated. `page` (0-based) is the page a field is printed on; `bbox` is in
pixels of that page's image (for a PDF: rendered at the run's `--dpi`). Without `bbox`, a PDF's text
layer gives the box of the value: on `page` where it is given, else on whichever page prints it (so a
user of a 3-page invoice writes only the values); a page image (PNG, JPEG) is one page, page 0. A field
without a box (no layer, or a value not in it) is left out of the locate figures. `format` is a
`FieldFormat` of the service (analyze checks it; the OCR reader uses it); `labels` are the words
printed before the value, when they are not the field's name. Where a PDF's layer prints a value more
than once, `occurrence` picks one (0 = the first, in page order) and the field is `repeated`; without
`occurrence` (or `bbox`) such a field has no box, since which copy is the field's is what locate must
answer. A value sharing a word with a symbol or prefix is `glued`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from schemas.common import FieldName
from schemas.requests import FieldFormat

Phenomenon = Literal["non_english", "repeated", "glued", "two_column", "absent"]
Box = tuple[float, float, float, float]


class TruthFileError(ValueError):
    """A truth file that cannot be used: names the file, the field and what is wrong."""


class TruthFileField(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: FieldName
    value: Annotated[str, Field(max_length=1000)] | None
    bbox: Box | None = None
    page: Annotated[int, Field(ge=0)] | None = None
    """The page the field is printed on (0 = the first). Default: the first, or with a PDF's text layer
    and no `bbox`, the page the layer prints the value on."""
    phenomena: list[Phenomenon] = []
    format: FieldFormat | None = None
    labels: list[Annotated[str, Field(min_length=1, max_length=64)]] = []
    occurrence: Annotated[int, Field(ge=0)] | None = None
    """A PDF whose text layer prints the value more than once: which one (0 = first in page order, then
    the layer's reading order). Default: the first."""

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, box: Box | None) -> Box | None:
        if box is not None and not (0 <= box[0] < box[2] and 0 <= box[1] < box[3]):
            raise ValueError("bbox is [x0, y0, x1, y1] in pixels with 0 <= x0 < x1 and 0 <= y0 < y1")
        return box

    @property
    def absent(self) -> bool:
        return not (self.value or "").strip()


class TruthFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    layout: Literal["invoice", "receipt", "form"] | None = None
    locale: Annotated[str, Field(max_length=16)] | None = None
    fields: Annotated[list[TruthFileField], Field(min_length=1, max_length=100)]

    @model_validator(mode="after")
    def _unique(self) -> TruthFile:
        names = [f.name for f in self.fields]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"field names must be unique; repeated: {', '.join(twice)}")
        return self


def load_truth(path: Path) -> TruthFile:
    """Parse and validate a truth file; every problem is a `TruthFileError` naming file and field."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TruthFileError(f"{path}: not a readable JSON file ({exc})") from exc
    try:
        return TruthFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{_where(raw, e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False))
        raise TruthFileError(f"{path}: {problems}") from None


def _where(raw: object, loc: tuple[int | str, ...]) -> str:
    """'fields[2] (total).bbox' for a location in the file, naming the field where it has a name."""
    out, node = "", raw
    for part in loc:
        node = node[part] if isinstance(node, list | dict) and _has(node, part) else None  # type: ignore[index]
        if isinstance(part, int):
            name = node.get("name") if isinstance(node, dict) else None
            out += f"[{part}]" + (f" ({name})" if isinstance(name, str) else "")
        else:
            out += f".{part}" if out else str(part)
    return out or "file"


def _has(node: list[object] | dict[str, object], part: int | str) -> bool:
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return part in node
