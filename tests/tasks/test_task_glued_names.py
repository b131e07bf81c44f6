"""A person's name whose words OCR glued together (`worker.tasks.glued_names`), and analyze's issue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.glued_names import JOINING_PREFIXES, MIN_PART, REASON, spaced


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


def page_with(name: str, value: str) -> OcrDocument:
    word = OcrWord(id="w0", text=value, bbox=(100, 100, 400, 126), confidence=0.97)
    page = OcrPage(index=0, width=1200, height=1600, words=[word])
    return OcrDocument(pages=[page], fields=[OcrField(name=name, value=value, word_ids=["w0"], confidence=0.97)])


def text_issues(name: str, value: str) -> list[Issue]:
    request = AnalyzeRequest(
        document=page_with(name, value), expected_fields=[ExpectedField(name=name, format=FieldFormat.TEXT)]
    )
    return rule_issues(request)


@pytest.mark.parametrize("name", ["name", "full_name", "customer_name"])
def test_analyze_flags_a_persons_glued_name_with_the_spaced_one_suggested(name: str) -> None:
    [issue] = text_issues(name, "EmmanuelCourtois")
    assert (issue.field, issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        name,
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        REASON,
        "Emmanuel Courtois",
    )


def test_a_company_may_be_named_in_one_word() -> None:
    """Company names glue names on purpose (`AkzoNobel`, `FloraHolland`): only a person's is judged."""
    assert text_issues("vendor", "AkzoNobel") == []
