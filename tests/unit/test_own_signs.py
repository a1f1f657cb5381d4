"""The student's own hand signs: cropping against torchvision, caps, the collection, the zip."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.transforms import v2

from core.signs import (
    ClassifierConfig,
    ClassifierError,
    ClassifierTrainer,
    draw_hands,
    evaluate,
    load_checkpoint,
    load_signs_bytes,
    save_checkpoint,
    tensor_data,
)
from core.signs.own import (
    MAX_CLASSES,
    MAX_PER_CLASS,
    MAX_PICTURE_BYTES,
    OwnSigns,
    OwnSignsError,
    crop_picture,
)


def photo(width: int, height: int, seed: int = 0) -> Image.Image:
    """A noisy RGB picture with a gradient, so that any crop or resize difference shows."""
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 255, width)[None, :, None]
    y = np.linspace(0, 255, height)[:, None, None]
    pixels = (x * 0.5 + y * 0.3 + rng.integers(0, 60, (height, width, 3))).clip(0, 255)
    return Image.fromarray(pixels.astype(np.uint8))


def encode(picture: Image.Image, kind: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format=kind, **options)
    return buffer.getvalue()


def torchvision_crop(picture: Image.Image) -> torch.Tensor:
    """torchvision.transforms.v2's CenterCrop(min side) + Resize(64) of the PIL picture."""
    transform = v2.Compose([v2.CenterCrop(min(picture.size)), v2.Resize(64), v2.PILToTensor()])
    return transform(picture.convert("RGB"))


def hand_jpeg(label: int, seed: int = 0, size: int = 64) -> bytes:
    """A built-in hand as the JPEG a webcam would send (scaled to `size`)."""
    pixels = draw_hands([label], seed=seed)[0].permute(1, 2, 0).numpy()
    return encode(Image.fromarray(pixels).resize((size, size)), "JPEG", quality=92)


@pytest.mark.parametrize("size", [(160, 120), (97, 131), (64, 64), (301, 300), (50, 40)])
def test_crop_is_torchvisions_center_crop_and_resize(size):
    picture = photo(*size)
    ours = crop_picture(encode(picture))
    assert ours.dtype == torch.uint8 and ours.shape == (3, 64, 64)
    assert torch.equal(ours, torchvision_crop(picture))


def test_big_jpeg_decoded_in_draft_mode_is_close_to_the_full_decode():
    picture = photo(1280, 720, seed=3)
    blob = encode(picture, "JPEG", quality=95)
    full = torchvision_crop(Image.open(io.BytesIO(blob)))
    assert torch.equal(crop_picture(blob, jpeg_draft=False), full)
    drafted = crop_picture(blob).float()
    assert (drafted - full.float()).abs().mean() < 4  # of 255: the same picture


def test_a_phone_photo_is_turned_upright_from_its_exif():
    picture = photo(120, 80, seed=1)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    blob = encode(picture, "JPEG", quality=95, exif=exif.tobytes())
    upright = Image.open(io.BytesIO(encode(picture, "JPEG", quality=95))).transpose(
        Image.Transpose.ROTATE_270
    )
    assert (crop_picture(blob).float() - torchvision_crop(upright).float()).abs().max() < 1.5


def test_bad_pictures_get_sentences_naming_the_file(monkeypatch):
    with pytest.raises(OwnSignsError, match="'a.png' is empty"):
        crop_picture(b"", "a.png")
    with pytest.raises(OwnSignsError, match="at most 2 MB"):
        crop_picture(b"x" * (MAX_PICTURE_BYTES + 1), "big.jpg")
    with pytest.raises(OwnSignsError, match="'broken.jpg' could not be read"):
        crop_picture(hand_jpeg(2)[:200], "broken.jpg")
    with pytest.raises(OwnSignsError, match="'anim.gif' is a GIF picture; add JPEG or PNG"):
        crop_picture(encode(photo(30, 30), "GIF"), "anim.gif")
    monkeypatch.setattr("core.images.MAX_PIXELS", 10_000)  # refused from the header
    with pytest.raises(OwnSignsError, match="'bomb.png' is 200×200 pixels"):
        crop_picture(encode(photo(200, 200)), "bomb.png")


