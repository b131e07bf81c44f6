"""An e-mail address that misspells a name its page prints (`worker.tasks.email_names`), and
analyze's issue."""

from __future__ import annotations

import pytest
from anyascii import anyascii
from hypothesis import given
from hypothesis import strategies as st

from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.email_names import MIN_NAME, email_name_issue

from .ocr_samples import address_page as page


def issue_for(address: str, *printed: str) -> Issue | None:
    document = page(address, *printed)
    return email_name_issue(document, document.fields[0])


@pytest.mark.parametrize(
    ("address", "printed", "fixed"),
    [
        ("rscheel@schiosser.de", ("Schlosser", "GmbH"), "rscheel@schlosser.de"),  # seed 8: `l` read as `i`
        ("diazbemadette@example.org", ("Bernadette", "Diaz"), "diazbernadette@example.org"),  # seed 9: `rn` as `m`
        ("kathryniewis@igbal-burke.org", ("Kathryn", "Lewis", "Iqbal-Burke"), "kathrynlewis@iqbal-burke.org"),
        ("siblle01@trubin.de", ("Sibille", "Trubin"), "sibille01@trubin.de"),  # seed 3: a letter lost
        ("slexandria87@peron.com", ("Alexandria", "Peron"), "alexandria87@peron.com"),  # seed 1: one changed
        ("rscheel@schiosser.de", ("Schuster",), None),  # too far from the printed name
        ("bibineso5@example.net", ("Bibi", "Scheffers-van", "Nes"), "bibines05@example.net"),  # seed 1: 0 as o
        ("paulo12@example.com", ("Paul", "Smith"), None),  # Paulo is a name of the lists
        # seed 6: a whole name joined, whose slip is in a word too short to compare alone (`der`)
        (
            "aaliyahvandemeulenlips@example.org",
            ("Aaliyah", "van", "der", "Meulen-Lips"),
            "aaliyahvandermeulenlips@example.org",
        ),
        ("jvandemeulen@example.org", ("Jan", "van", "der", "Meulen"), "jvandermeulen@example.org"),  # after an initial
    ],
)
def test_an_address_one_slip_from_a_printed_name_is_fixed_to_it(
    address: str, printed: tuple[str, ...], fixed: str | None
) -> None:
    issue = issue_for(address, *printed)
    assert (issue.suggested_value if issue else None) == fixed


@pytest.mark.parametrize(
    ("address", "printed"),
    [
        ("mueller@example.de", ("Müller",)),  # umlauts written out, as addresses do
        ("muller@example.de", ("Müller",)),  # or dropped
        ("strasse@example.de", ("Straße",)),
        ("lefevre@example.fr", ("Lefèvre",)),
        ("vandermeulen@example.nl", ("Meulen", "Vermeulen")),  # `meulen` spelt right: no `dermeulen`
        ("service@example.com", ("Services",)),  # a word of the lists is no misread
        ("john@gmail.com", ("Email",)),  # a five-letter name differs by look-alikes only
        ("lewiss@example.com", ("Lewis",)),  # holds the name as printed
        ("schiosser@example.de", ("Schlosser", "Schiosser")),  # the page prints both: either may be misread
        ("kraemer@example.de", ("Kramer",)),  # the page lost the umlaut, not the address: `lost_marks`
        ("adelindespiess@example.de", ("Adelinde", "Spies")),
        ("aaliyahvandermeulenlips@example.org", ("Aaliyah", "van", "der", "Meulen-Lips")),  # the whole name joined
        ("meulenvanderj@example.org", ("Jan", "van", "der", "Meulen")),  # printed words run together, in any order
        ("leighobrien@example.com", ("Leigh", "O'Brien")),  # a one-letter run joined (O')
        ("fvantwel@example.com", ("Florian", "van", "'t", "Wel")),
        # seed 12: `Il` printed as `H`; the address is right, and no initial stands before the name
        ("ilonasorgatz@example.com", ("Dipl.-Ing.", "Hona", "Sorgatz", "MBA.")),
    ],
)
def test_an_address_that_spells_the_printed_names_is_left_alone(address: str, printed: tuple[str, ...]) -> None:
    assert issue_for(address, *printed) is None


def test_a_number_read_as_letters_names_both_spellings() -> None:
    issue = issue_for("bibineso5@example.net", "Bibi", "Scheffers-van", "Nes")
    assert issue is not None
    assert "'bibineso5' where the printed names and a number give 'bibines05'" in issue.message


def test_a_name_joined_is_shown_as_the_page_prints_its_words() -> None:
    issue = issue_for("aaliyahvandemeulenlips@example.org", "naam:", "Aaliyah", "van", "der", "Meulen-Lips")
    assert issue is not None
    assert "'aaliyahvandemeulenlips' where the page prints 'Aaliyah van der Meulen-Lips'" in issue.message


def test_the_address_is_not_compared_with_itself() -> None:
    assert issue_for("rscheel@schiosser.de") is None


def test_analyze_reports_the_misspelt_name_as_an_inconsistency_with_its_fix() -> None:
    request = AnalyzeRequest(
        document=page("rscheel@schiosser.de", "Schlosser", "GmbH"),
        expected_fields=[ExpectedField(name="email", format=FieldFormat.EMAIL)],
    )
    (issue,) = [i for i in rule_issues(request) if i.field == "email"]
    assert (issue.kind, issue.severity) == (IssueKind.INCONSISTENT, Severity.MEDIUM)
    assert issue.suggested_value == "rscheel@schlosser.de"
    assert "'schiosser' where the page prints 'Schlosser'" in issue.message
    assert issue.word_ids == ["w2"]


NAME = st.from_regex(rf"[A-Z][a-z]{{{MIN_NAME - 1},10}}", fullmatch=True)


@given(st.lists(NAME, min_size=1, max_size=3), st.integers(0, 99))
def test_an_address_built_from_the_printed_names_is_never_flagged(names: list[str], number: int) -> None:
    address = f"{''.join(names).lower()}{number}@{names[0].lower()}.com"
    assert issue_for(address, *names) is None


LOCALES = ("en_US", "en_GB", "de_DE", "de_AT", "fr_FR", "fr_CH", "nl_NL", "nl_BE", "es_ES", "it_IT", "pt_BR", "pl_PL")


@pytest.mark.parametrize("locale", LOCALES)
def test_faker_addresses_of_the_printed_person_are_never_flagged(locale: str) -> None:
    """Addresses built as people build them (`first.last`, `flast`, `firstlast42`, `last.first`) from
    the names a page prints beside its company and street: none misspells a printed name."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(13)
    patterns = ("{f}.{l}", "{f0}{l}", "{f}{l}{n}", "{l}.{f}", "{f}", "{l}{f}")
    for i in range(150):
        first, last, company, street = fake.first_name(), fake.last_name(), fake.company(), fake.street_address()
        f, l = (anyascii(n.lower()).replace(" ", "").replace("'", "") for n in (first, last))  # noqa: E741
        local = patterns[i % len(patterns)].format(f=f, l=l, f0=f[:1], n=i)
        domain = anyascii(company.split()[0].lower()).strip(",.&'") or "example"
        address = f"{local}@{domain}.com"
        assert issue_for(address, *first.split(), *last.split(), *company.split(), *street.split()) is None, address
