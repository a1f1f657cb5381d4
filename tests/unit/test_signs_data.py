"""core.signs_data: the built-in hands, the readers of the real SIGNS layouts, hostile input."""

import io
import struct
import zipfile
import zlib

import h5py
import numpy as np
import pytest
import torch
from PIL import Image

from core import images
from core.signs import entries, h5
from core.signs_data import (
    SignsData,
    SignsDataError,
    draw_hands,
    load_signs,
    load_signs_bytes,
    load_signs_files,
    synthetic_signs,
)

# ---- fixtures: tiny SIGNS sets made here --------------------------------------------------


def jpeg_bytes(label: int, size=(80, 60), seed=0) -> bytes:
    """A JPEG whose colour depends on its label, so we can check labels follow the pictures."""
    rng = np.random.default_rng(seed)
    array = np.full((size[1], size[0], 3), 40 * label, dtype=np.uint8)
    array[::7] = rng.integers(0, 255, (len(array[::7]), size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def signs_files(per_class_train=2, per_class_test=1, prefix="") -> dict[str, bytes]:
    files = {}
    for label in range(6):
        for i in range(per_class_train):
            files[f"{prefix}train_signs/{label}_IMG_{100 + 10 * label + i}.jpg"] = jpeg_bytes(
                label, seed=i
            )
        for i in range(per_class_test):
            files[f"{prefix}test_signs/{label}_IMG_{900 + 10 * label + i}.jpg"] = jpeg_bytes(
                label, seed=50 + i
            )
    return files


def write_folder(root, files):
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def zip_bytes(files: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def h5_bytes(split: str, n: int, size=64, seed=0, **overrides) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5[f"{split}_set_x"] = overrides.get(
            "x", rng.integers(0, 256, (n, size, size, 3), dtype=np.uint8)
        )
        h5[f"{split}_set_y"] = overrides.get("y", np.arange(n) % 6)
        h5["list_classes"] = np.arange(6)
    return buffer.getvalue()


def expected_pixels(blob: bytes) -> torch.Tensor:
    """What the course's build_dataset.py makes of a file: PIL open, bilinear resize to 64x64."""
    picture = Image.open(io.BytesIO(blob)).convert("RGB").resize((64, 64), Image.BILINEAR)
    return torch.from_numpy(np.asarray(picture).copy()).permute(2, 0, 1)


def assert_signs_data(data: SignsData, n_train: int, n_test: int):
    assert isinstance(data, SignsData)
    assert len(data.train) == n_train and len(data.test) == n_test
    for dataset in (data.train, data.test):
        assert dataset.images.dtype == torch.uint8 and dataset.images.shape[1:] == (3, 64, 64)
        assert dataset.labels.dtype == torch.int64
        image, label = dataset[0]
        assert image.dtype == torch.float32 and image.shape == (3, 64, 64)
        assert image.min() >= 0 and image.max() <= 1
        assert isinstance(label, int) and 0 <= label <= 5
    assert data.classes == ("0", "1", "2", "3", "4", "5")


# ---- built-in hands ------------------------------------------------------------------------


def test_synthetic_shapes_ranges_and_balance():
    data = synthetic_signs(n_train=60, n_test=14, seed=3)
    assert_signs_data(data, 60, 14)
    assert data.train.class_counts() == [10] * 6
    assert max(data.test.class_counts()) - min(data.test.class_counts()) <= 1
    assert data.warnings == () and "seed 3" in data.source
    assert len(synthetic_signs(np.int64(6), np.int64(6)).train) == 6  # NumPy whole numbers too
    floats = data.train.float_images()
    assert floats.shape == (60, 3, 64, 64) and torch.equal(floats, data.train.images.float() / 255)
    # Labels are shuffled, not sorted by class.
    assert not torch.equal(data.train.labels, data.train.labels.sort().values)


def test_synthetic_is_deterministic_per_seed():
    first, again, other = (
        synthetic_signs(24, 12, 1),
        synthetic_signs(24, 12, 1),
        synthetic_signs(24, 12, 2),
    )
    assert torch.equal(first.train.images, again.train.images)
    assert torch.equal(first.test.labels, again.test.labels)
    assert not torch.equal(first.train.images, other.train.images)
    # The test set does not move when only the training size does.
    assert torch.equal(synthetic_signs(30, 12, 1).test.images, first.test.images)


def test_synthetic_pictures_are_varied_and_not_blank():
    images = synthetic_signs(36, 6, 0).train.images.float()
    assert images.std(dim=(1, 2, 3)).min() > 5  # every picture has content
    assert (images[0] - images[1]).abs().mean() > 5  # two pictures differ


def test_draw_hands_follows_labels_and_refuses_bad_ones():
    hands = draw_hands([5, 0, 3], seed=4)
    assert hands.shape == (3, 3, 64, 64) and hands.dtype == torch.uint8
    assert torch.equal(hands, draw_hands([5, 0, 3], seed=4))
    assert draw_hands([], seed=0).shape == (0, 3, 64, 64)
    with pytest.raises(SignsDataError, match="0 to 5"):
        draw_hands([6])


def test_more_raised_fingers_cover_more_of_the_picture_above_the_palm():
    # Averaged over many pictures, an open hand differs from its background above the palm more
    # than a fist does: the fingers really are drawn.
    fists = draw_hands([0] * 30, seed=1).float()
    open_hands = draw_hands([5] * 30, seed=1).float()

    def top_contrast(images):
        top = images[:, :, :20]
        return (top - top.mean(dim=(2, 3), keepdim=True)).abs().mean()

    assert top_contrast(open_hands) > top_contrast(fists)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_synthetic_refuses_bad_sizes(bad):
    with pytest.raises(SignsDataError, match="at least 1"):
        synthetic_signs(n_train=bad)


def test_synthetic_refuses_huge_sets():
    with pytest.raises(SignsDataError, match="at most"):
        synthetic_signs(n_train=10**7)


# ---- folder / zip / h5 readers ------------------------------------------------------------


def test_load_folder_reads_labels_and_resizes_like_build_dataset(tmp_path):
    files = signs_files()
    data = load_signs(write_folder(tmp_path / "SIGNS", files))
    assert_signs_data(data, 12, 6)
    assert data.train.class_counts() == [2] * 6 and data.test.class_counts() == [1] * 6
    assert data.warnings == () and data.val is None and "JPEG" in data.source
    name = "train_signs/3_IMG_130.jpg"
    index = sorted(n for n in files if n.startswith("train")).index(name)
    assert data.train.labels[index] == 3
    assert torch.equal(data.train.images[index], expected_pixels(files[name]))


def test_load_folder_one_level_down_prefers_the_64x64_copy(tmp_path):
    write_folder(tmp_path, signs_files(prefix="SIGNS/"))
    write_folder(tmp_path, signs_files(per_class_train=1, prefix="64x64_SIGNS/"))
    data = load_signs(tmp_path)
    assert len(data.train) == 6 and any("64x64_SIGNS" in note for note in data.warnings)


def test_load_folder_with_dev_signs_gives_val(tmp_path):
    files = signs_files()
    files.update(
        {f"dev_signs/{label}_IMG_{500 + label}.jpg": jpeg_bytes(label) for label in range(6)}
    )
    data = load_signs(write_folder(tmp_path, files))
    assert data.val is not None and data.val.class_counts() == [1] * 6


def test_load_zip_in_memory_with_a_top_folder(tmp_path):
    data = load_signs_bytes(zip_bytes(signs_files(prefix="SIGNS/")), "SIGNS.zip")
    assert_signs_data(data, 12, 6)
    assert "SIGNS.zip" in data.source
    path = tmp_path / "signs.zip"
    path.write_bytes(zip_bytes(signs_files()))
    assert torch.equal(load_signs(path).train.images, data.train.images)
    assert list(tmp_path.iterdir()) == [path]  # nothing was extracted


def test_load_h5_pair_from_folder_zip_and_uploads(tmp_path):
    train, test = h5_bytes("train", 12, seed=1), h5_bytes("test", 6, seed=2)
    write_folder(tmp_path, {"train_signs.h5": train, "test_signs.h5": test})
    data = load_signs(tmp_path)
    assert_signs_data(data, 12, 6)
    with h5py.File(tmp_path / "train_signs.h5", "r") as h5:
        assert torch.equal(
            data.train.images, torch.from_numpy(h5["train_set_x"][()]).permute(0, 3, 1, 2)
        )
        assert data.train.labels.tolist() == h5["train_set_y"][()].tolist()
    assert "h5" in data.source
    zipped = load_signs_bytes(
        zip_bytes({"signs/train_signs.h5": train, "signs/test_signs.h5": test}), "h5.zip"
    )
    assert torch.equal(zipped.test.images, data.test.images)
    uploaded = load_signs_files({"train_signs.h5": train, "test_signs.h5": test})
    assert torch.equal(uploaded.train.images, data.train.images)
    assert torch.equal(load_signs(tmp_path / "test_signs.h5").test.images, data.test.images)


def test_h5_of_another_size_is_resized(tmp_path):
    write_folder(
        tmp_path,
        {
            "train_signs.h5": h5_bytes("train", 6, size=32),
            "test_signs.h5": h5_bytes("test", 6, size=32),
        },
    )
    assert load_signs(tmp_path).train.images.shape == (6, 3, 64, 64)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"x": np.zeros((6, 64, 64), dtype=np.uint8)}, "not N x H x W x 3"),
        ({"y": np.arange(6) + 3}, "labels outside 0-5"),
        ({"y": np.arange(5)}, "5 labels"),
        ({"x": np.zeros((6, 64, 64, 3), dtype=np.float32)}, "not 8-bit"),
    ],
)
def test_bad_h5_contents_get_a_sentence(tmp_path, overrides, message):
    write_folder(
        tmp_path,
        {"train_signs.h5": h5_bytes("train", 6, **overrides), "test_signs.h5": h5_bytes("test", 6)},
    )
    with pytest.raises(SignsDataError, match=message):
        load_signs(tmp_path)


