"""Format validators and the amount parser (no engine)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.requests import FieldFormat
from worker.tasks.formats import IBAN_LENGTHS, is_date, is_iban, is_valid, parse_amount, suggest_fix


def with_check_digits(country: str, bban: str) -> str:
    """An IBAN with correct ISO 7064 mod-97 check digits."""
    numeric = int("".join(str(int(c, 36)) for c in f"{bban}{country}00"))
    return f"{country}{98 - numeric % 97:02d}{bban}"


bbans = st.sampled_from(sorted(IBAN_LENGTHS)).flatmap(
    lambda country: st.tuples(
        st.just(country), st.text("0123456789", min_size=IBAN_LENGTHS[country] - 4, max_size=IBAN_LENGTHS[country] - 4)
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
        ("DE89 3704 0044 0532 0130", False),  # too short for DE
        ("XX00", False),
    ],
)
def test_iban_examples(text: str, valid: bool) -> None:
    assert is_iban(text) is valid


DATE_STYLES = ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%m/%d/%Y", "%d %B %Y", "%B %d, %Y", "%d %b %Y"]


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)), st.sampled_from(DATE_STYLES))
def test_every_real_date_in_a_common_style_is_a_date(day: date, style: str) -> None:
    assert is_date(day.strftime(style))


@pytest.mark.parametrize("text", ["31.02.2024", "2024-13-01", "12.03.1850", "yesterday", "12.03", ""])
def test_impossible_or_partial_dates_are_not_dates(text: str) -> None:
    assert not is_date(text)


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amounts_parse_back_in_us_and_european_styles(amount: Decimal) -> None:
    us = f"{amount:,.2f}"
    european = us.replace(",", "_").replace(".", ",").replace("_", ".")
    assert parse_amount(us) == amount
    assert parse_amount(f"{european} €") == amount
    assert parse_amount(f"USD {us}") == amount


@pytest.mark.parametrize(
    ("fmt", "good", "bad"),
    [
        (FieldFormat.AMOUNT, "$1,234.50", "12,34,5"),
        (FieldFormat.INTEGER, "1 200", "12.5"),
        (FieldFormat.NUMBER, "-3.25", "3.2.1"),
        (FieldFormat.PERCENTAGE, "19 %", "19 percent"),
        (FieldFormat.EMAIL, "billing@acme.example", "billing@acme"),
        (FieldFormat.PHONE, "+49 (0)30 1234567", "12-34"),
        (FieldFormat.POSTAL_CODE, "SW1A 1AA", "ABCDE"),
        (FieldFormat.URL, "https://acme.example/pay", "not a url"),
        (FieldFormat.CURRENCY, "EUR", "EURO"),
        (FieldFormat.TEXT, "anything", None),
    ],
)
def test_format_validators(fmt: FieldFormat, good: str, bad: str | None) -> None:
    assert is_valid(good, fmt)
    if bad is not None:
        assert not is_valid(bad, fmt)


def test_suggestions_undo_ocr_digit_confusions_only_when_that_validates() -> None:
    assert suggest_fix("1O.5O", FieldFormat.AMOUNT) == "10.50"
    assert suggest_fix("I2.O3.2O24", FieldFormat.DATE) == "12.03.2024"
    assert suggest_fix("12 March 2O24", FieldFormat.DATE) is None  # month names keep their letters
    assert suggest_fix("hello", FieldFormat.AMOUNT) is None
    assert suggest_fix("Acme", FieldFormat.TEXT) is None
