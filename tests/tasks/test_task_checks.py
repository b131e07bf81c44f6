"""analyze's deterministic checks and summary, without the LLM (use_llm false; no engine)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.decoding import Finding, FindingKind
from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import AnalyzeResult, Issue, IssueKind, IssueSource, Severity
from worker.tasks import sum_check
from worker.tasks.analyze import AnalyzeTask, finding_issue, needs_model, quality, without_repeats
from worker.tasks.base import TaskContext
from worker.tasks.checks import rule_issues
from worker.tasks.sum_check import arithmetic_issues, confirmed_amounts

from .ocr_samples import NoEngine, invoice


def fields_document(**values: str) -> OcrDocument:
    fields = [OcrField(name=name, value=value, confidence=0.9) for name, value in values.items()]
    return OcrDocument(pages=[OcrPage(index=0, width=100, height=100)], fields=fields)


cents = st.integers(0, 10**9).map(lambda c: Decimal(c) / 100)


@settings(deadline=None)  # the first parse warms babel's locale data up
@given(cents, cents)
def test_consistent_totals_raise_no_arithmetic_issue(subtotal: Decimal, tax: Decimal) -> None:
    document = fields_document(Subtotal=f"{subtotal:,.2f}", VAT=f"{tax:.2f}", TOTAL=f"{subtotal + tax:.2f}")
    assert list(arithmetic_issues(document)) == []


@settings(deadline=None)
@given(cents, cents, st.integers(2, 10**6).map(lambda c: Decimal(c) / 100), st.booleans())
def test_totals_off_by_more_than_a_cent_are_flagged_with_the_sum(
    subtotal: Decimal, tax: Decimal, error: Decimal, over: bool
) -> None:
    """Each issue names one of the three amounts, and its suggestion in that amount's place makes
    the sum hold: the total's is the sum, another's is its reading with one digit fixed."""
    total = subtotal + tax + (error if over else -error)
    printed = {"subtotal": f"{subtotal:.2f}", "tax": f"{tax:.2f}", "grand_total": f"{total:.2f}"}
    issues = list(arithmetic_issues(fields_document(**printed)))
    assert issues and all(i.kind is IssueKind.ARITHMETIC_MISMATCH for i in issues)
    for issue in issues:
        assert issue.field in printed and issue.suggested_value is not None
        fixed = {**printed, issue.field: issue.suggested_value}
        assert list(arithmetic_issues(fields_document(**fixed))) == []
        if issue.field != "grand_total":
            changed = [a != b for a, b in zip(printed[issue.field], issue.suggested_value, strict=True)]
            assert sum(changed) == 1


@pytest.mark.parametrize(
    ("subtotal", "tax", "total", "named"),
    [
        # seed 4 of the evaluation: Tesseract read 1.100,53 as 1.160,53; only the subtotal is one digit off
        ("1.160,53", "55,03", "1.155,56", {"subtotal": "1.100,53"}),
        ("1.100,53", "55,93", "1.155,56", {"tax": "55,03"}),  # and 55,03 as 55,93
        ("1.100,53", "55,03", "1.155,50", {"total": "1.155,56"}),  # fixing another would take two digits
        # one digit off in the subtotal, no carry: the tax and the total could be as well
        ("4784,19", "476,42", "5 240,61", {"subtotal": "4764,19", "tax": "456,42", "total": "5 260,61"}),
        ("100.00", "19.00", "130.00", {"total": "119.00"}),  # no one digit explains it: the total, with the sum
    ],
)
def test_the_sum_check_names_the_amounts_one_misread_digit_explains(
    subtotal: str, tax: str, total: str, named: dict[str, str]
) -> None:
    issues = arithmetic_issues(fields_document(subtotal=subtotal, tax=tax, total=total))
    assert {i.field: i.suggested_value for i in issues} == named


EXPECTED = [
    ExpectedField(name="invoice_date", format=FieldFormat.DATE, required=True),
    ExpectedField(name="Total", format=FieldFormat.AMOUNT, required=True),
    ExpectedField(name="iban", format=FieldFormat.IBAN, required=True),
]


async def analyze_without_llm(request: AnalyzeRequest) -> tuple[AnalyzeResult, TaskContext]:
    ctx = TaskContext(NoEngine())
    return await AnalyzeTask().run(request, ctx), ctx


async def test_rules_find_arithmetic_missing_and_format_problems_without_any_llm_call() -> None:
    document = invoice(total="130.00")
    document.fields[1].value = "31.02.2024"
    request = AnalyzeRequest(document=document, expected_fields=EXPECTED, use_llm=False)
    result, ctx = await analyze_without_llm(request)
    issues = result.issues
    found = {(i.field, i.kind) for i in issues}
    assert found == {
        ("total", IssueKind.ARITHMETIC_MISMATCH),
        ("iban", IssueKind.MISSING_FIELD),
        ("invoice_date", IssueKind.FORMAT_ERROR),
    }
    assert all(i.source is IssueSource.RULES for i in issues)
    mismatch = next(i for i in issues if i.kind is IssueKind.ARITHMETIC_MISMATCH)
    assert mismatch.suggested_value == "119.00" and mismatch.word_ids == ["w6", "w8", "w10"]
    assert ctx.usage.llm_calls == 0
    assert result.uncertain_fields == ["invoice_date", "total", "iban"]
    assert result.needs_review is True


async def test_a_clean_invoice_has_no_issues_and_its_quality_is_the_mean_confidence() -> None:
    request = AnalyzeRequest(
        document=invoice(total="119.00", total_confidence=0.95), expected_fields=EXPECTED[:2], use_llm=False
    )
    result, _ = await analyze_without_llm(request)
    issues = result.issues
    assert issues == []
    assert result.needs_review is False and result.uncertain_fields == []
    assert result.quality == 0.95


def test_low_confidence_cites_the_field_and_its_words_and_stray_words_separately() -> None:
    document = invoice(total="119.00", total_confidence=0.3)
    document.fields[2].confidence = 0.3  # the subtotal; the tax is dropped, so no sum confirms anything
    document.fields.pop(3)
    document.pages[0].words[0].confidence = 0.2  # "Invoice", in no field
    issues = rule_issues(AnalyzeRequest(document=document, low_confidence=0.6))
    assert [(i.field, i.severity, i.word_ids) for i in issues] == [
        ("subtotal", Severity.MEDIUM, ["w6"]),
        ("total", Severity.MEDIUM, ["w10"]),
        (None, Severity.LOW, ["w1"]),
    ]


@pytest.mark.parametrize(("total", "confirmed"), [("119.00", True), ("119.01", False), ("118.00", False)])
async def test_a_sum_that_adds_up_to_the_cent_confirms_low_confidence_amounts(total: str, confirmed: bool) -> None:
    """subtotal + tax = total exactly: a misread digit would break the sum, so a low confidence on
    those amounts is a low issue, the fields are not uncertain, and the model is not asked."""
    document = invoice(total=total, total_confidence=0.3)
    request = AnalyzeRequest(document=document, low_confidence=0.6, use_llm=True)
    doubt = next(i for i in rule_issues(request) if i.kind is IssueKind.LOW_CONFIDENCE)
    assert doubt.field == "total" and (doubt.severity is Severity.LOW) is confirmed
    assert confirmed_amounts(document) == (frozenset({"subtotal", "tax", "total"}) if confirmed else frozenset())
    if confirmed:
        result, ctx = await analyze_without_llm(request)  # NoEngine: a call would fail the test
        assert result.uncertain_fields == [] and ctx.usage.llm_calls == 0 and not result.needs_review
    else:
        assert "total" in (await analyze_without_llm(request.model_copy(update={"use_llm": False})))[0].uncertain_fields


@given(st.lists(st.sampled_from(list(Severity)), max_size=40), st.floats(0, 1))
def test_quality_stays_in_0_1_and_falls_with_every_issue(severities: list[Severity], confidence: float) -> None:
    document = invoice(total="119.00")
    for w in document.pages[0].words:
        w.confidence = confidence
    request = AnalyzeRequest(document=document, use_llm=False)
    issues = [Issue(field=None, kind=IssueKind.OTHER, severity=s, message="x") for s in severities]
    scores = [quality(request, issues[:n]) for n in range(len(issues) + 1)]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_llm_findings_keep_only_request_words_and_cannot_claim_a_present_field_missing() -> None:
    request = AnalyzeRequest(document=invoice(total="119.00"))
    known = {"w1", "w10"}
    odd = Finding(field="total", kind=FindingKind.OTHER, severity=Severity.LOW, words=["X99", "w1"], suggestion=None)
    issue = finding_issue(odd, request, known)
    assert issue is not None and issue.word_ids == ["w10", "w1"] and issue.source is IssueSource.LLM
    missing = odd.model_copy(update={"kind": FindingKind.MISSING_FIELD})
    assert finding_issue(missing, request, known) is None


def test_llm_findings_cannot_claim_an_optional_field_missing() -> None:
    optional = [ExpectedField(name="iban", format=FieldFormat.IBAN, required=False)]
    request = AnalyzeRequest(document=invoice(total="119.00"), expected_fields=optional)
    claim = Finding(field="iban", kind=FindingKind.MISSING_FIELD, severity=Severity.HIGH, words=[], suggestion=None)
    assert finding_issue(claim, request, set()) is None
    required = request.model_copy(update={"expected_fields": [optional[0].model_copy(update={"required": True})]})
    kept = finding_issue(claim, required, set())
    assert kept is not None and kept.kind is IssueKind.MISSING_FIELD


def test_llm_findings_the_format_libraries_or_the_sum_check_refute_are_dropped() -> None:
    document = invoice(total="119.00")  # 100.00 + 19.00 = 119.00: the three amounts confirm each other
    dates = [ExpectedField(name="invoice_date", format=FieldFormat.DATE)]
    request = AnalyzeRequest(document=document, expected_fields=dates)
    confirmed = confirmed_amounts(document)

    def claim(field: str, kind: FindingKind) -> Finding:
        return Finding(field=field, kind=kind, severity=Severity.MEDIUM, words=[], suggestion=None)

    assert finding_issue(claim("invoice_date", FindingKind.FORMAT_ERROR), request, set(), None, confirmed) is None
    for kind in (FindingKind.INCONSISTENT, FindingKind.IMPLAUSIBLE_VALUE, FindingKind.FORMAT_ERROR):
        assert finding_issue(claim("tax", kind), request, set(), None, confirmed) is None
    # what no library or sum can settle stays: an odd date, a text field, amounts that do not add up
    assert finding_issue(claim("invoice_date", FindingKind.IMPLAUSIBLE_VALUE), request, set(), None, confirmed)
    assert finding_issue(claim("invoice_number", FindingKind.FORMAT_ERROR), request, set(), None, confirmed)
    assert finding_issue(claim("tax", FindingKind.INCONSISTENT), request, set(), None, frozenset())
    # a claim about a value the field does not have: an optional field absent from the page
    optional = [ExpectedField(name="items", format=FieldFormat.INTEGER, required=False)]
    absent = request.model_copy(update={"expected_fields": optional})
    for kind in (FindingKind.IMPLAUSIBLE_VALUE, FindingKind.INCONSISTENT, FindingKind.OTHER):
        assert finding_issue(claim("items", kind), absent, set(), None, confirmed) is None


def test_llm_findings_that_repeat_a_rule_issue_are_dropped() -> None:
    rule = Issue(field="total", kind=IssueKind.ARITHMETIC_MISMATCH, severity=Severity.HIGH, message="sum")
    same = Issue(field="total", kind=IssueKind.INCONSISTENT, severity=Severity.LOW, message="x", source=IssueSource.LLM)
    other = same.model_copy(update={"field": "tax"})
    assert without_repeats([same, other, other], [rule]) == [other]


def test_any_decimal_a_parser_returns_is_added_exactly_and_never_crashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the default decimal context, 29+ digits made `quantize` raise InvalidOperation (an
    `internal` job). The sum check holds for any Decimal, whatever the amount parser accepts."""
    monkeypatch.setattr(sum_check, "parse_amount", Decimal)  # every numeric string, NaN and exponents included
    big = "9" * 29
    [issue] = arithmetic_issues(fields_document(subtotal=f"{big}.00", tax="1.00", total="0"))
    assert issue.suggested_value == f"1{'0' * 29}.00" and issue.suggested_value in issue.message
    huge = "9" * 1000  # the longest value a field holds: the sum no longer fits a field or a message
    [issue] = arithmetic_issues(fields_document(subtotal=huge, tax=huge, total="0"))
    assert issue.suggested_value is None and issue.message == "subtotal + tax does not equal the total"
    for odd in ("NaN", "-Infinity", "1e999999", "not a number"):  # no number to compare: no issue
        assert list(arithmetic_issues(fields_document(subtotal=odd, tax="1.00", total="2.00"))) == []


