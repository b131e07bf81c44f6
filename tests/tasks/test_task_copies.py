"""analyze's copy rule (worker/tasks/copies.py): a value the page prints twice, read two ways."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind, Severity
from worker.tasks.analyze import AnalyzeTask
from worker.tasks.base import TaskContext
from worker.tasks.checks import rule_issues
from worker.tasks.copies import copy_issues

from .ocr_samples import NoEngine


def receipt(*lines: str, field: str = "store", value: str | None = None, own: int | None = 0) -> OcrDocument:
    """One line per argument, a word per space; the field reads line `own` (its words cited), or
    `value` with no words cited when `own` is None."""
    words, ids_by_line = [], []
    for n, line in enumerate(lines):
        ids = []
        for i, text in enumerate(line.split()):
            ids.append(f"w{n}_{i}")
            words.append(
                OcrWord(id=ids[-1], text=text, bbox=(50 + 150 * i, 40 * n, 190 + 150 * i, 40 * n + 20), confidence=0.95)
            )
        ids_by_line.append(ids)
    read = OcrField(
        name=field,
        value=value if value is not None else lines[own or 0],
        word_ids=ids_by_line[own] if own is not None else [],
    )
    return OcrDocument(pages=[OcrPage(index=0, width=1200, height=800, words=words)], fields=[read])


def test_a_name_printed_again_differently_is_inconsistent_with_the_other_copy_suggested() -> None:
    document = receipt("Junken Malzer KG", "SUMME 747,20", "Junken Mälzer KG")  # header and footer
    [issue] = copy_issues(document, frozenset())
    assert (issue.field, issue.kind, issue.severity) == ("store", IssueKind.INCONSISTENT, Severity.MEDIUM)
    assert issue.suggested_value == "Junken Mälzer KG"
    assert issue.word_ids == ["w0_0", "w0_1", "w0_2", "w2_0", "w2_1", "w2_2"]  # both copies
    assert "Mälzer" not in issue.message  # the message names the field, not the document's text


def test_a_copy_that_agrees_outvotes_the_one_that_differs() -> None:
    document = receipt("Junken Mälzer KG", "Junken Mälzer KG", "Junken Malzer KG")
    assert list(copy_issues(document, frozenset())) == []


def test_the_field_without_cited_words_owns_its_first_exact_run() -> None:
    differs = receipt("Junken Malzer KG", "Junken Mälzer KG", value="Junken Malzer KG", own=None)
    assert [i.suggested_value for i in copy_issues(differs, frozenset())] == ["Junken Mälzer KG"]
    agrees = receipt("Junken Malzer KG", "Junken Malzer KG", value="Junken Malzer KG", own=None)
    assert list(copy_issues(agrees, frozenset())) == []


def test_punctuation_case_and_spacing_are_no_other_reading() -> None:
    document = receipt("Smith and Sons", "Total 12.00", "‘SMITH and Sons.")
    assert list(copy_issues(document, frozenset())) == []


def test_checked_formats_short_values_and_far_runs_are_left_alone() -> None:
    dated = receipt("12 Juli 2025", "Datum 12 Juni 2025", field="date")
    assert list(copy_issues(dated, frozenset({"date"}))) == []  # a date has its own check
    short = receipt("Baum AG", "Baum AB", field="vendor")
    assert list(copy_issues(short, frozenset())) == []  # 6 letters: near too many words
    other = receipt("Junken Mälzer KG", "Jansen Bakker BV")
    assert list(copy_issues(other, frozenset())) == []


async def test_analyze_reports_it_and_marks_the_field_uncertain() -> None:
    document = receipt("Junken Malzer KG", "Junken Mälzer KG")
    expected = [ExpectedField(name="store", required=True)]
    request = AnalyzeRequest(document=document, expected_fields=expected, use_llm=False)
    assert [i.kind for i in rule_issues(request)] == [IssueKind.INCONSISTENT]
    declared = AnalyzeRequest(
        document=document, expected_fields=[ExpectedField(name="store", format=FieldFormat.EMAIL)]
    )
    assert IssueKind.INCONSISTENT not in {i.kind for i in rule_issues(declared)}  # its format's check decides
    result = await AnalyzeTask().run(request, TaskContext(NoEngine()))
    assert result.uncertain_fields == ["store"] and result.needs_review  # required, and doubtful


NAME = st.text(alphabet=st.characters(categories=("L",)), min_size=3, max_size=10)


@settings(max_examples=60, deadline=None)
@given(words=st.lists(NAME, min_size=1, max_size=4), copies=st.integers(min_value=1, max_value=4))
def test_a_value_printed_alike_every_time_is_never_inconsistent(words: list[str], copies: int) -> None:
    """Property: however often a value is printed, copies read alike raise no issue."""
    line = " ".join(words)
    assert list(copy_issues(receipt(*[line] * copies), frozenset())) == []


def test_a_copy_whose_words_ocr_glued_or_split_differently_still_agrees() -> None:
    """Seed 6: `Co. KG` in the header, `Co.KG` in the footer after an amount; `&` has no key."""
    glued = receipt("Scheibe Zorbach AG & Co. KG", "6.544,65€ Scheibe Zorbach AG & Co.KG", field="vendor")
    assert list(copy_issues(glued, frozenset())) == []
    split = receipt("Scheibe Zorbach AG & Co.KG", "Scheibe Zorbach AG & Co. KG", field="vendor")
    assert list(copy_issues(split, frozenset())) == []


def test_a_copy_read_far_less_surely_than_the_field_is_reported_low() -> None:
    """Seed 6: the signature line's `Meuten-Lips` read at 0.24 against the field's words at 0.95."""
    document = receipt("Aaliyah van der Meulen-Lips", "door Aaliyah van der Meuten-Lips")
    page = document.pages[0]
    unsure = [w.model_copy(update={"confidence": 0.24}) if w.text == "Meuten-Lips" else w for w in page.words]
    document = document.model_copy(update={"pages": [page.model_copy(update={"words": unsure})]})
    [issue] = copy_issues(document, frozenset())
    assert (issue.severity, issue.suggested_value) == (Severity.LOW, "Aaliyah van der Meuten-Lips")
    [as_sure] = copy_issues(receipt("Aaliyah van der Meulen-Lips", "door Aaliyah van der Meuten-Lips"), frozenset())
    assert as_sure.severity is Severity.MEDIUM


def test_a_copy_that_misreads_a_listed_word_into_a_non_word_is_reported_low() -> None:
    """Seeds 7 and 10: `Knowies` in the footer, `Nelsan` on the signature line; the field reads the
    listed word. The other way round, the field's non-word against the copy's listed word, stays
    medium, and so does a copy whose words are all unlisted or all listed."""
    [copy_misread] = copy_issues(receipt("Baxter, Evans and Knowles", "Baxter, Evans and Knowies"), frozenset())
    assert (copy_misread.severity, copy_misread.suggested_value) == (Severity.LOW, "Baxter, Evans and Knowies")
    [field_misread] = copy_issues(receipt("Baxter, Evans and Knowies", "Baxter, Evans and Knowles"), frozenset())
    assert field_misread.severity is Severity.MEDIUM
    [unlisted] = copy_issues(receipt("Junken Malzer KG", "Junken Mälzer KG"), frozenset())
    assert unlisted.severity is Severity.MEDIUM
