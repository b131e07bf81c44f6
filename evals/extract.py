"""Reading field values off OCR words: the same label, regex and position heuristics for every engine.

Only the OCR words are read, never the ground truth. Lines are rebuilt from word boxes along the
page's estimated skew, since the wire format carries no line structure.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from evals.printed_labels import INVOICE_WORDS, localized_labels
from schemas.documents import OcrDocument, OcrField, OcrWord
from worker.tasks.label_vocabulary import fold

AMOUNT = re.compile(r"\d{1,3}(?:[,. ]?\d{3})*[.,]\d{2}(?!\d)")
"""1,234.56 · 1.234,56 · 1 234,56 (French groups by a space, so an amount may span words)."""
DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4}|[A-Z][a-z]+ \d{1,2}, ?\d{4}"
    r"|\d{1,2}\.? [^\W\d_]{3,}\.? \d{4}"  # '7. Mai 2014', '29 maart 2014', '12 oct. 2023'
)
NUMBER_PREFIX = re.compile(r"^(?:n°|no\.|nr\.:?|#)(?=\w)", re.IGNORECASE)
"""A prefix printed glued to an invoice number (`n°562044387`, `Nr.:12345`): not part of its value."""
IBAN = re.compile(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}")
Kind = str  # header | text | amount | date | iban | email | phone | integer
LABELS: dict[str, tuple[tuple[str, Kind, tuple[str, ...]], ...]] = {
    "invoice": (
        ("vendor", "header", ()),
        (
            "invoice_number",
            "text",
            ("invoice no", "invoice number", "invoice #", "invoice nr", "bill number", "bill no"),
        ),
        ("date", "date", ("invoice date", "date", "issued", "issue date")),
        ("subtotal", "amount", ("subtotal", "net amount", "net total", "net")),
        ("tax", "amount", ("tax", "vat", "sales tax")),
        ("total", "amount", ("total", "amount due", "total due", "grand total")),
        ("iban", "iban", ("iban", "pay to iban", "account iban")),
        ("email", "email", ("email", "mail")),
        ("phone", "phone", ("phone", "tel", "telephone")),
    ),
    "receipt": (
        ("store", "header", ()),
        ("date", "date", ("date",)),
        ("subtotal", "amount", ("subtotal", "net")),
        ("tax", "amount", ("tax", "vat")),
        ("total", "amount", ("total",)),
        ("items", "integer", ("items", "no of items", "number of items")),
    ),
    "form": (
        ("name", "text", ("full name", "name")),
        ("date_of_birth", "date", ("date of birth", "birth date", "dob")),
        ("email", "email", ("email", "email address")),
        ("phone", "phone", ("phone", "phone number", "tel")),
        ("street", "text", ("street", "address")),
        ("postal_code", "text", ("postal code", "postcode", "zip", "zip code")),
        ("city", "text", ("city", "town")),
    ),
}
LABELS = {lay: tuple((n, k, ls + localized_labels().get((lay, n), ())) for n, k, ls in s) for lay, s in LABELS.items()}
"""Plus the labels the Dutch, German and French synthetic pages print (`evals.printed_labels`)."""
Spec = tuple[str, Kind, tuple[str, ...]]
"""(field name, kind, label words) of one field to read."""
KINDS = ("header", "text", "amount", "date", "iban", "email", "phone", "integer")
FRAME = " |[]_"  # stripped from value ends: form-box edges the engine read as text


def _norm(text: str) -> str:
    """Letters and digits of any script, casefolded and without accents: OCR often drops an accent
    or an umlaut ("Vollstandiger"), and "Straße" is "strasse" either way."""
    return "".join(c for c in fold(text) if c.isalnum() or c == "#")


TITLES = {"invoice", "receipt"} | {_norm(words[0]) for words in INVOICE_WORDS.values()}
"""A page's title is no vendor name, in any language the synthetic pages print."""


def _cy(w: OcrWord) -> float:
    return (w.bbox[1] + w.bbox[3]) / 2


def _h(w: OcrWord) -> float:
    return max(w.bbox[3] - w.bbox[1], 4.0)


def _cx(w: OcrWord) -> float:
    return (w.bbox[0] + w.bbox[2]) / 2


