"""A text value cut short or a label read as it (`worker.tasks.cut_values`), and analyze's issue."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.cut_values import (
    CUT_REASON,
    JOINING_WORDS,
    LABEL_REASON,
    MAX_SPACING,
    SIGN_REASON,
    WordPlaces,
    cut_reason,
    without_number_sign,
)
from worker.tasks.formats import Verdict, check_format


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Koster & van", CUT_REASON),  # seed 4: `Koster & van der Maes` cut after its particle
        ("Sullivan, Hawkins and", CUT_REASON),  # a conjunction joins it to more
        ("KOSTER & VAN", CUT_REASON),  # in capitals, case says nothing: the word does
        ("Café de la", CUT_REASON),
        ("Reuter e.G,", CUT_REASON),  # seed 5: a separator never closes a value
        ("Jean-", CUT_REASON),
        ("compiet:", LABEL_REASON),  # seed 5: the label `complet:` read as the name
        ("Name :", LABEL_REASON),
    ],
)
def test_a_value_ending_as_no_value_does_is_doubtful_and_likely_misread(value: str, reason: str) -> None:
    assert cut_reason(value) == reason
    check = check_format(value, FieldFormat.TEXT)
    assert (check.verdict, check.reason, check.misread, check.suggestion) == (Verdict.DOUBTFUL, reason, True, None)


@pytest.mark.parametrize(
    "value",
    [
        "Koster & van der Maes",
        "Reuter e.G.",
        "Thi Le",  # capitalised, a particle is a name of its own
        "Wei Du",
        "Dussen, van",  # a Dutch list's surname first: the particle moved behind it
        "Sushi bar",  # nameparser's prefixes that are nouns too
        "12 Main st",
        "-",  # a placeholder for no value
        "van",  # a value of one word is no cut name
        "rue de Noël",
        "12,-",  # a price without cents, written out
    ],
)
def test_values_that_end_as_values_do_are_valid(value: str) -> None:
    assert cut_reason(value) is None
    assert check_format(value, FieldFormat.TEXT).verdict is Verdict.VALID


@pytest.mark.parametrize(
    ("value", "unsigned"),
    [
        ("n2A85577-2019", "A85577-2019"),  # seed 1: RapidOCR read `n°` glued to the number as `n2`
        ("m2A85577-2019", "A85577-2019"),  # and as `m2` on the same page at level 3
        ("n°562044387", "562044387"),
        ("No.12345", "12345"),
        ("Nr.A1", "A1"),
        ("N0.A54999-2024", "A54999-2024"),  # seed 7: Tesseract read `No.` with a zero
        ("NoJNV-2021-14333", "JNV-2021-14333"),  # seed 11: `No` glued without its dot (and `I` read `J`)
    ],
)
def test_a_number_sign_glued_to_an_identifier_is_a_label_read_into_it(value: str, unsigned: str) -> None:
    assert without_number_sign(value) == unsigned
    check = check_format(value, FieldFormat.TEXT)
    assert (check.verdict, check.reason, check.misread) == (Verdict.DOUBTFUL, SIGN_REASON, True)
    assert check.suggestion == unsigned


@pytest.mark.parametrize(
    "value",
    [
        "N2A85577",  # capital N before a digit: an identifier of its own
        "n2",  # nothing follows the sign
        "m2 Fläche",  # square metres before a word
        "No. 5 Avenue",  # a sign with a space is printed text, not glued
        "Nora Smith",
        "NOVA-2021",  # a word in capitals, not a sign
        "Nobel",
        "N0.5",  # one digit after a zero-read sign: too little
        "nr.5",  # one digit: too little to call an identifier
    ],
)
def test_values_without_a_glued_number_sign_keep_their_start(value: str) -> None:
    assert without_number_sign(value) is None


SIGNS = ["n°", "nº", "N°", "n2", "m2", "No.", "Nr.", "N0.", "No"]


@given(st.from_regex(r"[A-Z][A-Z0-9-]{0,8}[0-9]", fullmatch=True), st.sampled_from(SIGNS))
def test_the_suggestion_is_the_identifier_the_sign_was_glued_to(identifier: str, sign: str) -> None:
    assert without_number_sign(sign + identifier) == identifier


NAMES = st.lists(st.from_regex(r"[A-Z][a-z]{1,10}", fullmatch=True), min_size=1, max_size=4).map(" ".join)
LOWER_JOINING = sorted(w for w in JOINING_WORDS if w.isalpha() and w.islower())


@given(NAMES, st.sampled_from(LOWER_JOINING))
def test_a_name_ending_on_a_lower_case_joining_word_is_cut(name: str, joining: str) -> None:
    assert cut_reason(f"{name} {joining}") == CUT_REASON


@given(NAMES)
def test_a_name_closed_by_a_colon_is_a_label_and_without_it_is_whole(name: str) -> None:
    assert cut_reason(f"{name}:") == LABEL_REASON
    assert cut_reason(name) is None


def word(word_id: str, text: str, x0: float, x1: float, y: float = 100, height: float = 26) -> OcrWord:
    return OcrWord(id=word_id, text=text, bbox=(x0, y, x1, y + height), confidence=0.93)


def vendor_page(*words: OcrWord, value: str = "Baum", ids: tuple[str, ...] = ("w0",)) -> OcrDocument:
    """Seed 3's page: `Baum` read as the vendor, `e.V.` beside it (48 px, 1.85 letter heights)."""
    page = OcrPage(index=0, width=1200, height=1600, words=[word("w0", "Baum", 106, 170), *words])
    field = OcrField(name="vendor", value=value, word_ids=list(ids), confidence=0.93)
    return OcrDocument(pages=[page], fields=[field])


