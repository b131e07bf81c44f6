"""`python -m evals.grammars.bench`: what each grammar library costs for each decoding schema, on CPU.

For every schema of `evals.grammars.example_schemas()` (the static decoding schemas and narrowed
ones for typical requests) and every library vLLM can use, prints the cold compile time and the
time to compute one token mask (median and p95 over random generations whose tokens are drawn
uniformly among those the mask allows), against the real Qwen2.5 tokenizer. Benchmark output, not
assertions: the soundness of the same grammars is tested in tests/grammars.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import (
    LIBRARIES,
    Example,
    GrammarUnsupportedError,
    Library,
    Vocab,
    example_schemas,
    load_library,
    load_vocab,
    random_walk,
    walk_cap,
)


@dataclass(frozen=True)
class Row:
    schema: str
    library: str
    compile_s: float
    walks: int = 0
    tokens_mean: float = 0.0
    mask_median_us: float = 0.0
    mask_p95_us: float = 0.0
    note: str = ""


def _default_tokenizer_dir() -> Path:
    from worker.config import Settings
    from worker.weights import qwen_tokenizer_json

    return qwen_tokenizer_json(Settings().model_cache_dir).parent


def bench_one(library: Library, example: Example, vocab: Vocab, walks: int, seed: int) -> Row:
    start = time.perf_counter()
    try:
        grammar = library.compile(example.schema)
    except GrammarUnsupportedError as exc:
        elapsed = time.perf_counter() - start
        return Row(example.name, library.name, elapsed, note="unsupported: " + str(exc).splitlines()[0])
    compile_s = time.perf_counter() - start
    cap = walk_cap(example.schema)
    rng = np.random.default_rng(seed)
    lengths: list[int] = []
    masks: list[float] = []
    unfinished = 0
    for _ in range(walks):
        walk = random_walk(grammar, vocab, rng, cap)
        lengths.append(len(walk.tokens))
        masks.extend(walk.mask_seconds)
        unfinished += not walk.stopped
    micros = np.array(masks) * 1e6
    return Row(
        example.name,
        library.name,
        compile_s,
        walks,
        float(np.mean(lengths)),
        float(np.median(micros)),
        float(np.percentile(micros, 95)),
        f"{unfinished} walks reached the {cap}-step cap" if unfinished else "",
    )


def format_table(rows: list[Row]) -> str:
    header = ("schema", "library", "compile s", "walks", "tokens/walk", "mask µs p50", "mask µs p95", "note")
    body = [
        (
            r.schema,
            r.library,
            f"{r.compile_s:.3f}",
            str(r.walks),
            f"{r.tokens_mean:.0f}" if r.walks else "-",
            f"{r.mask_median_us:.1f}" if r.walks else "-",
            f"{r.mask_p95_us:.1f}" if r.walks else "-",
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in (header, *body)) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in body]
    head = "  ".join(cell.ljust(w) for cell, w in zip(header, widths, strict=True)).rstrip()
    return "\n".join([head, "-" * len(head), *lines])


def _parse(argv: list[str] | None) -> argparse.Namespace:
    names = [ex.name for ex in example_schemas()]
    parser = argparse.ArgumentParser(prog="python -m evals.grammars.bench", description=__doc__)
    parser.add_argument("--library", action="append", choices=LIBRARIES, help="repeatable; default: all")
    parser.add_argument("--schema", action="append", choices=names, help="repeatable; default: all")
    parser.add_argument("--walks", type=int, default=10, help="random generations per cell (default 10)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tokenizer-dir", type=Path, default=None, help="default: Qwen2.5's, built once")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    vocab = load_vocab(args.tokenizer_dir or _default_tokenizer_dir())
    examples = [ex for ex in example_schemas() if not args.schema or ex.name in args.schema]
    rows: list[Row] = []
    for name in args.library or LIBRARIES:
        start = time.perf_counter()
        library = load_library(name, vocab)
        print(f"{name}: vocabulary prepared in {time.perf_counter() - start:.2f} s", flush=True)
        for example in examples:
            rows.append(bench_one(library, example, vocab, args.walks, args.seed))
            print(f"  {example.name}: done", flush=True)
    print()
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
