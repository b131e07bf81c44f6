"""The subtotal, tax and total a page prints beside their labels, and the tax rate beside the tax.

The sum check needs all three amounts. When the request's fields lack one (the field reader lost
`SUMME 304, 80€`, split in two words), the page may still print it on its label's line, and with it
the sum still shows which of the other two was misread. A printed tax rate (`TVA 10%`) tells which
amount a misread digit changed where the sum alone cannot: a digit misread in the subtotal is also
one digit from the tax and the total it implies.

A label is read as `labels.printed_labels` reads one (whole phrases of the label vocabulary, in any
language), or is a long one-word sum label misread by about a letter (`ZWISCHENSUMNE`); its amount
is the words after it on its line, up to the next label, less a rate (`10%`). Joined with spaces
they must parse as one amount (`4 764,19 €`), else joined without (`304,` `80€`: OCR split it at
the comma). A role whose labels print more than one amount (a total line and a table column named
"Total") has none.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from functools import cache

from rapidfuzz import fuzz

from schemas.common import MAX_FIELD_VALUE
from schemas.documents import OcrDocument, OcrField, OcrWord

from .absence import lines
from .amounts import parse_number
from .formats import parse_amount
from .label_vocabulary import letters_of, vocabulary
from .labels import DIGIT_LETTERS, Phrases, phrase_index, printed_labels

SUM_CONCEPTS = ("subtotal", "tax", "total")
"""The label vocabulary's concepts of the sum's three roles, in its order."""
PERCENT = "%"
MIN_MISREAD_LETTERS = 8
"""Letters a one-word label needs before a word about a letter from it counts as it misread:
shorter ones (`summe`, `total`) are near too many other words."""
MISREAD_SIMILARITY = 85
"""rapidfuzz ratio from which a word misreads a long label (one letter of 13 wrong: 92)."""


@cache
def _long_sum_labels() -> dict[str, str]:
    """One-word sum labels of at least `MIN_MISREAD_LETTERS` letters → their concept."""
    vocab = vocabulary()
    return {
        phrase: concept
        for concept in SUM_CONCEPTS
        for phrase in vocab.phrases[concept]
        if " " not in phrase and len(phrase) >= MIN_MISREAD_LETTERS
    }


def misread_label(word: OcrWord) -> str | None:
    """The sum concept whose long one-word label the word misreads by about a letter
    (`ZWISCHENSUMNE`), when exactly one does."""
    text = letters_of(word.text.translate(DIGIT_LETTERS))
    concepts = {c for label, c in _long_sum_labels().items() if fuzz.ratio(text, label) >= MISREAD_SIMILARITY}
    return concepts.pop() if len(concepts) == 1 else None


def line_labels(line: list[OcrWord], index: Phrases) -> list[tuple[str | None, list[OcrWord]]]:
    """(concept, words) of the labels a line prints, left to right: the vocabulary's phrases as
    printed, and words that misread a long sum label (`misread_label`)."""
    vocab = vocabulary()
    found = [(vocab.concept_of(phrase), list(run)) for phrase, run in printed_labels(line, index)]
    claimed = {w.id for _, run in found for w in run}
    found += [(concept, [w]) for w in line if w.id not in claimed and (concept := misread_label(w)) is not None]
    return sorted(found, key=lambda label: line.index(label[1][0]))


def labelled_runs(document: OcrDocument) -> Iterator[tuple[str, list[OcrWord]]]:
    """(concept, the words after its label up to the next label on the line) of every sum label."""
    index = phrase_index(set())
    for page in document.pages:
        for line in lines(page):
            labels = line_labels(line, index)
            for k, (concept, run) in enumerate(labels):
                if concept not in SUM_CONCEPTS:
                    continue
                start = line.index(run[-1]) + 1
                end = line.index(labels[k + 1][1][0]) if k + 1 < len(labels) else len(line)
                yield concept, line[start:end]


def amount_reading(words: Sequence[OcrWord]) -> tuple[str, list[OcrWord]] | None:
    """The amount the words print, as text, and its words; None when they print none."""
    kept = [w for w in words if not w.text.rstrip(":").endswith(PERCENT)]
    for glue in (" ", ""):
        text = glue.join(w.text for w in kept)
        if kept and len(text) <= MAX_FIELD_VALUE and _amount(text) is not None:
            return text, kept
    return None


def _amount(text: str) -> Decimal | None:
    try:
        amount = parse_amount(text)
    except ArithmeticError:
        return None
    return amount if amount is not None and amount.is_finite() else None


def printed_sum_fields(document: OcrDocument) -> dict[str, OcrField]:
    """Concept → the amount printed beside its labels, as a field of that name citing its words;
    only a concept whose labels print one amount (the same amount twice counts once)."""
    readings: dict[str, dict[Decimal, tuple[str, list[OcrWord]]]] = {}
    for concept, words in labelled_runs(document):
        reading = amount_reading(words)
        if reading is not None:
            amount = _amount(reading[0])
            assert amount is not None
            readings.setdefault(concept, {}).setdefault(amount, reading)
    fields = {}
    for concept, amounts in readings.items():
        if len(amounts) == 1:
            [(text, words)] = amounts.values()
            confidence = min(w.confidence for w in words)
            fields[concept] = OcrField(name=concept, value=text, word_ids=[w.id for w in words], confidence=confidence)
    return fields


def printed_tax_rate(document: OcrDocument) -> Decimal | None:
    """The rate printed beside the tax's labels (`TVA 10%` → 0.10), when they print exactly one."""
    rates = set()
    for concept, words in labelled_runs(document):
        for word in words:
            text = word.text.rstrip(":")
            if concept == "tax" and text.endswith(PERCENT):
                try:
                    number = parse_number(text.removesuffix(PERCENT))
                except (ArithmeticError, InvalidOperation):
                    number = None
                if number is not None and number.is_finite() and 0 <= number < 100:
                    rates.add(number / 100)
    return rates.pop() if len(rates) == 1 else None
