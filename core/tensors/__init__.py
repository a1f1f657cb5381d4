"""The tensor inspector's engine: build a tensor, run steps over it, describe what PyTorch did.

Shapes, strides, storage and broadcasting are reported from the real tensors. Safe for typed
input: values, shapes and slices are parsed with `ast` and walked, never evaluated (`literals`).
"""

from core.tensors import numpy_bridge
from core.tensors.build import build_code, build_tensor
from core.tensors.describe import (
    as_image,
    describe,
    downsample_2d,
    heatmap_values,
    slice_2d,
    value_range,
    values_frame,
)
from core.tensors.literals import format_index, parse_index, parse_ints, parse_values
from core.tensors.pipeline import (
    PipelineResult,
    pipeline_code,
    run_pipeline,
    steps_from_text,
    steps_to_text,
)
from core.tensors.presets import PRESETS, SHOWS_AN_ERROR
from core.tensors.spec import (
    ARITHMETIC,
    CONSTRUCTORS,
    DTYPES,
    MAX_DIMS,
    MAX_ELEMENTS,
    MAX_PIPELINE_BYTES,
    MAX_TEXT,
    REDUCTIONS,
    STEP_OPS,
    InspectorError,
    Step,
    TensorSpec,
)
from core.tensors.steps import (
    Stage,
    apply_step,
    broadcast_report,
    predicted_bytes,
    shares_storage,
    step_code,
)

__all__ = [
    "ARITHMETIC",
    "CONSTRUCTORS",
    "DTYPES",
    "MAX_DIMS",
    "MAX_ELEMENTS",
    "MAX_PIPELINE_BYTES",
    "MAX_TEXT",
    "PRESETS",
    "REDUCTIONS",
    "SHOWS_AN_ERROR",
    "STEP_OPS",
    "InspectorError",
    "PipelineResult",
    "Stage",
    "Step",
    "TensorSpec",
    "apply_step",
    "predicted_bytes",
    "numpy_bridge",
    "as_image",
    "broadcast_report",
    "build_code",
    "build_tensor",
    "describe",
    "downsample_2d",
    "format_index",
    "heatmap_values",
    "parse_index",
    "parse_ints",
    "parse_values",
    "pipeline_code",
    "run_pipeline",
    "shares_storage",
    "slice_2d",
    "steps_from_text",
    "step_code",
    "steps_to_text",
    "value_range",
    "values_frame",
]
