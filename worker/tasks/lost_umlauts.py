"""The umlaut or ß a printed word may have lost, as an e-mail address writes it: `Schafer` for
`Schäfer`, written `schaefer`.

OCR drops the dots of an umlaut more often than any other mark (Tesseract's `Schafer` for
`Schäfer` at every degradation level), and a German word list cannot tell which of `Schafer` and
`Schäfer` a page meant: both are names. An address can, since German writes an umlaut out in one
(`ä` → `ae`, `ö` → `oe`, `ü` → `ue`, `ß` → `ss`: `schaefer.de`, `mueller@`, `spiess@`), and no
address adds an `e` after a vowel or an `s` of its own. So where an address on the page
spells a printed word with one umlaut or ß put back, and that spelling is not the word's own, OCR
lost the mark on the page (`lost_marks`), and the address is no misread of it.
A `ß` is put back only after a vowel and never beside an `s`, where German writes it (`Spieß`,
`Straße`).
"""

from __future__ import annotations

from collections.abc import Iterator

UMLAUTS = {"a": "ä", "o": "ö", "u": "ü", "A": "Ä", "O": "Ö", "U": "Ü"}
WRITTEN_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
VOWELS = frozenset("aeiouäöüAEIOUÄÖÜ")


def written_out(word: str) -> str:
    """The word as an address writes it, the German way (`Schäfer` → `schaefer`, `Spieß` → `spiess`)."""
    return word.lower().translate(WRITTEN_OUT)


def restorations(word: str) -> Iterator[tuple[str, str]]:
    """(spelling in an address, word with the mark) for each umlaut or ß the word may have lost:
    one `a`, `o` or `u` as its umlaut, or one `s` after a vowel as `ß` (`Spies` → `spiess`, `Spieß`);
    never a spelling the word as printed has (`Strasse` → `strasse` is its own)."""
    own = written_out(word)
    for i, letter in enumerate(word):
        if letter in UMLAUTS:
            marked = word[:i] + UMLAUTS[letter] + word[i + 1 :]
        elif letter == "s" and i > 0 and word[i - 1] in VOWELS and word[i + 1 : i + 2] != "s":
            marked = word[:i] + "ß" + word[i + 1 :]
        else:
            continue
        if (spelling := written_out(marked)) != own:
            yield spelling, marked
