"""Building blocks shared by the wire and decoding models: bounded scalars and the strict base."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Word ids travel inside prompts as `id|text|x|y` and inside grammars as enum members, so they are
# restricted to characters that need no quoting in either.
WORD_ID_CHARS = r"[A-Za-z0-9_.:-]"
# Free text the model writes: printable ASCII without `"` and `\`, so a JSON string of n characters
# is exactly n+2 characters (no escapes) and at most n+2 tokens. `bounds.py` relies on this.
SAFE_TEXT_CHARS = r"[ !#-\[\]-~]"
# Text that may hold any printable character but no quote, backslash or control character: raw
# UTF-8 in the output, at most 4 byte-level tokens a character.
RAW_TEXT_CHARS = r'[^"\\\x00-\x1f\x7f-\x9f]'


def bounded_text(chars: str, min_length: int, max_length: int) -> str:
    """A pattern that states its length bounds itself: xgrammar ignores minLength/maxLength on a
    string that has a pattern, so the repetition count must carry them (≤ 128, xgrammar's limit)."""
    return f"^{chars}{{{min_length},{max_length}}}$"


MAX_WORD_ID = 16
"""Characters of a word id; the pattern carries the bound, since grammars read only the pattern."""
WORD_ID_PATTERN = bounded_text(WORD_ID_CHARS, 1, MAX_WORD_ID)


MAX_PAGE_PIXELS = 20_000
MAX_PAGES = 50
MAX_WORDS_PER_PAGE = 5_000
MAX_FIELDS = 200
MAX_FIELD_NAME = 64
MAX_SOURCE_NAME = 64
MAX_FIELD_VALUE = 1_000
MAX_WORD_TEXT = 200
MAX_WORD_REFS = 500

Confidence = Annotated[float, Field(ge=0.0, le=1.0, description="0 (no trust) to 1 (certain).")]
WordId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_WORD_ID,
        pattern=WORD_ID_PATTERN,
        description=f"Word id, unique in the document: letters, digits and _ . : - (≤ {MAX_WORD_ID}).",
    ),
]
FieldName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_FIELD_NAME,
        pattern=bounded_text(RAW_TEXT_CHARS, 1, MAX_FIELD_NAME),
        description="Field name: printable, no quote or backslash.",
    ),
]
SourceName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SOURCE_NAME,
        pattern=bounded_text(RAW_TEXT_CHARS, 1, MAX_SOURCE_NAME),
        description="OCR pass name: printable, no quote or backslash.",
    ),
]
FieldValue = Annotated[str, Field(max_length=MAX_FIELD_VALUE, description="Field value as text.")]
Coordinate = Annotated[float, Field(ge=0, le=MAX_PAGE_PIXELS, description="Pixels from the page's top-left.")]
BBox = Annotated[
    tuple[Coordinate, Coordinate, Coordinate, Coordinate],
    Field(description="[x0, y0, x1, y1] in page pixels, top-left origin, x0 ≤ x1 and y0 ≤ y1."),
]


class WireModel(BaseModel):
    """Base of every request and result model: unknown keys are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class DecodingModel(BaseModel):
    """Base of every model the LLM generates: closed objects, so grammars cannot add keys."""

    model_config = ConfigDict(extra="forbid")
