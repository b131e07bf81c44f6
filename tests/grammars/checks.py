"""The two soundness checks, run for one (library, schema) pair; shared by the tests and the report.

(a) `check_accepts`: the grammar accepts the compact JSON of valid instances drawn from the schema
    by hypothesis-jsonschema, fed as the Qwen tokenizer's own tokens, and then allows a stop token.
(b) `check_walks`: random generations, each token drawn uniformly among those the mask allows,
    end with a stop token within `max_output_tokens(schema)` tokens, and the text vLLM would return
    validates with the static decoding model and against the (narrowed) schema itself.

A check's verdict is a `Finding`: the outcome, and the stable reasons behind a violation (failure
kinds with values stripped), which the capability table pins.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import jsonschema
import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evals.grammars import (
    Example,
    Grammar,
    GrammarUnsupportedError,
    Library,
    Vocab,
    allows,
    example_schemas,
    feed,
    load_library,
    random_walk,
    walk_cap,
)
from schemas.bounds import max_output_tokens

INSTANCES = 40
"""Valid instances drawn per schema (the same ones are fed to every library)."""
WALKS = 20
"""Random generations per (library, schema)."""
SEED = 20261126


class Outcome(StrEnum):
    HOLDS = "holds"
    VIOLATES = "violates"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True)
class Finding:
    outcome: Outcome
    reasons: tuple[str, ...] = ()
    """Sorted, stable kinds of failure (what the capability table pins)."""
    example: str = field(default="", compare=False)
    """One failing case in full, for the assertion message (not pinned)."""


# --- instances ---------------------------------------------------------------------------------


def draft7(node: Any) -> Any:
    """`prefixItems` as draft-7 `items` + `additionalItems`: hypothesis-jsonschema's dialect."""
    if isinstance(node, list):
        return [draft7(x) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: draft7(v) for k, v in node.items()}
    if "prefixItems" in out:
        out["additionalItems"] = out.get("items", True)
        out["items"] = out.pop("prefixItems")
    return out


def printable(value: Any) -> Any:
    """Control characters (category Cc) in strings replaced by "x": the model writes text."""
    if isinstance(value, str):
        return "".join("x" if unicodedata.category(c) == "Cc" else c for c in value)
    if isinstance(value, list):
        return [printable(v) for v in value]
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    return value


