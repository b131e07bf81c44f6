"""Which printed occurrence of a value a field means, decided by the labels printed near it.

A total is often printed twice (as the subtotal too); what tells them apart on the page is the
label beside each: "Total", "Invoice date", "Factuurdatum". The label terms of a target are the
words of its name (`invoice_date` → invoice, date) and of its hint, folded (the hint may be in the
document's language), less a few words that describe a place rather than name a field; and, when
the name or hint names a concept of the label vocabulary (`label_vocabulary`: `invoice_date`,
`grand_total`, "Factuurdatum"), every label of that concept in every language ("Rechnungsdatum",
"Date de facture", "Totaal", "Montant TTC").

A page's words are read as labels longest phrase first, each word in at most one label: a label of
several words must be printed as consecutive words on one line, and a longer label claims words a
shorter one would (`Total HT` is the subtotal's label, so its `Total` is no label of the total;
`Invoice date` is the date's, not the invoice number's). Matching whole phrases, rather than their
distinctive words, keeps this simple and safe: "Montant HT" and "Montant TTC" share `montant`, and
a `de` or `nr` alone labels nothing. A label word is a word of a phrase among the target's terms,
or, only when no word is, an unclaimed word whose letters contain a one-word term of at least
`MIN_COMPOUND` letters (Rechnungs*datum*). Words of the candidate itself are no label.

A label sits on the value's line (amounts right-aligned far to its right) or just above it (a
column header), so candidates are ranked first by whether a label shares their line (the boxes
overlap vertically), then by the gap between the boxes. The first candidate settles the choice
when it shares a line with a label and no other does, or when every other one is on the same
footing and at least `MARGIN` times farther; otherwise nothing is settled and the model chooses
among the candidates. When the labels settle nothing, a hint that names a place ("the name printed
at the top", "in the footer") picks the first or the last occurrence in reading order
(`settle_by_place`): a company name printed in the header and again in the footer has no label, but
the hint says which one is meant.

A target without a value whose concept is always printed with a label (`labelled` in the vocabulary:
an IBAN, a total, an invoice number) is not on a page that prints none of its labels
(`no_label_printed`), so locate answers `not_found` without asking the model to guess a place. A
word within `NEAR_LABEL` of a label word (a label OCR misread, `Tota1`) counts as printed: on a
degraded page the model is asked rather than the field declared absent. A word that spells a label
of another concept exactly was read right and is that label, not a misread of this one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from functools import cache
from itertools import pairwise

from rapidfuzz import fuzz

from schemas.common import BBox
from schemas.documents import OcrDocument, OcrWord
from schemas.requests import LocateTarget

from .label_vocabulary import LETTER_RUNS, fold, letters_of, vocabulary
from .matching import Candidate

MIN_COMPOUND = 4
NEAR_LABEL = 75
"""rapidfuzz ratio from which a printed word counts as a misread label word."""
DIGIT_LETTERS = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b", "|": "l"})
"""Digits OCR reads in place of a label's letters."""
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
Phrases = dict[str, list[tuple[str, ...]]]
"""First word of a label → the labels starting with it, as word tuples, longest first."""


FIRST_PLACES = frozenset(["top", "header", "heading", "first", "head", "above"])
LAST_PLACES = frozenset(["bottom", "footer", "last", "foot", "below"])


def label_terms(target: LocateTarget) -> set[str]:
    """The target's label phrases: its name's and hint's folded words, and every label of the concept
    its name or hint names (`invoice_date` → invoice, date, factuurdatum, date de facture, …)."""
    vocab = vocabulary()
    text = f"{target.name.replace('_', ' ')} {target.hint or ''}"
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # invoiceDate → invoice Date
    skip = PLACE_WORDS | vocab.generic
    terms = {w for w in LETTER_RUNS.findall(fold(text)) if len(w) >= 2 and w not in skip}
    for concept in named_concepts(target):
        terms |= vocab.phrases[concept]
    return terms


def named_concepts(target: LocateTarget) -> set[str]:
    """The concepts the target's name or hint names (`invoice_date`, "Factuurdatum" → date)."""
    vocab = vocabulary()
    return {c for c in (vocab.concept_of(n) for n in (target.name, target.hint) if n) if c is not None}


def letters(word: OcrWord) -> str:
    return letters_of(word.text)


@cache
def _vocabulary_phrases() -> frozenset[str]:
    return vocabulary().all_phrases()