def test_a_class_is_capped_and_the_files_past_the_cap_get_one_sentence(monkeypatch):
    monkeypatch.setattr("core.signs.own.MAX_PER_CLASS", 3)
    own = OwnSigns(classes=["a", "b"])
    report = own.add_files(
        0,
        [("1.jpg", hand_jpeg(1)), ("bad.jpg", b"nope"), ("2.jpg", hand_jpeg(2))]
        + [(f"{i}.jpg", hand_jpeg(3, seed=i)) for i in range(3)],
    )
    assert report.added == 3 and own.counts() == [3, 0]
    assert len(report.problems) == 2
    assert "'bad.jpg' could not be read" in report.problems[0]
    assert "2 picture(s) were not added: class 'a' is full (3 pictures)" in report.problems[1]
    with pytest.raises(OwnSignsError, match="Class 'a' is full"):
        own.add(0, hand_jpeg(4))
    assert own.counts() == [3, 0]  # nothing lost, nothing added


def test_the_default_cap_is_a_hundred_pictures_per_class():
    own = OwnSigns(classes=["a", "b"])
    pixels = draw_hands([1])[0]
    for _ in range(MAX_PER_CLASS):
        own.add_pixels(1, pixels)
    with pytest.raises(OwnSignsError, match="full"):
        own.add_pixels(1, pixels)
    assert own.counts() == [0, MAX_PER_CLASS]


def test_a_black_camera_picture_is_refused_but_a_dark_file_is_kept():
    own = OwnSigns()
    black = encode(Image.new("RGB", (160, 120)), "JPEG")
    with pytest.raises(OwnSignsError, match="camera was still starting"):
        own.add(0, black, "camera")
    own.add(0, black, "night.jpg")  # a file is the student's choice
    assert own.counts()[0] == 1


def test_pictures_are_added_cropped_and_removed_by_id():
    own = OwnSigns()
    assert own.classes == ["0", "1", "2", "3", "4", "5"] and own.counts() == [0] * 6
    blob = encode(photo(160, 120))
    first = own.add(2, blob, "camera")
    second = own.add(2, blob, "camera")
    assert first.id != second.id and torch.equal(first.pixels, crop_picture(blob))
    before = own.revision()
    own.remove(2, first.id)
    assert [p.id for p in own.pictures[2]] == [second.id] and own.revision() != before
    own.remove(2, first.id)  # already gone: nothing happens
    assert own.clear(2) == 1 and own.total == 0
    with pytest.raises(OwnSignsError, match="no class 6"):
        own.add(6, blob)


def test_classes_are_renamed_with_checks():
    own = OwnSigns(classes=["0", "1", "2"])
    own.rename(0, "  thumbs   up ")
    assert own.classes[0] == "thumbs up"
    with pytest.raises(OwnSignsError, match="already called 'THUMBS UP'"):
        own.rename(1, "THUMBS UP")
    with pytest.raises(OwnSignsError, match="needs a name"):
        own.rename(1, "   ")
    with pytest.raises(OwnSignsError, match="at most 24"):
        own.rename(1, "x" * 25)
    assert own.classes == ["thumbs up", "1", "2"]


def test_the_number_of_classes_changes_without_losing_pictures():
    own = OwnSigns(classes=["0", "1", "2"])
    own.add_pixels(2, draw_hands([2])[0])
    own.resize(5)
    assert own.classes == ["0", "1", "2", "3", "4"] and own.counts() == [0, 0, 1, 0, 0]
    own.resize(3)
    with pytest.raises(OwnSignsError, match="would delete the pictures of '2' \\(1\\)"):
        own.resize(2)
    assert own.counts() == [0, 0, 1]
    for bad in (1, 11, 2.5, True):
        with pytest.raises(OwnSignsError, match="between 2 and 10"):
            own.resize(bad)
    own.rename(1, "3")
    own.resize(4)  # the new class 3 cannot take the name "3": it is taken
    assert own.classes == ["0", "3", "2", "class 3"]


def filled(counts: list[int], names: list[str] | None = None) -> OwnSigns:
    """A collection with `counts[i]` built-in hands (i % 6 fingers) in class i."""
    own = OwnSigns(classes=names or [str(i) for i in range(len(counts))])
    for label, count in enumerate(counts):
        for pixels in draw_hands([label % 6] * count, seed=label):
            own.add_pixels(label, pixels)
    return own


def test_a_class_with_too_few_pictures_is_refused_with_a_sentence():
    own = filled([5, 3, 0], ["fist", "open", "peace"])
    with pytest.raises(OwnSignsError) as caught:
        own.to_signs_data(val_fraction=0.2)
    message = str(caught.value)
    assert "'peace' has no pictures" in message and "'open' (3) has too few" in message
    assert "at least 4 pictures" in message
    own = filled([3, 3])
    own.to_signs_data(val_fraction=0.0)  # without validation, three are enough
    with pytest.raises(OwnSignsError, match="at least 3"):
        filled([2, 3]).to_signs_data(val_fraction=0.0)


