"""Backend conformance: schema-valid rate of each structured-output backend on our schemas.

Every narrowed decoding schema the worker sends, a fixed set of prompts, temperature 0 and 1,
through the real engine. An answer counts as valid only if it finished by itself (not at
max_tokens), validates against the request's narrowed JSON Schema, and against the static
decoding model.

    python -m evals.conformance            # starts one server per backend, prints the table
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, get_args

import jsonschema
from pydantic import ValidationError

from schemas.bounds import max_output_tokens
from schemas.tasks import DECODING_MODELS
from worker.config import Settings, StructuredBackend
from worker.engine import Sampling, VllmServerEngine
from worker.errors import ServiceError
from worker.runtime import engine_runtime
from worker.supervisor import EngineStartError

from .bench import PROMPTS, SCHEMAS

BACKENDS: tuple[StructuredBackend, ...] = get_args(StructuredBackend)
TEMPERATURES = (0.0, 1.0)


@dataclass
class Tally:
    valid: int = 0
    total: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.valid / self.total if self.total else 0.0


def why_invalid(text: str, finish_reason: str, task: str, schema: dict[str, Any]) -> str | None:
    """None for a valid answer, else a short reason (never the answer's text)."""
    if finish_reason != "stop":
        return f"finish_reason={finish_reason}"
    try:
        DECODING_MODELS[task].model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        return f"pydantic {first['type']} at {'.'.join(map(str, first['loc']))}"
    try:
        jsonschema.validate(json.loads(text), schema)
    except jsonschema.ValidationError as exc:
        return f"jsonschema {exc.validator} at {'.'.join(map(str, exc.absolute_path))}"
    return None


async def one(engine: VllmServerEngine, task: str, prompt: str, temperature: float) -> str | None:
    schema = SCHEMAS[task]
    messages = [{"role": "user", "content": prompt}]
    budget = min(max_output_tokens(schema), engine.context_length - 512)
    try:
        done = await engine.complete(
            messages, schema=schema, sampling=Sampling(max_tokens=budget, temperature=temperature)
        )
    except ServiceError as exc:
        return f"engine error {exc.code.value}"  # e.g. the backend rejected the schema
    return why_invalid(done.text, done.finish_reason, task, schema)


async def measure(engine: VllmServerEngine) -> dict[str, Tally]:
    """Schema-valid tallies per task, all requests sent at once (vLLM batches them)."""
    cases = [(task, prompt, temperature) for task in SCHEMAS for prompt in PROMPTS for temperature in TEMPERATURES]
    outcomes = await asyncio.gather(*(one(engine, *case) for case in cases))
    tallies = {task: Tally() for task in SCHEMAS}
    for (task, *_), failure in zip(cases, outcomes, strict=True):
        tallies[task].total += 1
        if failure is None:
            tallies[task].valid += 1
        else:
            tallies[task].failures[failure] += 1
    return tallies


def markdown_table(results: dict[str, dict[str, Tally]]) -> str:
    tasks = list(SCHEMAS)
    lines = ["| backend | " + " | ".join(tasks) + " | all |", "|---" * (len(tasks) + 2) + "|"]
    for backend, tallies in results.items():
        valid = sum(t.valid for t in tallies.values())
        total = sum(t.total for t in tallies.values())
        cells = [f"{tallies[t].valid}/{tallies[t].total}" for t in tasks]
        share = f"{100 * valid / total:.0f}%" if total else "n/a (engine did not start)"
        lines.append(f"| {backend} | " + " | ".join(cells) + f" | {share} |")
    lines.append("")
    for backend, tallies in results.items():
        for task, tally in tallies.items():
            for reason, count in tally.failures.most_common():
                lines.append(f"- {backend} {task}: {count}× {reason}")
    return "\n".join(lines)


async def measure_backend(settings: Settings, *, model: str | Path | None = None) -> dict[str, Tally]:
    """Start an engine with `settings` (its backend), measure it, stop it; 0/0 tallies if it cannot start."""
    try:
        async with engine_runtime(settings, model=model, warm=False) as runtime:
            return await measure(runtime.engine)
    except EngineStartError as exc:
        print(f"{settings.structured_outputs_backend}: the engine did not start: {str(exc)[-1500:]}", file=sys.stderr)
        return {task: Tally() for task in SCHEMAS}  # 0/0: shown as n/a


def run_backend(backend: StructuredBackend, base: Settings) -> dict[str, Tally]:
    return asyncio.run(measure_backend(base.model_copy(update={"structured_outputs_backend": backend})))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.conformance")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated backends")
    args = parser.parse_args(argv)
    base = Settings()
    backends = [cast(StructuredBackend, b) for b in args.backends.split(",") if b]
    results: dict[str, dict[str, Tally]] = {backend: run_backend(backend, base) for backend in backends}
    print(f"model {base.served_model_name}; {len(PROMPTS)} prompts × t∈{TEMPERATURES}")
    print(markdown_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
