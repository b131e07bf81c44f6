"""The sums a page prints beside their labels (`worker.tasks.printed_sums`) in analyze's sum check."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.results import IssueKind, Severity
from worker.tasks.printed_sums import printed_sum_fields, printed_tax_rate
from worker.tasks.sum_check import arithmetic_issues, fits_rate


def line(y: float, *texts: str) -> list[OcrWord]:
    """Words printed left to right on one line, 20 px apart."""
    return [
        OcrWord(id=f"y{y:g}x{n}", text=text, bbox=(50 + 150 * n, y, 180 + 150 * n, y + 24), confidence=0.9)
        for n, text in enumerate(texts)
    ]


def page(*lines: list[OcrWord], fields: list[OcrField] | None = None) -> OcrDocument:
    words = [w for printed in lines for w in printed]
    return OcrDocument(pages=[OcrPage(index=0, width=1200, height=1600, words=words)], fields=fields or [])


def field_of(name: str, words: list[OcrWord]) -> OcrField:
    return OcrField(name=name, value=" ".join(w.text for w in words), word_ids=[w.id for w in words], confidence=0.9)


def receipt(subtotal_label: str = "ZWISCHENSUMME") -> tuple[list[OcrWord], list[OcrWord], list[OcrWord]]:
    """Seed 3's receipt: the tax's 0,00 read 6,00, and the total split at its comma."""
    return line(100, subtotal_label, "304,80", "€"), line(140, "MWST", "6,00", "€"), line(180, "SUMME", "304,", "80€")


def test_a_total_the_fields_lack_is_read_beside_its_label() -> None:
    subtotal, tax, total = receipt()
    printed = printed_sum_fields(page(subtotal, tax, total))
    assert {c: f.value for c, f in printed.items()} == {"subtotal": "304,80 €", "tax": "6,00 €", "total": "304,80€"}
    assert printed["total"].word_ids == [w.id for w in total[1:]]


def test_the_sum_check_names_the_misread_tax_with_the_total_printed_beside_its_label() -> None:
    """The field reader lost the total; the page's `SUMME 304, 80€` shows the tax's misread digit."""
    subtotal, tax, total = receipt()
    fields = [field_of("subtotal", subtotal[1:2]), field_of("tax", tax[1:2])]
    [issue] = arithmetic_issues(page(subtotal, tax, total, fields=fields))
    assert (issue.field, issue.kind, issue.suggested_value) == ("tax", IssueKind.ARITHMETIC_MISMATCH, "0,00")


def test_a_long_label_misread_by_a_letter_still_labels_its_amount() -> None:
    """Seed 3, level 3: `ZWISCHENSUMNE`; the subtotal and total both come from the page."""
    subtotal, tax, total = receipt("ZWISCHENSUMNE")
    assert printed_sum_fields(page(subtotal, tax, total))["subtotal"].value == "304,80 €"
    [issue] = arithmetic_issues(page(subtotal, tax, total, fields=[field_of("tax", tax[1:2])]))
    assert (issue.field, issue.suggested_value) == ("tax", "0,00")


def test_a_sum_that_only_a_page_amount_breaks_blames_the_total_low() -> None:
    """Seed 12: the field reader lost the subtotal, whose line reads `Zwischensumme 633468` (633,46
    with its comma lost). No misread digit explains the sum; the page's amount may be the wrong one,
    so the total is named at low severity, and with all three fields it is named high."""
    subtotal, tax = line(100, "Zwischensumme", "633468"), line(140, "Mwst.", "0,00€")
    total = line(180, "Gesamt", "633,46€")
    fields = [field_of("tax", tax[1:]), field_of("total", total[1:])]
    [issue] = arithmetic_issues(page(subtotal, tax, total, fields=fields))
    assert (issue.field, issue.kind, issue.severity) == ("total", IssueKind.ARITHMETIC_MISMATCH, Severity.LOW)
    [issue] = arithmetic_issues(page(subtotal, tax, total, fields=[field_of("subtotal", subtotal[1:]), *fields]))
    assert (issue.field, issue.severity) == ("total", Severity.HIGH)


def test_a_short_label_misread_labels_nothing() -> None:
    """`SUMNE` is a letter from `summe`, and from too many other words to be taken for it."""
    assert "total" not in printed_sum_fields(page(line(180, "SUMNE", "304,80")))


def test_labels_printing_two_different_amounts_give_that_role_none() -> None:
    document = page(line(100, "Total", "119.00"), line(300, "Total", "120.00"), line(500, "Total", "119.00"))
    assert "total" not in printed_sum_fields(document)
    twice = page(line(100, "Total", "119.00"), line(300, "Total", "119.00"))
    assert printed_sum_fields(twice)["total"].value == "119.00"


def test_words_after_the_next_label_belong_to_that_label() -> None:
    document = page(line(100, "Tax", "19.00", "Total", "119.00"))
    assert {c: f.value for c, f in printed_sum_fields(document).items()} == {"tax": "19.00", "total": "119.00"}


def invoice(*, rate: bool) -> OcrDocument:
    """Seed 4, level 3: the subtotal's 4 764,19 read 4784,19; one misread digit explains each of the
    three amounts, and only the printed rate (TVA 10%) tells which one it was."""
    subtotal, total = line(100, "Total", "HT", "4784,19", "€"), line(180, "Total", "TTC", "5", "240,61€")
    tax = line(140, "TVA", "10%", "476,42", "€") if rate else line(140, "TVA", "476,42", "€")
    fields = [field_of("subtotal", subtotal[2:3]), field_of("tax", tax[-2:-1]), field_of("total", total[2:])]
    return page(subtotal, tax, total, fields=fields)


def test_a_printed_tax_rate_names_the_amount_a_misread_digit_changed() -> None:
    assert printed_tax_rate(invoice(rate=True)) == Decimal("0.1")
    [issue] = arithmetic_issues(invoice(rate=True))
    assert (issue.field, issue.suggested_value) == ("subtotal", "4764,19")


def test_without_a_rate_every_amount_one_digit_explains_is_named() -> None:
    assert printed_tax_rate(invoice(rate=False)) is None
    assert [i.field for i in arithmetic_issues(invoice(rate=False))] == ["subtotal", "tax", "total"]


def test_two_different_rates_are_no_rate() -> None:
    document = page(line(100, "VAT", "20%", "10.00"), line(140, "VAT", "7%", "3.50"))
    assert printed_tax_rate(document) is None


cents = st.integers(0, 10**9).map(lambda c: Decimal(c) / 100)
rates = st.integers(0, 2500).map(lambda r: Decimal(r) / 10000)


@given(cents, rates)
def test_a_tax_rounded_from_its_rate_fits_it_and_one_a_cent_beyond_does_not(subtotal: Decimal, rate: Decimal) -> None:
    tax = (rate * subtotal).quantize(Decimal("0.01"))
    assert fits_rate(rate, subtotal, tax)
    assert not fits_rate(rate, subtotal, tax + Decimal("0.02"))


@settings(deadline=None)
@given(cents, cents, st.sampled_from(["subtotal", "tax", "total"]), st.booleans())
def test_a_page_whose_printed_sum_holds_raises_no_issue_whichever_field_is_missing(
    subtotal: Decimal, tax: Decimal, missing: str, comma: bool
) -> None:
    """Property: the amounts read beside their labels never contradict fields that add up with them."""

    def printed(amount: Decimal) -> str:
        text = f"{amount:,.2f}"
        return text.replace(",", " ").replace(".", ",") if comma else text

    lines = {
        # a thousands space splits an amount into words, as OCR reads it (`4` `764,19`)
        "subtotal": line(100, "Subtotal", *printed(subtotal).split()),
        "tax": line(140, "VAT", *printed(tax).split()),
        "total": line(180, "Total", *printed(subtotal + tax).split()),
    }
    fields = [field_of(role, words[1:]) for role, words in lines.items() if role != missing]
    assert list(arithmetic_issues(page(*lines.values(), fields=fields))) == []
