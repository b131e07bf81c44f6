"""The task registry: every task the worker runs, looked up by `task` in one place."""

from __future__ import annotations

from typing import Any

from schemas.requests import TaskName

from .analyze import AnalyzeTask
from .base import Task, TaskContext
from .generate import GenerateTask
from .locate import LocateTask
from .merge import MergeTask

TASKS: dict[TaskName, Task[Any, Any]] = {
    TaskName.GENERATE: GenerateTask(),
    TaskName.ANALYZE: AnalyzeTask(),
    TaskName.LOCATE: LocateTask(),
    TaskName.MERGE: MergeTask(),
}

__all__ = ["TASKS", "Task", "TaskContext"]
