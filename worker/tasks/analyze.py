"""analyze: rule checks first, then (if `use_llm`) ONE grounded LLM call for what rules miss.

The model's grammar lists only the request's field names and word ids, so a finding can cite
nothing else, and a finding holds no text the model wrote: its kind, field, evidence words and a
suggested value chosen from the rules' own suggestions for this request (the values the format and
arithmetic checks derived; null when they derived none). Code writes the issue's message from the
kind and the field name, so no model-written text reaches the caller. A suggestion is kept only
on a finding about the field the rules suggested it for. The answer's size bound shrinks with
the number of fields it may name (`schemas.narrowing.max_findings`).

The call is made only when the rules saw the OCR misread this page (`needs_model`: a doubt about a
value it read that they could not settle themselves); a page they pass whole, or whose only flaw is
a field without a value, is settled. locate likewise makes no call when every target's value was
placed.

The rules suggest only values a check verified, which is why they, and not every OCR word's text,
are the candidates: the model can pick one, never invent one.

Findings that repeat a rule issue (same field and kind, where a model's `inconsistent` repeats a
rule's `arithmetic_mismatch`) are dropped, and so are claims that a field with a value is
missing: the request itself contradicts them.

quality = mean OCR word confidence (fields' confidences when there are no words; 1 without
either) × Π over issues of (1 − penalty[severity]), penalties low 0.02, medium 0.08, high 0.2:
a clean, confidently read document scores near 1, and every issue lowers it, the severe ones most.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from typing import Any

from prompts.lines import expected_item, field_line, finding_item, suggestion_item
from schemas.common import MAX_FIELDS, MAX_WORD_REFS
from schemas.decoding import AnalyzeDecoding, Finding, FindingKind, is_suggestable
from schemas.documents import OcrDocument, OcrField
from schemas.narrowing import narrow_analyze
from schemas.requests import AnalyzeRequest, FieldFormat, TaskName
from schemas.results import AnalyzeResult, Issue, IssueKind, IssueSource, Severity
from schemas.tasks import SPECS

from ..engine import Messages
from .base import TaskBase, TaskContext
from .checks import confirmations, find_field, has_value, is_low_confidence, rule_issues, word_confidences
from .chunking import parts_that_fit
from .formats import is_checked, is_valid
from .grounding import ask, chat, document_word_ids, known_ids, require_known
from .normalize import squash_key

PENALTY = {Severity.LOW: 0.02, Severity.MEDIUM: 0.08, Severity.HIGH: 0.2}


def field_names(request: AnalyzeRequest) -> list[str]:
    """The names an issue may cite: the document's fields, then expected fields it lacks."""
    names = [f.name for f in request.document.fields]
    present = {squash_key(n) for n in names}
    names.extend(e.name for e in request.expected_fields if squash_key(e.name) not in present)
    return names


KIND_PHRASES = {
    FindingKind.IMPLAUSIBLE_VALUE: "an implausible value",
    FindingKind.INCONSISTENT: "a value inconsistent with other fields or its words",
    FindingKind.FORMAT_ERROR: "a format error",
    FindingKind.MISSING_FIELD: "a missing field",
    FindingKind.OTHER: "a problem",
}


def finding_message(kind: FindingKind, field: str | None) -> str:
    """The issue's message, composed by code: the kind and the field's name, nothing the model wrote."""
    where = f'field "{field}"' if field is not None else "the document"
    return f"the model reports {KIND_PHRASES[kind]} in {where}; check the cited words"


def rule_suggestions(rules: list[Issue]) -> dict[str | None, list[str]]:
    """Field → the values the rules suggested for it, each once, in rule order."""
    offered: dict[str | None, list[str]] = {}
    for issue in rules:
        if issue.suggested_value is not None and is_suggestable(issue.suggested_value):
            values = offered.setdefault(issue.field, [])
            if issue.suggested_value not in values:
                values.append(issue.suggested_value)
    return offered


def prompt_variables(request: AnalyzeRequest, rules: list[Issue]) -> dict[str, Any]:
    findings = list(dict.fromkeys(finding_item(i.field, i.kind.value) for i in rules))
    offered = rule_suggestions(rules)
    return {
        "expected": [expected_item(e) for e in request.expected_fields],
        "rule_findings": findings,
        "suggestions": [suggestion_item(name, value) for name, values in offered.items() for value in values],
        "fields": [field_line(f) for f in request.document.fields],
        "pages": request.document.pages,
    }


def grammar(request: AnalyzeRequest, rules: list[Issue]) -> dict[str, Any]:
    offered = [value for values in rule_suggestions(rules).values() for value in values]
    return narrow_analyze(field_names(request), document_word_ids(request.document), offered)


