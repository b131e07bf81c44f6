#!/usr/bin/env bash
# The GPU check: this project's code against a real vLLM CUDA engine. Run it from the repository
# root on a machine with an NVIDIA GPU and vLLM installed (the pinned vllm, or the release that
# matches the machine's torch, e.g. 0.26 from ../shared/gpu/: the worker talks to vLLM over HTTP
# only, so any release with the same structured-outputs API tests our code on CUDA).
#
#   bash scripts/gpu-check.sh                      # SmolLM2-135M (built offline), guidance + xgrammar
#   MODEL_NAME=/tmp/smollm2-hf bash scripts/gpu-check.sh      # weights already on disk (the kit's)
#   MODEL_PRESET=qwen2.5-32b-awq BACKENDS=guidance bash scripts/gpu-check.sh
#
# Runs the conformance suite, the engine benchmark and the end-to-end runsync tests, one after the
# other (each starts its own engine), writes their output under $OUT (default /tmp/gpu-check) and
# ends with the figures the README quotes. Exit status: the number of steps that failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
OUT=${OUT:-/tmp/gpu-check}
BACKENDS=${BACKENDS:-guidance,xgrammar}
mkdir -p "$OUT"

export MODEL_PRESET=${MODEL_PRESET:-smollm2-135m}
export GPU_MEMORY_UTILIZATION=${GPU_MEMORY_UTILIZATION:-0.85}
export VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1 PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
export HF_HUB_OFFLINE=${HF_HUB_OFFLINE:-1} TRANSFORMERS_OFFLINE=${TRANSFORMERS_OFFLINE:-1}
# vLLM (0.26 at least) picks FlashInfer's sampler on CUDA and fails to start when it is missing
if ! "$PY" -c "import flashinfer" 2>/dev/null; then export VLLM_USE_FLASHINFER_SAMPLER=0; fi

step() {  # NAME COMMAND…: run, tee to $OUT/NAME.log, time it, remember the result
  local name=$1 started rc
  shift
  started=$(date +%s)
  echo "=== $name: $*"
  "$@" 2>&1 | tee "$OUT/$name.log"
  rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc after $(($(date +%s) - started)) s" | tee -a "$OUT/summary.txt"
  return "$rc"
}

: >"$OUT/summary.txt"
{
  echo "# GPU check $(date -u +%Y-%m-%dT%H:%MZ)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: none"
  "$PY" -c 'import sys, torch, vllm; print(f"python {sys.version.split()[0]}, torch {torch.__version__} (CUDA {torch.version.cuda}, available: {torch.cuda.is_available()}), vllm {vllm.__version__}")'
  echo "model: ${MODEL_NAME:-preset $MODEL_PRESET}; backends: $BACKENDS"
} | tee -a "$OUT/summary.txt"
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' || { echo "no CUDA device: stop"; exit 99; }

failed=0
if [ -z "${MODEL_NAME:-}" ] && [ "$MODEL_PRESET" = smollm2-135m ]; then
  step prepare-model "$PY" -m worker.weights prepare smollm2-135m || failed=$((failed + 1))
fi
step conformance "$PY" -m evals.conformance --backends "$BACKENDS" || failed=$((failed + 1))
step bench-engine "$PY" -m evals.bench engine --backend "${BACKENDS%%,*}" || failed=$((failed + 1))
step e2e "$PY" -m pytest tests/e2e -q -p no:cacheprovider || failed=$((failed + 1))

echo
echo "##### figures for the README (vLLM $("$PY" -c 'import vllm; print(vllm.__version__)'))"
cat "$OUT/summary.txt"
echo "--- conformance (schema-valid answers per backend and task; failures with their reason)"
grep -E '^(model |\| |- )' "$OUT/conformance.log" || true
echo "--- engine benchmark"
grep -E '^(# engine|engine start|first answer|##|\| )' "$OUT/bench-engine.log" || true
echo "--- end-to-end runsync tests"
tail -n 1 "$OUT/e2e.log" || true
exit "$failed"