def compact(example: Example, instance: Any) -> str | None:
    """The compact JSON of `instance` in the schema's key order, or None if it is not valid for
    both the static model and the schema (hypothesis-jsonschema follows Python's `re`, where `$`
    also matches before a final newline; pydantic and the grammars do not)."""
    try:
        ordered = example.model.model_validate(instance).model_dump(mode="json")
    except ValidationError:
        return None
    if not jsonschema.Draft202012Validator(example.schema).is_valid(ordered):
        return None
    return json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def draw_instances(example: Example, count: int = INSTANCES) -> list[str]:
    """Compact JSON texts of up to `count` valid instances (duplicates dropped), drawn
    deterministically: the same texts on every run, for every library."""
    from hypothesis_jsonschema import from_schema  # here: its import builds Unicode tables

    texts: dict[str, None] = {}

    @settings(
        max_examples=count,
        phases=[Phase.generate],
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(from_schema(draft7(example.schema)).map(printable), st.just(example))
    def collect(instance: Any, ex: Example) -> None:
        text = compact(ex, instance)
        if text is not None:
            texts[text] = None

    collect()
    return list(texts)


def check_accepts(grammar: Grammar | GrammarUnsupportedError, texts: list[str], vocab: Vocab) -> Finding:
    if isinstance(grammar, GrammarUnsupportedError):
        return unsupported(grammar)
    failures = []
    for text in texts:
        error = feed(grammar, vocab.encode(text), vocab)
        if error is not None:
            failures.append((len(text), text, error))
    if not failures:
        return Finding(Outcome.HOLDS)
    _, text, error = min(failures)
    return Finding(Outcome.VIOLATES, ("rejects a valid instance",), f"{text!r}: {error}")


def unsupported(error: GrammarUnsupportedError) -> Finding:
    first_line = str(error).splitlines()[0]
    return Finding(Outcome.UNSUPPORTED, (first_line[:160],), str(error))


# --- random walks ------------------------------------------------------------------------------


def walk_seed(library: str, example: Example) -> list[int]:
    return [SEED, zlib.crc32(library.encode()), zlib.crc32(example.name.encode())]


def check_walks(
    grammar: Grammar | GrammarUnsupportedError,
    library: str,
    example: Example,
    vocab: Vocab,
    walks: int = WALKS,
) -> Finding:
    if isinstance(grammar, GrammarUnsupportedError):
        return unsupported(grammar)
    bound = max_output_tokens(example.schema)
    cap = walk_cap(example.schema)
    rng = np.random.default_rng(walk_seed(library, example))
    reasons: set[str] = set()
    first = ""
    unfinished = 0
    for _ in range(walks):
        walk = random_walk(grammar, vocab, rng, cap)
        if not walk.stopped and not walk.failure and cap < bound:
            unfinished += 1  # stopped by the test's own step limit, below the bound: no verdict
            continue
        found = judge(walk.tokens, walk.stopped, walk.failure, example, vocab, bound)
        if found and not first:
            first = f"{vocab.decode(walk.tokens)[:600]!r} -> {sorted(found)}"
        reasons |= found
    note = f" ({unfinished} of {walks} walks reached the {cap}-step test limit unjudged)" if unfinished else ""
    if not reasons:
        return Finding(Outcome.HOLDS, (), note)
    return Finding(Outcome.VIOLATES, tuple(sorted(reasons)), first + note)


def judge(tokens: list[int], stopped: bool, failure: str, example: Example, vocab: Vocab, bound: int) -> set[str]:
    """Why one walk's output is unsound (empty set if it is sound)."""
    if failure:
        return {"dead end: " + failure.split(" after ")[0].split(" token ")[0]}
    if not stopped:
        return {"no stop token within max_output_tokens"}
    reasons = set()
    if len(tokens) > bound:
        reasons.add("more tokens than max_output_tokens")
    if tokens[-1] != vocab.eos:
        name = vocab.tokenizer.convert_ids_to_tokens(tokens[-1])
        reasons.add(f"generation ended by {name} inside the JSON")
        return reasons
    try:
        vocab.raw_bytes(tokens[:-1]).decode("utf-8")
    except UnicodeDecodeError:  # vLLM's detokenizer turns such bytes into U+FFFD
        reasons.add("invalid UTF-8 in the output")
    return reasons | invalid_output(vocab.decode(tokens[:-1]), example)


def invalid_output(text: str, example: Example) -> set[str]:
    reasons = set()
    try:
        example.model.model_validate_json(text)
    except ValidationError as exc:
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"] if isinstance(p, str))
            what = err["type"] if err["type"] != "json_invalid" else _strip_position(err["msg"])
            reasons.add(f"pydantic {what}" + (f" at {where}" if where else ""))
        return reasons
    for error in jsonschema.Draft202012Validator(example.schema).iter_errors(json.loads(text)):
        where = ".".join(str(p) for p in error.absolute_path if isinstance(p, str))
        reasons.add(f"schema {error.validator} at {where}")
    return reasons


def _strip_position(message: str) -> str:
    return re.sub(r" at line \d+ column \d+", "", message)


# --- special tokens ----------------------------------------------------------------------------

FREE_STRING: dict[str, Any] = {
    "type": "object",
    "properties": {"v": {"type": "string", "maxLength": 64}},
    "required": ["v"],
    "additionalProperties": False,
}


def added_tokens_in_string(grammar: Grammar, vocab: Vocab) -> tuple[str, ...]:
    """The tokenizer's added tokens (chat markers, stop tokens, tool and FIM markers) that the mask
    allows inside a JSON string. vLLM drops special ones from the text and stops on stop tokens."""
    matcher = grammar.matcher()
    for token in vocab.encode('{"v":"'):
        assert matcher.advance(token)
    mask = vocab.new_mask()
    matcher.fill_mask(mask)
    added: dict[str, int] = vocab.tokenizer.get_added_vocab()
    return tuple(name for name, token in sorted(added.items(), key=lambda kv: kv[1]) if allows(mask, token))


# --- one session's measurements ----------------------------------------------------------------


class Measurements:
    """Libraries, compiled grammars, instances and findings, each computed once and kept."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.examples = {ex.name: ex for ex in example_schemas()}
        self._libraries: dict[str, Library] = {}
        self._grammars: dict[tuple[str, str], Grammar | GrammarUnsupportedError] = {}
        self._instances: dict[str, list[str]] = {}
        self._findings: dict[tuple[str, str, str], Finding] = {}

    def library(self, name: str) -> Library:
        if name not in self._libraries:
            self._libraries[name] = load_library(name, self.vocab)
        return self._libraries[name]

    def grammar(self, library: str, example: str) -> Grammar | GrammarUnsupportedError:
        key = (library, example)
        if key not in self._grammars:
            try:
                self._grammars[key] = self.library(library).compile(self.examples[example].schema)
            except GrammarUnsupportedError as exc:
                self._grammars[key] = exc
        return self._grammars[key]

    def instances(self, example: str) -> list[str]:
        if example not in self._instances:
            self._instances[example] = draw_instances(self.examples[example])
        return self._instances[example]

    def accepts(self, library: str, example: str) -> Finding:
        key = ("accepts", library, example)
        if key not in self._findings:
            grammar = self.grammar(library, example)
            texts = [] if isinstance(grammar, GrammarUnsupportedError) else self.instances(example)
            self._findings[key] = check_accepts(grammar, texts, self.vocab)
        return self._findings[key]

    def walks(self, library: str, example: str) -> Finding:
        key = ("walks", library, example)
        if key not in self._findings:
            grammar = self.grammar(library, example)
            self._findings[key] = check_walks(grammar, library, self.examples[example], self.vocab)
        return self._findings[key]
