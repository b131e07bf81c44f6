"""Real OCR engines (the Tesseract CLI, RapidOCR) mapped onto the wire `OcrDocument`, and one field reader.

`read_document` reads every page of a document into one `OcrDocument` (one `OcrPage` per page, word
ids unique across pages); `read_page` is its one-page case.

`extract_fields` (from `evals.extract`) is the same label/regex/position heuristic for every engine
and reads only the OCR words, never the ground truth. `reocr_crop` runs an engine again on one box.
With `use_cache(folder)` (a run does so, under `.cache/evals/ocr` unless `--no-ocr-cache`), an engine's
words for an image are kept by the hash of the image's pixels and the engine's settings, so a rerun
reads the same pages without OCR.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import statistics
import subprocess
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from PIL import Image

from evals.extract import Spec, extract_fields, normalize
from schemas.common import MAX_WORD_TEXT, MAX_WORDS_PER_PAGE
from schemas.documents import OcrDocument, OcrPage, OcrWord

__all__ = [
    "OcrEngine",
    "OcrError",
    "RapidOcr",
    "RawWord",
    "Tesseract",
    "extract_fields",
    "get_engine",
    "normalize",
    "read_document",
    "read_page",
    "reocr_crop",
]

Box = tuple[float, float, float, float]
RawWord = tuple[str, Box, float]  # text, box in the image's pixels, confidence 0..1


class OcrError(RuntimeError):
    pass


class OcrEngine(Protocol):
    name: str
    prefix: str  # word ids are prefix + index: t12, r7

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        """Recognise the image; `block` treats it as one block of text (a crop)."""
        ...


TESSERACT_LANGUAGES = "eng+deu+fra+nld"
"""The languages of the evaluation's documents, as a user reading such invoices configures Tesseract
(Debian tesseract-ocr-deu, -fra, -nld). With `eng` alone it loses what English lacks: "Mälzer" read
"Malzer", "Noël" "Noél", "27 août" "27 aotit", "+33 1 23 45 50 01" "+33 1 23 455001"; confident
misreads no single pass betrays, which were most of analyze's misses."""


def missing_language(stderr: str) -> str | None:
    """The language whose data Tesseract could not load (`Failed loading language 'deu'`), if any."""
    marker = "Failed loading language '"
    start = stderr.find(marker)
    return stderr[start + len(marker) :].split("'", 1)[0] if start >= 0 else None


class Tesseract:
    """The `tesseract` command (Debian tesseract-ocr) with TSV output; one process per call."""

    name, prefix = "tesseract", "t"

    def __init__(self, lang: str = TESSERACT_LANGUAGES, psm: int = 3, timeout_s: float = 120.0) -> None:
        self.lang, self.psm, self.timeout_s = lang, psm, timeout_s

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        cmd = ["tesseract", "stdin", "stdout", "-l", self.lang, "--psm", "6" if block else str(self.psm), "tsv"]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            proc = subprocess.run(
                cmd, input=buf.getvalue(), capture_output=True, timeout=self.timeout_s, env=env, check=False
            )
        except FileNotFoundError as exc:
            raise OcrError("tesseract not found: apt-get install tesseract-ocr") from exc
        stderr = proc.stderr.decode(errors="replace")
        # a language without data is skipped with only this line on stderr, exit status 0: the page
        # would be read, worse, with the others
        if (lang := missing_language(stderr)) is not None:
            raise OcrError(f"tesseract has no '{lang}' data: apt-get install tesseract-ocr-{lang} (or make install)")
        if proc.returncode != 0:
            raise OcrError(f"tesseract failed ({proc.returncode}): {stderr[-500:]}")
        out: list[RawWord] = []
        for row in proc.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
            cols = row.split("\t")
            if len(cols) != 12 or cols[0] != "5" or not cols[11].strip():
                continue
            left, top, width, height = (float(v) for v in cols[6:10])
            out.append((cols[11].strip(), (left, top, left + width, top + height), float(cols[10]) / 100))
        return out


class RapidOcr:
    """RapidOCR 3.x on onnxruntime with the PP-OCR models shipped inside its wheel (no download)."""

    name, prefix = "rapidocr", "r"

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.params = {"Global.log_level": "error", "Global.use_cls": False, **(params or {})}
        self._engine: Any = None

    def words(self, image: Image.Image, block: bool = False) -> list[RawWord]:
        if self._engine is None:
            from rapidocr import RapidOCR

            self._engine = RapidOCR(params=self.params)
        rgb = np.asarray(image.convert("RGB"))
        result = self._engine(rgb, return_word_box=True, return_single_char_box=True)
        if result.txts is None:
            return []
        chars = result.word_results or ()
        out: list[RawWord] = []
        for i, (text, score, quad) in enumerate(zip(result.txts, result.scores, result.boxes, strict=True)):
            out.extend(_split_line(str(text), float(score), quad, chars[i] if i < len(chars) else ()))
        return out


