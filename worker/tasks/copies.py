"""A value the page prints twice, read two ways: the page itself contradicts one reading.

A company name in the header and again in the footer: OCR reads each copy on its own, and where it
misreads one of them ("Junken Malzer KG" at the top, "Junken Mälzer KG" at the bottom, seed 2 of
the evaluation) the field's reading can be wrong in a way no format check sees, while the page says
so. For a field whose format no library checks (names, addresses, free text; amounts, dates, IBANs
and the like have their own checks), every other run of as many words on the page is compared with
the field's value by `copy_key` (its letters and digits, case aside: a stray `‘` or `.` OCR adds or
drops is no other reading), with rapidfuzz's ratio:

- a run within `NEAR_COPY` of the value but not equal to it is a copy read differently;
- a run equal to it is a copy that agrees, and then nothing is reported: two copies read alike
  outvote the third;
- the field's own words (its `word_ids`, else its first exact run) are never its copy.

A differing copy is a medium `inconsistent` issue citing both runs, with the copy's text as the
suggestion: which copy is right the page cannot say, so both are offered, the reading and the
other. Values shorter than `MIN_KEY` characters are left alone: short words are near many others.
The comparison is rapidfuzz's batch `extract` over each page's runs, built once per run length: a
50-page request of 20,000 words with 50 text fields takes about 1.5 s here, in the rules' thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from schemas.common import MAX_FIELD_VALUE, MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.results import Issue, IssueKind, Severity

from .normalize import squash_key

NEAR_COPY = 85.0
"""rapidfuzz ratio from which a run is a copy of the value: one letter changed in 14 scores 93,
two letters in 14 (`junkenmalzerkg` against `junkenmälzerkg`, then one more) about 86."""
MIN_KEY = 8
"""Letters and digits (`copy_key`) a value needs before its near copies mean anything."""


@dataclass(frozen=True)
class Run:
    """A run of consecutive words on one page: their ids, their printed text and its `copy_key`."""

    ids: tuple[str, ...]
    text: str
    key: str


def copy_key(text: str) -> str:
    """The text's letters and digits, casefolded; accents kept (they tell "Mälzer" from "Malzer")."""
    return "".join(c for c in text.casefold() if c.isalnum())


def runs_of(page: OcrPage, length: int) -> list[Run]:
    """Every run of `length` consecutive words with a key, in reading order."""
    keyed = [(w, key) for w in page.words if (key := copy_key(w.text))]  # each word keyed once
    runs = []
    for start in range(len(keyed) - length + 1):
        window = keyed[start : start + length]
        runs.append(
            Run(
                ids=tuple(w.id for w, _ in window),
                text=" ".join(w.text for w, _ in window),
                key="".join(key for _, key in window),
            )
        )
    return runs


def differing_copies(field: OcrField, key: str, runs: Sequence[Run]) -> list[Run]:
    """The runs that copy the field's value but read differently; none when another copy agrees."""
    near = process.extract(key, [r.key for r in runs], scorer=fuzz.ratio, score_cutoff=NEAR_COPY, limit=None)
    copies = [runs[index] for _, _, index in near]
    own = set(field.word_ids) or next((set(r.ids) for r in copies if r.key == key), set())
    others = [r for r in copies if not own & set(r.ids)]
    if any(r.key == key for r in others):
        return []
    return [r for r in others if r.key != key]


def first_differing_copy(field: OcrField, key: str, pages: Sequence[list[Run]]) -> Run | None:
    for runs in pages:
        copies = differing_copies(field, key, runs)
        if copies:
            return copies[0]
    return None


def copy_issues(document: OcrDocument, checked: frozenset[str]) -> Iterator[Issue]:
    """An `inconsistent` issue for each field (not in `checked`, by `squash_key`) whose value the
    page prints again, read differently (one issue per field: its first such copy)."""
    pages_by_length: dict[int, list[list[Run]]] = {}
    for field in document.fields:
        key = copy_key(field.value or "")
        if len(key) < MIN_KEY or squash_key(field.name) in checked:
            continue
        length = len((field.value or "").split())
        if length not in pages_by_length:
            pages_by_length[length] = [runs_of(page, length) for page in document.pages]
        copy = first_differing_copy(field, key, pages_by_length[length])
        if copy is not None:
            yield Issue(
                field=field.name,
                kind=IssueKind.INCONSISTENT,
                severity=Severity.MEDIUM,
                message=f'"{field.name}" is printed again, read as a different value; check both copies',
                word_ids=[*field.word_ids, *copy.ids][:MAX_WORD_REFS],
                suggested_value=copy.text[:MAX_FIELD_VALUE],
            )
