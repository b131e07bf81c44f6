"""A printed word that lost its umlaut or ß, as an e-mail address on its page writes it
(`worker.tasks.lost_marks`), and analyze's issue."""

from __future__ import annotations

import pytest

from schemas.documents import OcrField
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.lost_marks import PageAddresses, lost_mark_issue
from worker.tasks.lost_umlauts import written_out

from .ocr_samples import address_page as page


def lost_mark(address: str, value: str) -> str | None:
    """The fix `lost_mark_issue` suggests for a field printing `value` on a page with the address."""
    words = value.split()
    document = page(address, *words)
    field = OcrField(name="vendor", value=value, word_ids=[f"w{i}" for i in range(len(words))], confidence=0.9)
    issue = lost_mark_issue(field, PageAddresses(document))
    return issue.suggested_value if issue else None


@pytest.mark.parametrize(
    ("address", "value", "fixed"),
    [
        ("gerlachferdinand@schaefer.org", "Schafer Lindau AG", "Schäfer Lindau AG"),  # seed 4, 4 levels
        ("adelinde.spiess@example.de", "Adelinde Spies", "Adelinde Spieß"),
        ("jmueller@example.de", "Jan Muller", "Jan Müller"),  # after an initial
        ("muellerjan7@example.de", "Jan Muller", "Jan Müller"),  # before printed words
        ("jmuller@example.de", "Jan Muller", None),  # the address agrees with the page
        ("tracey@jonesstewart.com", "Jones-Stewart", None),  # `joness` starts the run, but `tewart` is no name
        ("hess@example.de", "Hes", None),  # too short to judge
        ("info@example.de", "Jan Muller", None),
    ],
)
def test_a_printed_word_the_address_writes_with_an_umlaut_gets_it_back(
    address: str, value: str, fixed: str | None
) -> None:
    assert lost_mark(address, value) == fixed


def test_the_lost_mark_names_the_addresss_spelling() -> None:
    document = page("gerlachferdinand@schaefer.org", "Schafer", "Lindau", "AG")
    field = OcrField(name="vendor", value="Schafer Lindau AG", word_ids=["w0", "w1", "w2"], confidence=0.9)
    issue = lost_mark_issue(field, PageAddresses(document))
    assert issue is not None and (issue.kind, issue.severity) == (IssueKind.IMPLAUSIBLE_VALUE, Severity.MEDIUM)
    assert issue.message == "the page's e-mail address writes 'schaefer': OCR likely lost the mark of 'Schäfer'"


@pytest.mark.parametrize("locale", ["de_DE", "de_AT", "de_CH", "en_GB", "nl_NL", "fr_FR"])
def test_faker_names_printed_right_never_lose_a_mark(locale: str) -> None:
    """A person's and a company's names printed as drawn, beside addresses of that person written
    the German way or of another person: no word is taken to have lost a mark."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(17)
    for i in range(150):
        first, last, other = fake.first_name(), fake.last_name(), fake.last_name()
        company = fake.company()
        for person in (last, other):
            address = f"{written_out(first)[: 1 + i % 4]}{written_out(person)}@{written_out(company.split()[0])}.de"
            address = "".join(address.split()).replace("'", "")
            for value in (f"{first} {last}", company):
                assert lost_mark(address, value) is None, (address, value)


def test_analyze_reports_a_lost_umlaut_on_the_text_field() -> None:
    document = page("info@schaefer-lindau.de", "Schafer", "Lindau", "AG")
    document.fields.append(
        OcrField(name="vendor", value="Schafer Lindau AG", word_ids=["w0", "w1", "w2"], confidence=0.9)
    )
    request = AnalyzeRequest(
        document=document,
        expected_fields=[
            ExpectedField(name="vendor", format=FieldFormat.TEXT),
            ExpectedField(name="email", format=FieldFormat.EMAIL),
        ],
    )
    issues = rule_issues(request)
    assert [(i.field, i.suggested_value) for i in issues] == [("vendor", "Schäfer Lindau AG")]
