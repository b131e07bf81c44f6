"""A word OCR misread into a non-word: one look-alike swap away from a common word.

OCR's most frequent letter errors swap one shape for a similar one: `l` read as `i` (`exampie` for
`example`), `m` as `rn`, `d` as `cl`, `w` as `vv`, `e` as `c`, or one accent for another (`numèro`
for `numéro`). A word that is no word of any common locale's language, but becomes a common one by
exactly one such swap, was most likely misread; the swap is its fix. Words come from
pyspellchecker's frequency lists (OpenSubtitles counts) of the common locales' languages that it
ships (`locales.COMMON_LOCALES`): every listed word is known, and one counted at least `COMMON`
times in some language is common enough to be the word a misread meant.

Proper names are the risk: a surname no list holds may sit one swap from a common word. Only
words of at least `MIN_LETTERS` letters are judged, only a common word (not merely a listed one)
counts as the fix, and a word with two different common fixes is left alone. The lists take about
1.3 s and 180 MB of memory to load here, once per process (`warm_up`, at start-up).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from functools import cache
from importlib import resources

from .label_vocabulary import LETTER_RUNS
from .loading import load_once
from .locales import COMMON_LOCALES
from .normalize import strip_accents

SHIPPED_LANGUAGES = frozenset({"en", "es", "fr", "pt", "de", "it", "ru", "ar", "lv", "eu", "nl", "fa"})
"""The languages pyspellchecker 0.9 ships word lists for (its `resources/<lang>.json.gz`)."""
LANGUAGES = tuple(lang for lang in dict.fromkeys(n.split("_")[0] for n in COMMON_LOCALES) if lang in SHIPPED_LANGUAGES)
COMMON = 1000
"""Count from which a listed word is common: `example` 30103 (en), `noël` 2917 (fr); the lists
start at 50, where rare spellings, names and typos sit."""
MIN_LETTERS = 5
"""Letters a word needs before it is judged: short words are one swap from many others."""
MIN_ACCENTED = 4
"""Letters a word needs before its accent alone is judged (`Noêl`): a word has few accents to swap."""
SWAPS = (
    ("i", "l"), ("l", "i"), ("rn", "m"), ("m", "rn"), ("cl", "d"), ("d", "cl"), ("vv", "w"), ("c", "e"), ("e", "c"),
)  # fmt: skip
"""(read, meant): the letter shapes OCR confuses, on lower-case text."""


@cache
def _accent_variants() -> dict[str, tuple[str, ...]]:
    """Lower-case Latin letter → the other letters of its base (another accent, or none)."""
    letters = [chr(c) for c in range(0x61, 0x7B)] + [chr(c) for c in range(0xE0, 0x17F) if chr(c).islower()]
    by_base: dict[str, list[str]] = {}
    for letter in letters:
        base = strip_accents(letter)
        if len(base) == 1 and base.isascii():
            by_base.setdefault(base, []).append(letter)
    return {c: tuple(o for o in group if o != c) for group in by_base.values() for c in group if len(group) > 1}


@load_once
def word_counts() -> tuple[frozenset[str], dict[str, int]]:
    """Every listed word, and the common ones with their highest count over the languages."""
    known: set[str] = set()
    common: dict[str, int] = {}
    for lang in LANGUAGES:
        packed = resources.files("spellchecker").joinpath("resources", f"{lang}.json.gz").read_bytes()
        counts: dict[str, int] = json.loads(gzip.decompress(packed))
        known.update(counts)
        for word, count in counts.items():
            if count >= COMMON and count > common.get(word, 0):
                common[word] = count
    return frozenset(known), common


def warm_up() -> None:
    word_counts()
    _accent_variants()


def is_known(word: str) -> bool:
    return word.lower() in word_counts()[0]


def _edits(lower: str) -> set[tuple[int, int, str]]:
    """(start, end, replacement) of every single look-alike swap or accent swap in a lower-case word."""
    return _swap_edits(lower) | _accent_edits(lower)


def _swap_edits(lower: str) -> set[tuple[int, int, str]]:
    """(start, end, replacement) of every single look-alike swap (`SWAPS`) in a lower-case text."""
    edits = set()
    for read, meant in SWAPS:
        start = lower.find(read)
        while start != -1:
            edits.add((start, start + len(read), meant))
            start = lower.find(read, start + 1)
    return edits


def look_alike_variants(text: str) -> set[str]:
    """Every text one look-alike swap (`SWAPS`) from `text`, as printed (`Amstadt` → `Arnstadt`,
    `Amsterdarn` → `Amsterdam`, among others); none for a text whose lower case changes its length."""
    lower = text.lower()
    if len(lower) != len(text):
        return set()
    return {_apply(text, edit) for edit in _swap_edits(lower)}


def _accent_edits(lower: str) -> set[tuple[int, int, str]]:
    """(start, end, replacement) of every accent in a lower-case word read for another one; never an
    accent dropped, since a name's accented spelling is rarely listed and its plain one often
    (Agnès, Agnes)."""
    accents = _accent_variants()
    return {
        (i, i + 1, other)
        for i, char in enumerate(lower)
        if strip_accents(char) != char
        for other in accents.get(char, ())
        if strip_accents(other) != other
    }


def _apply(word: str, edit: tuple[int, int, str]) -> str:
    """The edit applied to the word as printed: upper case where the swapped letters had it and the
    word is in capitals or starts there (`EXAMPIE`, `Ietter`), else lower (`pIease` → `please`)."""
    start, end, meant = edit
    capital = word[start:end].isupper() and (word.isupper() or start == 0)
    return word[:start] + (meant.upper() if capital else meant) + word[end:]


def misread_fix(word: str) -> str | None:
    """The common word a misread `word` most likely meant, as printed (`exampie` → `example`,
    `Fèvrier` → `Février`); None for a known word, a short one, one that is not all letters, one whose
    lower case changes its length, or one with no single common fix."""
    return _single_fix(word, _edits, MIN_LETTERS)


def accent_fix(word: str) -> str | None:
    """`misread_fix` by an accent read for another alone (`Noêl` → `Noël`), from `MIN_ACCENTED`
    letters; None as there."""
    return _single_fix(word, _accent_edits, MIN_ACCENTED)


def _single_fix(word: str, edits: Callable[[str], set[tuple[int, int, str]]], min_letters: int) -> str | None:
    lower = word.lower()
    if len(word) < min_letters or not word.isalpha() or len(lower) != len(word) or is_known(word):
        return None
    common = word_counts()[1]
    fixes = {edit for edit in edits(lower) if _apply(lower, edit) in common}
    if len({_apply(lower, edit) for edit in fixes}) != 1:
        return None
    return _apply(word, min(fixes))


def fix_words(text: str) -> str:
    """The text with each misread word (a run of letters, `LETTER_RUNS`) replaced by its
    `misread_fix` (`shop.exampie-24` → `shop.example-24`)."""
    return LETTER_RUNS.sub(lambda run: misread_fix(run.group()) or run.group(), text)
