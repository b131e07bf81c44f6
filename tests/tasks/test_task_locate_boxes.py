"""locate's deterministic part: boxes from words, value matches, grounding of the model's answer."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from schemas.decoding import FieldLocation
from schemas.documents import OcrDocument, OcrPage
from schemas.requests import LocateRequest, LocateTarget
from schemas.results import RegionSource
from worker.tasks.base import TaskContext
from worker.tasks.locate import LocateTask, located, union_box
from worker.tasks.matching import match_value

from .ocr_samples import NoEngine, invoice, word


@st.composite
def page_and_boxes(draw: st.DrawFn) -> tuple[int, int, list[tuple[float, float, float, float]]]:
    width, height = draw(st.integers(1, 20_000)), draw(st.integers(1, 20_000))
    boxes = []
    for _ in range(draw(st.integers(1, 8))):
        x0, x1 = sorted(draw(st.floats(0, width)) for _ in range(2))
        y0, y1 = sorted(draw(st.floats(0, height)) for _ in range(2))
        boxes.append((x0, y0, x1, y1))
    return width, height, boxes


@given(page_and_boxes(), st.integers(0, 500))
def test_a_union_box_contains_every_word_and_lies_inside_the_page(
    page: tuple[int, int, list[tuple[float, float, float, float]]], padding: int
) -> None:
    width, height, boxes = page
    x0, y0, x1, y1 = union_box(boxes, padding, width, height)
    assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height
    for bx0, by0, bx1, by1 in boxes:
        assert x0 <= bx0 and y0 <= by0 and bx1 <= x1 and by1 <= y1
    # padding is added wherever the page leaves room for it
    assert x0 == max(0.0, min(b[0] for b in boxes) - padding)
    assert y1 == min(height, max(b[3] for b in boxes) + padding)


def test_a_known_value_spelled_by_one_run_of_words_is_located_without_the_llm() -> None:
    document = invoice(total="119.00")
    assert match_value("inv-2024-001", document) == ["w2"]
    assert match_value("Subtotal 100.00", document) == ["w5", "w6"]
    assert match_value("Tax 100.00", document) is None  # not consecutive in reading order
    assert match_value("100.00", invoice(total="100.00")) is None  # printed twice: ambiguous
    assert match_value("Date 12.03.2024", document) == ["w3", "w4"]
    assert match_value("nowhere", document) is None


async def test_value_matches_need_no_llm_call_and_box_is_words_plus_padding() -> None:
    request = LocateRequest(document=invoice(), fields=[LocateTarget(name="date", value="12.03.2024")], padding=5)
    ctx = TaskContext(NoEngine())
    [region] = (await LocateTask().run(request, ctx)).regions
    assert ctx.usage.llm_calls == 0
    assert (region.source, region.page, region.word_ids) == (RegionSource.WORDS, 0, ["w4"])
    assert region.bbox == (195.0, 85.0, 285.0, 115.0) and region.confidence == 0.95


def two_pages() -> OcrDocument:
    return OcrDocument(
        pages=[
            OcrPage(index=0, width=1000, height=800, words=[word("a", "Total", 10, 10)]),
            OcrPage(index=1, width=500, height=400, words=[word("b", "12", 100, 100), word("c", "EUR", 200, 100)]),
        ]
    )


def test_cited_words_keep_the_page_most_of_them_are_on_and_unknown_ids_are_dropped() -> None:
    request = LocateRequest(document=two_pages(), fields=[LocateTarget(name="total")], padding=0)
    words = request.document.words_by_id()
    answer = FieldLocation(field="total", words=["a", "X99", "c", "b"], page=0, box=None)
    region = located(answer, request.fields[0], request, words)
    assert (region.page, region.word_ids, region.bbox) == (1, ["b", "c"], (100.0, 100.0, 280.0, 120.0))
    assert "X99" not in region.word_ids


def test_without_known_words_a_grid_box_is_an_estimate_and_no_box_is_not_found() -> None:
    request = LocateRequest(document=two_pages(), fields=[LocateTarget(name="total")], padding=0)
    words = request.document.words_by_id()
    target = request.fields[0]
    estimate = located(
        FieldLocation(field="total", words=["X99"], page=1, box=[60, 50, 10, 20]), target, request, words
    )
    assert (estimate.source, estimate.page, estimate.word_ids) == (RegionSource.ESTIMATED, 1, [])
    assert estimate.bbox == (50.0, 80.0, 305.0, 204.0) and estimate.confidence <= 0.3
    missing = located(FieldLocation(field="total", words=[], page=0, box=None), target, request, words)
    assert (missing.source, missing.page, missing.bbox, missing.confidence) == (RegionSource.NOT_FOUND, None, None, 0.0)


def test_words_the_model_cites_for_a_phone_or_an_email_must_have_their_shape() -> None:
    """Seed 4: an invoice without a phone passed the page's shape test on its IBAN's digits, and the
    model cited the address block for `phone`; words without a run of phone digits locate nothing."""
    address = [word("a1", "Margrafplatz", 10, 10), word("a2", "36", 200, 10), word("a3", "Hamburg", 10, 50)]
    phone = [word("p1", "+49", 10, 100), word("p2", "30", 80, 100), word("p3", "127505", 130, 100)]
    page = OcrPage(index=0, width=1000, height=800, words=[*address, *phone, word("m", "a@b.de", 10, 150)])
    request = LocateRequest(
        document=OcrDocument(pages=[page]), fields=[LocateTarget(name="phone"), LocateTarget(name="email")]
    )
    words = request.document.words_by_id()
    phone_target, email_target = request.fields
    cited_address = FieldLocation(field="phone", words=["a1", "a2", "a3"], page=0, box=None)
    assert located(cited_address, phone_target, request, words).source is RegionSource.NOT_FOUND
    cited_phone = FieldLocation(field="phone", words=["p1", "p2", "p3"], page=0, box=None)
    assert located(cited_phone, phone_target, request, words).word_ids == ["p1", "p2", "p3"]
    assert located(cited_address.model_copy(update={"field": "email"}), email_target, request, words).bbox is None
    cited_mail = FieldLocation(field="email", words=["m"], page=0, box=None)
    assert located(cited_mail, email_target, request, words).word_ids == ["m"]
    total = LocateTarget(name="total")  # no shape to hold it to
    assert located(cited_address.model_copy(update={"field": "total"}), total, request, words).word_ids == [
        "a1",
        "a2",
        "a3",
    ]


def test_words_the_model_cites_for_a_phone_must_be_mostly_phone_characters() -> None:
    """Seed 12: on an invoice without a phone, the model cited its header block, whose date's eight
    digits make a run; a phone's words with its label pass."""
    block = [word("h1", "Henson", 10, 10), word("h2", "PLC", 90, 10), word("h3", "Date:", 150, 10)]
    block.append(word("h4", "2025-06-10", 220, 10))
    phone = [word("t", "Tel.:", 10, 100), word("p1", "+49", 80, 100), word("p2", "30", 130, 100)]
    phone.append(word("p3", "127505", 180, 100))
    page = OcrPage(index=0, width=1000, height=800, words=[*block, *phone])
    request = LocateRequest(document=OcrDocument(pages=[page]), fields=[LocateTarget(name="phone")])
    words, [target] = request.document.words_by_id(), request.fields
    cited_block = FieldLocation(field="phone", words=[w.id for w in block], page=0, box=None)
    assert located(cited_block, target, request, words).source is RegionSource.NOT_FOUND
    cited_phone = FieldLocation(field="phone", words=[w.id for w in phone], page=0, box=None)
    assert located(cited_phone, target, request, words).word_ids == ["t", "p1", "p2", "p3"]
