"""The SIGNS sets as downloadable zips in the course's layout: the exported script runs on them
as downloaded (unzipped into data/, no --data-dir), and the page's zip upload reads them back."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import torch

from core.signs import ClassifierConfig, export_script, load_signs_bytes, synthetic_signs
from core.signs.download import DATA_FOLDER, dataset_zip
from tests.unit.test_own_signs import filled

NAME = re.compile(r"^64x64_SIGNS/(train_signs|test_signs)/(\d)_IMG_(\d+)\.jpg$")


def run_exported_script(config: ClassifierConfig, blob: bytes, where: Path) -> str:
    """Unzip `blob` into where/data as a student would, write the exported script beside it and
    run it with its own defaults for the data (only the device and the weights' path are set)."""
    zipfile.ZipFile(io.BytesIO(blob)).extractall(where / "data")
    (where / "train_signs.py").write_text(export_script(config))
    out = subprocess.run(
        [sys.executable, "train_signs.py", "--device", "cpu", "--save", "w.pt"],
        capture_output=True,
        text=True,
        timeout=480,
        cwd=where,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert (where / "w.pt").is_file()
    return out.stdout


def test_the_built_in_zip_is_the_signs_layout_and_reads_back_as_the_same_set():
    signs = synthetic_signs(n_train=30, n_test=12, seed=3)
    blob = dataset_zip(signs)
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    pictures = [n for n in names if n.endswith(".jpg")]
    assert set(names) - set(pictures) == {f"{DATA_FOLDER}/classes.txt"}
    assert all(NAME.match(n) for n in pictures), pictures[:3]
    assert len(pictures) == 42 and len({NAME.match(n)[3] for n in pictures}) == 42  # ids unique

    back = load_signs_bytes(blob, "signs_built_in.zip")
    assert back.classes == signs.classes and not back.warnings
    assert len(back.train) == 30 and len(back.test) == 12
    originals = torch.cat([signs.train.images, signs.test.images]).float()  # ids 0..41
    for folder, read in [("train_signs", back.train), ("test_signs", back.test)]:
        ids = [int(NAME.match(n)[3]) for n in sorted(pictures) if f"/{folder}/" in n]
        assert read.labels.tolist() == [
            int(NAME.match(n)[2]) for n in sorted(pictures) if f"/{folder}/" in n
        ]
        assert (read.images.float() - originals[ids]).abs().mean() < 4  # JPEG q95: a few levels


def test_the_exported_script_runs_on_the_downloaded_built_in_set(tmp_path):
    blob = dataset_zip(synthetic_signs(n_train=48, n_test=12, seed=1))
    out = run_exported_script(ClassifierConfig(epochs=1, batch_size=16), blob, tmp_path)
    assert "epoch 1:" in out and "test loss" in out


def test_the_exported_script_runs_on_a_downloaded_own_signs_zip(tmp_path):
    own = filled([5, 5, 5], ["fist", "peace", "open"])
    out = run_exported_script(
        ClassifierConfig(epochs=1, batch_size=4, num_classes=3), own.to_zip(), tmp_path
    )
    assert "epoch 1:" in out and "test loss" in out
    weights = torch.load(tmp_path / "w.pt", weights_only=True)
    assert any(t.shape[0] == 3 for t in weights.values() if t.ndim == 2)  # three outputs
