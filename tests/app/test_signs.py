"""AppTest for the SIGNS page: a student trains the MLP for an epoch and looks at the results."""

from __future__ import annotations

import io
import json
import zipfile

import torch


def charts(at) -> dict[str, dict]:
    return {el.proto.id: json.loads(el.proto.spec) for el in at.get("plotly_chart")}


def test_page_shows_the_data_and_the_model(signs_page):
    at = signs_page
    assert at.title[0].value.endswith("SIGNS classifier")
    assert any("120 train" in c.value or "96 train" in c.value for c in at.caption)
    assert len(at.get("image")) >= 6  # a row of samples per class
    at.selectbox(key="signs_model").set_value("tinyvgg").run()
    assert not at.exception
    assert any(m.label == "Trainable parameters" for m in at.metric)


def test_student_trains_the_mlp_for_an_epoch_and_reads_the_results(signs_page):
    at = signs_page
    at.selectbox(key="signs_model").set_value("mlp").run()
    at.slider(key="signs_epochs").set_value(1).run()
    at.button(key="signs_train").click().run()
    assert not at.exception and not at.error
    trainer = at.session_state["signs_trainer"]
    assert trainer.config.model == "mlp" and trainer.batches_done >= 1
    trainer.run(10_000)  # run_every never fires under AppTest: finish the epoch here
    at.run()
    assert not at.exception and not at.error
    assert not at.session_state["signs_running"]

    specs = [spec for spec in charts(at).values()]
    names = {trace.get("name") for spec in specs for trace in spec["data"]}
    assert {"batch loss", "train loss", "validation loss", "validation accuracy"} <= names
    heatmaps = [t for spec in specs for t in spec["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 1 and sum(map(sum, heatmaps[0]["z"])) == 60
    accuracy = next(m for m in at.metric if m.label == "Test accuracy").value
    assert accuracy.endswith("%") and 0 <= float(accuracy[:-1]) <= 100
    bars = [
        t
        for spec in specs
        for t in spec["data"]
        if t["type"] == "bar" and t.get("orientation") == "h"
    ]
    assert bars and all(abs(sum(b["x"]) - 1) < 1e-4 for b in bars)  # softmax bars sum to 1
    modes = next(df.value for df in at.dataframe if "mode" in df.value.columns)
    assert set(modes["mode"]) == {"model.train()", "model.eval()"}
    eval_rows = modes[modes["mode"] == "model.eval()"].drop(columns=["try"])
    assert len(eval_rows.drop_duplicates()) == 1  # eval mode answers the same every time
    assert any(row["images/s"] > 0 for row in at.session_state["signs_runs"])


def test_a_broken_zip_gets_a_sentence(signs_page):
    at = signs_page
    at.radio(key="signs_source").set_value("Upload a zip").run()
    assert any("built-in hands work" in i.value for i in at.info)
    at.file_uploader(key="signs_upload").set_value(
        ("SIGNS.zip", b"PK\x03\x04 this is not a zip", "application/zip")
    ).run()
    assert not at.exception
    assert at.error and "zip" in at.error[0].value.lower()


def test_a_zip_without_signs_folders_gets_a_sentence(signs_page):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "no pictures here")
    at = signs_page
    at.radio(key="signs_source").set_value("Upload a zip").run()
    at.file_uploader(key="signs_upload").set_value(
        ("notes.zip", buffer.getvalue(), "application/zip")
    ).run()
    assert not at.exception and at.error


def test_weights_that_do_not_fit_get_a_sentence(signs_page):
    at = signs_page
    buffer = io.BytesIO()
    torch.save({"fc.weight": torch.zeros(6, 3)}, buffer)
    at.file_uploader(key="signs_weights_upload").set_value(
        ("other.pt", buffer.getvalue(), "application/octet-stream")
    ).run()
    assert not at.exception
    assert any("do not belong" in e.value for e in at.error)


def test_batch_of_one_with_batch_norm_gets_a_sentence(signs_page):
    at = signs_page
    at.select_slider(key="signs_batch").set_value(1).run()
    at.button(key="signs_train").click().run()
    assert not at.exception
    assert any("at least two" in e.value for e in at.error)


def test_export_tab_offers_three_scripts_and_says_why_ddp(signs_page):
    at = signs_page
    at.selectbox(key="signs_model").set_value("tinyvgg").run()
    assert not at.exception
    why = [m.value for m in at.markdown if "Why DistributedDataParallel replaced" in m.value]
    assert why and "one process per device" in why[0] and "all-reduced" in why[0]
    tabs = {tab.label: tab for tab in at.tabs}
    expected = {
        "One device": ("train_signs.py", "python train_signs.py"),
        "nn.DataParallel (one machine, several GPUs)": (
            "train_signs_dp.py",
            "CUDA_VISIBLE_DEVICES",
        ),
        "DistributedDataParallel (torchrun)": ("train_signs_ddp.py", "torchrun --standalone"),
    }
    sources = []
    for title, (filename, command) in expected.items():
        tab = tabs[title]
        (button,) = tab.get("download_button")
        assert button.proto.label == f"Download {filename}"
        shell, python = tab.code
        assert shell.language == "bash" and command in shell.value
        assert python.language == "python" and "TinyVGG(num_classes=6)" in python.value
        sources.append(python.value)
    assert "DistributedSampler" in sources[2] and "--rdzv-endpoint" in sources[2]
    assert "nn.DataParallel(model.to(device), device_ids=device_ids)" in sources[1]
    keys = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button")}
    assert {"signs_export_single", "signs_export_dp", "signs_export_ddp"} <= keys


def test_show_code_is_the_loop_the_page_runs_on_this_cpu(signs_page):
    """The Train tab's "Show code" box: the loop with the layout the trainer keeps on a CPU, and
    the sentence on how the page cuts each batch (the course CNN's default batch of 32)."""
    at = signs_page
    at.selectbox(key="signs_model").set_value("signs_cnn").run()
    snippets = [c.value for c in at.code if "loss.backward()" in c.value]
    assert snippets, "no training loop in the page's code boxes"
    loop = snippets[0]
    assert "model = model.to(memory_format=torch.channels_last)" in loop
    assert loop.index("model.to(device)") < loop.index("channels_last") < loop.index("optimizer")
    notes = " ".join(m.value for m in at.markdown)
    assert "cut into 2 pieces of 16+ images" in notes and "same computation as this loop" in notes
