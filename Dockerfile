# syntax=docker/dockerfile:1.7
# GPU image for RunPod Serverless. The base is the official vLLM image of the same version as the
# `gpu` extra pins (tests/test_dockerfile.py checks they match); its Python packages are recorded in
# docker/base-packages.txt (docker/refresh-base-packages.sh), which tests/test_image_deps.py resolves
# `.[gpu]` against.
FROM vllm/vllm-openai:v0.32.0

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1 \
    MODEL_PRESET=qwen2.5-32b-awq \
    STRUCTURED_OUTPUTS_BACKEND=guidance \
    HF_HOME=/runpod-volume/huggingface

WORKDIR /app

# 1. The worker's dependencies, in a layer that sees only pyproject.toml: a code change does not
#    re-run it. The base image's own packages are the constraints, so its vllm, torch, fastapi,
#    transformers… stay exactly as they are (pip fails rather than replace one).
COPY pyproject.toml ./
COPY docker/extra_requirements.py docker/
RUN python3 -m pip list --format=freeze > docker/base-constraints.txt \
    && python3 docker/extra_requirements.py gpu > docker/requirements-gpu.txt \
    && python3 -m pip install --no-cache-dir -c docker/base-constraints.txt -r docker/requirements-gpu.txt

# 2. The code, installed without dependencies (they are all in the layer above).
COPY README.md ./
COPY schemas ./schemas
COPY prompts ./prompts
COPY worker ./worker
COPY evals ./evals
COPY docker/entrypoint.sh docker/
RUN python3 -m pip install --no-cache-dir --no-deps .

# 3. Optional: bake the weights into the image (faster cold start, larger image). The Hugging Face
#    token is a build secret, so it never lands in a layer:
#      docker build --build-arg MODEL_NAME=Qwen/Qwen2.5-32B-Instruct-AWQ \
#                   --secret id=hf_token,env=HF_TOKEN -t you/qwen-ocr-worker .
#    docker/entrypoint.sh then sets MODEL_NAME to /models/<name> and HF_HUB_OFFLINE=1. Without
#    MODEL_NAME the model is downloaded on first start into HF_HOME (a network volume).
ARG MODEL_NAME=""
RUN --mount=type=secret,id=hf_token,required=false \
    if [ -n "$MODEL_NAME" ]; then \
      HF_TOKEN="$(cat /run/secrets/hf_token 2>/dev/null || true)" HF_HOME=/tmp/hf \
      python3 -c "import sys; from huggingface_hub import snapshot_download; snapshot_download(sys.argv[1], local_dir='/models/' + sys.argv[1])" "$MODEL_NAME" \
      && rm -rf /tmp/hf \
      && echo "/models/$MODEL_NAME" > /app/baked-model; \
    fi

ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD []
