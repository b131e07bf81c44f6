"""Backend conformance: schema-valid rate of each structured-output backend on our schemas.

Every narrowed decoding schema the worker sends, a fixed set of prompts, temperature 0 and 1,
through the real engine. An answer counts as valid only if it finished by itself (not at
max_tokens), validates against the request's narrowed JSON Schema, and against the static
decoding model.

    python -m evals.conformance            # starts one server per backend, prints the table
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import Any, get_args

import jsonschema
from pydantic import ValidationError

from schemas.bounds import max_output_tokens
from schemas.decoding import DECODING_MODELS
from worker.config import Settings, StructuredBackend
from worker.engine import Sampling, VllmServerEngine
from worker.errors import ServiceError
from worker.runtime import resolve_model
from worker.supervisor import EngineProcess

from .bench import PROMPTS, SCHEMAS

BACKENDS: tuple[StructuredBackend, ...] = get_args(StructuredBackend)
TEMPERATURES = (0.0, 1.0)


@dataclass
class Tally:
    valid: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.valid / self.total if self.total else 0.0


def is_valid(text: str, finish_reason: str, task: str, schema: dict[str, Any]) -> bool:
    if finish_reason != "stop":
        return False
    try:
        DECODING_MODELS[task].model_validate_json(text)
        jsonschema.validate(jsonschema_instance(text), schema)
    except (ValidationError, jsonschema.ValidationError, ValueError):
        return False
    return True


def jsonschema_instance(text: str) -> Any:
    import json

    return json.loads(text)


async def one(engine: VllmServerEngine, task: str, prompt: str, temperature: float, seed: int) -> bool:
    schema = SCHEMAS[task]
    messages = [{"role": "user", "content": prompt}]
    budget = min(max_output_tokens(schema), engine.context_length - 512)
    try:
        done = await engine.complete(
            messages, schema=schema, sampling=Sampling(max_tokens=budget, temperature=temperature, seed=seed)
        )
    except ServiceError:
        return False  # the backend rejected the schema: no valid answer
    return is_valid(done.text, done.finish_reason, task, schema)


async def measure(engine: VllmServerEngine) -> dict[str, Tally]:
    """Schema-valid tallies per task, all requests sent at once (vLLM batches them)."""
    cases = [
        (task, prompt, temperature, seed)
        for task in SCHEMAS
        for seed, prompt in enumerate(PROMPTS)
        for temperature in TEMPERATURES
    ]
    outcomes = await asyncio.gather(*(one(engine, *case) for case in cases))
    tallies = {task: Tally() for task in SCHEMAS}
    for (task, *_), ok in zip(cases, outcomes, strict=True):
        tallies[task].total += 1
        tallies[task].valid += ok
    return tallies


def markdown_table(results: dict[str, dict[str, Tally]]) -> str:
    tasks = list(SCHEMAS)
    lines = ["| backend | " + " | ".join(tasks) + " | all |", "|---" * (len(tasks) + 2) + "|"]
    for backend, tallies in results.items():
        valid = sum(t.valid for t in tallies.values())
        total = sum(t.total for t in tallies.values())
        cells = [f"{tallies[t].valid}/{tallies[t].total}" for t in tasks]
        lines.append(f"| {backend} | " + " | ".join(cells) + f" | {100 * valid / total:.0f}% |")
    return "\n".join(lines)


def run_backend(backend: StructuredBackend, base: Settings) -> dict[str, Tally]:
    settings = base.model_copy(update={"structured_outputs_backend": backend})
    process = EngineProcess(settings, resolve_model(settings))
    process.start()
    try:

        async def go() -> dict[str, Tally]:
            engine = await VllmServerEngine.connect(process.base_url, request_timeout_s=300, died=process.died)
            try:
                return await measure(engine)
            finally:
                await engine.close()

        return asyncio.run(go())
    finally:
        process.stop()


def main() -> int:
    base = Settings()
    results: dict[str, dict[str, Tally]] = {backend: run_backend(backend, base) for backend in BACKENDS}
    print(f"model {base.served_model_name}; {len(PROMPTS)} prompts × t∈{TEMPERATURES}")
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
