"""Page layouts for the synthetic documents: a canvas that records word ink boxes, and the templates.

Three layouts (invoice, receipt, form), three templates each: different fonts, sizes, label words,
positions and date formats. Every value comes from a seeded Faker and `random.Random`.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from faker import Faker
from PIL import Image, ImageDraw, ImageFont
from pydantic import BaseModel, ConfigDict

Box = tuple[float, float, float, float]
PAGE = (1240, 1754)  # A4 at 150 dpi
RECEIPT_WIDTH = 620
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
    model_config = ConfigDict(frozen=True)
    value: str
    bbox: Box
    words: tuple[int, ...]


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

    def __init__(self, width: int, height: int) -> None:
        self.image = Image.new("L", (width, height), 255)
        self.draw = ImageDraw.Draw(self.image)
        self.words: list[TruthWord] = []
        self.fields: dict[str, TruthField] = {}

    def text(
        self, x: float, y: float, text: str, fnt: ImageFont.FreeTypeFont, field: str = "", align: str = "l"
    ) -> Box:
        """Draw words on baseline y starting at x (align 'l'), ending at x ('r') or centred ('c')."""
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
            self.fields[field] = TruthField(value=" ".join(parts), bbox=box, words=tuple(range(first, len(self.words))))
        return box

    def pair(
        self,
        x: float,
        y: float,
        label: str,
        value: str,
        fonts: tuple[ImageFont.FreeTypeFont, ...],
        field: str,
        value_x: float | None = None,
        align: str = "l",
    ) -> Box:
        """A label and its value on one line: value at value_x, or right after the label."""
        box = self.text(x, y, label, fonts[0])
        vx = box[2] + fonts[0].getlength("  ") if value_x is None else value_x
        return self.text(vx, y, value, fonts[-1], field, align)


def _ink_box(x: float, y: float, word: str, fnt: ImageFont.FreeTypeFont) -> Box:
    left, top, right, bottom = (math.floor(v) for v in fnt.getbbox(word, anchor="ls"))
    mask = Image.new("L", (right - left + 4, bottom - top + 4), 0)
    fx, fy = x - math.floor(x), y - math.floor(y)
    ImageDraw.Draw(mask).text((fx - left + 2, fy - top + 2), word, font=fnt, fill=255, anchor="ls")
    ink = mask.getbbox() or (0, 0, 1, 1)
    ox, oy = math.floor(x) + left - 2, math.floor(y) + top - 2
    return (float(ox + ink[0]), float(oy + ink[1]), float(ox + ink[2]), float(oy + ink[3]))


@lru_cache(maxsize=4)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _day(rng: random.Random, start: date, span_days: int) -> date:
    return start + timedelta(days=rng.randrange(span_days))


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return f"+44 {rng.randint(20, 79)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
    return f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"


def _items(fake: Faker, rng: random.Random, count: int, max_cents: int = 45_000) -> list[tuple[str, int, Decimal]]:
    return [
        (" ".join(fake.words(rng.randint(1, 3))).title(), rng.randint(1, 9), Decimal(rng.randint(50, max_cents)) / 100)
        for _ in range(count)
    ]


def _totals(items: list[tuple[str, int, Decimal]], rate: int) -> tuple[Decimal, Decimal, Decimal]:
    subtotal = sum((q * p for _, q, p in items), Decimal(0))
    tax = (subtotal * rate / 100).quantize(Decimal("0.01"))
    return subtotal, tax, subtotal + tax


INVOICE_LABELS = (
    ("Invoice No:", "Date:", "Subtotal:", "Tax {}%:", "Total:", "IBAN:", "Email:", "Phone:"),
    ("Invoice #", "Invoice Date", "Net amount", "VAT {}%", "Amount due", "IBAN", "E-mail", "Tel."),
    ("Bill Number:", "Issued:", "Sub-total", "Sales tax {}%", "TOTAL", "Pay to IBAN:", "Mail:", "Telephone:"),
)
FIELDS_TOTALS = ("subtotal", "tax", "total")
INVOICE_STYLE = (("dejavu", 22, "%Y-%m-%d"), ("liberation", 24, "%d/%m/%Y"), ("serif", 26, "%B %d, %Y"))


def _invoice(c: Canvas, fake: Faker, rng: random.Random, t: int) -> None:
    family, size, date_format = INVOICE_STYLE[t]
    size += rng.randint(-2, 2)
    reg, bold, big = font(family, size), font(family, size, True), font(family, size * 2, True)
    lab = INVOICE_LABELS[t]
    dx, dy = rng.randint(-30, 30), rng.randint(-30, 30)
    left, right = 90 + dx, 1150 + dx
    pattern = rng.choice(("INV-{y}-{n:04d}", "{n:06d}", "A{n:05d}-{y}"))
    number = pattern.format(y=rng.randint(2019, 2025), n=rng.randint(1, 99_999))
    issued = _day(rng, date(2021, 1, 1), 1800).strftime(date_format)
    head = c.text(620 + dx if t == 2 else left, 150 + dy, fake.company(), big, "vendor", "c" if t == 2 else "l")
    c.text(head[0], head[3] + size * 1.6, fake.street_address(), reg)
    c.text(head[0], head[3] + size * 3.0, f"{fake.city()} {fake.postcode()}", reg)
    if t == 1:
        c.text(left, 380 + dy, "INVOICE", big)
    else:
        c.text(right, 330 + dy, "INVOICE", big, align="r")
    meta_x, meta_y = (760 + dx, 420 + dy) if t != 1 else (left, 460 + dy)
    c.pair(meta_x, meta_y, lab[0], number, (reg, bold), "invoice_number", meta_x + 230)
    c.pair(meta_x, meta_y + size * 2, lab[1], issued, (reg,), "date", meta_x + 230)
    items = _items(fake, rng, rng.randint(2, 6))
    y = _item_table(c, items, 620 + dy, (left, right), (reg, bold))
    rate = rng.choice((7, 10, 19, 20))
    amounts = zip((lab[2], lab[3].format(rate), lab[4]), _totals(items, rate), FIELDS_TOTALS, strict=True)
    for i, (label, amount, name) in enumerate(amounts):
        line_y = y + 40 + i * size * 2
        box = c.pair(700 + dx if t != 1 else left, line_y, label, _money(amount), (reg, bold), name, right, "r")
        if t == 1:
            c.text(box[0] - reg.getlength("  "), line_y, "EUR", reg, align="r")
    iban = fake.iban()
    foot = (
        (lab[5], " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)), "iban"),
        (lab[6], fake.company_email(), "email"),
        (lab[7], _phone(rng), "phone"),
    )
    rows = ((0, 0), (0, 1), (0, 2)) if t != 1 else ((1, 0), (0, 1), (0, 0))  # (column, row) of each
    for (label, text, name), (col, row) in zip(foot, rows, strict=True):
        c.pair(left + col * 560, 1540 + dy + row * size * 2, label, text, (reg,), name, left + 130 if t == 0 else None)


def _item_table(
    c: Canvas,
    items: list[tuple[str, int, Decimal]],
    y: float,
    xs: tuple[float, float],
    fonts: tuple[ImageFont.FreeTypeFont, ...],
) -> float:
    left, right = xs
    reg, bold = fonts
    step = reg.size * 1.9
    for text, x, align in (
        ("Description", left, "l"),
        ("Qty", left + 600, "r"),
        ("Unit price", left + 820, "r"),
        ("Amount", right, "r"),
    ):
        c.text(x, y, text, bold, align=align)
    c.draw.line((left, y + step * 0.5, right, y + step * 0.5), fill=90, width=2)
    for desc, qty, price in items:
        y += step
        c.text(left, y, desc, reg)
        c.text(left + 600, y, str(qty), reg, align="r")
        c.text(left + 820, y, _money(price), reg, align="r")
        c.text(right, y, _money(qty * price), reg, align="r")
    c.draw.line((left, y + step * 0.5, right, y + step * 0.5), fill=90, width=2)
    return y + step


RECEIPT_LABELS = (
    ("SUBTOTAL", "TAX", "TOTAL", "ITEMS:"),
    ("Subtotal", "Tax", "Total", "Items:"),
    ("NET", "VAT", "TOTAL", "No. of items:"),
)
RECEIPT_STYLE = (("mono", 22, "%Y-%m-%d"), ("condensed", 24, "%d.%m.%Y"), ("libmono", 23, "%m/%d/%Y"))


def _receipt(c: Canvas, fake: Faker, rng: random.Random, t: int) -> float:
    family, size, date_format = RECEIPT_STYLE[t]
    size += rng.randint(-2, 1)
    reg, bold = font(family, size), font(family, int(size * 1.4), True)
    lab = RECEIPT_LABELS[t]
    left, right, mid = 40 + rng.randint(0, 10), RECEIPT_WIDTH - 40 - rng.randint(0, 10), RECEIPT_WIDTH / 2
    y = 90.0 + rng.randint(0, 30)
    c.text(mid, y, fake.company(), bold, "store", "c")
    c.text(mid, y + size * 1.8, fake.street_address(), reg, align="c")
    day = _day(rng, date(2021, 1, 1), 1800).strftime(date_format)
    c.pair(left, y + size * 4, "Date:", day, (reg,), "date")
    c.text(right, y + size * 4, f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}", reg, align="r")
    y += size * 5
    items = _items(fake, rng, rng.randint(2, 7), 6_000)
    for desc, qty, price in items:
        y += size * 1.5
        c.text(left, y, f"{qty} x {desc}"[:28], reg)
        c.text(right, y, _money(qty * price), reg, align="r")
    subtotal, tax, total = _totals(items, rng.choice((5, 8, 10)))
    y += size * 1.2
    c.draw.line((left, y, right, y), fill=60, width=2)
    for label, value, name in ((lab[0], subtotal, "subtotal"), (lab[1], tax, "tax"), (lab[2], total, "total")):
        y += size * 1.6
        c.pair(left, y, label, _money(value), (reg, bold if name == "total" else reg), name, right, "r")
    y += size * 2.2
    c.pair(left, y, lab[3], str(len(items)), (reg,), "items")
    c.text(mid, y + size * 2.5, "Thank you!", reg, align="c")
    return y + size * 5


FORM_LABELS = (
    ("Full name:", "Date of birth:", "Email:", "Phone:", "Street:", "Postal code:", "City:"),
    ("Name", "Birth date", "E-mail address", "Phone number", "Address", "Postcode", "Town"),
    ("Name:", "DOB:", "Email:", "Tel:", "Street:", "ZIP:", "City:"),
)
FORM_STYLE = (("dejavu", 24, "%d/%m/%Y"), ("liberation", 26, "%Y-%m-%d"), ("serif", 27, "%d.%m.%Y"))
FORM_FIELDS = ("name", "date_of_birth", "email", "phone", "street", "postal_code", "city")
FORM_GRID = ((0, 0), (0, 1), (0, 2), (1, 1), (0, 3), (0, 4), (1, 4))  # template 2: (column, row)


def _form(c: Canvas, fake: Faker, rng: random.Random, t: int) -> None:
    family, size, date_format = FORM_STYLE[t]
    size += rng.randint(-2, 2)
    reg, bold, small = font(family, size), font(family, size, True), font(family, size * 3 // 4)
    dx, dy = rng.randint(-30, 30), rng.randint(-30, 30)
    values = (
        fake.name(),
        _day(rng, date(1940, 1, 1), 60 * 365).strftime(date_format),
        fake.email(),
        _phone(rng),
        fake.street_address(),
        fake.postcode(),
        fake.city(),
    )
    c.text(
        620 + dx,
        170 + dy,
        rng.choice(("Registration Form", "Customer Details", "Application Form")),
        font(family, size * 2, True),
        align="c",
    )
    x, y = 100 + dx, 320 + dy
    for i, (label, value, name) in enumerate(zip(FORM_LABELS[t], values, FORM_FIELDS, strict=True)):
        if t == 0:
            c.pair(x, y + i * size * 3, label, value, (bold, reg), name, x + 330)
        elif t == 1:
            c.text(x, y + i * size * 4, label, small)
            c.text(x, y + i * size * 4 + size * 1.5, value, reg, name)
        else:
            col, row = FORM_GRID[i]
            vx, vy = x + 150 + col * 560, y + row * size * 3.5
            c.text(vx - 150, vy, label, bold)
            box = c.text(vx, vy, value, reg, name)
            c.draw.rectangle((vx - 12, box[1] - 12, max(box[2], vx + 300) + 12, box[3] + 12), outline=120, width=2)
    c.text(x, 1600 + dy, f"Signed on {_day(rng, date(2022, 1, 1), 900).strftime(date_format)}", small)


def render(
    layout: str, template: int, seed: int, rng: random.Random
) -> tuple[Image.Image, list[TruthWord], dict[str, TruthField]]:
    """Draw one page of `layout` in `template`; Faker is seeded with `seed`, choices come from rng."""
    fake = _faker(rng.choice(("en_US", "en_GB")))
    fake.seed_instance(seed)
    c = Canvas(RECEIPT_WIDTH, 2000) if layout == "receipt" else Canvas(*PAGE)
    if layout == "invoice":
        _invoice(c, fake, rng, template)
    elif layout == "form":
        _form(c, fake, rng, template)
    elif layout == "receipt":
        c.image = c.image.crop((0, 0, RECEIPT_WIDTH, math.ceil(_receipt(c, fake, rng, template))))
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return c.image, c.words, c.fields
