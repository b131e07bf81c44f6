"""The grammar libraries vLLM can constrain decoding with, behind one small interface, on CPU.

Each adapter compiles a JSON Schema the way vLLM's backend does with the worker's settings
(`disable_any_whitespace: true`; outlines has no such option in vLLM and keeps its default `[ ]?`
whitespace), against a real tokenizer, and exposes the token mask and the advance step. The grammar
tests (tests/grammars) and the benchmark (`python -m evals.grammars.bench`) both use these, so what is
tested is what is timed. The libraries are imported lazily: the contract does not depend on them.

Modules: `vocab` (the tokenizer, masks), `interface` (the Library/Grammar/Matcher protocols),
`libraries` (xgrammar and llguidance adapters, `load_library`), `outlines` (the outlines adapter),
`examples` (the schemas under test), `walks` (feeding tokens, random walks).
"""

from .examples import Example, example_schemas
from .interface import Grammar, GrammarUnsupportedError, Library
from .libraries import LIBRARIES, load_library
from .outlines import OUTLINES_COMPILE_TIMEOUT_S, outlines_vocabulary
from .vocab import Vocab, allows, load_vocab
from .walks import WALK_CAP_MARGIN, WALK_STEP_LIMIT, draw, feed, random_walk, walk_cap

__all__ = [
    "LIBRARIES",
    "OUTLINES_COMPILE_TIMEOUT_S",
    "WALK_CAP_MARGIN",
    "WALK_STEP_LIMIT",
    "Example",
    "Grammar",
    "GrammarUnsupportedError",
    "Library",
    "Vocab",
    "allows",
    "draw",
    "example_schemas",
    "feed",
    "load_library",
    "load_vocab",
    "outlines_vocabulary",
    "random_walk",
    "walk_cap",
]