def is_optional(request: AnalyzeRequest, name: str | None) -> bool:
    """Whether the request declares the field optional: its absence is then no issue."""
    key = squash_key(name) if name is not None else None
    return any(not e.required and squash_key(e.name) == key for e in request.expected_fields)


VALUE_CLAIMS = frozenset({FindingKind.INCONSISTENT, FindingKind.IMPLAUSIBLE_VALUE, FindingKind.FORMAT_ERROR})
"""What the model may claim of a value the page confirms, and cannot be right about."""


def declared_format(request: AnalyzeRequest, name: str) -> FieldFormat | None:
    key = squash_key(name)
    return next((e.format for e in request.expected_fields if squash_key(e.name) == key), None)


def is_contradicted(
    finding: Finding, field: OcrField | None, request: AnalyzeRequest, confirmed: frozenset[str]
) -> bool:
    """A claim the request itself refutes: a field with a value, or one declared optional, reported
    missing; any other claim about a field without a value (there is no value to be wrong); a format
    error in a value valid in its declared format (the format's own library decides that, not the
    model); a wrong value the page confirms: a subtotal, tax and total that add up to the cent, an
    item count its priced lines confirm (`checks.confirmations`). A finding about the document as a
    whole (no field) stands."""
    if finding.kind is FindingKind.MISSING_FIELD:
        return has_value(field) or is_optional(request, finding.field)
    if finding.field is None:
        return False
    if field is None or field.value is None or not has_value(field):
        return True
    if field.name in confirmed and finding.kind in VALUE_CLAIMS:
        return True
    fmt = declared_format(request, field.name)
    return finding.kind is FindingKind.FORMAT_ERROR and is_checked(fmt) and is_valid(field.value, fmt)


def finding_issue(
    finding: Finding,
    request: AnalyzeRequest,
    known_words: set[str],
    offered: dict[str | None, list[str]] | None = None,
    confirmed: frozenset[str] = frozenset(),
) -> Issue | None:
    """The finding as an issue citing the field's words and the known words the model named; None
    for a claim the request contradicts (`is_contradicted`; `confirmed`: the amounts the sum check
    confirmed). Its suggestion survives only when the rules offered it for that field (`offered`)."""
    field = find_field(request.document, finding.field) if finding.field is not None else None
    if is_contradicted(finding, field, request, confirmed):
        return None
    cited = [*(field.word_ids if field is not None else []), *finding.words]
    suggestion = finding.suggestion if finding.suggestion in (offered or {}).get(finding.field, []) else None
    return Issue(
        field=finding.field,
        kind=IssueKind(finding.kind.value),
        severity=finding.severity,
        message=finding_message(finding.kind, finding.field),
        word_ids=known_ids(cited, known_words)[:MAX_WORD_REFS],  # the field's words first
        suggested_value=suggestion,
        source=IssueSource.LLM,
    )


def concern(issue: Issue) -> tuple[str | None, IssueKind]:
    """What an issue is about; a rule's arithmetic mismatch is the inconsistency a model reports."""
    kind = IssueKind.INCONSISTENT if issue.kind is IssueKind.ARITHMETIC_MISMATCH else issue.kind
    return issue.field, kind


def without_repeats(found: Iterable[Issue], already: Iterable[Issue]) -> list[Issue]:
    """Issues whose concern no earlier issue has."""
    seen = {concern(i) for i in already}
    kept = []
    for issue in found:
        if concern(issue) not in seen:
            seen.add(concern(issue))
            kept.append(issue)
    return kept


def model_call(request: AnalyzeRequest, rules: list[Issue]) -> tuple[Messages, dict[str, Any]]:
    """The prompt and grammar of the one call: seconds of CPU for 50 full pages, so run in a thread."""
    return chat("analyze", **prompt_variables(request, rules)), grammar(request, rules)


async def llm_issues(request: AnalyzeRequest, rules: list[Issue], ctx: TaskContext) -> list[Issue]:
    """One call, or one per part of a document too long for one (`chunking`): the union of the
    parts' findings, each concern once."""

    def build(part: OcrDocument) -> tuple[Messages, dict[str, Any]]:
        return model_call(request.model_copy(update={"document": part}), rules)

    names = field_names(request)
    known_words = set(document_word_ids(request.document))
    offered = rule_suggestions(rules)
    confirmed = frozenset(confirmations(request.document))
    issues = []
    for part in await parts_that_fit(request.document, build, ctx.engine):
        answer = await ask(ctx, part.messages, part.schema, AnalyzeDecoding)
        for finding in answer.issues:
            require_known(finding.field, names, "field")
            issue = finding_issue(finding, request, known_words, offered, confirmed)
            if issue is not None:
                issues.append(issue)
    return without_repeats(issues, rules)


