"""When the evaluation counts an OCR reading as wrong (`evals.readings`)."""

from __future__ import annotations

import pytest

from evals.readings import detection_counts, is_wrong
from evals.records import DocRecord


def record(
    truth: dict[str, str], reading: dict[str, str | None], flags: dict[str, bool], layout: str = "invoice"
) -> DocRecord:
    return DocRecord(
        doc_id="d", layout=layout, template=0, seed=0, level=0, width=100, height=100, truth=truth,
        truth_boxes={}, answers={"tesseract": reading}, flags={"analyze:tesseract": flags}, regions={},
        reocr_fields=[], jobs=[], calls=[], locale="fr_FR",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "truth", "reading", "wrong", "wrong_as_printed"),
    [
        ("phone", "+33 1 23 45 40 93", "+33 123 45 40 93", False, True),  # a space lost: the same number
        ("phone", "+31 6 12345105", "#31 6 12345105", True, True),  # OCR's '+': no valid number as printed
        ("phone", "+33 1 23 45 40 93", "+33 1 23 45 40 98", True, True),
        ("date", "03 März 1955", "03 Marz 1955", False, True),  # the same day
        ("date", "8 avr. 2025", "8 avr. 2625", True, True),
        ("total", "515,24", "515.24", True, True),  # another decimal mark: another value
        ("total", "3 023,69", "3023,69", False, True),  # a thousands space lost: the same amount
        ("total", "3 023,69", "3 028,69", True, True),
        ("vendor", "Junken Mälzer KG", "junken  mälzer kg", False, False),  # case and spaces never count
        ("vendor", "Junken Mälzer KG", None, True, True),
    ],
)
def test_a_reading_is_wrong_when_its_value_differs_as_its_kind_reads_values(
    name: str, truth: str, reading: str | None, wrong: bool, wrong_as_printed: bool
) -> None:
    r = record({name: truth}, {name: reading}, {})
    assert is_wrong(r, "tesseract", name) is wrong
    assert is_wrong(r, "tesseract", name, as_printed=True) is wrong_as_printed


def test_detection_counts_by_value_and_by_text() -> None:
    r = record(
        {"phone": "+33 1 23 45 40 93", "total": "515,24", "date": "08 mai 2021"},
        {"phone": "+33 123 45 40 93", "total": "515.24", "date": "08 mai 2021"},
        {"total": True, "date": True},
    )
    counts = detection_counts([r])
    assert (counts["tp"], counts["fp"], counts["fn"], counts["tn"]) == (1, 1, 0, 1)
    assert (counts["printed_tp"], counts["printed_fp"], counts["printed_fn"]) == (1, 1, 1)
