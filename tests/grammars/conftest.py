"""Session fixtures: the real Qwen2.5 tokenizer, and every grammar compiled and checked once."""

from __future__ import annotations

import pytest

from evals.grammars import Vocab, load_vocab

from .checks import Measurements


def load_test_vocab() -> Vocab:
    """Qwen2.5's tokenizer as vLLM loads it (built once into the model cache by worker.weights)."""
    from worker.config import Settings
    from worker.weights import qwen_tokenizer_json

    return load_vocab(qwen_tokenizer_json(Settings().model_cache_dir).parent)


@pytest.fixture(scope="session")
def vocab() -> Vocab:
    return load_test_vocab()


@pytest.fixture(scope="session")
def measurements(vocab: Vocab) -> Measurements:
    return Measurements(vocab)
