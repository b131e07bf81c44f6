"""A person's name whose words OCR glued together: `EmmanuelCourtois` for `Emmanuel Courtois`.

OCR engines that read a line at a time (RapidOCR) drop the space between words that sit close.
In a person's name, a capital that follows a run of small letters inside one word starts a new
name; the prefixes that do so within one name are mostly short (`McKenzie`, `MacDonald`,
`DeAndre`, `LaToya`), so both sides must hold at least `MIN_PART` letters, and the longer ones
(nameparser's name prefixes, and `Fitz`) join the name after them (`VanderMeer`, `DellaRosa`,
`FitzGerald`). Measured on 310,000 Faker person names of 31 locales: none glued so. Company
names are another matter (`AkzoNobel`, `FloraHolland`: 29 of 100,000 Faker companies, all Dutch),
so only fields that name a person are judged: those whose field name is an alias of the label
vocabulary's `name` concept (`name`, `full_name`, `customer_name`).
"""

from __future__ import annotations

import re
from itertools import pairwise

from nameparser.config import CONSTANTS

from schemas.documents import OcrField
from schemas.results import Issue

from .fixes import concept_fix_issue

PERSON_CONCEPT = "name"
MIN_PART = 4
NAME_RUNS = re.compile(r"[^\W\d_]+")
JOINING_PREFIXES = frozenset(CONSTANTS.prefixes) | {"fitz"}
"""Prefixes written glued to the name they belong to; nameparser lacks the Anglo-Norman `Fitz`."""
REASON = "two words of the name are written as one: OCR likely lost the space between them"


def spaced(value: str) -> str | None:
    """The name with a space between the names glued together (`EmmanuelCourtois` →
    `Emmanuel Courtois`); None when no word is two names glued."""
    fixed = NAME_RUNS.sub(lambda run: _split(run.group()), value)
    return fixed if fixed != value else None


def _split(run: str) -> str:
    """A run of letters split into the names glued in it, when each has `MIN_PART` letters."""
    starts = [0, *(i for i in range(1, len(run)) if run[i - 1].islower() and run[i].isupper()), len(run)]
    parts: list[str] = []
    for part in (run[a:b] for a, b in pairwise(starts)):
        if parts and parts[-1].casefold() in JOINING_PREFIXES:
            parts[-1] += part
        else:
            parts.append(part)
    return " ".join(parts) if len(parts) > 1 and all(len(p) >= MIN_PART for p in parts) else run


def glued_name_issue(field: OcrField) -> Issue | None:
    """A medium `implausible_value` with the spaced name as its suggestion, for a field that holds a
    person's name with two names glued; None otherwise."""
    return concept_fix_issue(field, PERSON_CONCEPT, spaced, REASON)
