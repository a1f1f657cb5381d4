"""AppTest for the tensor inspector: build, steps, presets, bad input, NumPy bridge, uploads."""

import pytest
import torch

PAGE = "app_pages/tensors.py"


def codes(at):
    return [c.value for c in at.code]


def errors(at):
    return " ".join(e.value for e in at.error)


def add_step(at, op, text=None, **widgets):
    at.selectbox(key="tns_op").set_value(op).run()
    if text is not None:
        at.text_input(key=f"tns_text_{op}").set_value(text)
    for key, value in widgets.items():
        at.session_state[key] = value
    at.button(key="tns_add").click().run()
    return at


def test_default_tensor_is_arange_with_metadata(open_page):
    at = open_page(PAGE)
    assert not at.exception
    assert "x = torch.arange(0.0, 12.0, 1.0, dtype=torch.float32)" in codes(at)
    facts = at.table[0].value
    assert facts.loc["shape", "value"] == str((12,)) and facts.loc["numel", "value"] == "12"


def test_view_then_transpose_shows_strides_and_view(open_page):
    at = open_page(PAGE)
    add_step(at, "view", "3, 4")
    add_step(at, "transpose", "0, 1")
    assert not at.exception and not at.error
    assert "x = x.view(3, 4)" in codes(at) and "x = x.transpose(0, 1)" in codes(at)
    expected = torch.arange(12.0).view(3, 4).transpose(0, 1)
    facts = at.table[0].value
    assert facts.loc["shape", "value"] == str(tuple(expected.shape))
    assert facts.loc["stride", "value"] == str(expected.stride())
    assert facts.loc["contiguous", "value"] == "False"
    assert facts.loc["memory", "value"].startswith("view")
    assert at.dataframe[0].value.values.tolist() == expected.tolist()


def test_impossible_view_gets_a_sentence_and_keeps_the_pipeline(open_page):
    at = open_page(PAGE)
    add_step(at, "view", "3, 4")
    add_step(at, "transpose", "0, 1")
    add_step(at, "view", "-1")
    assert not at.exception
    assert "not added" in errors(at) and "contiguous" in errors(at)
    assert "x = x.transpose(0, 1)" in codes(at) and "x = x.view(-1)" not in codes(at)


def test_broadcast_preset_shows_aligned_shapes(open_page):
    at = open_page(PAGE)
    at.selectbox(key="tns_preset").set_value("broadcast a column with a row")
    at.button(key="tns_load_preset").click().run()
    assert not at.exception
    report = at.table[0].value
    assert report["result"].tolist() == ["3", "4"]
    assert at.table[1].value.loc["shape", "value"] == "(3, 4)"


def test_broadcast_mismatch_is_explained(open_page):
    at = open_page(PAGE)
    add_step(at, "arithmetic", "[1, 2, 3]")
    assert not at.exception and "cannot broadcast" in errors(at)


def test_inplace_step_says_storage_is_shared(open_page):
    at = open_page(PAGE)
    at.selectbox(key="tns_preset").set_value("in-place ops keep the storage")
    at.button(key="tns_load_preset").click().run()
    assert not at.exception
    assert any("same storage" in i.value for i in at.info)


def test_remove_step_and_clear(open_page):
    at = open_page(PAGE)
    add_step(at, "view", "3, 4")
    add_step(at, "unsqueeze")
    at.button(key="tns_remove_1").click().run()
    assert "x = x.view(3, 4)" not in codes(at) and "x = x.unsqueeze(0)" in codes(at)
    at.button(key="tns_clear").click().run()
    assert not any(c.startswith("x = x.") for c in codes(at))


@pytest.mark.parametrize(
    "constructor, widget, value, message",
    [
        ("zeros", "tns_shape", "100000, 100000", "cap"),
        ("zeros", "tns_shape", "2, banana", "not a number"),
        ("zeros", "tns_shape", "1, 2, 3, 4, 5", "1 to 4"),
        ("tensor", "tns_values", "[[1, 2], [3]]", "different lengths"),
        ("tensor", "tns_values", "__import__('os')", "only hold numbers"),
        ("randn", "tns_dtype", "int64", "float"),
    ],
)
def test_bad_build_input_gets_a_sentence_and_other_tabs_work(
    open_page, constructor, widget, value, message
):
    at = open_page(PAGE)
    at.selectbox(key="tns_constructor").set_value(constructor).run()
    at.session_state[widget] = value
    at.run()
    assert not at.exception
    assert message in errors(at)
    assert any("t.numpy()" in c for c in codes(at))  # the NumPy tab still renders


def test_4d_tensor_gets_a_slice_picker(open_page):
    at = open_page(PAGE)
    at.selectbox(key="tns_preset").set_value("a batch of images (4-D)")
    at.button(key="tns_load_preset").click().run()
    assert not at.exception
    pickers = [n for n in at.number_input if n.key and n.key.startswith("tns_view_")]
    assert len(pickers) == 2
    pickers[0].set_value(1).run()
    assert not at.exception


