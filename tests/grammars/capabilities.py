"""What each grammar library guarantees for each decoding schema, as measured: the pinned table.

`EXPECTED[(library, schema)]` holds the verdicts of the two checks in checks.py; the tests fail when
a measurement differs, and docs/grammar-capabilities.md is `render(EXPECTED)` (a test compares).
Regenerate both with `python -m tests.grammars.report` after a library or schema change.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from evals.grammars import (
    LIBRARIES,
    OUTLINES_COMPILE_TIMEOUT_S,
    WALK_CAP_MARGIN,
    WALK_STEP_LIMIT,
    example_schemas,
)

from .checks import INSTANCES, WALKS, Finding, Outcome

DOC = Path(__file__).resolve().parents[2] / "docs" / "grammar-capabilities.md"
DISTRIBUTIONS = {"xgrammar": "xgrammar", "llguidance": "llguidance", "outlines": "outlines_core"}


@dataclass(frozen=True)
class Cell:
    accepts: Finding
    """(a) valid instances are accepted."""
    walks: Finding
    """(b) random generations are valid and within the token bound."""


HOLDS = Finding(Outcome.HOLDS)


def violates(*reasons: str) -> Finding:
    return Finding(Outcome.VIOLATES, tuple(sorted(reasons)))


def unsupported(reason: str) -> Finding:
    return Finding(Outcome.UNSUPPORTED, (reason,))


OUTLINES_TOO_SLOW = unsupported(
    f"outlines: Index build needs over {OUTLINES_COMPILE_TIMEOUT_S} s of CPU (vLLM's VLLM_REGEX_COMPILATION_TIMEOUT_S)"
)

EXPECTED: dict[tuple[str, str], Cell] = {
    ("xgrammar", "analyze"): Cell(HOLDS, HOLDS),
    ("xgrammar", "locate"): Cell(
        HOLDS,
        violates("invalid UTF-8 in the output", "pydantic string_too_long at fields.field"),
    ),
    ("xgrammar", "merge"): Cell(
        violates("rejects a valid instance"),
        violates(
            "invalid UTF-8 in the output",
            "pydantic Invalid JSON: control character (\\u0000-\\u001F) found while parsing a string",
        ),
    ),
    ("xgrammar", "analyze:narrowed"): Cell(HOLDS, HOLDS),
    ("xgrammar", "locate:narrowed"): Cell(HOLDS, HOLDS),
    ("xgrammar", "merge:narrowed"): Cell(HOLDS, HOLDS),
    ("llguidance", "analyze"): Cell(HOLDS, HOLDS),
    ("llguidance", "locate"): Cell(HOLDS, HOLDS),
    ("llguidance", "merge"): Cell(HOLDS, HOLDS),
    ("llguidance", "analyze:narrowed"): Cell(HOLDS, HOLDS),
    ("llguidance", "locate:narrowed"): Cell(HOLDS, HOLDS),
    ("llguidance", "merge:narrowed"): Cell(HOLDS, HOLDS),
    ("outlines", "analyze"): Cell(OUTLINES_TOO_SLOW, OUTLINES_TOO_SLOW),
    ("outlines", "locate"): Cell(OUTLINES_TOO_SLOW, OUTLINES_TOO_SLOW),
    ("outlines", "merge"): Cell(OUTLINES_TOO_SLOW, OUTLINES_TOO_SLOW),
    ("outlines", "analyze:narrowed"): Cell(OUTLINES_TOO_SLOW, OUTLINES_TOO_SLOW),
    ("outlines", "locate:narrowed"): Cell(
        HOLDS,
        violates("pydantic greater_than_equal at fields.box", "pydantic less_than_equal at fields.box"),
    ),
    ("outlines", "merge:narrowed"): Cell(HOLDS, HOLDS),
}

_QWEN_SPECIAL = (
    "<|endoftext|>",
    "<|im_start|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
)
_QWEN_ADDED_TEXT = (
    "<tool_call>",
    "</tool_call>",
    "<|fim_prefix|>",
    "<|fim_middle|>",
    "<|fim_suffix|>",
    "<|fim_pad|>",
    "<|repo_name|>",
    "<|file_sep|>",
)
ADDED_IN_STRING: dict[str, tuple[str, ...]] = {
    "xgrammar": _QWEN_SPECIAL + _QWEN_ADDED_TEXT,
    "llguidance": (),
    "outlines": _QWEN_ADDED_TEXT,
}
"""Added tokens each library lets the model write inside a JSON string (checks.FREE_STRING)."""

NOTES: dict[str, str] = {
    "xgrammar": """
