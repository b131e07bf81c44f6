"""Compact text rendering of OCR words for prompts (LMDX-style `id|text|x|y`).

Coordinates are the word's centre quantised to a 0–99 grid of the page, so a prompt spends a few
tokens per word instead of four pixel numbers, and the model can reason about layout.
"""

from __future__ import annotations

from schemas.decoding import GRID
from schemas.documents import OcrPage, OcrWord

from .lines import cell


def quantize(value: float, size: float) -> int:
    """Pixel coordinate → grid cell 0..GRID-1."""
    return min(GRID - 1, max(0, int(value / size * GRID)))


def word_line(word: OcrWord, page: OcrPage) -> str:
    x0, y0, x1, y1 = word.bbox
    text = cell(word.text)  # one line, no column separator: see `lines.cell`
    x = quantize((x0 + x1) / 2, page.width)
    y = quantize((y0 + y1) / 2, page.height)
    return f"{word.id}|{text}|{x}|{y}"


def grid_to_pixels(cell: int, size: float, *, upper: bool) -> float:
    """Grid cell → pixel edge: the cell's start, or its end when `upper`."""
    return min(size, (cell + (1 if upper else 0)) * size / GRID)
