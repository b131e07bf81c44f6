"""The deterministic checks of `analyze`: what rules can see without a model.

Every issue names a field of the request (or none, for the document as a whole) and the words
behind it: the field's own word ids, or the doubtful words themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from schemas.common import MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField
from schemas.requests import AnalyzeRequest, ExpectedField, FieldFormat
from schemas.results import Issue, IssueKind, Severity

from .accents import accent_issue
from .copies import copy_issues
from .cut_values import WordPlaces, continuation_issue
from .decimal_marks import decimal_mark_issues, document_language
from .email_names import email_name_issue
from .formats import Verdict, check_format, is_checked
from .glued_names import glued_name_issue
from .glued_numbers import glued_number_issue
from .house_numbers import house_number_issue
from .item_counts import confirmed_counts
from .lost_marks import PageAddresses, lost_mark_issue
from .normalize import squash_key
from .places import misread_city_issue
from .sum_check import SUBTOTAL_NAMES, TAX_NAMES, TOTAL_NAMES, arithmetic_issues, confirmed_amounts


def find_field(document: OcrDocument, name: str) -> OcrField | None:
    """The document's field of that name: exact first, else case-insensitively."""
    exact = next((f for f in document.fields if f.name == name), None)
    if exact is not None:
        return exact
    return next((f for f in document.fields if squash_key(f.name) == squash_key(name)), None)


def has_value(field: OcrField | None) -> bool:
    return field is not None and field.value is not None and bool(field.value.strip())


def word_confidences(document: OcrDocument) -> dict[str, float]:
    return {word.id: word.confidence for page in document.pages for word in page.words}


def is_low_confidence(field: OcrField, confidences: dict[str, float], threshold: float) -> bool:
    doubtful_words = any(confidences[w] < threshold for w in field.word_ids)
    return doubtful_words or (field.confidence is not None and field.confidence < threshold)


def low_confidence_issues(document: OcrDocument, threshold: float) -> Iterator[Issue]:
    """A medium issue per doubtful field, low for one the page confirms (`confirmations`); one low
    issue for doubtful words outside every field."""
    confidences = word_confidences(document)
    confirmed = confirmations(document)
    for field in document.fields:
        if is_low_confidence(field, confidences, threshold):
            why = confirmed.get(field.name)
            yield Issue(
                field=field.name,
                kind=IssueKind.LOW_CONFIDENCE,
                severity=Severity.LOW if why else Severity.MEDIUM,
                message=f"the field or one of its words was read with confidence below {threshold:g}"
                + (f"; {why} confirms it" if why else ""),
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


def expected_field_issues(
    document: OcrDocument,
    expected: ExpectedField,
    places: WordPlaces | None = None,
    language: str | None = None,
    addresses: PageAddresses | None = None,
) -> Iterator[Issue]:
    """Required but missing, or present in the wrong format; `places`, `language` (the document's,
    from its labels) and `addresses` are computed once per request by the caller."""
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
    if expected.format is FieldFormat.TEXT:
        # words that continue it on the page say more than its ending: they are the suggestion
        cut = continuation_issue(field, places or WordPlaces.of(document))
        found = [cut] if cut is not None else list(format_issues(field, expected.format))
        if not found:  # a value that ends as values do may still be spelt as no name is
            spelling_checks: tuple[Callable[[], Issue | None], ...] = (
                lambda: accent_issue(field, language),
                lambda: glued_name_issue(field),
                lambda: glued_number_issue(field),
                lambda: house_number_issue(field),
                lambda: misread_city_issue(field),
                lambda: lost_mark_issue(field, addresses or PageAddresses(document)),
            )
            first = next((issue for check in spelling_checks if (issue := check()) is not None), None)
            found = [first] if first is not None else []  # the first that finds one; the rest are not run
        yield from found
    elif is_checked(expected.format):
        found = list(format_issues(field, expected.format))
        if not found and expected.format is FieldFormat.EMAIL:  # a valid address may misspell a name
            misspelt = email_name_issue(document, field)
            found = [misspelt] if misspelt is not None else []
        yield from found


def format_issues(field: OcrField, fmt: FieldFormat) -> Iterator[Issue]:
    """An invalid value is a format error; a doubtful one (a date valid only with day and month
    swapped, or in an implausible year) is a low implausible-value issue with its suggestion, medium
    when the check says it is likely misread (an e-mail address with a letter for a digit)."""
    assert field.value is not None
    check = check_format(field.value, fmt)
    if check.verdict is Verdict.VALID:
        return
    doubtful = check.verdict is Verdict.DOUBTFUL
    yield Issue(
        field=field.name,
        kind=IssueKind.IMPLAUSIBLE_VALUE if doubtful else IssueKind.FORMAT_ERROR,
        severity=Severity.LOW if doubtful and not check.misread else Severity.MEDIUM,
        message=check.reason if doubtful and check.reason else f"not a valid {fmt.value.replace('_', ' ')}",
        word_ids=field.word_ids,
        suggested_value=check.suggestion,
    )


SUM_CONFIRMS = "subtotal + tax = total to the cent"
COUNT_CONFIRMS = "the items the page lists above its sums"


def confirmations(document: OcrDocument) -> dict[str, str]:
    """Field name → what on the page confirms its value: the sum for the subtotal, tax and total
    (`confirmed_amounts`), the priced lines for an item count (`item_counts`)."""
    return {name: COUNT_CONFIRMS for name in confirmed_counts(document)} | {
        name: SUM_CONFIRMS for name in confirmed_amounts(document)
    }


def amount_names(request: AnalyzeRequest) -> frozenset[str]:
    """The fields that hold money amounts: declared so, or named as a sum role; by `squash_key`."""
    declared = {squash_key(e.name) for e in request.expected_fields if e.format is FieldFormat.AMOUNT}
    return frozenset(declared) | SUBTOTAL_NAMES | TAX_NAMES | TOTAL_NAMES


def checked_names(request: AnalyzeRequest) -> frozenset[str]:
    """The fields some check reads as values (a declared format, or a sum role); by `squash_key`."""
    declared = {squash_key(e.name) for e in request.expected_fields if is_checked(e.format)}
    return frozenset(declared) | amount_names(request)


def rule_issues(request: AnalyzeRequest) -> list[Issue]:
    document = request.document
    issues = list(low_confidence_issues(document, request.low_confidence))
    places, language, addresses = WordPlaces.of(document), document_language(document), PageAddresses(document)
    for expected in request.expected_fields:
        issues.extend(expected_field_issues(document, expected, places, language, addresses))
    issues.extend(arithmetic_issues(document))
    issues.extend(decimal_mark_issues(document, amount_names(request)))
    issues.extend(copy_issues(document, checked_names(request)))
    return issues