def test_h5_pointing_outside_the_file_is_refused(tmp_path):
    secret = tmp_path / "secret.bin"
    secret.write_bytes(b"x" * (6 * 64 * 64 * 3))
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.create_dataset(
            "train_set_x",
            shape=(6, 64, 64, 3),
            dtype=np.uint8,
            external=[(str(secret), 0, h5py.h5f.UNLIMITED)],
        )
        h5["train_set_y"] = np.arange(6)
    with pytest.raises(SignsDataError, match="outside the file"):
        load_signs_files(
            {"train_signs.h5": buffer.getvalue(), "test_signs.h5": h5_bytes("test", 6)}
        )
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5["train_set_x"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "/x")
        h5["train_set_y"] = np.arange(6)
    with pytest.raises(SignsDataError, match="somewhere else"):
        load_signs_files(
            {"train_signs.h5": buffer.getvalue(), "test_signs.h5": h5_bytes("test", 6)}
        )


def test_h5_too_big_once_read_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(h5, "MAX_H5_ARRAY_BYTES", 6 * 64 * 64 * 3 - 1)
    write_folder(
        tmp_path, {"train_signs.h5": h5_bytes("train", 6), "test_signs.h5": h5_bytes("test", 6)}
    )
    with pytest.raises(SignsDataError, match="MB allowed"):
        load_signs(tmp_path)


