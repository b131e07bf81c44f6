"""Value matching: the same answers as matching word by word from every start, in linear time."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st

from schemas.documents import OcrDocument, OcrPage
from worker.tasks.matching import ValueIndex, match_value
from worker.tasks.normalize import squash_key

from .ocr_samples import word


def reference_runs(value: str, document: OcrDocument) -> list[list[str]]:
    """The old quadratic definition: from every word with a non-empty key, extend while the joined
    keys are a prefix of the value; a run ends at the first word that completes it."""
    target = squash_key(value)
    found: list[list[str]] = []
    if not target:
        return found
    for page in document.pages:
        keys = [squash_key(w.text) for w in page.words]
        for start, first in enumerate(keys):
            if not first or not target.startswith(first):
                continue
            spelled, end = "", start
            while end < len(keys) and target.startswith(spelled + keys[end]):
                spelled += keys[end]
                end += 1
                if spelled == target:
                    found.append([w.id for w in page.words[start:end]])
                    break
    return found


def document_of(*pages: list[str]) -> OcrDocument:
    built, n = [], 0
    for index, texts in enumerate(pages):
        words = [word(f"w{n + i}", text, i % 900, 10) for i, text in enumerate(texts)]
        n += len(texts)
        built.append(OcrPage(index=index, width=1000, height=100, words=words))
    return OcrDocument(pages=built)


TEXTS = st.lists(st.sampled_from(["a", "b", "ab", "A-b", "-", " ", "ba", "a b"]), max_size=12)


@given(st.lists(TEXTS, min_size=1, max_size=3), st.text("ab -_A", max_size=6))
def test_every_run_the_word_by_word_definition_finds_and_no_other(pages: list[list[str]], value: str) -> None:
    document = document_of(*pages)
    assert ValueIndex(document).runs(value) == reference_runs(value, document)


def test_runs_lists_every_printed_occurrence_in_reading_order() -> None:
    document = document_of(["Total", "12.00", "x"], ["total", "12", ".00"])
    assert ValueIndex(document).runs("total 12.00") == [["w0", "w1"], ["w3", "w4", "w5"]]
    assert match_value("total 12.00", document) is None  # two candidates: the model decides
    assert match_value("INV_2024", document_of(["inv-2024"])) == ["w0"]  # separators aside


def test_a_full_page_of_one_letter_words_and_fifty_values_takes_well_under_a_second() -> None:
    """Word-by-word matching needed minutes for this (5,000 words × 50 values, 5,000 long)."""
    document = document_of(["a"] * 5_000)
    index = ValueIndex(document)
    started = time.perf_counter()
    for n in range(50):
        runs = index.runs("a" * (4_000 + n) + "b")  # almost matches everywhere, never matches
        assert runs == []
    assert index.unique_run("a" * 5_000) == [f"w{i}" for i in range(5_000)]
    assert time.perf_counter() - started < 1.0
