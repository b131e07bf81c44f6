"""Seeded synthetic documents (invoice, receipt, form) with pixel-exact ground truth, and degradations.

`make_document(seed)` renders one page with Faker values and records the ink box of every word and
every field value (the union of its words), and the phenomena (`evals.variants`) each field shows.
`degrade(doc, level)` blurs, adds noise, JPEG-compresses, rotates and downscales at strength 0..3 and
moves the truth boxes with the geometry. The same seed gives the same image bytes and truth (with the
same Pillow, FreeType, Faker and fonts).
"""

from __future__ import annotations

import io
import math
import random
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from pydantic import BaseModel, ConfigDict

from evals.layouts import Box, TruthField, TruthWord, render, union
from evals.variants import Variant, draw_variant

__all__ = [
    "LAYOUTS",
    "LEVELS",
    "Degradation",
    "GroundTruth",
    "SyntheticDoc",
    "TruthField",
    "TruthWord",
    "degrade",
    "degrade_image",
    "documents",
    "make_document",
]
LAYOUTS = ("invoice", "receipt", "form")
TEMPLATES = 3


class GroundTruth(BaseModel):
    """What is on the page: every word with its ink box, every field value with its box and words."""

    model_config = ConfigDict(frozen=True)
    doc_id: str
    layout: str
    template: int
    seed: int
    degradation: int = 0
    width: int
    height: int
    words: tuple[TruthWord, ...]
    fields: dict[str, TruthField]
    locale: str = "en_US"
    phenomena: tuple[str, ...] = ()
    """Every phenomenon of the page: the union of its fields'."""
    field_kinds: dict[str, str] = {}
    """A user's document (`evals.folder`): the kind of reading per field where its truth gives a format."""
    field_labels: dict[str, tuple[str, ...]] = {}
    """A user's document: label words per field where its truth gives them."""
    source: str | None = None
    """A user's document: its file (page images are read from it again for the report)."""
    field_pages: dict[str, int] = {}
    """A user's document of several pages: the page (0-based) of each field printed after the first."""


@dataclass(frozen=True)
class SyntheticDoc:
    image: Image.Image
    """The first page (a synthetic document has only this one)."""
    truth: GroundTruth
    more_pages: tuple[Image.Image, ...] = ()
    """A user's document of several pages: the pages after the first."""

    @property
    def pages(self) -> tuple[Image.Image, ...]:
        return (self.image, *self.more_pages)

    def png_bytes(self) -> bytes:
        buf = io.BytesIO()
        self.image.save(buf, format="PNG")
        return buf.getvalue()

    def save(self, out_dir: Path) -> Path:
        """Write `<doc_id>.png` and `<doc_id>.json` (the truth) into out_dir; returns the PNG path."""
        out_dir.mkdir(parents=True, exist_ok=True)
        png = out_dir / f"{self.truth.doc_id}.png"
        png.write_bytes(self.png_bytes())
        png.with_suffix(".json").write_text(self.truth.model_dump_json(indent=1))
        return png


def make_document(
    seed: int, layout: str | None = None, template: int | None = None, variant: Variant | None = None
) -> SyntheticDoc:
    """Render one clean page; layout, template and phenomena are drawn from the seed unless given."""
    rng = random.Random(seed)
    layout = layout or rng.choice(LAYOUTS)
    template = rng.randrange(TEMPLATES) if template is None else template
    variant = draw_variant(seed, layout, template) if variant is None else variant
    image, words, fields, variant = render(layout, template, seed, rng, variant)
    phenomena = sorted({p for f in fields.values() for p in f.phenomena})
    truth = GroundTruth(
        doc_id=f"{layout}-t{template}-s{seed}",
        layout=layout,
        template=template,
        seed=seed,
        width=image.width,
        height=image.height,
        words=tuple(words),
        fields=fields,
        locale=variant.locale,
        phenomena=tuple(phenomena),
    )
    return SyntheticDoc(image, truth)


@dataclass(frozen=True)
class Degradation:
    blur: float = 0.0  # Gaussian radius, pixels
    noise: float = 0.0  # Gaussian noise sigma, grey levels
    jpeg: int = 0  # JPEG quality, 0 = none
    rotate: float = 0.0  # degrees, sign drawn from the seed
    scale: float = 1.0  # downscale factor