def is_settled_doubt(issue: Issue) -> bool:
    """A doubt the rules settled themselves: a low confidence they lowered (the sum check confirms
    the amount), or a format error or implausible value with the fix a check derived (a date's
    swap, an address's misread letter: the model may only offer the rules' suggestions, so it could
    add nothing about that field)."""
    if issue.kind is IssueKind.LOW_CONFIDENCE:
        return issue.severity is Severity.LOW
    fixable = issue.kind in (IssueKind.FORMAT_ERROR, IssueKind.IMPLAUSIBLE_VALUE)
    return fixable and issue.suggested_value is not None


def is_misreading_sign(issue: Issue) -> bool:
    """An issue that says the OCR misread a value it read (a doubtful word, a malformed value, a sum
    that fails), which the rules did not settle themselves. A missing field is no such sign: the
    page lacks the field or the OCR lost its label, and the model, which judges values, has none."""
    return issue.kind is not IssueKind.MISSING_FIELD and not is_settled_doubt(issue)


def needs_model(request: AnalyzeRequest, rules: list[Issue]) -> bool:
    """Whether the rules saw the OCR misread this page: a page misread in one place may be misread
    where no rule can see (a plausible wrong name, an e-mail address with a letter changed), and
    finding those is the model's job. A page without such a sign is settled, and skipping its call
    both saves the call and avoids the model's false alarms on clean pages. Calls made only for
    missing fields found nothing in the evaluation (seeds 1-3: no true finding in 23 such calls,
    3 false ones), and they were a quarter of its LLM calls (23 of 87)."""
    signs = [i for i in rules if is_misreading_sign(i)]
    if any(i.field is not None for i in signs):
        return True
    return bool(summarise(request, signs).uncertain_fields)


def quality(request: AnalyzeRequest, issues: list[Issue]) -> float:
    document = request.document
    confidences = list(word_confidences(document).values()) or [
        f.confidence for f in document.fields if f.confidence is not None
    ]
    base = math.fsum(confidences) / len(confidences) if confidences else 1.0
    factor = math.prod(sorted(1.0 - PENALTY[i.severity] for i in issues))
    return round(min(1.0, max(0.0, base * factor)), 4)


def cut_notice(uncertain: list[str]) -> Issue:
    """What a result says when `uncertain_fields` holds only the first MAX_FIELDS names."""
    return Issue(
        field=None,
        kind=IssueKind.OTHER,
        severity=Severity.LOW,
        message=f"{len(uncertain)} fields are uncertain; uncertain_fields lists the first {MAX_FIELDS} "
        "(the document's fields in order, then the expected fields it lacks)",
    )


def summarise(request: AnalyzeRequest, issues: list[Issue]) -> AnalyzeResult:
    """The result; more than MAX_FIELDS uncertain fields (document fields plus missing expected
    ones) are cut to the first MAX_FIELDS, and a low `other` issue says so. The cut changes
    neither `needs_review` nor `quality`."""
    document = request.document
    confidences = word_confidences(document)
    doubtful = {i.field for i in issues if i.severity is not Severity.LOW and i.field is not None}
    confirmed = confirmations(document)
    doubtful |= {
        f.name
        for f in document.fields
        if is_low_confidence(f, confidences, request.low_confidence) and f.name not in confirmed
    }
    uncertain = [name for name in field_names(request) if name in doubtful]
    required = {squash_key(e.name) for e in request.expected_fields if e.required}
    return AnalyzeResult(
        issues=[*issues, cut_notice(uncertain)] if len(uncertain) > MAX_FIELDS else issues,
        uncertain_fields=uncertain[:MAX_FIELDS],
        needs_review=any(i.severity is Severity.HIGH for i in issues)
        or any(squash_key(name) in required for name in uncertain),
        quality=quality(request, issues),
    )


class AnalyzeTask(TaskBase[AnalyzeRequest, AnalyzeResult]):
    spec = SPECS[TaskName.ANALYZE]

    async def run(self, request: AnalyzeRequest, ctx: TaskContext) -> AnalyzeResult:
        # the rules and the summary walk every word: in a thread, so other jobs keep the event loop
        rules = await asyncio.to_thread(rule_issues, request)
        found = await llm_issues(request, rules, ctx) if request.use_llm and needs_model(request, rules) else []
        return await asyncio.to_thread(summarise, request, [*rules, *found])

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [narrow_analyze(["field"], ["w1"])]


TASK = AnalyzeTask()
