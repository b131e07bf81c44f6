"""A text value cut short by the field reader, or a label read as it or into it.

A field reader takes a value's words up to a line end, a column gap or the next label. Stopped too
early, it leaves the value ending on a word that joins it to the words left behind, a name particle
or a conjunction (`Koster & van` for `Koster & van der Maes`), or on a separator (`Reuter e.G,`,
`Sullivan,`). Given the wrong words, it returns a label (`Name:`, misread `compiet:`). No name,
address or description ends so. Given one word too many, it keeps the number sign that OCR glued
to an identifier (`Facture n°A85577`, read `n2A85577` or `m2A85577`: a degree sign looks like a
2): the value without the sign is the suggestion. Which words join is nameparser's knowledge (the library made for
people's names: its name prefixes and conjunctions, in many languages), not a list kept here.

The page shows a cut too: the words with letters that continue a value with letters on its line,
at no more than a word's spacing, and that no field holds and no label is
(`WordPlaces.continuation`: `Baum` with `e.V.` beside it). A sign, a time or a number after a
value is its unit or another value (`4 764,19` `€`, a date and its `13:04`), and a label starts
another field. On the evaluation's pages (seeds 1-5, 383 text fields read right) no such word
followed a value read right, at up to three letter heights: column gaps are wider.

A joining word counts only in lower case, or in a value written all in capitals: capitalised, it
can be a name of its own (`Thi Le`, `Wei Du`). Behind a comma it is a particle moved behind the
surname it belongs to, as Dutch lists sort names (`Dussen, van`). Faker's names, companies,
streets, cities and addresses of 14 locales, 98,000 values read right, were taken for cut ones once
(`Dussen van`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from nameparser.config import CONSTANTS

from schemas.common import MAX_FIELD_VALUE, MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.results import Issue, IssueKind, Severity

from .label_vocabulary import vocabulary

NOT_JOINING = frozenset({"bar", "bat", "st", "ste"})
"""nameparser's prefixes that also end a value as a noun or an abbreviation (`Sushi bar`, `Main st`)."""
JOINING_WORDS = (frozenset(CONSTANTS.prefixes) | frozenset(CONSTANTS.conjunctions)) - NOT_JOINING
SEPARATORS = ",;&+/-"
"""Marks that join a value's words, and so never close one."""
LABEL_MARK = ":"
GLUED_NUMBER_SIGN = re.compile(r"^(?:[Nn][°º]|[nm]2|[Nn][or0]\.|No(?=[A-Z]))(?=[A-Z0-9][A-Z0-9./-]*\d)")
"""`n°`, `No.`, `Nr.` glued to an identifier of capitals and digits, or `n°` and `No.` as OCR
misreads them (`n2`, `m2`; `N0.`; `No` without its dot, before a capital); lower case where a
digit stands for `°`, since `N2A…` can be an identifier itself."""
WHOLE_PRICE = re.compile(r"\d[.,]-$")
MAX_SPACING = 2.0
"""A gap between words of one run of text, in letter heights (a space is about half of one)."""

CUT_REASON = "the value ends on a word or mark that joins it to more: its end was likely cut off"
CONTINUED_REASON = "the words that continue the value on its line belong to no field: it was likely cut off"
LABEL_REASON = "the value ends with a colon, as a label does: the label was likely read as the value"
SIGN_REASON = "the value starts with a number sign (n°, No.) glued to it: its label was likely read into the value"


def ends_joined(value: str) -> bool:
    """Whether the value's last word is a name particle or conjunction (`van`, `de`, `und`, `&`)
    that the value's own case marks as joining (`ends_joined` of the module)."""
    words = value.split()
    if len(words) < 2:
        return False
    last = words[-1]
    if last.lower() not in JOINING_WORDS or words[-2].endswith(","):  # `Dussen, van`: a name sorted
        return False  # by surname, its particle moved behind
    return last.islower() or value.isupper() or not any(c.isalpha() for c in last)


def cut_reason(value: str) -> str | None:
    """Why the text value looks cut off or like a label; None for one that ends as values do."""
    text = value.strip()
    if not any(c.isalnum() for c in text):  # `-`, `/`: a placeholder for no value, not a cut one
        return None
    if WHOLE_PRICE.search(text):  # `12,-`: a price without cents, written out in full
        return None
    if text.endswith(LABEL_MARK):
        return LABEL_REASON
    if text[-1] in SEPARATORS or ends_joined(text):
        return CUT_REASON
    return None


def without_number_sign(value: str) -> str | None:
    """The value without the number sign glued to its start (`n2A85577-2019` → `A85577-2019`);
    None when none is."""
    text = value.strip()
    sign = GLUED_NUMBER_SIGN.match(text)
    return text[sign.end() :] if sign else None


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def is_label(word: OcrWord) -> bool:
    """A label printed before another value: closed by a colon, or one of the label vocabulary."""
    return word.text.endswith(LABEL_MARK) or vocabulary().concept_of(word.text) is not None


def is_beside(before: OcrWord, word: OcrWord) -> bool:
    """Whether `word` follows `before` on its line at no more than `MAX_SPACING` letter heights."""
    height = max(before.bbox[3] - before.bbox[1], word.bbox[3] - word.bbox[1])
    overlap = min(before.bbox[3], word.bbox[3]) - max(before.bbox[1], word.bbox[1])
    spacing = word.bbox[0] - before.bbox[2]
    return overlap > height / 2 and 0 <= spacing <= MAX_SPACING * height


@dataclass(frozen=True)
class WordPlaces:
    """Where each word of a document sits (its page and place in reading order), and which words
    the document's fields hold: built once per request, for every field's `continuation`."""

    places: dict[str, tuple[OcrPage, int]]
    claimed: frozenset[str]

    @classmethod
    def of(cls, document: OcrDocument) -> WordPlaces:
        places = {w.id: (page, i) for page in document.pages for i, w in enumerate(page.words)}
        return cls(places, frozenset(w for f in document.fields for w in f.word_ids))

    def continuation(self, field: OcrField) -> list[OcrWord]:
        """The words after the field's last word that continue its run of text, for a value with
        letters: each beside the one before (`is_beside`), with letters (a currency sign, a time or
        a number after a value is its unit or another value), and held by no field and no label
        (one closed by a colon, or a label of the vocabulary: `Tel.`, `Datum`)."""
        if not field.word_ids or field.word_ids[-1] not in self.places or not has_letters(field.value or ""):
            return []
        page, at = self.places[field.word_ids[-1]]
        run: list[OcrWord] = []
        for before, word in pairwise(page.words[at:]):
            if word.id in self.claimed or is_label(word) or not has_letters(word.text) or not is_beside(before, word):
                break
            run.append(word)
        return run


def continuation_issue(field: OcrField, places: WordPlaces) -> Issue | None:
    """A medium `implausible_value` when words continue the field's value on its line (`Baum` beside
    `e.V.`), with the value and those words as the suggestion; None when none do."""
    rest = places.continuation(field)
    if not rest or field.value is None:
        return None
    continued = " ".join([field.value.strip(), *(w.text for w in rest)])
    return Issue(
        field=field.name,
        kind=IssueKind.IMPLAUSIBLE_VALUE,
        severity=Severity.MEDIUM,
        message=CONTINUED_REASON,
        word_ids=[*field.word_ids, *(w.id for w in rest)][:MAX_WORD_REFS],
        suggested_value=continued if len(continued) <= MAX_FIELD_VALUE else None,
    )
