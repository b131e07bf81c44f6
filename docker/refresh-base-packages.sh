#!/usr/bin/env bash
# Rewrites docker/base-packages.txt: the Python packages of the Dockerfile's base image, as pip
# constraints (`name==version`). tests/test_image_deps.py resolves the worker's `.[gpu]` against
# them, so a dependency that would replace anything of the base fails in CI, not in a docker build.
#
#   bash docker/refresh-base-packages.sh            # Docker if there is an engine, else a resolution
#   METHOD=resolve bash docker/refresh-base-packages.sh
#
# With Docker it reads the real image (`pip list --format=freeze` inside it). Without, it resolves
# `vllm==<tag>` from PyPI with uv for the image's Python and platform; that is the vLLM wheel's own
# dependency tree, which the image installs, without the few extras its Dockerfile adds on top.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=docker/base-packages.txt
BASE=$(awk '/^FROM /{print $2; exit}' Dockerfile)
VLLM_VERSION=${BASE##*:v}
# vLLM's docker/Dockerfile: ARG PYTHON_VERSION=3.12, UBUNTU_VERSION=22.04 (glibc 2.35)
PYTHON_VERSION=${PYTHON_VERSION:-3.12}
PLATFORM=${PLATFORM:-x86_64-manylinux_2_35}
UV=${UV:-$(command -v uv || echo .venv/bin/uv)}
METHOD=${METHOD:-$(command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && echo docker || echo resolve)}
body=$(mktemp)
trap 'rm -f "$body"' EXIT

in_image() { docker run --rm --entrypoint python3 "$BASE" "$@"; }

if [ "$METHOD" = docker ]; then
  PYTHON_VERSION=$(in_image -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  glibc=$(in_image -c 'import platform; print(platform.libc_ver()[1].replace(".", "_"))')
  PLATFORM="x86_64-manylinux_$glibc"
  in_image -m pip list --format=freeze | sort -f >"$body"
  how="docker run --rm --entrypoint python3 $BASE -m pip list --format=freeze (the real image)"
else
  echo "vllm==$VLLM_VERSION" | "$UV" pip compile --no-config --quiet --no-header --no-annotate \
    --python-version "$PYTHON_VERSION" --python-platform "$PLATFORM" --only-binary :all: \
    --index-url https://pypi.org/simple - | sort -f >"$body"
  how="resolution: $("$UV" --version) pip compile of vllm==$VLLM_VERSION from PyPI for Python $PYTHON_VERSION on $PLATFORM (no Docker engine where it was made; the image adds a few packages on top, e.g. accelerate, bitsandbytes, timm, runai-model-streamer, which are not listed)"
fi

{
  echo "# Python packages of the base image, as pip constraints. Made by docker/refresh-base-packages.sh."
  echo "# base: $BASE"
  echo "# python: $PYTHON_VERSION"
  echo "# platform: $PLATFORM"
  echo "# method: $how"
  echo "# made: $(date -u +%Y-%m-%d)"
  cat "$body"
} >"$OUT"
echo "wrote $OUT: $(grep -vc '^#' "$OUT") packages ($METHOD)"
