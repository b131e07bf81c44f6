"""Format checks (no engine): dates in several languages and orders, IBAN, phone, e-mail, currency,
the doubtful verdict with its suggestion, and OCR digit fixes."""

from __future__ import annotations

from datetime import date

import pytest
from babel.dates import format_date
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.requests import FieldFormat
from worker.tasks.dates import max_year, nearest_plausible_year
from worker.tasks.formats import Verdict, check_format, is_date, is_iban, is_valid, suggest_fix


def with_check_digits(country: str, bban: str) -> str:
    """An IBAN with correct ISO 7064 mod-97 check digits."""
    numeric = int("".join(str(int(c, 36)) for c in f"{bban}{country}00"))
    return f"{country}{98 - numeric % 97:02d}{bban}"


# countries whose BBAN is all digits, with their IBAN lengths (ISO 13616 registry)
NUMERIC_BBAN_LENGTHS = {"DE": 22, "AT": 20, "CH": 21, "BE": 16, "FR": 27, "ES": 24, "PL": 28}
bbans = st.sampled_from(sorted(NUMERIC_BBAN_LENGTHS)).flatmap(
    lambda country: st.tuples(
        st.just(country),
        st.text("0123456789", min_size=NUMERIC_BBAN_LENGTHS[country] - 4, max_size=NUMERIC_BBAN_LENGTHS[country] - 4),
    )
)


@given(bbans, st.data())
def test_iban_round_trip_valid_then_any_single_digit_change_invalid(
    country_bban: tuple[str, str], data: st.DataObject
) -> None:
    iban = with_check_digits(*country_bban)
    assert is_iban(iban)
    assert is_iban(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower())
    position = data.draw(st.integers(2, len(iban) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != iban[position]]))
    # mod 97 detects every single-character substitution
    assert not is_iban(iban[:position] + replacement + iban[position + 1 :])


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("GB82 WEST 1234 5698 7654 32", True),
        ("GB82WEST12345698765433", False),  # check digits wrong
        ("GB82 1234 1234 5698 7654 32", False),  # a GB BBAN starts with a four-letter bank code
        ("DE89 3704 0044 0532 0130", False),  # too short for DE
        ("QQ89 3704 0044 0532 0130 00", False),  # no such country
        ("XX00", False),
    ],
)
def test_iban_examples(text: str, valid: bool) -> None:
    assert is_iban(text) is valid


@pytest.mark.parametrize(
    "text",
    [
        "29 maart 2014",  # Dutch
        "1 mei 2020",
        "7. Mai 2014",  # German
        "3. März 2021",
        "02 Juillet 2015",  # French
        "1er janvier 2020",
        "3 février 2021",
        "12 March 2024",  # English
        "March 12, 2024",
        "12 Mar 2024",
        "15-Jan-2024",
        "2024-03-12",  # ISO 8601
        "12.03.2024",  # day first, dots
        "12/03/2024",
        "12-03-2024",
        "05/13/2024",  # month first: the US writes it so
        "2024/03/12",  # year first: Japan, China
        "12.03.24",  # two-digit year
        "12.03.2024 14:30",
    ],
)
def test_dates_in_the_common_languages_and_orders_are_valid(text: str) -> None:
    assert check_format(text, FieldFormat.DATE).verdict is Verdict.VALID


