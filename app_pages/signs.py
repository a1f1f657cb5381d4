"""SIGNS classifier: pick data, a model and a device, train live, then look into the results."""

import streamlit as st

from core.classifier import (
    ALL_GPUS,
    OPTIMIZERS,
    SCHEDULES,
    ClassifierConfig,
    ClassifierError,
    ClassifierTrainer,
    compare_modes,
    evaluate,
    photo_tensor,
    predict,
)
from core.models import DROPOUT_MODELS, MODEL_INFO, MODEL_NAMES
from core.signs_data import synthetic_signs
from core.signs_export import export_script, training_snippet
from ui import signs_data_source as source
from ui import signs_views as views
from ui.classroom import (
    end_training_turn,
    exclusive_chunk,
    live_tick,
    load_settings_from_url,
    share_box,
    training_turn,
)
from ui.device_picker import device_picker

TICK_SECONDS = 0.7  # training time per chart redraw; Stop answers within one tick
state = st.session_state
for name, default in [("signs_trainer", None), ("signs_running", False), ("signs_error", ""), ("signs_runs", [])]:
    state.setdefault(name, default)
SHARED = {  # widget key -> default type; these travel in the page's link (the device does not)
    "signs_source": "Built-in hands", "signs_val": 0.2, "signs_n_train": 1080, "signs_n_test": 120,
    "signs_data_seed": 0, "signs_model": MODEL_NAMES[0], "signs_optimizer": next(iter(OPTIMIZERS)),
    "signs_lr": ClassifierConfig.lr, "signs_schedule": next(iter(SCHEDULES)), "signs_batch": 32,
    "signs_epochs": ClassifierConfig.epochs, "signs_dropout": 0.3, "signs_wd": 0.0, "signs_train_seed": 0,
    "signs_flip": True, "signs_rotation": 0, "signs_jitter": 0.0,
}
load_settings_from_url(SHARED, {
    "signs_source": ["Built-in hands", "Upload a zip"], "signs_n_train": [120, 240, 480, 720, 1080],
    "signs_n_test": [60, 120, 240], "signs_model": list(MODEL_NAMES), "signs_optimizer": list(OPTIMIZERS),
    "signs_schedule": list(SCHEDULES), "signs_batch": [1, 2, 4, 8, 16, 32, 64, 128, 256],
    "signs_lr": [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1], "signs_wd": [0.0, 1e-5, 1e-4, 1e-3, 1e-2],
    "signs_val": [v / 20 for v in range(11)], "signs_epochs": list(range(1, 51)), "signs_rotation": list(range(46)),
    "signs_dropout": [v / 20 for v in range(17)], "signs_jitter": [v / 20 for v in range(11)],
    "signs_data_seed": list(range(10_001)), "signs_train_seed": list(range(10_001)),
})


def next_data_seed() -> None:
    state["signs_data_seed"] = int(state.get("signs_data_seed", 0)) + 1

st.title("✋ SIGNS classifier")
st.markdown(
    "Train a network to read hand signs: pictures of a hand showing 0 to 5 raised fingers, 64×64 "
    "pixels, as in the course's SIGNS set. Pick the data, the model and the device, press **Train**, "
    "and watch the loss fall. Then look at what the model gets wrong."
)
tab_data, tab_model, tab_train, tab_results, tab_save = st.tabs(
    ["1 · Data", "2 · Model", "3 · Train", "4 · Results", "5 · Save & export"]
)

