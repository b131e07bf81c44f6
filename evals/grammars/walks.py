"""Driving a matcher: feeding it given tokens, and random walks that draw each token from its mask."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from schemas.bounds import max_output_tokens

from .interface import Grammar
from .vocab import Mask, Vocab, allowed_tokens, allows

WALK_CAP_MARGIN = 16
"""Steps a random walk may take past `max_output_tokens(schema)`: reaching them means the bound fails."""
WALK_STEP_LIMIT = 8_000
"""Absolute cap on a walk's steps, for schemas whose bound is larger still (keeps runs short)."""


def feed(grammar: Grammar, tokens: Sequence[int], vocab: Vocab) -> str | None:
    """Advance through `tokens`, then require a stop token to be allowed; None if all went through,
    else what failed."""
    matcher = grammar.matcher()
    for i, token in enumerate(tokens):
        if not matcher.advance(token):
            return f"token {i} ({vocab.decode([token])!r}) rejected after {vocab.decode(tokens[:i])!r}"
    mask = vocab.new_mask()
    matcher.fill_mask(mask)
    if not any(allows(mask, t) for t in vocab.stop_ids):
        return "no stop token allowed at the end"
    return None


@dataclass
class Walk:
    """One random generation: every token drawn uniformly from those the mask allowed."""

    tokens: list[int] = field(default_factory=list)
    """Drawn tokens, the final stop token included when one was drawn."""
    stopped: bool = False
    failure: str = ""
    """Why the walk ended other than by a stop token: an empty mask or a refused advance."""
    mask_seconds: list[float] = field(default_factory=list)


def draw(mask: Mask, rng: np.random.Generator, vocab_size: int) -> int | None:
    """A token drawn uniformly among those `mask` allows (None if it allows none).

    A few rejection draws first (cheap when most of the vocabulary is allowed, as inside a
    string); both paths are uniform over the allowed set, so the mixture is too.
    """
    for _ in range(8):
        token = int(rng.integers(vocab_size))
        if allows(mask, token):
            return token
    allowed = allowed_tokens(mask, vocab_size)
    if allowed.size == 0:
        return None
    return int(allowed[int(rng.integers(allowed.size))])


def walk_cap(schema: dict[str, Any]) -> int:
    """The step cap of a random walk on `schema`."""
    return min(max_output_tokens(schema) + WALK_CAP_MARGIN, WALK_STEP_LIMIT)


def random_walk(grammar: Grammar, vocab: Vocab, rng: np.random.Generator, max_steps: int) -> Walk:
    walk = Walk()
    matcher = grammar.matcher()
    mask = vocab.new_mask()
    for _ in range(max_steps):
        start = time.perf_counter()
        matcher.fill_mask(mask)
        walk.mask_seconds.append(time.perf_counter() - start)
        token = draw(mask, rng, vocab.size)
        if token is None:
            walk.failure = f"empty mask after {vocab.decode(walk.tokens)!r}"
            return walk
        walk.tokens.append(token)
        if token in vocab.stop_ids:
            walk.stopped = True
            return walk
        if not matcher.advance(token):
            walk.failure = f"allowed token {token} refused after {vocab.decode(walk.tokens[:-1])!r}"
            return walk
    return walk
