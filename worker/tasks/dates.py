"""Dates in the common languages and numeric orders, read by dateparser, judged by CLDR's conventions.

A date is valid when dateparser reads a full day, month and year from it, in a plausible year, and,
for a numeric date, in an order some common locale writes with that separator (`numeric_date_orders`).
A date that reads only with day and month swapped, or only with an implausible year, is *doubtful*
and carries a suggested value: the same text with the two groups swapped, or with the nearest
plausible year a one- or two-digit OCR slip could have turned into the year read. Such a slip is
likely a misread (`12 mai 2625` for `2025`: seed 6 of the evaluation), an odd order is not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache

from dateparser.date import DateDataParser

from .locales import DATE_LANGUAGES, numeric_date_orders

MIN_YEAR = 1900
PLAUSIBLE_YEARS_AHEAD = 50
# a slip of at most this many digits (or two adjacent digits transposed) is worth suggesting
MAX_YEAR_SLIP = 2
# Day-first is preferred for ambiguous dates: most of the invoices this serves are European. The
# numeric order is checked against the text afterwards, because dateparser silently swaps day and
# month when its preferred order fails ('05/13/2024' reads as 13 May).
_SETTINGS = {
    "DATE_ORDER": "DMY",
    "STRICT_PARSING": True,
    "REQUIRE_PARTS": ["day", "month", "year"],
    "PARSERS": ["absolute-time"],  # not 'yesterday', not timestamps, not digit runs like '20240312'
}
_NUMERIC_DATE = re.compile(r"(\d{1,4}) ?([./-]) ?(\d{1,2}) ?\2 ?(\d{1,4})(?!\d)")


@dataclass(frozen=True)
class DateReading:
    """`doubt` is None for a valid date; otherwise why it is doubtful, and maybe a better value.
    `misread`: the doubt is likely an OCR slip (a year no document prints, one digit away from a
    plausible one), not a date printed in an odd order."""

    doubt: str | None = None
    suggestion: str | None = None
    misread: bool = False


@cache
def _parser() -> DateDataParser:
    return DateDataParser(languages=list(DATE_LANGUAGES), settings=_SETTINGS)


@lru_cache(maxsize=4096)
def parse_date(text: str) -> datetime | None:
    return _parser().get_date_data(text).date_obj


def max_year() -> int:
    return date.today().year + PLAUSIBLE_YEARS_AHEAD


def _order_of(groups: tuple[str, str, str], parsed: datetime) -> str | None:
    """Which group dateparser took as day, month and year: 'DMY', 'YDM', …; None if unclear."""
    year_at = 0 if len(groups[0]) > 2 else 2
    rest = [i for i in range(3) if i != year_at]
    if int(groups[rest[0]]) == parsed.day and int(groups[rest[1]]) == parsed.month:
        day_at, month_at = rest
    elif int(groups[rest[0]]) == parsed.month and int(groups[rest[1]]) == parsed.day:
        month_at, day_at = rest
    else:
        return None
    letters = {day_at: "D", month_at: "M", year_at: "Y"}
    return "".join(letters[i] for i in range(3))


def _swapped_order(order: str) -> str:
    return order.translate(str.maketrans("DM", "MD"))


def _numeric_doubt(text: str, parsed: datetime) -> DateReading | None:
    """A numeric date in no common locale's order: doubtful, with day and month swapped back."""
    found = _NUMERIC_DATE.match(text)
    if found is None:
        return None
    first, separator, second, third = found.groups()
    order = _order_of((first, second, third), parsed)
    if order is None:
        return None
    accepted = numeric_date_orders()
    readable_swapped = parsed.day <= 12  # then the swapped order reads as a date too (the same one if day = month)
    if (order, separator) in accepted or (readable_swapped and (_swapped_order(order), separator) in accepted):
        return None
    # the day and month groups are the two that are not the year
    a, b = (3, 4) if order[0] == "Y" else (1, 3)
    swapped = text[: found.start(a)] + found.group(b) + text[found.end(a) : found.start(b)] + found.group(a)
    swapped += text[found.end(b) :]
    return DateReading("day and month are in an order no common locale uses", swapped)


def _year_slip_distance(read: str, candidate: str) -> int | None:
    """Digits changed between two equally long years; a transposition of neighbours counts as one."""
    changed = [i for i, (a, b) in enumerate(zip(read, candidate, strict=True)) if a != b]
    if len(changed) == 2 and changed[1] == changed[0] + 1 and read[changed[0]] == candidate[changed[1]]:
        return 1 if read[changed[1]] == candidate[changed[0]] else 2
    return len(changed) if len(changed) <= MAX_YEAR_SLIP else None


def nearest_plausible_year(year_text: str) -> str | None:
    """The plausible year a small OCR slip most likely turned into `year_text`, nearest to today."""
    this_year = date.today().year
    best: tuple[int, int, str] | None = None
    for year in range(MIN_YEAR, max_year() + 1):
        distance = _year_slip_distance(year_text, f"{year:04d}")
        if distance is not None and (best is None or (distance, abs(year - this_year)) < best[:2]):
            best = (distance, abs(year - this_year), f"{year:04d}")
    return best[2] if best else None


def _year_doubt(text: str, parsed: datetime) -> DateReading | None:
    if MIN_YEAR <= parsed.year <= max_year():
        return None
    year_text = f"{parsed.year:04d}"
    at = text.rfind(year_text)
    repaired = nearest_plausible_year(year_text) if at >= 0 else None
    suggestion = text[:at] + repaired + text[at + len(year_text) :] if repaired is not None else None
    return DateReading(f"the year is outside {MIN_YEAR}–{max_year()}", suggestion, misread=suggestion is not None)


def read_date(text: str) -> DateReading | None:
    """None if not a date at all; otherwise a reading, valid (`doubt` None) or doubtful."""
    value = " ".join(text.split())
    parsed = parse_date(value)
    if parsed is None:
        return None
    return _numeric_doubt(value, parsed) or _year_doubt(value, parsed) or DateReading()
