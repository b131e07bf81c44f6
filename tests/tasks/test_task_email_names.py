"""An e-mail address that misspells a name its page prints (`worker.tasks.email_names`), and
analyze's issue."""

from __future__ import annotations

import pytest
from anyascii import anyascii
from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.email_names import MIN_NAME, email_name_issue, lost_mark_issue
from worker.tasks.lost_umlauts import written_out


def page(address: str, *printed: str) -> OcrDocument:
    """A page printing the names (one word each), then the address read as the `email` field."""
    words = [
        OcrWord(id=f"w{i}", text=text, bbox=(100, 100 + 40 * i, 400, 126 + 40 * i), confidence=0.95)
        for i, text in enumerate([*printed, address])
    ]
    field = OcrField(name="email", value=address, word_ids=[words[-1].id], confidence=0.95)
    return OcrDocument(pages=[OcrPage(index=0, width=1200, height=1600, words=words)], fields=[field])


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
        ("kraemer@example.de", ("Kramer",)),  # the page lost the umlaut, not the address: `lost_mark_issue`
        ("adelindespiess@example.de", ("Adelinde", "Spies")),
        ("aaliyahvandermeulenlips@example.org", ("Aaliyah", "van", "der", "Meulen-Lips")),  # the whole name joined
        ("meulenvanderj@example.org", ("Jan", "van", "der", "Meulen")),  # printed words run together, in any order
        ("leighobrien@example.com", ("Leigh", "O'Brien")),  # a one-letter run joined (O')
        ("fvantwel@example.com", ("Florian", "van", "'t", "Wel")),
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


def lost_mark(address: str, value: str) -> str | None:
    """The fix `lost_mark_issue` suggests for a field printing `value` on a page with the address."""
    words = value.split()
    document = page(address, *words)
    field = OcrField(name="vendor", value=value, word_ids=[f"w{i}" for i in range(len(words))], confidence=0.9)
    issue = lost_mark_issue(document, field)
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
    issue = lost_mark_issue(document, field)
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