def test_numpy_tab_runs_item_and_float16(open_page):
    at = open_page(PAGE)
    assert any("elements cannot be converted" in w.value for w in at.warning)
    at.number_input(key="tns_f16_value").set_value(2049.0).run()
    row = next(t.value for t in at.table if "float16" in t.value.columns).iloc[0]
    assert float(row["float16"]) == 2048.0
    at.number_input(key="tns_np_index").set_value(3).run()
    assert any("a[3] = 99.0" in c for c in codes(at))


def test_image_tab_upload_mode_shows_the_builtin_until_a_file_comes(open_page):
    at = open_page(PAGE)
    at.radio(key="tns_image_source").set_value("upload my own").run()
    assert not at.exception
    assert any("(3, 96, 96)" in c for c in codes(at))


def test_link_settings_open_the_same_experiment(open_page):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(
        {
            "tns_constructor": "zeros",
            "tns_shape": "4, 5",
            "tns_dtype": "int64",
            "tns_pipe": '[{"op":"view","text":"2, -1"}]',
        }
    )
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    facts = at.table[0].value
    assert facts.loc["shape", "value"] == "(2, 10)" and facts.loc["dtype", "value"] == "int64"
    link = at.sidebar.code[0].value
    assert "tns_shape=4%2C+5" in link and "tns_pipe=" in link


def test_nonsense_link_settings_get_a_sentence(open_page):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(
        {"tns_constructor": "os.system", "tns_end": "lots", "tns_pipe": "{not json"}
    )
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert (
        "tns_constructor" in warnings and "tns_end" in warnings and "could not be read" in warnings
    )
    assert "x = torch.arange(0.0, 12.0, 1.0, dtype=torch.float32)" in codes(at)


def test_the_issues_shared_link_stops_at_the_memory_budget():
    from streamlit.testing.v1 import AppTest

    from core.tensors import Step, steps_to_text
    from tests.app.conftest import APP

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(
        {
            "tns_constructor": "zeros",
            "tns_shape": "4096, 4096",
            "tns_pipe": steps_to_text([Step("arithmetic", "1", name="+")] * 50),
        }
    )
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert "Step 4 cannot run" in errors(at) and "at most 256 MB" in errors(at)
    assert len([c for c in codes(at) if c == "x = x + 1"]) == 3


def test_an_overflow_to_inf_gets_a_sentence(open_page):
    at = open_page(PAGE)
    at.selectbox(key="tns_constructor").set_value("tensor").run()
    at.text_area(key="tns_values").input("[1e308, 1.0]").run()
    assert not at.exception
    assert any("overflows" in w.value and "float32" in w.value for w in at.warning)


def test_a_step_that_fails_stays_listed_marked_and_removable(open_page):
    at = open_page(PAGE)
    add_step(at, "view", "3, 4")
    add_step(at, "unsqueeze")
    # zeros(2, 3) has 6 elements: step 1 (view(3, 4)) cannot run any more, step 2 is not run.
    at.selectbox(key="tns_constructor").set_value("zeros").run()
    assert not at.exception
    assert "Step 1 cannot run" in errors(at) and "Remove step 1" in errors(at)
    listed = codes(at)
    assert any(c.startswith("x = x.view(3, 4)") and "failed" in c for c in listed)
    assert any(c.startswith("x = x.unsqueeze(0)") and "not run" in c for c in listed)
    at.button(key="tns_remove_1").click().run()
    assert not at.exception and not at.error
    assert "x = x.unsqueeze(0)" in codes(at)
    assert at.table[0].value.loc["shape", "value"] == "(1, 2, 3)"


def test_a_stale_stage_label_after_a_new_constructor_is_no_crash(open_page):
    at = open_page(PAGE)
    add_step(at, "view", "3, 4")
    at.selectbox(key="tns_stage").set_value(0).run()
    old_label = "0: x = torch.arange(0.0, 12.0, 1.0, dtype=torch.float32)"
    at.selectbox(key="tns_constructor").set_value("zeros").run()
    at.text_input(key="tns_shape").set_value("4, 3").run()
    # The browser still holds the picker's old label and sends it with the next click; the
    # new constructor renamed the options, so Streamlit's selectbox hands this text to the page
    # instead of a stage number (SelectboxSerde.deserialize returns an unknown label as it is).
    # AppTest only sends a label it lists, so the old one is listed on the test's side alone.
    picker = at.selectbox(key="tns_stage")
    picker.options.append(old_label)
    picker.set_value(old_label)
    at.checkbox(key="tns_requires_grad").check().run()  # any click sends the old label along
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="tns_stage").value == 0  # the stage the old label named
    assert "x = torch.zeros(4, 3, dtype=torch.float32, requires_grad=True)" in codes(at)


