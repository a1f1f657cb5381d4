"""SIGNS classifier: pick data, a model and a device, train live, then look into the results."""

import streamlit as st

from core.parallel import piece_sizes
from core.signs import (
    ALL_GPUS,
    DROPOUT_MODELS,
    MODEL_INFO,
    MODEL_NAMES,
    OPTIMIZERS,
    SCHEDULES,
    ClassifierConfig,
    evaluate,
    training_snippet,
)
from ui.classroom import share_box, training_slots
from ui.device_picker import device_picker, several_gpus_expander
from ui.signs import charts, export, model_table, pictures, results, save_load, settings, training
from ui.signs import data_source as source
from ui.signs.memo import cached
from ui.signs.own_data import own_signs_source
from ui.signs.pretrained import pretrained_section

# The server's training queue, made once per process with its settings: evaluating, predicting
# and comparing outside a training turn get one core (the cores are the queue's to share).
training_slots()

state = st.session_state
settings.restore()
save_load.apply_lesson_start()  # a lesson link may start from the pretrained CNN


def next_data_seed() -> None:
    state["signs_data_seed"] = int(state.get("signs_data_seed", 0)) + 1


st.title("✋ SIGNS classifier")
st.markdown(
    "Train a network to read hand signs: pictures of a hand showing 0 to 5 raised fingers, 64×64 "
    "pixels, as in the course's SIGNS set. Pick the data, the model and the device, press **Train**, "
    "and watch the loss fall. Then look at what the model gets wrong."
)
settings.apply_tab_from_link()  # a lesson link selects its tab, also on a page seen before
tab_data, tab_model, tab_train, tab_results, tab_save = st.tabs(
    settings.TABS, key="signs_tab", bind="query-params"
)

with tab_data:
    source.restore_choices()  # what the student picked before visiting another page
    options = ["Built-in hands", "My own hand signs", "Upload a zip"] + [
        f"Server folder {f}" for f in source.server_folders()
    ]
    kind = st.radio("Data", options, key="signs_source", horizontal=True)
    val_fraction = st.slider(
        "Validation share of train",
        0.0,
        0.5,
        0.2,
        0.05,
        key="signs_val",
        help="Held out of the training images (stratified) to draw the validation curves.",
    )
    choice = None
    try:
        if kind == "Built-in hands":
            c1, c2, c3, c4 = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
            n_train = c1.select_slider(
                "Training images", [120, 240, 480, 720, 1080], 1080, key="signs_n_train"
            )
            n_test = c2.select_slider("Test images", [60, 120, 240], 120, key="signs_n_test")
            data_seed = c3.number_input("Data seed", 0, 10_000, 0, key="signs_data_seed")
            c4.button(
                "Regenerate",
                key="signs_regenerate",
                help="Draw a new set of hands (next seed).",
                on_click=next_data_seed,
            )
            choice = source.built_in(int(n_train), int(n_test), int(data_seed), val_fraction)
            source.download_built_in(int(n_train), int(n_test), int(data_seed))
        elif kind == "My own hand signs":
            choice = own_signs_source(val_fraction)
        elif kind == "Upload a zip":
            choice = source.upload_box(val_fraction)
        else:
            choice = source.server_folder(kind.removeprefix("Server folder "), val_fraction)
    except ValueError as error:
        st.error(str(error))
    source.keep_choices()
    if choice is None:
        st.info("Choose the data to train on: the built-in hands work straight away.")
        st.stop()
    data = choice.data
    for warning in choice.warnings:
        st.warning(warning)
    st.caption(
        f"{choice.source} · {len(data.train_labels)} train, {len(data.val_labels)} validation, "
        f"{len(data.test_labels)} test images"
    )
    if kind != "My own hand signs":  # own pictures are shown above, with their remove buttons
        pictures.sample_grid(choice.key, data.train_images, data.train_labels, data.classes)
    charts.class_counts(data, data.classes)
    loader_box = st.container()  # filled below, once tab 2 has set the batch size and transforms

