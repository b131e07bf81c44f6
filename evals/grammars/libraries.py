"""The libraries vLLM's structured outputs can use, by name: the xgrammar and llguidance adapters here,
the outlines one in outlines.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .interface import Grammar, GrammarUnsupportedError, Library, Matcher
from .outlines import OutlinesLibrary
from .vocab import Mask, Vocab

LIBRARIES = ("xgrammar", "llguidance", "outlines")
"""Grammar libraries vLLM's structured outputs can use (backends xgrammar, guidance, outlines)."""


# --- xgrammar ----------------------------------------------------------------------------------


@dataclass
class _XgrammarMatcher:
    inner: Any

    def fill_mask(self, mask: Mask) -> None:
        self.inner.fill_next_token_bitmask(mask.reshape(1, -1))

    def advance(self, token: int) -> bool:
        return bool(self.inner.accept_token(token))


@dataclass
class _XgrammarGrammar:
    compiled: Any

    def matcher(self) -> Matcher:
        import xgrammar as xgr

        return _XgrammarMatcher(xgr.GrammarMatcher(self.compiled))


class XgrammarLibrary:
    """vLLM's xgrammar backend with `disable_any_whitespace`: no free whitespace, `,` and `:` bare."""

    name = "xgrammar"

    def __init__(self, vocab: Vocab) -> None:
        import xgrammar as xgr

        info = xgr.TokenizerInfo.from_huggingface(vocab.tokenizer, vocab_size=vocab.size)
        self._compiler = xgr.GrammarCompiler(info, max_threads=8)

    def compile(self, schema: dict[str, Any]) -> Grammar:
        try:
            compiled = self._compiler.compile_json_schema(
                json.dumps(schema), any_whitespace=False, separators=(",", ":")
            )
        except Exception as exc:  # xgrammar raises RuntimeError/ValueError from C++
            raise GrammarUnsupportedError(f"xgrammar: {exc}") from exc
        return _XgrammarGrammar(compiled)


# --- llguidance --------------------------------------------------------------------------------


@dataclass
class _LlguidanceMatcher:
    inner: Any

    def fill_mask(self, mask: Mask) -> None:
        self.inner.unsafe_compute_mask_ptr(mask.ctypes.data, mask.nbytes)

    def advance(self, token: int) -> bool:
        return bool(self.inner.consume_token(token)) and not self.inner.is_error()


@dataclass
class _LlguidanceGrammar:
    tokenizer: Any
    grammar: str

    def matcher(self) -> Matcher:
        import llguidance

        return _LlguidanceMatcher(llguidance.LLMatcher(self.tokenizer, self.grammar, log_level=0))


class LlguidanceLibrary:
    """vLLM's guidance backend with `disable_any_whitespace`: `whitespace_flexible: false`."""

    name = "llguidance"

    def __init__(self, vocab: Vocab) -> None:
        import llguidance.hf

        self._tokenizer = llguidance.hf.from_tokenizer(vocab.tokenizer, vocab.size)

    def compile(self, schema: dict[str, Any]) -> Grammar:
        import llguidance

        try:
            grammar = llguidance.LLMatcher.grammar_from_json_schema(
                json.dumps(schema), defaults={"whitespace_flexible": False}
            )
        except Exception as exc:  # ValueError from the Rust JSON compiler
            raise GrammarUnsupportedError(f"llguidance: {exc}") from exc
        error = llguidance.LLMatcher.validate_grammar(grammar, self._tokenizer)
        if error:  # vLLM rejects the request with this message
            raise GrammarUnsupportedError(f"llguidance: {error}")
        compiled = _LlguidanceGrammar(self._tokenizer, grammar)
        compiled.matcher()  # builds the lexer: the first request pays this, as in vLLM
        return compiled


# --- by name -----------------------------------------------------------------------------------


LIBRARY_TYPES: dict[str, Callable[[Vocab], Library]] = {
    "xgrammar": XgrammarLibrary,
    "llguidance": LlguidanceLibrary,
    "outlines": OutlinesLibrary,
}


def load_library(name: str, vocab: Vocab) -> Library:
    return LIBRARY_TYPES[name](vocab)
