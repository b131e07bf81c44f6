"""No input ends as `internal`: every job either answers with a valid response or fails with a coded
client error, whatever the text (any Unicode, control characters, `|`, lone surrogates), the
numbers (amounts of 29 to 1,000 digits, NaN, huge exponents) or the list sizes (200 fields, 200
expected fields, merges naming 600 distinct fields, a known value spelled by 600 words).

Every task runs through `JobHandler`, with `use_llm` false where the task has it, and with the
scripted engine for the LLM branch; its answers are built from the narrowed grammar the task sent,
so they are valid under the decoding model and the grounded checks see real citations.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from schemas.errors import ErrorCode
from schemas.requests import TaskName
from schemas.tasks import SPECS
from worker.config import Settings
from worker.handler import JobHandler

from .scripted_engine import Call, ScriptedEngine
from .wire_strategies import REQUESTS

CLIENT_ERRORS = {ErrorCode.INVALID_INPUT, ErrorCode.UNKNOWN_TASK, ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.INPUT_TOO_LONG}
FAST = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

# Text as hostile as JSON can carry: line breaks of every kind, the prompt's column separator,
# controls, quotes, and any other code point; a lone surrogate (refused at intake) only now and
# then, or hardly any drawn request would get past the intake.
SPECIAL = ["|", "\n", "\r", "\x85", "\u2028", "\u2029", "\x00", "\x1b", "\t", '"', "\\", "€", "𝟘"]
HOSTILE = st.text(st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=12)
SURROGATE = st.sampled_from([None, None, None, "a\ud800"])
HUGE_AMOUNTS = ["9" * 29, "9" * 1000, "-" + "9" * 60 + ".99", "1e999999", "NaN", "-Infinity", "1,000,000.00", "12.00"]
AMOUNTS = st.sampled_from(HUGE_AMOUNTS) | HOSTILE
ROLES = ["subtotal", "tax", "total"]


def answer_for(schema: Any, defs: dict[str, Any], rich: bool) -> Any:
    """An instance of a (narrowed) decoding schema: the fullest one when `rich`, else the sparest."""
    if "$ref" in schema:
        return answer_for(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, rich)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][-1 if rich else 0]
    if "anyOf" in schema:
        options = sorted(schema["anyOf"], key=lambda o: (o.get("type") == "null") == rich)
        return answer_for(options[0], defs, rich)
    kind = schema.get("type")
    if kind == "object":
        return {key: answer_for(value, defs, rich) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        if "prefixItems" in schema:
            return [answer_for(item, defs, rich) for item in schema["prefixItems"]]
        count = schema.get("maxItems", 3) if rich else schema.get("minItems", 0)
        return [answer_for(schema["items"], defs, rich) for _ in range(count)]
    if kind == "integer":
        return schema.get("maximum" if rich else "minimum", 0)
    if kind == "string":
        return "x"  # fits every free-text and word-id pattern of the decoding models
    return None


def scripted(rich: bool) -> ScriptedEngine:
    def reply(call: Call) -> str:
        if call.schema is None:
            return "free text"
        return json.dumps(answer_for(call.schema, call.schema.get("$defs", {}), rich))

    return ScriptedEngine(reply, context_length=10**9)


def word(word_id: str, text: str, x: int = 0) -> dict[str, Any]:
    return {"id": word_id, "text": text, "bbox": [x, 0, x + 1, 1], "confidence": 0.1}


@st.composite
def documents(draw: st.DrawFn, words: int) -> dict[str, Any]:
    """A page of `words` words (cycling a few drawn texts), up to 200 fields, the three amount
    roles among them with drawn amounts, every confidence low."""
    texts = draw(st.lists(HOSTILE, min_size=1, max_size=3))
    page_words = [word(f"w{i}", texts[i % len(texts)][:200], i % 999) for i in range(words)]
    ids = [w["id"] for w in page_words]
    count = draw(st.sampled_from([3, 200]))
    names = [ROLES[i] if i < 3 else f"f{i}{draw(HOSTILE) if i == 3 else ''}" for i in range(count)]
    fields = [
        {"name": name[:64], "value": draw(AMOUNTS), "confidence": 0.1, "word_ids": ids[:500] if i == 0 else ids[:2]}
        for i, name in enumerate(names)
    ]
    pages = [{"index": 0, "width": 1000, "height": 10, "words": page_words}]
    return {"pages": pages, "fields": fields, "document_type": draw(SURROGATE)}


@st.composite
def analyze_inputs(draw: st.DrawFn) -> dict[str, Any]:
    expected = draw(st.sampled_from([2, 200]))
    return {
        "task": "analyze",
        "document": draw(documents(words=draw(st.sampled_from([0, 3, 600])))),
        "expected_fields": [{"name": f"e{i}", "format": "amount", "required": True} for i in range(expected)],
        "use_llm": draw(st.booleans()),
    }


@st.composite
def locate_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """Among the targets, one whose value the 600 one-letter words spell in one run."""
    document = draw(documents(words=0))
    document["pages"][0]["words"] = [word(f"w{i}", "a", i) for i in range(600)]
    targets = [{"name": "long", "value": "a" * 600}, {"name": "one", "value": "a"}]
    extra = draw(st.integers(0, 3))
    targets += [{"name": f"t{i}", "hint": draw(HOSTILE), "value": draw(HOSTILE)} for i in range(extra)]
    return {"task": "locate", "document": document, "fields": targets}


@st.composite
def merge_inputs(draw: st.DrawFn) -> dict[str, Any]:
    """Passes that name up to 600 distinct fields (200 each), conflicting on the shared ones."""
    passes = []
    for p in range(draw(st.integers(2, 3))):
        shared = [{"name": f"s{i}", "value": f"{p}{draw(AMOUNTS) if i == 0 else i}"} for i in range(100)]
        own = [{"name": f"p{p}n{i}", "value": "v"} for i in range(draw(st.sampled_from([0, 100, 100])))]
        passes.append({"source": f"pass{p}", "fields": shared + own})
    fields = draw(st.sampled_from([None, None, [f"s{i}" for i in range(200)]]))
    return {"task": "merge", "passes": passes, "use_llm": draw(st.booleans()), **({"fields": fields} if fields else {})}


def dumped(task: str) -> st.SearchStrategy[dict[str, Any]]:
    """The contract's own request strategies, as JSON a job carries."""
    return REQUESTS[task].map(lambda request: request.model_dump(mode="json", exclude_none=True))