with tab_data:
    options = ["Built-in hands", "Upload a zip"] + [f"Server folder {f}" for f in source.server_folders()]
    kind = st.radio("Data", options, key="signs_source", horizontal=True)
    val_fraction = st.slider("Validation share of train", 0.0, 0.5, 0.2, 0.05, key="signs_val",
                             help="Held out of the training images (stratified) to draw the validation curves.")
    choice = None
    try:
        if kind == "Built-in hands":
            c1, c2, c3, c4 = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
            n_train = c1.select_slider("Training images", [120, 240, 480, 720, 1080], 1080, key="signs_n_train")
            n_test = c2.select_slider("Test images", [60, 120, 240], 120, key="signs_n_test")
            data_seed = c3.number_input("Data seed", 0, 10_000, 0, key="signs_data_seed")
            c4.button("Regenerate", key="signs_regenerate", help="Draw a new set of hands (next seed).",
                      on_click=next_data_seed)
            choice = source.built_in(int(n_train), int(n_test), int(data_seed), val_fraction)
        elif kind == "Upload a zip":
            upload = st.file_uploader("A zip with train\\_signs/ and test\\_signs/ folders of {label}\\_IMG\\_{id}.jpg, "
                                      "or with train\\_signs.h5 and test\\_signs.h5", type=["zip"], key="signs_upload")
            if upload is not None:
                choice = source.uploaded_zip(upload.getvalue(), upload.name, val_fraction)
        else:
            choice = source.server_folder(kind.removeprefix("Server folder "), val_fraction)
    except ValueError as error:
        st.error(str(error))
    if choice is None:
        st.info("Choose the data to train on: the built-in hands work straight away.")
        st.stop()
    data = choice.data
    for warning in choice.warnings:
        st.warning(warning)
    st.caption(f"{choice.source} · {len(data.train_labels)} train, {len(data.val_labels)} validation, "
               f"{len(data.test_labels)} test images")
    views.sample_grid(choice.key, data.train_images, data.train_labels, data.classes)
    views.class_counts(data, data.classes)

