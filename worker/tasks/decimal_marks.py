"""Decimal marks that disagree within one document: OCR reads a decimal comma as a point.

RapidOCR, on a degraded French receipt, read `515,24` as `515.24` and `41,22` as `41.22`, but
the total `556,46` right. Each value is a valid amount on its own, and the sum check cannot see it
(both readings are 515.24), yet a reader of the document's locale takes `515.24` for another
number. Where the page's amounts mix both marks, the document says which one it uses:

- its amounts that print both marks, the other one grouping thousands (`4.266,58`, `1,234.56`),
  when they all agree: a mark that groups thousands on a page is not its decimal mark (RapidOCR, on
  a German invoice, read every price of the item table with a point, `194.55`, and the totals
  `4.266,58`, `426,66`, `4.693,24` right: seed 4 of the evaluation);
- else its language, read from the labels it prints (`Sous-total`, `TVA` are French), when every
  common locale of that language writes the same mark (CLDR via babel: French, Dutch ','; English
  '.'; German and Spanish are written both ways), or every one whose currency the page prints does
  (German with `€`: ',', as in Germany and Austria; with `CHF`: '.'; Spanish with `€`: ','). RapidOCR
  read four of a German receipt's eight amounts with a point, `495.11` among them (seed 9);
- else the mark most of its amounts use (`MARK_MAJORITY`).

A page that uses one mark throughout is left alone: an English invoice from Germany may print
`1.234,56` on every line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache

from babel import Locale
from babel.numbers import get_territory_currencies

from schemas.documents import OcrDocument
from schemas.results import Issue, IssueKind, Severity

from .amounts import decimal_mark, find_currency, is_currency
from .label_vocabulary import vocabulary
from .labels import phrase_index, printed_labels
from .locales import COMMON_LOCALES
from .normalize import squash_key

MARK_NAMES = {".": "point", ",": "comma"}
MARK_MAJORITY = 3
"""Without a language, a mark is the document's when at least this many amounts use it, and this
many times as many as use the other."""
LANGUAGE_LEAD = 2.0
"""A language is the document's when its labels outnumber the next language's this many times
over (a label several languages print counts a share to each), and at least twice."""


@cache
def language_marks() -> dict[str, str]:
    """language → the decimal mark all its common locales write (no entry when they differ)."""
    marks: dict[str, set[str]] = {}
    for name in COMMON_LOCALES:
        locale = Locale.parse(name)
        marks.setdefault(locale.language, set()).add(locale.number_symbols["latn"]["decimal"])
    return {language: next(iter(m)) for language, m in marks.items() if len(m) == 1}


@cache
def currency_marks() -> dict[tuple[str, str], str]:
    """(language, a currency as printed: its symbol or ISO code, case-folded) → the decimal mark every
    common locale of that language that pays in that currency writes (no entry when they differ)."""
    marks: dict[tuple[str, str], set[str]] = {}
    for name in COMMON_LOCALES:
        locale = Locale.parse(name)
        mark = locale.number_symbols["latn"]["decimal"]
        for code in get_territory_currencies(locale.territory) if locale.territory else ():
            for printed in {code, locale.currency_symbols.get(code, code)}:
                marks.setdefault((locale.language, printed.casefold()), set()).add(mark)
    return {key: next(iter(m)) for key, m in marks.items() if len(m) == 1}


def language_mark(document: OcrDocument) -> str | None:
    """The decimal mark the document's language writes: in all its common locales, or in all those
    whose currency the document prints, when they agree."""
    language = document_language(document)
    if language is None:
        return None
    if language in (marks_by_language := language_marks()):
        return marks_by_language[language]
    money = [w.text for p in document.pages for w in p.words if decimal_mark(w.text) or is_currency(w.text)]
    printed = {c.casefold() for text in money if (c := find_currency(text)) is not None}
    by_currency = {currency_marks().get((language, currency)) for currency in printed}
    return by_currency.pop() if len(by_currency) == 1 else None


def document_language(document: OcrDocument) -> str | None:
    """The language of the labels the document prints, when one clearly leads."""
    spoken = vocabulary().languages
    index = phrase_index(set())
    votes: dict[str, float] = {}
    for page in document.pages:
        for phrase, _ in printed_labels(page.words, index):
            languages = spoken.get(phrase, frozenset())
            for language in languages:
                votes[language] = votes.get(language, 0.0) + 1 / len(languages)
    ranked = sorted(votes.items(), key=lambda lv: -lv[1])[:2]
    if not ranked or ranked[0][1] < 2:
        return None
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0] if ranked[0][1] >= LANGUAGE_LEAD * runner_up else None


def grouped_decimal_mark(text: str) -> str | None:
    """The decimal mark of an amount that also groups its thousands with the other mark
    (`4.266,58` → ',', `1,234.56` → '.'); None for any other text."""
    mark = decimal_mark(text)
    if mark is None:
        return None
    other = "," if mark == "." else "."
    return mark if other in text[: text.rindex(mark)] else None


def document_mark(document: OcrDocument) -> str | None:
    """The decimal mark the document uses, when its amounts mix both and it says which (see above)."""
    marks = Counter(m for p in document.pages for w in p.words if (m := decimal_mark(w.text)) is not None)
    if len(marks) < 2:
        return None
    stated = {m for p in document.pages for w in p.words if (m := grouped_decimal_mark(w.text)) is not None}
    if len(stated) == 1:
        return stated.pop()
    if (mark_of_language := language_mark(document)) is not None:
        return mark_of_language
    (mark, count), (_, other) = marks.most_common(2)
    return mark if count >= MARK_MAJORITY and count >= MARK_MAJORITY * other else None


def decimal_mark_issues(document: OcrDocument, amounts: frozenset[str]) -> Iterator[Issue]:
    """A medium format error, with the marks swapped as the suggestion, for each amount field
    (`amounts`: names by `squash_key`) written with the other mark than the document's."""
    fields = [f for f in document.fields if f.value and squash_key(f.name) in amounts and decimal_mark(f.value)]
    usual = document_mark(document) if fields else None
    for field in fields:
        assert field.value is not None
        mark = decimal_mark(field.value)
        if usual is None or mark is None or mark == usual:
            continue
        yield Issue(
            field=field.name,
            kind=IssueKind.FORMAT_ERROR,
            severity=Severity.MEDIUM,
            message=f"written with a decimal {MARK_NAMES[mark]} where the document's amounts use a decimal "
            f"{MARK_NAMES[usual]}",
            word_ids=field.word_ids,
            suggested_value=field.value.translate(str.maketrans(mark + usual, usual + mark)),
        )
