"""A receipt's item count that its page confirms: as many priced lines above its sums.

A receipt prints how many items it lists (`ARTIKELEN: 7`). OCR reads a lone digit with little
confidence (RapidOCR gave 0.55 to a `7` it read right: 10 of the 21 false flags on the
evaluation's seeds 1-7 were such counts), yet the page shows the count itself, above its first
subtotal, tax or total label: its prices (one amount with cents per item line), its quantity marks
(`4 x`, one per item line) or the sum of those quantities. A count equal to one of them is
confirmed, as the sum check confirms amounts, and a low confidence on it is reported low. A count
the page does not confirm is left as it was: a receipt may count something else, and an invoice
prints a unit price beside each line's amount.
"""

from __future__ import annotations

import re
from itertools import zip_longest

from schemas.documents import OcrDocument, OcrPage, OcrWord

from .absence import lines
from .amounts import decimal_mark
from .label_vocabulary import vocabulary
from .labels import phrase_index
from .printed_sums import SUM_CONCEPTS, line_labels

COUNT_CONCEPT = "items"
QUANTITY = re.compile(r"(\d{1,3})[x×X]")
TIMES = frozenset("x×X")


def item_words(page: OcrPage) -> list[OcrWord]:
    """The page's words, in reading order, before its first sum label (subtotal, tax or total);
    none on a page without one."""
    index = phrase_index(set())
    for line in lines(page):
        labels = [run for concept, run in line_labels(line, index) if concept in SUM_CONCEPTS]
        if labels:
            return page.words[: page.words.index(labels[0][0])]
    return []


def quantities(words: list[OcrWord]) -> list[int]:
    """The quantities the words print, one per item: `4 x`, `2 ×`, `4x`."""
    found: list[int] = []
    for word, after in zip_longest(words, words[1:]):
        glued = QUANTITY.fullmatch(word.text)
        if glued is not None:
            found.append(int(glued.group(1)))
        elif word.text.isdigit() and len(word.text) <= 3 and after is not None and after.text in TIMES:
            found.append(int(word.text))
    return found


def page_counts(document: OcrDocument) -> frozenset[int]:
    """The item counts the pages print above their sums: their amounts with cents (one per item on a
    receipt), their quantity marks (`4 x`) and the sum of those quantities. Words in reading order,
    not lines: a page scanned askew makes neighbouring lines overlap, and one line of them."""
    words = [w for page in document.pages for w in item_words(page)]
    counts = {sum(decimal_mark(w.text) is not None for w in words)}
    if marks := quantities(words):
        counts |= {len(marks), sum(marks)}
    return frozenset(counts - {0})


def confirmed_counts(document: OcrDocument) -> frozenset[str]:
    """The names of the item-count fields (by the label vocabulary: `items`, `item_count`) whose
    value is a count the page's priced lines confirm."""
    vocab = vocabulary()
    fields = [f for f in document.fields if f.value and vocab.concept_of(f.name) == COUNT_CONCEPT]
    if not fields:
        return frozenset()
    counts = page_counts(document)
    return frozenset(f.name for f in fields if (f.value or "").strip().isdigit() and int(f.value or "") in counts)
