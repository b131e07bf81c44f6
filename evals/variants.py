"""The phenomena a synthetic page may show, drawn from its seed, and the locale-aware value formats.

A `Variant` says which phenomena of real invoices a page carries (issue 13): a non-English locale
for dates and amounts (Dutch, German, French, formatted by babel from CLDR, not by hand tables),
values printed more than once, symbols and prefixes glued to values, two columns, and a field left
off the page. It is drawn from its own `random.Random`, so the layout's own draws stay as they were.
Phone numbers come from phonenumbers' example number of the region, varied and kept valid.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import phonenumbers
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

NON_ENGLISH = "non_english"
REPEATED = "repeated"
GLUED = "glued"
TWO_COLUMN = "two_column"
ABSENT = "absent"
PHENOMENA = (NON_ENGLISH, REPEATED, GLUED, TWO_COLUMN, ABSENT)
"""Every phenomenon a truth may name, in report order (a field with none is reported as `plain`)."""
LOCALES = {"en_US": "US", "en_GB": "GB", "nl_NL": "NL", "de_DE": "DE", "fr_FR": "FR"}
"""Faker and babel locale → phone region."""
CURRENCY = {"en_US": "USD", "en_GB": "GBP", "nl_NL": "EUR", "de_DE": "EUR", "fr_FR": "EUR"}
NUMBER_PREFIX = {"en_US": "No.", "en_GB": "No.", "nl_NL": "Nr.", "de_DE": "Nr.:", "fr_FR": "n°"}
"""Glued in front of an invoice number (`n°562044387`, `Nr.:12345`)."""
DATE_FORMATS = ("long", "medium", "dd MMMM y")  # CLDR patterns: '7. Mai 2014', '07.05.2014', '02 juillet 2015'
ABSENT_CHOICES = {"invoice": ("phone", "email", "iban"), "receipt": ("items",), "form": ("phone",)}


@dataclass(frozen=True)
class Variant:
    """Which phenomena one page shows."""

    locale: str = "en_US"
    glued: bool = False
    repeated: bool = False
    two_column: bool = False
    absent: str | None = None
    """The field left off the page (label and value), or None."""

    @property
    def english(self) -> bool:
        return self.locale.startswith("en")


PLAIN = Variant()


def draw_variant(seed: int, layout: str, template: int) -> Variant:
    """The phenomena of page `seed`, from a generator of their own (the layout's draws are unchanged)."""
    rng = random.Random(f"variant:{seed}")
    english = rng.random() < 0.4
    locale = rng.choice(("en_US", "en_GB")) if english else rng.choice(("nl_NL", "de_DE", "fr_FR"))
    glued, repeated, two_column = rng.random() < 0.4, rng.random() < 0.4, rng.random() < 0.4
    absent = rng.choice(ABSENT_CHOICES[layout]) if rng.random() < 0.3 else None
    two_column = (layout == "invoice" and two_column) or (layout == "form" and template == 2)
    return Variant(locale, glued, repeated, two_column, absent)


def money(value: Decimal, locale: str) -> str:
    """An amount without currency in the locale's digits: 1,234.56 · 1.234,56 · 1 234,56 (fr: U+202F)."""
    if locale.startswith("en"):
        return f"{value:,.2f}"
    return format_decimal(value, format="#,##0.00", locale=locale)


def money_with_currency(value: Decimal, locale: str, glued: bool) -> str:
    """babel's currency format (`€ 4.904,94`, `4.904,94 €`); glued: no space at the symbol (`€4.904,94`)."""
    text = format_currency(value, CURRENCY[locale], locale=locale)
    return text.replace("\xa0", "") if glued else text


def day(value: date, locale: str, rng: random.Random, english_format: str) -> str:
    """English pages keep their template's format; others get a CLDR pattern of their locale."""
    if locale.startswith("en"):
        return value.strftime(english_format)
    return format_date(value, rng.choice(DATE_FORMATS), locale=locale)


def phone(rng: random.Random, locale: str) -> str:
    """A number valid by phonenumbers in the locale's region: its example number with digits varied."""
    region = LOCALES[locale]
    kind = rng.choice((phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE))
    example = phonenumbers.example_number_for_type(region, kind)
    assert example is not None, region
    digits = str(example.national_number)
    number = example
    for _ in range(20):  # the last four digits rarely matter to validity; retry the few that do
        tail = "".join(str(rng.randrange(10)) for _ in range(4))
        candidate = phonenumbers.parse(f"+{example.country_code}{digits[:-4]}{tail}")
        if phonenumbers.is_valid_number(candidate):
            number = candidate
            break
    style = rng.choice((phonenumbers.PhoneNumberFormat.INTERNATIONAL, phonenumbers.PhoneNumberFormat.NATIONAL))
    return phonenumbers.format_number(number, style)