def skew(words: Sequence[OcrWord]) -> float:
    """The page's text slope (dy/dx) within ±3°, from a projection profile of the word centres: the
    middle of the angles that stack them into the fewest, fullest rows."""
    if len(words) < 3:
        return 0.0
    row = max(statistics.median(_h(w) for w in words) / 2, 2.0)
    scores = {}
    for step in range(-12, 13):  # 0.25° steps
        slope = math.tan(math.radians(step / 4))
        scores[step] = max(
            sum(n * n for n in Counter(math.floor((_cy(w) - slope * _cx(w)) / row + o) for w in words).values())
            for o in (0.0, 0.5)
        )
    best = max(scores.values())
    return math.tan(math.radians(statistics.median(s for s, v in scores.items() if v == best) / 4))


def group_lines(words: Sequence[OcrWord]) -> list[list[OcrWord]]:
    """Words grouped into text lines along the page's skew, top to bottom, each left to right."""
    slope = skew(words)

    def level(w: OcrWord) -> float:
        return _cy(w) - slope * _cx(w)

    lines: list[list[OcrWord]] = []
    for w in sorted(words, key=level):
        if lines and abs(level(w) - statistics.fmean(level(v) for v in lines[-1])) <= 0.5 * _h(w):
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.bbox[0]) for line in lines]


def _solid(words: Sequence[OcrWord]) -> list[OcrWord]:
    """The words without leading junk: form-box edges read as '|' or '[' (no letter or digit)."""
    start = next((i for i, w in enumerate(words) if any(c.isalnum() for c in w.text)), len(words))
    return list(words[start:])


def _run(words: Sequence[OcrWord]) -> list[OcrWord]:
    """The first word and the words that follow it with no more than a wide space between them."""
    out = list(words[:1])
    for w in words[1:]:
        if w.bbox[0] - out[-1].bbox[2] > 1.2 * max(_h(out[-1]), 12.0):
            break
        out.append(w)
    return out


def _label_end(line: list[OcrWord], start: int, label: str) -> int:
    """Index after the words from `start` that spell `label` (normalised), or -1."""
    acc = ""
    for j in range(start, len(line)):
        acc += _norm(line[j].text)
        if acc == label:
            return j + 1
        if not label.startswith(acc):
            return -1
    return -1


def _after_label(
    lines: list[list[OcrWord]], labels: tuple[str, ...], rivals: tuple[str, ...] = ()
) -> list[tuple[list[OcrWord], list[OcrWord]]]:
    """(words right of the label on its line, words of the line below it) for each label found; where a
    longer label of another field (`rivals`) starts at the same word, it is that field's ("Adresse
    e-mail" is the email's label, not the street's "Adresse")."""
    found: list[tuple[list[OcrWord], list[OcrWord]]] = []
    ordered = sorted((_norm(label) for label in labels), key=len, reverse=True)
    longer = sorted({_norm(r) for r in rivals} - set(ordered), key=len, reverse=True)
    for n, line in enumerate(lines):
        for i, word in enumerate(line):
            if i and word.bbox[0] - line[i - 1].bbox[2] <= 1.2 * _h(word):
                continue  # a label starts a segment of the line
            head, colon, tail = word.text.partition(":")
            if colon and tail.strip() and _norm(head) in ordered:  # 'Date:2023-10-29' read as one word
                found.append(([word.model_copy(update={"text": tail.strip()}), *line[i + 1 :]], []))
                continue
            end = next((e for e in (_label_end(line, i, label) for label in ordered) if e > 0), -1)
            if end < 0 or any(_label_end(line, i, rival) > end for rival in longer):
                continue
            below = [w for w in (lines[n + 1] if n + 1 < len(lines) else []) if w.bbox[2] > word.bbox[0] - _h(word)]
            near = below and _cy(below[0]) - _cy(word) < 3.5 * _h(word)
            found.append((line[end:], below if near else []))
    return found


def _value(kind: Kind, right: list[OcrWord], below: list[OcrWord]) -> tuple[str, list[OcrWord]] | None:
    if kind == "amount":
        return _amount(right)
    if kind == "integer":
        return next(((w.text, [w]) for w in right if w.text.isdigit()), None)
    run = _run(_solid(right)) or _run(_solid(below))
    text = " ".join(w.text for w in run).strip(FRAME)
    checks: dict[Kind, Callable[[str], str | None]] = {
        "date": lambda s: m.group(0) if (m := DATE.search(s)) else None,
        "iban": lambda s: m.group(0).strip() if (m := IBAN.search(s)) else None,
        "email": lambda s: s.replace(" ", "") if "@" in s else None,
        "phone": lambda s: s if sum(c.isdigit() for c in s) >= 7 else None,
        "text": lambda s: s or None,
    }
    value = checks[kind](text)
    return (value, run) if value else None


