"""core.signs.checkpoint: what a .pt file that does not load really is (from torch.load's own
exception and the file's first bytes), what data the weights were trained on, and the shipped
pretrained checkpoint (core.signs.pretrained), rebuilt from its seed."""

from __future__ import annotations

import io
import pickle
import zipfile
from collections import OrderedDict

import pytest
import torch
from torch import nn

from core.signs import ClassifierConfig, ClassifierError, build_model, evaluate, save_checkpoint
from core.signs.checkpoint import read_checkpoint, trainer_for
from core.signs.pretrained import (
    PRETRAINED_CONFIG,
    PRETRAINED_FILE,
    PRETRAINED_TRAINED_ON,
    build_pretrained,
    pretrained_checkpoint,
    pretrained_data,
)


def saved(obj, **options) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer, **options)
    return buffer.getvalue()


def a_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "no tensors here")
    return buffer.getvalue()


GOOD = saved(build_model("tinyvgg").state_dict())
CASES = {  # name -> (bytes, a piece of the sentence)
    "jpeg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100), "a JPEG picture, not PyTorch weights"),
    "png": (b"\x89PNG\r\n\x1a\n" + bytes(100), "a PNG picture, not PyTorch weights"),
    "text": (b"these are my weights, honest\n", "a text file, not PyTorch weights"),
    "random": (bytes(range(256)) * 4, "not a PyTorch file, not PyTorch weights"),
    "plain pickle": (pickle.dumps({"w": [1.0, 2.0]}), "not PyTorch weights"),
    "empty": (b"", "The file is empty"),
    "truncated": (GOOD[: len(GOOD) // 2], "The file is cut off"),
    "truncated old format": (
        saved(OrderedDict(w=torch.ones(3)), _use_new_zipfile_serialization=False)[:-20],
        "The file is cut off or damaged",
    ),
    "other zip": (a_zip(), "a zip archive, but not one PyTorch wrote"),
    "whole model": (
        saved(build_model("tinyvgg")),
        "holds a Python object other than tensors (a core.signs.models.TinyVGG)",
    ),
}


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")  # torch's, on the plain pickle
@pytest.mark.parametrize("name", list(CASES))
def test_a_file_that_does_not_load_is_named_for_what_it_is(name):
    blob, sentence = CASES[name]
    with pytest.raises(Exception) as raised:  # what torch itself makes of the file
        torch.load(io.BytesIO(blob), weights_only=True)
    with pytest.raises(ClassifierError) as ours:
        read_checkpoint(blob, ClassifierConfig(model="tinyvgg"))
    message = str(ours.value)
    assert sentence in message, (type(raised.value), message)
    if name != "whole model":  # only a real pickled object is "objects other than tensors"
        assert "other than tensors" not in message


def test_a_good_file_still_loads():
    checkpoint = read_checkpoint(GOOD, ClassifierConfig(model="tinyvgg"))
    assert checkpoint.trained_on == ""  # a bare state_dict does not say
    assert checkpoint.classes == [str(i) for i in range(6)]


def test_the_checkpoint_records_the_data_it_was_trained_on_and_its_classes():
    config = ClassifierConfig(model="tinyvgg", num_classes=3)
    model = build_model("tinyvgg", num_classes=3)
    blob = save_checkpoint(model, config, ["a", "b", "c"], trained_on="own/xyz/2/0.2")
    assert torch.load(io.BytesIO(blob), weights_only=True)["trained_on"] == "own/xyz/2/0.2"
    checkpoint = read_checkpoint(blob, ClassifierConfig())
    assert checkpoint.trained_on == "own/xyz/2/0.2" and checkpoint.classes == ["a", "b", "c"]
    for key, tensor in model.state_dict().items():
        assert torch.equal(checkpoint.state_dict[key], tensor)


# --------------------------------------------------------------------- the pretrained model


def test_the_shipped_pretrained_checkpoint_loads_safely_and_knows_its_data():
    blob = pretrained_checkpoint()
    assert 200_000 < len(blob) < 400_000  # a few hundred KB, in the repository
    raw = torch.load(io.BytesIO(blob), weights_only=True)  # tensors and strings only
    assert raw["trained_on"] == PRETRAINED_TRAINED_ON == "built-in/1080/120/0/0.2"
    checkpoint = read_checkpoint(blob, ClassifierConfig())
    assert checkpoint.config == PRETRAINED_CONFIG
    data = pretrained_data()
    trainer = trainer_for(checkpoint, data)
    result = evaluate(trainer.model, data.test_images, data.test_labels)
    assert result.accuracy > 0.85
    # it has what the eval/train lesson needs: batch norm and dropout
    kinds = {type(m).__name__ for m in trainer.model.modules()}
    assert {"BatchNorm2d", "BatchNorm1d", "Dropout"} <= kinds


@pytest.mark.slow
def test_rebuilding_the_pretrained_checkpoint_gives_the_same_tensors():
    """`python -m core.signs.pretrained` from its fixed seed: the same tensors as the file (on
    the build box the same bytes; another CPU may round the last bits differently)."""
    rebuilt = read_checkpoint(build_pretrained(), ClassifierConfig()).state_dict
    shipped = read_checkpoint(PRETRAINED_FILE.read_bytes(), ClassifierConfig()).state_dict
    assert list(rebuilt) == list(shipped)
    for key in shipped:
        torch.testing.assert_close(rebuilt[key], shipped[key], rtol=1e-4, atol=1e-5, msg=key)


def test_a_dataparallel_checkpoint_loses_its_module_prefix():
    model = build_model("tinyvgg")
    checkpoint = read_checkpoint(
        saved(nn.DataParallel(model).state_dict()), ClassifierConfig(model="tinyvgg")
    )
    assert set(checkpoint.state_dict) == set(model.state_dict())
