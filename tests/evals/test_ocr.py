"""Real OCR engines on synthetic pages: valid wire documents, fields read correctly, degradation hurts."""

from __future__ import annotations

import shutil
import statistics
from collections import Counter

import pytest
from PIL import Image, ImageDraw

from evals.canvas import font
from evals.documents import SyntheticDoc, degrade, make_document
from evals.extract import extract_fields, group_lines, skew
from evals.ocr import TESSERACT_LANGUAGES, OcrError, RawWord, Tesseract, get_engine, normalize, read_page, reocr_crop
from schemas.documents import OcrDocument, OcrPage, OcrWord

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr")


def _exact(doc: OcrDocument, page: SyntheticDoc) -> float:
    got = {f.name: f.value for f in doc.fields}
    hits = [normalize(got.get(name)) == normalize(f.value) for name, f in page.truth.fields.items()]
    return sum(hits) / len(hits)


def _check_wire(doc: OcrDocument, page: SyntheticDoc, prefix: str) -> None:
    assert OcrDocument.model_validate_json(doc.model_dump_json()) == doc
    (p,) = doc.pages
    assert (p.width, p.height) == page.image.size
    assert p.words and all(w.id.startswith(prefix) for w in p.words)
    assert all(0 <= w.bbox[0] <= w.bbox[2] <= p.width and 0 <= w.bbox[1] <= w.bbox[3] <= p.height for w in p.words)
    assert doc.document_type == page.truth.layout
    assert [f.name for f in doc.fields] == list(page.truth.fields)
    by_id = doc.words_by_id()
    for f in doc.fields:
        assert (f.value is None) == (not f.word_ids)
        assert f.confidence is None or 0 <= f.confidence <= 1
        for part in (f.value or "").split()[:1]:  # the value is read off its words
            assert any(part[:3] in by_id[i][1].text for i in f.word_ids), f


def _word_recall(doc: OcrDocument, page: SyntheticDoc) -> float:
    found = Counter(w.text for w in doc.pages[0].words)
    want = Counter(w.text for w in page.truth.words)
    return sum((found & want).values()) / sum(want.values())


@pytest.fixture(scope="module")
def invoice() -> SyntheticDoc:
    return make_document(2024, "invoice", 0)


@needs_tesseract
def test_tesseract_reads_a_clean_invoice(invoice: SyntheticDoc) -> None:
    doc = read_page(invoice.image, "tesseract", "invoice")
    _check_wire(doc, invoice, "t")
    assert _word_recall(doc, invoice) >= 0.9
    assert _exact(doc, invoice) >= 0.75
    confidences = [w.confidence for w in doc.pages[0].words]
    assert 0.8 < statistics.fmean(confidences) <= 1.0


def test_tesseract_fails_loudly_on_a_language_it_has_no_data_for() -> None:
    """Tesseract itself skips such a language with a line on stderr and reads with the others."""
    blank = Image.new("RGB", (200, 60), "white")
    assert Tesseract().lang == TESSERACT_LANGUAGES  # and `make install` installs their data
    Tesseract().words(blank)
    with pytest.raises(OcrError, match="no 'xyz' data: apt-get install tesseract-ocr-xyz"):
        Tesseract(lang="eng+xyz").words(blank)


def test_tesseract_reads_the_letters_english_lacks() -> None:
    """Diacritics survive: with `eng` alone "Mälzer" was read "Malzer" and "Noël" "Noél"."""
    image = Image.new("RGB", (900, 120), "white")
    ImageDraw.Draw(image).text((20, 30), "Junken Mälzer KG, rue de Noël", fill="black", font=font("dejavu", 40))
    words = " ".join(w[0] for w in Tesseract().words(image))
    assert "Mälzer" in words and "Noël" in words


def test_rapidocr_reads_a_clean_invoice(invoice: SyntheticDoc) -> None:
    doc = read_page(invoice.image, "rapidocr", "invoice")
    _check_wire(doc, invoice, "r")
    assert _word_recall(doc, invoice) >= 0.8
    assert _exact(doc, invoice) >= 0.6


@needs_tesseract
def test_level_three_reads_worse_than_clean() -> None:
    pages = [make_document(300 + i, layout, i) for i, layout in enumerate(("invoice", "receipt", "form"))]
    clean = [_exact(read_page(p.image, "tesseract", p.truth.layout), p) for p in pages]
    worn_pages = [degrade(p, 3) for p in pages]
    worn = [_exact(read_page(p.image, "tesseract", p.truth.layout), p) for p in worn_pages]
    assert statistics.fmean(clean) >= 0.8
    assert statistics.fmean(worn) <= statistics.fmean(clean)


@pytest.mark.parametrize("engine", [pytest.param("tesseract", marks=needs_tesseract), "rapidocr"])
def test_reocr_crop_maps_back_to_the_page(invoice: SyntheticDoc, engine: str) -> None:
    field = invoice.truth.fields["total"]
    assert field.bbox is not None
    words = reocr_crop(invoice.image, field.bbox, engine, padding=10)
    assert words and all(w.id.startswith("c") for w in words)
    printed = " ".join(invoice.truth.words[i].text for i in field.words)  # with a glued '€', where printed so
    assert normalize(" ".join(w.text for w in words)) == normalize(printed)
    assert field.bbox is not None
    x0, y0, x1, y1 = field.bbox
    for w in words:  # back in page pixels, on the field
        assert x0 - 12 <= w.bbox[0] <= w.bbox[2] <= x1 + 12 and y0 - 12 <= w.bbox[1] <= w.bbox[3] <= y1 + 12