with tab_model:
    c1, c2, c3 = st.columns(3)
    model_name = c1.selectbox(
        "Model", MODEL_NAMES, format_func=lambda m: MODEL_INFO[m][0], key="signs_model"
    )
    optimizer = c2.selectbox(
        "Optimizer", list(OPTIMIZERS), format_func=OPTIMIZERS.get, key="signs_optimizer"
    )
    with c3:
        device = device_picker("signs_device", data_parallel_value=ALL_GPUS)
    settings.open_from_link("signs_gpus_open", "gpus")
    several_gpus_expander("signs_gpus_open", ALL_GPUS)
    c1, c2, c3, c4 = st.columns(4)
    lr = c1.select_slider(
        "Learning rate",
        [1e-4, 3e-4, 1e-3, 2e-3, 5e-3, 1e-2, 3e-2, 0.1],
        ClassifierConfig.lr,
        key="signs_lr",
    )
    schedule = c2.selectbox(
        "Schedule",
        list(SCHEDULES),
        format_func=SCHEDULES.get,
        key="signs_schedule",
        help="One cycle raises the learning rate to the value on the left, then lowers it to almost 0.",
    )
    batch_size = c3.select_slider(
        "Batch size", [1, 2, 4, 8, 16, 32, 64, 128, 256], 32, key="signs_batch"
    )
    epochs = c4.slider("Epochs", 1, 50, ClassifierConfig.epochs, key="signs_epochs")
    c1, c2, c3 = st.columns(3)
    dropout = c1.slider(
        "Dropout",
        0.0,
        0.8,
        0.3,
        0.05,
        key="signs_dropout",
        disabled=model_name not in DROPOUT_MODELS,
    )
    weight_decay = c2.select_slider(
        "Weight decay", [0.0, 1e-5, 1e-4, 1e-3, 1e-2], 0.0, key="signs_wd"
    )
    seed = c3.number_input("Training seed", 0, 10_000, 0, key="signs_train_seed")
    c1, c2, c3 = st.columns(3)
    flip = c1.checkbox("Random horizontal flip", True, key="signs_flip")
    rotation = c2.slider("Random rotation (± degrees)", 0, 45, 0, key="signs_rotation")
    jitter = c3.slider("Colour jitter", 0.0, 0.5, 0.0, 0.05, key="signs_jitter")
    config = ClassifierConfig(
        model=model_name,
        optimizer=optimizer,
        lr=lr,
        lr_schedule=schedule,
        batch_size=batch_size,
        epochs=epochs,
        weight_decay=weight_decay,
        dropout=dropout,
        seed=int(seed),
        flip=flip,
        rotation=float(rotation),
        color_jitter=jitter,
        val_fraction=val_fraction,
        device=device,
        num_classes=len(data.classes),  # the output layer follows the data's classes
    )
    share_box(list(settings.SHARED))
    st.caption(MODEL_INFO[model_name][1])
    model_table.model_summary(model_name)
    pictures.augmented_batch(data.train_images, data.train_labels, config)
    with st.expander("Show code"):
        st.code(training_snippet(config), language="python", wrap_lines=True)
        pieces = piece_sizes(config.batch_size)
        if config.device == "cpu" and len(pieces) > 1:
            st.markdown(
                f"On this server's CPU the page runs this loop with each batch of "
                f"{config.batch_size} cut into {len(pieces)} pieces of {pieces[-1]}+ images, each "
                "on a core of its own: the pieces meet at every batch norm layer to normalise over "
                "the whole batch (as `nn.SyncBatchNorm` does across GPUs), and their gradients are "
                "added up in order. So it is the same run on any number of cores, and the same "
                "computation as this loop, up to rounding (its sums are added in another order)."
            )


with loader_box:  # the Data tab's batch, drawn with the settings of tab 2
    pictures.loader_batch(data, config, choice.key)

with tab_train:
    training.training_tab(config, data, choice.key)

with tab_results:
    trainer = state["signs_trainer"]
    if trainer is None or not (trainer.batches_done or state.get("signs_loaded")):
        st.info("Train a model (tab 3) or load weights (tab 5) to see its results here.")
    elif state["signs_running"]:
        st.info("Training is running: results appear when it stops.")
    elif results.scored_on(
        state.get("signs_trainer_data"), choice.key, trainer.config.num_classes, data.classes
    ):  # says on which data it is scored; False: another number of classes, nothing to score
        result = cached(
            ("eval", id(trainer), trainer.batches_done, choice.key),
            lambda: evaluate(trainer.model, data.test_images, data.test_labels, trainer.device),
        )
        results.results_summary(result, data.classes)
        results.mistakes(data.test_images, result, data.classes)
        results.predict_one_picture(trainer, data, crop=kind == "My own hand signs")

with tab_save:
    trainer = state["signs_trainer"]
    save_load.save_and_load(trainer, config, data, choice.key)
    pretrained_section(trainer, data, choice.key)
    export.export_scripts(config, data.classes, trainer)
