"""When an OCR reading of a field is wrong, for scoring analyze's detection.

A reading is wrong when the value it gives differs from the truth's, as the field's kind reads
values: a phone number by its digits (`+33 123 45 40 93` is `+33 1 23 45 40 93`, a space lost), a
date by the day it names (`03 Marz 1955` is `03 März 1955`), anything else by its text after
`normalize` (case and spaces). A phone or date reading counts as the same value only when it is
valid (or only doubtful) in its format as the worker checks it, so `#31 6 12345105` (OCR's '+') stays wrong.
An amount is compared without its spaces (`3023,69` is `3 023,69`): a space is never a decimal mark
in any locale, so losing one changes no value, while a changed mark does (`515.24` among French
commas stays wrong, and the decimal-mark rule flags it).

`as_printed=True` compares the text alone, the stricter figure the report shows beside it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache

import phonenumbers

from evals.extract import LABELS, normalize
from evals.records import DocRecord
from schemas.requests import FieldFormat
from worker.tasks.dates import parse_date
from worker.tasks.formats import Verdict, check_format


@cache
def kinds(layout: str) -> dict[str, str]:
    """field → kind of a synthetic layout's fields; empty for a user's documents."""
    return {name: kind for name, kind, _ in LABELS.get(layout, ())}


def _readable(reading: str, fmt: FieldFormat) -> bool:
    """Valid or doubtful in its format (a doubtful value is one, only oddly printed)."""
    return check_format(reading, fmt).verdict is not Verdict.INVALID


def _same_phone(reading: str, truth: str, locale: str) -> bool:
    region = locale.rpartition("_")[2] or None
    try:
        a, b = (phonenumbers.parse(t, region) for t in (reading, truth))
    except phonenumbers.NumberParseException:
        return False
    return _readable(reading, FieldFormat.PHONE) and (a.country_code, a.national_number) == (
        b.country_code,
        b.national_number,
    )


def _same_date(reading: str, truth: str) -> bool:
    day = parse_date(reading)
    return day is not None and day == parse_date(truth) and _readable(reading, FieldFormat.DATE)


def is_wrong(record: DocRecord, engine: str, name: str, as_printed: bool = False) -> bool:
    reading, truth = record.answers[engine].get(name), record.truth[name]
    if normalize(reading) == normalize(truth):
        return False
    if as_printed or reading is None or not truth:
        return True
    kind = kinds(record.layout).get(name)
    if kind == "phone":
        return not _same_phone(reading, truth, record.locale)
    if kind == "date":
        return not _same_date(reading, truth)
    if kind == "amount":
        return "".join(normalize(reading).split()) != "".join(normalize(truth).split())
    return True


def _counted(analyzer: str, analyzers: list[str] | None) -> bool:
    return analyzer in analyzers if analyzers is not None else analyzer.startswith("analyze:")


def field_counts(record: DocRecord, name: str, analyzers: list[str] | None = None) -> Counter[str]:
    """One field's tp/fp/fn/tn cells, by value and (`printed_*`) by text, over the analyzers counted
    (`analyzers`: flag keys; default every `analyze:<engine>`)."""
    counts = Counter[str]()
    for analyzer, flags in record.flags.items():
        if not _counted(analyzer, analyzers):
            continue
        engine = analyzer.split(":", 1)[1]
        flag = flags.get(name, False)
        cell = "p" if flag else "n"
        counts[("t" if is_wrong(record, engine, name) == flag else "f") + cell] += 1
        counts["printed_" + ("t" if is_wrong(record, engine, name, True) == flag else "f") + cell] += 1
    return counts


def detection_counts(records: Iterable[DocRecord], analyzers: list[str] | None = None) -> dict[str, int]:
    """tp/fp/fn/tn of analyze's flags over every (record, field), by value, and `printed_*` the
    same counts by text (`field_counts`)."""
    counts = Counter[str]()
    for r in records:
        for name in r.truth:
            counts.update(field_counts(r, name, analyzers))
    return {k: counts[k] for k in ("tp", "fp", "fn", "tn", "printed_tp", "printed_fp", "printed_fn", "printed_tn")}
