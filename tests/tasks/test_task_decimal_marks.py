"""Decimal marks that disagree within one document (`worker.tasks.decimal_marks`), no engine."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest
from schemas.results import IssueKind, Severity
from worker.tasks.checks import rule_issues
from worker.tasks.decimal_marks import currency_marks, decimal_mark_issues, document_language, language_marks

from .ocr_samples import word

AMOUNTS = frozenset({"subtotal", "tax", "total"})


def receipt(labels: tuple[str, str, str, str], amounts: tuple[str, ...], lines: tuple[str, ...] = ()) -> OcrDocument:
    """A receipt: priced lines, then subtotal, tax and total each after its label, one per line."""
    words = [word(f"l{i}", text, 400, 40 * i) for i, text in enumerate(lines)]
    fields = []
    for i, (label, amount, name) in enumerate(zip(labels[1:], amounts, ("subtotal", "tax", "total"), strict=True)):
        y = 400 + 40 * i
        words += [word(f"a{i}", label, 50, y), word(f"v{i}", amount, 400, y)]
        fields.append(OcrField(name=name, value=amount, confidence=0.95, word_ids=[f"v{i}"]))
    words.append(word("d", labels[0], 50, 20))
    return OcrDocument(pages=[OcrPage(index=0, width=1000, height=800, words=words)], fields=fields)


FRENCH = ("Date", "SOUS-TOTAL", "TVA", "TOTAL")


def test_amounts_ocr_read_with_a_point_on_a_french_page_are_flagged_with_the_comma() -> None:
    # RapidOCR on a degraded French receipt: prices and subtotal/tax with a point, the total right
    document = receipt(FRENCH, ("515.24", "41.22", "556,46"), ("46.80", "204.08", "107.76", "156.60"))
    issues = list(decimal_mark_issues(document, AMOUNTS))
    assert [(i.field, i.suggested_value) for i in issues] == [("subtotal", "515,24"), ("tax", "41,22")]
    assert all(i.kind is IssueKind.FORMAT_ERROR and i.severity is Severity.MEDIUM for i in issues)
    assert "decimal point" in issues[0].message and "515" not in issues[0].message


def test_the_same_misreading_is_found_through_analyze_rules() -> None:
    document = receipt(FRENCH, ("515.24", "41.22", "556,46"))
    flagged = {i.field for i in rule_issues(AnalyzeRequest(document=document, use_llm=False))}
    assert {"subtotal", "tax"} <= flagged and "total" not in flagged


def test_a_page_that_uses_one_mark_throughout_is_left_alone() -> None:
    # an English invoice from Germany prints decimal commas on every line: consistent, so no issue
    english = ("Date", "Subtotal", "VAT", "Total")
    assert list(decimal_mark_issues(receipt(english, ("1.234,56", "234,57", "1.469,13")), AMOUNTS)) == []
    assert list(decimal_mark_issues(receipt(FRENCH, ("515.24", "41.22", "556.46")), AMOUNTS)) == []


def test_amounts_that_group_thousands_with_one_mark_state_the_other_as_the_decimal_mark() -> None:
    # seed 4: RapidOCR read a German item table with points, the totals right; German is written
    # both ways and the points outnumber the commas three to one, but `4.266,58` groups with a point
    german = ("Datum", "Nettobetrag", "USt.", "Summe")
    prices = ("194.55", "583.65", "40.82", "40.82", "426.91", "432.64", "865.28", "23.93", "215.37")
    document = receipt(german, ("4.266,58", "426,66", "4.693,24"), prices)
    assert list(decimal_mark_issues(document, AMOUNTS)) == []
    misread = receipt(german, ("4.266.58", "426.66", "4.693,24"), ("1.194,55", *prices))
    assert [(i.field, i.suggested_value) for i in decimal_mark_issues(misread, AMOUNTS)] == [("tax", "426,66")]
    lines = ("1.234,56", "1,234.56", "3.00", "4.00", "5.00", "6.00")
    mixed = receipt(("x", "y", "z", "q"), ("10.00", "2,50", "12.50"), lines)
    assert [i.field for i in decimal_mark_issues(mixed, AMOUNTS)] == ["tax"]  # they disagree: the majority decides


def test_without_a_language_the_mark_most_amounts_use_decides_and_a_tie_decides_nothing() -> None:
    unlabelled = ("x", "y", "z", "q")
    majority = receipt(unlabelled, ("10,00", "2,50", "12.50"), ("3,00", "4,00", "5,00"))
    assert [i.field for i in decimal_mark_issues(majority, AMOUNTS)] == ["total"]
    tie = receipt(unlabelled, ("10,00", "2.50", "12.50"), ("3,00",))
    assert list(decimal_mark_issues(tie, AMOUNTS)) == []


def test_the_language_is_read_from_the_labels_printed() -> None:
    dutch = receipt(("Datum", "Subtotaal", "Btw", "Totaal"), ("1,00", "2,00", "3,00"))
    assert document_language(dutch) == "nl"
    assert document_language(receipt(FRENCH, ("1,00", "2,00", "3,00"))) == "fr"
    assert document_language(receipt(("x", "y", "z", "q"), ("1,00", "2,00", "3,00"))) is None


def test_language_marks_come_from_cldr_and_skip_languages_written_both_ways() -> None:
    marks = language_marks()
    assert marks["fr"] == marks["nl"] == "," and marks["en"] == "."
    assert "de" not in marks  # de_CH writes a decimal point


GERMAN = ("Datum", "Zwischensumme", "MwSt.", "Gesamt")


def test_a_language_written_both_ways_takes_the_mark_of_the_currency_it_prints() -> None:
    """Seed 9: RapidOCR read four of a German receipt's eight amounts with a point, the subtotal
    among them; with `€` printed, German is written as in Germany and Austria."""
    points = ("13,41", "32,72", "195.66", "121.52", "131.80")
    in_euro = receipt(GERMAN, ("495.11", "39,61", "534,72€"), points)
    assert [(i.field, i.suggested_value) for i in decimal_mark_issues(in_euro, AMOUNTS)] == [("subtotal", "495,11")]
    in_francs = receipt(GERMAN, ("495.11", "39,61", "534,72 CHF"), points)
    assert [i.field for i in decimal_mark_issues(in_francs, AMOUNTS)] == ["tax", "total"]  # Swiss German: points
    unpriced = receipt(GERMAN, ("495.11", "39,61", "534,72"), points)
    assert list(decimal_mark_issues(unpriced, AMOUNTS)) == []  # a tie, and no currency to tell


def test_currency_marks_come_from_cldr() -> None:
    marks = currency_marks()
    assert marks["de", "€"] == marks["de", "eur"] == marks["es", "€"] == ","
    assert marks["de", "chf"] == marks["es", "$"] == "."


amounts = st.integers(0, 10**7).map(lambda c: f"{c // 100}.{c % 100:02d}")


@settings(deadline=None)
@given(st.lists(amounts, min_size=3, max_size=3), st.lists(amounts, max_size=6), st.booleans())
def test_a_document_whose_amounts_all_use_one_mark_gets_no_decimal_mark_issue(
    values: list[str], lines: list[str], comma: bool
) -> None:
    def written(amount: str) -> str:
        return amount.replace(".", ",") if comma else amount

    document = receipt(FRENCH, tuple(map(written, values)), tuple(map(written, lines)))
    assert list(decimal_mark_issues(document, AMOUNTS)) == []
