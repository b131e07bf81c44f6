"""The issue of a rule that knows how a text value should read: one shape for every such rule."""

from __future__ import annotations

from collections.abc import Callable

from schemas.documents import OcrField
from schemas.results import Issue, IssueKind, Severity

from .label_vocabulary import vocabulary


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


def concept_fix_issue(field: OcrField, concept: str, fix: Callable[[str], str | None], reason: str) -> Issue | None:
    """The `misread_issue` of a rule for one kind of field, with `fix(value)` as the value should
    read, for a field named as the label vocabulary's `concept` (`name`, `street`); None for another
    field, one without a value, or a value `fix` leaves as it is (None)."""
    if vocabulary().concept_of(field.name) != concept or field.value is None:
        return None
    fixed = fix(field.value)
    return misread_issue(field, reason, fixed) if fixed is not None else None
