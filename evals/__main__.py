"""python -m evals run --docs N --out DIR [--engine-url URL] [--seed S] [--levels 0,1,2,3]"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from evals.documents import LAYOUTS, LEVELS
from evals.run import RunConfig, run


def _ints(text: str) -> tuple[int, ...]:
    values = tuple(int(v) for v in text.split(",") if v.strip())
    if not values or any(not 0 <= v < len(LEVELS) for v in values):
        raise argparse.ArgumentTypeError(f"levels are 0..{len(LEVELS) - 1}, comma-separated")
    return values


def _layouts(text: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    if not values or any(v not in LAYOUTS for v in values):
        raise argparse.ArgumentTypeError(f"layouts are {', '.join(LAYOUTS)}, comma-separated")
    return values


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    commands = p.add_subparsers(dest="command", required=True)
    r = commands.add_parser("run", help="evaluate the worker's tasks on OCR output of synthetic documents")
    r.add_argument("--docs", type=int, required=True, help="documents per degradation level")
    r.add_argument("--out", type=Path, required=True, help="folder for metrics.json, records.json, report.html")
    r.add_argument("--engine-url", default="", help="an OpenAI-compatible vLLM server; default: start the CPU default")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--levels", type=_ints, default=(0, 1, 2, 3), help="degradation levels, e.g. 0,2")
    r.add_argument("--layouts", type=_layouts, default=LAYOUTS, help="cycled through, e.g. receipt")
    r.add_argument("--naive-max-tokens", type=int, default=768, help="answer budget of the naive path")
    r.add_argument("--concurrency", type=int, default=1, help="documents at once (1: clean single-job latencies)")
    r.add_argument("--sample-pages", type=int, default=4, help="pages drawn with boxes in the report")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.docs < 1 or args.concurrency < 1:
        raise SystemExit("--docs and --concurrency must be at least 1")
    config = RunConfig(
        docs=args.docs,
        out=args.out,
        engine_url=args.engine_url,
        seed=args.seed,
        levels=args.levels,
        layouts=args.layouts,
        naive_max_tokens=args.naive_max_tokens,
        sample_pages=args.sample_pages,
        concurrency=args.concurrency,
    )
    run(config)


if __name__ == "__main__":
    main()