def test_only_one_h5_file_gets_a_sentence(tmp_path):
    write_folder(tmp_path, {"train_signs.h5": h5_bytes("train", 6)})
    with pytest.raises(SignsDataError, match="add test_signs.h5"):
        load_signs(tmp_path)
    with pytest.raises(SignsDataError, match="single .h5"):
        load_signs_bytes(h5_bytes("train", 6), "train_signs.h5")


def test_not_an_h5_file_gets_a_sentence():
    with pytest.raises(SignsDataError, match="not a readable HDF5"):
        load_signs_files(
            {
                "train_signs.h5": b"\x89HDF\r\n\x1a\n" + b"junk" * 50,
                "test_signs.h5": h5_bytes("test", 6),
            }
        )


# ---- broken and hostile input --------------------------------------------------------------


def test_broken_jpeg_and_unlabelled_files_are_skipped_and_counted():
    files = signs_files()
    files["train_signs/2_IMG_999.jpg"] = jpeg_bytes(2)[:200]  # truncated
    files["train_signs/4_IMG_998.jpg"] = b"not a picture at all"
    files["train_signs/IMG_0001.jpg"] = jpeg_bytes(1)
    files["train_signs/7_IMG_5.jpg"] = jpeg_bytes(1)
    files["train_signs/notes.txt"] = b"hello"
    files["__MACOSX/train_signs/._0_IMG_100.jpg"] = b"resource fork"
    data = load_signs_bytes(zip_bytes(files), "broken.zip")
    assert len(data.train) == 12
    text = " ".join(data.warnings)
    assert "2 image file(s) could not be decoded" in text
    assert "1 image file(s) have no label" in text and "IMG_0001.jpg" in text
    assert "outside 0-5" in text


