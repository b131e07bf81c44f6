"""Where a known value is printed: the runs of consecutive OCR words on a page that spell it.

Words and values are compared by `normalize.squash_key` (case, spaces, hyphens and underscores
aside). A page is indexed once: its words' keys joined into one string, with the offsets where each
word starts and ends. A run of words spells a value exactly when the value's key occurs in that
string starting where a word starts and ending where a word ends, so every value is found with
`str.find` over the page text, resuming at the next word start after each hit: time linear in the
page, at most one round per word, however the words are spelled. (Matching
word by word from every start was quadratic: 5,000 one-letter words and 50 values took minutes.)

A run starts and ends with a word whose key is not empty; words with an empty key (a lone `-`)
inside a run belong to it.

`ValueIndex.candidates` widens `runs` to every printed occurrence a reader would accept, each
with a score for how exactly it matches (1 for an exact run):
- glued: the value's key may begin inside the run's first word and end inside its last, when what
  is glued on is a symbol, unit or label (`€4.904,94`, `n°562044387`, `No.`, `EUR`, a trailing
  `:`): no digit, no `@`, at most `MAX_GLUE` characters, and no letter glued to a letter of the
  value. A name inside an e-mail address (`jo@tessier.com`) is part of the address, not a printing
  of the name.
  Score: the value's share of the run's characters (`n°562044387` → 9/11);
- OCR look-alikes: when no run matches even glued, the page and the value are compared with the
  letters OCR reads for digits mapped to those digits (`4.9O4,94`), at `LOOKALIKE_SCORE` times the
  glued score. The mapping is one character for one, so offsets in both texts agree.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from schemas.documents import OcrDocument, OcrPage

from .normalize import OCR_DIGIT_LOOKALIKES, squash_key

MAX_GLUE = 4
"""Characters a symbol, unit or label glued to a value may have (`n°`, `no.`, `eur:`)."""
LOOKALIKE_SCORE = 0.85


@dataclass(frozen=True)
class Candidate:
    """One printed occurrence of a value: its words (reading order) on one page, and its score."""

    page: int
    word_ids: list[str]
    score: float

    @property
    def glued(self) -> bool:
        return self.score < 1.0


def is_glue(glue: str, value_edge: str) -> bool:
    """Whether `glue` (next to the value's `value_edge` character) is a symbol, unit or label."""
    if not glue:
        return True
    # `@` joins an address's mailbox and domain: what it touches is the address, not glue
    if len(glue) > MAX_GLUE or "@" in glue or any(c.isdigit() for c in glue):
        return False
    touching = glue[-1] if glue and value_edge else ""
    return not (touching.isalpha() and value_edge.isalpha())


@dataclass(frozen=True)
class PageText:
    """One page's words as one string of keys, and which word starts or ends at each offset."""

    page: OcrPage
    text: str
    starts: dict[int, int]
    """Offset in `text` → index of the word with a non-empty key that starts there."""
    offsets: list[int]
    """The keys of `starts`, ascending."""
    ends: dict[int, int]
    """Offset in `text` → index of the word with a non-empty key that ends there."""

    @classmethod
    def of(cls, page: OcrPage) -> PageText:
        keys = [squash_key(word.text) for word in page.words]
        starts: dict[int, int] = {}
        ends: dict[int, int] = {}
        offset = 0
        for index, key in enumerate(keys):
            if key:
                starts[offset] = index
                offset += len(key)
                ends[offset] = index
        return cls(page, "".join(keys), starts, list(starts), ends)

    def runs(self, key: str) -> Iterator[list[str]]:
        """The ids of every run of words on the page whose keys join to `key`, in reading order."""
        at = self.text.find(key)
        while at >= 0:
            first = self.starts.get(at)
            if first is not None:
                last = self.ends.get(at + len(key))
                if last is not None:
                    yield [word.id for word in self.page.words[first : last + 1]]
                at += 1
            # search on from the next word start: each round passes one, so at most a round a word
            following = bisect_left(self.offsets, at)
            if following == len(self.offsets):
                return
            at = self.text.find(key, self.offsets[following])

    def glued_runs(self, key: str, text: str) -> Iterator[tuple[list[str], float]]:
        """Every run whose keys hold `key` in `text` (this page's text, or its look-alike mapping)
        with only glue before it in the first word and after it in the last, and its score."""
        at = text.find(key)
        while at >= 0:
            found = self._glued_at(at, key)
            if found is not None:
                yield found
            at = text.find(key, at + 1)

    def _glued_at(self, at: int, key: str) -> tuple[list[str], float] | None:
        first_start = self.offsets[bisect_right(self.offsets, at) - 1]
        end = at + len(key)
        last_end = next(self._ends_from(end), None)
        if last_end is None:
            return None
        before, after = self.text[first_start:at], self.text[end:last_end]
        if not is_glue(before, self.text[at]) or not is_glue(after[::-1], self.text[end - 1]):
            return None
        first, last = self.starts[first_start], self.ends[last_end]
        ids = [word.id for word in self.page.words[first : last + 1]]
        return ids, len(key) / (last_end - first_start)

    def _ends_from(self, end: int) -> Iterator[int]:
        """The first word end at or after `end` (a run ends where a word ends)."""
        for offset in range(end, min(end + MAX_GLUE, len(self.text)) + 1):
            if offset in self.ends:
                yield offset
                return


class ValueIndex:
    """A document indexed for value lookups; build it once per request, ask it for every value."""

    def __init__(self, document: OcrDocument) -> None:
        self.pages = [PageText.of(page) for page in document.pages]

    def runs(self, value: str, limit: int | None = None) -> list[list[str]]:
        """Every run of words that spells `value` (at most `limit`), pages in request order."""
        key = squash_key(value)
        found: list[list[str]] = []
        if not key:
            return found
        for page in self.pages:
            for run in page.runs(key):
                found.append(run)
                if limit is not None and len(found) >= limit:
                    return found
        return found

    def candidates(self, value: str) -> list[Candidate]:
        """Every printed occurrence of `value`, exact or glued, pages in request order; look-alike
        occurrences only when there is none."""
        key = squash_key(value)
        if not key:
            return []
        found = [
            Candidate(page.page.index, ids, score)
            for page in self.pages
            for ids, score in page.glued_runs(key, page.text)
        ]
        if found:
            return found
        alike = key.translate(OCR_DIGIT_LOOKALIKES)
        return [
            Candidate(page.page.index, ids, round(LOOKALIKE_SCORE * score, 4))
            for page in self.pages
            for ids, score in page.glued_runs(alike, page.text.translate(OCR_DIGIT_LOOKALIKES))
        ]

    def unique_run(self, value: str) -> list[str] | None:
        """The one run that spells `value`; None when no run or several do."""
        runs = self.runs(value, limit=2)
        return runs[0] if len(runs) == 1 else None


def match_value(value: str, document: OcrDocument) -> list[str] | None:
    """The ids of the one run of consecutive words on a page that spells `value`; None when no run
    or several do (an ambiguous value such as an amount printed twice is left to the model).
    For many values of one document, build one `ValueIndex` instead."""
    return ValueIndex(document).unique_run(value)