LEVELS = (
    Degradation(),
    Degradation(blur=0.5, noise=6, jpeg=75, rotate=0.5, scale=1.0),
    Degradation(blur=1.0, noise=16, jpeg=40, rotate=1.5, scale=0.8),
    Degradation(blur=1.1, noise=20, jpeg=30, rotate=2.0, scale=0.7),
)


def degrade(doc: SyntheticDoc, level: int, seed: int | None = None, spec: Degradation | None = None) -> SyntheticDoc:
    """The page at strength `level` (0..3) or with `spec`; truth boxes follow rotation and scale."""
    seed = doc.truth.seed if seed is None else seed
    image, mapping = degrade_image(doc.image, level, seed, spec)
    later = [degrade_image(page, level, seed + n, spec) for n, page in enumerate(doc.more_pages, 1)]
    maps, t = [mapping, *(m for _, m in later)], doc.truth
    words = tuple(TruthWord(text=w.text, bbox=mapping(w.bbox)) for w in t.words)
    fields = {
        k: f.model_copy(update={"bbox": _moved(f, words, maps[t.field_pages.get(k, 0)])}) for k, f in t.fields.items()
    }
    truth = t.model_copy(
        update={
            "doc_id": f"{t.doc_id}-d{level}",
            "degradation": level,
            "width": image.width,
            "height": image.height,
            "words": words,
            "fields": fields,
        }
    )
    return SyntheticDoc(image, truth, tuple(page for page, _ in later))


def _moved(f: TruthField, words: tuple[TruthWord, ...], mapping: _Geometry) -> Box | None:
    """A field's box on the degraded page: its moved words' union, or (a user's page, no words) its box moved."""
    if f.words:
        return union([words[i].bbox for i in f.words])
    return mapping(f.bbox) if f.bbox is not None else None


@dataclass(frozen=True)
class _Geometry:
    """Maps a box through PIL's rotate (counter-clockwise about the centre) and a resize to `out`."""

    size: tuple[int, int]
    angle: float = 0.0
    out: tuple[int, int] | None = None

    def __call__(self, box: Box) -> Box:
        (w, h), (ow, oh) = self.size, self.out or self.size
        cx, cy, cos, sin = w / 2, h / 2, math.cos(self.angle), math.sin(self.angle)
        xs, ys = [], []
        for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
            xs.append(cx + (x - cx) * cos + (y - cy) * sin)
            ys.append(cy - (x - cx) * sin + (y - cy) * cos)
        sx, sy = ow / w, oh / h
        return (
            max(0.0, min(xs) * sx),
            max(0.0, min(ys) * sy),
            min(float(ow), max(xs) * sx),
            min(float(oh), max(ys) * sy),
        )


def degrade_image(
    image: Image.Image, level: int, seed: int, spec: Degradation | None = None
) -> tuple[Image.Image, _Geometry]:
    """The image at strength `level` (or `spec`), and the map of page boxes onto it."""
    d = spec or LEVELS[level]
    rng = np.random.default_rng([seed, level])
    mapping = _Geometry(image.size)
    if d.rotate:
        angle = float(d.rotate * rng.choice((-1.0, 1.0)))
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        mapping = replace(mapping, angle=math.radians(angle))
    if d.scale != 1.0:
        image = image.resize((round(image.width * d.scale), round(image.height * d.scale)), Image.Resampling.LANCZOS)
        mapping = replace(mapping, out=image.size)
    if d.blur:
        image = image.filter(ImageFilter.GaussianBlur(d.blur))
    if d.noise:
        noisy = np.asarray(image, dtype=np.float32) + rng.normal(0.0, d.noise, (image.height, image.width))
        image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))
    if d.jpeg:
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=d.jpeg)
        image = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return image, mapping


def documents(count: int, seed: int = 0, level: int = 0) -> list[SyntheticDoc]:
    """`count` documents cycling through layouts and templates, each with its own seed."""
    docs = [make_document(seed * 10_000 + i, LAYOUTS[i % 3], (i // 3) % TEMPLATES) for i in range(count)]
    return [degrade(d, level) for d in docs] if level else docs
