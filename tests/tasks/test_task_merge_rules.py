"""merge's deterministic part: alignment, votes, and independence from the order of passes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.documents import OcrField
from schemas.requests import FieldFormat, MergePass, MergeRequest
from schemas.results import MergedField, MergeMethod, MergeResult
from worker.tasks.alignment import accented_reading, align, comparison_key
from worker.tasks.base import TaskContext
from worker.tasks.merge import MergeTask, grammar, is_conflict, prompt_variables
from worker.tasks.sum_readings import summed_readings

from .ocr_samples import NoEngine

names = st.sampled_from(["total", "date", "vendor", "iban", "tax"])
values = st.one_of(
    st.none(), st.sampled_from(["12.50", "12.5O", "12.56", "ACME", "acme", "Acrne", ""]), st.text(max_size=8)
)
confidences = st.one_of(st.none(), st.floats(0, 1))
field_lists = st.lists(
    st.builds(OcrField, name=names, value=values, confidence=confidences), max_size=5, unique_by=lambda f: f.name
)


def passes(fields: list[list[OcrField]]) -> list[MergePass]:
    return [MergePass(source=f"pass{n}", fields=f) for n, f in enumerate(fields)]


async def merge(request: MergeRequest) -> tuple[MergeResult, int]:
    """Run merge where the model must not be needed."""
    ctx = TaskContext(NoEngine())
    return await MergeTask().run(request, ctx), ctx.usage.llm_calls


@settings(max_examples=60, deadline=None)
@given(field_lists, st.integers(2, 5))
async def test_identical_passes_merge_to_themselves_without_the_llm(fields: list[OcrField], copies: int) -> None:
    result, calls = await merge(MergeRequest(passes=passes([fields] * copies)))
    assert calls == 0
    expected = sorted(fields, key=lambda f: f.name)
    assert [(m.name, m.value) for m in result.fields] == [(f.name, f.value) for f in expected]
    for merged, original in zip(result.fields, expected, strict=True):
        assert merged.method is (MergeMethod.NONE if original.value is None else MergeMethod.UNANIMOUS)
        assert merged.alternatives == []
        if original.value is not None:
            assert merged.sources == [f"pass{n}" for n in range(copies)] and merged.confidence >= 0.9


@settings(max_examples=60, deadline=None)
@given(st.lists(field_lists, min_size=2, max_size=4), st.randoms(use_true_random=False), st.booleans())
async def test_merge_does_not_depend_on_the_order_of_passes(
    fields: list[list[OcrField]], rng: object, restrict: bool
) -> None:
    given_passes = passes(fields)
    shuffled = list(given_passes)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    wanted = ["tax", "Total", "vendor"] if restrict else None
    first, _ = await merge(MergeRequest(passes=given_passes, fields=wanted, use_llm=False))
    second, _ = await merge(MergeRequest(passes=shuffled, fields=wanted, use_llm=False))
    assert first == second
    # what the model would be asked is the same too: same prompt, same grammar (cache hits)
    conflicts = [[f for f in align(p, wanted) if is_conflict(f)] for p in (given_passes, shuffled)]
    ordered = [sorted(c, key=lambda f: f.name) for c in conflicts]
    assert prompt_variables(ordered[0]) == prompt_variables(ordered[1])
    assert grammar(ordered[0]) == grammar(ordered[1])


def field(value: str | None, confidence: float | None = 0.9, name: str = "total") -> list[OcrField]:
    return [OcrField(name=name, value=value, confidence=confidence)]


def only(result: MergeResult) -> MergedField:
    [merged] = result.fields
    return merged


async def test_ocr_confusions_agree_and_the_most_confident_spelling_is_reported() -> None:
    result, calls = await merge(MergeRequest(passes=passes([field("12.50"), field("12.5O", 0.4), field("12.50", 0.8)])))
    merged = only(result)
    assert (merged.value, merged.method, calls) == ("12.50", MergeMethod.UNANIMOUS, 0)
    assert merged.sources == ["pass0", "pass2"]
    assert [(a.value, a.sources) for a in merged.alternatives] == [("12.5O", ["pass1"])]
    assert comparison_key("Acrne Corp") == comparison_key("ACME C0RP")


async def test_a_clear_vote_needs_no_llm() -> None:
    result, calls = await merge(
        MergeRequest(passes=passes([field("ACME", 0.9), field("ACME", 0.8), field("AMCE", 0.3)]))
    )
    merged = only(result)
    assert (merged.value, merged.method, calls) == ("ACME", MergeMethod.VOTE, 0)
    assert [(a.value, a.sources) for a in merged.alternatives] == [("AMCE", ["pass2"])]
    assert 0 < merged.confidence < 1


async def test_without_llm_a_conflict_falls_to_the_weighted_vote_and_ties_break_by_value() -> None:
    result, _ = await merge(MergeRequest(passes=passes([field("B-2", 0.7), field("A-1", 0.7)]), use_llm=False))
    assert (only(result).value, only(result).method) == ("A-1", MergeMethod.VOTE)


async def test_requested_fields_nobody_read_are_none_and_others_are_left_out() -> None:
    request = MergeRequest(passes=passes([field("1", name="a"), field(None, name="b")]), fields=["b", "c"])
    result, calls = await merge(request)
    assert [(m.name, m.value, m.method, m.confidence) for m in result.fields] == [
        ("b", None, MergeMethod.NONE, 0.0),
        ("c", None, MergeMethod.NONE, 0.0),
    ]
    assert calls == 0


def test_conflict_grammar_offers_each_fields_candidates_and_null_only() -> None:
    aligned = align(passes([field("12.50"), field("13.00"), field("12.5O", 0.5)]), None)
    schema = grammar([f for f in aligned if is_conflict(f)])
    [item] = schema["properties"]["fields"]["prefixItems"]
    assert item["properties"]["field"] == {"type": "string", "const": "total"}
    assert item["properties"]["value"]["anyOf"][0]["enum"] == ["12.50", "13.00"]


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        (["Junken Mälzer KG", "Junken Malzer KG"], "Junken Mälzer KG"),
        (["Junken Malzer KG", "Junken Malzer KG", "Junken Mälzer KG"], "Junken Mälzer KG"),  # outvoted, still right
        (["Crème Brûlée", "Creme Brulee"], "Crème Brûlée"),
    ],
)
async def test_readings_that_differ_only_by_accents_take_the_accented_one_without_the_model(
    readings: list[str], expected: str
) -> None:
    """An engine without the language's model drops accents; none adds them."""
    fields = [[OcrField(name="store", value=v, confidence=0.9)] for v in readings]
    result, calls = await merge(MergeRequest(passes=passes(fields)))
    [store] = result.fields
    assert (store.value, store.method, calls) == (expected, MergeMethod.VOTE, 0)
    assert not is_conflict(align(passes(fields), None)[0])


