"""Numbers and money amounts in any common locale, and currency names: one parser for the format
checks and the arithmetic check.

price-parser finds the currency (`€`, `Rs`, `CHF`, `US$`, glued or spaced, before or after); babel
decides, locale by locale, whether what is left is a number as that locale writes it (strict:
grouping in the right places). A text valid in several locales with different values (`1.234`)
takes the value price-parser's heuristics choose. Nothing here raises on any text.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel.numbers import NumberFormatError, list_currencies, parse_decimal
from price_parser import Price

from .locales import currency_symbols, number_styles

# No invoice amount has more digits; the cap keeps `subtotal + tax` rounded to cents within
# Decimal's default 28-digit precision, so the arithmetic check never raises InvalidOperation.
MAX_AMOUNT_DIGITS = 24
_ASCII_DIGITS = frozenset("0123456789")
# What may sit between the digits of a number in some locale: decimal and group symbols.
_NUMBER_SEPARATORS = frozenset(".,'’ \u00a0\u202f")
_MINUS_SIGNS = ("-", "−")


def _split_sign(text: str) -> tuple[bool, str]:
    """'-12', '−12', '+12' and the accountants' '(12)' → (negative, '12')."""
    if text.startswith("(") and text.endswith(")"):
        return True, text[1:-1].strip()
    if text.startswith((*_MINUS_SIGNS, "+")):
        return text[0] != "+", text[1:].strip()
    return False, text


def _is_number_shape(text: str) -> bool:
    """Digits, separated only by number separators; a bounded count of ASCII digits."""
    if not text or text[0] not in _ASCII_DIGITS or text[-1] not in _ASCII_DIGITS:
        return False
    digits = sum(c in _ASCII_DIGITS for c in text)
    return digits <= MAX_AMOUNT_DIGITS and all(c in _ASCII_DIGITS or c in _NUMBER_SEPARATORS for c in text)


def number_readings(text: str) -> tuple[Decimal, ...]:
    """The distinct values of an unsigned number in the common locales that write it this way."""
    if not _is_number_shape(text):
        return ()
    readings: dict[Decimal, None] = {}
    for style in number_styles():
        try:
            readings.setdefault(parse_decimal(style.normalized(text), style.locale, strict=True))
        except (NumberFormatError, InvalidOperation, ValueError):
            continue
    return tuple(readings)


def number_values(text: str) -> tuple[Decimal, ...]:
    """A plain number's values ('1.234,5', '-3.25', "1'200"), one per reading some common locale
    gives it; empty if no locale writes numbers so."""
    negative, bare = _split_sign(text.strip())
    return tuple(-value if negative else value for value in number_readings(bare))


def parse_number(text: str) -> Decimal | None:
    """A plain number as the first common locale that writes it so reads it; None if not one."""
    values = number_values(text)
    return values[0] if values else None


def find_currency(text: str) -> str | None:
    """The currency price-parser sees in the text, as printed; it knows 'kr' but not 'Kr'."""
    for variant in (text, text.lower()):
        currency = Price.fromstring(variant).currency
        if currency:
            found = re.search(re.escape(currency), text, re.IGNORECASE)
            return found.group(0) if found else None
    return None


def _without_currency(text: str) -> str:
    currency = find_currency(text)
    if currency is None:
        return text
    before, _, after = text.partition(currency)
    # 'Rs. 12' leaves '. 12'; the dot belongs to the abbreviation
    return f"{before.strip()} {after.strip().lstrip('.:').strip()}".strip()


@lru_cache(maxsize=4096)
def parse_amount(text: str) -> Decimal | None:
    """A money amount as a Decimal, with or without a currency, in any common locale's style;
    None for anything else, including amounts of more than `MAX_AMOUNT_DIGITS` digits."""
    negative, bare = _split_sign(_without_currency(text.strip()))
    readings = number_readings(bare)
    if not readings:
        return None
    value = readings[0]
    if len(readings) > 1:
        guess = Price.fromstring(bare).amount
        value = guess if guess in readings else value
    return -value if negative else value


def is_currency(text: str) -> bool:
    """An ISO 4217 code (any case), a symbol some common locale prints, or an abbreviation
    price-parser knows ('Rs', 'Kr', 'zł', 'Fr.')."""
    bare = text.strip()
    if not bare:
        return False
    if bare.upper() in _iso_codes() or bare in currency_symbols():
        return True
    found = find_currency(bare)
    return found is not None and found.rstrip(".").casefold() == bare.rstrip(".").casefold()


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    return frozenset(list_currencies())


DECIMAL_MARKS = (".", ",")


@lru_cache(maxsize=8192)
def decimal_mark(text: str) -> str | None:
    """The decimal mark an amount is written with: the '.' or ',' before its last two digits
    ('747,20', '€4.904,94', '1,411.55 USD'), when the whole is a number some common locale writes;
    None for anything else, including a mark followed by three digits ('1.234': a group or a decimal)."""
    bare = _split_sign(_without_currency(text.strip().rstrip(".:;")))[1]
    if len(bare) < 4 or bare[-3] not in DECIMAL_MARKS or not bare[-2:].isdigit() or not number_readings(bare):
        return None
    return bare[-3]


MAX_FIX_DIGITS = 24
"""Digits an amount may have for `one_digit_fix` to try each: 9 readings per digit."""


def one_digit_fix(printed: str, meant: Decimal) -> str | None:
    """`printed` with one digit changed so that it reads as `meant` (`1.160,53` meaning 1100.53 →
    `1.100,53`), as printed otherwise: OCR misreads one digit for a look-alike (6 for 0, 9 for 0,
    8 for 6). None when no single digit makes it `meant`, or more than one does."""
    places = [i for i, c in enumerate(printed) if c.isdigit()]
    if len(places) > MAX_FIX_DIGITS:
        return None
    fixes = [
        fixed
        for i in places
        for digit in "0123456789"
        if digit != printed[i]
        for fixed in [printed[:i] + digit + printed[i + 1 :]]
        if parse_amount(fixed) == meant
    ]
    return fixes[0] if len(fixes) == 1 else None
