"""A street whose number OCR glued to its name (`worker.tasks.glued_numbers`), and analyze's issue."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.results import IssueKind, Severity
from worker.tasks.glued_numbers import MIN_LETTERS, REASON, spaced

from .ocr_samples import text_field_issues


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("Margrit-Säuberlich-Ring5-7", "Margrit-Säuberlich-Ring 5-7"),  # seed 11: RapidOCR lost the space
        ("Hauptstraße12a", "Hauptstraße 12a"),
        ("Main Street42, Flat 3", "Main Street 42, Flat 3"),
        ("rue Moret9", "rue Moret 9"),
    ],
)
def test_a_number_glued_to_the_streets_name_is_spaced(value: str, fixed: str) -> None:
    assert spaced(value) == fixed


@pytest.mark.parametrize(
    "value",
    [
        *("Margrit-Säuberlich-Ring 5-7", "9, rue Moret", "Flat 52K", "A1 Road 5", "N7"),  # spaced, or a road number
        *("10 Lahy Street V52 DXK5", "4, Lorong 7/4, PJS34"),  # postal codes in capitals (Ireland, Malaysia)
        *("自由巷89號", "백제고분91로 565-30"),  # scripts that write no spaces
    ],
)
def test_spaced_streets_road_numbers_and_codes_are_left_alone(value: str) -> None:
    assert spaced(value) is None


WORD = st.from_regex(rf"[A-Z]?[a-zäöüéè]{{{MIN_LETTERS},12}}", fullmatch=True)
NUMBER = st.from_regex(r"[1-9][0-9]{0,3}[a-z]?(-[1-9][0-9]{0,2})?", fullmatch=True)


@given(st.lists(WORD, min_size=1, max_size=3), NUMBER)
def test_a_street_glued_to_its_number_is_spaced_back_as_it_was(words: list[str], number: str) -> None:
    street = f"{' '.join(words)} {number}"
    assert spaced(street) is None
    assert spaced(f"{' '.join(words)}{number}") == street


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "nl_NL", "en_GB", "en_IE", "en_MS", "pl_PL", "ja_JP", "ko_KR"])
def test_faker_addresses_are_never_judged_glued(locale: str) -> None:
    """Streets and whole addresses as printed in locales with and without spaces, postal codes in
    capitals among them: none reads as a number glued to a word."""
    from faker import Faker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fake = Faker(locale)
    fake.seed_instance(11)
    for _ in range(300):
        for address in (fake.street_address(), fake.address()):
            assert spaced(address) is None, address


@pytest.mark.parametrize("name", ["street", "address", "address_line"])
def test_analyze_flags_a_glued_street_number_with_the_spaced_street_suggested(name: str) -> None:
    [issue] = text_field_issues(name, "Margrit-Säuberlich-Ring5-7")
    assert (issue.field, issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        name,
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
        "Margrit-Säuberlich-Ring 5-7",
    )


def test_other_fields_may_glue_letters_to_digits() -> None:
    """An identifier or a product code writes letters and digits as one word (`INV2024`)."""
    assert text_field_issues("invoice_number", "INVabc2024") == []
