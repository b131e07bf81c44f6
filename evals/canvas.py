"""A page canvas that records the ink box of every word it draws, and the truth models of words and fields."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict

from evals.variants import ABSENT, GLUED, PLAIN, Variant, money, money_with_currency

Box = tuple[float, float, float, float]
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
FONTS = {  # family -> (regular, bold); Debian packages fonts-dejavu-core and fonts-liberation
    "dejavu": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"),
    "liberation": ("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
    "serif": ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf"),
    "mono": ("DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf"),
    "libmono": ("LiberationMono-Regular.ttf", "LiberationMono-Bold.ttf"),
    "condensed": ("DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf"),
}


class TruthWord(BaseModel):
    model_config = ConfigDict(frozen=True)
    text: str
    bbox: Box


class TruthField(BaseModel):
    """A field's value as printed (without glued symbols), its box and words; absent: value "", no box."""

    model_config = ConfigDict(frozen=True)
    value: str
    bbox: Box | None
    words: tuple[int, ...]
    phenomena: tuple[str, ...] = ()


@lru_cache(maxsize=128)
def font(family: str, size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    name = FONTS[family][int(bold)]
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    raise FileNotFoundError(f"font {name} missing: apt-get install fonts-dejavu-core fonts-liberation")


def union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


class Canvas:
    """A white page that records the ink box of every word it draws."""

    def __init__(self, width: int, height: int, variant: Variant = PLAIN) -> None:
        self.image = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.words: list[TruthWord] = []
        self.fields: dict[str, TruthField] = {}
        self.variant = variant

    def text(
        self,
        x: float,
        y: float,
        text: str,
        fnt: ImageFont.FreeTypeFont,
        field: str = "",
        align: str = "l",
        value: str | None = None,
    ) -> Box:
        """Draw words on baseline y starting at x (align 'l'), ending at x ('r') or centred ('c').

        A field's value is the whole text, or `value` where the text adds a symbol or a label: the
        field's words are those the value touches, and a word it only partly covers makes it glued."""
        parts = text.split()
        width = fnt.getlength(" ".join(parts))
        x -= {"l": 0.0, "r": width, "c": width / 2}[align]
        first = len(self.words)
        for part in parts:
            self.draw.text((x, y), part, font=fnt, fill=0, anchor="ls")
            self.words.append(TruthWord(text=part, bbox=_ink_box(x, y, part, fnt)))
            x += fnt.getlength(part + " ")
        box = union([w.bbox for w in self.words[first:]])
        if field:
            self._field(field, parts, first, " ".join((text if value is None else value).split()))
        return box

    def _field(self, name: str, parts: list[str], first: int, value: str) -> None:
        joined, spans, at = " ".join(parts), [], 0
        for part in parts:
            spans.append((at, at + len(part)))
            at += len(part) + 1
        start = joined.find(value)
        if not value or start < 0:
            raise ValueError(f"field {name}: value not in the printed text")
        hit = [k for k, (s, e) in enumerate(spans) if s < start + len(value) and e > start]
        glued = " ".join(parts[k] for k in hit) != value
        words = tuple(first + k for k in hit)
        box = union([self.words[i].bbox for i in words])
        self.fields[name] = TruthField(value=value, bbox=box, words=words, phenomena=(GLUED,) if glued else ())

    def mark(self, name: str, phenomenon: str) -> None:
        """Add a phenomenon to a field's truth."""
        f = self.fields[name]
        if phenomenon not in f.phenomena:
            self.fields[name] = f.model_copy(update={"phenomena": (*f.phenomena, phenomenon)})

    def leave_out(self, name: str) -> None:
        """The field is expected but not on the page: its truth is empty, with no box."""
        self.fields[name] = TruthField(value="", bbox=None, words=(), phenomena=(ABSENT,))

    def amount(self, value: Decimal, currency: bool = False) -> tuple[str, str]:
        """(printed text, field value) of an amount: with the currency symbol where the page's locale or
        its glued variant prints one, else the bare number (English pages, as before)."""
        v = self.variant
        number = " ".join(money(value, v.locale).split())
        if v.english and not (v.glued and currency):
            return number, number
        return money_with_currency(value, v.locale, v.glued and currency), number

    def pair(
        self,
        x: float,
        y: float,
        label: str,
        text: str | tuple[str, str],
        fonts: tuple[ImageFont.FreeTypeFont, ...],
        field: str,
        value_x: float | None = None,
        align: str = "l",
    ) -> Box:
        """A label and its value on one line: value at value_x, or right after the label. `text` is the
        value, or (printed text, value) where the print adds a symbol or prefix."""
        printed, value = (text, None) if isinstance(text, str) else text
        box = self.text(x, y, label, fonts[0])
        vx = box[2] + fonts[0].getlength("  ") if value_x is None else value_x
        return self.text(vx, y, printed, fonts[-1], field, align, value)


def _ink_box(x: float, y: float, word: str, fnt: ImageFont.FreeTypeFont) -> Box:
    left, top, right, bottom = (math.floor(v) for v in fnt.getbbox(word, anchor="ls"))
    mask = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    fx, fy = x - math.floor(x), y - math.floor(y)
    ImageDraw.Draw(mask).text((fx - left + 2, fy - top + 2), word, font=fnt, fill=255, anchor="ls")
    ink = mask.getbbox() or (0, 0, 1, 1)
    ox, oy = math.floor(x) + left - 2, math.floor(y) + top - 2
    return (float(ox + ink[0]), float(oy + ink[1]), float(ox + ink[2]), float(oy + ink[3]))
