"""One comparison of names and values for checks, merge and locate; one table of OCR look-alikes."""

from __future__ import annotations

from schemas.documents import OcrField
from schemas.requests import MergePass
from worker.tasks.alignment import align, comparison_key
from worker.tasks.checks import find_field
from worker.tasks.matching import match_value
from worker.tasks.normalize import OCR_DIGIT_LOOKALIKES, squash_key

from .ocr_samples import invoice

SPELLINGS = ["Grand Total", "grand-total", "GRAND_TOTAL", " grand  total ", "grand–total"]


def test_one_key_for_every_spelling_of_a_name() -> None:
    assert {squash_key(s) for s in SPELLINGS} == {"grandtotal"}


def test_checks_merge_and_locate_agree_on_what_is_the_same_name() -> None:
    document = invoice()
    assert find_field(document, "Invoice-Number") is find_field(document, "invoice_number") is not None
    passes = [MergePass(source=f"p{n}", fields=[OcrField(name=s, value="12.00")]) for n, s in enumerate(SPELLINGS)]
    [field] = align(passes, None)
    assert field.unanimous and len(field.votes) == len(SPELLINGS)
    assert match_value("inv 2024 001", document) == match_value("INV_2024-001", document) == ["w2"]


def test_one_table_of_digit_look_alikes_serves_suggestions_and_merge_keys() -> None:
    assert "1O.5O|".translate(OCR_DIGIT_LOOKALIKES) == "10.501"
    assert comparison_key("B0OK 5") == comparison_key("800K S")  # B/8, O/0, S/5 whatever the case
    assert comparison_key("Acrne") == comparison_key("ACME")  # letter pairs stay with the merge keys
