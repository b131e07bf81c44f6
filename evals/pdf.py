"""PDF pages for `--dir`: rendered to images with pypdfium2, values found in the text layer, and the
example folder's PDFs written with fpdf2 (each page image plus an invisible text layer on its words).
A document of several pages is read page by page, each page by its 0-based index.

Coordinates: a PDF point is 1/72 inch, so a page rendered at `dpi` maps a point x to x * dpi / 72
pixels, and y (measured up from the page's foot) to (height - y) * dpi / 72.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from PIL import Image, ImageFont

from evals.canvas import Box, TruthWord, union

DPI = 150
"""Pages are rendered at 150 dpi by default: the synthetic pages' resolution (A4 = 1240 × 1754)."""
TEXT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True)
class Occurrence:
    """Where a value is printed: the box of the words it touches, and whether it shares one with more."""

    box: Box
    glued: bool


def page_count(path: Path) -> int:
    pdf = pdfium.PdfDocument(path)
    try:
        return len(pdf)
    finally:
        pdf.close()


def render_page(path: Path, index: int = 0, dpi: int = DPI) -> Image.Image:
    """The page as a greyscale image at `dpi`."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[index]
        image: Image.Image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        size = (round(page.get_width() * dpi / 72), round(page.get_height() * dpi / 72))
        return image.convert("L").crop((0, 0, *size))  # pdfium rounds a fractional pixel up
    finally:
        pdf.close()


def layer_chars(path: Path, index: int = 0, dpi: int = DPI) -> list[tuple[str, Box]]:
    """Every character of the page's text layer with its box in pixels at `dpi` (empty: no layer)."""
    pdf = pdfium.PdfDocument(path)
    try:
        page = pdf[index]
        height, scale = page.get_height(), dpi / 72
        text = page.get_textpage()
        out = []
        for i in range(text.count_chars()):
            char = text.get_text_range(i, 1)
            left, bottom, right, top = text.get_charbox(i)
            out.append((char, (left * scale, (height - top) * scale, right * scale, (height - bottom) * scale)))
        return out
    finally:
        pdf.close()


def find_value(chars: list[tuple[str, Box]], value: str) -> list[Occurrence]:
    """Every place the layer spells `value` (case and spacing aside), widened to whole words: a value
    glued to a symbol (`€4.904,94`) gets its word's box, as word-level OCR would give; a value
    spelt inside an e-mail address is not counted, unless it is one."""
    text = "".join(c for c, _ in chars)
    wanted = r"\s*".join(re.escape(part) for part in value.split())
    found = []
    for m in re.finditer(wanted, text, re.IGNORECASE) if wanted else ():
        start, end = m.span()
        while start > 0 and not text[start - 1].isspace():
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        if "@" in text[start:end] and "@" not in value:
            continue  # a name inside an e-mail address (`jjacquet@tessier.com`) is no copy of the value
        boxes = [b for (c, b) in chars[start:end] if not c.isspace() and b[2] > b[0]]
        if boxes:
            found.append(Occurrence(union(boxes), glued=(start, end) != m.span()))
    return found


def write_pdf(image: Image.Image, words: tuple[TruthWord, ...], path: Path, dpi: int = DPI) -> Path:
    """A one-page PDF: the image, and each word as invisible text fitted to its ink box (as an OCR'd
    scan carries), so the text layer's character boxes fall on the printed words."""
    return write_pages([(image, words)], path, dpi)


def write_pages(pages: Sequence[tuple[Image.Image, tuple[TruthWord, ...]]], path: Path, dpi: int = DPI) -> Path:
    """A PDF of one page per (image, words), each page the size of its image at `dpi` (see `write_pdf`)."""
    from fpdf import FPDF  # the example folder only

    scale = 72 / dpi
    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_font("text", fname=str(TEXT_FONT))
    for image, words in pages:
        pdf.add_page(format=(image.width * scale, image.height * scale))
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        pdf.image(buf, 0, 0, image.width * scale, image.height * scale)
        _text_layer(pdf, words, scale)
    pdf.output(str(path))
    return path


def _text_layer(pdf: Any, words: tuple[TruthWord, ...], scale: float) -> None:
    """Each word as invisible text on the current page, stretched over its ink box."""
    pdf.text_mode = "INVISIBLE"
    probe = ImageFont.truetype(str(TEXT_FONT), 100)
    for word in words:
        left, top, right, bottom = probe.getbbox(word.text, anchor="ls")  # ink at size 100, baseline 0
        if right <= left or bottom <= top:
            continue
        x0, y0, x1, y1 = word.bbox
        size = (y1 - y0) / (bottom - top) * 100  # pixels
        stretch = (x1 - x0) / ((right - left) * size / 100)
        pdf.set_font("text", size=size * scale)
        pdf.set_stretching(100 * stretch)
        baseline = y1 - bottom * size / 100
        pdf.text((x0 - left * size / 100 * stretch) * scale, baseline * scale, word.text)
