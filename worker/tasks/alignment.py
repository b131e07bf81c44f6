"""Aligning OCR passes field by field, and deciding what the rules alone can decide.

Definitions the merge task relies on:

- A pass *votes* on a field when it has the field with a value; a pass without the field, or
  with a null value, abstains (a crop re-OCR carries only the fields it read).
- Two passes' fields are the same field when their names have one `normalize.squash_key` (case,
  spaces, hyphens and underscores aside).
- Two values *agree* when their comparison keys are equal: case, whitespace and the usual OCR
  confusions (`normalize.OCR_DIGIT_LOOKALIKES` such as 0/O, 1/l/I, 5/S, 8/B; rn/m) are normalised
  away. Agreeing values form one group.
- A vote's weight is the pass's confidence for the field (0.5 when it gave none).
- `unanimous`: at least two passes vote and all agree.
- `accented_reading`: when the readings differ only by accents and one of them alone has them
  (`Mälzer` against `Malzer`), that one: an engine without the language's model drops accents,
  none adds them, so no vote is needed (and a majority of accent-dropping engines proves nothing).
- `format_winner`: with the field's format in the request (`formats`), the only group whose reading
  is valid in it, when the others' are not (`25 Mai 2021` against `25 Mak 2021`); within a group, a
  valid spelling is preferred to an invalid one (`SM4A 0HF` over `SM4A OHF`, which agree as
  look-alikes). A reading that is not a date is not the date, however many passes read it. A field
  without a format is text, and a text reading cut off or misread as no text reads (`Koster & van`,
  `n2A85577`, `0irschot`: `formats.check_text`) loses to the only one that is not: on seed 4, the
  crop pass re-read the cut name from the cut name's box, and two cut readings outvoted the whole one.
- `clear`: the heaviest group weighs at least twice the runner-up and at least half of all votes.
- Otherwise the field is a *conflict*: the LLM, or the plain weighted vote, settles it.

Everything is computed from the passes sorted by source name, sums use `math.fsum`, and ties are
broken by value, so no result depends on the order the passes arrive in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from schemas.requests import FieldFormat, MergePass

from .formats import is_valid
from .normalize import OCR_DIGIT_LOOKALIKES, OCR_LETTER_PAIRS, squash_key, strip_accents

DEFAULT_WEIGHT = 0.5
"""The vote of a pass that reports no confidence for the field."""
MIN_WEIGHT = 0.01
"""Zero-confidence votes still count a little, so a vote of only zeros has a winner."""
CLEAR_RATIO = 2.0
CLEAR_SHARE = 0.5
UNANIMOUS_FLOOR = 0.9
"""Independent passes that read the same value are strong evidence, whatever each one claims."""


def comparison_key(value: str) -> str:
    """The value as OCR passes are compared: digit look-alikes read as digits (before casefolding,
    so 'D' → '0' but 'd' stays), casefolded, whitespace-free, letter-pair confusions merged."""
    key = "".join(value.translate(OCR_DIGIT_LOOKALIKES).casefold().split())
    for many, one in OCR_LETTER_PAIRS:
        key = key.replace(many, one)
    return key


@dataclass(frozen=True)
class Vote:
    source: str
    value: str
    weight: float
    confidence: float | None


@dataclass(frozen=True)
class Group:
    """Agreeing votes; `value` is their spelling chosen by `_group`."""

    key: str
    value: str
    votes: tuple[Vote, ...]

    @property
    def weight(self) -> float:
        return math.fsum(v.weight for v in self.votes)


@dataclass(frozen=True)
class AlignedField:
    name: str
    groups: tuple[Group, ...]
    """Heaviest first; ties by value."""
    format: FieldFormat | None = None
    """The field's format, when the request gave one."""

    @property
    def votes(self) -> list[Vote]:
        return [v for g in self.groups for v in g.votes]

    @property
    def total_weight(self) -> float:
        return math.fsum(v.weight for v in self.votes)

    @property
    def unanimous(self) -> bool:
        return len(self.groups) == 1 and len(self.groups[0].votes) >= 2

    @property
    def format_winner(self) -> str | None:
        """The only group's reading valid in the field's format, when the others' are not. A field
        without one is text, whose check says when a reading was cut off or misread as no text is
        (`formats.check_text`: `Koster & van` against `Koster & van der Maes`)."""
        fmt = self.format or FieldFormat.TEXT
        if len(self.groups) < 2:
            return None
        valid = [g.value for g in self.groups if is_valid(g.value, fmt)]
        return valid[0] if len(valid) == 1 else None

    @property
    def clear(self) -> bool:
        if not self.groups:
            return False
        winner = self.groups[0].weight
        runner_up = self.groups[1].weight if len(self.groups) > 1 else 0.0
        return winner >= CLEAR_RATIO * runner_up and winner >= CLEAR_SHARE * self.total_weight


