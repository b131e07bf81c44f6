"""Hypothesis strategies for the contract's property tests (test_wire_properties, test_decoding_rules).

- `drawable(schema)`: a copy of an exported 2020-12 schema that hypothesis-jsonschema (drafts 4–7)
  reads, with smaller size caps; every instance of the copy is an instance of the original.
- `REQUESTS` / `RESULTS`: consistent models built on the Pydantic side (unique ids and names,
  references that resolve, ordered boxes inside their page), small and with printable text.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from schemas.common import MAX_PAGE_PIXELS, MAX_PAGES
from schemas.documents import OcrDocument, OcrField, OcrPage, OcrWord
from schemas.requests import (
    AnalyzeRequest,
    ExpectedField,
    FieldFormat,
    GenerateRequest,
    LocateRequest,
    LocateTarget,
    MergePass,
    MergeRequest,
)
from schemas.results import (
    Alternative,
    AnalyzeResponse,
    AnalyzeResult,
    GenerateResult,
    Issue,
    IssueKind,
    IssueSource,
    LocateResponse,
    LocateResult,
    MergedField,
    MergeMethod,
    MergeResponse,
    MergeResult,
    Region,
    RegionSource,
    Severity,
    Timings,
    Usage,
)

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def drawable(schema: Any, *, max_items: int = 3, max_length: int = 12) -> Any:
    """2020-12 → draft-07 (`prefixItems` → `items` + `additionalItems`), lists capped at
    `max_items` and strings at `max_length` (never below their minimum)."""
    if isinstance(schema, list):
        return [drawable(s, max_items=max_items, max_length=max_length) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: drawable(v, max_items=max_items, max_length=max_length) for k, v in schema.items()}
    if "prefixItems" in out:
        out["additionalItems"] = out.get("items", True)
        out["items"] = out.pop("prefixItems")
    if "maxItems" in out:
        out["maxItems"] = max(min(out["maxItems"], max_items), out.get("minItems", 0))
    if out.get("type") == "string" and "enum" not in out and "const" not in out:
        out["maxLength"] = max(min(out.get("maxLength", max_length), max_length), out.get("minLength", 0))
    if "$schema" in out:
        out["$schema"] = DRAFT_07
    out.pop("$id", None)
    return out


PRINTABLE = st.characters(codec="utf-8", exclude_categories=("C",))
NAME_CHARS = st.characters(codec="utf-8", exclude_categories=("C",), exclude_characters='"\\')


def text(max_size: int, min_size: int = 0) -> st.SearchStrategy[str]:
    return st.text(PRINTABLE, min_size=min_size, max_size=max_size)


names = st.text(NAME_CHARS, min_size=1, max_size=12)
word_ids = st.from_regex(r"[A-Za-z0-9_.:-]{1,16}", fullmatch=True)
confidences = st.floats(0, 1)
sources = names  # a pass name follows the field-name character rule


def unique_names(max_size: int, min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(names, min_size=min_size, max_size=max_size, unique=True)


@st.composite
def boxes(draw: st.DrawFn, width: float = MAX_PAGE_PIXELS, height: float = MAX_PAGE_PIXELS) -> tuple[float, ...]:
    x0, x1 = sorted(draw(st.lists(st.floats(0, width), min_size=2, max_size=2)))
    y0, y1 = sorted(draw(st.lists(st.floats(0, height), min_size=2, max_size=2)))
    return (x0, y0, x1, y1)


def ocr_fields(ids: list[str], max_size: int = 3) -> st.SearchStrategy[list[OcrField]]:
    refs = st.lists(st.sampled_from(ids), max_size=3) if ids else st.just([])
    field = st.builds(
        OcrField, name=names, value=st.none() | text(20), confidence=st.none() | confidences, word_ids=refs
    )
    return st.lists(field, max_size=max_size, unique_by=lambda f: f.name)


@st.composite
def documents(draw: st.DrawFn, max_pages: int = 3, max_words: int = 4) -> OcrDocument:
    indexes = draw(st.lists(st.integers(0, MAX_PAGES - 1), min_size=1, max_size=max_pages, unique=True))
    ids = iter(draw(st.lists(word_ids, max_size=max_pages * max_words, unique=True)))
    pages = []
    for index in indexes:
        width, height = draw(st.integers(1, MAX_PAGE_PIXELS)), draw(st.integers(1, MAX_PAGE_PIXELS))
        words = [
            OcrWord(id=i, text=draw(text(20)), bbox=draw(boxes(width, height)), confidence=draw(confidences))
            for _, i in zip(range(draw(st.integers(0, max_words))), ids, strict=False)
        ]
        pages.append(OcrPage(index=index, width=width, height=height, words=words))
    all_ids = [w.id for p in pages for w in p.words]
    fields = draw(ocr_fields(all_ids))
    return OcrDocument(pages=pages, fields=fields, document_type=draw(st.none() | text(20)))


@st.composite
def merge_passes(draw: st.DrawFn) -> MergePass:
    document = draw(st.none() | documents(max_pages=2, max_words=3))
    ids = [w.id for p in document.pages for w in p.words] if document else draw(st.lists(word_ids, max_size=3))
    return MergePass(source=draw(sources), fields=draw(ocr_fields(ids)), document=document)


REQUESTS: dict[str, st.SearchStrategy[Any]] = {
    "GenerateRequest": st.builds(
        GenerateRequest,
        prompt=text(40, min_size=1),
        max_tokens=st.integers(1, 8192),
        temperature=st.floats(0, 2),
        system=st.none() | text(40),
    ),
    "AnalyzeRequest": st.builds(
        AnalyzeRequest,
        document=documents(),
        expected_fields=unique_names(3).flatmap(
            lambda ns: st.tuples(
                *[
                    st.builds(
                        ExpectedField, name=st.just(n), format=st.sampled_from(FieldFormat), required=st.booleans()
                    )
                    for n in ns
                ]
            ).map(list)
        ),
        low_confidence=confidences,
        use_llm=st.booleans(),
    ),
    "LocateRequest": st.builds(
        LocateRequest,
        document=documents(),
        fields=unique_names(3, min_size=1).flatmap(
            lambda ns: st.tuples(
                *[
                    st.builds(LocateTarget, name=st.just(n), hint=st.none() | text(20), value=st.none() | text(20))
                    for n in ns
                ]
            ).map(list)
        ),
        padding=st.integers(0, 500),
    ),
    "MergeRequest": st.builds(
        MergeRequest,
        passes=st.lists(merge_passes(), min_size=2, max_size=3, unique_by=lambda p: p.source),
        fields=st.none() | st.lists(names, max_size=3),
        use_llm=st.booleans(),
    ),
}

usages = st.builds(
    Usage, prompt_tokens=st.integers(0, 10**6), completion_tokens=st.integers(0, 10**6), llm_calls=st.integers(0, 10)
)
timings = st.builds(Timings, total=st.floats(0, 1e7), llm=st.floats(0, 1e7))
refs = st.lists(word_ids, max_size=3)
issues = st.builds(
    Issue,
    field=st.none() | names,
    kind=st.sampled_from(IssueKind),
    severity=st.sampled_from(Severity),
    message=text(60),
    word_ids=refs,
    suggested_value=st.none() | text(20),
    source=st.sampled_from(IssueSource),
)
regions = st.builds(
    Region,
    field=names,
    page=st.none() | st.integers(0, MAX_PAGES - 1),
    bbox=st.none() | boxes(),
    word_ids=refs,
    source=st.sampled_from(RegionSource),
    confidence=confidences,
)
alternatives = st.builds(Alternative, value=st.none() | text(20), sources=st.lists(sources, max_size=3))
merged_fields = st.builds(
    MergedField,
    name=names,
    value=st.none() | text(20),
    confidence=confidences,
    method=st.sampled_from(MergeMethod),
    sources=st.lists(sources, max_size=3),
    alternatives=st.lists(alternatives, max_size=2),
)


def response(model: type[Any], result: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.builds(model, result=result, usage=usages, model=text(20), timings_ms=timings)


RESULTS: dict[str, st.SearchStrategy[Any]] = {
    "GenerateResult": st.builds(GenerateResult, text=text(60), tokens_generated=st.integers(0, 10**6)),
    "AnalyzeResponse": response(
        AnalyzeResponse,
        st.builds(
            AnalyzeResult,
            issues=st.lists(issues, max_size=3),
            uncertain_fields=st.lists(names, max_size=3),
            needs_review=st.booleans(),
            quality=confidences,
        ),
    ),
    "LocateResponse": response(LocateResponse, st.builds(LocateResult, regions=st.lists(regions, max_size=3))),
    "MergeResponse": response(MergeResponse, st.builds(MergeResult, fields=st.lists(merged_fields, max_size=3))),
}
