"""A French word whose grave accent OCR read as an acute one: `Lefévre` for `Lefèvre`.

French spelling writes `è`, never `é`, before a consonant (or a consonant with `r` or `l`) and a
final mute `e`: `lèvre`, `chèvre`, `fièvre`, `Genève`, `Lefèvre`. OCR confuses the two accents
often, and on a name no word list can tell (`lexicon` knows common words only), but the spelling
rule can: a word that breaks it was misread, and the grave accent is its fix.

Measured on pyspellchecker's French list, counts from OpenSubtitles: 2 listed words break the
rule (`péche`, a misspelling, counted 50 times each), against 2.58 million counts of words that
follow it; no word of its English, German, Dutch, Spanish, Portuguese or Italian lists breaks it.
Hungarian does (`Béke`, `Dénes`: 65 of 128,000 Faker names, companies, streets and cities of 16
locales, all Hungarian), so the rule holds only where the document's labels are French
(`decimal_marks.document_language`).
"""

from __future__ import annotations

import re

from schemas.documents import OcrField
from schemas.results import Issue

from .fixes import misread_issue

LANGUAGE = "fr"
CONSONANT_GROUP = r"(?:[bcdfgkptv][rl]|[bcdfghjklmnpqrstvwxz]{1,2})"
ACUTE_BEFORE_MUTE_E = re.compile(rf"[éÉ](?={CONSONANT_GROUP}(?:e|es)\b)", re.IGNORECASE)
"""An acute accent before a consonant group and a final mute e (`évre`, `ève`, `ÉVRES`)."""
REASON = "French writes è, not é, before a consonant and a final mute e: OCR likely misread the accent"


def grave_fix(value: str) -> str | None:
    """The value with each acute accent French spelling forbids made grave (`Lefévre` → `Lefèvre`,
    `LEFÉVRE` → `LEFÈVRE`); None when the value breaks no such rule."""
    fixed = ACUTE_BEFORE_MUTE_E.sub(lambda m: "È" if m.group() == "É" else "è", value)
    return fixed if fixed != value else None


def accent_issue(field: OcrField, language: str | None) -> Issue | None:
    """A medium `implausible_value` with the grave accent as its suggestion, for a text field of a
    French document whose value breaks the rule; None otherwise."""
    if language != LANGUAGE or field.value is None or (fixed := grave_fix(field.value)) is None:
        return None
    return misread_issue(field, REASON, fixed)
