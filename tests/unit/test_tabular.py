"""core.tensors.tabular against pandas and torch themselves: each step's dtype and shape, the
final tensor, and a sentence for every kind of malformed CSV."""

import numpy as np
import pandas as pd
import pytest
import torch

from core.tensors.tabular import (
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_ROWS,
    TableError,
    builtin_table,
    read_csv,
    table_to_tensor,
)


def test_one_hot_tensor_equals_pandas_get_dummies_then_from_numpy():
    frame = builtin_table()
    result = table_to_tensor(frame, "one-hot")
    expected_frame = pd.get_dummies(frame.astype({"balcony": float}), columns=["city"], dtype=float)
    expected = torch.from_numpy(expected_frame.to_numpy()).float()
    assert torch.equal(result.tensor, expected) and result.tensor.dtype == torch.float32
    assert result.columns == list(expected_frame.columns)
    by_code = {step.code: step for step in result.steps}
    to_numpy = next(step for step in result.steps if step.code.startswith("a = df.to_numpy()"))
    assert to_numpy.dtype == f"numpy {expected_frame.to_numpy().dtype}"
    assert by_code["t = torch.from_numpy(a)"].dtype == "torch.float64"
    assert by_code["t = torch.from_numpy(a)"].what == "shares a's memory"
    assert by_code["t = t.float()"].shape == tuple(expected.shape) == (8, 7)
    assert result.kinds == {
        "area_m2": "number",
        "rooms": "number",
        "city": "category",
        "balcony": "yes/no",
        "price_k": "number",
    }


def test_codes_keep_one_column_per_category_column():
    frame = builtin_table()
    result = table_to_tensor(frame, "codes")
    codes = frame["city"].astype("category").cat.codes.to_numpy()
    assert result.tensor.shape == (8, 5)
    assert result.tensor[:, 2].tolist() == codes.astype(np.float32).tolist()


def test_the_raw_error_is_torchs_own_for_an_object_array():
    frame = builtin_table()
    with pytest.raises(TypeError) as raised:
        torch.from_numpy(frame.to_numpy())
    assert table_to_tensor(frame).raw_error == f"TypeError: {raised.value}"
    numbers = table_to_tensor(frame[["area_m2", "price_k"]])
    assert numbers.raw_error == ""


def test_target_splits_features_and_target():
    result = table_to_tensor(builtin_table(), "one-hot", target="price_k")
    X_step, y_step = result.steps[-2], result.steps[-1]
    assert X_step.shape == (8, 6) and y_step.shape == (8,)
    assert result.tensor[:, result.columns.index("price_k")].tolist() == pytest.approx(
        builtin_table()["price_k"].tolist()
    )


def test_text_columns_that_cannot_be_categories_are_left_out_with_a_sentence():
    frame = read_csv(
        b"id,name,weight\n"
        + b"".join(f"{i},person{i},{i + 50}\n".encode() for i in range(30))
        + b"31,someone,12kg\n"
    )
    result = table_to_tensor(frame)
    assert result.kinds == {"id": "number", "name": "dropped", "weight": "dropped"}
    notes = " ".join(result.notes)
    assert "30 different values" not in notes and "31 different values" in notes
    assert "'12kg'" in notes and "row 32" in notes
    assert result.tensor.shape == (31, 1)


def test_missing_values_become_nan_with_a_sentence():
    result = table_to_tensor(read_csv(b"a,b\n1,2\n3,\n5,6\n"))
    assert torch.isnan(result.tensor[1, 1]) and "Missing values in 'b' (1)" in result.notes[0]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"a,b\n" + b"1,2\n" * (MAX_CSV_BYTES // 4 + 1), "under 1 MB"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"\xff\xfe\xfd not utf-8,x\n1,2\n", "binary"),
        (b"a,b,c\n1,2,3\n4,5\n", "Row 3 of the file has 2 values but the header has 3"),
        (b"a,b\n1,2,3\n", "Row 2 of the file has 3 values"),
        (b"a,b,c\n", "no rows of data"),
        (b"a,,c\n1,2,3\n", "name of its own"),
        (b"a,a\n1,2\n", "name of its own"),
        (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode() + b"\n" + b"1\n", "columns"),
        (b"a\n" + b"1\n" * (MAX_ROWS + 1), "rows"),
    ],
)
def test_malformed_csvs_get_a_sentence(data, message):
    with pytest.raises(TableError, match=message):
        read_csv(data)


def test_a_table_with_no_usable_column_gets_a_sentence():
    frame = read_csv(b"name\n" + b"".join(f"person{i}\n".encode() for i in range(30)))
    with pytest.raises(TableError, match="No column can become numbers"):
        table_to_tensor(frame)