@pytest.mark.parametrize(
    ("name", "fmt", "printed", "kind", "fix"),
    [
        ("postal_code", FieldFormat.POSTAL_CODE, "SM4A OHF", IssueKind.FORMAT_ERROR, "SM4A 0HF"),
        ("postal_code", FieldFormat.POSTAL_CODE, "ABCDE", IssueKind.FORMAT_ERROR, None),
        ("email", FieldFormat.EMAIL, "sibille0l@trubin.de", IssueKind.IMPLAUSIBLE_VALUE, "sibille01@trubin.de"),
    ],
)
async def test_a_doubt_with_a_derived_fix_needs_no_model(
    name: str, fmt: FieldFormat, printed: str, kind: IssueKind, fix: str | None
) -> None:
    """The model may only offer the rules' own suggestions: about a field the rules already fixed it
    has nothing to add, so the call is skipped; a format error without a fix still gets it."""
    document = fields_document(**{name: printed})
    request = AnalyzeRequest(document=document, expected_fields=[ExpectedField(name=name, format=fmt)], use_llm=True)
    [error] = rule_issues(request)
    assert (error.kind, error.suggested_value) == (kind, fix)
    assert needs_model(request, [error]) is (fix is None)
    if fix is not None:
        result, ctx = await analyze_without_llm(request)  # NoEngine: a call would fail the test
        assert result.uncertain_fields == [name] and ctx.usage.llm_calls == 0
