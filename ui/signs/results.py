"""The SIGNS page's results: test metrics, the mistakes, one picture predicted in both modes."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from core.signs import (
    ClassifierError,
    compare_modes,
    photo_tensor,
    picture_row,
    predict,
    synthetic_signs,
)
from core.signs.own import BLANK_CAMERA, OwnSignsError, crop_picture, is_blank
from ui.signs.charts import class_name, confusion_heatmap, per_class_bars, probability_bars


def results_summary(result, classes: list[str]) -> None:
    """Test accuracy, per-class accuracy and the confusion matrix."""
    c1, c2, c3 = st.columns(3)
    c1.metric("Test accuracy", f"{result.accuracy:.1%}")
    c2.metric("Test loss", f"{result.loss:.3f}")
    c3.metric("Misclassified", f"{len(result.misclassified)} of {len(result.labels)}")
    c1, c2 = st.columns(2)
    with c1:
        confusion_heatmap(result.confusion, classes, key="signs_confusion")
    with c2:
        per_class_bars(result.per_class_accuracy, classes, key="signs_per_class")


def mistakes(images: torch.Tensor, evaluation, classes: list[str], limit: int = 8) -> None:
    """The test images the model got wrong, most confident first, each with its softmax bars."""
    wrong = evaluation.misclassified[:limit]
    if not wrong:
        st.success("No test image is misclassified.")
        return
    st.caption(
        f"{len(evaluation.misclassified)} of {len(evaluation.labels)} test images are misclassified; "
        f"the {len(wrong)} the model was surest about:"
    )
    columns = st.columns(4)
    for slot, index in enumerate(wrong):
        with columns[slot % 4]:
            true, predicted = int(evaluation.labels[index]), int(evaluation.predictions[index])
            st.image(
                picture_row(images[index : index + 1], scale=2),
                caption=f"true {classes[true]} → predicted {classes[predicted]}",
                alt=f"A test picture of {class_name(classes, true)}, predicted as "
                f"{class_name(classes, predicted)}",
            )
            probability_bars(
                evaluation.probabilities[index], classes, key=f"signs_mistake_{slot}", height=180
            )


def mode_table(
    train_rows: torch.Tensor, eval_rows: torch.Tensor, classes: list[str]
) -> pd.DataFrame:
    """One row per prediction: mode, repeat number, the probability of each class, the winner."""
    records = []
    for mode, rows in [("model.train()", train_rows), ("model.eval()", eval_rows)]:
        for repeat, row in enumerate(rows, start=1):
            record = {"mode": mode, "try": repeat}
            record.update({class_name(classes, i): f"{p:.1%}" for i, p in enumerate(row.tolist())})
            record["prediction"] = class_name(classes, int(row.argmax()))
            records.append(record)
    return pd.DataFrame(records)


def _camera_picture() -> torch.Tensor | None:
    """A picture from the camera, cut and shrunk as own pictures are; None until one is taken.

    The camera starts when the student turns it on: a camera started in a hidden tab stays
    paused in Chromium, and its pictures come out black.
    """
    if not st.toggle("Camera on", False, key="signs_predict_camera_on"):
        return None
    shot = st.camera_input(
        "Show a hand sign to the camera and take a picture",
        key="signs_predict_camera",
        help="Each new picture is predicted at once: take another to see the bars move.",
    )
    st.caption('No camera, or access denied? The box above says so; pick "Upload a photo" instead.')
    if shot is None:
        return None
    try:
        pixels = crop_picture(shot.getvalue(), "the camera's picture")
        if is_blank(pixels):
            st.warning(BLANK_CAMERA)
            return None
        return pixels.float() / 255
    except OwnSignsError as error:
        st.error(str(error))
        return None


def _uploaded_photo(crop: bool) -> torch.Tensor | None:
    photo = st.file_uploader(
        "A photo of a hand (JPEG or PNG)", type=["jpg", "jpeg", "png"], key="signs_photo"
    )
    if photo is None:
        return None
    try:
        if crop:  # as the student's own pictures were: the centre square, then 64×64
            return crop_picture(photo.getvalue(), photo.name).float() / 255
        return photo_tensor(photo.getvalue())
    except (ClassifierError, OwnSignsError) as error:
        st.error(str(error))
        return None


def predict_one_picture(trainer, data, crop: bool = False) -> None:
    """Predict a fresh built-in hand, a camera picture or an uploaded photo; then the same in
    train and eval mode. With `crop`, photos are cut as the student's own pictures were."""
    state = st.session_state
    st.subheader("Predict one picture")
    choices = ["A fresh built-in hand", "Point the camera", "Upload a photo"]
    how = st.radio(
        "Picture",
        choices[1:] if crop else choices,
        key="signs_predict_own" if crop else "signs_predict_source",
        horizontal=True,
    )
    image = None
    if how == "Point the camera":
        with st.columns(2)[0]:
            image = _camera_picture()
    elif how == "A fresh built-in hand":
        if st.button("Draw another hand", key="signs_fresh"):
            state["signs_fresh_seed"] = state.get("signs_fresh_seed", 0) + 1
        fresh = synthetic_signs(n_train=1, n_test=1, seed=50_000 + state.get("signs_fresh_seed", 0))
        image = fresh.test[0][0]
    else:
        image = _uploaded_photo(crop)
    if image is None:
        return
    c1, c2 = st.columns([1, 3])
    c1.image(
        picture_row(image.unsqueeze(0), scale=3),
        caption="what the model sees (64×64)",
        alt="The picture to predict, as the model sees it at 64×64 pixels",
    )
    with c2:
        probability_bars(predict(trainer.model, image), data.classes, key="signs_predict_bars")
    st.markdown(
        "**Train mode versus eval mode.** The same picture, predicted five times in each mode."
    )
    train_rows, eval_rows = compare_modes(trainer.model, image, data.train_images, repeats=5)
    st.dataframe(mode_table(train_rows, eval_rows, data.classes), hide_index=True)
    st.caption(
        "In train mode dropout switches off random units and batch norm uses the statistics "
        "of the batch, so the answer changes from try to try. model.eval() makes it repeatable."
    )