class _Scripted:
    """An engine that returns fixed words, to test the mapping and the extraction without OCR."""

    name, prefix = "scripted", "s"

    def __init__(self, raws: list[RawWord]) -> None:
        self.raws = raws

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        return self.raws


def _line(y: float, *texts: tuple[float, str], slope: float = 0.0) -> list[RawWord]:
    return [(t, (x, y + slope * x, x + 12 * len(t), y + slope * x + 20), 0.9) for x, t in texts]


def test_boxes_are_clamped_and_ordered() -> None:
    engine = _Scripted([("edge", (90.0, -3.0, 130.0, 60.0), 1.7), ("flip", (40.0, 30.0, 20.0, 10.0), -0.2)])
    doc = read_page(Image.new("L", (120, 50), 255), engine)
    a, b = doc.pages[0].words
    assert (a.id, a.bbox, a.confidence) == ("s0", (90.0, 0.0, 120.0, 50.0), 1.0)
    assert (b.id, b.bbox, b.confidence) == ("s1", (20.0, 10.0, 40.0, 30.0), 0.0)


def test_extraction_reads_labels_across_skew_and_gaps() -> None:
    slope = 0.035  # 2°: the amount column sits a line's height away from its label
    raws = [
        *_line(100, (80, "Acme"), (150, "Ltd"), slope=slope),
        *_line(300, (700, "Invoice"), (800, "No:"), (950, "INV-7"), slope=slope),
        *_line(340, (700, "Date:"), (950, "2024-01-31"), slope=slope),
        *_line(600, (700, "Subtotal:"), (1100, "1,000.00"), slope=slope),
        *_line(640, (700, "Tax"), (750, "20%:"), (1100, "200.00"), slope=slope),
        *_line(680, (700, "Total:"), (1100, "1,200.00"), slope=slope),
        *_line(900, (80, "E-mail"), (200, "a@b.com"), slope=slope),
    ]
    doc = read_page(Image.new("L", (1240, 1754), 255), _Scripted(raws), "invoice")
    assert abs(skew(doc.pages[0].words) - slope) < 0.005
    assert [len(line) for line in group_lines(doc.pages[0].words)] == [2, 3, 2, 2, 3, 2, 2]
    got = {f.name: f.value for f in doc.fields}
    assert got == {
        "vendor": "Acme Ltd",
        "invoice_number": "INV-7",
        "date": "2024-01-31",
        "subtotal": "1,000.00",
        "tax": "200.00",
        "total": "1,200.00",
        "iban": None,
        "email": "a@b.com",
        "phone": None,
    }


def test_label_above_value_and_glued_label() -> None:
    words = [
        OcrWord(id="w0", text="Postcode", bbox=(100, 100, 200, 115), confidence=0.9),
        OcrWord(id="w1", text="SW1A", bbox=(100, 130, 160, 150), confidence=0.8),
        OcrWord(id="w2", text="1AA", bbox=(168, 130, 210, 150), confidence=0.6),
        OcrWord(id="w3", text="DOB:01.02.1990", bbox=(100, 300, 300, 320), confidence=0.9),
    ]
    doc = OcrDocument(pages=[OcrPage(index=0, width=600, height=800, words=words)])
    fields = {f.name: f for f in extract_fields(doc, "form")}
    assert (fields["postal_code"].value, fields["postal_code"].word_ids) == ("SW1A 1AA", ["w1", "w2"])
    assert fields["postal_code"].confidence == pytest.approx(0.7)
    assert (fields["date_of_birth"].value, fields["date_of_birth"].word_ids) == ("01.02.1990", ["w3"])
    assert fields["name"].value is None and fields["name"].word_ids == []


def test_engines_are_shared() -> None:
    assert get_engine("tesseract") is get_engine("tesseract")
    with pytest.raises(KeyError):
        get_engine("easyocr")


def test_a_header_keeps_the_ampersand_and_unsure_words_inside_its_run() -> None:
    """`Otte & van Rossum`: dropping the `&` (no letter) left a gap the run stopped at."""
    texts = [("Otte", 0.96), ("&", 0.9), ("van", 0.95), ("Rossum", 0.93), ("e.V.", 0.2), ("|", 0.9)]
    words, x = [], 100
    for i, (text, confidence) in enumerate(texts):
        width = 12 * len(text)
        words.append(OcrWord(id=f"w{i}", text=text, bbox=(x, 100, x + width, 120), confidence=confidence))
        x += width + 8
    doc = OcrDocument(pages=[OcrPage(index=0, width=1000, height=800, words=words)])
    vendor = {f.name: f for f in extract_fields(doc, "invoice")}["vendor"]
    assert vendor.value == "Otte & van Rossum e.V." and vendor.word_ids == ["w0", "w1", "w2", "w3", "w4"]
