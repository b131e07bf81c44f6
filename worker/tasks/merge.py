"""merge: several OCR passes in, one value per field out; the LLM only settles real conflicts.

Agreement, readings that differ only by accents, a single reading valid in the field's format
(`formats`), the readings of subtotal, tax and total that add up (`sum_readings`), and clear votes
are settled by rules without the model. The remaining
conflicts go to the model in ONE call whose grammar lets it answer, per field, only one of that
field's candidate values or null, so it can pick but never invent a value.

Confidence of the result:
- unanimous: max(0.9, noisy-OR of the agreeing passes' confidences);
- vote and llm: the share of the vote behind the value (near readings count in part, see
  `alignment.support`) times the noisy-OR of the confidences of the passes that gave it;
- null (the model rejected every candidate, or there was none): 0.

Limit: a result holds at most MAX_FIELDS (200) fields, as `fields` in a request does. Without
`fields`, passes that name more distinct fields (names compared by `normalize.squash_key`) are
merged for the first 200 names in the result's order (sorted by name); the rest are left out,
and `omitted_fields` counts them.
"""

from __future__ import annotations

from typing import Any

from prompts.lines import conflict_line
from schemas.common import MAX_FIELDS
from schemas.decoding import MergeDecoding
from schemas.narrowing import narrow_merge
from schemas.requests import MergeRequest, TaskName
from schemas.results import Alternative, MergedField, MergeMethod, MergeResult
from schemas.tasks import SPECS

from ..errors import InvalidOutput
from .alignment import UNANIMOUS_FLOOR, AlignedField, accented_reading, align, corroboration, support
from .base import TaskBase, TaskContext
from .grounding import ask, chat, require_known
from .sum_readings import summed_readings

Choices = dict[str, str | None]


def candidates(field: AlignedField) -> list[str]:
    """One value per group of agreeing readings: what the model may choose from."""
    return sorted(group.value for group in field.groups)


def merged(field: AlignedField, value: str | None, method: MergeMethod) -> MergedField:
    """The result for one field: who gave `value`, and every other reading with its sources."""
    readings: dict[str, list[str]] = {}
    for vote in field.votes:
        readings.setdefault(vote.value, []).append(vote.source)
    chosen = next((g for g in field.groups if value is not None and value in {v.value for v in g.votes}), None)
    if chosen is None:
        confidence = 0.0
    elif method is MergeMethod.UNANIMOUS:
        confidence = max(UNANIMOUS_FLOOR, corroboration(chosen))
    else:
        assert value is not None
        confidence = support(field, value) * corroboration(chosen)
    alternatives = [
        Alternative(value=other, sources=sorted(sources)) for other, sources in readings.items() if other != value
    ]
    return MergedField(
        name=field.name,
        value=value,
        confidence=round(confidence, 4),
        method=method,
        sources=sorted(readings.get(value, [])) if value is not None else [],
        alternatives=alternatives,
    )


def settle(field: AlignedField, choices: Choices, summed: dict[str, str] | None = None) -> MergedField:
    if not field.groups:
        return merged(field, None, MergeMethod.NONE)
    if field.unanimous:
        return merged(field, field.groups[0].value, MergeMethod.UNANIMOUS)
    ruled = ruled_reading(field, summed or {})
    if ruled is not None:  # accents, the format or the sum decide: a rule, reported as a vote
        return merged(field, ruled, MergeMethod.VOTE)
    if field.clear or field.name not in choices:
        # a clear vote, or a conflict the model was not asked about (use_llm is false)
        return merged(field, field.groups[0].value, MergeMethod.VOTE)
    return merged(field, choices[field.name], MergeMethod.LLM)


def ruled_reading(field: AlignedField, summed: dict[str, str]) -> str | None:
    """The reading a rule picks: the accented one, the only one valid in the field's format, or the
    one the sum of subtotal, tax and total confirms (`sum_readings`)."""
    return accented_reading(field) or field.format_winner or summed.get(field.name)


def is_conflict(field: AlignedField, summed: dict[str, str] | None = None) -> bool:
    """A conflict only the model may settle: no agreement, clear vote or rule decides it."""
    if not field.groups or field.unanimous or field.clear:
        return False
    return ruled_reading(field, summed or {}) is None


def prompt_variables(ordered: list[AlignedField]) -> dict[str, Any]:
    return {"conflicts": [conflict_line(f) for f in ordered]}


def grammar(ordered: list[AlignedField]) -> dict[str, Any]:
    return narrow_merge([(f.name, candidates(f)) for f in ordered])


async def ask_model(conflicts: list[AlignedField], ctx: TaskContext) -> Choices:
    """One call for every conflict; each answer must be one of its field's candidates or null."""
    ordered = sorted(conflicts, key=lambda f: f.name)  # the same conflicts → the same grammar
    messages = chat("merge", **prompt_variables(ordered))
    answer = await ask(ctx, messages, grammar(ordered), MergeDecoding)
    if len(answer.fields) != len(ordered):
        raise InvalidOutput("the model's answer does not settle every conflicting field")
    choices: Choices = {}
    for choice, field in zip(answer.fields, ordered, strict=True):
        require_known(choice.field, {field.name}, "field")
        require_known(choice.value, candidates(field), "merge value")
        choices[field.name] = choice.value
    return choices


class MergeTask(TaskBase[MergeRequest, MergeResult]):
    spec = SPECS[TaskName.MERGE]

    async def run(self, request: MergeRequest, ctx: TaskContext) -> MergeResult:
        aligned = align(request.passes, request.fields, request.formats)
        fields = aligned[:MAX_FIELDS]  # the limit rule: see the module doc
        summed = summed_readings(fields)
        conflicts = [f for f in fields if is_conflict(f, summed)]
        choices = await ask_model(conflicts, ctx) if conflicts and request.use_llm else {}
        settled = [settle(f, choices, summed) for f in fields]
        return MergeResult(fields=settled, omitted_fields=len(aligned) - len(fields))

    def warmup_schemas(self) -> list[dict[str, Any]]:
        return [narrow_merge([("field", ["a", "b"])])]


TASK = MergeTask()
