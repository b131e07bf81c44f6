# syntax=docker/dockerfile:1.7
# GPU image for RunPod Serverless. The base is the official vLLM image of the same version as the
# `gpu` extra pins (tests/test_dockerfile.py checks they match).
FROM vllm/vllm-openai:v0.32.0

ENV PYTHONUNBUFFERED=1 \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1 \
    MODEL_PRESET=qwen2.5-32b-awq \
    STRUCTURED_OUTPUTS_BACKEND=guidance \
    HF_HOME=/runpod-volume/huggingface

WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY prompts ./prompts
COPY worker ./worker
COPY evals ./evals
# vLLM is already in the base image at the pinned version; this adds runpod and the worker's deps.
RUN python3 -m pip install --no-cache-dir ".[gpu]"

# Optional: bake the weights into the image (faster cold starts, larger image). The Hugging Face
# token is a build secret, so it never lands in a layer:
#   docker build --build-arg MODEL_NAME=Qwen/Qwen2.5-32B-Instruct-AWQ \
#                --secret id=hf_token,env=HF_TOKEN -t you/qwen-ocr-worker .
# Without MODEL_NAME the model is downloaded on first start into HF_HOME (a network volume).
ARG MODEL_NAME=""
RUN --mount=type=secret,id=hf_token,required=false \
    if [ -n "$MODEL_NAME" ]; then \
      HF_TOKEN="$(cat /run/secrets/hf_token 2>/dev/null || true)" \
      python3 -c "import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1], local_dir='/models/' + sys.argv[1])" "$MODEL_NAME" \
      && echo "MODEL_NAME=/models/$MODEL_NAME" > /app/.env; \
    fi

ENTRYPOINT []
CMD ["python3", "-m", "worker"]
