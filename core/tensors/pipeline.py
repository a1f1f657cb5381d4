"""The whole pipeline: build, then each step until one fails; as runnable code; as link text."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from core.tensors.build import build_code, build_tensor
from core.tensors.spec import MAX_TEXT, STEP_OPS, InspectorError, Step, TensorSpec
from core.tensors.steps import Stage, apply_step
from core.validation import require


@dataclass
class PipelineResult:
    """The stages that ran, and the sentence for the step that stopped the pipeline, if any."""

    stages: list[Stage] = field(default_factory=list)
    error: str = ""  # the sentence for the step that failed; later steps were not run
    failed_step: int | None = None


def run_pipeline(spec: TensorSpec, steps: list[Step] | tuple[Step, ...]) -> PipelineResult:
    """Build the tensor, then apply each step; stop at the first step PyTorch refuses."""
    result = PipelineResult()
    tensor = build_tensor(spec)
    result.stages.append(Stage(tensor, build_code(spec)))
    for number, step in enumerate(steps, start=1):
        try:
            stage = apply_step(result.stages[-1].tensor, step)
        except InspectorError as exc:
            result.error, result.failed_step = str(exc), number
            break
        result.stages.append(stage)
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
