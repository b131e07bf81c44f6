"""A word of letters with one letter OCR read as a digit: `0irschot` for `Oirschot`, `Ne1son` for `Nelson`.

OCR's look-alikes run both ways: a digit read as a letter in a number (`normalize.OCR_DIGIT_LOOKALIKES`),
and a letter read as a digit in a word. A word of letters holds no digit, but for a few shapes
(`B2B`, `Web2Print`, `4Life`, ordinals: `1st`, `1ère`), so a digit that looks like a letter counts as
one misread where the word's case says which letter: at the word's start before at least
`MIN_LETTERS_AFTER` small letters, a capital (`0irschot`, `8ernd`); between two small letters, a
small one (`Ne1son`). Measured on 360,000 Faker names, companies, streets, cities and addresses of
24 locales: no word read so.
"""

from __future__ import annotations

import re

CAPITALS = {"0": "O", "1": "I", "5": "S", "8": "B"}
SMALL = {"0": "o", "1": "l", "5": "s"}
MIN_LETTERS_AFTER = 4
"""Small letters a word needs after a leading digit: fewer are an ordinal's ending (`1ère`, `5th`)."""
WORD = re.compile(r"[^\W_]+")
REASON = "a word of letters holds a digit OCR likely read for a letter"


def _fixed_word(word: str) -> str:
    """The word with its one digit read as the letter it looks like, or the word as it was."""
    digits = [i for i, c in enumerate(word) if c.isdigit()]
    if len(digits) != 1:
        return word
    at = digits[0]
    digit, before, after = word[at], word[:at], word[at + 1 :]
    if not at and digit in CAPITALS and len(after) >= MIN_LETTERS_AFTER and after.isalpha() and after.islower():
        return CAPITALS[digit] + after
    inside = before.isalpha() and after.isalpha() and before[-1:].islower() and after[:1].islower()
    if inside and digit in SMALL:
        return before + SMALL[digit] + after
    return word


def letter_fix(value: str) -> str | None:
    """The text with each word's misread letter restored (`Stichting van 0irschot` → `Stichting van
    Oirschot`); None when no word holds one."""
    fixed = WORD.sub(lambda word: _fixed_word(word.group()), value)
    return fixed if fixed != value else None
