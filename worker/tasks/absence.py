"""Whether a field asked for without a value can be on the page at all, decided without the model.

locate asks the model to place a target it has no value for; on a page that cannot hold the field,
the model can only guess, and a guess is a box on a field that is not there. Two signs settle it:

- **No label.** A field always printed with one of its labels (`labelled` in the vocabulary: an
  IBAN, a total, an invoice number) is not on a page that prints none of them, not even misread
  (`labels.no_label_printed`).
- **No shape.** An e-mail address holds an `@` (or what OCR makes of one: `©`, `®`, `(at)`), and a
  phone number a run of at least `MIN_PHONE_DIGITS` digits in words of phone characters only
  (digits, `+`, `-`, `.`, brackets, one slash) on one line. A page without either has no such field, whatever
  its labels say (a form prints "Phone:" above an empty box).

Both tests are lenient on purpose: a misread value still passes them (`+33 l23 45 40 93` keeps nine
digits), so a field is declared absent only when nothing on the page could be it; otherwise the
model is asked as before. The shape test then holds the model's answer too (`lacks_shape`): words
it cites for a phone number must hold such a run and be mostly phone characters, and for an
e-mail address an `@` (on a German invoice without a phone, the digits of its IBAN passed the
page's test, and the model cited the address block above them: seed 4 of the evaluation; on seed
12, it cited blocks that held a date).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from itertools import pairwise

from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.requests import LocateTarget

from .labels import gap, named_concepts, no_label_printed

MIN_PHONE_DIGITS = 6
AT_SIGNS = ("@", "©", "®", "(at)", "[at]")
PHONE_CHARACTERS = frozenset("0123456789+-.()/")


def is_phone_part(text: str) -> bool:
    """Phone characters only, and at most one slash (`030/1234567`; a date has two: `04/05/1948`)."""
    return set(text) <= PHONE_CHARACTERS and text.count("/") <= 1


def has_at_sign(document: OcrDocument) -> bool:
    return any(sign in w.text.casefold() for page in document.pages for w in page.words for sign in AT_SIGNS)


def lines(page: OcrPage) -> Iterator[list[OcrWord]]:
    """The page's words in runs of reading order whose neighbours share a line (boxes overlap vertically)."""
    run = page.words[:1]
    for before, word in pairwise(page.words):
        if gap(before.bbox, word.bbox)[0] != 0:
            yield run
            run = []
        run.append(word)
    if run:
        yield run


def has_digit_run(document: OcrDocument) -> bool:
    """Whether some line holds consecutive words of phone characters with MIN_PHONE_DIGITS digits."""
    for page in document.pages:
        for line in lines(page):
            digits = 0
            for word in line:
                if is_phone_part(word.text):
                    digits += sum(c.isdigit() for c in word.text)
                    if digits >= MIN_PHONE_DIGITS:
                        return True
                else:
                    digits = 0
    return False


SHAPES: dict[str, Callable[[OcrDocument], bool]] = {"email": has_at_sign, "phone": has_digit_run}
"""Concept → whether the page holds something of the shape its values have."""


def is_mostly_phone(document: OcrDocument) -> bool:
    """Whether at least half the words are phone characters only (`+49`, `30`, `127505` beside a
    `Tel.:`), as a phone number's words with their label are."""
    words = [w for page in document.pages for w in page.words]
    return 2 * sum(is_phone_part(w.text) for w in words) >= len(words)


CITED_SHAPES: dict[str, Callable[[OcrDocument], bool]] = SHAPES | {
    "phone": lambda cited: SHAPES["phone"](cited) and is_mostly_phone(cited),
}
"""Concept → whether the words the model cites have the shape of its values. A phone number's
words are mostly phone characters: seed 12's model cited an address block and an invoice's dates
(`57869 … 2025-06-10`) for a phone the page did not print, and a date's digits make a run."""


def lacks_shape(target: LocateTarget, page: OcrPage, word_ids: Collection[str]) -> bool:
    """Whether the words cited for the target, on `page`, lack the shape its values have."""
    cited = set(word_ids)
    part = OcrDocument.model_construct(
        pages=[page.model_copy(update={"words": [w for w in page.words if w.id in cited]})]
    )
    return any(concept in CITED_SHAPES and not CITED_SHAPES[concept](part) for concept in named_concepts(target))


def is_absent(target: LocateTarget, document: OcrDocument) -> bool:
    """Whether the page cannot hold the target's field: no label where one is always printed, or
    nothing of the shape its values have."""
    if no_label_printed(target, document):
        return True
    return any(concept in SHAPES and not SHAPES[concept](document) for concept in named_concepts(target))
