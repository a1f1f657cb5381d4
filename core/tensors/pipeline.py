"""The whole pipeline: build, then each step until one fails; as runnable code; as link text."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass, field

from core.tensors.build import build_code, build_tensor
from core.tensors.spec import (
    MAX_PIPELINE_BYTES,
    MAX_TEXT,
    STEP_OPS,
    InspectorError,
    Step,
    TensorSpec,
)
from core.tensors.steps import Stage, apply_step, predicted_bytes
from core.validation import require


@dataclass
class PipelineResult:
    """The stages that ran, and the sentence for the step that stopped the pipeline, if any."""

    stages: list[Stage] = field(default_factory=list)
    error: str = ""  # the sentence for the step that failed; later steps were not run
    failed_step: int | None = None
    allocated: int = 0  # bytes of new memory all stages took together (views cost nothing)


def _megabytes(count: int) -> str:
    return f"{count / 2**20:,.0f} MB" if count >= 2**20 else f"{count / 2**10:,.0f} kB"


def run_pipeline(
    spec: TensorSpec,
    steps: list[Step] | tuple[Step, ...],
    keep: Collection[int] | None = None,
    budget: int = MAX_PIPELINE_BYTES,
) -> PipelineResult:
    """Build the tensor, then apply each step; stop at the first step PyTorch refuses, or the
    first that would take the new memory of all stages together past `budget` bytes (refused
    from its predicted size, before anything is allocated).

    `keep`: the stage numbers (0 = the built tensor) whose tensors the caller shows; the others
    are let go as soon as the next step has run (their `tensor` is None), except the last two.
    None keeps every stage's tensor.
    """
    result = PipelineResult()
    tensor = build_tensor(spec)  # at most MAX_ELEMENTS elements: always within the budget
    result.allocated = tensor.untyped_storage().nbytes()
    result.stages.append(Stage(tensor, build_code(spec)))
    for number, step in enumerate(steps, start=1):
        previous = result.stages[-1].tensor
        cost = predicted_bytes(previous, step)
        if result.allocated + cost > budget:
            result.error = (
                f"This step would allocate {_megabytes(cost)} for its result, taking the "
                f"pipeline to {_megabytes(result.allocated + cost)}; the inspector keeps at most "
                f"{_megabytes(budget)} across all the stages of a pipeline. Views (view, "
                "transpose, permute, slice, squeeze, unsqueeze) cost nothing: use them, drop "
                "some copying steps, or start from a smaller tensor."
            )
            result.failed_step = number
            break
        try:
            stage = apply_step(previous, step)
        except InspectorError as exc:
            result.error, result.failed_step = str(exc), number
            break
        result.allocated += cost
        result.stages.append(stage)
        older = len(result.stages) - 3  # the last two stay: either may be the one shown
        if keep is not None and older >= 0 and older not in keep:
            result.stages[older].tensor = None
    return result


def pipeline_code(spec: TensorSpec, stages: list[Stage]) -> str:
    """The whole pipeline as runnable PyTorch."""
    codes = [stage.code for stage in stages]
    lines = ["import torch", "", *codes, "print(x.shape, x.dtype)", "print(x)"]
    return "\n".join(lines)


def steps_to_text(steps: list[Step] | tuple[Step, ...]) -> str:
    """The pipeline as compact JSON, for a shareable link."""
    default = Step("view")
    items = [
        {k: v for k, v in asdict(step).items() if v != getattr(default, k) or k == "op"}
        for step in steps
    ]
    return json.dumps(items, separators=(",", ":"))


def steps_from_text(text: str, max_steps: int = 50) -> list[Step]:
    """Read a pipeline back from `steps_to_text`; raise InspectorError for anything else."""
    require(len(text) <= MAX_TEXT, "The pipeline in the link is too long.", InspectorError)
    try:
        items = json.loads(text)
        if not isinstance(items, list) or len(items) > max_steps:
            raise TypeError
        steps = [Step(**item) for item in items]
    except (ValueError, TypeError):
        raise InspectorError(
            "The pipeline in the link could not be read; it was left empty."
        ) from None
    require(
        all(_known(step) for step in steps),
        "The pipeline in the link holds a step the inspector does not know; it was left empty.",
        InspectorError,
    )
    return steps


def _known(step: Step) -> bool:
    """A step the inspector offers, with fields of the types its widgets give."""
    dim_ok = step.dim is None or (isinstance(step.dim, int) and -10 < step.dim < 10)
    return (
        step.op in STEP_OPS and isinstance(step.text, str) and isinstance(step.name, str) and dim_ok
    )
