"""A folder of the user's documents for `python -m evals run --dir DIR`, and the example folder.

Each document is `NAME.pdf`, `NAME.png`, `NAME.jpg` or `NAME.jpeg` with `NAME.truth.json` beside it
(`evals.truth`). A document's first page is evaluated. For a PDF with a text layer the truth boxes of
the given values are found in the layer (`evals.pdf`), so a truth file needs only the values.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from PIL import Image

from evals.documents import LAYOUTS, GroundTruth, SyntheticDoc, make_document
from evals.extract import KINDS
from evals.layouts import TruthField
from evals.pdf import DPI, Occurrence, find_value, layer_chars, page_count, render_page, write_pdf
from evals.truth import TruthFile, TruthFileError, TruthFileField, load_truth
from evals.variants import ABSENT, GLUED, REPEATED

SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg")
TRUTH_SUFFIX = ".truth.json"


def scan(folder: Path) -> list[tuple[Path, Path]]:
    """(document, truth file) pairs, sorted by name; a document without a truth file, or a truth file
    without a document, is an error naming it."""
    if not folder.is_dir():
        raise TruthFileError(f"{folder}: not a folder")
    docs = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    pairs, stems = [], set()
    for doc in docs:
        truth = doc.with_name(doc.stem + TRUTH_SUFFIX)
        if not truth.is_file():
            raise TruthFileError(f"{doc}: no truth file {truth.name} beside it")
        if doc.stem in stems:
            raise TruthFileError(f"{doc}: two documents named {doc.stem}; a truth file belongs to one")
        stems.add(doc.stem)
        pairs.append((doc, truth))
    orphans = sorted(p.name for p in folder.glob(f"*{TRUTH_SUFFIX}") if p.name[: -len(TRUTH_SUFFIX)] not in stems)
    if orphans:
        raise TruthFileError(f"{folder}: truth files without a document: {', '.join(orphans)}")
    if not pairs:
        raise TruthFileError(f"{folder}: no documents ({', '.join(SUFFIXES)}) with truth files")
    return pairs


def load_page(doc: Path, dpi: int = DPI) -> Image.Image:
    """The document's first page as a greyscale image (a PDF rendered at `dpi`)."""
    if doc.suffix.lower() == ".pdf":
        return render_page(doc, 0, dpi)
    with Image.open(doc) as image:
        return image.convert("L")


def load_document(doc: Path, truth_path: Path, folder: Path, dpi: int = DPI) -> SyntheticDoc:
    """The page and its truth; boxes from the PDF's text layer where the truth gives none."""
    truth = load_truth(truth_path)
    later = [f.name for f in truth.fields if f.page > 0]
    if later:
        raise TruthFileError(f"{truth_path}: only a document's first page is evaluated; on later pages: {later}")
    pdf = doc.suffix.lower() == ".pdf"
    if pdf and page_count(doc) > 1:
        print(f"{doc.name}: {page_count(doc)} pages; the first is evaluated", file=sys.stderr)
    image = load_page(doc, dpi)
    chars = layer_chars(doc, 0, dpi) if pdf else []
    fields = {f.name: _field(f, chars, doc.name) for f in truth.fields}
    return SyntheticDoc(
        image,
        GroundTruth(
            doc_id=doc.stem,
            layout=truth.layout or "custom",
            template=0,
            seed=0,
            width=image.width,
            height=image.height,
            words=(),
            fields=fields,
            locale=truth.locale or "",
            phenomena=tuple(sorted({p for f in fields.values() for p in f.phenomena})),
            field_kinds=_kinds(truth),
            field_labels={f.name: tuple(f.labels) for f in truth.fields if f.labels},
            source=doc.relative_to(folder).as_posix(),
        ),
    )


def _kinds(truth: TruthFile) -> dict[str, str]:
    return {f.name: f.format.value for f in truth.fields if f.format is not None and f.format.value in KINDS}


def _field(f: TruthFileField, chars: list[tuple[str, tuple[float, float, float, float]]], doc: str) -> TruthField:
    phenomena: list[str] = list(dict.fromkeys(f.phenomena))
    if f.absent:
        return TruthField(value="", bbox=None, words=(), phenomena=tuple(dict.fromkeys([*phenomena, ABSENT])))
    value, bbox = " ".join((f.value or "").split()), f.bbox
    if bbox is None and chars:
        found = find_value(chars, value)
        if not found:
            print(f"{doc}: field {f.name}: value not in the text layer; it has no box", file=sys.stderr)
        elif len(found) > 1 and f.occurrence is None:
            # which copy is the field's is the question locate answers: the truth must not guess it
            print(f"{doc}: field {f.name}: printed {len(found)} times; give `occurrence` or `bbox`", file=sys.stderr)
            phenomena.append(REPEATED)
        else:
            hit: Occurrence = found[min(f.occurrence or 0, len(found) - 1)]
            bbox = hit.box
            phenomena += [REPEATED] * (len(found) > 1) + [GLUED] * hit.glued
    return TruthField(value=value, bbox=bbox, words=(), phenomena=tuple(dict.fromkeys(phenomena)))


def write_example(out: Path, count: int = 4, seed: int = 0, dpi: int = DPI) -> list[Path]:
    """`count` synthetic pages as a `--dir` folder: even ones as PDFs with a text layer and truth files
    holding only values (boxes come from the layer), odd ones as PNGs whose truth gives the boxes."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        page = make_document(seed * 10_000 + i, LAYOUTS[i % len(LAYOUTS)], (i // len(LAYOUTS)) % 3)
        t, as_pdf = page.truth, i % 2 == 0
        doc = out / f"{t.doc_id}.{'pdf' if as_pdf else 'png'}"
        if as_pdf:
            write_pdf(page.image, t.words, doc, dpi)
        else:
            page.image.save(doc, format="PNG")
        fields = [example_field(t, name, f, as_pdf) for name, f in t.fields.items()]
        body = {"layout": t.layout, "locale": t.locale, "fields": fields}
        doc.with_name(doc.stem + TRUTH_SUFFIX).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
        written.append(doc)
    return written


def example_field(t: GroundTruth, name: str, f: TruthField, as_pdf: bool) -> dict[str, object]:
    """What a user would write: the value (null when absent), and the phenomena the layer cannot see."""
    entry: dict[str, object] = {"name": name, "value": f.value or None}
    if not as_pdf and f.bbox is not None:
        entry["bbox"] = [round(v, 1) for v in f.bbox]
    seen = [p for p in f.phenomena if p != ABSENT and not (as_pdf and p in (REPEATED, GLUED))]
    if seen:
        entry["phenomena"] = seen
    if as_pdf and REPEATED in f.phenomena and f.words:
        text = " ".join(w.text for w in t.words)
        at = sum(len(w.text) + 1 for w in t.words[: f.words[0]])  # the field's first word in the text
        entry["occurrence"] = text[:at].count(f.value) if f.value else 0
    return entry
