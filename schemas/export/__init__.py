"""Export the contract as files: JSON Schemas, an OpenAPI document and TypeScript types.

`python -m schemas export --out DIR` writes, deterministically:
- `<Model>.json` for each request and response model, `JobInput.json` (the discriminated union a
  runsync `input` holds) and `ErrorCode.json` (`jsonschema.py`);
- `<Task>Decoding.json`: the static decoding schema of each task, exactly what grammars compile
  (one flat folder, so the package data glob `generated/*` ships every file);
- `openapi.json`: RunPod's `/run`, `/runsync` and `/status/{id}` around those schemas (`openapi.py`);
- `types.d.ts`: TypeScript types of all of the above (json-schema-to-typescript, run by node;
  `typescript.py`).

The modules import one way: typescript → openapi → jsonschema.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .jsonschema import (
    ERROR_CODE,
    JOB_INPUT,
    REQUEST_MODELS,
    RESULT_MODELS,
    OutputSchema,
    canonical,
    dump_json,
    enum_member_docs,
    error_code_schema,
    job_input_schema,
    schema_documents,
    shared_definitions,
)
from .openapi import openapi_document
from .typescript import TypeScriptError, render_typescript

__all__ = [
    "ERROR_CODE",
    "JOB_INPUT",
    "REQUEST_MODELS",
    "RESULT_MODELS",
    "OutputSchema",
    "TypeScriptError",
    "canonical",
    "dump_json",
    "enum_member_docs",
    "error_code_schema",
    "job_input_schema",
    "render",
    "schema_documents",
    "shared_definitions",
    "stale_files",
    "write",
]


def render(*, typescript: bool = True) -> dict[str, str]:
    """Every exported file's text, by relative path (types.d.ts only when `typescript`)."""
    files = {path: dump_json(doc) for path, doc in schema_documents().items()}
    files["openapi.json"] = dump_json(openapi_document())
    if typescript:
        files["types.d.ts"] = render_typescript()
    return dict(sorted(files.items()))


def write(out: Path, files: Mapping[str, str]) -> list[Path]:
    """Write `files` under `out` (bytes exactly as given, LF endings); returns the paths written."""
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def stale_files(out: Path, expected: Iterable[str]) -> list[str]:
    """Files under `out` that an export would not write (left over from renamed models)."""
    keep = set(expected)
    found = (p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    return sorted(rel for rel in found if rel not in keep and not rel.endswith(".md"))
