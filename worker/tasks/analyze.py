"""analyze: rule checks first, then (if `use_llm`) ONE grounded LLM call for what rules miss.

The model's grammar lists only the request's field names and word ids, so a finding can cite
nothing else. Findings that repeat a rule issue (same field and kind, where a model's
`inconsistent` repeats a rule's `arithmetic_mismatch`) are dropped, and so are claims that a field
with a value is missing: the request itself contradicts them.

quality = mean OCR word confidence (fields' confidences when there are no words; 1 without
either) × Π over issues of (1 − penalty[severity]), penalties low 0.02, medium 0.08, high 0.2:
a clean, confidently read document scores near 1, and every issue lowers it, the severe ones most.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from schemas.decoding import AnalyzeDecoding, Finding, FindingKind
from schemas.narrowing import narrow_analyze
from schemas.requests import AnalyzeRequest
from schemas.results import AnalyzeResult, Issue, IssueKind, IssueSource, Severity

from .base import TaskBase, TaskContext
from .checks import find_field, has_value, is_low_confidence, role_key, rule_issues, word_confidences
from .grounding import ask, chat, document_word_ids, field_line, known_ids, require_known

PENALTY = {Severity.LOW: 0.02, Severity.MEDIUM: 0.08, Severity.HIGH: 0.2}


def field_names(request: AnalyzeRequest) -> list[str]:
    """The names an issue may cite: the document's fields, then expected fields it lacks."""
    names = [f.name for f in request.document.fields]
    present = {role_key(n) for n in names}
    names.extend(e.name for e in request.expected_fields if role_key(e.name) not in present)
    return names


def prompt_variables(request: AnalyzeRequest, rules: list[Issue]) -> dict[str, Any]:
    expected = [f"{e.name} ({e.format.value}{', required' if e.required else ''})" for e in request.expected_fields]
    findings = list(dict.fromkeys(f"{i.field or 'document'}: {i.kind.value}" for i in rules))
    return {
        "expected": expected,
        "rule_findings": findings,
        "fields": [field_line(f) for f in request.document.fields],
        "pages": request.document.pages,
    }


def grammar(request: AnalyzeRequest) -> dict[str, Any]:
    return narrow_analyze(field_names(request), document_word_ids(request.document))


def finding_issue(finding: Finding, request: AnalyzeRequest, known_words: set[str]) -> Issue | None:
    """The finding as an issue citing the field's words and the known words the model named;
    None for a claim the request contradicts (a field with a value reported missing)."""
    field = find_field(request.document, finding.field) if finding.field is not None else None
    if finding.kind is FindingKind.MISSING_FIELD and has_value(field):
        return None
    cited = [*(field.word_ids if field is not None else []), *finding.words]
    return Issue(
        field=finding.field,
        kind=IssueKind(finding.kind.value),
        severity=finding.severity,
        message=finding.note,
        word_ids=known_ids(cited, known_words),
        suggested_value=finding.fix,
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


async def llm_issues(request: AnalyzeRequest, rules: list[Issue], ctx: TaskContext) -> list[Issue]:
    names = field_names(request)
    messages = chat("analyze", **prompt_variables(request, rules))
    answer = await ask(ctx, messages, grammar(request), AnalyzeDecoding)
    known_words = set(document_word_ids(request.document))
    issues = []
    for finding in answer.issues:
        require_known(finding.field, names, "field")
        issue = finding_issue(finding, request, known_words)
        if issue is not None:
            issues.append(issue)
    return without_repeats(issues, rules)


def quality(request: AnalyzeRequest, issues: list[Issue]) -> float:
    document = request.document
    confidences = list(word_confidences(document).values()) or [
        f.confidence for f in document.fields if f.confidence is not None
    ]
    base = math.fsum(confidences) / len(confidences) if confidences else 1.0
    factor = math.prod(sorted(1.0 - PENALTY[i.severity] for i in issues))
    return round(min(1.0, max(0.0, base * factor)), 4)


def summarise(request: AnalyzeRequest, issues: list[Issue]) -> AnalyzeResult:
    document = request.document
    confidences = word_confidences(document)
    doubtful = {i.field for i in issues if i.severity is not Severity.LOW and i.field is not None}
    doubtful |= {f.name for f in document.fields if is_low_confidence(f, confidences, request.low_confidence)}
    uncertain = [name for name in field_names(request) if name in doubtful]
    required = {role_key(e.name) for e in request.expected_fields if e.required}
    return AnalyzeResult(
        issues=issues,
        uncertain_fields=uncertain,
        needs_review=any(i.severity is Severity.HIGH for i in issues)
        or any(role_key(name) in required for name in uncertain),
        quality=quality(request, issues),
    )


class AnalyzeTask(TaskBase[AnalyzeRequest, AnalyzeResult]):
    async def run(self, request: AnalyzeRequest, ctx: TaskContext) -> AnalyzeResult:
        rules = rule_issues(request)
        found = await llm_issues(request, rules, ctx) if request.use_llm else []
        return summarise(request, [*rules, *found])

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [narrow_analyze(["field"], ["w1"])]
