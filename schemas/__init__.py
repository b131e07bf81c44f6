"""The contract: wire requests and results, decoding models, their bounds and export.

Nothing here knows about vLLM or RunPod.
"""

from .documents import OcrDocument, OcrField, OcrPage, OcrWord
from .errors import ErrorCode, describe_validation_error, json_path
from .requests import (
    AnalyzeRequest,
    ExpectedField,
    FieldFormat,
    GenerateRequest,
    LocateRequest,
    LocateTarget,
    MergePass,
    MergeRequest,
    TaskName,
)
from .results import (
    AnalyzeResponse,
    AnalyzeResult,
    GenerateResult,
    Issue,
    LocateResponse,
    LocateResult,
    MergedField,
    MergeResponse,
    MergeResult,
    Region,
    Usage,
)
from .tasks import TASK_SPECS, TaskSpec, parse_job_input

__all__ = [
    "TASK_SPECS",
    "AnalyzeRequest",
    "AnalyzeResponse",
    "AnalyzeResult",
    "ErrorCode",
    "ExpectedField",
    "FieldFormat",
    "GenerateRequest",
    "GenerateResult",
    "Issue",
    "LocateRequest",
    "LocateResponse",
    "LocateResult",
    "LocateTarget",
    "MergePass",
    "MergeRequest",
    "MergeResponse",
    "MergeResult",
    "MergedField",
    "OcrDocument",
    "OcrField",
    "OcrPage",
    "OcrWord",
    "Region",
    "TaskName",
    "TaskSpec",
    "Usage",
    "describe_validation_error",
    "json_path",
    "parse_job_input",
]
