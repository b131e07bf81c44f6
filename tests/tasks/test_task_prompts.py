"""Prompts and grammars of the grounded tasks: exact variables, no stray document text, and an
injected instruction cannot widen what the model may cite."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from prompts.layout import word_line
from prompts.lines import field_line
from prompts.render import template_variables, template_version
from schemas.bounds import max_output_tokens
from schemas.documents import OcrDocument, OcrField, OcrPage
from schemas.requests import AnalyzeRequest, ExpectedField, LocateTarget, MergePass
from worker.tasks import analyze, locate, merge
from worker.tasks.alignment import align
from worker.tasks.checks import rule_issues
from worker.tasks.grounding import chat

from .ocr_samples import INJECTION, invoice, word

TEMPLATES = ["system", "analyze", "locate", "merge"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_every_template_is_versioned(name: str) -> None:
    assert template_version(name).isdigit()


def marked_document() -> OcrDocument:
    """Every text the document holds is a marker no template can contain by chance."""
    words = [word(f"w{n}", f"zqx{n}mark", 10 + 100 * n, 50) for n in range(5)]
    fields = [OcrField(name="total", value="zqxVALUEmark", confidence=0.5, word_ids=["w1"])]
    page = OcrPage(index=0, width=1000, height=800, words=words)
    return OcrDocument(pages=[page], fields=fields, document_type="zqxTYPEmark")


def analyze_variables(document: OcrDocument) -> dict[str, Any]:
    request = AnalyzeRequest(document=document, expected_fields=[ExpectedField(name="iban", required=True)])
    return analyze.prompt_variables(request, rule_issues(request))


def locate_variables(document: OcrDocument) -> dict[str, Any]:
    return locate.prompt_variables([LocateTarget(name="total", hint="bottom right")], document)


def merge_variables(document: OcrDocument) -> dict[str, Any]:
    values = [f.value for f in document.fields] + ["zqxOTHERmark"]
    passes = [MergePass(source=f"p{n}", fields=[OcrField(name="total", value=v)]) for n, v in enumerate(values)]
    return merge.prompt_variables(align(passes, None))


BUILDERS = {"analyze": analyze_variables, "locate": locate_variables, "merge": merge_variables}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_each_task_passes_exactly_its_templates_variables(name: str) -> None:
    variables = BUILDERS[name](marked_document())
    assert set(variables) == template_variables(name)
    assert template_variables("system") == set()
    chat(name, **variables)  # render raises on any missing or unexpected variable


def data_lines(name: str, document: OcrDocument, variables: dict[str, Any]) -> set[str]:
    """The lines that may carry document text: rendered words, fields and candidate readings."""
    lines = {word_line(w, p) for p in document.pages for w in p.words}
    lines |= {field_line(f) for f in document.fields} if name == "analyze" else set()
    return lines | set(variables.get("conflicts", [])) | set(variables.get("suggestions", []))


def prompt_lines(messages: list[dict[str, str]]) -> Iterator[str]:
    for message in messages:
        yield from message["content"].splitlines()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_document_text_appears_only_in_rendered_words_and_fields(name: str) -> None:
    document = marked_document()
    variables = BUILDERS[name](document)
    allowed = data_lines(name, document, variables)
    texts = [w.text for p in document.pages for w in p.words] + [f.value or "" for f in document.fields]
    stray = [line for line in prompt_lines(chat(name, **variables)) if line not in allowed]
    assert stray, "the instructions are missing"
    assert not [line for line in stray if "zqx" in line], "document text outside the data lines"
    rendered = "\n".join(prompt_lines(chat(name, **variables)))
    assert "zqxTYPEmark" not in rendered
    if name != "merge":  # merge shows the candidate readings, not the words
        assert all(text in rendered for text in texts[:5])


def constants(schema: Any) -> Iterator[str]:
    """Every enum member and const of a JSON Schema: all the model can write besides free text."""
    if isinstance(schema, dict):
        yield from (str(v) for v in schema.get("enum", []))
        if "const" in schema:
            yield str(schema["const"])
        for value in schema.values():
            yield from constants(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from constants(item)


def test_an_injected_instruction_cannot_add_a_field_or_word_to_any_grammar() -> None:
    document = invoice(injection=True)
    analyze_request = AnalyzeRequest(document=document)
    targets = [LocateTarget(name="total"), LocateTarget(name="invoice_date")]
    passes = [
        MergePass(source="a", fields=[OcrField(name="total", value="119.00", confidence=0.6)]),
        MergePass(source="b", fields=[OcrField(name="total", value=INJECTION, confidence=0.6)]),
    ]
    grammars = [
        analyze.grammar(analyze_request, rule_issues(analyze_request)),
        locate.grammar(targets, document),
        merge.grammar(align(passes, None)),
    ]
    ids = {w.id for w in document.pages[0].words}
    for schema in grammars:
        allowed = set(constants(schema))
        assert "hacked" not in allowed and "X99" not in allowed
    analyze_names = set(constants(grammars[0])) - ids - {"low", "medium", "high"}
    assert {"hacked"}.isdisjoint(analyze_names)
    assert {f.name for f in document.fields} <= analyze_names
    # merge candidates are readings the passes gave; field names stay the requested ones
    merge_fields = grammars[2]["properties"]["fields"]["prefixItems"]
    assert [f["properties"]["field"]["const"] for f in merge_fields] == ["total"]


@pytest.mark.parametrize("task", [analyze.AnalyzeTask(), locate.LocateTask(), merge.MergeTask()])
def test_warmup_grammars_are_narrowed_and_bounded(
    task: analyze.AnalyzeTask | locate.LocateTask | merge.MergeTask,
) -> None:
    [schema] = task.warmup_schemas()
    assert max_output_tokens(schema) < 3_000  # leaves room for a prompt in a 4096-token context
    assert "field" in set(constants(schema))  # the narrowed shape real jobs compile, not the static one
