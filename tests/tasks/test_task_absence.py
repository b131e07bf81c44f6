"""locate's absence rules (worker/tasks/absence.py): a target without a value is not_found, without
the model, only where nothing on the page could be its field; anything that could be it goes to the
model."""

from __future__ import annotations

import json

import pytest

from schemas.documents import OcrDocument, OcrPage, OcrWord
from schemas.requests import LocateRequest, LocateTarget
from schemas.results import RegionSource
from tests.scripted_engine import ScriptedEngine
from worker.tasks.absence import has_at_sign, has_digit_run, is_absent
from worker.tasks.base import TaskContext
from worker.tasks.locate import LocateTask

from .ocr_samples import NoEngine


def page_of(*lines: str) -> OcrDocument:
    """One word per space, one line per argument, 40 px apart."""
    words = [
        OcrWord(id=f"w{n}_{i}", text=text, bbox=(50 + 120 * i, 40 * n, 160 + 120 * i, 40 * n + 20), confidence=0.9)
        for n, line in enumerate(lines, start=1)
        for i, text in enumerate(line.split())
    ]
    return OcrDocument(pages=[OcrPage(index=0, width=1200, height=800, words=words)])


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Email: billing@acme.example"], True),
        (["Email: billing©acme.example"], True),  # OCR's reading of an @
        (["Email:", "Signed on 29/09/2023"], False),  # a label above an empty box is no address
    ],
)
def test_an_email_needs_an_at_sign(lines: list[str], expected: bool) -> None:
    assert has_at_sign(page_of(*lines)) is expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Tel: +33 1 23 45 40 93"], True),
        (["Tel: 030/1234567"], True),  # one slash: a German area code
        (["Tel: +33 l23 45 40 93"], True),  # a misread digit still leaves a run
        (["Born 14/02/1943", "Signed on 29/09/2023"], False),  # dates have two slashes
        (["Total 3 023,69"], False),  # an amount's comma breaks the run
        (["Tel: 0612", "34 98"], False),  # a run never crosses a line
    ],
)
def test_a_phone_number_needs_a_run_of_digits_on_one_line(lines: list[str], expected: bool) -> None:
    assert has_digit_run(page_of(*lines)) is expected


@pytest.mark.parametrize(
    ("target", "lines", "absent"),
    [
        (LocateTarget(name="phone", hint="a phone number"), ["Phone:", "Signed on 29/09/2023"], True),
        (LocateTarget(name="telephone"), ["Tel: 06 12 34 98 23"], False),
        (LocateTarget(name="email"), ["Email:"], True),
        (LocateTarget(name="iban", hint="an IBAN"), ["Total 119,00"], True),  # no label of an IBAN
        (LocateTarget(name="iban"), ["lBAN: FR76 3000 6000 0112 3456 7890 189"], False),  # a label misread
        (LocateTarget(name="iban"), ["Rekenlngnummer: NL41 TWND 0507 1692 56"], False),  # Dutch, misread
        # the invoice number's German label, read right, though close to Dutch "rekeningnummer"
        (LocateTarget(name="iban", hint="an IBAN"), ["Rechnungsnummer: INV-2020-2235"], True),
        (LocateTarget(name="vendor", hint="the name at the top"), ["Total 119,00"], False),  # no rule for names
    ],
)
async def test_a_target_without_a_value_is_absent_only_where_nothing_could_be_it(
    target: LocateTarget, lines: list[str], absent: bool
) -> None:
    document = page_of(*lines)
    assert is_absent(target, document) is absent
    request = LocateRequest(document=document, fields=[target])
    if absent:
        ctx = TaskContext(NoEngine())  # a model call fails the test
        [region] = (await LocateTask().run(request, ctx)).regions
        assert region.source is RegionSource.NOT_FOUND and region.bbox is None and region.confidence == 0
    else:
        answer = {"fields": [{"field": target.name, "words": [], "page": 0, "box": None}]}
        engine = ScriptedEngine([json.dumps(answer)])
        [region] = (await LocateTask().run(request, TaskContext(engine))).regions
        assert len(engine.calls) == 1  # the model was asked