def data_label(key: str | None) -> str:
    """How the page names a data set from its key (ui.signs.data_source, ui.signs.own_data)."""
    parts = (key or "").split("/")
    if parts[0] == "built-in" and len(parts) >= 4:
        return f"the built-in hands ({parts[1]} train, {parts[2]} test, seed {parts[3]})"
    if parts[0] == "upload":
        return f"an uploaded zip ({parts[1][:8]}…)" if len(parts) > 1 else "an uploaded zip"
    if parts[0] == "own":
        return "your own hand signs"
    if parts[0] == "server":
        return f"the server's folder {'/'.join(parts[1:-1])}"
    return "data the file does not name"


UNKNOWN_DATA = "unknown"  # the data of weights from a file that does not say (a bare state_dict)


def scored_on(trained_on: str | None, data_key: str, outputs: int, classes: list[str]) -> bool:
    """Say on which data the results below are scored, and warn when it is not the data the
    model was trained on. False when the model cannot be scored on this data at all (its
    output layer has another number of classes): the caller then shows no scores."""
    now, then = data_label(data_key), data_label(trained_on)
    if outputs != len(classes):
        st.warning(
            f"This model has {outputs} outputs (it was trained on {then}), but the data picked "
            f"now, {now}, has {len(classes)} classes, so it cannot be scored on it. Pick the data "
            "it was trained on in tab 1, train a new model (tab 3), or fine-tune a new head for "
            "these classes (tab 5)."
        )
        return False
    if trained_on == data_key:
        st.caption(f"Scored on the test pictures of {now}, the data this model was trained on.")
    elif trained_on in (None, "", UNKNOWN_DATA):
        st.warning(
            "These weights come from a file that does not say which data they were trained on "
            f"(a bare state_dict). The scores below are on the test pictures of {now}: they "
            "mean something only if the weights learnt from pictures like these."
        )
    elif trained_on.startswith("built-in/") and data_key.startswith("built-in/"):
        st.info(
            f"Trained on {then}; scored on the test pictures of {now}: built-in hands too, "
            "drawn the same way, none of which the model saw while training."
        )
    elif trained_on.split("/")[0] == data_key.split("/")[0] == "own":
        st.warning(
            "Trained on your own hand signs as they were before they changed: some of today's "
            "test pictures may be pictures it trained on, so the scores may read too high. "
            "Train again (tab 3) for honest scores."
        )
    else:
        st.warning(
            f"This model was trained on {then}, not on the data picked now ({now}): the scores "
            f"below are on test pictures of data it was not trained for."
        )
    return True
