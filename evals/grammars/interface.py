"""What every grammar library adapter provides: compile a schema, then mask and advance per token."""

from __future__ import annotations

from typing import Any, Protocol

from .vocab import Mask


class GrammarUnsupportedError(Exception):
    """The library refuses the schema (compile error, or a compile vLLM would time out)."""


class Matcher(Protocol):
    """One generation's grammar state."""

    def fill_mask(self, mask: Mask) -> None:
        """Write the bitmask of the tokens allowed next (bit t%32 of word t//32 is token t)."""

    def advance(self, token: int) -> bool:
        """Consume one (non-stop) token; False if the grammar rejects it."""


class Grammar(Protocol):
    """A schema compiled for one vocabulary; hands out fresh matchers."""

    def matcher(self) -> Matcher: ...


class Library(Protocol):
    name: str

    def compile(self, schema: dict[str, Any]) -> Grammar:
        """Compile `schema`; raises GrammarUnsupportedError where vLLM would reject it."""
