"""A person's name whose words OCR glued together (`worker.tasks.glued_names`), and analyze's issue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.results import IssueKind, Severity
from worker.tasks.glued_names import JOINING_PREFIXES, MIN_PART, REASON, spaced

from .ocr_samples import text_field_issues


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("EmmanuelCourtois", "Emmanuel Courtois"),  # seed 5: RapidOCR lost the space
        ("Jean-PierreDupont", "Jean-Pierre Dupont"),
        ("ÉmileZola", "Émile Zola"),
        ("AnnaMariaSmith", "Anna Maria Smith"),
        ("Dr. EmmanuelCourtois", "Dr. Emmanuel Courtois"),
        ("MariaVanderMeer", "Maria VanderMeer"),  # the prefix stays with its name
    ],
)
def test_names_glued_in_one_word_are_spaced(value: str, fixed: str) -> None:
    assert spaced(value) == fixed


@pytest.mark.parametrize(
    "value",
    [
        *("McKenzie", "MacDonald", "DeAndre", "LaToya", "Emmanuel Courtois", "ANNA MARIA", "Mueller-Lips", "anna"),
        *("FitzGerald", "VanderMeer", "DellaRosa", "SantaMaria"),  # a longer prefix joins the name after it
    ],
)
def test_names_with_a_short_capitalised_prefix_are_one_name(value: str) -> None:
    assert spaced(value) is None


NAME = st.from_regex(rf"[A-Z][a-z]{{{MIN_PART - 1},10}}", fullmatch=True).filter(
    lambda name: name.casefold() not in JOINING_PREFIXES
)


@given(st.lists(NAME, min_size=2, max_size=4))
def test_names_glued_together_are_spaced_back_as_they_were(names: list[str]) -> None:
    assert spaced("".join(names)) == " ".join(names)
    assert spaced(" ".join(names)) is None


@pytest.mark.parametrize("name", ["name", "full_name", "customer_name"])
def test_analyze_flags_a_persons_glued_name_with_the_spaced_one_suggested(name: str) -> None:
    [issue] = text_field_issues(name, "EmmanuelCourtois")
    assert (issue.field, issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        name,
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
        "Emmanuel Courtois",
    )


def test_a_company_may_be_named_in_one_word() -> None:
    """Company names glue names on purpose (`AkzoNobel`, `FloraHolland`): only a person's is judged."""
    assert text_field_issues("vendor", "AkzoNobel") == []
