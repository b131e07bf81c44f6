"""A word of letters with a letter OCR read as a digit (`worker.tasks.letter_digits`), as a text check."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas.requests import FieldFormat
from worker.tasks.formats import Verdict, check_format
from worker.tasks.letter_digits import REASON, SMALL, letter_fix


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("Stichting van 0irschot", "Stichting van Oirschot"),  # seed 10: RapidOCR, `O` read as `0`
        ("Dr Dean Ne1son", "Dr Dean Nelson"),
        ("8ernd Müller", "Bernd Müller"),
        ("Stra5se", "Strasse"),
    ],
)
def test_a_digit_in_a_word_of_letters_is_the_letter_it_looks_like(value: str, fixed: str) -> None:
    assert letter_fix(value) == fixed
    check = check_format(value, FieldFormat.TEXT)
    assert (check.verdict, check.reason, check.misread, check.suggestion) == (Verdict.DOUBTFUL, REASON, True, fixed)


@pytest.mark.parametrize(
    "value",
    ["5th Avenue", "1st Floor", "1ère rue", "B2B Solutions", "Web2Print", "4Life", "INV-2021-14333", "Flat 5", "12a"],
)
def test_words_that_hold_digits_by_design_are_left_alone(value: str) -> None:
    assert letter_fix(value) is None
    assert check_format(value, FieldFormat.TEXT).verdict is Verdict.VALID


SMALL_WORD = st.from_regex(r"[a-km-z]{2,8}", fullmatch=True)


@given(SMALL_WORD, st.sampled_from(sorted(SMALL)), SMALL_WORD)
def test_a_small_letter_read_as_its_digit_inside_a_word_is_restored(before: str, digit: str, after: str) -> None:
    word = f"{before}{SMALL[digit]}{after}"
    assert letter_fix(f"{before}{digit}{after}") == word
    assert letter_fix(word) is None


@given(st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=40))
def test_text_without_digits_is_never_changed(value: str) -> None:
    assert letter_fix(value) is None