def phrase_index(terms: set[str]) -> Phrases:
    """Every label the page is read for: the vocabulary's and the target's own terms."""
    index: Phrases = {}
    for phrase in sorted(_vocabulary_phrases() | terms, key=lambda p: -len(p.split())):
        words = tuple(phrase.split())
        index.setdefault(words[0], []).append(words)
    return index


def spells(words: Sequence[OcrWord], start: int, phrase: tuple[str, ...]) -> bool:
    """Whether the words from `start` print `phrase`, left to right on one line."""
    run = words[start : start + len(phrase)]
    if len(run) < len(phrase) or any(letters(w) != p for w, p in zip(run, phrase, strict=False)):
        return False
    return all(gap(a.bbox, b.bbox)[0] == 0 and a.bbox[0] < b.bbox[0] for a, b in pairwise(run))


def printed_labels(words: Sequence[OcrWord], index: Phrases) -> Iterator[tuple[str, Sequence[OcrWord]]]:
    """(label, its words) of every label printed among a page's words: at each word the longest
    label that starts there; a word belongs to one label at most. Words without letters are skipped,
    so that `SOUS` `-` `TOTAL` (a hyphen OCR read as a word) spells "sous total"."""
    words = [w for w in words if letters(w)]
    i = 0
    while i < len(words):
        phrase = next((p for p in index.get(letters(words[i]), ()) if spells(words, i, p)), None)
        if phrase is None:
            i += 1
            continue
        yield " ".join(phrase), words[i : i + len(phrase)]
        i += len(phrase)


def label_words(document: OcrDocument, terms: set[str]) -> list[tuple[int, OcrWord]]:
    """(page index, word) of every label word: the words of the target's labels, else unclaimed
    compounds holding a long one-word term."""
    index = phrase_index(terms)
    exact: list[tuple[int, OcrWord]] = []
    unclaimed: list[tuple[int, OcrWord]] = []
    for page in document.pages:
        claimed: set[str] = set()
        for phrase, run in printed_labels(page.words, index):
            claimed.update(w.id for w in run)
            exact.extend((page.index, w) for w in run if phrase in terms)
        unclaimed.extend((page.index, w) for w in page.words if w.id not in claimed and letters(w))
    if exact:
        return exact
    long_terms = [t for t in terms if len(t) >= MIN_COMPOUND and " " not in t]
    return [(p, w) for p, w in unclaimed if any(t in letters(w) for t in long_terms)]


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


def no_label_printed(target: LocateTarget, document: OcrDocument) -> bool:
    """Whether the target names a concept always printed with a label and the document prints none
    of the target's labels, not even misread (so the field is not on it)."""
    if not named_concepts(target) & vocabulary().labelled:
        return False
    terms = label_terms(target)
    return not label_words(document, terms) and not near_label_printed(document, terms)


def near_label_printed(document: OcrDocument, terms: set[str]) -> bool:
    """Whether a word is a misread of a label word (`NEAR_LABEL` similarity: `Tota1`, `lBAN`,
    `Geb0ortedatum`): on a degraded page the label may be there, so the model is asked."""
    # one-word labels only: the words of longer ones ("account number") are printed in other labels too
    label_parts = {term for term in terms if " " not in term and len(term) >= MIN_COMPOUND}
    printed = {letters_of(w.text.translate(DIGIT_LETTERS)) for page in document.pages for w in page.words}
    # a word that spells another field's label was read right: "Rechnungsnummer" (the invoice
    # number's) is no misread "rekeningnummer" (a Dutch IBAN label), though within NEAR_LABEL of it
    printed -= _vocabulary_phrases() - terms
    return any(
        fuzz.ratio(word, part) >= NEAR_LABEL or (len(part) >= 2 * MIN_COMPOUND and part in word)
        for word in printed
        if len(word) >= MIN_COMPOUND - 1
        for part in label_parts
    )


def settle_by_place(target: LocateTarget, candidates: Sequence[Candidate], document: OcrDocument) -> int | None:
    """The index of the first (hint says top, header, first) or last (bottom, footer, last) candidate
    in reading order (page, then top edge, then left edge); None when the hint names no place or both."""
    hint = set(LETTER_RUNS.findall(fold(target.hint or "")))
    first, last = bool(hint & FIRST_PLACES), bool(hint & LAST_PLACES)
    if first == last:
        return None
    boxes = {w.id: w.bbox for page in document.pages for w in page.words}

    def position(i: int) -> tuple[int, float, float]:
        box = boxes[candidates[i].word_ids[0]]
        return candidates[i].page, box[1], box[0]

    ordered = sorted(range(len(candidates)), key=position)
    return ordered[0] if first else ordered[-1]