def test_view_preset_shows_the_error_then_each_fix_works(open_page):
    at = open_page(PAGE)
    at.selectbox(key="tns_preset").set_value("view needs contiguous memory")
    at.button(key="tns_load_preset").click().run()
    assert not at.exception
    assert "view size is not compatible" in errors(at) and "Step 3" in errors(at)
    at.button(key="tns_fix_contiguous").click().run()
    assert not at.exception and not at.error
    assert codes(at)[:5][-2:] == ["x = x.contiguous()", "x = x.view(-1)"]
    expected = torch.arange(12.0).view(3, 4).transpose(0, 1).contiguous().view(-1)
    assert at.dataframe[0].value.values.ravel().tolist() == expected.tolist()
    at.button(key="tns_load_preset").click().run()
    at.button(key="tns_fix_reshape").click().run()
    assert not at.exception and not at.error
    assert "x = x.reshape(-1)" in codes(at)
    assert at.table[0].value.loc["memory", "value"].startswith("copy")


def test_a_wrong_file_type_on_the_image_uploader_gets_a_sentence(open_page):
    at = open_page(PAGE)
    at.radio(key="tns_image_source").set_value("upload my own").run()
    at.file_uploader(key="tns_image_upload").set_value(
        ("notes.pdf", b"%PDF-1.4\n%binary junk", "application/pdf")
    ).run()
    assert not at.exception
    assert "could not be decoded as a picture" in errors(at)
    assert any("(3, 96, 96)" in c for c in codes(at))  # the built-in picture meanwhile


def test_numpy_tab_says_where_the_gpu_error_comes_from_and_runs_the_fix(open_page):
    at = open_page(PAGE)
    fix = [c for c in codes(at) if c.startswith("z.cpu().numpy()")]
    assert fix and "array([11.0, 22.0, 33.0], dtype=float32)" in fix[0]
    message = [c for c in codes(at) if c.startswith("TypeError: can't convert cuda:0")]
    assert message
    shown = " ".join(x.value for x in [*at.info, *at.error])
    if torch.cuda.is_available():
        assert "Raised for real on this server" in shown
    else:
        assert "shown because this server has none" in shown


def test_regression_tab_steps_both_sides_and_explains_the_notes_formula(open_page):
    at = open_page(PAGE)
    at.button(key="tns_reg_step10").click().run()
    assert any("agree at every one of the 20 steps" in s.value for s in at.success)
    at.checkbox(key="tns_reg_notes").check().run()  # a new setting starts a new run
    assert any("4 times larger" in w.value for w in at.warning)
    at.checkbox(key="tns_reg_notes").uncheck().run()
    at.number_input(key="tns_reg_lr").set_value(1.0).run()
    for _ in range(5):
        at.button(key="tns_reg_step10").click().run()
    assert not at.exception and any("diverged" in w.value for w in at.warning)
    at.text_input(key="tns_reg_y").set_value("1, 2").run()
    assert not at.exception and "one y for each x" in errors(at)


def steps_table(at):
    """The table tab's "step by step" table: one row per line of code."""
    return next(t.value for t in at.table if t.value.index.name == "code")


def test_table_tab_shows_each_steps_dtype_and_shape(open_page):
    at = open_page(PAGE)
    steps = steps_table(at)
    assert "t = torch.from_numpy(a)" in steps.index and "t = t.float()" in steps.index
    assert steps.loc["t = t.float()", "dtype"] == "torch.float32"
    assert steps.loc["t = t.float()", "shape"] == "(8, 7)"
    assert any(
        c.startswith("TypeError: can't convert np.ndarray of type numpy.object_") for c in codes(at)
    )
    at.radio(key="tns_table_encoding").set_value("codes").run()
    at.selectbox(key="tns_table_target").set_value("price_k").run()
    steps = steps_table(at)
    assert steps.loc["t = t.float()", "shape"] == "(8, 5)"
    assert any(code.startswith("y = t[:, 4]") for code in steps.index)


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("flats.csv", b"", "empty"),
        ("flats.csv", b"a,b,c\n1,2,3\n4,5\n", "Row 3 of the file has 2 values"),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00junk", "not a text CSV"),
        ("big.csv", b"a,b\n" + b"1,2\n" * 300_000, "under 1 MB"),
    ],
)
def test_a_malformed_csv_gets_a_sentence_and_the_builtin_table(open_page, name, data, message):
    at = open_page(PAGE)
    at.radio(key="tns_table_source").set_value("upload a CSV").run()
    at.file_uploader(key="tns_table_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception
    assert message in errors(at) and "built-in table is shown instead" in errors(at)
    assert steps_table(at).loc["t = t.float()", "shape"] == "(8, 7)"


def test_an_uploaded_csv_with_a_text_column_becomes_a_tensor(open_page):
    at = open_page(PAGE)
    at.radio(key="tns_table_source").set_value("upload a CSV").run()
    csv = b"size,colour,weight\n1,red,10\n2,blue,12kg\n3,red,14\n4,green,16\n"
    at.file_uploader(key="tns_table_upload").set_value(("mine.csv", csv, "text/csv")).run()
    assert not at.exception and not at.error
    assert any("'12kg'" in w.value for w in at.warning)
    steps = steps_table(at)
    assert steps.loc["t = t.float()", "shape"] == "(4, 4)"  # size + 3 colours, weight left out
