"""Measure every (library, schema) cell and write docs/grammar-capabilities.md from the result.

    python -m tests.grammars.report            # measure, print the table, write the doc
    python -m tests.grammars.report --check    # measure, write nothing; exit 1 if EXPECTED is stale

When a measurement differs from `capabilities.EXPECTED`, the new EXPECTED literal is printed: paste
it into capabilities.py (and explain the change in its notes) so that the tests pin it.
"""

from __future__ import annotations

import argparse
import sys

from evals.grammars import LIBRARIES

from .capabilities import ADDED_IN_STRING, DOC, EXPECTED, Cell, expected_literal, render
from .checks import FREE_STRING, Measurements, added_tokens_in_string
from .conftest import load_test_vocab


def measure_added(measurements: Measurements) -> dict[str, tuple[str, ...]]:
    vocab = measurements.vocab
    added = {lib: added_tokens_in_string(measurements.library(lib).compile(FREE_STRING), vocab) for lib in LIBRARIES}
    for lib, tokens in added.items():
        print(f"{lib:10} added tokens allowed inside a string: {', '.join(tokens) or 'none'}")
    return added


def measure(measurements: Measurements) -> dict[tuple[str, str], Cell]:
    table: dict[tuple[str, str], Cell] = {}
    for library in LIBRARIES:
        for example in measurements.examples:
            accepts = measurements.accepts(library, example)
            walks = measurements.walks(library, example)
            table[library, example] = Cell(accepts, walks)
            print(f"{library:10} {example:18} (a) {accepts.outcome:11} (b) {walks.outcome}", flush=True)
            for finding in (accepts, walks):
                if finding.example:
                    print(f"    {finding.example[:400]}", flush=True)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.grammars.report", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if EXPECTED differs")
    args = parser.parse_args(argv)
    measurements = Measurements(load_test_vocab())
    added = measure_added(measurements)
    table = measure(measurements)
    stale = table != EXPECTED or added != ADDED_IN_STRING
    if table != EXPECTED:
        print("\nEXPECTED differs from the measurement; the measured table:\n")
        print(expected_literal(table))
    if added != ADDED_IN_STRING:
        print(f"\nADDED_IN_STRING differs from the measurement: {added!r}")
    if not args.check:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(render(table, added), encoding="utf-8")
        print(f"wrote {DOC}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