def test_the_words_that_continue_a_value_on_its_line_are_its_continuation() -> None:
    document = vendor_page(word("w1", "e.V.", 218, 281), word("w2", "Calw", 106, 170, y=160))
    assert [w.text for w in WordPlaces.of(document).continuation(document.fields[0])] == ["e.V."]


@pytest.mark.parametrize(
    "after",
    [
        word("w1", "e.V.", 170 + MAX_SPACING * 26 + 1, 400),  # a column gap away
        word("w1", "e.V.", 218, 281, y=140),  # on the next line
        word("w1", "Datum:", 218, 281),  # a label: another field's value follows it
        word("w1", "Tel.", 218, 281),  # a label of the vocabulary, without a colon
        word("w1", "€", 218, 281),  # a sign, a time, a number: a unit or another value
        word("w1", "13:04", 218, 281),
    ],
)
def test_words_across_a_gap_on_another_line_or_labels_do_not_continue_it(after: OcrWord) -> None:
    document = vendor_page(after)
    assert WordPlaces.of(document).continuation(document.fields[0]) == []


def test_a_value_without_letters_has_no_continuation() -> None:
    document = vendor_page(word("w1", "e.V.", 218, 281), value="4 764,19")
    assert WordPlaces.of(document).continuation(document.fields[0]) == []


def test_a_word_another_field_holds_does_not_continue_it() -> None:
    document = vendor_page(word("w1", "e.V.", 218, 281))
    legal_form = OcrField(name="legal_form", value="e.V.", word_ids=["w1"])
    claimed = document.model_copy(update={"fields": [*document.fields, legal_form]})
    assert WordPlaces.of(claimed).continuation(claimed.fields[0]) == []


def analyze_rules(document: OcrDocument) -> list[Issue]:
    expected = [ExpectedField(name="vendor", format=FieldFormat.TEXT)]
    return rule_issues(AnalyzeRequest(document=document, expected_fields=expected, use_llm=False))


def test_analyze_flags_a_cut_value_for_review_with_the_words_that_continue_it() -> None:
    [issue] = analyze_rules(vendor_page(word("w1", "e.V.", 218, 281)))
    assert (issue.field, issue.kind, issue.severity) == ("vendor", IssueKind.IMPLAUSIBLE_VALUE, Severity.MEDIUM)
    assert (issue.suggested_value, issue.word_ids) == ("Baum e.V.", ["w0", "w1"])


def test_analyze_flags_a_value_ending_on_a_particle_without_a_suggestion() -> None:
    document = vendor_page(value="Koster & van")
    [issue] = analyze_rules(document)
    assert (issue.kind, issue.severity, issue.message, issue.suggested_value) == (
        IssueKind.IMPLAUSIBLE_VALUE,
        Severity.MEDIUM,
        CUT_REASON,
        None,
    )


def test_a_whole_value_raises_no_issue() -> None:
    assert analyze_rules(vendor_page(value="Baum e.V.")) == []