def _pass_votes(merge_pass: MergePass, wanted: dict[str, str] | None) -> dict[str, Vote]:
    """The pass's votes by field key; of two names with one key, the more confident wins."""
    votes: dict[str, Vote] = {}
    ranked = sorted(merge_pass.fields, key=lambda f: (-(f.confidence or 0.0), f.name))
    for field in ranked:
        key = squash_key(field.name)
        if (wanted is not None and key not in wanted) or key in votes:
            continue
        if field.value is None:
            continue
        weight = DEFAULT_WEIGHT if field.confidence is None else max(field.confidence, MIN_WEIGHT)
        votes[key] = Vote(merge_pass.source, field.value, weight, field.confidence)
    return votes


def _group(votes: list[Vote], fmt: FieldFormat | None = None) -> tuple[Group, ...]:
    """Agreeing votes grouped. A group's spelling is one valid in `fmt` (plain text without one) if
    any is (`SM4A 0HF` over `SM4A OHF`, `Oirschot` over `0irschot`), then the one its most
    confident vote read (ties: more weight, the smaller string): spellings that agree up to
    look-alikes differ in single characters, which the surest reader tells best, and two passes of
    one engine (a page and its crop) repeat that engine's misreading (`Abduimouth` read twice by
    Tesseract against `Abdulmouth` read once by RapidOCR), so their summed weight says little."""
    by_key: dict[str, list[Vote]] = {}
    for vote in sorted(votes, key=lambda v: v.source):
        by_key.setdefault(comparison_key(vote.value), []).append(vote)
    groups = []
    for key, members in by_key.items():
        spellings = {v.value for v in members}
        weight = {s: math.fsum(v.weight for v in members if v.value == s) for s in spellings}
        surest = {s: max(v.weight for v in members if v.value == s) for s in spellings}
        invalid = {s: not is_valid(s, fmt or FieldFormat.TEXT) for s in spellings}
        value = min(spellings, key=lambda s: (invalid[s], -surest[s], -weight[s], s))
        groups.append(Group(key, value, tuple(members)))
    return tuple(sorted(groups, key=lambda g: (-g.weight, g.value)))


def _display_names(passes: list[MergePass], wanted: list[str] | None) -> dict[str, str]:
    """Field key → the name the result uses: the requested spelling, else the smallest one seen."""
    if wanted is not None:
        return {squash_key(n): n for n in reversed(wanted)}
    names: dict[str, str] = {}
    for merge_pass in passes:
        for field in merge_pass.fields:
            key = squash_key(field.name)
            names[key] = min(names.get(key, field.name), field.name)
    return dict(sorted(names.items(), key=lambda item: item[1]))


def align(
    passes: list[MergePass], wanted: list[str] | None, formats: Mapping[str, FieldFormat] | None = None
) -> list[AlignedField]:
    """Every field to merge (the requested ones in request order, else all, sorted by name), with
    its format from `formats` (names compared by `squash_key`)."""
    by_key = {squash_key(name): fmt for name, fmt in (formats or {}).items()}
    ordered = sorted(passes, key=lambda p: p.source)
    names = _display_names(ordered, wanted)
    votes = [_pass_votes(p, names if wanted is not None else None) for p in ordered]
    keys = [squash_key(n) for n in wanted] if wanted is not None else list(names)
    seen: set[str] = set()
    aligned = []
    for key in keys:
        if key in seen:
            continue
        seen.add(key)
        field_votes = [pass_votes[key] for pass_votes in votes if key in pass_votes]
        fmt = by_key.get(key)
        aligned.append(AlignedField(names[key], _group(field_votes, fmt), fmt))
    return aligned


def support(field: AlignedField, value: str) -> float:
    """Share of the vote weight behind `value`, where a near-identical reading counts in part
    (rapidfuzz similarity): '12.56' supports '12.50' more than 'n/a' does."""
    total = field.total_weight
    if total == 0:
        return 0.0
    key = comparison_key(value)
    backed = math.fsum(v.weight * fuzz.ratio(comparison_key(v.value), key) / 100 for v in field.votes)
    return min(1.0, backed / total)


def corroboration(group: Group) -> float:
    """Probability that at least one of the group's passes is right (noisy-OR of confidences)."""
    doubt = 1.0
    for confidence in sorted(v.confidence if v.confidence is not None else DEFAULT_WEIGHT for v in group.votes):
        doubt *= 1.0 - confidence
    return 1.0 - doubt


def accented_reading(field: AlignedField) -> str | None:
    """The only reading with accents, when every reading is the same text without them; else None."""
    if len(field.groups) < 2 or len({comparison_key(strip_accents(g.value)) for g in field.groups}) != 1:
        return None
    marked = [g.value for g in field.groups if strip_accents(g.value) != g.value]
    return marked[0] if len(marked) == 1 else None
