"""A name that holds a house number: the field reader took an address line for the name.

A receipt or letterhead prints its name and, on the next line, its street; when OCR loses the name
(a cut or faint top line), a reader that takes the first line under the top returns the street
(`9, rue Moret`, `Müllerstraße 2666`) as the store's name. A person's or a company's name holds no
house number, while a street line almost always does: a word that is a number of up to five digits,
with a small letter or a range (`12a`, `5-7`), beside a word of letters. Measured on Faker's names
and companies of every locale it ships (55,500 of each): no company and 15 names (0.03 %, Thai
military ranks such as `PO 3`) hold one, while 94 % of its street addresses do. A company named with
a number as a word of its own (`Forever 21`) is flagged too; a number joined to letters (`7-Eleven`,
`3M`) is not. Only fields named as the label vocabulary's `name` or `company` concepts are judged.
"""

from __future__ import annotations

import re

from schemas.documents import OcrField
from schemas.results import Issue, IssueKind, Severity

from .label_vocabulary import vocabulary

NAME_CONCEPTS = frozenset({"name", "company"})
HOUSE_NUMBER = re.compile(r"\d{1,5}[a-z]?(?:[-/]\d{1,5}[a-z]?)?[,.]?")
"""A word that is a house number as streets print it: `9,` (or `17.`: OCR reads a comma as a point),
`2666`, `12a`, `5-7`; a capital after the digits is left out, since it names products and companies
(`3M`, `4D`) more often than houses."""
MIN_LETTERS = 3
"""Letters a word of the street's name needs: a lone initial or a unit (`m`) makes no street."""
REASON = "a name holds a house number: the line read is likely an address, not the name"


def holds_house_number(value: str) -> bool:
    """Whether the value has a word that is a house number and another of `MIN_LETTERS` letters."""
    words = value.split()
    number = any(HOUSE_NUMBER.fullmatch(word) for word in words)
    return number and any(sum(char.isalpha() for char in word) >= MIN_LETTERS for word in words)


def house_number_issue(field: OcrField) -> Issue | None:
    """A medium `implausible_value` for a name or company field whose value holds a house number;
    None for another field or value."""
    if vocabulary().concept_of(field.name) not in NAME_CONCEPTS or field.value is None:
        return None
    if not holds_house_number(field.value):
        return None
    return Issue(
        field=field.name,
        kind=IssueKind.IMPLAUSIBLE_VALUE,
        severity=Severity.MEDIUM,
        message=REASON,
        word_ids=field.word_ids,
    )