JOB_INPUTS = st.one_of(
    analyze_inputs(),
    locate_inputs(),
    merge_inputs(),
    st.one_of(*(dumped(name) for name in ("GenerateRequest", "AnalyzeRequest", "LocateRequest", "MergeRequest"))),
)


def check(job_input: dict[str, Any], answer: dict[str, Any]) -> None:
    event(f"{job_input.get('task', 'generate')}: {answer['error'].split(':', 1)[0] if 'error' in answer else 'ok'}")
    if "error" in answer:
        code = ErrorCode(answer["error"].split(":", 1)[0])
        assert code in CLIENT_ERRORS, answer["error"]
        return
    SPECS[TaskName(job_input.get("task", "generate"))].response.model_validate(answer)


@FAST
@given(job_input=JOB_INPUTS, rich=st.booleans())
def test_no_input_ends_as_internal(job_input: dict[str, Any], rich: bool) -> None:
    handler = JobHandler(scripted(rich), Settings(model_preset="smollm2-135m"))
    answer = asyncio.run(handler({"id": "job", "input": job_input}))
    check(job_input, answer)


def test_over_the_limits_the_results_are_cut_by_their_rules() -> None:
    """The three limit rules, each shown once (the property above only sees that nothing broke)."""
    handler = JobHandler(scripted(rich=False), Settings(model_preset="smollm2-135m"))

    def run(job_input: dict[str, Any]) -> dict[str, Any]:
        return asyncio.run(handler({"id": "job", "input": job_input}))

    analyze = run(
        {
            "task": "analyze",
            "document": {
                "pages": [{"index": 0, "width": 10, "height": 10}],
                "fields": [{"name": f"f{i}", "value": "v", "confidence": 0.1} for i in range(200)],
            },
            "expected_fields": [{"name": f"e{i}", "required": True} for i in range(200)],
            "use_llm": False,
        }
    )["result"]
    assert analyze["uncertain_fields"] == [f"f{i}" for i in range(200)] and analyze["needs_review"]
    [notice] = [i for i in analyze["issues"] if i["kind"] == "other"]
    assert notice["message"].startswith("400 fields are uncertain; uncertain_fields lists the first 200")
    merge = run(
        {
            "task": "merge",
            "use_llm": False,
            "passes": [
                {"source": f"p{p}", "fields": [{"name": f"n{p}-{i:03}", "value": "v"} for i in range(200)]}
                for p in range(2)
            ],
        }
    )["result"]
    assert [f["name"] for f in merge["fields"]] == [f"n0-{i:03}" for i in range(200)]  # the first 200 by name
    assert merge["omitted_fields"] == 200  # 2 passes × 200 names: the result says how many it left out
    page = {"index": 0, "width": 1000, "height": 10, "words": [word(f"w{i}", "a", i) for i in range(600)]}
    locate = run({"task": "locate", "document": {"pages": [page]}, "fields": [{"name": "all", "value": "a" * 600}]})
    [region] = locate["result"]["regions"]
    assert region["word_ids"] == [f"w{i}" for i in range(500)] and region["bbox"][2] >= 600  # box: all 600
    assert region["omitted_words"] == 100
