"""Documents of several pages: OCR into one document with a page each, fields read from whichever page
prints them, truth boxes from each page's text layer, degradation page by page, and locate scored 0 on
the wrong page. No OCR engine runs here (a scripted one stands in for our `OcrEngine` protocol)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from evals.documents import GroundTruth, SyntheticDoc, TruthField, degrade, degrade_image, make_document
from evals.extract import extract_fields, field_specs
from evals.folder import REFERENCE, continuation_page, load_document, write_example
from evals.ocr import RawWord, read_document, word_id
from evals.pdf import layer_chars, page_count, render_page, write_pages
from evals.phenomena import iou, located_iou
from evals.records import DocRecord, Region
from evals.truth import TruthFileError
from schemas.documents import OcrDocument, OcrPage, OcrWord


class PerPage:
    """An `OcrEngine` that answers each page by its width (the pages here differ in width)."""

    name, prefix = "per-page", "s"

    def __init__(self, by_width: dict[int, list[RawWord]]) -> None:
        self.by_width = by_width

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        return self.by_width[image.width]


def _line(y: float, *texts: tuple[float, str]) -> list[RawWord]:
    return [(t, (x, y, x + 14 * len(t), y + 20), 0.9) for x, t in texts]


def test_word_ids_are_page_prefixed_after_the_first_page() -> None:
    assert [word_id(0, "t", 12), word_id(1, "t", 12), word_id(2, "r", 0)] == ["t12", "p1.t12", "p2.r0"]


def test_read_document_gives_a_page_each_and_reads_a_field_on_page_two() -> None:
    first = [*_line(100, (80, "Acme"), (150, "Ltd")), *_line(300, (80, "Total:"), (400, "1,200.00"))]
    second = [*_line(120, (80, "Payment"), (220, "reference"), (420, "RF18"), (490, "5390"))]
    engine = PerPage({600: first, 500: second})
    doc = read_document([Image.new("L", (600, 800), 255), Image.new("L", (500, 300), 255)], engine, "invoice")
    assert [(p.index, p.width, p.height) for p in doc.pages] == [(0, 600, 800), (1, 500, 300)]
    ids = [w.id for p in doc.pages for w in p.words]
    assert len(set(ids)) == len(ids) and ids[0] == "s0" and doc.pages[1].words[0].id == "p1.s0"
    specs = field_specs("invoice", ["vendor", "total", REFERENCE])
    got = {f.name: f for f in extract_fields(doc, specs)}
    assert got["vendor"].value == "Acme Ltd" and got["total"].value == "1,200.00"
    assert got[REFERENCE].value == "RF18 5390" and got[REFERENCE].word_ids == ["p1.s2", "p1.s3"]


def test_a_value_is_never_read_below_a_label_across_a_page_break() -> None:
    def page(index: int, words: list[tuple[str, float]]) -> OcrPage:
        boxed = [
            OcrWord(id=f"p{index}w{i}", text=t, bbox=(100, y, 200, y + 15), confidence=0.9)
            for i, (t, y) in enumerate(words)
        ]
        return OcrPage(index=index, width=600, height=800, words=boxed)

    # 'City' ends page 0; page 1 starts with a line that, on one page, would sit just below it
    doc = OcrDocument(pages=[page(0, [("City", 760)]), page(1, [("Smith", 20)])])
    assert {f.name: f.value for f in extract_fields(doc, "form")}["city"] is None
    one_page = OcrDocument(pages=[page(0, [("City", 760), ("Smith", 785)])])
    assert {f.name: f.value for f in extract_fields(one_page, "form")}["city"] == "Smith"


def test_each_page_of_a_written_pdf_has_its_own_text_layer(tmp_path: Path) -> None:
    first = make_document(3, "receipt", 1)
    image, words, field = continuation_page(3)
    pdf = write_pages([(first.image, first.truth.words), (image, words)], tmp_path / "two.pdf")
    assert page_count(pdf) == 2 and render_page(pdf, 1).size == image.size
    assert render_page(pdf, 0).size == first.image.size
    second = "".join(c for c, _ in layer_chars(pdf, 1))
    assert field.value.replace(" ", "") in second.replace(" ", "")
    assert field.value.replace(" ", "") not in "".join(c for c, _ in layer_chars(pdf, 0)).replace(" ", "")


def _two_pages(tmp_path: Path, fields: list[dict[str, object]]) -> tuple[SyntheticDoc, TruthField]:
    (pdf,) = write_example(tmp_path, count=1, seed=7)
    truth = pdf.with_name(pdf.stem + ".truth.json")
    body = json.loads(truth.read_text())
    reference = next(f for f in body["fields"] if f["name"] == REFERENCE)
    body["fields"] = [f for f in body["fields"] if f["name"] != REFERENCE]
    body["fields"] += [{"name": REFERENCE, "value": reference["value"], **f} for f in fields]
    truth.write_text(json.dumps(body))
    return load_document(pdf, truth, tmp_path), continuation_page(70_000)[2]


def test_a_value_on_page_two_gets_its_box_there_with_or_without_a_page(tmp_path: Path) -> None:
    pages: list[dict[str, object]] = [{}, {"page": 1}]
    for given in pages:
        loaded, expected = _two_pages(tmp_path, [given])
        assert len(loaded.pages) == 2 and loaded.truth.field_pages == {REFERENCE: 1}
        got = loaded.truth.fields[REFERENCE].bbox
        assert got is not None and expected.bbox is not None and iou(got, expected.bbox) >= 0.8
        assert loaded.truth.fields["vendor"].bbox is not None  # page 0's fields keep their page-0 boxes


def test_a_page_the_value_is_not_on_gives_no_box_and_a_missing_page_is_an_error(tmp_path: Path) -> None:
    loaded, _ = _two_pages(tmp_path, [{"page": 0}])
    assert loaded.truth.fields[REFERENCE].bbox is None and not loaded.truth.field_pages
    with pytest.raises(TruthFileError, match=r"has 2 page\(s\); fields beyond: \['payment_reference \(page 5\)'\]"):
        _two_pages(tmp_path, [{"page": 5}])


def test_degrade_moves_each_box_with_its_own_page() -> None:
    small = (100.0, 100.0, 200.0, 120.0)
    truth = GroundTruth(
        doc_id="two",
        layout="invoice",
        template=0,
        seed=1,
        width=1000,
        height=1000,
        words=(),
        fields={"a": TruthField(value="x", bbox=small, words=()), "b": TruthField(value="y", bbox=small, words=())},
        field_pages={"b": 1},
    )
    doc = SyntheticDoc(Image.new("L", (1000, 1000), 255), truth, (Image.new("L", (500, 500), 255),))
    worn = degrade(doc, 3)
    assert [p.size for p in worn.pages] == [(700, 700), (350, 350)]  # level 3 scales by 0.7
    assert worn.truth.field_pages == {"b": 1}
    # each page is turned about its own centre: the same box lands elsewhere on a page of another size
    assert worn.truth.fields["a"].bbox == degrade_image(doc.image, 3, 1)[1](small)
    assert worn.truth.fields["b"].bbox == degrade_image(doc.more_pages[0], 3, 2)[1](small)
    assert worn.truth.fields["a"].bbox != worn.truth.fields["b"].bbox


def _record(region_page: int, truth_pages: dict[str, int]) -> DocRecord:
    box = (10.0, 10.0, 50.0, 30.0)
    return DocRecord(
        doc_id="d",
        layout="invoice",
        template=0,
        seed=0,
        level=0,
        width=100,
        height=100,
        truth={"total": "1"},
        truth_boxes={"total": box},
        truth_pages=truth_pages,
        answers={},
        flags={},
        regions={"total": Region(bbox=box, source="words", by_value=True, page=region_page)},
        reocr_fields=[],
        jobs=[],
        calls=[],
    )


def test_a_box_on_the_wrong_page_scores_zero() -> None:
    assert located_iou(_record(1, {"total": 1}), "total") == 1.0
    assert located_iou(_record(0, {}), "total") == 1.0
    assert located_iou(_record(0, {"total": 1}), "total") == 0.0
    assert located_iou(_record(1, {}), "total") == 0.0
    old = DocRecord.model_validate(json.loads(_record(0, {}).model_dump_json(exclude={"truth_pages"})))
    assert old.truth_pages == {} and located_iou(old, "total") == 1.0  # records made before pages load
