"""The recipe for a task holds for every spec: one spec, one task module, one prompt template, and
everything else (union, export, registry, client) derived from the spec."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import get_type_hints

import pytest
from pydantic import ValidationError

from prompts.render import template_names, template_version
from schemas.export import JOB_INPUT, REQUEST_MODELS, RESULT_MODELS
from schemas.requests import TaskName
from schemas.tasks import DECODING_MODELS, TASK_SPECS, TaskSpec, job_input_adapter
from worker.client import AsyncClient, Client
from worker.tasks import TASKS

GENERATED = Path(__file__).resolve().parents[1] / "schemas" / "generated"
SPEC_IDS = [spec.name.value for spec in TASK_SPECS]


def test_one_spec_per_task_name() -> None:
    assert [spec.name for spec in TASK_SPECS] == list(TaskName)


@pytest.mark.parametrize("spec", TASK_SPECS, ids=SPEC_IDS)
def test_the_task_module_implements_the_spec(spec: TaskSpec) -> None:
    task = TASKS[spec.name]
    assert task.spec is spec
    assert type(task).__module__ == f"worker.tasks.{spec.name.value}"


@pytest.mark.parametrize("spec", TASK_SPECS, ids=SPEC_IDS)
def test_a_grounded_task_has_its_template(spec: TaskSpec) -> None:
    templates = TASKS[spec.name].templates()
    if spec.decoding is None:
        assert templates == ()
        return
    assert spec.name.value in templates
    for name in templates:
        assert name in template_names()
        assert template_version(name)


@pytest.mark.parametrize("spec", TASK_SPECS, ids=SPEC_IDS)
def test_the_export_covers_the_spec(spec: TaskSpec) -> None:
    assert REQUEST_MODELS[spec.request.__name__] is spec.request
    assert RESULT_MODELS[spec.response.__name__] is spec.response
    exported = [spec.request, spec.response, *([spec.decoding] if spec.decoding else [])]
    for model in exported:
        assert (GENERATED / f"{model.__name__}.json").is_file()
    if spec.decoding is not None:
        assert DECODING_MODELS[spec.name.value] is spec.decoding
    job_input = (GENERATED / f"{JOB_INPUT}.json").read_text(encoding="utf-8")
    assert f'"#/$defs/{spec.request.__name__}"' in job_input


@pytest.mark.parametrize("spec", TASK_SPECS, ids=SPEC_IDS)
def test_the_union_dispatches_on_the_spec_name(spec: TaskSpec) -> None:
    with pytest.raises(ValidationError) as caught:
        job_input_adapter().validate_python({"task": spec.name.value})
    assert {error["loc"][0] for error in caught.value.errors()} == {spec.name.value}


@pytest.mark.parametrize("client", [Client, AsyncClient])
@pytest.mark.parametrize("spec", TASK_SPECS, ids=SPEC_IDS)
def test_the_client_has_a_typed_method(client: type[Client | AsyncClient], spec: TaskSpec) -> None:
    method = getattr(client, spec.name.value)
    assert inspect.iscoroutinefunction(method) is (client is AsyncClient)
    hints = get_type_hints(method)
    assert hints["return"] is spec.response
    assert spec.request in getattr(hints["request"], "__args__", ())
