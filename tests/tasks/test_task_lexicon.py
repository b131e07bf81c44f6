"""The misread-word rule (`worker.tasks.lexicon`) and what the e-mail check makes of it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.emails import email_misread_fix
from worker.tasks.formats import Verdict, check_format
from worker.tasks.lexicon import COMMON, MIN_LETTERS, fix_words, is_known, misread_fix, word_counts


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("exampie", "example"),  # seed 1 of the evaluation: `l` read as `i`
        ("Exampie", "Example"),  # the word's case is kept
        ("EXAMPIE", "EXAMPLE"),
        ("govemment", "government"),  # `rn` read as `m`
        ("cornpany", "company"),
        ("acldress", "address"),  # `d` read as `cl`
        ("deiivery", "delivery"),
        ("pIease", "please"),  # a capital I read for a small l stays small
        ("Fèvrier", "Février"),  # one accent read for another
    ],
)
def test_a_non_word_one_look_alike_swap_from_a_common_word_is_a_misread(read: str, meant: str) -> None:
    assert misread_fix(read) == meant


@pytest.mark.parametrize(
    "word",
    [
        "example",  # a word: nothing to fix
        "Agnès",  # an accent is never taken for a stain: Agnes is common, Agnès a name
        "Noêl",  # under MIN_LETTERS letters: too near too many words
        "qwzxv",  # no swap makes a common word of it
        "stephen84",  # not all letters
        "Straße",  # a listed word whose lower case keeps its length
    ],
)
def test_words_a_swap_does_not_settle_are_left_alone(word: str) -> None:
    assert misread_fix(word) is None


def test_the_lists_know_the_languages_of_the_evaluation() -> None:
    assert all(is_known(w) for w in ("invoice", "Rechnung", "facture", "factuur", "factura"))


LISTED = sorted(w for w in word_counts()[1] if w.isalpha() and len(w) >= MIN_LETTERS)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LISTED))
def test_a_listed_word_is_never_a_misread(word: str) -> None:
    assert misread_fix(word) is None
    assert misread_fix(word.capitalize()) is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcdeilmnorstuvwéèêë", min_size=MIN_LETTERS, max_size=10))
def test_a_fix_is_a_common_word_of_the_same_letters_but_one_swap(word: str) -> None:
    fix = misread_fix(word)
    if fix is not None:
        assert not is_known(word) and word_counts()[1][fix.lower()] >= COMMON
        assert abs(len(fix) - len(word)) <= 1 and fix != word


def test_fix_words_fixes_each_run_of_letters_and_keeps_the_rest() -> None:
    assert fix_words("sibille0l@exampie-shop.net") == "sibille0l@example-shop.net"
    assert fix_words("exampie2exampie") == "example2example"  # digits split runs; each run is judged
    assert fix_words("exampieshop") == "exampieshop"  # a run is judged whole, never a part of it


@pytest.mark.parametrize(
    ("text", "fix"),
    [
        ("sibille0l@trubin.de", "sibille01@trubin.de"),  # seed 3: a letter closes the local part's number
        ("jo.1O2@firma.de", "jo.102@firma.de"),
        ("sibilleOl@baum.de", "sibille01@baum.de"),  # seed 3: no digit left, but a capital after small letters
        ("jobsOl@baum.de", "jobs01@baum.de"),  # the number starts at the capital
        ("noemil3@perret.com", "noemi13@perret.com"),  # seed 4: a listed name, then `l` for `1`
        ("davido3@shaw-stone.com", "david03@shaw-stone.com"),  # seed 5: `o` for `0`
        ("fobinS6@example.net", "fobin56@example.net"),  # seed 9: a capital after small letters, `S` for `5`
        ("stephen84@exampie.net", "stephen84@example.net"),  # seed 1: a domain word misread
        ("a@shop.exampie.co.uk", "a@shop.example.co.uk"),
        ("Mailcostapaul@gilles.com", "costapaul@gilles.com"),  # seed 12: the label `Mail` glued to it
        ("E-Mail.jo.weber@firma.de", "jo.weber@firma.de"),
        ("Courrieljean.dupont@firma.fr", "jean.dupont@firma.fr"),
    ],
)
def test_an_address_ocr_misread_is_doubtful_likely_misread_with_the_fix(text: str, fix: str) -> None:
    check = check_format(text, FieldFormat.EMAIL)
    assert (check.verdict, check.misread, check.suggestion) == (Verdict.DOUBTFUL, True, fix)


@pytest.mark.parametrize(
    "text",
    [
        "paulo12@gmail.com",  # letters before the number are the name's: `paulo` is listed
        "daniel12@firma.de",  # `danie` is no listed name: the `l` is the name's
        "noemi13@perret.com",  # read right
        "JohnS6@firma.de",  # a name in capitals and small letters may end on a capital
        "JohnSOS@firma.de",
        "annaS@firma.de",  # one capital may be a surname's initial
        "annaSmith@firma.de",  # a capital starting a word that is not all look-alikes
        "alol7@firma.de",  # `alo` is too short to tell a name from a stem
        "exampie@example.net",  # the local part is a name: the lists are not asked
        "info@firma.exampie",  # nor is the top-level domain
        "billing@acme.example",
        *("mailroom@firma.de", "Mailin@firma.de", "Mailand.Tours@firma.de"),  # no label glued to them
    ],
)
def test_addresses_without_a_sign_of_misreading_are_valid(text: str) -> None:
    assert check_format(text, FieldFormat.EMAIL).verdict is Verdict.VALID
    assert email_misread_fix(text) is None


def test_analyze_flags_a_misread_address_for_review_with_the_fix() -> None:
    page = OcrPage(index=0, width=1200, height=800, words=[])
    field = OcrField(name="email", value="stephen84@exampie.net", confidence=0.98)
    document = OcrDocument(pages=[page], fields=[field])
    request = AnalyzeRequest(
        document=document, expected_fields=[ExpectedField(name="email", format=FieldFormat.EMAIL)], use_llm=False
    )
    [issue] = rule_issues(request)
    assert (issue.field, issue.kind, issue.severity) == ("email", IssueKind.IMPLAUSIBLE_VALUE, Severity.MEDIUM)
    assert issue.suggested_value == "stephen84@example.net"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(LISTED), st.from_regex(r"[0-9]{1,4}", fullmatch=True))
def test_a_listed_name_and_its_number_are_never_changed(name: str, number: str) -> None:
    """The local part's name is listed: its last letter is its own, whatever digits follow."""
    assert email_misread_fix(f"{name}{number}@firma.de") is None


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[a-z]{1,12}(\.[a-z]{1,12})?", fullmatch=True))
def test_a_local_part_of_small_letters_is_never_read_as_holding_a_number(local: str) -> None:
    """Only a digit, or a capital after small letters, tells that OCR read a number as letters."""
    assert email_misread_fix(f"{local}@firma.de") is None


EMAIL_LABELS = ["Mail", "E-mail", "Email", "E-Mail", "Courriel", "E-mailadres", "E-Mail-Adresse"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(EMAIL_LABELS), st.sampled_from(["", ":", "."]), st.from_regex(r"[a-z]{4,12}", fullmatch=True))
def test_a_label_glued_to_an_address_is_cut_and_only_it(label: str, mark: str, local: str) -> None:
    """OCR lost the space after the label: the suggestion is the address the label was printed
    before (a colon makes the address invalid, a point or nothing leaves it doubtful)."""
    check = check_format(f"{label}{mark}{local}@firma.de", FieldFormat.EMAIL)
    assert check.suggestion == f"{local}@firma.de"
    assert check.verdict is (Verdict.INVALID if mark == ":" else Verdict.DOUBTFUL)
    assert email_misread_fix(f"{local}@firma.de") is None