with tab_model:
    c1, c2, c3 = st.columns(3)
    model_name = c1.selectbox("Model", MODEL_NAMES, format_func=lambda m: MODEL_INFO[m][0], key="signs_model")
    optimizer = c2.selectbox("Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="signs_optimizer")
    with c3:
        device = device_picker("signs_device", data_parallel_value=ALL_GPUS)
    c1, c2, c3, c4 = st.columns(4)
    lr = c1.select_slider("Learning rate", [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1], ClassifierConfig.lr, key="signs_lr")
    schedule = c2.selectbox("Schedule", list(SCHEDULES), format_func=SCHEDULES.get, key="signs_schedule",
                            help="One cycle raises the learning rate to the value on the left, then lowers it to almost 0.")
    batch_size = c3.select_slider("Batch size", [1, 2, 4, 8, 16, 32, 64, 128, 256], 32, key="signs_batch")
    epochs = c4.slider("Epochs", 1, 50, ClassifierConfig.epochs, key="signs_epochs")
    c1, c2, c3 = st.columns(3)
    dropout = c1.slider("Dropout", 0.0, 0.8, 0.3, 0.05, key="signs_dropout", disabled=model_name not in DROPOUT_MODELS)
    weight_decay = c2.select_slider("Weight decay", [0.0, 1e-5, 1e-4, 1e-3, 1e-2], 0.0, key="signs_wd")
    seed = c3.number_input("Training seed", 0, 10_000, 0, key="signs_train_seed")
    c1, c2, c3 = st.columns(3)
    flip = c1.checkbox("Random horizontal flip", True, key="signs_flip")
    rotation = c2.slider("Random rotation (± degrees)", 0, 45, 0, key="signs_rotation")
    jitter = c3.slider("Colour jitter", 0.0, 0.5, 0.0, 0.05, key="signs_jitter")
    config = ClassifierConfig(
        model=model_name, optimizer=optimizer, lr=lr, lr_schedule=schedule, batch_size=batch_size, epochs=epochs,
        weight_decay=weight_decay, dropout=dropout, seed=int(seed), flip=flip, rotation=float(rotation),
        color_jitter=jitter, val_fraction=val_fraction, device=device,
    )
    share_box(list(SHARED))
    st.caption(MODEL_INFO[model_name][1])
    views.model_summary(model_name)
    views.augmented_batch(data.train_images, data.train_labels, config)
    with st.expander("Show code"):
        st.code(training_snippet(config), language="python")


def start(resume: bool) -> None:
    state["signs_error"] = ""
    try:
        if not resume:
            state["signs_trainer"] = ClassifierTrainer(config, data)
            state["signs_trainer_data"] = choice.key
        elif state["signs_trainer"].done:
            state["signs_trainer"].extend(config.epochs)
        state["signs_running"] = True
    except ValueError as error:
        state["signs_error"] = str(error)


def finish(trainer: ClassifierTrainer) -> None:
    state["signs_running"] = False
    end_training_turn()  # the next student in the queue starts at once
    if trainer.images_seen:
        views.record_speed(state["signs_runs"], trainer)


def training_panel() -> None:
    trainer, running = state["signs_trainer"], state["signs_running"]
    c1, c2, c3, c4 = st.columns(4)
    if c1.button("Train", key="signs_train", type="primary", disabled=running, use_container_width=True):
        start(resume=False)
        st.rerun()
    if c2.button("Stop", key="signs_stop", disabled=not running, use_container_width=True):
        finish(trainer)
        st.rerun()
    if c3.button("Resume", key="signs_resume", disabled=running or trainer is None, use_container_width=True,
                 help="Continue this run; once it has finished, train for the Epochs setting more."):
        start(resume=True)
        st.rerun()
    if c4.button("Reset", key="signs_reset", disabled=trainer is None, use_container_width=True):
        state.update(signs_trainer=None, signs_running=False, signs_error="")
        end_training_turn()
        st.rerun()
    if state["signs_error"]:
        st.error(state["signs_error"])
    if trainer is None:
        st.info("Press **Train** to start with the settings of tab 2.")
        return
    queued = running and not training_turn()  # the server's fair queue: wait here while others train
    if running and not queued:
        try:
            exclusive_chunk(lambda: trainer.run_for(TICK_SECONDS))
        except ClassifierError as error:
            state["signs_error"] = str(error)
            finish(trainer)
            st.rerun()
        if trainer.done:
            finish(trainer)
            st.rerun()
    st.progress(trainer.progress, text=views.progress_line(trainer))
    if not queued:  # nothing moves while waiting in the queue: spare the server the charts
        views.training_curves(trainer, key=f"signs_curves_{trainer.batches_done}_{running}")
        views.throughput_table(state["signs_runs"])


with tab_train:
    trainer = state["signs_trainer"]
    if trainer is not None and not state["signs_running"]:
        if trainer.config != config:
            st.warning("The settings changed since this run started: press Train to start over with them "
                       "(Resume keeps the run's own settings).")
        if state.get("signs_trainer_data") != choice.key:
            st.warning("The data changed since this run started: press Train to train on the new data.")
    st.fragment(run_every=live_tick(state["signs_running"], TICK_SECONDS))(training_panel)()

with tab_results:
    trainer = state["signs_trainer"]
    if trainer is None or not (trainer.batches_done or state.get("signs_loaded")):
        st.info("Train a model (tab 3) or load weights (tab 5) to see its results here.")
    elif state["signs_running"]:
        st.info("Training is running: results appear when it stops.")
    else:
        result = views.cached(("eval", id(trainer), trainer.batches_done),
                              lambda: evaluate(trainer.model, data.test_images, data.test_labels, trainer.device))
        views.results_summary(result, data.classes)
        views.mistakes(data.test_images, result, data.classes)
        st.subheader("Predict one picture")
        how = st.radio("Picture", ["A fresh built-in hand", "Upload a photo"], key="signs_predict_source", horizontal=True)
        image = None
        if how == "A fresh built-in hand":
            if st.button("Draw another hand", key="signs_fresh"):
                state["signs_fresh_seed"] = state.get("signs_fresh_seed", 0) + 1
            fresh = synthetic_signs(n_train=1, n_test=1, seed=50_000 + state.get("signs_fresh_seed", 0))
            image = fresh.test[0][0]
        else:
            photo = st.file_uploader("A photo of a hand (JPEG or PNG)", type=["jpg", "jpeg", "png"], key="signs_photo")
            if photo is not None:
                try:
                    image = photo_tensor(photo.getvalue())
                except ClassifierError as error:
                    st.error(str(error))
        if image is not None:
            c1, c2 = st.columns([1, 3])
            c1.image(views.to_pixels(image.unsqueeze(0), scale=3), caption="what the model sees (64×64)")
            with c2:
                views.probability_bars(predict(trainer.model, image), data.classes, key="signs_predict_bars")
            st.markdown("**Train mode versus eval mode.** The same picture, predicted five times in each mode.")
            train_rows, eval_rows = compare_modes(trainer.model, image, data.train_images, repeats=5)
            st.dataframe(views.mode_table(train_rows, eval_rows, data.classes), hide_index=True)
            st.caption("In train mode dropout switches off random units and batch norm uses the statistics "
                       "of the batch, so the answer changes from try to try. model.eval() makes it repeatable.")

with tab_save:
    trainer = state["signs_trainer"]
    views.save_and_load(trainer, config, data, choice.key)
    st.subheader("Export a plain PyTorch script")
    script = export_script(trainer.config if trainer is not None else config)
    st.download_button("Download train_signs.py", script, "train_signs.py", "text/x-python", key="signs_export")
    with st.expander("Show the script"):
        st.code(script, language="python")
