"""Bring your own documents: the truth file's model, boxes from a PDF's text layer, the OCR cache, and a
tiny `--dir` run end to end without the LLM (a two-page PDF among its documents), whose output has the
synthetic run's shape."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from evals.__main__ import main
from evals.documents import make_document
from evals.folder import REFERENCE, continuation_page, example_field, load_document, scan, write_example
from evals.ocr import RawWord, engine_words, use_cache
from evals.pdf import find_value, layer_chars, render_page, write_pages, write_pdf
from evals.phenomena import iou, located_iou
from evals.records import DocRecord
from evals.truth import TruthFileError, load_truth
from evals.variants import Variant

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None, reason="apt-get install tesseract-ocr")


def _write(path: Path, body: Any) -> Path:
    path.write_text(body if isinstance(body, str) else json.dumps(body))
    return path


def test_truth_file_parses_values_boxes_and_absent_fields(tmp_path: Path) -> None:
    truth = load_truth(
        _write(
            tmp_path / "a.truth.json",
            {
                "layout": "invoice",
                "fields": [
                    {"name": "total", "value": "4.904,94"},
                    {"name": "date", "value": "7. Mai 2014", "format": "date", "bbox": [1, 2, 30, 12]},
                    {"name": "phone", "value": None, "phenomena": ["two_column"]},
                ],
            },
        )
    )
    assert [f.name for f in truth.fields] == ["total", "date", "phone"]
    assert truth.fields[1].bbox == (1, 2, 30, 12) and truth.fields[1].format == "date"
    assert truth.fields[2].absent and not truth.fields[0].absent


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"fields": [{"name": "total", "value": "1", "bbox": [5, 5, 2, 9]}]}, "fields[0] (total).bbox"),
        ({"fields": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}, "unique; repeated: a"),
        ({"fields": [{"name": "a", "value": "1", "colour": "red"}]}, "fields[0] (a).colour"),
        ({"fields": [{"name": "a", "value": "1", "phenomena": ["blurry"]}]}, "fields[0] (a).phenomena[0]"),
        ({"fields": []}, "fields"),
        ("{not json", "not a readable JSON file"),
    ],
)
def test_truth_file_errors_name_the_file_and_field(tmp_path: Path, body: Any, message: str) -> None:
    path = _write(tmp_path / "bad.truth.json", body)
    with pytest.raises(TruthFileError) as err:
        load_truth(path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_text_layer_gives_the_value_boxes(tmp_path: Path) -> None:
    page = make_document(5, "invoice", 0, Variant(locale="de_DE", glued=True, repeated=True))
    pdf = write_pdf(page.image, page.truth.words, tmp_path / "inv.pdf")
    assert render_page(pdf).size == page.image.size
    chars = layer_chars(pdf)
    for name, f in page.truth.fields.items():
        found = find_value(chars, f.value)
        assert found and f.bbox is not None, name
        assert max(iou(o.box, f.bbox) for o in found) >= 0.8, name
    total = find_value(chars, page.truth.fields["total"].value)
    assert len(total) == 2 and any(o.glued for o in total)  # printed as subtotal, and glued to '€' as total
    assert find_value(chars, "not on this page") == []


def test_folder_truth_boxes_come_from_the_layer(tmp_path: Path) -> None:
    (pdf,) = write_example(tmp_path, count=1, seed=2)
    doc, truth = scan(tmp_path)[0]
    assert doc == pdf and "bbox" not in truth.read_text()
    loaded = load_document(doc, truth, tmp_path)
    synthetic = make_document(20_000, "invoice", 0).truth
    for name, f in synthetic.fields.items():
        got = loaded.truth.fields[name]
        assert got.value == f.value
        if f.bbox is None:
            assert got.bbox is None and "absent" in got.phenomena
        else:
            assert got.bbox is not None and iou(got.bbox, f.bbox) >= 0.8, name
            assert set(f.phenomena) <= set(got.phenomena), name
    # the example's first document has a second page, whose field's box comes from that page's layer
    assert len(loaded.pages) == 2 and loaded.truth.field_pages == {REFERENCE: 1}
    expected = continuation_page(20_000)[2]
    box = loaded.truth.fields[REFERENCE].bbox
    assert box is not None and expected.bbox is not None and iou(box, expected.bbox) >= 0.8


def test_folder_errors(tmp_path: Path) -> None:
    Image.new("L", (20, 20), 255).save(tmp_path / "a.png")
    with pytest.raises(TruthFileError, match=r"no truth file a\.truth\.json"):
        scan(tmp_path)
    _write(tmp_path / "a.truth.json", {"fields": [{"name": "x", "value": "1"}]})
    _write(tmp_path / "b.truth.json", {"fields": [{"name": "x", "value": "1"}]})
    with pytest.raises(TruthFileError, match=r"without a document: b\.truth\.json"):
        scan(tmp_path)


class CountingEngine:
    """An `OcrEngine` (our protocol) that counts its calls (private: not one of its settings, which the
    cache key holds)."""

    name, prefix = "counting", "k"

    def __init__(self) -> None:
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        self._calls += 1
        return [("word", (1.0, 2.0, 3.0, 4.0), 0.9)]


def test_ocr_cache_reads_by_image_hash(tmp_path: Path) -> None:
    engine, white, black = CountingEngine(), Image.new("L", (8, 8), 255), Image.new("L", (8, 8), 0)
    use_cache(tmp_path)
    try:
        first = engine_words(engine, white)
        assert engine_words(engine, white.copy()) == first and engine.calls == 1
        engine_words(engine, black)
        engine_words(engine, white, block=True)
        assert engine.calls == 3
    finally:
        use_cache(None)
    engine_words(engine, white)
    assert engine.calls == 4  # no cache: the engine runs


def _shape(tree: Any, depth: int = 2) -> Any:
    if isinstance(tree, dict) and depth:
        return {k: _shape(v, depth - 1) for k, v in tree.items()}
    return type(tree).__name__


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("dir-run")
    docs = base / "docs"
    docs.mkdir()
    for seed, suffix in ((1, "pdf"), (4, "png")):
        page = make_document(seed, "receipt", 0)
        path = docs / f"r{seed}.{suffix}"
        if suffix == "pdf":  # two pages; what a user writes: values, and which copy of a repeated one
            image, words, reference = continuation_page(seed)
            write_pages([(page.image, page.truth.words), (image, words)], path)
            fields = [example_field(page.truth, n, f, as_pdf=True) for n, f in page.truth.fields.items()]
            fields.append({"name": REFERENCE, "value": reference.value})  # no page: the layer finds it
        else:
            page.image.save(path)
            fields = [{"name": n, "value": f.value or None} for n, f in page.truth.fields.items()]
        _write(docs / f"r{seed}.truth.json", {"layout": "receipt", "fields": fields})
    common = ["--no-llm", "--no-ocr-cache", "--sample-pages", "2"]
    main(["run", "--dir", str(docs), "--out", str(base / "dir"), *common])
    main(["run", "--docs", "1", "--levels", "0", "--layouts", "receipt", "--out", str(base / "syn"), *common])
    return base / "dir", base / "syn"


@needs_tesseract
def test_dir_run_end_to_end_matches_the_synthetic_format(runs: tuple[Path, Path]) -> None:
    folder, synthetic = runs
    names = {p.relative_to(folder).parent.as_posix() + "/" + p.suffix for p in folder.rglob("*.*")}
    assert names == {p.relative_to(synthetic).parent.as_posix() + "/" + p.suffix for p in synthetic.rglob("*.*")}
    got, ref = (json.loads((d / "metrics.json").read_text()) for d in runs)
    assert set(got) == set(ref) and _shape(got["fields"]) == _shape(ref["fields"])
    assert got["run"]["documents_from"].endswith("docs") and got["run"]["documents"] == 2
    records = [DocRecord.model_validate(r) for r in json.loads((folder / "records.json").read_text())]
    assert {r.source for r in records} == {"r1.pdf", "r4.png"}
    pdf_record = next(r for r in records if r.source == "r1.pdf")
    boxed = {n for n, v in pdf_record.truth.items() if v and "repeated" not in pdf_record.phenomena.get(n, ())}
    assert boxed <= set(pdf_record.truth_boxes)  # boxes from the layer, but for an ambiguous repeated value
    assert not next(r for r in records if r.source == "r4.png").truth_boxes  # values only, no layer
    assert got["fields"]["overall"]["tesseract"]["exact_match"] >= 0.6
    assert got["locate"]["n"] == len(pdf_record.truth_boxes)
    # without the model locate cannot pick among a repeated value's copies: judge it on the others
    once = [n for n in pdf_record.truth_boxes if "repeated" not in pdf_record.phenomena.get(n, ())]
    assert sum(located_iou(pdf_record, n) >= 0.5 for n in once) >= len(once) / 2
    # page 2 of r1.pdf: its box from page 2's text layer, its value read by OCR there, and located there
    assert pdf_record.truth_pages == {REFERENCE: 1}
    assert iou(pdf_record.truth_boxes[REFERENCE], continuation_page(1)[2].bbox or (0, 0, 0, 0)) >= 0.8
    assert pdf_record.answers["tesseract"][REFERENCE] == pdf_record.truth[REFERENCE]
    assert pdf_record.regions[REFERENCE].page == 1 and located_iou(pdf_record, REFERENCE) >= 0.5
    assert "plain" in got["phenomena"] and got["stages"]["stages"]["ocr:tesseract"]["ms_per_doc"] > 0
    html = (folder / "report.html").read_text()
    assert "by phenomenon" in html and "Where a document" in html


def test_a_repeated_value_without_occurrence_gets_no_guessed_box(tmp_path: Path) -> None:
    page = make_document(1, "receipt", 0)
    repeated = [n for n, f in page.truth.fields.items() if "repeated" in f.phenomena and f.value]
    assert repeated, "the receipt of seed 1 prints a value twice"
    doc = write_pdf(page.image, page.truth.words, tmp_path / "r.pdf")
    fields = [{"name": n, "value": f.value or None} for n, f in page.truth.fields.items()]
    (tmp_path / "r.truth.json").write_text(json.dumps({"fields": fields}), encoding="utf-8")
    truth = load_document(doc, tmp_path / "r.truth.json", tmp_path).truth
    for name in repeated:
        assert truth.fields[name].bbox is None and "repeated" in truth.fields[name].phenomena


def test_a_name_inside_an_e_mail_address_is_no_copy_of_the_value() -> None:
    chars = [(c, (float(i), 0.0, float(i + 1), 10.0)) for i, c in enumerate("Tessier SA  jjacquet@tessier.com")]
    assert len(find_value(chars, "Tessier")) == 1
    assert len(find_value(chars, "jjacquet@tessier.com")) == 1
