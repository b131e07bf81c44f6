"""`python -m schemas export --out DIR` writes the contract's files (the grammar benchmarks are
`python -m evals.grammars.bench`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "generated"


def _export(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas export", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--no-ts", action="store_true", help="skip types.d.ts (needs no node)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if DIR differs")
    args = parser.parse_args(argv)

    from .export import TypeScriptError, render, stale_files, write

    try:
        files = render(typescript=not args.no_ts)
    except TypeScriptError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out
    if args.check:
        return _check(out, files, stale_files(out, files) if out.is_dir() else [])
    for path in write(out, files):
        print(path)
    for rel in stale_files(out, files):
        print(f"warning: {out / rel} is not written by this export; delete it", file=sys.stderr)
    return 0


def _check(out: Path, files: dict[str, str], stale: list[str]) -> int:
    differ = [rel for rel, text in files.items() if not _same(out / rel, text)]
    for rel in differ + stale:
        print(f"out of date: {out / rel}", file=sys.stderr)
    if differ or stale:
        print("run `python -m schemas export` and commit the result", file=sys.stderr)
        return 1
    return 0


def _same(path: Path, text: str) -> bool:
    return path.is_file() and path.read_bytes() == text.encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "export":
        return _export(args[1:])
    print(
        "usage: python -m schemas export [options]  (`export --help` lists its options)",
        file=sys.stderr,
    )
    return 0 if args and args[0] in ("-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main())