@pytest.mark.parametrize(
    "text", ["31.02.2024", "2024-02-30", "13/25/2024", "yesterday", "12.03", "Mai 2014", "31 juin 2020", "20240312", ""]
)
def test_impossible_partial_or_relative_dates_are_invalid(text: str) -> None:
    assert check_format(text, FieldFormat.DATE).verdict is Verdict.INVALID


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("2024-13-05", "2024-05-13"),  # year-day-month: no locale writes it
        ("2024/13/05", "2024/05/13"),
        ("05.13.2024", "13.05.2024"),  # month first with dots: no locale writes it
        ("05-13-2024", "13-05-2024"),
    ],
)
def test_a_date_valid_only_with_day_and_month_swapped_is_doubtful_with_the_swap_suggested(
    text: str, suggestion: str
) -> None:
    check = check_format(text, FieldFormat.DATE)
    assert check.verdict is Verdict.DOUBTFUL and check.suggestion == suggestion and check.reason
    assert not is_valid(text, FieldFormat.DATE) and is_valid(suggestion, FieldFormat.DATE)
    assert not check.misread  # the same date in an odd order, not another one misread


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("12.03.2204", "12.03.2024"),  # two digits transposed
        ("12.03.2924", "12.03.2024"),  # one digit misread
        ("0012-03-12", "2012-03-12"),
        ("7. Mai 1014", "7. Mai 2014"),
        ("29 maart 2O14", "29 maart 2014"),  # not a year slip but a letter for a digit: an OCR fix
    ],
)
def test_an_implausible_year_gets_a_suggestion_not_an_error(text: str, suggestion: str) -> None:
    check = check_format(text, FieldFormat.DATE)
    assert check.suggestion == suggestion
    assert is_valid(suggestion, FieldFormat.DATE)


@pytest.mark.parametrize("text", ["12.03.1850", "12 mai 2625"])  # seed 6: Tesseract's 2625 for 2025
def test_implausible_years_are_doubtful_likely_misread_and_say_why(text: str) -> None:
    check = check_format(text, FieldFormat.DATE)
    assert check.verdict is Verdict.DOUBTFUL and check.reason is not None and "year" in check.reason
    assert check.suggestion is not None and is_valid(check.suggestion, FieldFormat.DATE)
    assert check.misread  # a slip of a digit or two: analyze reports it medium, for review


@given(st.from_regex(r"[0-9]{4}", fullmatch=True))
def test_a_suggested_year_is_plausible_and_at_most_two_digits_away(year: str) -> None:
    repaired = nearest_plausible_year(year)
    if repaired is not None:
        assert 1900 <= int(repaired) <= max_year()
        assert sum(a != b for a, b in zip(year, repaired, strict=True)) <= 2


NAMED_STYLES = [
    ("en", "MMMM d, y"), ("en", "d MMM y"), ("nl", "d MMMM y"), ("de", "d. MMMM y"), ("fr", "d MMMM y"),
    ("es", "d 'de' MMMM 'de' y"), ("it", "d MMMM y"), ("pt", "d 'de' MMMM 'de' y"),
    ("en", "y-MM-dd"), ("de", "dd.MM.y"), ("fr", "dd/MM/y"), ("en", "M/d/y"),
]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(st.dates(date(1900, 1, 1), date(2070, 12, 31)), st.sampled_from(NAMED_STYLES))
def test_every_real_date_as_a_common_locale_writes_it_is_a_date(day: date, style: tuple[str, str]) -> None:
    locale, pattern = style
    assert is_date(format_date(day, pattern, locale=locale))


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        (FieldFormat.AMOUNT, "$1,234.50", "12,34,5"),
        (FieldFormat.INTEGER, "1 200", "12.5"),
        (FieldFormat.INTEGER, "1.200", "12.0"),
        (FieldFormat.NUMBER, "-3.25", "3.2.1"),
        (FieldFormat.NUMBER, "1.234,5", "1,2,3"),
        (FieldFormat.PERCENTAGE, "19 %", "19 percent"),
        (FieldFormat.PERCENTAGE, "7,5%", "%"),
        (FieldFormat.EMAIL, "billing@acme.example", "billing@acme"),
        (FieldFormat.EMAIL, "rechnung@müller.de", "a b@c.com"),
        (FieldFormat.POSTAL_CODE, "SW1A 1AA", "ABCDE"),
        (FieldFormat.POSTAL_CODE, "1234 AB", "12345 AB"),  # Dutch: four digits and two letters
        (FieldFormat.POSTAL_CODE, "D-80331", "D-803"),  # a country prefix; no country has three-digit codes
        (FieldFormat.POSTAL_CODE, "80-001", "SM4A OHF"),  # Polish; an O for the 0 of a British code
        (FieldFormat.URL, "https://acme.example/pay", "not a url"),
        (FieldFormat.TEXT, "anything", None),
    ],
)
def test_format_validators(fmt: FieldFormat, good: str, bad: str | None) -> None:
    assert is_valid(good, fmt)
    if bad is not None:
        assert not is_valid(bad, fmt)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("+49 (0)30 1234567", True),  # international, with the national trunk prefix in brackets
        ("+44 20 7946 0958", True),
        ("+1 212 555 0123", True),
        ("(212) 555-0123", True),  # no prefix: valid in the US
        ("030 1234567", True),  # no prefix: valid in Germany
        ("0049 30 1234567", True),  # Germany's international prefix
        ("+44 52 8961 7634", False),  # +44 52 is no UK number range
        ("+999 123", False),
        ("12-34", False),
        ("phone", False),
    ],
)
def test_phone_numbers_are_valid_with_a_plus_or_in_some_common_region(text: str, valid: bool) -> None:
    assert is_valid(text, FieldFormat.PHONE) is valid


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("#31 6 12345105", "+31 6 12345105"),  # OCR's look-alikes of '+', which phonenumbers' parse would skip
        ("≠49 30 127505", "+49 30 127505"),
        ("449 1512 3454939", "+49 1512 3454939"),
    ],
)
def test_a_phone_number_with_a_look_alike_for_its_plus_is_invalid_with_the_plus_suggested(text: str, fix: str) -> None:
    check = check_format(text, FieldFormat.PHONE)
    assert check.verdict is Verdict.INVALID and check.suggestion == fix


