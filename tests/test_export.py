"""The exported contract: committed files are current, schemas are valid, the OpenAPI doc too."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi

from schemas.__main__ import main
from schemas.decoding import decoding_schema
from schemas.errors import ErrorCode
from schemas.export import (
    JOB_INPUT,
    REQUEST_MODELS,
    RESULT_MODELS,
    dump_json,
    enum_member_docs,
    render,
    stale_files,
)
from schemas.export import typescript as export_ts
from schemas.export.jsonschema import DIALECT, ID_BASE
from schemas.results import AnalyzeResponse, AnalyzeResult, Timings, Usage
from schemas.tasks import DECODING_MODELS

GENERATED = Path(__file__).resolve().parents[1] / "schemas" / "generated"
HAVE_NODE = shutil.which("node") is not None


@pytest.fixture(scope="module")
def files() -> dict[str, str]:
    return render(typescript=False)


def committed(rel: str) -> str:
    return (GENERATED / rel).read_text(encoding="utf-8")


def schema_files(files: dict[str, str]) -> list[str]:
    return [rel for rel in files if rel.endswith(".json") and rel != "openapi.json"]


def test_committed_json_files_are_current(files: dict[str, str]) -> None:
    stale = [rel for rel, text in files.items() if (GENERATED / rel).read_bytes() != text.encode()]
    assert stale == [], f"run `python -m schemas export` and commit: {stale}"
    assert stale_files(GENERATED, [*files, "types.d.ts"]) == []


def test_export_is_deterministic_and_canonical(files: dict[str, str]) -> None:
    assert render(typescript=False) == files
    for rel, text in files.items():
        assert text.endswith("}\n") and "\r" not in text
        assert dump_json(json.loads(text)) == text, rel


def test_committed_types_match_the_schemas_without_node() -> None:
    """The banner's hash is of the generator's input: a stale types.d.ts fails even without node."""
    text = committed("types.d.ts")
    assert export_ts.committed_hash(text) == export_ts.input_hash(export_ts.typescript_input())
    for name in export_ts.typescript_input()["$defs"]:
        assert re.search(rf"^export (interface|type) {name}\b", text, re.M), name


@pytest.mark.skipif(not HAVE_NODE and not os.environ.get("CI"), reason="node is not installed (CI has it)")
def test_committed_types_are_regenerated_byte_for_byte() -> None:
    assert export_ts.render_typescript() == committed("types.d.ts")


def test_every_schema_is_valid_2020_12_with_its_id(files: dict[str, str]) -> None:
    expected = {f"{name}.json" for name in [*REQUEST_MODELS, JOB_INPUT, *RESULT_MODELS, "ErrorCode"]}
    expected |= {f"{model.__name__}.json" for model in DECODING_MODELS.values()}
    assert set(schema_files(files)) == expected
    for rel in expected:
        schema = json.loads(files[rel])
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == DIALECT
        assert schema["$id"] == ID_BASE + rel


def test_decoding_files_are_the_grammar_schemas_in_declaration_order(files: dict[str, str]) -> None:
    for model in DECODING_MODELS.values():
        exported = json.loads(files[f"{model.__name__}.json"])
        del exported["$schema"], exported["$id"]
        assert exported == decoding_schema(model)
        assert list(exported["properties"]) == list(model.model_fields)
    word = json.loads(files["AnalyzeRequest.json"])["$defs"]["OcrWord"]
    assert list(word["properties"]) == ["id", "text", "bbox", "confidence"]


def test_error_codes_are_documented(files: dict[str, str]) -> None:
    schema = json.loads(files["ErrorCode.json"])
    assert schema["enum"] == [code.value for code in ErrorCode]
    docs = enum_member_docs(ErrorCode)
    assert set(docs) == {code.value for code in ErrorCode}
    for code in ErrorCode:
        assert f"`{code.value}`: {docs[code.value]}" in schema["description"]


def openapi() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(committed("openapi.json"))
    return doc


def test_openapi_document_is_valid() -> None:
    doc = openapi()
    validate_openapi(doc)
    assert doc["openapi"].startswith("3.1")
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_openapi_describes_runpod_endpoints() -> None:
    doc = openapi()
    ref = "#/components/schemas/"
    assert set(doc["paths"]) == {"/runsync", "/run", "/status/{id}"}
    runsync = doc["paths"]["/runsync"]["post"]
    assert runsync["requestBody"]["content"]["application/json"]["schema"] == {"$ref": ref + "RunRequest"}
    assert runsync["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": ref + "JobStatus"}
    schemas = doc["components"]["schemas"]
    assert schemas["RunRequest"]["properties"]["input"] == {"$ref": ref + JOB_INPUT}
    assert {"COMPLETED", "FAILED", "IN_QUEUE", "IN_PROGRESS"} <= set(schemas["JobState"]["enum"])
    assert schemas["JobOutput"]["oneOf"] == [{"$ref": ref + name} for name in RESULT_MODELS]
    assert schemas["ErrorCode"]["enum"] == [code.value for code in ErrorCode]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A RunPod API key.",
    }
    assert doc["security"] == [{"bearerAuth": []}]


def component_validator(name: str) -> Draft202012Validator:
    """A validator for one component, its `#/components/schemas/…` refs resolved in the document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": openapi()["components"]})


def test_runsync_messages_validate_against_the_openapi_components() -> None:
    response = AnalyzeResponse(
        result=AnalyzeResult(issues=[], uncertain_fields=["total"], needs_review=True, quality=0.5),
        usage=Usage(prompt_tokens=10, completion_tokens=3, llm_calls=1),
        model="smollm2",
        timings_ms=Timings(total=12.5, llm=10.0),
    )
    completed = {"id": "j1", "status": "COMPLETED", "output": response.model_dump(mode="json"), "delayTime": 3}
    component_validator("JobStatus").validate(completed)
    failed = {"id": "j2", "status": "FAILED", "error": "invalid_input: document.pages: Field required"}
    component_validator("JobStatus").validate(failed)
    component_validator("RunRequest").validate({"input": {"prompt": "hi"}})
    assert not component_validator("RunRequest").is_valid({"input": {"task": "analyze", "nope": 1}})
    assert not component_validator("JobStatus").is_valid({"id": "j3", "status": "DONE"})


def test_cli_export_and_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--out", str(tmp_path), "--no-ts"]) == 0
    assert (tmp_path / "JobInput.json").read_text() == committed("JobInput.json")
    assert main(["export", "--out", str(tmp_path), "--no-ts", "--check"]) == 0
    (tmp_path / "JobInput.json").write_text("{}\n")
    (tmp_path / "Old.json").write_text("{}\n")
    assert main(["export", "--out", str(tmp_path), "--no-ts", "--check"]) == 1
    err = capsys.readouterr().err
    assert "JobInput.json" in err and "Old.json" in err


def test_cli_without_node_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(export_ts.shutil, "which", lambda _name: None)
    assert main(["export", "--out", str(tmp_path)]) == 2
    assert "node is not on PATH" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_cli_without_a_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: python -m schemas export" in capsys.readouterr().err
    assert main(["--help"]) == 0