def _amount(words: list[OcrWord]) -> tuple[str, list[OcrWord]] | None:
    """The last amount in the words right of a label, with the words it spans (`4 904,94 €`: two)."""
    text, spans, at = "", [], 0
    for w in words:
        spans.append((at, at + len(w.text)))
        text += w.text + " "
        at = len(text)
    hits = list(AMOUNT.finditer(text))
    if not hits:
        return None
    start, end = hits[-1].span()
    return hits[-1].group(0), [w for w, (s, e) in zip(words, spans, strict=True) if s < end and e > start]


def _header(lines: list[list[OcrWord]]) -> tuple[str, list[OcrWord]] | None:
    """The first line that is not a title, from its first sure word with a letter or digit, as far
    as its words run: a `&` or an unsure `e.V.` inside the run is part of the name, and leaving it
    out split `Otte & van Rossum` at the gap it left."""
    for line in lines:
        words = [w for w in line if w.confidence >= 0.3 and any(c.isalnum() for c in w.text)]
        if words and _norm(" ".join(w.text for w in words)) not in TITLES:
            run = _run(line[line.index(words[0]) :])
            while not any(c.isalnum() for c in run[-1].text):
                run.pop()
            return " ".join(w.text for w in run), run
    return None


def _fallback(kind: Kind, lines: list[list[OcrWord]]) -> tuple[str, list[OcrWord]] | None:
    for line in lines:
        if kind == "email":
            hit = next((w for w in line if "@" in w.text and "." in w.text), None)
            if hit:
                return hit.text, [hit]
        if kind == "iban" and (m := IBAN.search(" ".join(w.text for w in line))):
            words = [w for w in line if w.text in m.group(0)]
            if words:
                return m.group(0).strip(), words
    return None


def field_specs(
    layout: str,
    names: Sequence[str] | None = None,
    kinds: Mapping[str, Kind] | None = None,
    labels: Mapping[str, Sequence[str]] | None = None,
) -> list[Spec]:
    """The fields to read: the layout's (all, or `names` in that order). A name no layout knows is
    text labelled by its own words ('invoice_date' → 'invoice date'); `kinds` and `labels` override."""
    known = {n: (n, k, ls) for layout_specs in LABELS.values() for n, k, ls in layout_specs}
    known |= {n: (n, k, ls) for n, k, ls in LABELS.get(layout, ())}
    wanted = list(names) if names is not None else [n for n, _, _ in LABELS[layout]]
    out = []
    for name in wanted:
        _, kind, words = known.get(name, (name, "text", (name.replace("_", " "),)))
        kind = (kinds or {}).get(name, kind)
        words = tuple((labels or {}).get(name, words))
        out.append((name, kind, words))
    return out


def extract_fields(doc: OcrDocument, layout: str | Sequence[Spec]) -> list[OcrField]:
    """Read the fields (a layout's, or `field_specs`) off the OCR words by labels, regexes and position
    (never the truth). Every page is searched, in page order; lines (and a value below its label) are
    rebuilt within a page, never across two."""
    pages = [group_lines(page.words) for page in sorted(doc.pages, key=lambda p: p.index)]
    lines = [line for page in pages for line in page]
    fields: list[OcrField] = []
    specs = LABELS[layout] if isinstance(layout, str) else layout
    every_label = tuple(label for _, _, labels in specs for label in labels)
    for name, kind, labels in specs:
        hit = _header(lines) if kind == "header" else None
        for right, below in (found for page in pages for found in _after_label(page, labels, every_label)):
            hit = hit or _value(kind, right, below)  # the first page that prints the label with a value
        hit = hit or _fallback(kind, lines)
        if hit is None:
            fields.append(OcrField(name=name))
            continue
        value, words = hit
        value = NUMBER_PREFIX.sub("", value) if name == "invoice_number" else value
        conf = statistics.fmean(w.confidence for w in words) if words else None
        fields.append(OcrField(name=name, value=value[:1000], confidence=conf, word_ids=[w.id for w in words]))
    return fields


def normalize(value: str | None) -> str:
    """Case- and whitespace-insensitive form for exact-match scoring."""
    return " ".join((value or "").split()).casefold()
