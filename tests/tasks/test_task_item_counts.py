"""A receipt's item count its page confirms (`worker.tasks.item_counts`), in analyze's rules."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest
from schemas.results import Severity
from worker.tasks.checks import COUNT_CONFIRMS, rule_issues
from worker.tasks.item_counts import confirmed_counts, page_counts


def line(y: float, *texts: str, confidence: float = 0.95) -> list[OcrWord]:
    return [
        OcrWord(id=f"y{y:g}x{n}", text=text, bbox=(50 + 150 * n, y, 180 + 150 * n, y + 24), confidence=confidence)
        for n, text in enumerate(texts)
    ]


ITEMS = [("4", "x", "Drinken", "220,12"), ("5", "x", "Baby", "73,35"), ("2", "×", "Wit", "96,20")]


def receipt(count: str, items: list[tuple[str, ...]] = ITEMS, skewed: bool = False) -> OcrDocument:
    """Seed 4's receipt: items, the sums, and `ARTIKELEN: 7` read at 0.55 (here with 3 items).
    Skewed, each item line overlaps the next one, as on a page scanned askew."""
    step = 20 if skewed else 40
    printed = [line(40, "Koster", "&", "van", "der", "Maes"), line(80, "Cornelisstraat", "84")]
    printed += [line(80 + step * (n + 1), *item) for n, item in enumerate(items)]
    bottom = 80 + step * (len(items) + 1) + 60
    printed += [line(bottom, "SUBTOTAAL", "€", "389,67"), line(bottom + 40, "TOTAAL", "€", "409,15")]
    counted = line(bottom + 80, "ARTIKELEN:", count, confidence=0.55)
    words = [w for printed_line in [*printed, counted] for w in printed_line]
    field = OcrField(name="items", value=count, word_ids=[counted[1].id], confidence=0.55)
    return OcrDocument(pages=[OcrPage(index=0, width=1200, height=1600, words=words)], fields=[field])


def test_the_page_counts_its_priced_lines_quantity_marks_and_quantities() -> None:
    assert page_counts(receipt("3")) == {3, 11}
    assert page_counts(receipt("3", skewed=True)) == {3, 11}  # lines merged: words still count


def test_a_count_the_page_confirms_is_reported_low_one_it_does_not_medium() -> None:
    for count, severity in (("3", Severity.LOW), ("11", Severity.LOW), ("8", Severity.MEDIUM)):
        issues = rule_issues(AnalyzeRequest(document=receipt(count), use_llm=False))
        [issue] = [i for i in issues if i.field is not None]
        assert (issue.field, issue.severity) == ("items", severity)
        assert (COUNT_CONFIRMS in issue.message) is (severity is Severity.LOW)


def test_lines_without_quantity_marks_count_by_their_prices() -> None:
    items = [("Drinken", "220,12"), ("Baby", "73,35")]
    assert page_counts(receipt("2", items)) == {2}
    assert confirmed_counts(receipt("2", items)) == {"items"}


def test_a_page_without_sum_labels_confirms_no_count() -> None:
    document = receipt("3")
    words = [w for w in document.pages[0].words if w.text not in ("SUBTOTAAL", "TOTAAL")]
    bare = document.model_copy(update={"pages": [document.pages[0].model_copy(update={"words": words})]})
    assert page_counts(bare) == frozenset() and confirmed_counts(bare) == frozenset()


QUANTITY = st.integers(min_value=1, max_value=20)


@given(st.lists(QUANTITY, min_size=1, max_size=8), st.integers(min_value=0, max_value=200))
def test_a_count_is_confirmed_exactly_when_it_is_the_lines_or_their_quantities(
    quantities: list[int], count: int
) -> None:
    items = [(str(q), "x", "Ding", f"{q * 3},50") for q in quantities]
    confirmed = confirmed_counts(receipt(str(count), items)) == {"items"}
    assert confirmed is (count in (len(quantities), sum(quantities)))