def lying_zip(real: bytes, declared: int) -> bytes:
    """A zip whose directory declares `declared` bytes for an entry that inflates to more."""
    raw = zip_bytes({"train_signs/0_IMG_1.jpg": real})
    directory = raw.rfind(b"PK\x01\x02")
    local = raw.find(b"PK\x03\x04")
    patched = bytearray(raw)
    struct.pack_into(
        "<I", patched, directory + 24, declared
    )  # central directory: uncompressed size
    struct.pack_into("<I", patched, local + 22, declared)  # local header: uncompressed size
    return bytes(patched)


def test_zip_bombs_are_refused_from_the_directory_without_inflating(monkeypatch):
    ratio_bomb = zip_bytes({"train_signs/0_IMG_1.jpg": b"\0" * (4 * 2**20)})  # 4 MB -> ~4 KB
    declared_bomb = lying_zip(b"tiny", declared=0xFFFF0000)  # the directory claims 4 GB
    stored = zip_bytes({"a.jpg": b"x" * (2**20 + 1)}, zipfile.ZIP_STORED)

    def refuse_to_open(*args, **kwargs):
        pytest.fail("an entry was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse_to_open)
    with pytest.raises(SignsDataError, match="zip bomb"):
        load_signs_bytes(ratio_bomb, "bomb.zip")
    with pytest.raises(SignsDataError, match="would unpack to 4,096 MB"):
        load_signs_bytes(declared_bomb, "declared.zip")
    monkeypatch.setattr(entries, "MAX_ZIP_TOTAL_BYTES", 2**20)
    with pytest.raises(SignsDataError, match="would unpack to"):
        load_signs_bytes(stored, "big.zip")


def test_zip_with_too_many_entries_is_refused(monkeypatch):
    monkeypatch.setattr(entries, "MAX_ZIP_ENTRIES", 50)
    files = {f"train_signs/0_IMG_{i}.jpg": b"" for i in range(51)}
    with pytest.raises(SignsDataError, match="51 entries"):
        load_signs_bytes(zip_bytes(files), "many.zip")


def test_zip_with_lying_sizes_reads_no_more_than_declared():
    blob = lying_zip(b"\0" * 300_000, declared=1000)
    (entry,) = entries.zip_entries(blob, "lying.zip")
    assert entry.size == 1000
    with pytest.raises(entries.Unreadable):
        entry.read()
    with pytest.raises(SignsDataError, match="could not be decoded"):
        load_signs_bytes(blob, "lying.zip")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "/etc/passwd",
        "..\\..\\windows\\evil.jpg",
        "train_signs/../../0_IMG_1.jpg",
    ],
)
def test_path_traversal_names_never_touch_the_filesystem(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    files = signs_files()
    files[name] = jpeg_bytes(0)
    before = sorted(p for p in tmp_path.rglob("*"))
    data = load_signs_bytes(zip_bytes(files), "traversal.zip")
    assert len(data.train) in (12, 13)
    assert sorted(p for p in tmp_path.rglob("*")) == before


def test_not_a_zip_and_an_empty_zip_get_sentences():
    with pytest.raises(SignsDataError, match="not a .zip file"):
        load_signs_bytes(b"hello, I am a text file", "notes.txt")
    with pytest.raises(SignsDataError, match="not a readable .zip"):
        load_signs_bytes(b"PK\x03\x04 garbage that is not a zip", "fake.zip")
    with pytest.raises(SignsDataError, match="No train_signs/"):
        load_signs_bytes(zip_bytes({}), "empty.zip")
    with pytest.raises(SignsDataError, match="No file"):
        load_signs_files({})


def test_missing_test_folder_and_missing_path_get_sentences(tmp_path):
    files = {k: v for k, v in signs_files().items() if k.startswith("train")}
    with pytest.raises(SignsDataError, match="test_signs/"):
        load_signs_bytes(zip_bytes(files), "half.zip")
    with pytest.raises(SignsDataError, match="no file or folder"):
        load_signs(tmp_path / "nowhere")


def test_decompression_bomb_image_is_skipped_from_its_header(monkeypatch):
    monkeypatch.setattr(images, "MAX_PIXELS", 10_000)
    files = signs_files()
    files["train_signs/1_IMG_777.png"] = png_bytes(200, 200)
    data = load_signs_bytes(zip_bytes(files), "bomb.zip")
    assert "too large" in " ".join(data.warnings) and len(data.train) == 12


def png_bytes(width, height) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_png_header_claiming_huge_size_is_skipped_before_decoding():
    # A PNG whose header claims 100,000 x 100,000 pixels but holds almost no data.
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    png = (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )
    files = signs_files()
    files["train_signs/1_IMG_778.png"] = png + b"\0" * 20
    data = load_signs_bytes(zip_bytes(files), "huge.zip")
    assert len(data.train) == 12 and "could not be decoded" in " ".join(data.warnings)


# ---- big pictures refused from their headers, before any decoding -----------------------------


def _spy_on_decoding(monkeypatch) -> list:
    """Record every real decode: PIL's ImageFile.load and the SIGNS decoder itself."""
    from PIL import ImageFile

    from core.signs import folders

    calls = []
    real_load, real_decode = ImageFile.ImageFile.load, folders.decode_signs_image

    def load(self, *args, **kwargs):
        calls.append(("load", self.size))
        return real_load(self, *args, **kwargs)

    def decode(*args, **kwargs):
        calls.append(("decode_signs_image",))
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    monkeypatch.setattr(folders, "decode_signs_image", decode)
    return calls


def _big_png_zip(side: int, count: int = 60) -> bytes:
    picture = png_bytes(side, side)  # one real PNG, repeated under many names
    files = {f"train_signs/{i % 6}_IMG_{i}.png": picture for i in range(count)}
    files.update({f"test_signs/{i % 6}_IMG_{1000 + i}.png": picture for i in range(6)})
    return zip_bytes(files)


def test_a_zip_of_huge_pngs_is_refused_from_the_headers_without_decoding(monkeypatch):
    from core.signs.pictures import MAX_PICTURE_PIXELS

    data = _big_png_zip(6000)  # the upload: 60 PNGs of 6000x6000 in a few MB
    assert len(data) < 4 * 2**20 and MAX_PICTURE_PIXELS < 6000 * 6000
    calls = _spy_on_decoding(monkeypatch)
    with pytest.raises(SignsDataError, match="6000x6000 pixels is too large"):
        load_signs_bytes(data, "huge.zip")
    assert calls == []


def test_an_upload_over_the_total_pixel_budget_is_refused_before_any_decoding(monkeypatch):
    from core.signs.pictures import MAX_PICTURE_PIXELS, MAX_UPLOAD_PIXELS

    side = 3000  # each picture under the per-picture cap, all 66 together over the budget
    assert side * side <= MAX_PICTURE_PIXELS and 66 * side * side > MAX_UPLOAD_PIXELS
    data = _big_png_zip(side)
    calls = _spy_on_decoding(monkeypatch)
    with pytest.raises(SignsDataError, match="nothing was decoded"):
        load_signs_bytes(data, "big.zip")
    assert calls == []


def test_pictures_within_the_budget_are_still_decoded(monkeypatch):
    calls = _spy_on_decoding(monkeypatch)
    data = load_signs_bytes(zip_bytes(signs_files()), "small.zip")
    assert len(data.train) == 12 and len(data.test) == 6
    assert sum(1 for call in calls if call[0] == "decode_signs_image") == 18
