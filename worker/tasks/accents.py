"""A French word whose accent OCR read as another: `Lefévre` for `Lefèvre`, `Noêl` for `Noël`.

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

Any other accent read for another shows where the word is no word of the lists but one accent
makes it a common one (`Noêl` → `Noël`: `lexicon.accent_fix`). On French pages only too: Brazil
writes `Colônia` where Portugal's list has `Colónia` (71 of 204,000 Faker words of 7 other
locales; a Brazilian `Colônia` printed on a French page is still flagged), while none of 109,571
words of Faker's French names, companies, streets and cities (France, Switzerland, Canada,
Belgium) is changed so.
"""

from __future__ import annotations

import re

from schemas.documents import OcrField
from schemas.results import Issue

from .fixes import misread_issue
from .label_vocabulary import LETTER_RUNS
from .lexicon import accent_fix

LANGUAGE = "fr"
CONSONANT_GROUP = r"(?:[bcdfgkptv][rl]|[bcdfghjklmnpqrstvwxz]{1,2})"
ACUTE_BEFORE_MUTE_E = re.compile(rf"[éÉ](?={CONSONANT_GROUP}(?:e|es)\b)", re.IGNORECASE)
"""An acute accent before a consonant group and a final mute e (`évre`, `ève`, `ÉVRES`)."""
REASON = "French writes è, not é, before a consonant and a final mute e: OCR likely misread the accent"
SWAP_REASON = "a word is no word with this accent and a common one with another: OCR likely misread the accent"


def grave_fix(value: str) -> str | None:
    """The value with each acute accent French spelling forbids made grave (`Lefévre` → `Lefèvre`,
    `LEFÉVRE` → `LEFÈVRE`); None when the value breaks no such rule."""
    fixed = ACUTE_BEFORE_MUTE_E.sub(lambda m: "È" if m.group() == "É" else "è", value)
    return fixed if fixed != value else None


def accent_issue(field: OcrField, language: str | None) -> Issue | None:
    """A medium `implausible_value` with the accent as it should read as its suggestion, for a text
    field of a French document whose value breaks the rule, or holds a word that one accent makes
    a common word; None otherwise."""
    if language != LANGUAGE or field.value is None:
        return None
    if (fixed := grave_fix(field.value)) is not None:
        return misread_issue(field, REASON, fixed)
    fixed = LETTER_RUNS.sub(lambda run: accent_fix(run.group()) or run.group(), field.value)
    return misread_issue(field, SWAP_REASON, fixed) if fixed != field.value else None
