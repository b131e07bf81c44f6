"""The one-page invoice that the end-to-end and production tests send (as JSON, the wire form).

Each suite puts its own words in the second and fourth places (a canary that no log line may carry,
a misread total, an invoice number) and names the fields that cite them.
"""

from __future__ import annotations

from typing import Any

Word = tuple[str, list[int], float]
"""A word's text, its box [x0, y0, x1, y1] on the 1000 × 1400 page, and its OCR confidence."""

HEADER_BOX = [220, 40, 480, 80]
"""Where the word after "Invoice" stands: a vendor's name or an invoice number."""
TOTAL_BOX = [720, 1200, 840, 1240]
"""Where the total's value stands, after "Total:"."""


def invoice_words(header: Word, total: Word, **more: Word) -> dict[str, Word]:
    """Words by id: w1 "Invoice", w2 `header`, w3 "Total:", w4 `total`, then `more` in order."""
    return {
        "w1": ("Invoice", [50, 40, 200, 80], 0.99),
        "w2": header,
        "w3": ("Total:", [600, 1200, 700, 1240], 0.95),
        "w4": total,
        **more,
    }


def invoice_document(words: dict[str, Word], fields: dict[str, str]) -> dict[str, Any]:
    """A one-page document of `words`; `fields` maps each field's name to the id of the word that
    holds its value (the field takes that word's text and confidence)."""
    page_words = [{"id": i, "text": text, "bbox": box, "confidence": conf} for i, (text, box, conf) in words.items()]
    return {
        "pages": [{"index": 0, "width": 1000, "height": 1400, "words": page_words}],
        "fields": [
            {"name": name, "value": words[word_id][0], "confidence": words[word_id][2], "word_ids": [word_id]}
            for name, word_id in fields.items()
        ],
    }
