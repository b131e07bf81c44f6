"""The task registry, derived from the specs: task `x` is `worker.tasks.x.TASK`.

Adding a task is one spec (`schemas/tasks.py`), one module here and one prompt template; nothing
else lists the tasks (tests/test_task_recipe.py holds this).
"""

from __future__ import annotations

import importlib

from schemas.requests import TaskName
from schemas.tasks import TASK_SPECS, TaskSpec

from .base import Task, TaskBase, TaskContext


def load_task(spec: TaskSpec) -> Task:
    """The module named after the task, and the `TASK` it defines for exactly that spec."""
    module = importlib.import_module(f"{__name__}.{spec.name.value}")
    task: Task = module.TASK
    if task.spec is not spec:
        raise RuntimeError(f"{module.__name__}.TASK implements {task.spec.name}, not {spec.name}")
    return task


TASKS: dict[TaskName, Task] = {spec.name: load_task(spec) for spec in TASK_SPECS}

__all__ = ["TASKS", "Task", "TaskBase", "TaskContext", "load_task"]
