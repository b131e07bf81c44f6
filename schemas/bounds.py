"""Worst-case output length of a decoding schema, in tokens.

The worker sets `max_tokens` from this bound, so a grammar-constrained answer can never be cut off
by the token limit. The bound counts UTF-8 bytes of the longest compact JSON the schema admits
(every BPE token carries at least one byte), allowing one space after each `,` and `:` (some
backends write `", "` even in compact mode), plus the end-of-sequence token.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .common import RAW_TEXT_CHARS, SAFE_TEXT_CHARS, WORD_ID_CHARS

# Bytes one character of a free string can take in the output, by the character class of the
# pattern that constrains it (`^CLASS*$` or `^CLASS{m,n}$`).
_BYTES_PER_CHAR = {SAFE_TEXT_CHARS: 1, WORD_ID_CHARS: 1, RAW_TEXT_CHARS: 4}
_CLASS_PATTERN = re.compile(r"^\^(?P<chars>\[.*\])(?:\*|\{(?P<low>\d+),(?P<high>\d+)\})\$$")
# Without a known pattern, a code point may be written as a surrogate-pair escape: \ud83d\ude00.
_WORST_BYTES_PER_CHAR = 12
_SEPARATOR = 2  # "," or ":" plus an optional space


class UnboundedSchemaError(ValueError):
    """The schema admits outputs of unbounded length; the message names the path."""


def max_output_tokens(schema: dict[str, Any]) -> int:
    """Upper bound on the tokens of any output valid for `schema` (EOS included)."""
    return _Walker(schema.get("$defs", {})).bound(schema, "$", frozenset()) + 1


def pattern_char_class(pattern: str) -> tuple[str, int, int | None]:
    """The character class of a `^CLASS*$` / `^CLASS{m,n}$` pattern and its repeat bounds."""
    match = _CLASS_PATTERN.match(pattern)
    if match is None:
        return "", 0, None
    low, high = match.group("low"), match.group("high")
    return match.group("chars"), int(low or 0), int(high) if high is not None else None


def max_string_length(node: dict[str, Any]) -> int | None:
    """The tighter of a string's `maxLength` and its pattern's repeat bound; None when unbounded."""
    limits = [int(node["maxLength"])] if "maxLength" in node else []
    repeat = pattern_char_class(node.get("pattern", ""))[2]
    limits += [repeat] if repeat is not None else []
    return min(limits, default=None)


def _json_bytes(value: Any) -> int:
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    escaped = json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode()
    return max(len(raw), len(escaped))


class _Walker:
    def __init__(self, defs: dict[str, Any]) -> None:
        self.defs = defs

    def bound(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/$defs/")
            if name in seen:
                raise UnboundedSchemaError(f"{path}: recursive reference to {name}")
            return self.bound(self.defs[name], path, seen | {name})
        if "const" in node:
            return _json_bytes(node["const"])
        if "enum" in node:
            return max((_json_bytes(v) for v in node["enum"]), default=0)
        for key in ("anyOf", "oneOf"):
            if key in node:
                return max(self.bound(b, f"{path}<{key}{i}>", seen) for i, b in enumerate(node[key]))
        if "allOf" in node:
            if len(node["allOf"]) != 1:
                raise UnboundedSchemaError(f"{path}: multi-branch allOf is not enforced by every backend")
            return self.bound(node["allOf"][0], path, seen)
        kind = node.get("type")
        if isinstance(kind, list):
            return max(self.bound({**node, "type": k}, path, seen) for k in kind)
        handler = getattr(self, f"_{kind}", None)
        if handler is None:
            raise UnboundedSchemaError(f"{path}: type {kind!r} has no length bound")
        result: int = handler(node, path, seen)
        return result

    def _object(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        if node.get("additionalProperties", True) is not False:
            raise UnboundedSchemaError(f"{path}: object must set additionalProperties: false")
        props: dict[str, Any] = node.get("properties", {})
        total = 2 + max(len(props) - 1, 0) * _SEPARATOR
        for key, sub in props.items():
            total += _json_bytes(key) + _SEPARATOR + self.bound(sub, f"{path}.{key}", seen)
        return total

    def _array(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        if "uniqueItems" in node:
            raise UnboundedSchemaError(f"{path}: uniqueItems is not enforced by every backend")
        prefix = node.get("prefixItems", [])
        sizes = [self.bound(s, f"{path}[{i}]", seen) for i, s in enumerate(prefix)]
        items = node.get("items", {} if not prefix else False)
        if items is not False:
            if "maxItems" not in node:
                raise UnboundedSchemaError(f"{path}: array needs maxItems")
            extra = node["maxItems"] - len(prefix)
            sizes += [self.bound(items, f"{path}[]", seen)] * max(extra, 0)
        elif "maxItems" in node:
            sizes = sizes[: node["maxItems"]]
        return 2 + sum(sizes) + max(len(sizes) - 1, 0) * _SEPARATOR

    def _string(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        length = max_string_length(node)
        if length is None:
            raise UnboundedSchemaError(f"{path}: string needs maxLength or a pattern with a bounded repeat")
        chars = pattern_char_class(node.get("pattern", ""))[0]
        return 2 + length * _BYTES_PER_CHAR.get(chars, _WORST_BYTES_PER_CHAR)

    def _integer(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        low = node.get("minimum", node.get("exclusiveMinimum"))
        high = node.get("maximum", node.get("exclusiveMaximum"))
        if low is None or high is None:
            raise UnboundedSchemaError(f"{path}: integer needs minimum and maximum")
        return max(len(str(int(low))), len(str(int(high))))

    def _number(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        raise UnboundedSchemaError(f"{path}: a number's digits are unbounded; use a bounded integer")

    def _boolean(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        return 5

    def _null(self, node: dict[str, Any], path: str, seen: frozenset[str]) -> int:
        return 4
