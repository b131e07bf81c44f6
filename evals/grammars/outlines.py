"""vLLM's outlines backend: the vocabulary as vLLM builds it, and an Index build under vLLM's time limit."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import re
import resource
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from .interface import Grammar, GrammarUnsupportedError, Matcher
from .vocab import Mask, Vocab, byte_level_alphabet

OUTLINES_COMPILE_TIMEOUT_S = 5
"""vLLM's default VLLM_REGEX_COMPILATION_TIMEOUT_S: a slower outlines Index build fails the request."""

_REPLACEMENT_SEQ = re.compile("^.{0,6}\ufffd+.{0,6}$")


def outlines_vocabulary(vocab: Vocab) -> dict[bytes, list[int]]:
    """Token bytes -> ids, exactly as vLLM's `_reduced_vocabulary` builds it (byte-level BPE case).

    vLLM's quirk is kept: a token that decodes to a short text with U+FFFD in it (a partial UTF-8
    sequence next to other characters) is entered as that text, replacement character included,
    not as its real bytes; only other partial tokens get their bytes.
    """
    tok = vocab.tokenizer
    to_byte = byte_level_alphabet()
    special = set(tok.all_special_tokens)
    reduced: dict[bytes, list[int]] = {}
    for token, token_id in tok.get_vocab().items():
        if token in special:
            continue
        text: str = tok.convert_tokens_to_string([token])
        if not text or token_id == vocab.eos:
            continue
        if (text == "\ufffd" and token != "\ufffd") or ("\ufffd" in text and not _REPLACEMENT_SEQ.match(text)):
            raw = bytes(to_byte[c] for c in token)
        else:
            raw = text.encode("utf-8")
        reduced.setdefault(raw, []).append(token_id)
    return reduced


@dataclass
class _OutlinesMatcher:
    guide: Any

    def fill_mask(self, mask: Mask) -> None:
        self.guide.write_mask_into(mask.ctypes.data, mask.size, mask.itemsize)

    def advance(self, token: int) -> bool:
        if not self.guide.accepts_tokens([token]):
            return False
        self.guide.advance(token)
        return True


@dataclass
class _OutlinesGrammar:
    index: Any

    def matcher(self) -> Matcher:
        import outlines_core as oc

        return _OutlinesMatcher(oc.Guide(self.index))


def _build_index(regex: str, vocabulary: Any, cpu_limit_s: int, conn: Connection) -> None:
    """Child process: build the Index under a CPU-time limit (SIGXCPU ends it) and send it back."""
    import outlines_core as oc

    resource.setrlimit(resource.RLIMIT_CPU, (cpu_limit_s, cpu_limit_s + 1))
    try:
        index = oc.Index(regex, vocabulary)
        conn.send_bytes(b"ok" + pickle.dumps(index))
    except Exception as exc:
        conn.send_bytes(b"er" + str(exc).encode())
    finally:
        conn.close()


class OutlinesLibrary:
    """vLLM's outlines backend: `build_regex_from_schema` (default `[ ]?` whitespace), then an Index.

    vLLM gives the Index build `VLLM_REGEX_COMPILATION_TIMEOUT_S` (5 s) and fails the request past
    it. Here the build runs in a forked child limited to that many seconds of CPU time, so the
    verdict does not depend on what else the machine is running; past it the schema is unsupported.
    """

    name = "outlines"

    def __init__(self, vocab: Vocab, cpu_limit_s: int = OUTLINES_COMPILE_TIMEOUT_S) -> None:
        import outlines_core as oc

        self._vocabulary = oc.Vocabulary(vocab.eos, outlines_vocabulary(vocab))
        self.cpu_limit_s = cpu_limit_s

    def compile(self, schema: dict[str, Any]) -> Grammar:
        from outlines_core.json_schema import build_regex_from_schema

        try:
            regex = build_regex_from_schema(json.dumps(schema), whitespace_pattern=None)
        except Exception as exc:  # ValueError/TypeError from the Rust schema translator
            raise GrammarUnsupportedError(f"outlines: {exc}") from exc
        return _OutlinesGrammar(self._index(regex))

    def _index(self, regex: str) -> Any:
        ctx = multiprocessing.get_context("fork")
        receiver, sender = ctx.Pipe(duplex=False)
        args = (regex, self._vocabulary, self.cpu_limit_s, sender)
        child = ctx.Process(target=_build_index, args=args, daemon=True)
        child.start()
        sender.close()
        try:
            payload = receiver.recv_bytes() if receiver.poll(self.cpu_limit_s * 20 + 30) else b""
        except EOFError:  # the child died without answering
            payload = b""
        finally:
            if child.is_alive():
                child.kill()
            child.join()
            receiver.close()
        if payload.startswith(b"ok"):
            return pickle.loads(payload[2:])
        if payload.startswith(b"er"):
            raise GrammarUnsupportedError(f"outlines: {payload[2:].decode(errors='replace')}")
        if child.exitcode == -signal.SIGXCPU:
            raise GrammarUnsupportedError(
                f"outlines: Index build needs over {self.cpu_limit_s} s of CPU "
                "(vLLM's VLLM_REGEX_COMPILATION_TIMEOUT_S)"
            )
        raise GrammarUnsupportedError(f"outlines: Index build failed (exit code {child.exitcode})")
