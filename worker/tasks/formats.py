"""Format checks for `ExpectedField.format`, each delegated to the library made for that format.

dates: dateparser (in `dates`); amounts, numbers and currencies: price-parser and babel (in
`amounts`); IBANs: schwifty; phone numbers: phonenumbers; e-mail: email-validator, then
pyspellchecker's word lists for what OCR misread in a valid address (`emails`, `lexicon`); plain text:
nameparser's joining words, for a value cut off (`cut_values`). A field's language is unknown, so a
value passes when it is valid in any common locale (`locales`).

A check answers valid, doubtful or invalid. Doubtful is a value that reads as one of the format
only after a fix a reviewer should confirm (a date with day and month swapped, an implausible
year); it comes with that fix as a suggestion. An invalid value in a numeric format gets the
suggestion of undoing OCR's letter-for-digit confusions, when that makes it valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import TypeGuard
from urllib.parse import urlsplit

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from schemas.requests import FieldFormat

from .amounts import is_currency, number_values, parse_amount, parse_number
from .cut_values import SIGN_REASON, cut_reason, without_number_sign
from .dates import read_date
from .emails import email_misread_fix, is_email, without_glued_label
from .letter_digits import REASON as LETTER_REASON
from .letter_digits import letter_fix
from .locales import phone_regions, postal_code_patterns
from .normalize import OCR_DIGIT_LOOKALIKES

__all__ = ["FormatCheck", "Verdict", "check_format", "is_checked", "is_valid", "parse_amount", "suggest_fix", "warm_up"]

# A country prefix printed before a postal code (`D-80331`, `CH-8001`, `NL-1234 AB`).
_COUNTRY_PREFIX = re.compile(r"^[A-Z]{1,3}-(?=[0-9A-Z])")


MISREAD_REASON = "the address reads like an OCR misreading of another"
LABEL_REASON = "the address starts with its label: OCR likely glued the label to it"


class Verdict(StrEnum):
    VALID = "valid"
    DOUBTFUL = "doubtful"
    INVALID = "invalid"


@dataclass(frozen=True)
class FormatCheck:
    verdict: Verdict
    reason: str | None = None  # for a doubtful value: why, in words composed here, never the value
    suggestion: str | None = None
    misread: bool = False
    """A doubtful value that is likely another value misread (an address with a letter for a
    digit), not the same value oddly printed (a date in an odd order): it deserves a review."""


VALID = FormatCheck(Verdict.VALID)
INVALID = FormatCheck(Verdict.INVALID)


def is_date(text: str) -> bool:
    reading = read_date(text)
    return reading is not None and reading.doubt is None


def is_amount(text: str) -> bool:
    return parse_amount(text) is not None


def is_number(text: str) -> bool:
    return parse_number(text) is not None


def is_integer(text: str) -> bool:
    """A number with no decimal part as printed: '1 200' and '1.200' are, '12.5' and '12.0' are not."""
    return any(value.as_tuple().exponent == 0 for value in number_values(text))


def is_percentage(text: str) -> bool:
    return is_number(text.strip().removesuffix("%"))


def check_email(text: str) -> FormatCheck:
    """Valid; invalid when email-validator rejects its syntax; doubtful, and likely misread, when
    `email_misread_fix` finds what OCR changed in it."""
    local, at, domain = text.strip().rpartition("@")
    label_cut = without_glued_label(local)
    if not is_email(text):
        cut = f"{label_cut}{at}{domain}"  # `E-Mail:jo@…`: the label's colon made it invalid
        return FormatCheck(Verdict.INVALID, suggestion=cut) if label_cut and is_email(cut) else INVALID
    fix = email_misread_fix(text)
    if fix is None:
        return VALID
    return FormatCheck(Verdict.DOUBTFUL, LABEL_REASON if label_cut else MISREAD_REASON, fix, misread=True)


def _whole_numbers(text: str, leniency: int) -> Iterator[phonenumbers.PhoneNumber]:
    """The numbers phonenumbers finds spanning the whole text: with its + prefix, or as dialled in
    some common locale's country (where '0049 …' and '030 …' both resolve). The matcher, unlike
    `parse`, does not skip a stray leading symbol (`#31 6 12345105`: OCR's '+')."""
    for region in ("ZZ",) if text.startswith("+") else phone_regions():
        for match in PhoneNumberMatcher(text, region, leniency=leniency):
            if match.start == 0 and match.end == len(text):
                yield match.number


def check_phone(text: str) -> FormatCheck:
    """Valid; doubtful when its digits are grouped unlike its country's numbers (`+33 123 45 40 93`:
    OCR lost a space, and maybe a digit's place), with the number as its country groups it; else
    invalid, with the + a look-alike stood for (`#31 …`, `≠49 …`, `449 …`) when that makes it valid."""
    bare = text.strip()
    number = next(_whole_numbers(bare, Leniency.VALID), None)
    if number is None:
        plus = "+" + bare[1:]
        fixable = len(bare) > 1 and bare[0] != "+" and next(_whole_numbers(plus, Leniency.STRICT_GROUPING), None)
        return FormatCheck(Verdict.INVALID, suggestion=plus if fixable else None)
    if next(_whole_numbers(bare, Leniency.STRICT_GROUPING), None) is not None:
        return VALID
    style = PhoneNumberFormat.INTERNATIONAL if bare.startswith(("+", "00")) else PhoneNumberFormat.NATIONAL
    reason = "its digits are grouped unlike its country's numbers, as if OCR lost or added a space"
    return FormatCheck(Verdict.DOUBTFUL, reason, phonenumbers.format_number(number, style))


def is_phone(text: str) -> bool:
    """A phone number, however its digits are grouped."""
    return check_phone(text).verdict is not Verdict.INVALID


def is_iban(text: str) -> bool:
    """Country, length, structure and the ISO 7064 mod-97 check digits, per schwifty's registry."""
    try:
        IBAN(text)
    except (SchwiftyException, ValueError):
        return False
    return True


def is_postal_code(text: str) -> bool:
    """A postal code of some common locale's country (Google's address data: `SW1A 1AA`, `1234 AB`,
    `75001`, `80-001`), with or without a country prefix (`D-80331`)."""
    code = " ".join(text.split()).upper()
    bare = _COUNTRY_PREFIX.sub("", code)
    return any(p.fullmatch(c) for p in postal_code_patterns() for c in {code, bare})


def is_url(text: str) -> bool:
    bare = text.strip()
    if " " in bare:
        return False
    parts = urlsplit(bare if "://" in bare else f"http://{bare}")
    return parts.scheme in ("http", "https") and "." in parts.netloc.strip(".")


def check_date(text: str) -> FormatCheck:
    reading = read_date(text)
    if reading is None:
        return INVALID
    if reading.doubt is None:
        return VALID
    return FormatCheck(Verdict.DOUBTFUL, reading.doubt, reading.suggestion, misread=reading.misread)


VALIDATORS: dict[FieldFormat, Callable[[str], bool]] = {
    FieldFormat.DATE: is_date,
    FieldFormat.AMOUNT: is_amount,
    FieldFormat.INTEGER: is_integer,
    FieldFormat.NUMBER: is_number,
    FieldFormat.PERCENTAGE: is_percentage,
    FieldFormat.EMAIL: is_email,
    FieldFormat.PHONE: is_phone,
    FieldFormat.IBAN: is_iban,
    FieldFormat.POSTAL_CODE: is_postal_code,
    FieldFormat.URL: is_url,
    FieldFormat.CURRENCY: is_currency,
}
NUMERIC_FORMATS = frozenset(
    {FieldFormat.DATE, FieldFormat.AMOUNT, FieldFormat.INTEGER, FieldFormat.NUMBER, FieldFormat.PERCENTAGE,
     FieldFormat.PHONE}
)  # fmt: skip


def check_text(text: str) -> FormatCheck:
    """Valid; doubtful, and likely misread, when the text ends as no value does or starts with a
    number sign glued to it, the value without it suggested (`cut_values`), or when a word of
    letters holds a digit OCR read for a letter, the letter suggested (`letter_digits`)."""
    reason = cut_reason(text)
    if reason is not None:
        return FormatCheck(Verdict.DOUBTFUL, reason, misread=True)
    unsigned = without_number_sign(text)
    if unsigned is not None:
        return FormatCheck(Verdict.DOUBTFUL, SIGN_REASON, unsigned, misread=True)
    lettered = letter_fix(text)
    return VALID if lettered is None else FormatCheck(Verdict.DOUBTFUL, LETTER_REASON, lettered, misread=True)


def _plain_check(value: str, fmt: FieldFormat) -> FormatCheck:
    if fmt is FieldFormat.TEXT:
        return check_text(value)
    if fmt is FieldFormat.DATE:
        return check_date(value)
    if fmt is FieldFormat.PHONE:
        return check_phone(value)
    if fmt is FieldFormat.EMAIL:
        return check_email(value)
    validator = VALIDATORS.get(fmt)
    return VALID if validator is None or validator(value) else INVALID


def _undo_digit_lookalikes(value: str) -> str:
    """Letters read instead of digits, undone in the words that hold a digit: 'I2.O3.2O24' is fixed,
    the month of '12 March 2O24' and the 'EUR' of 'EUR 1O.5O' are kept."""
    words = value.split(" ")
    return " ".join(w.translate(OCR_DIGIT_LOOKALIKES) if any(c.isdigit() for c in w) else w for w in words)


# One character OCR reads for another in a postal code, both ways (letters and digits mix there).
_POSTAL_SWAPS = {"O": "0", "0": "O", "I": "1", "1": "I", "S": "5", "5": "S", "B": "8", "8": "B", "Z": "2", "2": "Z"}


def postal_code_fix(value: str) -> str | None:
    """The one postal code a single OCR swap makes of an invalid one (`SM4A OHF` → `SM4A 0HF`,
    `58570M` → `5857OM`); None when no swap, or more than one, gives a valid code."""
    code = " ".join(value.split()).upper()
    fixes = {
        fixed
        for i, char in enumerate(code)
        if char in _POSTAL_SWAPS
        for fixed in [code[:i] + _POSTAL_SWAPS[char] + code[i + 1 :]]
        if is_postal_code(fixed)
    }
    return fixes.pop() if len(fixes) == 1 else None


@lru_cache(maxsize=4096)
def check_format(value: str, fmt: FieldFormat) -> FormatCheck:
    """Valid, doubtful (with a suggestion) or invalid (with a suggestion when an OCR fix validates)."""
    result = _plain_check(value, fmt)
    if result.verdict is Verdict.INVALID and fmt is FieldFormat.POSTAL_CODE:
        return FormatCheck(Verdict.INVALID, suggestion=postal_code_fix(value))
    if result.verdict is not Verdict.INVALID or fmt not in NUMERIC_FORMATS:
        return result
    fixed = _undo_digit_lookalikes(value)
    if fixed != value and _plain_check(fixed, fmt).verdict is Verdict.VALID:
        return FormatCheck(Verdict.INVALID, suggestion=fixed)
    return result


# One value per library to load: dateparser's languages (a text in none of them tries them all),
# CLDR's numeric date orders, number styles and currencies, phone metadata, the word lists
# (`lexicon`, the slowest: about a second), the IBAN registry.
_WARM_UP_VALUES = (
    (FieldFormat.DATE, "no date, 1 1 2024"),
    (FieldFormat.DATE, "12.03.2024"),
    (FieldFormat.AMOUNT, "€ 1.234,56"),
    (FieldFormat.CURRENCY, "Rs"),
    (FieldFormat.PHONE, "030 1234567"),
    (FieldFormat.EMAIL, "info@example.com"),
    (FieldFormat.IBAN, "DE89 3704 0044 0532 0130 00"),
    (FieldFormat.POSTAL_CODE, "SW1A 1AA"),
)


def warm_up() -> None:
    """Load now what the first check of each format would load (about a second), so that it is
    spent at start-up rather than in the first job."""
    for fmt, value in _WARM_UP_VALUES:
        _plain_check(value, fmt)


def is_checked(fmt: FieldFormat | None) -> TypeGuard[FieldFormat]:
    """Whether a field's declared format has a check of validity: every format but plain text,
    which any characters spell (its check, `check_text`, only says when one looks cut off)."""
    return fmt is not None and fmt is not FieldFormat.TEXT


def is_valid(value: str, fmt: FieldFormat) -> bool:
    return check_format(value, fmt).verdict is Verdict.VALID


def suggest_fix(value: str, fmt: FieldFormat) -> str | None:
    """The value as it most likely should read, for a doubtful or OCR-garbled value; else None."""
    return check_format(value, fmt).suggestion
