"""How text is compared across the tasks: one key for field names and matched values, one table of
the characters OCR reads instead of digits.

`squash_key` serves three callers that used to disagree: `checks` (which field plays which role),
`alignment` (which fields of two OCR passes are the same field) and `locate` (which run of words
spells a known value). All three want the same thing: two spellings that a reader would call the
same text compare equal, whatever the case, the spacing, or the separator (`Grand Total`,
`grand-total`, `GRAND_TOTAL`; `INV-2024-001` printed as `INV 2024 001`).
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015]+")

# What OCR typically reads instead of a digit (both letter cases where both occur on scans).
# Usable with `str.translate`; `formats.suggest_fix` undoes them in numeric fields, and
# `alignment.comparison_key` merges them when comparing the readings of two passes.
OCR_DIGIT_LOOKALIKES = str.maketrans(
    {
        "O": "0", "o": "0", "D": "0",
        "l": "1", "I": "1", "i": "1", "|": "1",
        "Z": "2",
        "S": "5", "s": "5",
        "G": "6",
        "B": "8", "b": "8",
    }
)  # fmt: skip
# Letter pairs OCR reads as one letter (or the reverse); applied to casefolded text.
OCR_LETTER_PAIRS = (("rn", "m"), ("vv", "w"))


def squash_key(text: str) -> str:
    """Casefolded, without whitespace, hyphens, dashes or underscores: 'Grand Total' and
    'grand_total' → 'grandtotal'."""
    return _SEPARATORS.sub("", text.casefold())


def strip_accents(text: str) -> str:
    """The text without combining accents, case kept: `Mälzer` → `Malzer`, `Échéance` → `Echeance`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))