- A string with a `pattern` is generated from the pattern alone: `minLength`/`maxLength` are
  ignored (xgrammar logs a warning), so a bare `^[...]*$` would be unbounded and may be empty.
  The decoding schemas therefore state the bounds in the pattern (`schemas.common.bounded_text`,
  e.g. `^[ !#-\\[\\]-~]{1,80}$`), which xgrammar and llguidance both enforce (analyze, static and
  narrowed, holds). xgrammar 0.2.8 fails to compile a repetition above `{0,128}`
  (`grammar_functor.cc: Check failed: per_rule_fsm_hashes`), and matches the pattern against the
  raw JSON text (a pattern admitting `"` or `\\` cannot produce them escaped).
- A string with `minLength`/`maxLength` and no pattern (MergeDecoding's `value`) rejects every
  escape (`\\"`, `\\\\`, `\\n`, `\\u0001`) and admits raw characters below U+0020 (TAB,
  U+0001), which JSON forbids: a valid value with a quote cannot be produced, and the output can
  be invalid JSON. A string without length keywords handles escapes and refuses raw controls.
- Its vocabulary treats Qwen's special tokens as plain text, so inside a free string the mask
  allows `<|endoftext|>` (a stop token of Qwen2.5-Instruct's generation config: vLLM ends the
  output there, mid-JSON) and `<|im_start|>` and the other specials (vLLM drops them from the text,
  so the returned string differs from the one the grammar checked).
- In strings constrained by a negated-class pattern (RAW_TEXT_CHARS, as in locate's field names)
  and in MergeDecoding's `value` it lets byte-level tokens write invalid UTF-8 (seen in the static
  locate and merge walks: UTF-8-encoded surrogates such as bytes `ED AC B8`); vLLM returns U+FFFD
  for each bad byte. The pattern's repetition counts such a sequence as one character, so a field
  name near `{1,64}`'s limit comes back longer than 64 characters (locate's `string_too_long`).
- Integer `minimum`/`maximum`, enums, consts, `prefixItems` and `anyOf` with null are enforced.
""",
    "llguidance": """
- Every check holds on every schema: lengths and patterns are intersected, escapes handled,
  control characters refused, only valid UTF-8, no added token allowed inside strings. Compiles
  in milliseconds; the lexer is built lazily, so masks in new lexer states cost more (see
  `python -m evals.grammars.bench`).
""",
    "outlines": """
- vLLM's outlines backend builds a token Index over the whole vocabulary for the regex of the
  schema; bounded repetitions multiply its states. Every static schema and the narrowed analyze
  schema need well over 5 s of CPU (narrowed analyze: 17 s), so vLLM times the request out.
  Narrowed locate (3 targets) and merge (3 fields) need about 1 s and 0.5 s of CPU.
- `build_regex_from_schema` ignores integer `minimum`/`maximum` (box coordinates outside 0–99,
  negative or huge, are generated) and, for a string with `minLength`/`maxLength`, ignores its
  `pattern`. Its default whitespace `[ ]?` is allowed around every `,` `:` `{` `}` `[` `]`.
- vLLM's outlines vocabulary enters partial UTF-8 tokens that decode to a short text with U+FFFD
  as that text, not as their bytes (the adapter reproduces it; a test compares with vLLM's own
  function): in free strings the output can then hold U+FFFD where the tokens were invalid UTF-8.
