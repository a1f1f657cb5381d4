"""A table as a tensor: a pandas DataFrame (built in, or an uploaded CSV read with caps and a
sentence for anything malformed) turned into a float32 tensor step by step, each step run for
real with its dtype and shape: text columns encoded (one-hot or integer codes), `.to_numpy()`,
`torch.from_numpy`, the float32 cast, and features / target split.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from core.tensors.spec import InspectorError
from core.validation import require

MAX_CSV_BYTES = 2**20  # 1 MB of CSV text
MAX_ROWS = 10_000
MAX_COLUMNS = 50
MAX_CATEGORIES = 20  # a text column with more distinct values is not treated as a category
ENCODINGS = ("one-hot", "codes")


class TableError(InspectorError):
    """A CSV the inspector cannot turn into a table; the message says what to change."""


def builtin_table() -> pd.DataFrame:
    """Eight flats: two whole-number columns, a text column (a category), a yes/no column and
    the price to predict. Made in code, the same every time."""
    return pd.DataFrame(
        {
            "area_m2": [52, 75, 33, 98, 61, 120, 45, 80],
            "rooms": [2, 3, 1, 4, 2, 5, 1, 3],
            "city": ["Lyon", "Paris", "Lyon", "Nantes", "Paris", "Nantes", "Paris", "Lyon"],
            "balcony": [True, False, False, True, True, False, False, True],
            "price_k": [210.0, 540.5, 129.9, 305.0, 470.0, 390.0, 360.0, 318.5],
        }
    )


def read_csv(data: bytes) -> pd.DataFrame:
    """Read uploaded CSV bytes into a DataFrame, or raise TableError with a sentence: empty,
    too big, not text, ragged rows, no data rows, too many rows or columns."""
    require(bool(data.strip()), "The file is empty. Upload a CSV with a header row.", TableError)
    require(
        len(data) <= MAX_CSV_BYTES,
        f"The file is {len(data) / 2**20:.1f} MB; upload a CSV under "
        f"{MAX_CSV_BYTES // 2**20} MB (at most {MAX_ROWS:,} rows).",
        TableError,
    )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    require(
        text is not None and "\x00" not in text,
        "That file is not a text CSV (it holds binary bytes). Upload comma-separated text, "
        "e.g. exported from a spreadsheet as CSV UTF-8.",
        TableError,
    )
    rows = [row for row in csv.reader(io.StringIO(text)) if row]
    header = rows[0]
    require(
        len(rows) > 1,
        f"The CSV has a header ({len(header)} columns) but no rows of data.",
        TableError,
    )
    require(
        len(header) <= MAX_COLUMNS,
        f"The CSV has {len(header)} columns; the inspector takes at most {MAX_COLUMNS}.",
        TableError,
    )
    require(
        len(rows) - 1 <= MAX_ROWS,
        f"The CSV has {len(rows) - 1:,} rows; the inspector takes at most {MAX_ROWS:,}.",
        TableError,
    )
    for number, row in enumerate(rows[1:], start=2):
        require(
            len(row) == len(header),
            f"Row {number} of the file has {len(row)} values but the header has "
            f"{len(header)} columns: a table must be rectangular. Fix that row (a missing "
            "value is an empty field between two commas).",
            TableError,
        )
    require(
        all(name.strip() for name in header) and len(set(header)) == len(header),
        "Every column needs a name of its own in the header row (one is empty or repeated).",
        TableError,
    )
    try:
        return pd.read_csv(io.StringIO(text), skip_blank_lines=True)
    except (pd.errors.ParserError, ValueError) as exc:
        raise TableError(f"pandas could not read the CSV: {str(exc).splitlines()[0]}") from None


@dataclass(frozen=True)
class TableStep:
    """One step from the DataFrame to the tensor, run for real."""

    code: str
    dtype: str
    shape: tuple[int, ...]
    what: str


@dataclass
class TableTensors:
    """The steps, the final float32 tensor (and X / y when a target was picked), the sentences
    about columns that were dropped or hold gaps, and what from_numpy says without encoding."""

    steps: list[TableStep] = field(default_factory=list)
    tensor: torch.Tensor | None = None
    columns: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(
        default_factory=dict
    )  # column -> number / yes-no / category / dropped
    notes: list[str] = field(default_factory=list)
    raw_error: str = ""  # torch.from_numpy(df.to_numpy()) with text columns still in


def _kinds(frame: pd.DataFrame, notes: list[str]) -> dict[str, str]:
    kinds = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            kinds[name] = "yes/no"
        elif pd.api.types.is_numeric_dtype(column):
            kinds[name] = "number"
        else:
            values = column.dropna().astype(str)
            numbers = pd.to_numeric(values, errors="coerce")
            if len(values) and numbers.notna().mean() >= 0.5:
                bad = values[numbers.isna()]
                notes.append(
                    f"Column '{name}' is mostly numbers but row {bad.index[0] + 2} of the "
                    f"file holds '{bad.iloc[0][:30]}': it was left out. Fix that value to "
                    "make it a number column."
                )
                kinds[name] = "dropped"
            elif values.nunique() > MAX_CATEGORIES:
                notes.append(
                    f"Column '{name}' holds text with {values.nunique()} different values, too "
                    f"many for a category (at most {MAX_CATEGORIES}): it was left out."
                )
                kinds[name] = "dropped"
            else:
                kinds[name] = "category"
    return kinds


def table_to_tensor(
    frame: pd.DataFrame, encoding: str = "one-hot", target: str | None = None
) -> TableTensors:
    """Turn `frame` into a float32 tensor, recording each step's code, dtype and shape."""
    require(encoding in ENCODINGS, f"Pick one of {', '.join(ENCODINGS)}.", TableError)
    result = TableTensors()
    result.kinds = _kinds(frame, result.notes)
    kept = [name for name, kind in result.kinds.items() if kind != "dropped"]
    require(bool(kept), "No column can become numbers; " + " ".join(result.notes), TableError)
    dtypes = ", ".join(sorted({str(frame[name].dtype) for name in frame.columns}))
    result.steps.append(TableStep("df", f"columns of {dtypes}", frame.shape, "the table"))
    raw = frame.to_numpy()
    try:
        torch.from_numpy(raw)
    except TypeError as exc:
        result.raw_error = f"TypeError: {exc}"
    df = frame[kept].copy()
    if len(kept) < len(frame.columns):
        dropped = [name for name in frame.columns if name not in kept]
        result.steps.append(
            TableStep(f"df = df.drop(columns={dropped})", "", df.shape, "columns left out")
        )
    gaps = {name: int(df[name].isna().sum()) for name in kept if df[name].isna().any()}
    if gaps:
        listed = ", ".join(f"'{name}' ({count})" for name, count in gaps.items())
        result.notes.append(
            f"Missing values in {listed}: they become nan in the tensor (a category's gap "
            "becomes no category). Fill them (df.fillna) or drop those rows (df.dropna) before "
            "training."
        )
    flags = [name for name in kept if result.kinds[name] == "yes/no"]
    if flags:
        df[flags] = df[flags].astype("float64")
        result.steps.append(
            TableStep(
                f"df[{flags}] = df[{flags}].astype(float)", "float64", df.shape, "yes/no as 1/0"
            )
        )
    categories = [name for name in kept if result.kinds[name] == "category"]
    if categories and encoding == "one-hot":
        df = pd.get_dummies(df, columns=categories, dtype=float)
        code = f"df = pd.get_dummies(df, columns={categories}, dtype=float)"
        result.steps.append(TableStep(code, "float64", df.shape, "one column per category"))
    elif categories:
        for name in categories:
            df[name] = df[name].astype("category").cat.codes.replace(-1, np.nan)
        code = f"df[c] = df[c].astype('category').cat.codes  # for c in {categories}"
        kind = f"{df[categories[0]].dtype} codes"
        result.steps.append(TableStep(code, kind, df.shape, "one number per category"))
    array, code, what = df.to_numpy(), "a = df.to_numpy()", "a NumPy array"
    if not array.flags.writeable:  # pandas lent its own memory, read-only: torch wants to write
        array, code = array.copy(), "a = df.to_numpy().copy()"
        what = "a NumPy array (pandas lends a read-only one; torch needs a writable copy)"
    result.steps.append(TableStep(code, f"numpy {array.dtype}", array.shape, what))
    tensor = torch.from_numpy(array)
    shares = np.shares_memory(array, tensor.numpy())
    result.steps.append(
        TableStep(
            "t = torch.from_numpy(a)",
            str(tensor.dtype),
            tuple(tensor.shape),
            "shares a's memory" if shares else "a copy",
        )
    )
    tensor = tensor.float()
    result.steps.append(
        TableStep("t = t.float()", str(tensor.dtype), tuple(tensor.shape), "what nn layers expect")
    )
    result.tensor, result.columns = tensor, list(df.columns)
    if target is not None and target in result.columns:
        index = result.columns.index(target)
        features = [i for i in range(len(result.columns)) if i != index]
        X, y = tensor[:, features], tensor[:, index]
        result.steps.append(
            TableStep(
                f"X = t[:, {features}]  # every column but '{target}'",
                str(X.dtype),
                tuple(X.shape),
                "the features",
            )
        )
        result.steps.append(
            TableStep(
                f"y = t[:, {index}]  # '{target}'", str(y.dtype), tuple(y.shape), "the target"
            )
        )
    return result
