"""The sum check: subtotal + tax = total, to the cent, and which amount a misread digit explains.

Three amounts that add up confirm each other (`confirmed_amounts`): a misread digit breaks the sum.
A sum that fails names the amount one misread digit explains, with that digit fixed, reading an
amount the fields lack beside its label on the page and a printed tax rate (`printed_sums`).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, localcontext

from schemas.common import MAX_FIELD_VALUE, MAX_WORD_REFS
from schemas.documents import OcrDocument, OcrField
from schemas.results import Issue, IssueKind, Severity

from .amounts import one_digit_fix
from .formats import parse_amount
from .normalize import squash_key
from .printed_sums import SUM_CONCEPTS, printed_sum_fields, printed_tax_rate

CENT = Decimal("0.01")
EXACT_DIGITS = 2 * MAX_FIELD_VALUE + 8
"""Digits of decimal precision for the sum check: exact for any two amounts a field can hold."""
MAX_MESSAGE = 500
"""`Issue.message`'s limit."""


def role_names(*names: str) -> frozenset[str]:
    """Names the arithmetic check recognises, compared by `squash_key`."""
    return frozenset(squash_key(n) for n in names)


SUBTOTAL_NAMES = role_names("subtotal", "sub_total", "net", "net_amount", "net_total", "total_net", "amount_net")
TAX_NAMES = role_names("tax", "vat", "tax_amount", "vat_amount", "sales_tax", "total_tax", "gst")
TOTAL_NAMES = role_names(
    "total", "total_amount", "grand_total", "amount_due", "total_due", "gross", "gross_amount", "total_gross"
)
ROLE_NAMES = (SUBTOTAL_NAMES, TAX_NAMES, TOTAL_NAMES)
"""The sum's roles in its order: subtotal + tax = total."""


def _role_field(document: OcrDocument, names: frozenset[str]) -> OcrField | None:
    return next((f for f in document.fields if squash_key(f.name) in names and bool((f.value or "").strip())), None)


def within_a_cent(subtotal: Decimal, tax: Decimal, total: Decimal) -> bool:
    """subtotal + tax = total to the cent, computed exactly for every amount a field can hold
    (`EXACT_DIGITS`); False for an amount no decimal context can hold."""
    with localcontext() as exact:
        exact.prec = EXACT_DIGITS
        try:
            return abs(subtotal + tax - total) <= CENT
        except ArithmeticError:
            return False


def _sum_check(subtotal: Decimal, tax: Decimal, total: Decimal) -> Decimal | None:
    """subtotal + tax to the cent when it differs from `total` by more than a cent, else None.

    An amount no decimal context can hold (a huge exponent, a NaN or an infinity from a parser)
    counts as no number, not as a bug."""
    if not all(a.is_finite() for a in (subtotal, tax, total)) or within_a_cent(subtotal, tax, total):
        return None
    with localcontext() as exact:
        exact.prec = EXACT_DIGITS
        try:
            return (subtotal + tax).quantize(CENT)
        except ArithmeticError:
            return None


def amount_of(text: str) -> Decimal | None:
    """The finite amount a reading holds (`parse_amount`); None for none, or one no decimal
    context can hold: the sum check has nothing to compare then."""
    try:
        amount = parse_amount(text)
    except ArithmeticError:
        return None
    return amount if amount is not None and amount.is_finite() else None


def _sum_roles(
    document: OcrDocument, printed: bool = False
) -> tuple[list[OcrField], tuple[Decimal, Decimal, Decimal]] | None:
    """The subtotal, tax and total fields and their amounts, when all three exist and parse; with
    `printed`, a role the fields lack is the amount the page prints beside its label
    (`printed_sums`)."""
    roles = [_role_field(document, names) for names in ROLE_NAMES]
    if printed and None in roles:
        on_page = printed_sum_fields(document)
        roles = [f if f is not None else on_page.get(c) for f, c in zip(roles, SUM_CONCEPTS, strict=True)]
    fields = [f for f in roles if f is not None and f.value is not None]
    if len(fields) != len(roles):
        return None
    subtotal, tax, total = (amount_of(f.value) for f in fields if f.value is not None)
    if subtotal is None or tax is None or total is None:
        return None
    return fields, (subtotal, tax, total)


