"""Page layouts for the synthetic documents: a canvas that records word ink boxes, and the templates.

Three layouts (invoice, receipt, form), three templates each: different fonts, sizes, label words,
positions and date formats. Every value comes from a seeded Faker and `random.Random`. A page's
`Variant` (`evals.variants`) adds the phenomena of real invoices: locale formats, repeated values,
glued symbols and prefixes, two columns, a field left off the page; each field's truth names those
that apply to it.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from faker import Faker
from PIL import Image, ImageFont

from evals.addresses import person_email, vendor_email
from evals.canvas import Box, Canvas, TruthField, TruthWord, font, union
from evals.printed_labels import (
    FORM_LABELS,
    FORM_WORDS,
    INVOICE_LABELS,
    INVOICE_WORDS,
    RECEIPT_LABELS,
    RECEIPT_WORDS,
    language,
)
from evals.variants import ABSENT, NON_ENGLISH, NUMBER_PREFIX, PLAIN, REPEATED, TWO_COLUMN, Variant, money, phone
from evals.variants import day as format_day

__all__ = ["PAGE", "RECEIPT_WIDTH", "Box", "TruthField", "TruthWord", "render", "union"]
PAGE = (1240, 1754)  # A4 at 150 dpi
RECEIPT_WIDTH = 620


@lru_cache(maxsize=8)
def _faker(locale: str) -> Faker:
    return Faker(locale)


def _money(value: Decimal, locale: str = "en_US") -> str:
    return " ".join(money(value, locale).split())


def _day(rng: random.Random, start: date, span_days: int) -> date:
    return start + timedelta(days=rng.randrange(span_days))


def _items(fake: Faker, rng: random.Random, count: int, max_cents: int = 45_000) -> list[tuple[str, int, Decimal]]:
    return [
        (" ".join(fake.words(rng.randint(1, 3))).title(), rng.randint(1, 9), Decimal(rng.randint(50, max_cents)) / 100)
        for _ in range(count)
    ]


def _totals(items: list[tuple[str, int, Decimal]], rate: int) -> tuple[Decimal, Decimal, Decimal]:
    subtotal = sum((q * p for _, q, p in items), Decimal(0))
    tax = (subtotal * rate / 100).quantize(Decimal("0.01"))
    return subtotal, tax, subtotal + tax


FIELDS_TOTALS = ("subtotal", "tax", "total")
INVOICE_STYLE = (("dejavu", 22, "%Y-%m-%d"), ("liberation", 24, "%d/%m/%Y"), ("serif", 26, "%B %d, %Y"))


def _invoice(c: Canvas, fake: Faker, rng: random.Random, t: int) -> None:
    family, size, date_format = INVOICE_STYLE[t]
    size += rng.randint(-2, 2)
    reg, bold, big = font(family, size), font(family, size, True), font(family, size * 2, True)
    v = c.variant
    lab, title = INVOICE_LABELS[language(v.locale)][t], INVOICE_WORDS[language(v.locale)][0]
    dx, dy = rng.randint(-30, 30), rng.randint(-30, 30)
    left, right = 90 + dx, 1150 + dx
    pattern = rng.choice(("INV-{y}-{n:04d}", "{n:06d}", "A{n:05d}-{y}"))
    number = pattern.format(y=rng.randint(2019, 2025), n=rng.randint(1, 99_999))
    issued = format_day(_day(rng, date(2021, 1, 1), 1800), v.locale, rng, date_format)
    vendor = fake.company()
    head = c.text(620 + dx if t == 2 else left, 150 + dy, vendor, big, "vendor", "c" if t == 2 else "l")
    c.text(head[0], head[3] + size * 1.6, fake.street_address(), reg)
    c.text(head[0], head[3] + size * 3.0, f"{fake.city()} {fake.postcode()}", reg)
    if t == 1:
        c.text(left, 380 + dy, title, big)
    else:
        c.text(right, 330 + dy, title, big, align="r")
    meta_x, meta_y = (760 + dx, 420 + dy) if t != 1 else (left, 460 + dy)
    shown = (NUMBER_PREFIX[v.locale] + number, number) if v.glued else number
    c.pair(meta_x, meta_y, lab[0], shown, (reg, bold), "invoice_number", meta_x + 230)
    c.pair(meta_x, meta_y + size * 2, lab[1], issued, (reg,), "date", meta_x + 230)
    items = _items(fake, rng, rng.randint(2, 6))
    y = _item_table(c, items, 620 + dy, (left, right), (reg, bold))
    rate = 0 if v.repeated else rng.choice((7, 10, 19, 20))  # no tax: the subtotal is printed again as total
    amounts = zip((lab[2], lab[3].format(rate), lab[4]), _totals(items, rate), FIELDS_TOTALS, strict=True)
    totals_x = 700 + dx if t != 1 or v.two_column else left
    for i, (label, amount, name) in enumerate(amounts):
        line_y = y + 40 + i * size * 2
        printed, value = c.amount(amount, currency=name == "total")
        box = c.pair(totals_x, line_y, label, (printed, value), (reg, bold), name, right, "r")
        if t == 1 and printed == value:
            c.text(box[0] - reg.getlength("  "), line_y, "EUR", reg, align="r")
    _invoice_footer(c, fake, rng, vendor, (t, size, left, (y + 40) if v.two_column else 1540 + dy), (reg, bold))
    if v.repeated:
        c.text(620 + dx, 1490 + dy, vendor, bold, align="c")  # the vendor again, in the footer
        for name in ("vendor", "subtotal", "total"):
            c.mark(name, REPEATED)


def _invoice_footer(
    c: Canvas,
    fake: Faker,
    rng: random.Random,
    vendor: str,
    at: tuple[int, int, int, float],
    fonts: tuple[ImageFont.FreeTypeFont, ...],
) -> None:
    """IBAN, email and phone: at the page's foot, or (two columns) left of the totals on their lines."""
    t, size, left, top = at
    v = c.variant
    lab = INVOICE_LABELS[language(v.locale)][t]
    iban = fake.iban()
    foot = (
        (lab[5], " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)), "iban"),
        (lab[6], vendor_email(fake.company_email(), vendor), "email"),
        (lab[7], phone(rng, v.locale), "phone"),
    )
    rows = ((0, 0), (0, 1), (0, 2)) if t != 1 or v.two_column else ((1, 0), (0, 1), (0, 0))  # (column, row)
    value_x = left + 130 if t == 0 and not v.two_column else None
    for (label, text, name), (col, row) in zip(foot, rows, strict=True):
        if name == v.absent:
            c.leave_out(name)
            continue
        c.pair(left + col * 560, top + row * size * 2, label, text, (fonts[0],), name, value_x)


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
    heads = INVOICE_WORDS[language(c.variant.locale)][1:]
    for text, x, align in zip(heads, (left, left + 600, left + 820, right), "lrrr", strict=True):
        c.text(x, y, text, bold, align=align)
    c.draw.line((left, y + step * 0.5, right, y + step * 0.5), fill=90, width=2)
    for desc, qty, price in items:
        y += step
        c.text(left, y, desc, reg)
        c.text(left + 600, y, str(qty), reg, align="r")
        c.text(left + 820, y, _money(price, c.variant.locale), reg, align="r")
        c.text(right, y, _money(qty * price, c.variant.locale), reg, align="r")
    c.draw.line((left, y + step * 0.5, right, y + step * 0.5), fill=90, width=2)
    return y + step


RECEIPT_STYLE = (("mono", 22, "%Y-%m-%d"), ("condensed", 24, "%d.%m.%Y"), ("libmono", 23, "%m/%d/%Y"))


def _receipt(c: Canvas, fake: Faker, rng: random.Random, t: int) -> float:
    family, size, date_format = RECEIPT_STYLE[t]
    size += rng.randint(-2, 1)
    reg, bold = font(family, size), font(family, int(size * 1.4), True)
    v = c.variant
    lab, (date_label, thanks) = RECEIPT_LABELS[language(v.locale)][t], RECEIPT_WORDS[language(v.locale)]
    left, right, mid = 40 + rng.randint(0, 10), RECEIPT_WIDTH - 40 - rng.randint(0, 10), RECEIPT_WIDTH / 2
    y = 90.0 + rng.randint(0, 30)
    store = fake.company()
    c.text(mid, y, store, bold, "store", "c")
    c.text(mid, y + size * 1.8, fake.street_address(), reg, align="c")
    day = format_day(_day(rng, date(2021, 1, 1), 1800), v.locale, rng, date_format)
    c.pair(left, y + size * 4, date_label, day, (reg,), "date")
    c.text(right, y + size * 4, f"{rng.randint(7, 21):02d}:{rng.randint(0, 59):02d}", reg, align="r")
    y += size * 5
    items = _items(fake, rng, rng.randint(2, 7), 6_000)
    for desc, qty, price in items:
        y += size * 1.5
        c.text(left, y, f"{qty} x {desc}"[:28], reg)
        c.text(right, y, _money(qty * price, v.locale), reg, align="r")
    rate = rng.choice((5, 8, 10))
    subtotal, tax, total = _totals(items, 0 if v.repeated else rate)
    y += size * 1.2
    c.draw.line((left, y, right, y), fill=60, width=2)
    for label, value, name in ((lab[0], subtotal, "subtotal"), (lab[1], tax, "tax"), (lab[2], total, "total")):
        y += size * 1.6
        shown = c.amount(value, currency=name == "total")
        c.pair(left, y, label, shown, (reg, bold if name == "total" else reg), name, right, "r")
    y += size * 2.2
    if v.absent == "items":
        c.leave_out("items")
    else:
        c.pair(left, y, lab[3], str(len(items)), (reg,), "items")
    c.text(mid, y + size * 2.5, thanks, reg, align="c")
    if v.repeated:
        c.text(mid, y + size * 4, store, reg, align="c")
        for name in ("store", "subtotal", "total"):
            c.mark(name, REPEATED)
        y += size * 1.5
    return y + size * 5


FORM_STYLE = (("dejavu", 24, "%d/%m/%Y"), ("liberation", 26, "%Y-%m-%d"), ("serif", 27, "%d.%m.%Y"))
FORM_FIELDS = ("name", "date_of_birth", "email", "phone", "street", "postal_code", "city")
FORM_GRID = ((0, 0), (0, 1), (0, 2), (1, 1), (0, 3), (0, 4), (1, 4))  # template 2: (column, row)


def _form(c: Canvas, fake: Faker, rng: random.Random, t: int) -> None:
    family, size, date_format = FORM_STYLE[t]
    size += rng.randint(-2, 2)
    reg, bold, small = font(family, size), font(family, size, True), font(family, size * 3 // 4)
    dx, dy, v = rng.randint(-30, 30), rng.randint(-30, 30), c.variant
    labels, (titles, signed_on, signed_by) = FORM_LABELS[language(v.locale)][t], FORM_WORDS[language(v.locale)]
    name = fake.name()
    values = (
        name,
        format_day(_day(rng, date(1940, 1, 1), 60 * 365), v.locale, rng, date_format),
        person_email(fake.email(), name),
        phone(rng, v.locale),
        fake.street_address(),
        fake.postcode(),
        fake.city(),
    )
    c.text(
        620 + dx,
        170 + dy,
        rng.choice(titles),
        font(family, size * 2, True),
        align="c",
    )
    x, y = 100 + dx, 320 + dy
    for i, (label, value, name) in enumerate(zip(labels, values, FORM_FIELDS, strict=True)):
        if name == v.absent:
            c.leave_out(name)
        elif t == 0:
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
    signed = format_day(_day(rng, date(2022, 1, 1), 900), v.locale, rng, date_format)
    c.text(x, 1600 + dy, signed_on.format(signed) + (signed_by.format(values[0]) if v.repeated else ""), small)
    if v.repeated:
        c.mark("name", REPEATED)


DATED = {"date", "date_of_birth", "subtotal", "tax", "total"}
"""Fields printed in the locale's date or amount format."""


def render(
    layout: str, template: int, seed: int, rng: random.Random, variant: Variant = PLAIN
) -> tuple[Image.Image, list[TruthWord], dict[str, TruthField], Variant]:
    """Draw one page of `layout` in `template` with `variant`'s phenomena; Faker is seeded with `seed`,
    choices come from rng. English pages keep the Faker locale drawn from rng (the variant's is replaced)."""
    english = rng.choice(("en_US", "en_GB"))
    variant = replace(variant, locale=english) if variant.english else variant
    fake = _faker(variant.locale)
    fake.seed_instance(seed)
    c = Canvas(RECEIPT_WIDTH, 2000, variant) if layout == "receipt" else Canvas(*PAGE, variant)
    if layout == "invoice":
        _invoice(c, fake, rng, template)
    elif layout == "form":
        _form(c, fake, rng, template)
    elif layout == "receipt":
        c.image = c.image.crop((0, 0, RECEIPT_WIDTH, math.ceil(_receipt(c, fake, rng, template))))
    else:
        raise ValueError(f"unknown layout {layout!r}")
    for name, f in list(c.fields.items()):
        if not variant.english and name in DATED and ABSENT not in f.phenomena:
            c.mark(name, NON_ENGLISH)
        if variant.two_column and ABSENT not in f.phenomena:
            c.mark(name, TWO_COLUMN)
    return c.image, c.words, c.fields, variant
