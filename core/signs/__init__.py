"""The SIGNS hand-sign classifier: data sets, models, the steppable trainer, evaluation, export.

Small modules with one job each; this package re-exports their public names (the entry points
of DESIGN.md also stay at core.signs_data and core.classifier).
"""

from core.signs.augment import augment_batch
from core.signs.checkpoint import (
    CHECKPOINT_FORMAT,
    MAX_CHECKPOINT_BYTES,
    check_state_dict,
    load_checkpoint,
    save_checkpoint,
    trainer_from_checkpoint,
)
from core.signs.config import (
    ALL_GPUS,
    OPTIMIZER_NAMES,
    OPTIMIZERS,
    SCHEDULES,
    ClassifierConfig,
    ClassifierError,
    validate_config,
)
from core.signs.data import TensorData, stack_dataset, tensor_data
from core.signs.dataset import (
    CLASS_NAMES,
    IMAGE_SIZE,
    MAX_IMAGES,
    NUM_CLASSES,
    SignsData,
    SignsDataError,
    SignsDataset,
)
from core.signs.entries import (
    MAX_COMPRESSION_RATIO,
    MAX_ENTRY_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_TOTAL_BYTES,
)
from core.signs.evaluate import EVAL_BATCH, Evaluation, compare_modes, evaluate, predict
from core.signs.export import export_script, training_snippet
from core.signs.export_parallel import (
    SCRIPT_FILES,
    ExportedScript,
    data_parallel_script,
    ddp_script,
    exported_scripts,
)
from core.signs.folders import IMAGE_SUFFIXES, SPLIT_DIRS
from core.signs.h5 import H5_FILES, MAX_H5_ARRAY_BYTES
from core.signs.hands import draw_hands, synthetic_signs
from core.signs.models import (
    DROPOUT_MODELS,
    IMAGE_SHAPE,
    MLP,
    MODEL_CLASSES,
    MODEL_INFO,
    MODEL_NAMES,
    LayerRow,
    ModelError,
    SignsCNN,
    TinyVGG,
    build_model,
    check_model_name,
    constructor_call,
    has_batch_norm,
    layer_table,
    parameter_count,
)
from core.signs.pictures import (
    class_examples,
    counts_per_class,
    decode_signs_image,
    photo_tensor,
    picture_row,
)
from core.signs.readers import load_signs, load_signs_bytes, load_signs_files
from core.signs.runtime import explain_runtime_error, training_device
from core.signs.train import ClassifierTrainer, EpochRecord, StepReport
from core.splits import stratified_split

__all__ = [
    "ALL_GPUS",
    "CHECKPOINT_FORMAT",
    "CLASS_NAMES",
    "DROPOUT_MODELS",
    "EVAL_BATCH",
    "H5_FILES",
    "IMAGE_SHAPE",
    "IMAGE_SIZE",
    "IMAGE_SUFFIXES",
    "MAX_CHECKPOINT_BYTES",
    "MAX_COMPRESSION_RATIO",
    "MAX_ENTRY_BYTES",
    "MAX_H5_ARRAY_BYTES",
    "MAX_IMAGES",
    "MAX_ZIP_ENTRIES",
    "MAX_ZIP_TOTAL_BYTES",
    "MLP",
    "MODEL_CLASSES",
    "MODEL_INFO",
    "MODEL_NAMES",
    "NUM_CLASSES",
    "OPTIMIZERS",
    "OPTIMIZER_NAMES",
    "SCHEDULES",
    "SCRIPT_FILES",
    "SPLIT_DIRS",
    "ClassifierConfig",
    "ClassifierError",
    "ClassifierTrainer",
    "EpochRecord",
    "Evaluation",
    "ExportedScript",
    "LayerRow",
    "ModelError",
    "SignsCNN",
    "SignsData",
    "SignsDataError",
    "SignsDataset",
    "StepReport",
    "TensorData",
    "TinyVGG",
    "augment_batch",
    "build_model",
    "check_model_name",
    "check_state_dict",
    "class_examples",
    "compare_modes",
    "constructor_call",
    "counts_per_class",
    "data_parallel_script",
    "ddp_script",
    "decode_signs_image",
    "draw_hands",
    "evaluate",
    "explain_runtime_error",
    "export_script",
    "exported_scripts",
    "has_batch_norm",
    "layer_table",
    "load_checkpoint",
    "load_signs",
    "load_signs_bytes",
    "load_signs_files",
    "parameter_count",
    "photo_tensor",
    "picture_row",
    "predict",
    "save_checkpoint",
    "stack_dataset",
    "stratified_split",
    "synthetic_signs",
    "tensor_data",
    "trainer_from_checkpoint",
    "training_device",
    "training_snippet",
    "validate_config",
]
