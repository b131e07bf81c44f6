"""locate with a known value: every printed occurrence is a candidate (issue 13, item 1).

Glued symbols and labels, values split across words, OCR look-alikes; one candidate is located
without the model, several are settled by nearby labels, and only then by the model, whose
grammar lists nothing but the candidates."""

from __future__ import annotations

import json

import pytest

from schemas.documents import OcrDocument, OcrPage
from schemas.requests import LocateRequest, LocateTarget
from schemas.results import RegionSource
from tests.scripted_engine import Call, ScriptedEngine
from worker.tasks.base import TaskContext
from worker.tasks.locate import LABEL_CHOICE_FACTOR, MODEL_CHOICE_FACTOR, LocateTask
from worker.tasks.matching import ValueIndex

from .ocr_samples import NoEngine, word
from .test_task_matching import document_of


@pytest.mark.parametrize(
    ("texts", "value", "expected"),
    [
        (["Total", "€4.904,94"], "4.904,94", [(["w1"], 8 / 9)]),  # a currency symbol glued on
        (["n°562044387"], "562044387", [(["w0"], 9 / 11)]),  # a label glued on
        (["No.", "562044387:"], "562044387", [(["w1"], 0.9)]),  # a separate label; a colon glued on
        (["4.904", ",94"], "4.904,94", [(["w0", "w1"], 1.0)]),  # split across words
        (["EUR12.00", "x"], "12.00", [(["w0"], 5 / 8)]),
        (["2119.00"], "119.00", []),  # a digit is no glue: 2119.00 is another number
        (["xAcme", "Acmeco"], "Acme", []),  # a letter glued to a letter is another word
        (["12345.00"], "5.00", []),  # more than MAX_GLUE characters
        (["4.9O4,94"], "4.904,94", [(["w0"], 0.85)]),  # OCR read O for 0: a look-alike
        (["Tessier", "jo@tessier.com"], "Tessier", [(["w0"], 1.0)]),  # a domain is no printing of a name
        (["Anna@web.de"], "Anna", []),  # nor is a mailbox
        (["Anna@web.de"], "anna@web.de", [(["w0"], 1.0)]),  # the address itself is found
    ],
)
def test_candidates_allow_glue_splits_and_lookalikes(texts: list[str], value: str, expected: list[object]) -> None:
    found = ValueIndex(document_of(texts)).candidates(value)
    assert [(c.word_ids, pytest.approx(c.score)) for c in found] == expected


def test_lookalikes_count_only_when_no_occurrence_matches_as_printed() -> None:
    found = ValueIndex(document_of(["1O.00", "10.00"])).candidates("10.00")
    assert [c.word_ids for c in found] == [["w1"]]


def twice(label_a: str, label_b: str, value: str = "119.00", glued: str = "119.00") -> OcrDocument:
    """`value` printed on two lines, each after its label; the second printed as `glued`."""
    words = [
        word("w1", label_a, 50, 400),
        word("w2", value, 400, 400, confidence=0.9),
        word("w3", label_b, 50, 480),
        word("w4", glued, 400, 480, confidence=0.9),
    ]
    return OcrDocument(pages=[OcrPage(index=0, width=1000, height=800, words=words)])


async def test_the_label_on_the_values_line_decides_without_the_model() -> None:
    request = LocateRequest(
        document=twice("Subtotal", "Total", glued="€119.00"), fields=[LocateTarget(name="total", value="119.00")]
    )
    [region] = (await LocateTask().run(request, TaskContext(NoEngine()))).regions
    assert region.word_ids == ["w4"] and region.bbox == (400, 480, 480, 500)  # the glued word's whole box
    assert region.confidence == pytest.approx(0.9 * LABEL_CHOICE_FACTOR * 6 / 7, abs=1e-4)


async def test_a_hint_in_the_documents_language_names_the_label() -> None:
    document = twice("Vervaldatum", "Factuurdatum", value="29-03-2014", glued="29-03-2014")
    target = LocateTarget(name="invoice_date", hint="Factuurdatum", value="29-03-2014")
    [region] = (
        await LocateTask().run(LocateRequest(document=document, fields=[target]), TaskContext(NoEngine()))
    ).regions
    assert region.word_ids == ["w4"]


async def test_the_model_chooses_only_among_the_candidates_when_labels_do_not_settle() -> None:
    def answer(call: Call) -> str:
        [item] = call.schema["properties"]["fields"]["prefixItems"]  # type: ignore[index]
        assert item["properties"]["words"]["items"]["enum"] == ["w2", "w4"]  # the candidates' first words only
        assert item["properties"]["box"] == {"type": "null"}
        return json.dumps({"fields": [{"field": "total", "words": ["w4"], "page": 0, "box": None}]})

    engine = ScriptedEngine(answer)
    request = LocateRequest(document=twice("Foo", "Bar"), fields=[LocateTarget(name="total", value="119.00")])
    ctx = TaskContext(engine)
    [region] = (await LocateTask().run(request, ctx)).regions
    assert ctx.usage.llm_calls == 1 and region.source is RegionSource.WORDS
    assert region.word_ids == ["w4"] and region.confidence == pytest.approx(0.9 * MODEL_CHOICE_FACTOR)
    assert "total: w2 w4" in engine.calls[0].prompt[-1]["content"]  # type: ignore[index]


async def test_one_candidate_needs_no_model_even_when_glued() -> None:
    document = document_of(["Invoice", "n°562044387"])
    request = LocateRequest(document=document, fields=[LocateTarget(name="invoice_number", value="562044387")])
    [region] = (await LocateTask().run(request, TaskContext(NoEngine()))).regions
    assert region.word_ids == ["w1"] and region.confidence == pytest.approx(0.95 * 9 / 11, abs=1e-4)
