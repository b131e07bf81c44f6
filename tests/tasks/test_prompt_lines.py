"""Request text cannot fake prompt lines or columns: every data line of every prompt is one line with
its own number of `|` columns, whatever the words, names, values and hints hold."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from prompts.layout import word_line
from prompts.lines import cell, conflict_line, field_line, json_string, target_line
from prompts.render import template_names, template_variables
from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import AnalyzeRequest, LocateTarget, MergePass
from worker.tasks import analyze, locate, merge
from worker.tasks.alignment import align
from worker.tasks.checks import rule_issues
from worker.tasks.grounding import chat

# Everything `str.splitlines` breaks on, the column separator, and other control characters.
BREAKERS = ["|", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
SPECIAL = [*BREAKERS, "\x00", "\x1b", "\t", "\x7f", "\x9f", '"', "\\"]
HOSTILE = st.text(st.sampled_from([*SPECIAL, "\ud800"]) | st.characters(), max_size=30)
WIRE_TEXT = st.text(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=30)
"""As hostile as a request can be: the intake refuses lone surrogates (worker/intake.py), and pydantic
2.14 (pydantic-core 2.50.5) no longer builds a model holding one."""
NAME = st.text(st.characters(exclude_categories=("C",), exclude_characters='"\\') | st.sampled_from(["|", "\u2028"]))


def one_data_line(line: str, columns: int) -> bool:
    return len(line.splitlines()) == 1 and line.count("|") == columns - 1


@settings(max_examples=200, deadline=None)
@given(text=HOSTILE)
def test_a_cell_is_one_line_without_a_column_separator(text: str) -> None:
    flat = cell(text)
    assert len(flat.splitlines()) <= 1 and "|" not in flat
    flat.encode("utf-8")  # lone surrogates are replaced: the prompt can be sent


@settings(max_examples=100, deadline=None)
@given(text=HOSTILE)
def test_a_json_string_stays_on_one_line_and_keeps_the_exact_spelling(text: str) -> None:
    encoded = json_string(text)
    assert len(encoded.splitlines()) == 1
    assert json.loads(encoded) == text


@settings(max_examples=60, deadline=None)
@given(texts=st.lists(WIRE_TEXT, min_size=1, max_size=5), value=WIRE_TEXT, name=NAME.filter(bool))
def test_every_data_line_of_every_prompt_is_one_line(texts: list[str], value: str, name: str) -> None:
    name = name[:64]
    words = [OcrWord(id=f"w{i}", text=t[:200], bbox=(0, 0, 10, 10), confidence=0.9) for i, t in enumerate(texts)]
    field = OcrField(name=name, value=value, confidence=0.5, word_ids=["w0"])
    document = OcrDocument(pages=[OcrPage(index=0, width=100, height=100, words=words)], fields=[field])
    target = LocateTarget(name=name, hint=value, value=value)
    assert all(one_data_line(word_line(w, document.pages[0]), 4) for w in words)
    assert one_data_line(field_line(field), 4)
    assert one_data_line(target_line(target), 3)

    # whole prompts: as many lines as with plain text in the same places
    request = AnalyzeRequest(document=document)
    passes = [MergePass(source=s, fields=[OcrField(name=name, value=v)]) for s, v in (("a", value), ("b", "x"))]
    conflicts = [f for f in align(passes, None) if merge.is_conflict(f)]
    assert all(len(conflict_line(f).splitlines()) == 1 for f in conflicts)
    prompts = {
        "analyze": chat("analyze", **analyze.prompt_variables(request, rule_issues(request))),
        "locate": chat("locate", **locate.prompt_variables([target], document)),
        "merge": chat("merge", **merge.prompt_variables(conflicts)),
    }
    # instruction lines + a page header + the data lines (one field or target, the words, the conflicts)
    # (analyze: + the suggested-values header; this request's rules suggest nothing)
    expected = {"analyze": 6 + 1 + 1 + len(words), "locate": 3 + 1 + 1 + len(words), "merge": 2 + len(conflicts)}
    for task, messages in prompts.items():
        assert len(messages[1]["content"].splitlines()) == expected[task], task


def test_macro_files_are_not_task_templates() -> None:
    assert template_names() == ["analyze", "locate", "merge", "system"]
    assert template_variables("analyze") == {"expected", "rule_findings", "fields", "suggestions", "pages"}
    assert template_variables("locate") == {"targets", "choices", "pages"}