@pytest.mark.parametrize("counts", [[4, 4], [10, 10, 10], [100, 7, 23]])
def test_the_split_holds_out_every_class_and_is_seeded(counts):
    own = filled(counts)
    signs = own.to_signs_data(val_fraction=0.2, seed=1)
    for split in (signs.train, signs.val, signs.test):
        assert torch.bincount(split.labels, minlength=len(counts)).min() >= 1
    assert torch.bincount(signs.train.labels).min() >= 2
    assert len(signs.train) + len(signs.val) + len(signs.test) == sum(counts)
    again = own.to_signs_data(val_fraction=0.2, seed=1)
    assert torch.equal(again.test.images, signs.test.images)
    ids = {s: {id(p) for _, p in part} for s, part in own.split(0.2, seed=1).items()}
    assert not (ids["train"] & ids["test"]) and not (ids["val"] & ids["test"])
    data = tensor_data(signs, val_fraction=0.2)  # the page's path: validation is our own split
    assert len(data.val_labels) == len(signs.val) and data.classes == own.classes


def test_the_zip_is_in_the_signs_layout_and_the_loader_reads_it_back():
    names = [f"sign {i}" for i in range(MAX_CLASSES)]
    own = filled([5] * MAX_CLASSES, names)
    blob = own.to_zip()
    listing = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert "64x64_SIGNS/classes.txt" in listing  # unzipped into data/: the scripts' default
    pictures = [n.removeprefix("64x64_SIGNS/") for n in listing if not n.endswith("classes.txt")]
    assert all(
        n.startswith(("train_signs/", "test_signs/")) and n.endswith(".jpg") for n in pictures
    )
    assert {n.split("/")[1].split("_IMG_")[0] for n in pictures} == {str(i) for i in range(10)}

    loaded = load_signs_bytes(blob, "my_signs.zip")
    assert loaded.classes == tuple(names) and not loaded.warnings
    assert len(loaded.train) + len(loaded.test) == own.total
    assert torch.bincount(loaded.test.labels).tolist() == [1] * 10
    by_id = {p.id: p.pixels for pics in own.pictures for p in pics}
    test_ids = [int(n.split("_IMG_")[1][:-4]) for n in sorted(pictures) if n.startswith("test")]
    originals = torch.stack([by_id[i] for i in test_ids]).float()  # the loader's order: by name
    assert (loaded.test.images.float() - originals).abs().mean() < 4  # JPEG q95: a few levels

    back, report = OwnSigns.from_signs_data(loaded)
    assert back.classes == names and back.counts() == own.counts() and report.added == own.total


def test_a_plain_signs_zip_still_has_six_classes_and_a_bad_classes_file_gets_a_sentence():
    own = filled([4, 4])
    blob = own.to_zip()
    archive = zipfile.ZipFile(io.BytesIO(blob))
    entries = {n: archive.read(n) for n in archive.namelist()}

    def rezip(files: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as out:
            for name, data in files.items():
                out.writestr(name, data)
        return buffer.getvalue()

    names = "64x64_SIGNS/classes.txt"
    without = {n: d for n, d in entries.items() if n != names}
    assert load_signs_bytes(rezip(without), "plain.zip").classes == tuple("012345")
    with pytest.raises(ValueError, match="classes.txt .* must name 2 to 10"):
        load_signs_bytes(rezip({**entries, names: b"only one\n"}), "bad.zip")


def test_the_trainer_and_the_evaluation_follow_the_number_of_classes():
    own = filled([6, 6, 6, 6, 6, 6, 6, 6, 6, 6])
    data = tensor_data(own.to_signs_data(val_fraction=0.2), val_fraction=0.2)
    config = ClassifierConfig(model="mlp", epochs=1, batch_size=16, num_classes=10)
    trainer = ClassifierTrainer(config, data)
    trainer.run(100)
    assert trainer.done and trainer.model(data.test_images[:2]).shape == (2, 10)
    result = evaluate(trainer.model, data.test_images, data.test_labels)
    assert result.confusion.shape == (10, 10) and len(result.per_class_accuracy) == 10

    blob = save_checkpoint(trainer.model, trainer.config, own.classes)
    loaded_config, state, classes = load_checkpoint(blob, ClassifierConfig())
    assert loaded_config.num_classes == 10 and classes == own.classes
    assert [v for k, v in state.items() if k.endswith("weight")][-1].shape[0] == 10
    with pytest.raises(ClassifierError, match="between 2 and 10"):
        ClassifierTrainer(ClassifierConfig(num_classes=11), data)
