"""Which printed occurrence of a value a field means, decided by the labels printed near it.

A total is often printed twice (as the subtotal too); what tells them apart on the page is the
label beside each: "Total", "Invoice date", "Factuurdatum". The label terms of a target are the
words of its name (`invoice_date` → invoice, date) and of its hint, casefolded (the hint may be
in the document's language), less a few words that describe a place rather than name a field.
A label word is a page word whose letters are a term, or, only when no word is, contain a term
of at least `MIN_COMPOUND` letters (Rechnungs*datum*). Words of the candidate itself are no label.

A label sits on the value's line (amounts right-aligned far to its right) or just above it (a
column header), so candidates are ranked first by whether a label shares their line (the boxes
overlap vertically), then by the gap between the boxes. The first candidate settles the choice
when it shares a line with a label and no other does, or when every other one is on the same
footing and at least `MARGIN` times farther; otherwise nothing is settled and the model chooses
among the candidates.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from schemas.common import BBox
from schemas.documents import OcrDocument, OcrWord
from schemas.requests import LocateTarget

from .matching import Candidate

MIN_COMPOUND = 4
MARGIN = 2.0
NO_LABEL = (2, math.inf)
PLACE_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "on",
        "in",
        "at",
        "to",
        "and",
        "or",
        "for",
        "with",
        "near",
        "top",
        "bottom",
        "left",
        "right",
        "page",
        "value",
        "field",
    ]
)
_LETTERS = re.compile(r"[^\W\d_]+")


def label_terms(target: LocateTarget) -> set[str]:
    """The casefolded words of the target's name and hint that may be printed as its label."""
    text = f"{target.name.replace('_', ' ')} {target.hint or ''}"
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # invoiceDate → invoice Date
    return {w for w in _LETTERS.findall(text.casefold()) if len(w) >= 2 and w not in PLACE_WORDS}


@lru_cache(maxsize=65_536)
def letters_of(text: str) -> str:
    """The text's letters, casefolded (`Factuurdatum:` → factuurdatum); cached, since every
    target with several occurrences scans the document's words."""
    return "".join(_LETTERS.findall(text.casefold()))


def letters(word: OcrWord) -> str:
    return letters_of(word.text)


def label_words(document: OcrDocument, terms: set[str]) -> list[tuple[int, OcrWord]]:
    """(page index, word) of every label word: exact terms, else compounds holding a long term."""
    words = [(page.index, w) for page in document.pages for w in page.words]
    exact = [(p, w) for p, w in words if letters(w) in terms]
    if exact:
        return exact
    long_terms = [t for t in terms if len(t) >= MIN_COMPOUND]
    return [(p, w) for p, w in words if letters(w) and any(t in letters(w) for t in long_terms)]


def gap(a: BBox, b: BBox) -> tuple[int, float]:
    """(0 on the same line, else 1; the distance between the boxes)."""
    dx = max(0.0, a[0] - b[2], b[0] - a[2])
    dy = max(0.0, a[1] - b[3], b[1] - a[3])
    return (0 if dy == 0 else 1), math.hypot(dx, dy)


def distance(candidate: Candidate, labels: Sequence[tuple[int, OcrWord]], boxes: dict[str, BBox]) -> tuple[int, float]:
    own = set(candidate.word_ids)
    near = [
        gap(boxes[w], label.bbox)
        for page, label in labels
        if page == candidate.page and label.id not in own
        for w in candidate.word_ids
    ]
    return min(near, default=NO_LABEL)


def settle_by_labels(target: LocateTarget, candidates: Sequence[Candidate], document: OcrDocument) -> int | None:
    """The index of the candidate nearest the target's labels, when it is clearly nearest."""
    labels = label_words(document, label_terms(target))
    if not labels:
        return None
    boxes = {w.id: w.bbox for page in document.pages for w in page.words}
    ranked = sorted((distance(c, labels, boxes), i) for i, c in enumerate(candidates))
    (best, index), (runner_up, _) = ranked[0], ranked[1]
    if best == NO_LABEL:
        return None
    if runner_up[0] > best[0] or runner_up[1] >= MARGIN * max(best[1], 1.0):
        return index
    return None