def _split_line(text: str, score: float, quad: Any, chars: Sequence[Any]) -> list[RawWord]:
    """A RapidOCR line cut into its space-separated words, boxed by their characters' boxes.

    RapidOCR's own word boxes split at gaps in the image ('M orris LL C'), not at the spaces of the text.
    """
    words = text.split()
    if len(chars) != sum(len(w) for w in words):  # no usable character boxes: share the line box out
        x0, y0, x1, y1 = _quad_box(quad)
        step, out, at = (x1 - x0) / max(len(text), 1), [], 0
        for word in words:
            at = text.index(word, at)
            out.append((word, (x0 + at * step, y0, x0 + (at + len(word)) * step, y1), score))
            at += len(word)
        return out
    out, k = [], 0
    for word in words:
        part = chars[k : k + len(word)]
        k += len(word)
        boxes = [_quad_box(q) for _, _, q in part]
        box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
        out.append((word, box, statistics.fmean(float(s) for _, s, _ in part)))
    return out


def _quad_box(quad: Any) -> Box:
    points = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    return (float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()), float(points[:, 1].max()))


_CACHE: list[Path] = []


def use_cache(folder: Path | None) -> None:
    """Keep OCR words under `folder` by image hash (None: no cache, every call runs the engine)."""
    _CACHE[:] = [folder] if folder is not None else []


def _settings(eng: OcrEngine) -> str:
    return json.dumps({k: v for k, v in vars(eng).items() if not k.startswith("_")}, sort_keys=True, default=str)


def engine_words(eng: OcrEngine, image: Image.Image, block: bool = False) -> list[RawWord]:
    """The engine's words for the image, from the cache when it has them."""
    if not _CACHE:
        return eng.words(image, block)
    digest = hashlib.sha256(f"{eng.name}|{_settings(eng)}|{block}|{image.mode}|{image.size}".encode())
    digest.update(image.tobytes())
    path = _CACHE[0] / eng.name / f"{digest.hexdigest()}.json"
    if path.is_file():
        return [(t, (b[0], b[1], b[2], b[3]), c) for t, b, c in json.loads(path.read_text())]
    words = eng.words(image, block)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(words))
    tmp.replace(path)  # atomic: a concurrent run never reads half a file
    return words


@cache
def get_engine(name: str) -> OcrEngine:
    """One shared engine per name ('tesseract' or 'rapidocr'), so models load once."""
    engines: dict[str, Callable[[], OcrEngine]] = {"tesseract": Tesseract, "rapidocr": RapidOcr}
    return engines[name]()


def _wire_word(
    word_id: str, raw: RawWord, size: tuple[int, int], shift: tuple[float, float] = (0, 0), scale: float = 1.0
) -> OcrWord:
    text, box, conf = raw
    w, h = size
    xs = sorted(min(max(v / scale + shift[0], 0.0), float(w)) for v in (box[0], box[2]))
    ys = sorted(min(max(v / scale + shift[1], 0.0), float(h)) for v in (box[1], box[3]))
    return OcrWord(
        id=word_id, text=text[:MAX_WORD_TEXT], bbox=(xs[0], ys[0], xs[1], ys[1]), confidence=min(max(conf, 0.0), 1.0)
    )


def read_page(
    image: Image.Image, engine: OcrEngine | str, layout: str | None = None, specs: Sequence[Spec] | None = None
) -> OcrDocument:
    """OCR one page into a wire document; with a layout, its fields (or `specs`) are read by `extract_fields`."""
    return read_document([image], engine, layout, specs)


def read_document(
    images: Sequence[Image.Image],
    engine: OcrEngine | str,
    layout: str | None = None,
    specs: Sequence[Spec] | None = None,
) -> OcrDocument:
    """OCR every page into one wire document, a page each (cached per page by image hash); with a layout,
    its fields (or `specs`) are read by `extract_fields` from whichever page prints them."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    pages = []
    for index, image in enumerate(images):
        raws = engine_words(eng, image)[:MAX_WORDS_PER_PAGE]
        words = [_wire_word(word_id(index, eng.prefix, i), raw, image.size) for i, raw in enumerate(raws)]
        pages.append(OcrPage(index=index, width=image.width, height=image.height, words=words))
    doc = OcrDocument(pages=pages)
    if layout is None:
        return doc
    fields = extract_fields(doc, layout if specs is None else specs)
    return OcrDocument(pages=doc.pages, fields=fields, document_type=layout)


def word_id(page: int, prefix: str, index: int) -> str:
    """`t12` on the first page (as a one-page document has), `p1.t12` on the second: unique in the document."""
    return f"{prefix}{index}" if page == 0 else f"p{page}.{prefix}{index}"


def reocr_crop(
    image: Image.Image, bbox: Box, engine: OcrEngine | str, padding: int = 8, scale: float = 2.0, id_prefix: str = "c"
) -> list[OcrWord]:
    """OCR the region `bbox` (page pixels) again, upscaled; boxes come back in page pixels."""
    eng = get_engine(engine) if isinstance(engine, str) else engine
    x0, y0 = max(0, int(bbox[0]) - padding), max(0, int(bbox[1]) - padding)
    x1, y1 = min(image.width, int(bbox[2] + 1) + padding), min(image.height, int(bbox[3] + 1) + padding)
    if x1 <= x0 or y1 <= y0:
        return []
    crop = image.crop((x0, y0, x1, y1))
    crop = crop.resize((round(crop.width * scale), round(crop.height * scale)), Image.Resampling.LANCZOS)
    raws = engine_words(eng, crop, block=True)
    return [_wire_word(f"{id_prefix}{eng.prefix}{i}", r, image.size, (x0, y0), scale) for i, r in enumerate(raws)]
