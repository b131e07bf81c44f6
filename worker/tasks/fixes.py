"""The issue of a rule that knows how a text value should read: one shape for every such rule."""

from __future__ import annotations

from schemas.documents import OcrField
from schemas.results import Issue, IssueKind, Severity


def misread_issue(field: OcrField, reason: str, fixed: str, kind: IssueKind = IssueKind.IMPLAUSIBLE_VALUE) -> Issue:
    """A medium issue (`implausible_value` unless the page contradicts the value: `inconsistent`) on
    the field's words, with the value as it should read."""
    return Issue(
        field=field.name,
        kind=kind,
        severity=Severity.MEDIUM,
        message=reason,
        word_ids=field.word_ids,
        suggested_value=fixed,
    )