@pytest.mark.parametrize(
    "readings",
    [
        ["Café Noël", "Cafe Noèl"],  # accents on both: which is right is no rule's to say
        ["Mälzer", "Melzer"],  # another letter, not only an accent
    ],
)
def test_accents_settle_nothing_when_both_have_them_or_letters_differ(readings: list[str]) -> None:
    fields = [[OcrField(name="store", value=v, confidence=0.9)] for v in readings]
    [aligned] = align(passes(fields), None)
    assert accented_reading(aligned) is None and is_conflict(aligned)


@pytest.mark.parametrize(
    ("readings", "fmt", "expected"),
    [
        # a clear majority of an invalid date loses to the one valid reading
        (["25 Mak 2021", "25 Mak 2021", "25 Mai 2021"], FieldFormat.DATE, "25 Mai 2021"),
        # look-alikes agree; the valid spelling is the group's value, however the weights fall
        (["SM4A OHF", "SM4A OHF", "SM4A 0HF"], FieldFormat.POSTAL_CODE, "SM4A 0HF"),
        (["58570M", "5857OM"], FieldFormat.POSTAL_CODE, "5857OM"),
    ],
)
async def test_a_reading_valid_in_the_fields_format_wins_without_the_model(
    readings: list[str], fmt: FieldFormat, expected: str
) -> None:
    fields = [[OcrField(name="f", value=v, confidence=0.9)] for v in readings]
    result, calls = await merge(MergeRequest(passes=passes(fields), formats={"f": fmt}))
    [merged] = result.fields
    assert (merged.value, calls) == (expected, 0)
    without, _ = await merge(MergeRequest(passes=passes(fields), use_llm=False))
    assert without.fields[0].value != expected  # the vote alone would have kept the invalid reading


