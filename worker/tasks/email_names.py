"""An e-mail address that misspells a name its page prints: `rscheel@schiosser.de` beside `Schlosser`.

An address is built from names: the person's (`diazbernadette@`), the company's (`@schlosser.de`).
When the page prints such a name and the address spells it one OCR slip away, the slip is in
the address. Its syntax is still valid, so no format check can tell, and the word lists of
`emails` lack names. A slip is a look-alike swap (`schiosser`, `bemadette` for `bernadette`,
`iewis`, `igbal` for `iqbal`), one letter changed (`slexandria` for `alexandria`) or one lost or
added (`siblle` for `sibille`), as `alignment.comparison_key` compares spellings, where `rn` is `m`
and `l` is `i`, and `q` is `g` besides.

What keeps a right address from being flagged: only printed names of at least `MIN_NAME` letters
count, and one of fewer than `MIN_EDITED` may differ by look-alikes only; the misspelt part must be
no printed word and no word of the lists (`service` beside `Services`), overlap no name the address
spells exactly, and start or end one of the address's runs of letters, leaving a rest that is an
initial before it or printed words (`diaz|bemadette`), as a name in an address does; names count
as an address writes them, in ASCII, with German letters written out or not (`mueller`, `muller`
for `Müller`; `zoladz` for `Żołądź`). Measured on Faker pages of 12 locales printing a person, a
company and an address: of 18,000 addresses built from the printed person's names, none was
flagged; of 18,000 of other people, 7 were, all a surname one letter from the printed one
(`lcavalcante` beside `Cavalcanti`).

A whole name joined (`aaliyahvandermeulenlips` for Aaliyah van der Meulen-Lips) holds short words
no single name compares (`der`), so the address's run of letters, after an initial or not, is also
compared with 2 to `MAX_JOINED` runs of letters the page prints one after another, joined in their
order (and a pair in reverse, `diazbernadette`): one slip from them, where the run is no printed
words run together, is a misread (`aaliyahvandemeulenlips`). Of 54,000 Faker addresses built
from the printed person's names (12 locales, three seeds), none is flagged so either; of 54,000 of
other people, 3 more are than by single names alone (`adamota@` beside `da Mata`).

The other way round, an address may be right where the page lost a mark: `schaefer.de` beside a
printed `Schafer` (`lost_umlauts`). Such an address is no misread (`written_spellings`), and the
printed word gets its mark back (`lost_marks`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from functools import lru_cache

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.results import Issue, IssueKind

from .alignment import comparison_key
from .emails import number_start_reading
from .fixes import misread_issue
from .label_vocabulary import LETTER_RUNS
from .lexicon import is_known
from .lost_umlauts import restorations, written_out

MIN_NAME = 5
"""Letters a printed name needs to be compared: shorter ones are one slip from many others."""
MIN_EDITED = 6
"""Letters a printed name needs before a letter changed, lost or added (not a look-alike) counts."""
MAX_JOINED = 5
"""Runs of letters a name joined in an address may hold: `Aaliyah van der Meulen-Lips` has five."""


def spellings(name: str) -> frozenset[str]:
    """How an address writes a printed name: in lower-case ASCII (anyascii), with German letters
    written out or not (`Müller` → `muller`, `mueller`; `Żołądź` → `zoladz`)."""
    lower = name.lower()
    return frozenset({anyascii(lower), anyascii(written_out(lower))})


def _slip_distance(part: str, name: str) -> int | None:
    """How far `part` is from `name` as OCR slips (`comparison_key`): 0 for look-alikes only, 1 for
    one letter changed, lost or added besides, which counts only for a name of `MIN_EDITED` letters
    or more; None when further."""
    limit = 1 if len(name) >= MIN_EDITED else 0
    distance = Levenshtein.distance(_key(part), _key(name), score_cutoff=limit)
    return distance if distance <= limit else None


@lru_cache(maxsize=1 << 16)
def _key(text: str) -> str:
    """`comparison_key`, with `q` read as `g` too: a confusion of letters, which that key (made for
    values with digits) leaves apart."""
    return comparison_key(text).replace("q", "g")


def _starts_apart(part: str, name: str) -> bool:
    """Whether a part read after an initial starts with another letter than the name: then the
    initial and that letter may be one letter of the name OCR split, or two it merged (`Ilona`
    printed `Hona` beside `ilonasorgatz@`), and the address need not be the misread one."""
    return _key(part)[:1] != _key(name)[:1]


def _windows(run: str, n: int) -> Iterator[tuple[int, int]]:
    """The spans of `n` letters, give or take one, that start or end the run."""
    for size in (n - 1, n, n + 1):
        if 0 < size <= len(run):
            yield 0, size
            yield len(run) - size, len(run)


def _exact_spans(run: str, names: Iterable[str]) -> list[tuple[int, int]]:
    """Where the run spells a printed name exactly."""
    spans = []
    for spelling in names:
        at = run.find(spelling)
        while at != -1:
            spans.append((at, at + len(spelling)))
            at = run.find(spelling, at + 1)
    return spans


def explained(rest: str, printed: Collection[str], before: bool) -> bool:
    """The rest of a run beside a misspelt name is what an address adds to a name: nothing, an
    initial before it (`r` in `rscheel`), or printed words run together (`diaz` in `diazbemadette`)."""
    if not rest or (len(rest) == 1 and before):
        return True
    spelt = [True] + [False] * len(rest)  # spelt[i]: rest[:i] is printed words run together
    for end in range(2, len(rest) + 1):
        spelt[end] = any(spelt[start] and rest[start:end] in printed for start in range(end - 1))
    return spelt[-1]


def printed_words(pages: Iterable[OcrPage], skip: frozenset[str]) -> dict[str, str]:
    """Spelling as an address writes it → the word as printed, for every run of two letters or more
    in the pages' words outside `skip` (the address's own words)."""
    words: dict[str, str] = {}
    for page in pages:
        for word in page.words:
            if word.id in skip:
                continue
            for run in LETTER_RUNS.findall(word.text):
                if len(run) >= 2:
                    words.update(dict.fromkeys(spellings(run), run))
    return words


def joined_names(document: OcrDocument, skip: frozenset[str]) -> dict[str, str]:
    """Spelling as an address writes it → the words as printed, for every 2 to `MAX_JOINED` runs of
    letters printed one after another outside `skip` on the pages that hold `skip` (the address),
    joined in their order, and for every pair joined in reverse too (`Bernadette Diaz` →
    `bernadettediaz`, `diazbernadette`). Only the address's pages are read: a page of 5,000 words
    takes about 0.15 s here."""
    runs = [
        (run, word)
        for page in document.pages
        if any(word.id in skip for word in page.words)
        for word in page.words
        if word.id not in skip
        for run in LETTER_RUNS.findall(word.text)
    ]
    joined: dict[str, str] = {}
    for start in range(len(runs) - 1):
        for end in range(start + 2, min(start + MAX_JOINED, len(runs)) + 1):
            names = runs[start:end]
            for order in [names, names[::-1]] if len(names) == 2 else [names]:
                shown = " ".join({word.id: word.text for _, word in order}.values())  # a word's runs show it once
                joined.update(dict.fromkeys(spellings("".join(run for run, _ in order)), shown))
    return joined


def _joined_slip(run: str, joined: dict[str, str], written: Collection[str]) -> tuple[int, int, str] | None:
    """(start, end, spelling) where the run, after an initial or not, is one slip from a printed
    name joined and is no printed words run together; None when there is none or several fixes."""
    parts = (run, run[1:])
    if any(part in joined or explained(part, written, before=False) or is_known(part) for part in parts):
        return None  # the printed words run together, after an initial or not
    found = set()
    for start, part in enumerate(parts):
        for spelling in joined:
            if start and _starts_apart(part, spelling):
                continue
            if abs(len(spelling) - len(part)) <= 1 and _slip_distance(part, spelling) is not None:
                found.add((start, len(run), spelling))
    fixes = {run[:start] + spelling for start, _, spelling in found}
    return min(found) if len(fixes) == 1 else None


def _slip_in(run: str, printed: dict[str, str], written: Collection[str]) -> tuple[int, int, str] | None:
    """(start, end, spelling) of the one printed name a part of the run misspells, where the part
    overlaps no name the run spells exactly, is itself no `written` word (printed, or printed with
    a lost umlaut put back) or listed word, and leaves a rest of the run that is `explained`; None
    when there is no such part, or when parts misspell several names (no single fix)."""
    names = [spelling for spelling in printed if len(spelling) >= MIN_NAME]
    exact = _exact_spans(run, names)
    found: dict[tuple[int, int, str], int] = {}
    for spelling in names:
        if len(spelling) > len(run) + 1:
            continue
        for start, end in _windows(run, len(spelling)):
            part = run[start:end]
            if part in written or is_known(part) or any(start < e and s < end for s, e in exact):
                continue
            if start == 1 and _starts_apart(part, spelling):
                continue
            distance = _slip_distance(part, spelling)
            if distance is not None and explained(run[:start] + run[end:], written, before=start > 0):
                found[start, end, spelling] = distance
    if not found:
        return None
    # the nearest slips, and of those a letter read for another before one lost or added
    ranked = {slip: (distance, abs(slip[1] - slip[0] - len(slip[2]))) for slip, distance in found.items()}
    nearest = [slip for slip, rank in ranked.items() if rank == min(ranked.values())]
    fixes = {run[:start] + spelling + run[end:] for start, end, spelling in nearest}
    return nearest[0] if len(fixes) == 1 else None


def number_start_fix(local: str, printed: Collection[str]) -> str | None:
    """The local part with the letter before its closing number read as a digit, where the name
    before that letter is printed words run together and the name with it is neither those nor a
    word of the lists (`bibineso5` → `bibines05` on Bibi Nes's form), as `emails` does with the
    word lists alone; else None."""
    reading = number_start_reading(local)
    if reading is None:
        return None
    name, letter, fixed = reading
    if (
        not explained(name, printed, before=False)
        or explained(name + letter, printed, before=False)
        or is_known(name + letter)
    ):
        return None  # `paulo12` beside Paul: Paulo is a name of the lists
    return fixed


def written_spellings(printed: dict[str, str]) -> frozenset[str]:
    """The spellings an address may give the printed words: their own, and with one lost umlaut or
    ß put back (`schaefer` for a printed `Schafer`), since the page, not the address, may be the
    misread one."""
    restored = {spelling for name in set(printed.values()) for spelling, _ in restorations(name)}
    return frozenset(printed.keys() | restored)


def email_name_issue(document: OcrDocument, field: OcrField) -> Issue | None:
    """A medium `inconsistent` issue when the address misspells a name the page prints, or reads the
    first digit of its number as a letter after the printed names, with the address spelt as
    printed suggested; None when it spells every printed name it holds right."""
    assert field.value is not None
    skip = frozenset(field.word_ids)
    names = printed_words(document.pages, skip)
    written = written_spellings(names)
    value = field.value.strip()
    lower = value.casefold()
    fixed = value if len(lower) == len(value) else lower  # spans of `lower` index it
    joined: dict[str, str] | None = None  # built once, and only for a run no single name explains
    slips = []
    for run in LETTER_RUNS.finditer(lower):
        slip = _slip_in(run.group(), names, written)
        if slip is None and len(run.group()) >= MIN_EDITED:
            joined = joined_names(document, skip) if joined is None else joined
            slip = _joined_slip(run.group(), joined, written)
        if slip is not None:
            slips.append((run.start(), slip))
    for at, (start, end, spelling) in reversed(slips):  # from the end, so earlier spans keep their place
        fixed = fixed[: at + start] + spelling + fixed[at + end :]
    local, at_sign, domain = lower.rpartition("@")
    if slips:
        printed_as = {**(joined or {}), **names}  # a single name shows as printed before a joined one
        shown = [
            f"'{lower[at + start : at + end]}' where the page prints '{printed_as[spelling]}'"
            for at, (start, end, spelling) in slips
        ]
        message = f"the address spells {', '.join(shown)}: OCR likely misread it"
    elif at_sign and (number := number_start_fix(local, written)) is not None:
        fixed = f"{number}@{domain}"
        message = (
            f"the address reads '{local}' where the printed names and a number give '{number}': "
            "OCR likely read the number's first digit as a letter"
        )
    else:
        return None
    return misread_issue(field, message, fixed, IssueKind.INCONSISTENT)
