"""The RunPod Hub files (.runpod/hub.json, .runpod/tests.json) against the Hub's shape and our code.

The shapes follow RunPod's Hub publishing guide and runpod-workers/worker-vllm's own files: env
inputs are `{key, input: {name, type, description, default?, options?, advanced?, required?}}`,
presets set env defaults, tests send one job input each.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from schemas import parse_job_input
from worker.config import GPU_DEFAULT_PRESET, PRESETS, Settings

ROOT = Path(__file__).resolve().parents[1]
HUB = json.loads((ROOT / ".runpod" / "hub.json").read_text())
TESTS = json.loads((ROOT / ".runpod" / "tests.json").read_text())
JOB_INPUT = json.loads((ROOT / "schemas" / "generated" / "JobInput.json").read_text())
# read by huggingface_hub in the engine process, not by Settings
NOT_SETTINGS = {"HF_TOKEN"}

CUDA_VERSIONS = {"type": "array", "items": {"type": "string", "pattern": r"^\d+\.\d+$"}, "minItems": 1}
OPTION = {
    "type": "object",
    "required": ["label", "value"],
    "properties": {"label": {"type": "string"}, "value": {}},
    "additionalProperties": False,
}
ENV_INPUT = {
    "type": "object",
    "required": ["name", "type", "description"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "type": {"enum": ["string", "number", "boolean"]},
        "description": {"type": "string", "minLength": 1},
        "default": {"type": ["string", "number", "boolean"]},
        "options": {"type": "array", "items": OPTION, "minItems": 1},
        "advanced": {"type": "boolean"},
        "required": {"type": "boolean"},
    },
    "additionalProperties": False,
}
HUB_SCHEMA = {
    "type": "object",
    "required": ["title", "description", "type", "category", "config"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "type": {"const": "serverless"},
        "category": {"enum": ["language", "image", "video", "audio", "embedding"]},
        "iconUrl": {"type": "string", "format": "uri"},
        "config": {
            "type": "object",
            "required": ["runsOn", "containerDiskInGb", "env"],
            "properties": {
                "runsOn": {"enum": ["GPU", "CPU"]},
                "containerDiskInGb": {"type": "integer", "minimum": 1},
                "gpuCount": {"type": "integer", "minimum": 1},
                "gpuIds": {"type": "string", "pattern": r"^[A-Z0-9_]+(,[A-Z0-9_]+)*$"},
                "allowedCudaVersions": CUDA_VERSIONS,
                "presets": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["name", "defaults"],
                        "properties": {"name": {"type": "string"}, "defaults": {"type": "object"}},
                        "additionalProperties": False,
                    },
                },
                "env": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "input"],
                        "properties": {"key": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"}, "input": ENV_INPUT},
                        "additionalProperties": False,
                    },
                },
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
TESTS_SCHEMA = {
    "type": "object",
    "required": ["tests", "config"],
    "properties": {
        "tests": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "input", "timeout"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "input": {"type": "object"},
                    "timeout": {"type": "integer", "minimum": 1000},
                },
                "additionalProperties": False,
            },
        },
        "config": {
            "type": "object",
            "required": ["gpuTypeId", "gpuCount", "env", "allowedCudaVersions"],
            "properties": {
                "gpuTypeId": {"type": "string"},
                "gpuCount": {"type": "integer", "minimum": 1},
                "env": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["key", "value"],
                        "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
                        "additionalProperties": False,
                    },
                },
                "allowedCudaVersions": CUDA_VERSIONS,
            },
            "additionalProperties": False,
        },
    },
    "additionalProperties": False,
}
SETTINGS_ENV = {name.upper() for name in Settings.model_fields}


def env_inputs() -> dict[str, dict[str, Any]]:
    return {item["key"]: item["input"] for item in HUB["config"]["env"]}


def test_hub_json_has_the_hubs_shape() -> None:
    jsonschema.validate(HUB, HUB_SCHEMA)
    keys = [item["key"] for item in HUB["config"]["env"]]
    assert len(keys) == len(set(keys)), "an env key is listed twice"


def test_tests_json_has_the_hubs_shape() -> None:
    jsonschema.validate(TESTS, TESTS_SCHEMA)
    # the test run and the listing accept the same hosts
    assert TESTS["config"]["allowedCudaVersions"] == HUB["config"]["allowedCudaVersions"]


def test_the_schemas_reject_a_broken_file() -> None:
    # the shape checks above can fail: a misspelt field and a wrong type are caught
    broken = {**HUB, "config": {**HUB["config"], "containerDisk": 40}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, HUB_SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**TESTS, "tests": [{"name": "x", "input": {}, "timeout": "60s"}]}, TESTS_SCHEMA)


def test_presets_are_the_gpu_presets_of_worker_config() -> None:
    gpu_presets = [p.name for p in PRESETS.values() if p.local_builder is None]
    assert [p["name"] for p in HUB["config"]["presets"]] == gpu_presets
    for preset in HUB["config"]["presets"]:
        assert preset["defaults"] == {"MODEL_PRESET": preset["name"]}
    model_preset = env_inputs()["MODEL_PRESET"]
    assert model_preset["default"] == GPU_DEFAULT_PRESET
    assert [o["value"] for o in model_preset["options"]] == gpu_presets


def test_env_inputs_are_settings_with_their_defaults() -> None:
    inputs = env_inputs()
    assert set(inputs) - NOT_SETTINGS <= SETTINGS_ENV, f"not in Settings: {set(inputs) - NOT_SETTINGS - SETTINGS_ENV}"
    for key, spec in inputs.items():
        if key in NOT_SETTINGS or key == "MODEL_PRESET":
            continue
        field = Settings.model_fields[key.lower()]
        if "default" in spec:
            assert spec["default"] == field.default, key
        if "options" in spec:  # every option is a value Settings accepts
            for option in spec["options"]:
                Settings(**{key.lower(): option["value"]})


def test_the_hub_lists_the_settings_an_operator_tunes() -> None:
    must = {"MODEL_PRESET", "MODEL_NAME", "MAX_MODEL_LEN", "GPU_MEMORY_UTILIZATION", "MAX_CONCURRENCY"}
    assert must <= set(env_inputs())


def test_the_hub_tests_are_the_raw_call_and_an_analyze_job() -> None:
    raw, analyze = (t["input"] for t in TESTS["tests"])
    assert raw == {"prompt": raw["prompt"], "max_tokens": 16}
    assert parse_job_input(raw).model_dump()["task"] == "generate"
    assert parse_job_input(analyze).model_dump()["task"] == "analyze"


@pytest.mark.parametrize("test", TESTS["tests"], ids=lambda t: t["name"])
def test_each_hub_test_input_validates_against_the_job_input_schema(test: dict[str, Any]) -> None:
    job = test["input"] if "task" in test["input"] else {**test["input"], "task": "generate"}  # the raw call
    jsonschema.validate(job, JOB_INPUT)


def test_the_hub_test_run_uses_settings_and_a_preset() -> None:
    env = {item["key"]: item["value"] for item in TESTS["config"]["env"]}
    assert set(env) <= SETTINGS_ENV
    assert env["MODEL_PRESET"] in PRESETS
    Settings(**{k.lower(): v for k, v in env.items()})  # values Settings accepts
