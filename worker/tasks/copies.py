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

Runs of one keyed word fewer and one more are compared too: OCR glues or splits words
differently in each copy (`Co. KG` in the header, `Co.KG` in the footer), and a run of the value's
word count then holds a neighbour's word (`6.544,65€ Scheibe Zorbach AG Co.KG`), not the copy.

A differing copy is a medium `inconsistent` issue citing both runs, with the copy's text as the
suggestion: which copy is right the page cannot say, so both are offered, the reading and the
other. Only where OCR was clearly surer of the field's words than of the copy's (`SURER_BY`), or
where every word the copies differ in is a listed word as the field reads it and none as the copy
does (`Knowles` against `Knowies`, `Nelson` against `Nelsan`: `lexicon`), is the copy the likelier
misreading: the issue is then low, and the field is not marked uncertain. Values
shorter than `MIN_KEY` characters are left alone: short words are near many others.
The comparison is rapidfuzz's batch `extract` over each page's runs, built once per run length: a
50-page request of 20,000 words with 50 text fields (of two to five words) takes about 0.5 s here,
in the rules' thread.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from schemas.common import MAX_FIELD_VALUE, MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.results import Issue, IssueKind, Severity

from .label_vocabulary import LETTER_RUNS
from .lexicon import is_known
from .normalize import squash_key

NEAR_COPY = 85.0
"""rapidfuzz ratio from which a run is a copy of the value: one letter changed in 14 scores 93,
two letters in 14 (`junkenmalzerkg` against `junkenmälzerkg`, then one more) about 86."""
MIN_KEY = 8
"""Letters and digits (`copy_key`) a value needs before its near copies mean anything."""
SURER_BY = 0.1
"""Word confidence by which the field's reading must beat the copy's to stand over it. In the
evaluation (seeds 1-6) the copies that were right were read as surely as the wrong field (0.91
against 0.91 and 0.92), the wrong copies far less surely (0.66 against 0.82, 0.24 against 0.89)."""


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


class PageRuns:
    """Each page's runs of a given number of keyed words, built once per number for all fields."""

    def __init__(self, document: OcrDocument) -> None:
        self.document = document
        self.by_length: dict[int, list[list[Run]]] = {}

    def around(self, length: int) -> list[list[Run]]:
        """Each page's runs of one word fewer, as many, and one more than `length`."""
        for n in range(max(1, length - 1), length + 2):
            if n not in self.by_length:
                self.by_length[n] = [runs_of(page, n) for page in self.document.pages]
        return [
            [run for n in range(max(1, length - 1), length + 2) for run in self.by_length[n][i]]
            for i in range(len(self.document.pages))
        ]


def is_surer(field: OcrField, copy: Run, confidences: dict[str, float]) -> bool:
    """Whether the field's words were read surer than the copy's: the copy's weakest word at least
    `SURER_BY` below the field's weakest (a field citing no words is never surer)."""
    own = [confidences[w] for w in field.word_ids if w in confidences]
    return bool(own) and min(confidences[w] for w in copy.ids) <= min(own) - SURER_BY


def is_listed_over(value: str, copy: Run) -> bool:
    """Whether the copy differs from the value only in words of letters that the word lists hold as
    the value spells them and lack as the copy does: OCR turns a word into a non-word far more often
    than a non-word into the one word the page meant. Copies of other word counts never are."""
    ours, theirs = LETTER_RUNS.findall(value), LETTER_RUNS.findall(copy.text)
    if len(ours) != len(theirs):
        return False
    differing = [(a, b) for a, b in zip(ours, theirs, strict=True) if a.casefold() != b.casefold()]
    return bool(differing) and all(is_known(a) and not is_known(b) for a, b in differing)


def copy_issues(document: OcrDocument, checked: frozenset[str]) -> Iterator[Issue]:
    """An `inconsistent` issue for each field (not in `checked`, by `squash_key`) whose value the
    page prints again, read differently (one issue per field: its first such copy); low when the
    field was read surer than the copy (`is_surer`) or in listed words where the copy is not
    (`is_listed_over`), medium otherwise."""
    runs = PageRuns(document)
    confidences = {w.id: w.confidence for page in document.pages for w in page.words}
    for field in document.fields:
        key = copy_key(field.value or "")
        if len(key) < MIN_KEY or squash_key(field.name) in checked:
            continue
        # words without letters or digits (`&`) have no key and are in no run: not counted either
        length = sum(1 for word in (field.value or "").split() if copy_key(word))
        copy = first_differing_copy(field, key, runs.around(length))
        if copy is not None:
            likelier = is_surer(field, copy, confidences) or is_listed_over(field.value or "", copy)
            yield Issue(
                field=field.name,
                kind=IssueKind.INCONSISTENT,
                severity=Severity.LOW if likelier else Severity.MEDIUM,
                message=f'"{field.name}" is printed again, read as a different value; check both copies',
                word_ids=[*field.word_ids, *copy.ids][:MAX_WORD_REFS],
                suggested_value=copy.text[:MAX_FIELD_VALUE],
            )
