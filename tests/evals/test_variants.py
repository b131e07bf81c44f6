"""The phenomena of synthetic pages: valid phone numbers, locale formats, repeats, glued values, two
columns and absent fields, each named in the truth of the fields it applies to."""

from __future__ import annotations

from collections import Counter

import dateparser
import phonenumbers
import pytest

from evals.documents import LAYOUTS, GroundTruth, make_document
from evals.variants import LOCALES, PHENOMENA, Variant, draw_variant

SEEDS = range(24)


@pytest.fixture(scope="module")
def pages() -> list[GroundTruth]:
    return [make_document(seed, layout, seed % 3).truth for seed in SEEDS for layout in LAYOUTS]


def test_phone_numbers_are_valid_in_their_region(pages: list[GroundTruth]) -> None:
    checked = 0
    for t in pages:
        f = t.fields.get("phone")
        if f is None or "absent" in f.phenomena:
            continue
        number = phonenumbers.parse(f.value, LOCALES[t.locale])
        assert phonenumbers.is_valid_number(number), (t.doc_id, f.value)
        checked += 1
    assert checked >= 30


def test_every_phenomenon_occurs_and_the_page_lists_its_fields(pages: list[GroundTruth]) -> None:
    seen = Counter(p for t in pages for p in t.phenomena)
    assert set(seen) == set(PHENOMENA) and min(seen.values()) >= 3, seen
    assert {t.locale for t in pages} == set(LOCALES)
    for t in pages:
        assert set(t.phenomena) == {p for f in t.fields.values() for p in f.phenomena}


def test_non_english_dates_read_in_their_language(pages: list[GroundTruth]) -> None:
    for t in pages:
        for name in ("date", "date_of_birth"):
            f = t.fields.get(name)
            if f is None or "non_english" not in f.phenomena:
                continue
            language = t.locale[:2]
            assert not t.locale.startswith("en")
            assert dateparser.parse(f.value, languages=[language], settings={"DATE_ORDER": "DMY"}), f.value


def test_repeated_values_are_printed_twice(pages: list[GroundTruth]) -> None:
    found = 0
    for t in pages:
        page_text = " ".join(w.text for w in t.words)
        for name, f in t.fields.items():
            if "repeated" in f.phenomena:
                assert page_text.count(f.value) >= 2, (t.doc_id, name)
                found += 1
    assert found >= 10


def test_glued_values_share_a_word_with_a_symbol(pages: list[GroundTruth]) -> None:
    glued = [(t, f) for t in pages for f in t.fields.values() if "glued" in f.phenomena]
    assert glued
    for t, f in glued:
        words = [t.words[i].text for i in f.words]
        assert any(w not in f.value for w in words), words
        assert any(sym in "".join(words) for sym in ("€", "$", "£", "n°", "Nr.", "No.")), words


def test_two_column_and_absent_fields() -> None:
    plain = make_document(5, "invoice", 0, Variant(two_column=True, absent="iban")).truth
    assert plain.fields["iban"].bbox is None and "absent" in plain.fields["iban"].phenomena
    assert "IBAN" not in " ".join(w.text for w in plain.words)
    email, subtotal = plain.fields["email"].bbox, plain.fields["subtotal"].bbox
    assert email is not None and subtotal is not None
    assert email[2] < subtotal[0] and abs(email[1] - subtotal[1]) < 60  # side by side, on one band
    assert all("two_column" in f.phenomena for f in plain.fields.values() if f.bbox is not None)


def test_variant_is_drawn_from_the_seed_alone() -> None:
    assert draw_variant(7, "invoice", 0) == draw_variant(7, "invoice", 0)
    assert len({draw_variant(s, "invoice", 0) for s in range(20)}) > 5
    assert draw_variant(3, "form", 2).two_column and not draw_variant(3, "receipt", 0).two_column
