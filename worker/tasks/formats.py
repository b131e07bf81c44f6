"""Format validators for `ExpectedField.format`, and the amount parser the arithmetic check uses.

Each validator answers "could this text be a value of that format?"; they are deliberately
tolerant of layout (spaces, thousands separators, several date orders) and strict about content
(IBAN check digits, calendar dates, digit counts), because a false format error costs a reviewer's
time while a missed one is caught by the other checks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from schemas.requests import FieldFormat

# strptime formats, day-first before month-first: most of the invoices this serves are European.
DATE_FORMATS = (
    "%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d",
    "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%y", "%d/%m/%y",
    "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y",
    "%d %B %Y", "%d %b %Y", "%d. %B %Y", "%d-%b-%Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y",
)  # fmt: skip
MIN_YEAR, MAX_YEAR = 1900, 2100

CURRENCY_SYMBOLS = frozenset("$€£¥₹₽₩₺₪₫₴₦₱฿₡₲₵₸")
_ISO_4217 = """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
    BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
    GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
    KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
    NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
    SSP STN SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF
    XPF YER ZAR ZMW ZWL"""
CURRENCY_CODES = frozenset(_ISO_4217.split())
# IBAN lengths by country (ISO 13616 registry); unknown countries only get the generic 15–34 range.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
    "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21,
    "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31,
    "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "SA": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}  # fmt: skip

_AMOUNT = re.compile(r"^[+-]?(\d{1,3}([ .,'’]\d{3})+|\d+)([.,]\d{1,3})?$")
_INTEGER = re.compile(r"^[+-]?(\d{1,3}([ ,.'’]\d{3})+|\d+)$")
_NUMBER = re.compile(r"^[+-]?(\d{1,3}([ ,'’]\d{3})+|\d+)?([.,]\d+)?$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE_CHARS = re.compile(r"^\+?[\d\s()./-]+$")
_POSTAL_CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9](?:[A-Za-z0-9 -]{1,8}[A-Za-z0-9])?$")
_CURRENCY_CODE = re.compile(r"^\s*([A-Za-z]{3})(?![A-Za-z])|(?<![A-Za-z])([A-Za-z]{3})\s*$")
_MONTH_NAME = re.compile(r"[A-Za-z]{3,}")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
# What OCR typically reads instead of a digit; used only to suggest a corrected value.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "S": "5",
                                   "s": "5", "B": "8", "Z": "2", "G": "6"})  # fmt: skip


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _strip_currency(text: str) -> str:
    """'EUR 1.234,50', '$12.50', '12,50 €' → the bare number."""
    bare = text.strip()
    code = _CURRENCY_CODE.search(bare)
    if code is not None and (code.group(1) or code.group(2)).upper() in CURRENCY_CODES:
        bare = bare[: code.start()] + bare[code.end() :]
    return bare.strip().strip("".join(CURRENCY_SYMBOLS)).strip()


def parse_amount(text: str) -> Decimal | None:
    """A money amount as a Decimal, whichever of `.`/`,` is the decimal separator; None if not one."""
    bare = text.strip()
    sign = "-" if bare.startswith("-") or (bare.startswith("(") and bare.endswith(")")) else ""
    bare = _strip_currency(bare.strip("()+-"))
    if not _AMOUNT.match(bare):
        return None
    digits, decimals = bare, ""
    last = max(bare.rfind("."), bare.rfind(","))
    # The last separator is decimal unless exactly three digits follow it and it is the only kind
    # of separator: '1.234' is read as thousands, as most invoices mean, but '0.125' is not.
    thousands = len(bare) - last - 1 == 3 and not ("." in bare and "," in bare) and bare[:last] != "0"
    if last >= 0 and not thousands:
        digits, decimals = bare[:last], bare[last + 1 :]
    digits = re.sub(r"[ .,'’]", "", digits)
    try:
        return Decimal(f"{sign}{digits}.{decimals or '0'}")
    except InvalidOperation:
        return None


def is_date(text: str) -> bool:
    value = _squeeze(text)
    for pattern in DATE_FORMATS:
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        if MIN_YEAR <= parsed.year <= MAX_YEAR:
            return True
    return False


def is_amount(text: str) -> bool:
    return parse_amount(text) is not None


def is_integer(text: str) -> bool:
    return bool(_INTEGER.match(text.strip()))


def is_number(text: str) -> bool:
    bare = text.strip()
    return bool(_NUMBER.match(bare)) and any(c.isdigit() for c in bare)


def is_percentage(text: str) -> bool:
    return is_number(text.strip().removesuffix("%").strip())


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text.strip()))


def is_phone(text: str) -> bool:
    bare = text.strip()
    digits = sum(c.isdigit() for c in bare)
    return bool(_PHONE_CHARS.match(bare)) and 7 <= digits <= 15 and "+" not in bare[1:]


def is_iban(text: str) -> bool:
    """Country length (when known) and the ISO 7064 mod-97 check digits."""
    iban = "".join(text.split()).upper()
    if not _IBAN.match(iban) or len(iban) != IBAN_LENGTHS.get(iban[:2], len(iban)) or len(iban) > 34:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def is_postal_code(text: str) -> bool:
    return bool(_POSTAL_CODE.match(_squeeze(text)))


def is_url(text: str) -> bool:
    bare = text.strip()
    if " " in bare:
        return False
    parts = urlsplit(bare if "://" in bare else f"http://{bare}")
    return parts.scheme in ("http", "https") and "." in parts.netloc.strip(".")


def is_currency(text: str) -> bool:
    bare = text.strip()
    return bare in CURRENCY_SYMBOLS or bare.upper() in CURRENCY_CODES


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


def is_valid(value: str, fmt: FieldFormat) -> bool:
    validator = VALIDATORS.get(fmt)
    return validator is None or validator(value)


def suggest_fix(value: str, fmt: FieldFormat) -> str | None:
    """For numeric formats, the value with OCR letter/digit confusions undone, if that validates."""
    # a date with a month name ('12 March 2024') has letters that are not misread digits
    if fmt not in NUMERIC_FORMATS or (fmt is FieldFormat.DATE and _MONTH_NAME.search(value)):
        return None
    fixed = value.translate(_DIGIT_LOOKALIKES)
    return fixed if fixed != value and is_valid(fixed, fmt) else None
