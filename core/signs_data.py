"""SIGNS hand-sign data (the built-in set, load_signs for folder / zip / .h5), re-exported from core.signs."""

from core.signs import (  # noqa: F401
    CLASS_NAMES,
    H5_FILES,
    IMAGE_SIZE,
    IMAGE_SUFFIXES,
    MAX_COMPRESSION_RATIO,
    MAX_ENTRY_BYTES,
    MAX_H5_ARRAY_BYTES,
    MAX_IMAGES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_TOTAL_BYTES,
    NUM_CLASSES,
    SPLIT_DIRS,
    SignsData,
    SignsDataError,
    SignsDataset,
    draw_hands,
    load_signs,
    load_signs_bytes,
    load_signs_files,
    synthetic_signs,
)
