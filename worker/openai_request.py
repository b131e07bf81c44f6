"""An `openai_route` job, checked before it reaches vLLM, and the answer checked before it is returned.

RunPod's OpenAI-compatible URL turns an OpenAI SDK call into a job whose input is
`{"openai_route": "/v1/chat/completions" | "/v1/completions" | "/v1/models", "openai_input": {...}}`
(the request body). `prepare` validates it into an `OpenAICall`: the route, the body to forward (the
served model name filled in), and, for a chat with `response_format` `json_schema`, this project's
guarantee: the schema is checked for what the engine can enforce (`worker.json_schema_check`), its
`max_tokens` is the request's, else the schema's worst-case length when it has one, else
`DEFAULT_JSON_MAX_TOKENS`; and every answer is validated (`check_choice`): `finish_reason: "length"`
is `generation_incomplete`, content that is not valid for the schema is `invalid_output`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from schemas.bounds import UnboundedSchemaError, max_output_tokens

from .errors import GenerationIncomplete, InvalidInput, InvalidOutput, PayloadTooLarge
from .intake import checked_size
from .json_schema_check import SCHEMA_PATH, check_response_schema

CHAT_ROUTE = "/v1/chat/completions"
COMPLETIONS_ROUTE = "/v1/completions"
MODELS_ROUTE = "/v1/models"
OPENAI_ROUTES = (CHAT_ROUTE, COMPLETIONS_ROUTE, MODELS_ROUTE)
DEFAULT_JSON_MAX_TOKENS = 1024
"""`max_tokens` of a json_schema chat that sets none and whose schema has no length bound (a string
without maxLength, an array without maxItems: most generated schemas). An answer longer than this
ends as `generation_incomplete`, never as cut-off JSON."""
_REMOVED_FIELDS = ("guided_json", "guided_regex", "guided_choice", "guided_grammar")
"""Fields vLLM removed and now ignores without a word: a request relying on them would get free text."""


@dataclass(frozen=True)
class OpenAICall:
    route: str
    body: dict[str, Any]
    """What is sent to vLLM (empty for /v1/models)."""
    schema: dict[str, Any] | None = None
    """The json_schema every answer is validated against."""
    json_object: bool = False
    """`response_format: {"type": "json_object"}`: every answer must be a JSON object."""

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream"))

    @property
    def max_tokens(self) -> int | None:
        value = self.body.get("max_completion_tokens", self.body.get("max_tokens"))
        return value if isinstance(value, int) else None


def is_openai_job(raw: Any) -> bool:
    return isinstance(raw, dict) and "openai_route" in raw


def prepare(raw: dict[str, Any], *, model: str, backend: str, max_input_bytes: int) -> OpenAICall:
    """The call to forward; `invalid_input` naming the part for anything the engine would refuse or
    silently ignore."""
    route = raw.get("openai_route")
    if route not in OPENAI_ROUTES:
        raise InvalidInput(f"openai_route: {str(route)[:60]!r} is not one of {', '.join(OPENAI_ROUTES)}")
    size = checked_size(raw)  # depth and Unicode too, in one walk
    if size > max_input_bytes:
        raise PayloadTooLarge(f"input is {size} bytes; the limit is {max_input_bytes} bytes")
    if route == MODELS_ROUTE:
        return OpenAICall(route, {})
    body = raw.get("openai_input")
    if not isinstance(body, dict):
        raise InvalidInput(f"openai_input: expected the OpenAI request body (an object) for {route}")
    body = {**body, "model": _served_model(body.get("model"), model)}
    for field in _REMOVED_FIELDS:
        if field in body:
            raise InvalidInput(f"openai_input.{field}: removed from vLLM and ignored by it; use response_format")
    if route != CHAT_ROUTE:
        return OpenAICall(route, body)
    return _chat_call(body, backend)


def _served_model(asked: Any, served: str) -> str:
    if asked in (None, "", served):
        return served
    raise InvalidInput(f"openai_input.model: {str(asked)[:80]!r} is not served here; this worker serves {served!r}")


def _chat_call(body: dict[str, Any], backend: str) -> OpenAICall:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return OpenAICall(CHAT_ROUTE, body)
    kind = response_format.get("type")
    if kind == "json_object":
        return OpenAICall(CHAT_ROUTE, body, json_object=True)
    if kind != "json_schema":
        return OpenAICall(CHAT_ROUTE, body)
    spec = response_format.get("json_schema")
    if not isinstance(spec, dict) or "schema" not in spec:
        raise InvalidInput(f"{SCHEMA_PATH}: required when response_format.type is json_schema")
    schema = spec["schema"]
    check_response_schema(schema, backend)
    if body.get("max_completion_tokens", body.get("max_tokens")) is None:
        body = {**body, "max_tokens": schema_token_budget(schema)}
    return OpenAICall(CHAT_ROUTE, body, schema=schema)


def schema_token_budget(schema: dict[str, Any]) -> int:
    """The schema's worst-case answer length in tokens, or `DEFAULT_JSON_MAX_TOKENS` when it has none."""
    try:
        return max_output_tokens(schema)
    except (UnboundedSchemaError, KeyError, TypeError, AttributeError):
        return DEFAULT_JSON_MAX_TOKENS


def check_choice(call: OpenAICall, index: int, content: str | None, finish_reason: str | None) -> None:
    """One answer of a json_schema / json_object chat: complete, JSON, and valid for the schema."""
    if call.schema is None and not call.json_object:
        return
    where = f"choices[{index}].message.content"
    if finish_reason == "length":
        raise GenerationIncomplete(f"{where}: the answer stopped at max_tokens={call.max_tokens}, incomplete")
    try:
        value = json.loads(content or "")
    except json.JSONDecodeError as exc:
        raise InvalidOutput(f"{where}: the answer is not JSON ({exc.msg} at character {exc.pos})") from None
    if call.schema is None:
        if not isinstance(value, dict):
            raise InvalidOutput(f"{where}: the answer is not a JSON object")
        return
    error = best_match(Draft202012Validator(call.schema).iter_errors(value))
    if error is not None:
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        # the keyword, not jsonschema's message: the message quotes the answer, which may quote the prompt
        raise InvalidOutput(f"{where}{path}: the answer breaks the schema ('{error.validator}' fails)")
