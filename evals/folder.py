"""A folder of the user's documents for `python -m evals run --dir DIR`, and the example folder.

Each document is `NAME.pdf`, `NAME.png`, `NAME.jpg` or `NAME.jpeg` with `NAME.truth.json` beside it
(`evals.truth`). Every page of a document is evaluated: a PDF's pages are rendered and read by OCR
together as one document of several pages (an image is one page); a field's value is read from
whichever page prints it, and located there. For a PDF with a text layer the truth boxes of the given
values are found in the layer of each page (`evals.pdf`), so a truth file needs only the values.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from PIL import Image

from evals.canvas import Box, Canvas, font
from evals.documents import LAYOUTS, GroundTruth, SyntheticDoc, make_document
from evals.extract import KINDS
from evals.layouts import TruthField, TruthWord
from evals.pdf import DPI, find_value, layer_chars, page_count, render_page, write_pages, write_pdf
from evals.truth import TruthFile, TruthFileError, TruthFileField, load_truth
from evals.variants import ABSENT, GLUED, REPEATED
from schemas.common import MAX_PAGES

SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg")
TRUTH_SUFFIX = ".truth.json"
REFERENCE = "payment_reference"
"""The example's field on a second page (`continuation_page`)."""
CONTINUATION = (1240, 877)


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


def load_pages(doc: Path, dpi: int = DPI) -> list[Image.Image]:
    """Every page of the document as a greyscale image (a PDF's rendered at `dpi`; an image is one page)."""
    if doc.suffix.lower() != ".pdf":
        with Image.open(doc) as image:
            return [image.convert("L")]
    count = page_count(doc)
    if count > MAX_PAGES:
        raise TruthFileError(f"{doc}: {count} pages; a document has at most {MAX_PAGES}")
    return [render_page(doc, i, dpi) for i in range(count)]


def load_page(doc: Path, dpi: int = DPI, index: int = 0) -> Image.Image:
    """One page of the document (default the first) as a greyscale image."""
    if doc.suffix.lower() == ".pdf":
        return render_page(doc, index, dpi)
    with Image.open(doc) as image:
        return image.convert("L")


def load_document(doc: Path, truth_path: Path, folder: Path, dpi: int = DPI) -> SyntheticDoc:
    """Every page and the truth; boxes from the PDF's text layer, page by page, where the truth gives none."""
    truth = load_truth(truth_path)
    images = load_pages(doc, dpi)
    beyond = [f"{f.name} (page {f.page})" for f in truth.fields if f.page is not None and f.page >= len(images)]
    if beyond:
        raise TruthFileError(f"{truth_path}: {doc.name} has {len(images)} page(s); fields beyond: {beyond}")
    layers = [layer_chars(doc, i, dpi) for i in range(len(images))] if doc.suffix.lower() == ".pdf" else []
    placed = {f.name: _field(f, layers, doc.name) for f in truth.fields}
    fields = {name: field for name, (field, _) in placed.items()}
    image = images[0]
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
            field_pages={name: page for name, (_, page) in placed.items() if page},
        ),
        tuple(images[1:]),
    )


def _kinds(truth: TruthFile) -> dict[str, str]:
    return {f.name: f.format.value for f in truth.fields if f.format is not None and f.format.value in KINDS}


def _field(f: TruthFileField, layers: list[list[tuple[str, Box]]], doc: str) -> tuple[TruthField, int]:
    """The field's truth and its page: a box from the text layer (`layers`, one per page; none: no PDF)
    on the truth's page, or on whichever page prints the value when the truth names none."""
    phenomena: list[str] = list(dict.fromkeys(f.phenomena))
    page = f.page or 0
    if f.absent:
        return TruthField(value="", bbox=None, words=(), phenomena=tuple(dict.fromkeys([*phenomena, ABSENT]))), page
    value, bbox = " ".join((f.value or "").split()), f.bbox
    searched = range(len(layers)) if f.page is None else [f.page] if layers else []
    if bbox is None and any(layers[i] for i in searched):
        found = [(i, hit) for i in searched for hit in find_value(layers[i], value)]
        if not found:
            print(f"{doc}: field {f.name}: value not in the text layer; it has no box", file=sys.stderr)
        elif len(found) > 1 and f.occurrence is None:
            # which copy is the field's is the question locate answers: the truth must not guess it
            print(f"{doc}: field {f.name}: printed {len(found)} times; give `occurrence` or `bbox`", file=sys.stderr)
            phenomena.append(REPEATED)
        else:
            page, hit = found[min(f.occurrence or 0, len(found) - 1)]
            bbox = hit.box
            phenomena += [REPEATED] * (len(found) > 1) + [GLUED] * hit.glued
    return TruthField(value=value, bbox=bbox, words=(), phenomena=tuple(dict.fromkeys(phenomena))), page


def continuation_page(seed: int) -> tuple[Image.Image, tuple[TruthWord, ...], TruthField]:
    """A document's second page (A5 landscape at 150 dpi) printing one field no layout has,
    `payment_reference`, under labels no layout reads: its words and the field's truth."""
    rng, page = random.Random(seed), Canvas(*CONTINUATION)
    title, body = font("dejavu", 32, bold=True), font("dejavu", 26)
    page.text(100, 120, "Payment details", title)
    page.text(CONTINUATION[0] - 100, 120, "Page 2 of 2", body, align="r")
    reference = f"RF{rng.randint(10, 99)} " + " ".join(f"{rng.randrange(10_000):04d}" for _ in range(3))
    page.pair(100, 240, "Payment reference", reference, (body,), REFERENCE)
    page.text(100, 330, "Thank you for your business.", body)
    return page.image, tuple(page.words), page.fields[REFERENCE]


def write_example(out: Path, count: int = 4, seed: int = 0, dpi: int = DPI) -> list[Path]:
    """`count` synthetic documents as a `--dir` folder: even ones as PDFs with a text layer and truth
    files holding only values (boxes come from the layer), odd ones as PNGs whose truth gives the boxes.
    The first is two pages: its second prints `payment_reference` (`continuation_page`)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        page = make_document(seed * 10_000 + i, LAYOUTS[i % len(LAYOUTS)], (i // len(LAYOUTS)) % 3)
        t, as_pdf = page.truth, i % 2 == 0
        doc = out / f"{t.doc_id}.{'pdf' if as_pdf else 'png'}"
        fields = [example_field(t, name, f, as_pdf) for name, f in t.fields.items()]
        if i == 0:
            image, words, extra = continuation_page(seed * 10_000 + i)
            write_pages([(page.image, t.words), (image, words)], doc, dpi)
            fields.append({"name": REFERENCE, "value": extra.value, "page": 1})
        elif as_pdf:
            write_pdf(page.image, t.words, doc, dpi)
        else:
            page.image.save(doc, format="PNG")
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
