"""The data lines of the prompts: one request item per line, columns separated by `|`.

Everything that comes from a request (word text, field names and values, hints, pass names) goes
through `cell` first, so no text can start a line or a column of its own: every character that
`str.splitlines` breaks on, and every other control character, becomes a space; lone surrogates
(which cannot be encoded for the engine) become U+FFFD; the column separator `|` becomes `¦`
(U+00A6, the broken bar, which reads the same). Ordinary text is unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from schemas.documents import OcrField
    from schemas.requests import ExpectedField, LocateTarget

COLUMN = "|"
COLUMN_STAND_IN = "\u00a6"
VALUE_LIMIT = 120
"""Characters of a value shown in a field or target line; longer values end in `…`."""


def _cell_table() -> dict[int, str]:
    # Cc (C0, DEL, C1) and the line and paragraph separators: every line break `str.splitlines` knows
    table = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}
    table.update({c: "\ufffd" for c in range(0xD800, 0xE000)})
    table[ord(COLUMN)] = COLUMN_STAND_IN
    return table


_CELL = _cell_table()
# What JSON (with ensure_ascii=False) leaves raw but `str.splitlines` breaks on, or cannot encode.
_JSON_EXTRA = {c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), 0x2028, 0x2029, *range(0xD800, 0xE000))}


def cell(text: str) -> str:
    """Request text as one prompt cell: one line, no column separator, runs of spaces as one."""
    return " ".join(text.translate(_CELL).split())


def one_line(text: str, limit: int = VALUE_LIMIT) -> str:
    """A value as one short prompt cell, cut to `limit` characters (the last one `…`)."""
    flat = cell(text)
    return flat if len(flat) <= limit else f"{flat[: limit - 1]}…"


def json_string(text: str) -> str:
    """`text` as a JSON string that stays on one line (JSON escapes for line and paragraph
    separators, C1 controls and lone surrogates), so the model sees the exact spelling to answer."""
    return json.dumps(text, ensure_ascii=False).translate(_JSON_EXTRA)


def percent(confidence: float | None) -> str:
    return "?" if confidence is None else str(round(confidence * 100))


def field_line(field: OcrField) -> str:
    """`name|value|confidence %|word ids`: one extracted field in a prompt."""
    value = "" if field.value is None else one_line(field.value)
    return f"{cell(field.name)}|{value}|{percent(field.confidence)}|{' '.join(field.word_ids)}"


def target_line(target: LocateTarget) -> str:
    """`name|hint|value`: what the caller knows about a field (request text, not OCR text)."""
    hint = one_line(target.hint) if target.hint else ""
    value = one_line(target.value) if target.value else ""
    return f"{cell(target.name)}|{hint}|{value}"


def expected_item(expected: ExpectedField) -> str:
    """`name (format[, required])`: one expected field in analyze's list."""
    return f"{cell(expected.name)} ({expected.format.value}{', required' if expected.required else ''})"


def finding_item(field: str | None, kind: str) -> str:
    """`field: kind`: one rule finding the model should not repeat."""
    return f"{cell(field) if field is not None else 'document'}: {kind}"


def suggestion_item(field: str | None, value: str) -> str:
    """`field: "value"`: one value a finding may suggest, as the JSON string the model must write."""
    return f"{cell(field) if field is not None else 'document'}: {json_string(value)}"


class Vote(Protocol):
    """A pass's reading as a merge line shows it (structurally: `alignment.Vote`)."""

    @property
    def source(self) -> str: ...
    @property
    def confidence(self) -> float | None: ...


class Reading(Protocol):
    """Agreeing readings under one spelling (structurally: `alignment.Group`)."""

    @property
    def value(self) -> str: ...
    @property
    def votes(self) -> Sequence[Vote]: ...


class Conflict(Protocol):
    """A field the passes disagree on (structurally: `alignment.AlignedField`)."""

    @property
    def name(self) -> str: ...
    @property
    def groups(self) -> Sequence[Reading]: ...


def conflict_line(field: Conflict) -> str:
    """`name: "value" (source:confidence % …) | …` with values as JSON strings, so the model sees
    exactly the spelling it must answer with."""
    readings = []
    for group in field.groups:
        votes = " ".join(f"{cell(v.source)}:{percent(v.confidence)}" for v in group.votes)
        readings.append(f"{json_string(group.value)} ({votes})")
    return f"{cell(field.name)}: {' | '.join(readings)}"