""",
}


# --- rendering ---------------------------------------------------------------------------------


def _verdict(finding: Finding) -> str:
    return finding.outcome.value if finding.outcome is Outcome.HOLDS else f"**{finding.outcome.value}**"


def render(table: dict[tuple[str, str], Cell], added: dict[str, tuple[str, ...]] | None = None) -> str:
    """The capability document for `table` (and the added tokens allowed inside strings)."""
    added = ADDED_IN_STRING if added is None else added
    names = [ex.name for ex in example_schemas()]
    lines = [*_header(), "| schema | " + " | ".join(LIBRARIES) + " |", "|---" * (len(LIBRARIES) + 1) + "|"]
    for name in names:
        row = [f"(a) {_verdict(table[lib, name].accepts)}, (b) {_verdict(table[lib, name].walks)}" for lib in LIBRARIES]
        lines.append(f"| `{name}` | " + " | ".join(row) + " |")
    lines += ["", "## Why a cell does not hold", ""]
    for lib in LIBRARIES:
        for name in names:
            for label, finding in (("(a)", table[lib, name].accepts), ("(b)", table[lib, name].walks)):
                if finding.outcome is not Outcome.HOLDS:
                    lines.append(f"- {lib}, `{name}` {label}: " + "; ".join(finding.reasons))
    lines += ["", "## Added tokens allowed inside a JSON string", ""]
    for lib in LIBRARIES:
        lines.append(f"- {lib}: " + (", ".join(f"`{t}`" for t in added[lib]) or "none"))
    lines += ["", "## Notes", ""]
    for lib in LIBRARIES:
        lines += [f"### {lib}", "", NOTES[lib].strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _header() -> list[str]:
    versions = ", ".join(f"{lib} {version(DISTRIBUTIONS[lib])}" for lib in LIBRARIES)
    return [
        "# Grammar capabilities, measured",
        "",
        "<!-- Generated by `python -m tests.grammars.report` from tests/grammars/capabilities.py; "
        "tests/grammars/test_capabilities.py fails when this file or a measurement differs. -->",
        "",
        f"Libraries: {versions}; compiled on CPU against the real Qwen2.5 tokenizer as vLLM's backends",
        'compile them with the worker\'s settings (xgrammar `any_whitespace=False`, `separators=(",", ":")`;',
        "llguidance `whitespace_flexible: false`; outlines `build_regex_from_schema(whitespace_pattern=None)`,",
        "the only form vLLM's outlines backend uses). Schemas: `evals.grammars.example_schemas()`.",
        "",
        f"- **(a) accepts**: the compact JSON of {INSTANCES} valid instances drawn by hypothesis-jsonschema",
        "  (control characters replaced), fed as Qwen's own tokens, is accepted and may then stop.",
        f"- **(b) walks**: {WALKS} random generations, each token drawn uniformly among those the mask",
        "  allows, until a stop token (`<|im_end|>` or `<|endoftext|>`); each must stop within",
        f"  `max_output_tokens(schema)` tokens (cap: bound + {WALK_CAP_MARGIN}; walks still running at",
        f"  {WALK_STEP_LIMIT} steps, below a larger bound, are not judged), and the text vLLM returns must",
        "  validate with the static decoding model and against the schema itself.",
        "- **unsupported**: the library refuses the schema, or (outlines) its Index build needs more",
        f"  than {OUTLINES_COMPILE_TIMEOUT_S} s of CPU, vLLM's default `VLLM_REGEX_COMPILATION_TIMEOUT_S`.",
        "",
    ]


def _finding_literal(finding: Finding) -> str:
    if finding.outcome is Outcome.HOLDS:
        return "HOLDS"
    if finding == OUTLINES_TOO_SLOW:
        return "OUTLINES_TOO_SLOW"
    if finding.outcome is Outcome.UNSUPPORTED:
        return f"unsupported({finding.reasons[0]!r})"
    return "violates(" + ", ".join(repr(r) for r in finding.reasons) + ")"


def expected_literal(table: dict[tuple[str, str], Cell]) -> str:
    """`table` as Python source for EXPECTED."""
    lines = ["EXPECTED: dict[tuple[str, str], Cell] = {"]
    for (lib, name), cell in table.items():
        lines.append(f"    ({lib!r}, {name!r}): Cell(")
        lines.append(f"        {_finding_literal(cell.accepts)},")
        lines.append(f"        {_finding_literal(cell.walks)},")
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)
