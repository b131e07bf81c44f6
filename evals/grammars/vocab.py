"""The tokenizer as vLLM loads it, and the token bitmasks the grammar libraries fill."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

QWEN_STOP_TOKENS = ("<|im_end|>", "<|endoftext|>")
"""Qwen2.5-Instruct's generation_config eos ids: vLLM ends generation on either."""

Mask = npt.NDArray[np.int32]


@dataclass(frozen=True)
class Vocab:
    """A Hugging Face fast tokenizer as vLLM loads it, and the ids that end generation."""

    tokenizer: Any
    size: int
    eos: int
    stop_ids: frozenset[int]

    @property
    def mask_words(self) -> int:
        return (self.size + 31) // 32

    def new_mask(self) -> Mask:
        return np.zeros(self.mask_words, dtype=np.int32)

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False))

    def decode(self, tokens: Sequence[int]) -> str:
        """The text vLLM returns for `tokens` (special tokens skipped, stop token excluded)."""
        return str(self.tokenizer.decode(list(tokens), skip_special_tokens=True))

    def raw_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes `tokens` stand for (special tokens skipped), before any UTF-8 decoding."""
        alphabet = byte_level_alphabet()
        added: dict[str, int] = self.tokenizer.get_added_vocab()
        special = set(self.tokenizer.all_special_ids)
        out = bytearray()
        for token, name in zip(tokens, self.tokenizer.convert_ids_to_tokens(list(tokens)), strict=True):
            if token not in special:
                out += name.encode() if name in added else bytes(alphabet[c] for c in name)
        return bytes(out)


def load_vocab(tokenizer_dir: Path, stop_tokens: Sequence[str] = QWEN_STOP_TOKENS) -> Vocab:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    ids: dict[str, int] = tok.get_vocab()
    stop = {int(tok.eos_token_id)} | {ids[t] for t in stop_tokens}
    return Vocab(tokenizer=tok, size=len(tok), eos=int(tok.eos_token_id), stop_ids=frozenset(stop))


@functools.cache
def byte_level_alphabet() -> dict[str, int]:
    """GPT-2's byte-level BPE alphabet, character -> byte (`bytes_to_unicode`, inverted)."""
    kept = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    moved = [b for b in range(256) if b not in kept]
    alphabet = {chr(b): b for b in kept}
    alphabet.update({chr(256 + i): b for i, b in enumerate(moved)})
    return alphabet


def allows(mask: Mask, token: int) -> bool:
    return bool((int(mask[token >> 5]) >> (token & 31)) & 1)


def allowed_tokens(mask: Mask, vocab_size: int) -> npt.NDArray[np.intp]:
    bits = np.unpackbits(mask.view(np.uint8), bitorder="little")[:vocab_size]
    return np.flatnonzero(bits)