def confirmed_amounts(document: OcrDocument) -> frozenset[str]:
    """The subtotal's, tax's and total's names when subtotal + tax equals the total exactly: three
    readings that add up to the cent confirm each other, since a misread digit breaks the sum (a
    low confidence on them is then no reason to doubt them)."""
    roles = _sum_roles(document)
    if roles is None:
        return frozenset()
    fields, (subtotal, tax, total) = roles
    with localcontext() as exact:
        exact.prec = EXACT_DIGITS
        try:
            adds_up = subtotal + tax == total
        except ArithmeticError:
            return frozenset()
    return frozenset(f.name for f in fields) if adds_up else frozenset()


def misread_amounts(
    fields: list[OcrField], amounts: tuple[Decimal, Decimal, Decimal], rate: Decimal | None = None
) -> list[tuple[int, str]]:
    """Which of subtotal, tax and total (0, 1, 2) one misread digit would explain, each with its
    reading so fixed: the amount the other two determine (total − tax, total − subtotal,
    subtotal + tax), when `one_digit_fix` reaches it. A digit misread in the subtotal without a carry
    is also one digit away in the tax and the total it implies, so several can qualify; a printed
    tax `rate` keeps those whose fixed subtotal and tax it fits (`fits_rate`), when any does."""
    subtotal, tax, total = amounts
    with localcontext() as exact:
        exact.prec = EXACT_DIGITS
        try:
            meant = (total - tax, total - subtotal, subtotal + tax)
        except ArithmeticError:
            return []
    found = [
        (role, fix)
        for role, (field, value) in enumerate(zip(fields, meant, strict=True))
        if field.value is not None and (fix := one_digit_fix(field.value, value)) is not None
    ]
    if rate is None:
        return found
    fitting = [(role, fix) for role, fix in found if fits_rate(rate, *_fixed(amounts, role, meant[role])[:2])]
    return fitting or found


def _fixed(amounts: tuple[Decimal, Decimal, Decimal], role: int, value: Decimal) -> tuple[Decimal, ...]:
    return tuple(value if i == role else amount for i, amount in enumerate(amounts))


def fits_rate(rate: Decimal, subtotal: Decimal, tax: Decimal) -> bool:
    """Whether the tax is the rate of the subtotal, rounded to the cent either way."""
    with localcontext() as exact:
        exact.prec = EXACT_DIGITS
        try:
            return abs(rate * subtotal - tax) <= CENT
        except ArithmeticError:
            return False


def arithmetic_issues(document: OcrDocument) -> Iterator[Issue]:
    """subtotal + tax = total, within a cent, when all three fields exist and parse as amounts. An
    issue names each amount one misread digit explains (`misread_amounts`: `1.160,53` where the
    total says 1.100,53), with that digit fixed; when none is, the total, with the sum (low when an
    amount came from the page, `_blame_severity`)."""
    roles = _sum_roles(document, printed=True)
    if roles is None:
        return
    fields, (subtotal, tax, total) = roles
    expected = _sum_check(subtotal, tax, total)
    if expected is None:
        return
    misread = misread_amounts(fields, (subtotal, tax, total), printed_tax_rate(document))
    for role, fix in misread:
        field = fields[role]
        message = f"subtotal + tax = total holds when {field.name} reads {fix}: one digit misread"
        yield sum_issue(field, fields, message, fix)
    if not misread:
        message = f"subtotal + tax = {expected}, but the total is {total}"
        suggestion = str(expected) if len(str(expected)) <= MAX_FIELD_VALUE else None
        yield sum_issue(fields[2], fields, message, suggestion, _blame_severity(document))


def _blame_severity(document: OcrDocument) -> Severity:
    """How sure a failed sum that no misread digit explains is that the total is wrong: high when
    the fields hold all three amounts; low when one came from the page beside its label, since the
    field reader that lost it read that line poorly, and the amount there may be the misread one
    (`Zwischensumme 633468` for 633,46) or another line's (a tax beside a misread subtotal label)."""
    from_page = any(_role_field(document, names) is None for names in ROLE_NAMES)
    return Severity.LOW if from_page else Severity.HIGH


def sum_issue(
    field: OcrField, fields: list[OcrField], message: str, suggestion: str | None, severity: Severity = Severity.HIGH
) -> Issue:
    """An arithmetic mismatch naming `field`, citing the three amounts' words in sum order."""
    cited = list(dict.fromkeys(w for f in fields for w in f.word_ids))
    return Issue(
        field=field.name,
        kind=IssueKind.ARITHMETIC_MISMATCH,
        severity=severity,
        # amounts too long to quote (a message holds 500 characters) are left out, not cut
        message=message if len(message) <= MAX_MESSAGE else "subtotal + tax does not equal the total",
        word_ids=cited[:MAX_WORD_REFS],  # the subtotal's words first, then the tax's, then the total's
        suggested_value=suggestion,
    )
