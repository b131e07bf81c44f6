"""A name that holds a house number (`worker.tasks.house_numbers`), and analyze's issue."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.results import IssueKind, Severity
from worker.tasks.house_numbers import MIN_LETTERS, REASON, holds_house_number

from .ocr_samples import text_field_issues


@pytest.mark.parametrize(
    "value",
    [
        "9, rue Moret",  # seed 7: the receipt's name line was lost, its street read as the store
        "Müllerstraße 2666",  # seed 9
        "17. rue Richard",  # seed 12: the comma read as a point
        *("Hauptstr. 12a", "Kerkstraat 5-7", "12/3 Via Roma", "Forever 21"),
    ],
)
def test_a_street_line_holds_a_house_number(value: str) -> None:
    assert holds_house_number(value)


@pytest.mark.parametrize(
    "value",
    [
        *("Garcia", "Hering", "Baxter, Evans and Knowles", "Dr Dean Nelson", "Schäfer Lindau AG"),
        *("7-Eleven", "3M Deutschland GmbH", "1&1 Versatel"),  # a number joined to other characters
        "12 m",  # no word of a street's name
    ],
)
def test_names_without_a_house_number_are_left_alone(value: str) -> None:
    assert not holds_house_number(value)


NAME_WORD = st.from_regex(rf"[A-Z][a-zäöüéè]{{{MIN_LETTERS - 1},12}}", fullmatch=True)
HOUSE_NUMBER = st.from_regex(r"[1-9][0-9]{0,3}[a-z]?(-[1-9][0-9]{0,2})?", fullmatch=True)


@given(st.lists(NAME_WORD, min_size=1, max_size=3), HOUSE_NUMBER, st.booleans(), st.sampled_from([",", ".", ""]))
def test_a_name_holds_a_house_number_exactly_when_one_is_added(
    words: list[str], number: str, first: bool, mark: str
) -> None:
    name = " ".join(words)
    street = f"{number}{mark} {name}" if first else f"{name} {number}"
    assert not holds_house_number(name)
    assert holds_house_number(street)


@pytest.mark.parametrize("locale", ["de_DE", "fr_FR", "nl_NL", "en_US", "en_GB", "it_IT", "es_ES", "pl_PL"])
def test_faker_companies_and_names_hold_no_house_number(locale: str) -> None:
    """Over every locale Faker ships, no company and 15 of 55,500 names (Thai military ranks) hold
    one: the module's docstring has the measure; these locales hold none."""
    from faker import Faker

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fake = Faker(locale)
    fake.seed_instance(7)
    for _ in range(300):
        for value in (fake.company(), fake.name()):
            assert not holds_house_number(value), value


@pytest.mark.parametrize("name", ["store", "vendor", "company_name", "name", "customer_name"])
def test_analyze_flags_a_name_field_that_holds_a_street(name: str) -> None:
    [issue] = text_field_issues(name, "Müllerstraße 2666")
    assert (issue.field, issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        name,
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
        None,
    )


@pytest.mark.parametrize("name", ["street", "address", "invoice_number", "notes"])
def test_other_fields_may_hold_numbers(name: str) -> None:
    assert text_field_issues(name, "Müllerstraße 2666") == []
