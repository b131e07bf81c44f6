"""The umlaut or ß a printed word may have lost (`worker.tasks.lost_umlauts`); the issue that puts it
back is `lost_marks.lost_mark_issue` (`test_task_lost_marks.py`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from worker.tasks.lost_umlauts import restorations, written_out


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("Schafer", [("schaefer", "Schäfer")]),
        ("Spies", [("spiess", "Spieß")]),  # ß after a vowel
        ("Strasse", [("straesse", "Strässe")]),  # `ss` is already how an address writes ß
        ("Müller", []),  # nothing left to put back
        ("Sven", []),  # ß never starts a word
    ],
)
def test_each_lost_mark_is_one_umlaut_or_one_sharp_s_put_back(word: str, expected: list[tuple[str, str]]) -> None:
    assert list(restorations(word)) == expected


def test_an_address_writes_german_letters_out() -> None:
    assert [written_out(w) for w in ("Schäfer", "Spieß", "ÖZTÜRK")] == ["schaefer", "spiess", "oeztuerk"]


@given(st.text(alphabet="abcdefghiklmnoprstuvwzäöüß", min_size=1, max_size=12))
def test_a_restored_spelling_is_never_the_words_own(word: str) -> None:
    for spelling, marked in restorations(word):
        assert spelling != written_out(word)
        assert spelling == written_out(marked)
        assert len(marked) == len(word) and sum(a != b for a, b in zip(marked, word, strict=True)) == 1