@pytest.mark.parametrize(
    ("readings", "expected", "method"),
    [
        # seed 4: the crop pass re-read the cut name from the cut name's box, outvoting the whole one
        (["Koster & van", "Koster & van", "Koster & van der Maes"], "Koster & van der Maes", MergeMethod.VOTE),
        (["n2A85577-2019", "n2A85577-2019", "A85577-2019"], "A85577-2019", MergeMethod.VOTE),  # a sign read into it
        # look-alikes agree, and the group is spelt as text is (seed 10: RapidOCR's `0irschot`)
        (["Stichting van 0irschot", "Stichting van Oirschot"], "Stichting van Oirschot", MergeMethod.UNANIMOUS),
    ],
)
async def test_a_text_reading_cut_off_or_misread_loses_to_the_only_one_that_is_not(
    readings: list[str], expected: str, method: MergeMethod
) -> None:
    """A field without a format is text: `formats.check_text` is its format check."""
    fields = [[OcrField(name="vendor", value=v, confidence=0.95 - 0.1 * n)] for n, v in enumerate(readings)]
    result, calls = await merge(MergeRequest(passes=passes(fields), use_llm=False))
    assert (only(result).value, only(result).method, calls) == (expected, method, 0)


def test_the_format_settles_nothing_when_several_or_no_readings_are_valid() -> None:
    both = [[OcrField(name="f", value=v, confidence=0.9)] for v in ("12.03.2024", "13.03.2024")]
    none = [[OcrField(name="f", value=v, confidence=0.9)] for v in ("12.O3.2O2x", "13 Mak")]
    for fields in (both, none):
        [aligned] = align(passes(fields), None, {"f": FieldFormat.DATE})
        assert aligned.format_winner is None and is_conflict(aligned)


async def test_a_spelling_read_twice_by_one_engine_loses_to_the_surer_reading() -> None:
    """A page and its crop, both read by one engine, repeat its misreading: within a look-alike
    group the most confident vote's spelling is reported, not the most voted one."""
    fields = [field("New Abduimouth", 0.82), field("New Abduimouth", 0.8), field("New Abdulmouth", 0.97)]
    merged = only((await merge(MergeRequest(passes=passes(fields))))[0])
    assert merged.value == "New Abdulmouth" and merged.method is MergeMethod.UNANIMOUS


def amounts_pass(source: str, subtotal: str, tax: str, total: str) -> MergePass:
    values = {"subtotal": subtotal, "tax": tax, "total": total}
    return MergePass(source=source, fields=[OcrField(name=n, value=v, confidence=0.9) for n, v in values.items()])


async def test_the_readings_whose_amounts_add_up_win_without_the_model() -> None:
    """Seed 4: Tesseract read the subtotal 4 764,19 as 4784,19 and the model picked it; the sum
    4 764,19 + 476,42 = 5 240,61 confirms RapidOCR's reading."""
    request = MergeRequest(
        passes=[
            amounts_pass("tesseract", "4784,19", "476,42", "5 240,61"),
            amounts_pass("rapidocr", "4 764,19", "476,42", "5 240,61"),
        ]
    )
    result, calls = await merge(request)
    subtotal = next(f for f in result.fields if f.name == "subtotal")
    assert (subtotal.value, subtotal.method, subtotal.sources, calls) == ("4 764,19", MergeMethod.VOTE, ["rapidocr"], 0)
    assert summed_readings(align(request.passes, None)) == {
        "subtotal": "4 764,19",
        "tax": "476,42",
        "total": "5 240,61",
    }


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # two combinations add up (100 + 10 = 110, 100 + 19 = 119): the sum cannot tell which
        (("100.00", "10.00", "110.00"), ("100.00", "19.00", "119.00")),
        (("100.00", "10.00", "111.00"), ("100.00", "19.00", "118.00")),  # none adds up
    ],
)
def test_the_sum_settles_nothing_unless_exactly_one_combination_adds_up(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    assert summed_readings(align([amounts_pass("a", *first), amounts_pass("b", *second)], None)) == {}
