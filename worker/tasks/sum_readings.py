"""Which readings of the subtotal, tax and total the sum confirms, across OCR passes (for merge).

Two passes that read an amount differently (Tesseract `4784,19`, RapidOCR `4 764,19` for a subtotal
of 4 764,19) are a conflict that neither a format nor a vote may settle, and the model picked the
misread one (seed 4 of the evaluation). The page settles it itself: of the readings of the
subtotal, the tax and the total, one combination adds up to the cent (4 764,19 + 476,42 =
5 240,61), and a misread digit breaks the sum. When exactly one combination of amounts does, each
of the three fields takes a reading of its amount in it (its heaviest group of that amount); when
none or several do, nothing is settled here.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from itertools import product

from .alignment import AlignedField, Group
from .normalize import squash_key
from .sum_check import ROLE_NAMES, amount_of, within_a_cent

MAX_COMBINATIONS = 10_000
"""Combinations of readings tried at the most (passes × passes × passes): beyond, nothing is settled."""


def _amounts(field: AlignedField) -> list[tuple[Decimal, Group]]:
    return [(amount, group) for group in field.groups if (amount := amount_of(group.value)) is not None]


def summed_readings(fields: Sequence[AlignedField]) -> dict[str, str]:
    """Field name → the reading the sum confirms, for the subtotal, tax and total when exactly one
    combination of their readings' amounts adds up to the cent; empty otherwise."""
    roles = [next((f for f in fields if squash_key(f.name) in names and f.groups), None) for names in ROLE_NAMES]
    if any(role is None for role in roles):
        return {}
    readings = [_amounts(role) for role in roles if role is not None]
    if any(not r for r in readings) or len(readings[0]) * len(readings[1]) * len(readings[2]) > MAX_COMBINATIONS:
        return {}
    sums = {tuple(a for a, _ in combo) for combo in product(*readings) if within_a_cent(*(a for a, _ in combo))}
    if len(sums) != 1:
        return {}
    confirmed = sums.pop()
    settled = {}
    for role, read, amount in zip(roles, readings, confirmed, strict=True):
        assert role is not None
        settled[role.name] = next(group.value for a, group in read if a == amount)  # groups are heaviest first
    return settled
