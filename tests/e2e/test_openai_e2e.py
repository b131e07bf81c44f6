"""The OpenAI route and streaming, end to end: the real worker with STREAMING=true (the generator
handler, as worker-vllm runs) behind RunPod's local API, real vLLM on CPU with SmolLM2.

RunPod's OpenAI-compatible proxy does not exist locally, so the openai SDK is pointed at a small
transport of ours that does what that proxy does: it turns the SDK's HTTP call into an
`openai_route` job and the job's output back into the HTTP body (the one item, or the SSE text).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import jsonschema
import openai
import pytest
from pydantic import BaseModel

pytestmark = [pytest.mark.e2e]
CONFORMANCE_RUNS = 8


class Receipt(BaseModel):
    """A generated schema as most are: strings without maxLength, an array without maxItems."""

    shop: str
    total_cents: int
    items: list[str]


def runsync(worker: str, job_input: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{worker}/runsync", json={"input": job_input}, timeout=300)
    response.raise_for_status()
    answer = dict(response.json())
    # on RunPod a yielded error item fails the job (rp_job.handle_job); the simulator lists it as output
    errors = [item["error"] for item in answer.get("output") or [] if isinstance(item, dict) and "error" in item]
    return {"status": "FAILED", "error": errors[0]} if errors else answer


def stream_job(worker: str, job_input: dict[str, Any]) -> list[Any]:
    """`/run`, then the simulator's `/stream/{id}`: the items the generator yielded, in order."""
    job_id = httpx.post(f"{worker}/run", json={"input": job_input}, timeout=30).json()["id"]
    answer = httpx.post(f"{worker}/stream/{job_id}", timeout=300).json()  # POST in the simulator
    assert answer["status"] == "COMPLETED", answer
    return [part["output"] for part in answer["stream"]]


def chat(content: str, **extra: Any) -> dict[str, Any]:
    body = {"messages": [{"role": "user", "content": content}], "max_tokens": 40, "temperature": 0, **extra}
    return {"openai_route": "/v1/chat/completions", "openai_input": body}


def sse_content(batches: list[Any]) -> str:
    events = [e.removeprefix("data: ") for e in "".join(batches).split("\n\n") if e]
    assert events[-1] == "[DONE]"
    return "".join(choice["delta"].get("content") or "" for e in events[:-1] for choice in json.loads(e)["choices"])


class RunPodProxyTransport(httpx.BaseTransport):
    """What RunPod's OpenAI-compatible URL does, for the openai SDK: HTTP call → runsync job → HTTP body."""

    def __init__(self, worker: str) -> None:
        self.worker = worker

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        route = "/v1" + request.url.path.split("/openai/v1", 1)[1]  # …/v2/<endpoint>/openai/v1/chat/completions
        job: dict[str, Any] = {"openai_route": route}
        body = json.loads(request.content) if request.content else {}
        if request.method == "POST":
            job["openai_input"] = body
        answer = runsync(self.worker, job)
        if answer["status"] != "COMPLETED":
            return httpx.Response(400, json={"error": {"message": answer.get("error"), "type": "BadRequestError"}})
        if body.get("stream"):
            return httpx.Response(200, text="".join(answer["output"]), headers={"content-type": "text/event-stream"})
        return httpx.Response(200, json=answer["output"][0])


def test_raw_openai_route_jobs_streamed_and_not(streaming_worker: str) -> None:
    models = runsync(streaming_worker, {"openai_route": "/v1/models"})["output"]
    assert len(models) == 1 and models[0]["data"][0]["id"] == "smollm2-135m"
    whole = runsync(streaming_worker, chat("What is 2+2? Answer briefly."))
    assert whole["status"] == "COMPLETED" and len(whole["output"]) == 1
    text = whole["output"][0]["choices"][0]["message"]["content"]
    batches = stream_job(streaming_worker, chat("What is 2+2? Answer briefly.", stream=True))
    assert len(batches) > 1 and all(isinstance(b, str) for b in batches)
    assert sse_content(batches) == text  # the aggregate is the non-streamed answer (temperature 0)


def test_a_streamed_generate_equals_the_whole_answer(streaming_worker: str) -> None:
    job = {"prompt": "Name three colours.", "max_tokens": 32, "temperature": 0}
    (whole,) = runsync(streaming_worker, job)["output"]
    assert set(whole) == {"text", "tokens_generated", "status"}
    *deltas, final = stream_job(streaming_worker, {**job, "stream": True})
    assert len(deltas) > 1
    assert "".join(d["delta"] for d in deltas) == final["text"] == whole["text"]
    assert final["tokens_generated"] == whole["tokens_generated"]


def test_the_openai_sdk_gets_a_completion_a_stream_and_a_parsed_answer(streaming_worker: str) -> None:
    client = openai.OpenAI(
        base_url="https://api.runpod.ai/v2/local/openai/v1",
        api_key="unused",
        http_client=httpx.Client(transport=RunPodProxyTransport(streaming_worker)),
        max_retries=0,
    )
    messages: Any = [{"role": "user", "content": "What is 2+2? Answer briefly."}]
    completion = client.chat.completions.create(model="smollm2-135m", messages=messages, max_tokens=40, temperature=0)
    assert isinstance(completion, openai.types.chat.ChatCompletion)
    chunks = list(
        client.chat.completions.create(messages=messages, model="", max_tokens=40, temperature=0, stream=True)
    )
    assert len(chunks) > 1
    assert (
        "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == completion.choices[0].message.content
    )
    parsed = client.chat.completions.parse(
        model="smollm2-135m",
        messages=[{"role": "user", "content": "A receipt from a bakery as JSON."}],
        response_format=Receipt,
        max_tokens=200,
        temperature=0,
    )
    assert isinstance(parsed.choices[0].message.parsed, Receipt)
    with pytest.raises(
        openai.BadRequestError, match=re.escape("invalid_input: response_format.json_schema.schema.uniqueItems")
    ):
        client.chat.completions.create(
            model="smollm2-135m",
            messages=messages,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {"uniqueItems": True}}},
        )


def test_json_schema_answers_through_the_route_are_valid(streaming_worker: str) -> None:
    """The conformance figure: N chats at temperature 0.7 under an unbounded generated schema."""
    schema = Receipt.model_json_schema()
    response_format = {"type": "json_schema", "json_schema": {"name": "receipt", "schema": schema}}

    def receipt_job(run: int) -> dict[str, Any]:
        prompt = f"Receipt {run} from a shop as JSON, short values: shop name, total in cents, item names."
        job = chat(prompt, temperature=0.7, max_tokens=300)
        job["openai_input"]["response_format"] = response_format
        return job

    with ThreadPoolExecutor(CONFORMANCE_RUNS) as pool:  # sent at once, as clients do: vLLM batches them
        answers = list(pool.map(lambda run: runsync(streaming_worker, receipt_job(run)), range(CONFORMANCE_RUNS)))
    valid = incomplete = 0
    for answer in answers:
        if answer["status"] == "FAILED":
            assert answer["error"].startswith("generation_incomplete"), answer["error"]  # never invalid_output
            incomplete += 1
            continue
        content = answer["output"][0]["choices"][0]["message"]["content"]
        jsonschema.validate(json.loads(content), schema)
        valid += 1
    print(f"\nconformance: {valid}/{valid + incomplete} answers valid, {incomplete} generation_incomplete")
    assert valid + incomplete == CONFORMANCE_RUNS and valid >= 1  # every answer returned was valid
