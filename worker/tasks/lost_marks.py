"""A printed word that lost its umlaut or ß, as an e-mail address on its page writes it: `Schafer`
beside `info@schaefer.de` (the spellings: `lost_umlauts`).

The mark is put back where a run of letters of an address on the field's page spells the printed
word with one umlaut or ß restored, and spells it as a name in an address stands: at the run's start
before printed words, or at its end after an initial or printed words (`email_names.explained`:
`joness|mith` in `jonessmith@` is no `Joneß`). A word needs `MIN_MARKED` letters. Measured on Faker
pages of 12 locales printing a person, a company and an address written the German way: of 54,000
addresses, of the printed person or of another, none makes a word printed right lose a mark; of
1,241 Faker German names that lost one mark, 1,200 get it back (the rest are 3 letters long, `Heß`,
or lost two marks).
"""

from __future__ import annotations

from collections.abc import Collection

from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.results import Issue

from .email_names import explained, printed_words, written_spellings
from .fixes import misread_issue
from .label_vocabulary import LETTER_RUNS
from .lost_umlauts import restorations

MIN_MARKED = 4
"""Letters a printed word needs before a lost umlaut or ß is put back: a shorter one's spelling
starts or ends too many addresses."""
REASON = "the page's e-mail address writes '{spelling}': OCR likely lost the mark of '{marked}'"


class PageAddresses:
    """For each page that prints an e-mail address: its addresses' runs of letters, and the
    spellings its printed words may take in one (`email_names.written_spellings`). Built once per
    request, and read for every text field; a page's spellings are worked out when a field on it
    first asks, so a request pays only for the pages its fields are on."""

    def __init__(self, document: OcrDocument) -> None:
        self._pages = [page for page in document.pages if any("@" in word.text for word in page.words)]
        self._page_of = {word.id: at for at, page in enumerate(self._pages) for word in page.words}
        self._evidence: dict[int, tuple[list[str], frozenset[str]]] = {}

    def of_word(self, word_id: str) -> tuple[list[str], frozenset[str]] | None:
        """(address runs, spellings) of the page holding the word; None when it prints no address."""
        at = self._page_of.get(word_id)
        if at is None:
            return None
        if at not in self._evidence:
            self._evidence[at] = _evidence(self._pages[at])
        return self._evidence[at]


def _evidence(page: OcrPage) -> tuple[list[str], frozenset[str]]:
    addresses = [word for word in page.words if "@" in word.text]
    runs = [run.lower() for word in addresses for run in LETTER_RUNS.findall(word.text)]
    return runs, written_spellings(printed_words([page], frozenset(word.id for word in addresses)))


def _restored_in(word: str, runs: Collection[str], written: Collection[str]) -> tuple[str, str] | None:
    """(spelling, word with its mark) where a run of an address spells the printed word with one
    umlaut or ß put back, as a name in an address stands; None where none does, or several marks
    could."""
    if len(word) < MIN_MARKED or not word.isalpha():
        return None
    found = {
        (spelling, marked)
        for spelling, marked in restorations(word)
        for run in runs
        if (run.startswith(spelling) and explained(run[len(spelling) :], written, before=False))
        or (run.endswith(spelling) and explained(run[: -len(spelling)], written, before=True))
    }
    return found.pop() if len(found) == 1 else None


def lost_mark_issue(field: OcrField, addresses: PageAddresses) -> Issue | None:
    """A medium `implausible_value` with the marks put back, for a text field whose words an e-mail
    address on its page writes with an umlaut or ß the field lacks; None otherwise."""
    if field.value is None or "@" in field.value or not field.word_ids:
        return None
    evidence = addresses.of_word(field.word_ids[0])
    if evidence is None or not evidence[0]:
        return None
    runs, written = evidence
    found = {word: _restored_in(word, runs, written) for word in LETTER_RUNS.findall(field.value)}
    marks = {word: spelt for word, spelt in found.items() if spelt is not None}
    if not marks:
        return None
    fixed = LETTER_RUNS.sub(lambda run: marks[run.group()][1] if run.group() in marks else run.group(), field.value)
    spellings, marked = (", ".join(part) for part in zip(*marks.values(), strict=True))
    return misread_issue(field, REASON.format(spelling=spellings, marked=marked), fixed)
