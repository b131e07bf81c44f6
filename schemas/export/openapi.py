"""The OpenAPI 3.1 document of a RunPod Serverless endpoint that runs this worker.

RunPod owns the HTTP layer: `POST /run` queues a job, `POST /runsync` waits for it, and
`GET /status/{id}` polls it. The body is always `{"input": <JobInput>}`; the job's answer comes
back in `output`, or, when the job failed, as a message in `error` that starts with an `ErrorCode`.
"""

from __future__ import annotations

from typing import Any

from .jsonschema import ERROR_CODE, JOB_INPUT, RESULT_MODELS, shared_definitions

API_VERSION = "0.1.0"
SERVER = "https://api.runpod.ai/v2/{endpoint_id}"
_REF = "#/components/schemas/{model}"

JOB_STATES: dict[str, str] = {
    "IN_QUEUE": "Waiting for a worker.",
    "IN_PROGRESS": "A worker is running the job.",
    "COMPLETED": "Done: `output` holds the result.",
    "FAILED": "The job failed: `error` says why.",
    "CANCELLED": "Cancelled through `/cancel/{id}`.",
    "TIMED_OUT": "The job ran past the endpoint's execution timeout.",
}
ERROR_DESCRIPTION = (
    "Set when `status` is `FAILED`. The worker's message starts with `<code>: ` where code is an "
    f"`{ERROR_CODE}` (see that schema); validation failures name the path, e.g. "
    "`invalid_input: document.pages[0].words[3].bbox: …`. RunPod may wrap the message in a JSON "
    "string with `error_type` and `error_message`."
)


def envelope_schemas(ref_template: str = _REF) -> dict[str, Any]:
    """RunPod's request and response objects around the worker's own schemas."""

    def _ref(name: str) -> dict[str, str]:
        return {"$ref": ref_template.format(model=name)}

    return {
        "RunRequest": {
            "title": "RunRequest",
            "type": "object",
            "required": ["input"],
            "properties": {
                "input": _ref(JOB_INPUT),
                "webhook": {
                    "type": "string",
                    "format": "uri",
                    "description": "Called with the final status.",
                },
            },
        },
        "JobState": {
            "title": "JobState",
            "type": "string",
            "enum": list(JOB_STATES),
            "description": "\n".join(f"- `{state}`: {doc}" for state, doc in JOB_STATES.items()),
        },
        "JobOutput": {
            "title": "JobOutput",
            "description": "A finished job's result: `GenerateResult` (generate) or the task's response.",
            "oneOf": [_ref(name) for name in RESULT_MODELS],
        },
        "JobAccepted": {
            "title": "JobAccepted",
            "type": "object",
            "required": ["id", "status"],
            "properties": {"id": {"type": "string"}, "status": _ref("JobState")},
        },
        "JobStatus": {
            "title": "JobStatus",
            "type": "object",
            "required": ["id", "status"],
            "properties": {
                "id": {"type": "string", "description": "The job id, for `/status/{id}`."},
                "status": _ref("JobState"),
                "output": _ref("JobOutput"),
                "error": {"type": "string", "description": ERROR_DESCRIPTION},
                "delayTime": {"type": "integer", "minimum": 0, "description": "Milliseconds in the queue."},
                "executionTime": {"type": "integer", "minimum": 0, "description": "Milliseconds running."},
                "workerId": {"type": "string"},
            },
        },
    }


def _json_body(schema: str, description: str) -> dict[str, Any]:
    ref = {"$ref": _REF.format(model=schema)}
    return {"description": description, "content": {"application/json": {"schema": ref}}}


_ERRORS = {
    "401": {"description": "Missing or wrong API key."},
    "404": {"description": "No such endpoint (or job)."},
    "429": {"description": "Too many requests."},
}


def _operation(op_id: str, summary: str, body: bool, ok: tuple[str, str]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": op_id,
        "summary": summary,
        "responses": {"200": _json_body(*ok), **_ERRORS},
    }
    if body:
        operation["requestBody"] = {"required": True, **_json_body("RunRequest", "The job.")}
        operation["responses"]["400"] = {"description": "The body is not JSON or has no `input`."}
    return operation


def openapi_document() -> dict[str, Any]:
    _tops, definitions = shared_definitions(_REF, decoding=False)
    status_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "qwen-llm-service on RunPod Serverless",
            "version": API_VERSION,
            "description": __doc__.strip() if __doc__ else "",
        },
        "servers": [{"url": SERVER, "variables": {"endpoint_id": {"default": "ENDPOINT_ID"}}}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/runsync": {
                "post": _operation(
                    "runsync",
                    "Run a job and wait for it (falls back to IN_PROGRESS and an id to poll).",
                    True,
                    ("JobStatus", "The job's status, with `output` or `error` once it finished."),
                )
            },
            "/run": {"post": _operation("run", "Queue a job.", True, ("JobAccepted", "The job was queued."))},
            "/status/{id}": {
                "get": {
                    **_operation(
                        "status",
                        "A job's status and, once finished, its result.",
                        False,
                        ("JobStatus", "The job's status."),
                    ),
                    "parameters": [status_param],
                }
            },
        },
        "components": {
            "schemas": {**definitions, **envelope_schemas()},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "A RunPod API key."}},
        },
    }
