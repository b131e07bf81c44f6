"""The label vocabulary shipped as data (`label_terms.toml`): which printed words label which field.

A field's name (`invoice_date`, `grand_total`) or hint ("Factuurdatum") names a concept; the concept
lists its labels in English, Dutch, German, French, Spanish and Italian. Labels are kept as phrases:
each printed word reduced to its letters, casefolded and without accents (`Rechnungs-Nr.:` →
rechnungsnr, `Échéance` → echeance), joined by one space, so that a page's words and the vocabulary
compare the same way whatever the punctuation, case or accents OCR kept.

The file is checked when read: an unknown language or key, a label of generic words only ("de",
"nr"), or a label or alias claimed by two concepts is a `ValueError`, not a silent false label.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from .normalize import squash_key, strip_accents

LANGUAGES = ("en", "nl", "de", "fr", "es", "it")
CONCEPT_KEYS = frozenset(("aliases", "labelled", *LANGUAGES))
LETTER_RUNS = re.compile(r"[^\W\d_]+")
"""A run of letters of any script (no digits, no underscore)."""


def fold(text: str) -> str:
    """Casefolded, accents dropped (`Échéance` → echeance, `Straße` → strasse)."""
    return strip_accents(text.casefold())


@lru_cache(maxsize=65_536)
def letters_of(text: str) -> str:
    """The text's letters, folded (`Factuurdatum:` → factuurdatum); cached, since every target with
    several occurrences scans the document's words."""
    return "".join(LETTER_RUNS.findall(fold(text)))


def phrase_of(label: str) -> str:
    """A label as compared: its words' letters, joined by one space (`Date de facture :` → date de facture)."""
    return " ".join(w for w in (letters_of(part) for part in label.split()) if w)


@dataclass(frozen=True)
class Vocabulary:
    phrases: dict[str, frozenset[str]]
    """concept → its label phrases, every language together."""
    index: dict[str, str]
    """squashed alias, concept key or label → concept."""
    generic: frozenset[str]
    """Words too common to be a label on their own."""
    labelled: frozenset[str] = frozenset()
    """Concepts always printed with one of their labels (`labelled = true`): a page that prints none
    of those labels does not hold the field."""
    languages: dict[str, frozenset[str]] = field(default_factory=dict)
    """label phrase → the languages that print it (`total`: en, fr, nl, ...)."""

    def concept_of(self, text: str) -> str | None:
        """The concept a field name or hint names (`invoiceDate`, `Date de facture`), if any."""
        return self.index.get(squash_key(text)) or self.index.get(squash_key(phrase_of(text)))

    def all_phrases(self) -> frozenset[str]:
        return frozenset().union(*self.phrases.values())


def _claim(owners: dict[str, str], key: str, concept: str, what: str) -> None:
    if owners.setdefault(key, concept) != concept:
        raise ValueError(f"label vocabulary: {what} {key!r} belongs to both {owners[key]!r} and {concept!r}")


def label_phrases(label: str) -> set[str]:
    """The phrases a printed label is compared as. OCR often splits a hyphenated label into two
    words (`SOUS-` `TOTAL`): both spellings are labels."""
    return {phrase_of(spelling) for spelling in (label, label.replace("-", " "))}


def _concept_phrases(concept: str, table: dict[str, Any], generic: frozenset[str]) -> set[str]:
    unknown = set(table) - CONCEPT_KEYS
    if unknown or not all(table.get(language) for language in LANGUAGES[:4]):
        raise ValueError(f"label vocabulary: concept {concept!r} has keys {sorted(unknown)} or lacks en/nl/de/fr")
    labels = [label for language in LANGUAGES for label in table.get(language, [])]
    phrases = {phrase for label in labels for phrase in label_phrases(label)}
    for phrase in phrases:
        if not phrase or set(phrase.split()) <= generic or len(phrase) < 2:
            raise ValueError(f"label vocabulary: label {phrase!r} of {concept!r} is too generic to be a label")
    return phrases


def parse(raw: dict[str, Any]) -> Vocabulary:
    """The vocabulary of a parsed label_terms.toml, checked."""
    generic = frozenset(phrase_of(w) for w in raw["generic"])
    phrases: dict[str, frozenset[str]] = {}
    owners: dict[str, str] = {}
    index: dict[str, str] = {}
    labelled = set()
    languages: dict[str, set[str]] = {}
    for concept, table in raw["concepts"].items():
        for language in LANGUAGES:
            for label in table.get(language, []):
                for phrase in label_phrases(label):
                    languages.setdefault(phrase, set()).add(language)
        if not isinstance(table.get("labelled", False), bool):
            raise ValueError(f"label vocabulary: `labelled` of {concept!r} is not true or false")
        if table.get("labelled", False):
            labelled.add(concept)
        phrases[concept] = frozenset(_concept_phrases(concept, table, generic))
        for phrase in phrases[concept]:
            _claim(owners, phrase, concept, "label")
        for name in (concept, *table["aliases"], *phrases[concept]):
            _claim(index, squash_key(name), concept, "alias")
    spoken = {phrase: frozenset(langs) for phrase, langs in languages.items()}
    return Vocabulary(phrases, index, generic, frozenset(labelled), spoken)


@cache
def vocabulary() -> Vocabulary:
    """The shipped vocabulary, read once."""
    text = resources.files(__package__).joinpath("label_terms.toml").read_text(encoding="utf-8")
    return parse(tomllib.loads(text))