def test_a_phone_number_grouped_unlike_its_country_is_doubtful_with_its_country_grouping() -> None:
    check = check_format("+33 123 45 40 93", FieldFormat.PHONE)  # OCR lost the space after the area code
    assert check.verdict is Verdict.DOUBTFUL and check.suggestion == "+33 1 23 45 40 93"
    assert check.reason is not None and "123" not in check.reason
    for printed in ("+33 1 23 45 40 93", "+1 201-555-5851", "(201) 555-5851", "07400 125724", "+33 (0)1 23 45 67 89"):
        assert check_format(printed, FieldFormat.PHONE).verdict is Verdict.VALID, printed


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        *[(symbol, True) for symbol in ("€", "$", "£", "¥", "₹", "zł", "kr", "US$", "CHF")],  # CLDR symbols
        *[(code, True) for code in ("EUR", "usd", "INR", "PLN", "SEK")],  # ISO 4217 codes, any case
        *[(abbreviation, True) for abbreviation in ("Rs", "Rs.", "Kr", "Fr.")],  # what invoices print
        *[(other, False) for other in ("XYZ", "12.50", "dollars", "", "E")],
    ],
)
def test_currency_symbols_codes_and_abbreviations(text: str, valid: bool) -> None:
    assert is_valid(text, FieldFormat.CURRENCY) is valid


def test_suggestions_undo_ocr_digit_confusions_only_when_that_validates() -> None:
    assert suggest_fix("1O.5O", FieldFormat.AMOUNT) == "10.50"
    assert suggest_fix("EUR 1O.5O", FieldFormat.AMOUNT) == "EUR 10.50"  # the code keeps its letters
    assert suggest_fix("I2.O3.2O24", FieldFormat.DATE) == "12.03.2024"
    assert suggest_fix("12 March 2O24", FieldFormat.DATE) == "12 March 2024"  # the month keeps its letters
    assert suggest_fix("hello", FieldFormat.AMOUNT) is None
    assert suggest_fix("Acme", FieldFormat.TEXT) is None
    assert suggest_fix("12.03.2024", FieldFormat.DATE) is None  # valid: nothing to suggest


@pytest.mark.parametrize(
    ("printed", "suggested"),
    [
        ("SM4A OHF", "SM4A 0HF"),  # a British inward code starts with a digit
        ("58570M", "5857OM"),  # a Dutch code: four digits, then two letters
        ("75OO1", None),  # two swaps away: no guess
        ("ABCDE", None),
    ],
)
def test_an_invalid_postal_code_suggests_the_one_code_a_single_ocr_swap_makes(
    printed: str, suggested: str | None
) -> None:
    """Postal code patterns come from Google's address data for the common locales' countries."""
    check = check_format(printed, FieldFormat.POSTAL_CODE)
    assert check.verdict is Verdict.INVALID and check.suggestion == suggested
