#!/bin/sh
# Container entrypoint: settings that depend on what is mounted, then the worker.
set -eu

# Weights baked in at build time (docker build --build-arg MODEL_NAME=…): serve them, and never
# reach the hub for them. An endpoint's own MODEL_NAME still wins.
if [ -f /app/baked-model ]; then
  baked=$(cat /app/baked-model)
  MODEL_NAME=${MODEL_NAME:-$baked}
  export MODEL_NAME
  if [ "$MODEL_NAME" = "$baked" ]; then
    export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
  fi
fi

# Compile caches on the network volume, when there is one: a cold worker then loads vLLM's
# torch.compile artefacts and Triton kernels instead of building them again.
if [ -d /runpod-volume ] && [ -w /runpod-volume ]; then
  export VLLM_CACHE_ROOT="${VLLM_CACHE_ROOT:-/runpod-volume/cache/vllm}"
  export TORCHINDUCTOR_CACHE_DIR="${TORCHINDUCTOR_CACHE_DIR:-/runpod-volume/cache/torchinductor}"
  export TRITON_CACHE_DIR="${TRITON_CACHE_DIR:-/runpod-volume/cache/triton}"
fi

exec python3 -m worker "$@"
