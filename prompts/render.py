"""Prompts as data: one strict Jinja2 environment over the `*.jinja` files beside this module.

Undefined variables are errors, and so are variables a template does not use, so a prompt and the
code that fills it cannot drift apart silently. Each template's first line is `{# version: N #}`.
Files whose name starts with `_` hold shared macros (imported by templates); they are not templates.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta

from .layout import quantize, word_line

TEMPLATE_DIR = Path(__file__).parent
_VERSION = re.compile(r"^\{#\s*version:\s*(\S+)\s*#\}")


class PromptError(ValueError):
    """A template is missing, or was given the wrong variables."""


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["grid"] = quantize
    env.filters["word_line"] = word_line
    return env


def template_names() -> list[str]:
    """The task templates (macro files, `_*.jinja`, are not among them)."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.jinja") if not p.stem.startswith("_"))


def _source(name: str) -> str:
    path = TEMPLATE_DIR / f"{name}.jinja"
    if name not in template_names():
        raise PromptError(f"no prompt template {name!r}; have {', '.join(template_names())}")
    return path.read_text(encoding="utf-8")


def template_variables(name: str) -> set[str]:
    """The variables a template reads (what `render` must be given, exactly)."""
    return set(meta.find_undeclared_variables(_environment().parse(_source(name))))


def template_version(name: str) -> str:
    match = _VERSION.match(_source(name))
    if match is None:
        raise PromptError(f"template {name!r} does not start with '{{# version: N #}}'")
    return match.group(1)


def render(name: str, **variables: Any) -> str:
    expected = template_variables(name)
    if set(variables) != expected:
        missing, extra = sorted(expected - set(variables)), sorted(set(variables) - expected)
        raise PromptError(f"template {name!r}: missing {missing}, unexpected {extra}")
    return _environment().get_template(f"{name}.jinja").render(**variables).strip()
