"""The amount parser (no engine): currencies glued or spaced, every common locale's separators, and
the arithmetic check built on it, which must never fail on a huge or garbled amount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import example, given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind
from worker.tasks.amounts import MAX_AMOUNT_DIGITS, one_digit_fix, parse_amount, parse_number
from worker.tasks.checks import rule_issues
from worker.tasks.sum_check import arithmetic_issues


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234.56", "1234.56"),  # en
        ("$1,234.56", "1234.56"),
        ("US$ 12", "12"),
        ("Rs 1,234.56", "1234.56"),  # India, Pakistan, Sri Lanka
        ("Rs. 1,234.56", "1234.56"),
        ("₹1,23,456.78", "123456.78"),  # Indian lakh grouping
        ("€ 4.904,94", "4904.94"),  # nl, de
        ("€4.904,94", "4904.94"),  # glued by OCR
        ("4.904,94€", "4904.94"),
        ("4 904,94 €", "4904.94"),  # fr, typed with a plain space
        ("4\u202f904,94 €", "4904.94"),  # fr, as CLDR writes it
        ("CHF 1'234.50", "1234.50"),  # de_CH
        ("CHF 1’234.50", "1234.50"),
        ("12,50 zł", "12.50"),  # pl
        ("Kr 100", "100"),
        ("R$ 1.234,56", "1234.56"),  # pt_BR
        ("EUR 12.50", "12.50"),
        ("12.50 EUR", "12.50"),
        ("1.234", "1234"),  # valid in en and de: read as thousands, as invoices mean it
        ("0.125", "0.125"),  # but this is no thousands
        ("(1,234.56)", "-1234.56"),  # accountants' negative
        ("-€12", "-12"),
        ("− 12,00 €", "-12.00"),
    ],
)
def test_amounts_in_every_common_locale_and_currency(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize(
    "text",
    ["12,34,5", "3.2.1", "12 apples", "1E5", "", "abc", "€", "1O.5O", "NaN", "Infinity", "1" * (MAX_AMOUNT_DIGITS + 1)],
)
def test_what_is_no_amount_parses_as_none(text: str) -> None:
    assert parse_amount(text) is None


@given(st.text())
@example("1" * 29)
@example("9" * 400 + ",00 €")
@example("1e999999")
@example("(")
@example("-")
def test_the_amount_parser_never_raises_on_any_text(text: str) -> None:
    result = parse_amount(text)
    assert result is None or result.is_finite()
    parse_number(text)  # nor does the number parser


amount_alphabet = st.text("0123456789.,' -()€$£Rs\u00a0\u202f", max_size=40)


@given(amount_alphabet)
def test_the_amount_parser_never_raises_on_amount_like_text(text: str) -> None:
    result = parse_amount(text)
    assert result is None or abs(result) < Decimal(10) ** MAX_AMOUNT_DIGITS


LOCALES = ["en_US", "en_IN", "de_DE", "fr_FR", "de_CH", "nl_NL", "es_ES", "pt_BR", "sv_SE", "pl_PL"]


@given(
    st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    st.sampled_from(LOCALES),
    st.sampled_from(["{}", "{} €", "€{}", "USD {}", "{} CHF", "Rs {}"]),
)
def test_amounts_parse_back_as_each_locale_writes_them(amount: Decimal, locale: str, layout: str) -> None:
    written = format_decimal(amount, "#,##0.00", locale=locale)
    assert parse_amount(layout.format(written)) == amount


def fields_document(**values: str) -> OcrDocument:
    fields = [OcrField(name=name, value=value, confidence=0.9) for name, value in values.items()]
    return OcrDocument(pages=[OcrPage(index=0, width=100, height=100)], fields=fields)


def test_the_arithmetic_check_reads_european_amounts_with_symbols() -> None:
    consistent = fields_document(subtotal="€ 4.122,00", vat="782,94 €", total="€4.904,94")
    assert list(arithmetic_issues(consistent)) == []
    [issue] = arithmetic_issues(fields_document(subtotal="€ 4.122,00", vat="782,94 €", total="€4.094,94"))
    assert issue.kind is IssueKind.ARITHMETIC_MISMATCH and issue.suggested_value == "4904.94"


@pytest.mark.parametrize("huge", ["9" * 29, "1" * 40 + ".00", "9" * 200, "1e999999", "∞"])
def test_the_arithmetic_check_treats_a_huge_or_garbled_amount_as_unparseable(huge: str) -> None:
    assert list(arithmetic_issues(fields_document(subtotal=huge, tax="1.00", total="2.00"))) == []
    assert list(arithmetic_issues(fields_document(subtotal="1.00", tax="1.00", total=huge))) == []


def test_a_huge_amount_is_a_format_error_not_an_internal_error() -> None:
    document = fields_document(total="9" * 29)
    request = AnalyzeRequest(
        document=document, expected_fields=[ExpectedField(name="total", format=FieldFormat.AMOUNT)]
    )
    [issue] = rule_issues(request)
    assert issue.kind is IssueKind.FORMAT_ERROR and issue.field == "total"


def test_a_doubtful_date_is_a_low_implausible_value_issue_with_the_suggestion() -> None:
    document = fields_document(invoice_date="2024-13-05")
    request = AnalyzeRequest(
        document=document, expected_fields=[ExpectedField(name="invoice_date", format=FieldFormat.DATE)]
    )
    [issue] = rule_issues(request)
    assert issue.kind is IssueKind.IMPLAUSIBLE_VALUE and issue.severity.value == "low"
    assert issue.suggested_value == "2024-05-13" and "2024" not in issue.message


LOCALE_STYLES = ("en_US", "de_DE", "fr_FR", "nl_NL", "de_CH")


@settings(deadline=None)
@given(st.integers(0, 10**9), st.sampled_from(LOCALE_STYLES), st.data())
def test_one_digit_fix_undoes_one_misread_digit_or_declines(cents: int, locale: str, data: st.DataObject) -> None:
    """A printed amount with one digit misread: the fix toward the printed value is that amount
    itself, or nothing when another single digit would also reach the value; never anything else."""
    amount = Decimal(cents) / 100
    printed = format_decimal(amount, "#,##0.00", locale=locale)
    places = [i for i, c in enumerate(printed) if c.isdigit()]
    at = data.draw(st.sampled_from(places))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != printed[at]]))
    misread = printed[:at] + digit + printed[at + 1 :]
    assert one_digit_fix(misread, amount) in (None, printed)
    assert one_digit_fix(printed, amount) is None  # nothing to fix: no other digit reads as it


def test_one_digit_fix_keeps_the_amount_as_printed() -> None:
    assert one_digit_fix("1.160,53 €", Decimal("1100.53")) == "1.100,53 €"
    assert one_digit_fix("55,93", Decimal("55.03")) == "55,03"
    assert one_digit_fix("4094.94", Decimal("4904.94")) is None  # two digits swapped: not one misread
