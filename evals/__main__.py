"""python -m evals run (--docs N | --dir DOCS) --out DIR [--engine-url URL] [--seed S] [--levels 0,1,2,3] [--no-llm]
python -m evals example-dir OUT [--docs N] [--seed S]
python -m evals calibrate RECORDS.json [...] --preset NAME --out worker/calibration_maps/NAME.json
    [--check HELD_OUT.json ...]"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from evals.documents import LAYOUTS, LEVELS
from evals.folder import write_example
from evals.pdf import DPI
from evals.run import OCR_CACHE, RunConfig, run
from evals.truth import TruthFileError


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
    r.add_argument("--docs", type=int, help="synthetic documents per degradation level")
    r.add_argument("--dir", type=Path, help="a folder of your documents (pdf/png/jpg) with NAME.truth.json files")
    r.add_argument("--dpi", type=int, default=DPI, help="resolution PDF pages are rendered at (--dir)")
    r.add_argument("--no-llm", action="store_true", help="rules only: start no model, skip the LLM and naive paths")
    r.add_argument("--no-ocr-cache", action="store_true", help="OCR every page again (default: reuse .cache/evals/ocr)")
    r.add_argument("--out", type=Path, required=True, help="folder for metrics.json, records.json, report.html")
    r.add_argument("--engine-url", default="", help="an OpenAI-compatible vLLM server; default: start the CPU default")
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--levels", type=_ints, help="degradation levels, e.g. 0,2 (default: all; --dir: 0)")
    r.add_argument("--layouts", type=_layouts, default=LAYOUTS, help="cycled through, e.g. receipt")
    r.add_argument("--naive-max-tokens", type=int, default=768, help="answer budget of the naive path")
    r.add_argument("--naive-docs", type=int, default=0, help="naive baseline on the first N documents per level (off)")
    r.add_argument("--concurrency", type=int, default=4, help="documents at once (1: clean single-job latencies)")
    r.add_argument("--sample-pages", type=int, default=4, help="pages drawn with boxes in the report")
    e = commands.add_parser("example-dir", help="write a small --dir folder: synthetic PDFs and PNGs with truth files")
    e.add_argument("out", type=Path)
    e.add_argument("--docs", type=int, default=4)
    e.add_argument("--seed", type=int, default=0)
    c = commands.add_parser("calibrate", help="fit the worker's confidence maps on runs' records (CALIBRATION=false)")
    c.add_argument("records", type=Path, nargs="+", help="records.json of one or more runs")
    c.add_argument("--preset", required=True, help="the model preset the map is for, e.g. smollm2-135m")
    c.add_argument("--out", type=Path, required=True, help="the map file, e.g. worker/calibration_maps/PRESET.json")
    c.add_argument("--min-pairs", type=int, default=30, help="a kind with fewer pairs keeps raw confidences")
    c.add_argument(
        "--check",
        type=Path,
        nargs="+",
        default=[],
        help="records.json of held-out CALIBRATION=false runs: their ECE under the previous map and the new one",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "calibrate":
        from evals.calibration import calibrate

        try:
            calibrate(args.records, args.preset, args.out, args.min_pairs, args.check)
        except ValueError as exc:  # an unknown preset, or records whose confidences were already mapped
            raise SystemExit(f"calibrate: {exc}") from None
        return
    if args.command == "example-dir":
        for path in write_example(args.out, args.docs, args.seed):
            print(path)
        return
    if (args.docs is None) == (args.dir is None):
        raise SystemExit("give either --docs N (synthetic pages) or --dir DOCS (your documents)")
    if (args.docs is not None and args.docs < 1) or args.concurrency < 1 or args.dpi < 36 or args.naive_docs < 0:
        raise SystemExit("--docs and --concurrency must be at least 1, --naive-docs at least 0, --dpi at least 36")
    levels = args.levels or ((0, 1, 2, 3) if args.dir is None else (0,))
    config = RunConfig(
        docs=args.docs or 0,
        out=args.out,
        engine_url=args.engine_url,
        seed=args.seed,
        levels=levels,
        layouts=args.layouts,
        naive_max_tokens=args.naive_max_tokens,
        naive_docs=args.naive_docs,
        sample_pages=args.sample_pages,
        concurrency=args.concurrency,
        dir=args.dir,
        dpi=args.dpi,
        use_llm=not args.no_llm,
        ocr_cache=None if args.no_ocr_cache else OCR_CACHE,
    )
    try:
        run(config)
    except TruthFileError as exc:
        raise SystemExit(f"truth file error: {exc}") from None


if __name__ == "__main__":
    main()
