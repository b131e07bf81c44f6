"""A street whose house number OCR glued to its name: `Margrit-Säuberlich-Ring5-7` for `… Ring 5-7`.

OCR engines that read a line at a time (RapidOCR) drop a space between words that sit close. In a
street address, a word of letters never runs into its number: every locale whose script spaces its
words writes a space between them (`Ring 5-7`, `rue Moret 9`, `9, rue Moret`, `Flat 52K`). So a
run of `MIN_LETTERS` letters or more holding a small letter, directly followed by a digit, lost
its space. Scripts without case are left out, since they write no spaces (`自由巷89號`,
`백제고분91로`), and so are codes in capitals (`DXK5`, an Irish postal area). Measured on Faker's
street addresses and whole addresses of every locale it ships (111,000 of each): none glued so.
Only fields that hold a street are judged: those whose field name is an alias of the label
vocabulary's `street` concept (`street`, `address`, `address_line`).
"""

from __future__ import annotations

import re

from schemas.documents import OcrField
from schemas.results import Issue

from .fixes import concept_fix_issue

STREET_CONCEPT = "street"
MIN_LETTERS = 3
"""Letters a run needs before its digit: road numbers (`A1`, `N7`, `B52`) glue two or fewer."""
LETTERS_THEN_DIGIT = re.compile(rf"(?<![^\W\d_])([^\W\d_]{{{MIN_LETTERS},}})(?=\d)")
REASON = "the street's name and its number are written as one word: OCR likely lost the space between them"


def spaced(value: str) -> str | None:
    """The street with a space before each number glued to a word in small letters (`Ring5-7` →
    `Ring 5-7`); None when no number is glued so."""
    fixed = LETTERS_THEN_DIGIT.sub(
        lambda run: f"{run.group()} " if _has_small_letter(run.group()) else run.group(), value
    )
    return fixed if fixed != value else None


def _has_small_letter(run: str) -> bool:
    """Whether the run holds a small letter: its script has case, and so spaces its words, and it is
    no code in capitals (Ireland's `DXK5`, Malaysia's `PJS34` postal areas)."""
    return any(letter.islower() for letter in run)


def glued_number_issue(field: OcrField) -> Issue | None:
    """A medium `implausible_value` with the spaced street as its suggestion, for a field that holds
    a street whose number is glued to its name; None otherwise."""
    return concept_fix_issue(field, STREET_CONCEPT, spaced, REASON)
