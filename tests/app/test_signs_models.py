"""AppTest for the SIGNS page's model side: tabs bound to the link, the lessons of ideas 4, 12,
17 and 18, saving and loading weights, and results never scored silently on other data."""

from __future__ import annotations

import torch
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP

SMALL = {"signs_n_train": "120", "signs_n_test": "60"}


def open_signs(params: dict) -> AppTest:
    """The app opened with `params` in its link, switched to the SIGNS page."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(params)
    at.run()
    at.switch_page("app_pages/signs.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_tabs_follow_the_link_and_a_new_lesson_link_selects_its_tab():
    at = open_signs({**SMALL, "signs_tab": "4 · Results"})
    assert at.session_state["signs_tab"] == "4 · Results"
    # a lesson link on the page already open: its tab is selected again
    at.query_params.update({"signs_tab": "5 · Save & export", "lesson": "another"})
    at.run()
    assert not at.exception
    assert at.session_state["signs_tab"] == "5 · Save & export"
    at.run()
    assert at.session_state["signs_tab"] == "5 · Save & export"
    # a lesson link naming no tab opens the first one (its parameter is dropped: the default)
    del at.query_params["signs_tab"]
    at.query_params["lesson"] = "a-third"
    at.run()
    assert at.session_state["signs_tab"] == "1 · Data"


def test_a_nonsense_tab_in_the_link_opens_the_first_tab():
    at = open_signs({**SMALL, "signs_tab": "9 · Nowhere"})
    assert at.session_state["signs_tab"] == "1 · Data"


# ----------------------------------------------------------------------------------- lessons


def texts(at: AppTest) -> str:
    """Every text the page shows (markdown, captions, alerts, code, table headers)."""
    parts = []
    for kind in ("markdown", "caption", "info", "success", "warning", "error", "code"):
        parts += [str(el.value) for el in at.get(kind)]
    parts += [" ".join(map(str, df.value.columns)) for df in at.dataframe]
    parts += [str(el.proto.label) for el in at.get("button")]
    return "\n".join(parts)


def lesson(key: str):
    from ui.lessons import BY_KEY

    return BY_KEY[key]


def expander_open(at: AppTest, label_start: str) -> bool:
    return next(e for e in at.expander if e.proto.label.startswith(label_start)).proto.expanded


def test_the_eval_vs_train_lesson_opens_results_of_the_pretrained_cnn():
    at = open_signs(lesson("eval-vs-train").query)
    assert at.session_state["signs_tab"] == "4 · Results"
    trainer = at.session_state["signs_trainer"]
    assert trainer.config.model == "small_cnn" and trainer.batches_done == 0  # loaded, not trained
    assert lesson("eval-vs-train").proof in texts(at)
    assert "the data this model was trained on" in texts(at)
    accuracy = float(next(m for m in at.metric if m.label == "Test accuracy").value[:-1])
    assert accuracy > 80
    modes = next(df.value for df in at.dataframe if "mode" in df.value.columns)
    assert set(modes["mode"]) == {"model.train()", "model.eval()"}
    eval_rows = modes[modes["mode"] == "model.eval()"].drop(columns=["try"])
    train_rows = modes[modes["mode"] == "model.train()"].drop(columns=["try"])
    assert len(eval_rows.drop_duplicates()) == 1  # eval mode answers the same every time
    assert len(train_rows.drop_duplicates()) > 1  # train mode: dropout and batch statistics
    assert not at.warning and not at.error


def test_the_several_gpus_lesson_shows_the_picker_with_gpus_and_the_three_ways():
    at = open_signs(lesson("several-gpus").query)
    assert at.session_state["signs_tab"] == "2 · Model"
    assert expander_open(at, "Several GPUs")
    shown = texts(at)
    assert lesson("several-gpus").proof in shown
    assert "nn.DataParallel(model, device_ids=" in shown and "CUDA_VISIBLE_DEVICES=" in shown
    assert 'torch.device("cuda:' in shown
    entries = list(at.table[0].value["picker entry"])
    if torch.cuda.device_count() == 0:
        assert "This server has no GPU" in shown
        assert entries[1].startswith("cuda:0 — ") and "GB)" in entries[1]
        assert entries[-1] == "all 2 GPUs (nn.DataParallel)"
    else:
        assert len([e for e in entries if e.startswith("cuda:")]) == torch.cuda.device_count()


def test_the_save_lesson_shows_the_state_dict_keys_and_the_code():
    at = open_signs(lesson("save-load-pt").query)
    assert at.session_state["signs_tab"] == "5 · Save & export"
    shown = texts(at)
    assert lesson("save-load-pt").proof in shown
    assert "torch.save(model.state_dict()" in shown and "weights_only=True" in shown
    table = next(df.value for df in at.dataframe if "key" in df.value.columns)
    trainer = at.session_state["signs_trainer"]
    assert list(table["key"]) == list(trainer.model.state_dict())
    assert any(b.proto.label.startswith("Download weights (.pt") for b in at.get("download_button"))


def test_the_pretrained_lesson_fine_tunes_a_new_head_and_only_the_head_changes():
    at = open_signs(lesson("pretrained-finetune").query)
    assert expander_open(at, "Pretrained models")
    shown = texts(at)
    assert lesson("pretrained-finetune").proof in shown
    assert "cannot download weights" in shown
    assert "resnet18(weights=weights)" in shown and "ResNet18_Weights.DEFAULT" in shown
    assert "torch.hub.load(" in shown
    at.select_slider(key="signs_ft_batches").set_value(10).run()
    at.button(key="signs_finetune").click().run()
    assert not at.exception and not at.error
    table = next(df.value for df in at.dataframe if "changed by training" in df.value.columns)
    trainable = table[table["trainable (requires_grad)"] == "yes"]
    assert list(trainable["name"]) == ["classifier.5.weight", "classifier.5.bias"]
    assert (table["trainable (requires_grad)"] == table["changed by training"]).all()
    assert "exactly the trainable ones" in texts(at)
    assert at.session_state["signs_trainer_data"].startswith("built-in/")


def test_a_second_lesson_link_on_the_open_page_reapplies_its_setup():
    at = open_signs(lesson("save-load-pt").query)
    assert at.session_state["signs_tab"] == "5 · Save & export"
    at.query_params.clear()
    at.query_params.update(lesson("several-gpus").query)
    at.run()
    assert at.session_state["signs_tab"] == "2 · Model"
    assert expander_open(at, "Several GPUs")
    at.query_params.clear()
    at.query_params.update(lesson("pretrained-finetune").query)
    at.run()
    assert at.session_state["signs_tab"] == "5 · Save & export"
    assert expander_open(at, "Pretrained models")
    assert not expander_open(at, "Several GPUs")


# ------------------------------------------------------------------- loading and the results

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)


def upload_weights(at: AppTest, name: str, blob: bytes) -> AppTest:
    at.file_uploader(key="signs_weights_upload").set_value(
        (name, blob, "application/octet-stream")
    ).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_picture_dropped_on_the_weights_uploader_gets_a_sentence():
    at = upload_weights(open_signs(SMALL), "hand.jpg", JPEG)
    errors = " ".join(e.value for e in at.error)
    assert "'hand.jpg' is a .jpg file, not PyTorch weights" in errors


def test_a_garbage_pt_file_is_named_for_what_it_is():
    at = upload_weights(open_signs(SMALL), "weights.pt", JPEG)
    errors = " ".join(e.value for e in at.error)
    assert "JPEG picture, not PyTorch weights" in errors
    assert "other than tensors" not in errors  # the old, wrong sentence


def test_results_say_when_the_model_was_trained_on_other_data():
    at = open_signs(lesson("eval-vs-train").query)
    assert not at.warning
    at.session_state["signs_trainer_data"] = "upload/0123456789abcdef/0.2"  # as after an upload
    at.run()
    warnings = " ".join(w.value for w in at.warning)
    assert "trained on an uploaded zip (01234567…), not on the data picked now" in warnings
    assert "the built-in hands (1080 train, 120 test, seed 0)" in warnings


def test_weights_for_other_classes_are_not_scored_on_this_data():
    from core.signs import ClassifierConfig, build_model, save_checkpoint

    config = ClassifierConfig(model="tinyvgg", num_classes=4)
    model = build_model("tinyvgg", num_classes=4, generator=torch.Generator().manual_seed(1))
    blob = save_checkpoint(model, config, ["fist", "one", "two", "palm"], "own/abc/3/0.2")
    at = upload_weights(open_signs(SMALL), "mine.pt", blob)
    assert at.session_state["signs_trainer"].classes == ["fist", "one", "two", "palm"]
    warnings = " ".join(w.value for w in at.warning)
    assert "This model has 4 outputs (it was trained on your own hand signs)" in warnings
    assert "has 6 classes, so it cannot be scored" in warnings
    assert not any(m.label == "Test accuracy" for m in at.metric)
    # the exported scripts follow the loaded model: its four classes, not SIGNS's six
    dp = next(c.value for c in at.code if "nn.DataParallel over GPUs" in c.value)
    assert 'CLASSES = ["fist", "one", "two", "palm"]' in dp


def test_the_downloaded_weights_load_back_and_keep_what_they_were_trained_on():
    from core.signs import save_checkpoint

    at = open_signs(lesson("save-load-pt").query)
    trainer = at.session_state["signs_trainer"]
    trained_on = at.session_state["signs_trainer_data"]
    blob = save_checkpoint(trainer.model, trainer.config, trainer.classes, trained_on)
    at.button(key="signs_reset").click().run()  # forget the model, then load the file
    assert at.session_state["signs_trainer"] is None
    at = upload_weights(at, "signs_small_cnn.pt", blob)
    assert any("Loaded: signs_small_cnn.pt" in s.value for s in at.success)
    loaded = at.session_state["signs_trainer"]
    assert loaded.config == trainer.config and at.session_state["signs_trainer_data"] == trained_on
    for key, tensor in trainer.model.state_dict().items():
        assert torch.equal(loaded.model.state_dict()[key], tensor)
    assert "the data this model was trained on" in texts(at)


def test_fine_tuning_takes_its_turn_in_the_training_queue(monkeypatch):
    """A full server: the button waits its turn, says so, and gives up with a sentence; with a
    free slot it fine-tunes and hands the slot back."""
    import ui.classroom
    from ui.classroom import training_slots

    at = open_signs(lesson("pretrained-finetune").query)
    slots = training_slots()
    others = [f"another-student-{i}" for i in range(slots.capacity)]
    monkeypatch.setattr(ui.classroom, "ONE_OFF_WAIT_SECONDS", 0.1)
    try:
        for who in others:
            assert slots.request(who) == 0
        at.select_slider(key="signs_ft_batches").set_value(10).run()
        at.button(key="signs_finetune").click().run()
        assert not at.exception
        assert any("stayed busy" in w.value for w in at.warning)
        assert not any("changed by training" in df.value.columns for df in at.dataframe)
        assert slots.status() == (slots.capacity, 0)  # it left the line it waited in
    finally:
        for who in others:
            slots.release(who)
    at.button(key="signs_finetune").click().run()
    assert not at.exception and not at.warning
    assert any("changed by training" in df.value.columns for df in at.dataframe)
    assert slots.status() == (0, 0)  # its turn was handed back
