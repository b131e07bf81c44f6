"""One grammar-constrained call, checked end to end.

`max_tokens` comes from the schema's worst-case output length, so a complete answer always fits;
an input that leaves no room for it is refused before generation. `finish_reason == "length"` is
an error, and the text is validated with the decoding model whatever the backend promised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from schemas.bounds import max_output_tokens
from schemas.errors import describe_validation_error

from .engine import Completion, Engine, Messages, Sampling
from .errors import GenerationIncomplete, InputTooLong, InvalidOutput

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Structured(Generic[ModelT]):
    value: ModelT
    completion: Completion


async def reserve_tokens(engine: Engine, prompt: Messages | str, reserved: int) -> int:
    """Count the prompt and refuse it when prompt + `reserved` exceeds the context."""
    prompt_tokens = await engine.count_tokens(prompt)
    if prompt_tokens + reserved > engine.context_length:
        raise InputTooLong(prompt_tokens, reserved, engine.context_length)
    return prompt_tokens


async def generate_structured(
    engine: Engine,
    messages: Messages,
    schema: dict[str, Any],
    model: type[ModelT],
    *,
    temperature: float = 0.0,
) -> Structured[ModelT]:
    bound = max_output_tokens(schema)
    await reserve_tokens(engine, messages, bound)
    completion = await engine.complete(
        messages, schema=schema, sampling=Sampling(max_tokens=bound, temperature=temperature)
    )
    if completion.finish_reason == "length":
        raise GenerationIncomplete(f"the answer stopped at max_tokens={bound} before it was complete")
    try:
        value = model.model_validate_json(completion.text)
    except ValidationError as exc:
        raise InvalidOutput(f"the model's answer failed validation: {describe_validation_error(exc)}") from exc
    return Structured(value, completion)
