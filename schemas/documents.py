"""The OCR input every task reads: words with boxes and confidences, pages, fields."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from .common import (
    MAX_FIELD_NAME,
    MAX_FIELDS,
    MAX_PAGE_PIXELS,
    MAX_PAGES,
    MAX_WORD_REFS,
    MAX_WORD_TEXT,
    MAX_WORDS_PER_PAGE,
    BBox,
    Confidence,
    FieldName,
    FieldValue,
    WireModel,
    WordId,
)
from .errors import located_error


def _ordered(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    if x0 > x1 or y0 > y1:
        raise ValueError(f"box {list(box)} needs x0 ≤ x1 and y0 ≤ y1")
    return box


OrderedBBox = Annotated[BBox, AfterValidator(_ordered)]


class OcrWord(WireModel):
    """One recognised word (or line segment) with its box in page pixels."""

    id: WordId
    text: Annotated[str, Field(max_length=MAX_WORD_TEXT)]
    bbox: OrderedBBox
    confidence: Confidence


class OcrPage(WireModel):
    index: Annotated[int, Field(ge=0, lt=MAX_PAGES, description="0-based page number.")]
    width: Annotated[int, Field(ge=1, le=MAX_PAGE_PIXELS, description="Page width in pixels.")]
    height: Annotated[int, Field(ge=1, le=MAX_PAGE_PIXELS, description="Page height in pixels.")]
    words: Annotated[list[OcrWord], Field(max_length=MAX_WORDS_PER_PAGE)] = []

    @model_validator(mode="after")
    def _boxes_inside_page(self) -> OcrPage:
        for i, word in enumerate(self.words):
            _, _, x1, y1 = word.bbox
            if x1 > self.width or y1 > self.height:
                raise located_error(
                    "OcrPage",
                    "bbox_outside_page",
                    "box {bbox} lies outside the {width}×{height} page",
                    ("words", i, "bbox"),
                    bbox=list(word.bbox),
                    width=self.width,
                    height=self.height,
                )
        return self


class OcrField(WireModel):
    """A key/value the OCR step extracted, with the words it was read from."""

    name: FieldName
    value: FieldValue | None = None
    confidence: Confidence | None = None
    word_ids: Annotated[list[WordId], Field(max_length=MAX_WORD_REFS)] = []


def unique_names_error(title: str, names: list[str], list_key: str, what: str) -> None:
    """Raise a located error at the first repeated name in `names`."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            raise located_error(
                title, f"duplicate_{what}", f"this {what} appears earlier in {list_key}", (list_key, i, what)
            )
        seen.add(name)


class OcrDocument(WireModel):
    pages: Annotated[list[OcrPage], Field(min_length=1, max_length=MAX_PAGES)]
    fields: Annotated[list[OcrField], Field(max_length=MAX_FIELDS)] = []
    document_type: Annotated[str, Field(max_length=MAX_FIELD_NAME)] | None = None

    @model_validator(mode="after")
    def _references_resolve(self) -> OcrDocument:
        unique_names_error("OcrDocument", [f.name for f in self.fields], "fields", "name")
        indexes: set[int] = set()
        ids: set[str] = set()
        for p, page in enumerate(self.pages):
            if page.index in indexes:
                raise located_error(
                    "OcrDocument",
                    "duplicate_page",
                    "page index {index} appears twice",
                    ("pages", p, "index"),
                    index=page.index,
                )
            indexes.add(page.index)
            for w, word in enumerate(page.words):
                if word.id in ids:
                    raise located_error(
                        "OcrDocument",
                        "duplicate_word_id",
                        "this word id appears earlier in the document",
                        ("pages", p, "words", w, "id"),
                    )
                ids.add(word.id)
        for f, field in enumerate(self.fields):
            for r, ref in enumerate(field.word_ids):
                if ref not in ids:
                    raise located_error(
                        "OcrDocument",
                        "unknown_word_id",
                        "this word id is not in the document",
                        ("fields", f, "word_ids", r),
                    )
        return self

    def words_by_id(self) -> dict[str, tuple[OcrPage, OcrWord]]:
        return {w.id: (page, w) for page in self.pages for w in page.words}
