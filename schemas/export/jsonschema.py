"""The contract as JSON Schema documents: one per request and response model, the union a
runsync `input` holds (`JobInput`), the error codes, and each task's static decoding schema.

Requests (and decoding models) are exported in Pydantic's validation mode: what the worker
accepts. Results are exported in serialization mode with every field required, since the worker
always writes every key. Every file is JSON with sorted keys, except that the members of each
`properties` map keep the models' declaration order: grammars fix the key order to it.
"""

from __future__ import annotations

import ast
import inspect
import json
import textwrap
from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import core_schema

from ..decoding import decoding_schema
from ..errors import ErrorCode
from ..tasks import DECODING_MODELS, TASK_SPECS, job_input_adapter

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_BASE = "https://qwen-llm-service/schemas/"
JOB_INPUT = "JobInput"
ERROR_CODE = "ErrorCode"
ERROR_CODE_SUMMARY = "Stable error codes of the service: a failed job's message starts with `<code>: `."

REQUEST_MODELS: dict[str, type[BaseModel]] = {spec.request.__name__: spec.request for spec in TASK_SPECS}
RESULT_MODELS: dict[str, type[BaseModel]] = {spec.response.__name__: spec.response for spec in TASK_SPECS}
JOB_INPUT_DESCRIPTION = (
    "A runsync `input`: one request, discriminated on `task`. An object with `prompt` and no "
    "`task` is the first version's raw call and is read as `generate`."
)


class OutputSchema(GenerateJsonSchema):
    """Serialization mode marks every field required: the worker always writes each key."""

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization":
            return True
        return super().field_is_required(field, total)


def enum_member_docs(enum: type[Enum]) -> dict[str, str]:
    """The docstrings written under an enum's members (Python keeps them only in the source)."""
    body = ast.parse(textwrap.dedent(inspect.getsource(enum))).body[0]
    assert isinstance(body, ast.ClassDef)
    docs: dict[str, str] = {}
    for stmt, after in zip(body.body, body.body[1:], strict=False):
        if not (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)):
            continue
        if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
            docs[str(enum[stmt.targets[0].id].value)] = inspect.cleandoc(str(after.value.value))
    return docs


def job_input_schema(union: dict[str, Any]) -> dict[str, Any]:
    """The discriminated union as parse_job_input reads it: each model alone defaults its `task`,
    but in the union only the raw `generate` call (a `prompt`) may leave it out."""
    branches = [
        branch if branch["$ref"].endswith("/GenerateRequest") else {**branch, "required": ["task"]}
        for branch in union["oneOf"]
    ]
    return {"title": JOB_INPUT, "description": JOB_INPUT_DESCRIPTION, **union, "oneOf": branches}


def error_code_schema() -> dict[str, Any]:
    """`ErrorCode` as a string enum, each code documented by its docstring."""
    docs = enum_member_docs(ErrorCode)
    lines = "\n".join(f"- `{code.value}`: {docs[code.value]}" for code in ErrorCode)
    return {
        "title": ERROR_CODE,
        "type": "string",
        "enum": [code.value for code in ErrorCode],
        "description": f"{ERROR_CODE_SUMMARY}\n\n{lines}",
        "x-enumDescriptions": {code.value: docs[code.value] for code in ErrorCode},
    }


def _stamp(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"{ID_BASE}{name}.json", **schema}


def schema_documents() -> dict[str, dict[str, Any]]:
    """Every standalone JSON Schema, by its path relative to the output folder."""
    docs: dict[str, dict[str, Any]] = {}
    for name, model in REQUEST_MODELS.items():
        docs[f"{name}.json"] = _stamp(model.model_json_schema(mode="validation"), name)
    docs[f"{JOB_INPUT}.json"] = _stamp(job_input_schema(job_input_adapter().json_schema()), JOB_INPUT)
    for name, model in RESULT_MODELS.items():
        schema = model.model_json_schema(mode="serialization", schema_generator=OutputSchema)
        docs[f"{name}.json"] = _stamp(schema, name)
    docs[f"{ERROR_CODE}.json"] = _stamp(error_code_schema(), ERROR_CODE)
    for decoding in DECODING_MODELS.values():
        docs[f"{decoding.__name__}.json"] = _stamp(decoding_schema(decoding), decoding.__name__)
    return docs


def shared_definitions(ref_template: str, *, decoding: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """All wire models in one namespace: (schema of each top-level name, the shared definitions).

    The top-level schemas of models are `$ref`s into the definitions; `JobInput` is inline.
    """
    inputs: list[tuple[str, JsonSchemaMode, TypeAdapter[Any]]] = [
        (name, "validation", TypeAdapter(model)) for name, model in REQUEST_MODELS.items()
    ]
    inputs.append((JOB_INPUT, "validation", job_input_adapter()))
    inputs += [(name, "serialization", TypeAdapter(model)) for name, model in RESULT_MODELS.items()]
    if decoding:
        inputs += [(model.__name__, "validation", TypeAdapter(model)) for model in DECODING_MODELS.values()]
    key_map, defs = TypeAdapter.json_schemas(inputs, ref_template=ref_template, schema_generator=OutputSchema)
    tops = {name: schema for (name, _mode), schema in key_map.items()}
    tops[JOB_INPUT] = job_input_schema(tops[JOB_INPUT])
    definitions: dict[str, Any] = defs.get("$defs", {})
    definitions[JOB_INPUT] = tops[JOB_INPUT]
    definitions[ERROR_CODE] = error_code_schema()
    return tops, definitions


def canonical(node: Any, properties_map: bool = False) -> Any:
    """Sorted keys everywhere except inside `properties` maps, which keep declaration order."""
    if isinstance(node, Mapping):
        keys = list(node) if properties_map else sorted(node)
        return {k: canonical(node[k], properties_map=not properties_map and k == "properties") for k in keys}
    if isinstance(node, list | tuple):
        return [canonical(item) for item in node]
    return node


def dump_json(document: Any) -> str:
    return json.dumps(canonical(document), indent=2, ensure_ascii=False) + "\n"
