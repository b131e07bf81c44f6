"""analyze's model findings carry no model-written text (issue 13, item 3), through our `Engine`
protocol's test double: the grammar, the composed message and the suggestion's candidates."""

from __future__ import annotations

import json

from schemas.bounds import max_output_tokens
from schemas.decoding import MAX_FINDINGS, AnalyzeDecoding, FindingKind
from schemas.narrowing import max_findings, narrow_analyze
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import IssueKind, IssueSource
from tests.scripted_engine import ScriptedEngine
from worker.tasks.analyze import AnalyzeTask, finding_message, grammar
from worker.tasks.base import TaskContext
from worker.tasks.checks import rule_issues

from .ocr_samples import NoEngine, invoice


def finding(field: str | None, kind: str, suggestion: str | None, words: list[str] | None = None) -> dict[str, object]:
    return {"field": field, "kind": kind, "severity": "medium", "words": words or [], "suggestion": suggestion}


def test_the_static_finding_has_no_free_text_field() -> None:
    properties = AnalyzeDecoding.model_json_schema()["$defs"]["Finding"]["properties"]
    assert set(properties) == {"field", "kind", "severity", "words", "suggestion"}


def test_suggestions_are_the_rules_own_and_null_without_them() -> None:
    request = AnalyzeRequest(document=invoice(total="130.00"))  # the sum check suggests 119.00
    suggestion = grammar(request, rule_issues(request))["$defs"]["Finding"]["properties"]["suggestion"]
    assert suggestion == {"anyOf": [{"type": "string", "enum": ["119.00"]}, {"type": "null"}]}
    clean = AnalyzeRequest(document=invoice(total="119.00"))
    assert grammar(clean, rule_issues(clean))["$defs"]["Finding"]["properties"]["suggestion"] == {"type": "null"}


def test_answer_bound_shrinks_with_the_number_of_fields() -> None:
    bounds = [max_output_tokens(narrow_analyze([f"f{i}" for i in range(n)], ["w1"])) for n in range(8)]
    assert [max_findings(n) for n in range(8)] == [1, 2, 3, 4, 5, 6, 6, 6]
    assert bounds == sorted(bounds) and bounds[0] < bounds[5] == bounds[7]
    assert narrow_analyze(["a"], ["w1"])["properties"]["issues"]["maxItems"] == 2
    assert narrow_analyze(["f"] * 9, ["w1"])["properties"]["issues"]["maxItems"] == 2  # names counted once
    assert max_findings(100) == MAX_FINDINGS


async def test_message_is_composed_by_code_and_a_suggestion_needs_its_field() -> None:
    answer = {
        "issues": [
            finding("total", "implausible_value", "119.00", ["w10"]),  # the rules offered 119.00 for total
            finding("tax", "inconsistent", "119.00"),  # offered for another field: dropped
            finding(None, "other", None),
        ]
    }
    engine = ScriptedEngine([json.dumps(answer)])
    request = AnalyzeRequest(document=invoice(total="130.00"))
    result = await AnalyzeTask().run(request, TaskContext(engine))
    llm = [i for i in result.issues if i.source is IssueSource.LLM]
    assert [(i.field, i.kind, i.suggested_value) for i in llm] == [
        ("total", IssueKind.IMPLAUSIBLE_VALUE, "119.00"),
        ("tax", IssueKind.INCONSISTENT, None),
        (None, IssueKind.OTHER, None),
    ]
    assert llm[0].message == finding_message(FindingKind.IMPLAUSIBLE_VALUE, "total")
    assert '"total"' in llm[0].message and "implausible value" in llm[0].message
    assert llm[2].message == finding_message(FindingKind.OTHER, None) and "the document" in llm[2].message
    prompt = engine.calls[0].prompt[-1]["content"]  # type: ignore[index]
    assert 'total: "119.00"' in prompt  # the model sees the value it may suggest, for its field


async def test_no_call_when_the_rules_settled_every_field() -> None:
    """Issue 13, item 5: a document the rules pass whole needs no model; one where they saw a
    misreading gets it; one whose only flaw is a missing field is settled too (no value to judge)."""
    expected = [ExpectedField(name="total", format=FieldFormat.AMOUNT, required=True)]
    clean = AnalyzeRequest(document=invoice(total="119.00"), expected_fields=expected)
    ctx = TaskContext(NoEngine())
    result = await AnalyzeTask().run(clean, ctx)
    assert ctx.usage.llm_calls == 0 and result.issues == [] and not result.needs_review
    document = invoice(total="119.00")
    document.fields[0].confidence = 0.3  # the invoice number (a total the sum confirms would be settled)
    doubtful = AnalyzeRequest(document=document)
    engine = ScriptedEngine(['{"issues": []}'])
    await AnalyzeTask().run(doubtful, TaskContext(engine))
    assert len(engine.calls) == 1
    missing = AnalyzeRequest(document=invoice(total="119.00"), expected_fields=[ExpectedField(name="iban")])
    assert not missing.expected_fields[0].required  # an optional field, absent: nothing to judge
    await AnalyzeTask().run(missing, TaskContext(NoEngine()))
    required = [ExpectedField(name="iban", format=FieldFormat.IBAN, required=True)]
    lacking = AnalyzeRequest(document=invoice(total="119.00"), expected_fields=required)
    ctx = TaskContext(NoEngine())  # a call would fail the test
    result = await AnalyzeTask().run(lacking, ctx)
    assert ctx.usage.llm_calls == 0 and result.needs_review  # the rule still says so, at high severity
    assert [(i.field, i.kind) for i in result.issues] == [("iban", IssueKind.MISSING_FIELD)]
    document = invoice(total="119.00")
    document.fields[0].confidence = 0.3  # a misread beside the missing field: the model is asked
    engine = ScriptedEngine(['{"issues": []}'])
    await AnalyzeTask().run(AnalyzeRequest(document=document, expected_fields=required), TaskContext(engine))
    assert len(engine.calls) == 1
