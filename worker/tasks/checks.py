"""The deterministic checks of `analyze`: what rules can see without a model.

Every issue names a field of the request (or none, for the document as a whole) and the words
behind it: the field's own word ids, or the doubtful words themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from schemas.common import MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity

from .formats import is_valid, parse_amount, suggest_fix

CENT = Decimal("0.01")
# Names the arithmetic check recognises, compared after `role_key`.
SUBTOTAL_NAMES = frozenset({"subtotal", "sub_total", "net", "net_amount", "net_total", "total_net", "amount_net"})
TAX_NAMES = frozenset({"tax", "vat", "tax_amount", "vat_amount", "sales_tax", "total_tax", "gst"})
TOTAL_NAMES = frozenset(
    {"total", "total_amount", "grand_total", "amount_due", "total_due", "gross", "gross_amount", "total_gross"}
)


def role_key(name: str) -> str:
    """'Grand Total' and 'grand-total' → 'grand_total'."""
    return re.sub(r"[\s\-]+", "_", name.strip().casefold())


def find_field(document: OcrDocument, name: str) -> OcrField | None:
    """The document's field of that name: exact first, else case-insensitively."""
    exact = next((f for f in document.fields if f.name == name), None)
    if exact is not None:
        return exact
    return next((f for f in document.fields if role_key(f.name) == role_key(name)), None)


def has_value(field: OcrField | None) -> bool:
    return field is not None and field.value is not None and bool(field.value.strip())


def word_confidences(document: OcrDocument) -> dict[str, float]:
    return {word.id: word.confidence for page in document.pages for word in page.words}


def is_low_confidence(field: OcrField, confidences: dict[str, float], threshold: float) -> bool:
    doubtful_words = any(confidences[w] < threshold for w in field.word_ids)
    return doubtful_words or (field.confidence is not None and field.confidence < threshold)


def low_confidence_issues(document: OcrDocument, threshold: float) -> Iterator[Issue]:
    """A medium issue per doubtful field; one low issue for doubtful words outside every field."""
    confidences = word_confidences(document)
    for field in document.fields:
        if is_low_confidence(field, confidences, threshold):
            yield Issue(
                field=field.name,
                kind=IssueKind.LOW_CONFIDENCE,
                severity=Severity.MEDIUM,
                message=f"the field or one of its words was read with confidence below {threshold:g}",
                word_ids=field.word_ids,
            )
    in_fields = {w for f in document.fields for w in f.word_ids}
    stray = [w.id for p in document.pages for w in p.words if w.confidence < threshold and w.id not in in_fields]
    if stray:
        yield Issue(
            field=None,
            kind=IssueKind.LOW_CONFIDENCE,
            severity=Severity.LOW,
            message=f"{len(stray)} words outside the fields were read with confidence below {threshold:g}",
            word_ids=stray[:MAX_WORD_REFS],
        )


def expected_field_issues(document: OcrDocument, expected: ExpectedField) -> Iterator[Issue]:
    """Required but missing, or present in the wrong format."""
    field = find_field(document, expected.name)
    if not has_value(field):
        if expected.required:
            yield Issue(
                field=field.name if field is not None else expected.name,
                kind=IssueKind.MISSING_FIELD,
                severity=Severity.HIGH,
                message="required field is missing or empty",
                word_ids=field.word_ids if field is not None else [],
            )
        return
    assert field is not None and field.value is not None
    if expected.format is not FieldFormat.TEXT and not is_valid(field.value, expected.format):
        yield Issue(
            field=field.name,
            kind=IssueKind.FORMAT_ERROR,
            severity=Severity.MEDIUM,
            message=f"not a valid {expected.format.value.replace('_', ' ')}",
            word_ids=field.word_ids,
            suggested_value=suggest_fix(field.value, expected.format),
        )


def _role_field(document: OcrDocument, names: frozenset[str]) -> OcrField | None:
    return next((f for f in document.fields if role_key(f.name) in names and has_value(f)), None)


def arithmetic_issues(document: OcrDocument) -> Iterator[Issue]:
    """subtotal + tax = total, within a cent, when all three fields exist and parse as amounts."""
    roles = [_role_field(document, names) for names in (SUBTOTAL_NAMES, TAX_NAMES, TOTAL_NAMES)]
    if any(f is None or f.value is None for f in roles):
        return
    amounts = [parse_amount(f.value) for f in roles if f is not None and f.value is not None]
    subtotal, tax, total = amounts
    if subtotal is None or tax is None or total is None or abs(subtotal + tax - total) <= CENT:
        return
    expected = (subtotal + tax).quantize(CENT)
    total_field = roles[2]
    assert total_field is not None
    yield Issue(
        field=total_field.name,
        kind=IssueKind.ARITHMETIC_MISMATCH,
        severity=Severity.HIGH,
        message=f"subtotal + tax = {expected}, but the total is {total}",
        word_ids=list(dict.fromkeys(w for f in roles if f is not None for w in f.word_ids)),
        suggested_value=str(expected),
    )


def rule_issues(request: AnalyzeRequest) -> list[Issue]:
    document = request.document
    issues = list(low_confidence_issues(document, request.low_confidence))
    for expected in request.expected_fields:
        issues.extend(expected_field_issues(document, expected))
    issues.extend(arithmetic_issues(document))
    return issues
