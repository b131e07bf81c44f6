"""Synthetic documents: reproducible, truth boxes on the ink, consistent amounts, degradations move boxes."""

from __future__ import annotations

import numpy as np
import pytest
from babel.numbers import parse_decimal
from PIL import Image

from evals.documents import LAYOUTS, LEVELS, Degradation, SyntheticDoc, degrade, make_document
from evals.layouts import union


def _dark(image: Image.Image, below: int = 128) -> np.ndarray:
    return np.asarray(image.convert("L")) < below


def _whiten_boxes(doc: SyntheticDoc, margin: int, below: int = 255) -> np.ndarray:
    """Dark pixels left once every word box (plus margin) is painted white."""
    dark = _dark(doc.image, below).copy()
    for w in doc.truth.words:
        x0, y0, x1, y1 = (int(v) for v in w.bbox)
        dark[max(0, y0 - margin) : y1 + 1 + margin, max(0, x0 - margin) : x1 + 1 + margin] = False
    return dark


@pytest.mark.parametrize("layout", LAYOUTS)
def test_same_seed_same_bytes_and_truth(layout: str) -> None:
    a, b = make_document(42, layout), make_document(42, layout)
    assert a.png_bytes() == b.png_bytes()
    assert a.truth == b.truth
    assert a.truth.model_dump_json() == b.truth.model_dump_json()
    assert make_document(43, layout).png_bytes() != a.png_bytes()
    worn_a, worn_b = degrade(a, 3), degrade(b, 3)
    assert worn_a.png_bytes() == worn_b.png_bytes()
    assert worn_a.truth == worn_b.truth


def test_seed_alone_picks_layout_and_template() -> None:
    seen = {(d.truth.layout, d.truth.template) for d in (make_document(s) for s in range(40))}
    assert len(seen) >= 7


@pytest.mark.parametrize("template", range(3))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_truth_boxes_are_tight_around_ink(layout: str, template: int) -> None:
    doc = make_document(7 + template, layout, template)
    t, dark = doc.truth, _dark(doc.image, 255)  # any grey is ink
    assert (t.width, t.height) == doc.image.size
    assert len(t.words) >= 15
    for w in t.words:
        x0, y0, x1, y1 = w.bbox
        assert 0 <= x0 < x1 <= t.width and 0 <= y0 < y1 <= t.height, w
        ink = dark[int(y0) : int(y1), int(x0) : int(x1)]
        # the box touches ink on all four sides: not loose, not cropping the word
        assert ink[0].any() and ink[-1].any() and ink[:, 0].any() and ink[:, -1].any(), w


@pytest.mark.parametrize("layout", LAYOUTS)
def test_fields_are_the_union_of_their_words(layout: str) -> None:
    for seed in range(3):
        t = make_document(seed, layout, seed).truth
        expected = {
            "invoice": {"vendor", "invoice_number", "date", "subtotal", "tax", "total", "iban", "email", "phone"},
            "receipt": {"store", "date", "subtotal", "tax", "total", "items"},
            "form": {"name", "date_of_birth", "email", "phone", "street", "postal_code", "city"},
        }[layout]
        assert set(t.fields) == expected
        for name, f in t.fields.items():
            if "absent" in f.phenomena:
                assert (f.value, f.bbox, f.words) == ("", None, ()), name
                continue
            printed = " ".join(t.words[i].text for i in f.words)
            assert printed == f.value if "glued" not in f.phenomena else f.value in printed and printed != f.value
            assert f.bbox == union([t.words[i].bbox for i in f.words])


@pytest.mark.parametrize("template", (0, 1))
def test_word_boxes_cover_all_text(template: int) -> None:
    """Forms 0 and 1 draw no rules or frames: whitening the word boxes leaves a blank page."""
    doc = make_document(11, "form", template)
    assert not _whiten_boxes(doc, margin=0).any()


@pytest.mark.parametrize("layout", ("invoice", "receipt"))
def test_amounts_add_up(layout: str) -> None:
    for seed in range(15):
        t = make_document(seed, layout, seed % 3).truth
        f = t.fields
        subtotal, tax, total = (parse_decimal(f[k].value, locale=t.locale) for k in ("subtotal", "tax", "total"))
        assert subtotal + tax == total
        assert subtotal > 0 and (tax == 0 or 0.04 < tax / subtotal < 0.21)
        assert (tax == 0) == ("repeated" in f["total"].phenomena)
        if layout == "receipt" and "absent" not in f["items"].phenomena:
            assert 2 <= int(f["items"].value) <= 7


def test_level_zero_changes_nothing() -> None:
    doc = make_document(3, "invoice", 0)
    same = degrade(doc, 0)
    assert same.png_bytes() == doc.png_bytes()
    assert same.truth.words == doc.truth.words
    assert same.truth.doc_id.endswith("-d0")


def test_geometry_follows_rotation_and_scale() -> None:
    doc = make_document(11, "form", 0)
    moved = degrade(doc, 3, spec=Degradation(rotate=2.0, scale=0.7))
    t = moved.truth
    assert (t.width, t.height) == moved.image.size == (round(doc.image.width * 0.7), round(doc.image.height * 0.7))
    dark = _dark(moved.image)
    for w in t.words:
        x0, y0, x1, y1 = w.bbox
        assert 0 <= x0 <= x1 <= t.width and 0 <= y0 <= y1 <= t.height
        assert dark[int(y0) : int(y1) + 1, int(x0) : int(x1) + 1].any(), w
    # nearly all ink sits inside the moved boxes; a wrong rotation direction would leave most outside
    assert _whiten_boxes(moved, margin=1, below=128).sum() < 0.01 * dark.sum()


def test_levels_get_harder() -> None:
    doc = make_document(5, "invoice", 1)
    clean = np.asarray(doc.image, dtype=np.float32)
    errors = []
    for level in (1, 2, 3):
        worn = degrade(doc, level, spec=Degradation(blur=LEVELS[level].blur, noise=LEVELS[level].noise))
        errors.append(float(np.abs(np.asarray(worn.image, dtype=np.float32) - clean).mean()))
    assert errors == sorted(errors) and errors[0] > 0
    assert [d.scale for d in LEVELS] == sorted((d.scale for d in LEVELS), reverse=True)
    assert [d.rotate for d in LEVELS] == sorted(d.rotate for d in LEVELS)
