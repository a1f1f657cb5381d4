"""The exported SIGNS scripts: one device, nn.DataParallel, and DistributedDataParallel under
torchrun, each run for real on a small folder in the SIGNS layout; their weights load on the page."""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from PIL import Image

from core.parsing import parse, source_of
from core.signs import (
    CHECKPOINT_FORMAT,
    MODEL_CLASSES,
    MODEL_NAMES,
    ClassifierConfig,
    build_model,
    evaluate,
    export_script,
    load_checkpoint,
    load_signs,
    synthetic_signs,
    tensor_data,
    trainer_from_checkpoint,
)
from core.signs.export import script_parts
from core.signs.export_parallel import (
    SCRIPT_FILES,
    data_parallel_script,
    ddp_script,
    exported_scripts,
)

HAS_CUDA = torch.cuda.is_available()
EPOCH = re.compile(r"epoch (\d+): train loss ([\d.]+)")


@pytest.fixture(scope="module")
def signs_folder(tmp_path_factory) -> Path:
    """The built-in hands written in the SIGNS layout: 96 train and 24 test `{label}_IMG_{id}.jpg`,
    80×80 so that the scripts' Resize((64, 64)) has work to do."""
    root = tmp_path_factory.mktemp("signs")
    data = synthetic_signs(n_train=96, n_test=24, seed=1)
    for folder, dataset in [("train_signs", data.train), ("test_signs", data.test)]:
        (root / folder).mkdir()
        for i, (image, label) in enumerate(dataset):
            pixels = (image.permute(1, 2, 0) * 255).round().byte().numpy()
            Image.fromarray(pixels).resize((80, 80)).save(
                root / folder / f"{int(label)}_IMG_{i}.jpg"
            )
    return root


def run_script(command: list[str], folder: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Run an exported script (`command` up to its name) on `folder`; fail with its stderr."""
    out = subprocess.run(
        [*command, "--data-dir", str(folder), "--save", str(cwd / "w.pt")],
        capture_output=True,
        text=True,
        timeout=480,
        cwd=cwd,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def write_script(source: str, kind: str, where: Path) -> str:
    path = where / SCRIPT_FILES[kind]
    path.write_text(source)
    return str(path)


def page_loads(blob: bytes, folder: Path):
    """What the page's "Load weights" makes of `blob` (fallback: the MLP), and its test data."""
    data = tensor_data(load_signs(folder), val_fraction=0.2, seed=0)
    return trainer_from_checkpoint(blob, ClassifierConfig(model="mlp"), data), data


# ------------------------------------------------------------------------------- the sources


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_three_scripts_are_python_with_the_same_model_code(name):
    config = ClassifierConfig(model=name, rotation=10.0, color_jitter=0.2)
    scripts = exported_scripts(config)
    assert [s.kind for s in scripts] == ["single", "dp", "ddp"]
    assert [s.filename for s in scripts] == list(SCRIPT_FILES.values())
    body = script_parts(config).body
    for script in scripts:
        compile(script.source, script.filename, "exec")  # our own generated text, never user input
        assert body in script.source  # dataset, transforms, model class and loops: one template
        if name in MODEL_CLASSES:
            assert source_of(MODEL_CLASSES[name]) in script.source
        assert "model.eval()" in script.source and "torch.no_grad()" in script.source
        assert script.filename in script.command
    single, dp, ddp = (s.source for s in scripts)
    assert single == export_script(config)
    assert "class SIGNSDataset(Dataset)" in single and "nn.DataParallel" in single
    assert "--device" in single
    assert "nn.DataParallel(model.to(device), device_ids=device_ids)" in dp
    assert "CUDA_VISIBLE_DEVICES=2,3" in dp and "--device-ids" in dp
    for needle in [
        "torchrun --standalone --nproc_per_node=N",
        "--nnodes=M",
        "--rdzv-endpoint=HOST:29500",
        'dist.init_process_group("nccl" if device.type == "cuda" else "gloo")',
        "DistributedSampler(train_set",
        "sampler.set_epoch(epoch)",
        "DDP(model.to(device)",
        "if rank == 0:",
        "save_checkpoint(model.module, args)",
        "dist.destroy_process_group()",
    ]:
        assert needle in ddp, needle
    assert "save_checkpoint(model.module, args)" in dp
    assert f'"format": "{CHECKPOINT_FORMAT}"' in dp and f'"format": "{CHECKPOINT_FORMAT}"' in ddp


def test_the_parallel_scripts_carry_the_pages_settings():
    config = ClassifierConfig(model="tinyvgg", optimizer="sgd", lr=0.01, batch_size=16, epochs=3)
    for source in (data_parallel_script(config), ddp_script(config)):
        settings = re.search(r"^SETTINGS = (\{.*?^\})", source, re.S | re.M).group(1)
        assert ast.literal_eval(parse(settings, mode="eval")) == asdict(config)
        assert "torch.optim.SGD(model.parameters(), lr=args.lr" in source
        assert 'parser.add_argument("--batch-size", type=int, default=16)' in source


# ------------------------------------------------------------------------------ real runs


def test_single_device_script_trains_one_epoch_on_a_tiny_folder(tmp_path, signs_folder):
    script = write_script(
        export_script(ClassifierConfig(epochs=1, batch_size=8)), "single", tmp_path
    )
    out = run_script([sys.executable, script, "--device", "cpu"], signs_folder, tmp_path)
    assert "epoch 1:" in out.stdout and "test loss" in out.stdout
    config, state, _ = load_checkpoint((tmp_path / "w.pt").read_bytes(), ClassifierConfig())
    assert set(state) == set(build_model("signs_cnn").state_dict())


@pytest.mark.slow
def test_data_parallel_script_trains_and_the_page_loads_its_checkpoint(tmp_path, signs_folder):
    config = ClassifierConfig(epochs=1, batch_size=8)
    script = write_script(data_parallel_script(config), "dp", tmp_path)
    out = run_script([sys.executable, script], signs_folder, tmp_path)
    expected = "nn.DataParallel over GPUs" if HAS_CUDA else "No GPU here: nn.DataParallel runs"
    assert expected in out.stdout and "epoch 1:" in out.stdout
    blob = (tmp_path / "w.pt").read_bytes()
    saved = torch.load(io.BytesIO(blob), weights_only=True)
    assert saved["format"] == CHECKPOINT_FORMAT
    assert not any(key.startswith("module.") for key in saved["state_dict"])
    trainer, _ = page_loads(blob, signs_folder)
    assert trainer.config.model == "signs_cnn"  # read from the file, not the MLP fallback
    for key, tensor in trainer.model.state_dict().items():
        torch.testing.assert_close(tensor, saved["state_dict"][key])


def ddp_backends():
    yield pytest.param("cpu", id="gloo-on-cpu")
    yield pytest.param(
        "cuda",
        id="nccl-on-gpu",
        marks=[
            pytest.mark.gpu,
            pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine for nccl"),
        ],
    )


@pytest.mark.slow
@pytest.mark.parametrize("device", ddp_backends())
def test_ddp_script_under_torchrun_trains_on_two_ranks_and_the_page_loads_it(
    tmp_path, signs_folder, device
):
    """Two processes for two short epochs (48 images each per epoch): two epochs, so that the
    log holds two train losses to compare."""
    processes = 2 if device == "cpu" else min(2, torch.cuda.device_count())
    script = write_script(ddp_script(ClassifierConfig(epochs=2, batch_size=8)), "ddp", tmp_path)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command = [*torchrun, f"--nproc_per_node={processes}", script, "--device", device]
    out = run_script(command, signs_folder, tmp_path)

    backend = "gloo" if device == "cpu" else "nccl"
    assert f"DistributedDataParallel: {processes} processes ({backend})" in out.stdout
    for rank in range(processes):
        assert f"rank {rank} of {processes} finished" in out.stdout
    losses = [float(loss) for _, loss in EPOCH.findall(out.stdout)]
    assert len(losses) == 2, out.stdout  # rank 0 alone logs
    assert losses[1] < losses[0]

    blob = (tmp_path / "w.pt").read_bytes()
    saved = torch.load(io.BytesIO(blob), weights_only=True)
    assert saved["format"] == CHECKPOINT_FORMAT
    assert not any(key.startswith("module.") for key in saved["state_dict"])
    trainer, data = page_loads(blob, signs_folder)
    assert trainer.config.model == "signs_cnn" and trainer.config.epochs == 2
    script_test_loss = float(re.search(r"test loss ([\d.]+)", out.stdout).group(1))
    page = evaluate(trainer.model, data.test_images, data.test_labels)
    assert page.loss == pytest.approx(script_test_loss, abs=2e-3)


# ---------------------------------------------------------------- the class names they save


def script_namespace(source: str) -> dict:
    """The functions of a generated script (our own text, not user input), without running main."""
    namespace = {"__name__": "exported_script"}
    exec(compile(source, "train_signs_dp.py", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.mark.parametrize("make", [data_parallel_script, ddp_script], ids=["dp", "ddp"])
def test_the_parallel_scripts_save_the_real_class_names(make, tmp_path):
    from types import SimpleNamespace

    config = ClassifierConfig(model="tinyvgg", num_classes=4)
    names = ["fist", "one", "peace", "palm"]
    script = script_namespace(make(config, names))
    model = build_model("tinyvgg", num_classes=4)
    args = SimpleNamespace(epochs=1, batch_size=8, lr=0.01, seed=0, save=str(tmp_path / "w.pt"))
    args.data_dir = str(tmp_path)  # no classes.txt: the page's names at export time
    script["save_checkpoint"](model, args)
    _config, _state, classes = load_checkpoint((tmp_path / "w.pt").read_bytes(), config)
    assert classes == names
    (tmp_path / "classes.txt").write_text("a\nb\nc\nd\n", encoding="utf-8")  # the data's own names
    script["save_checkpoint"](model, args)
    assert load_checkpoint((tmp_path / "w.pt").read_bytes(), config)[2] == ["a", "b", "c", "d"]


def test_without_names_the_scripts_number_the_classes():
    source = data_parallel_script(ClassifierConfig(model="tinyvgg", num_classes=3))
    assert 'CLASSES = ["0", "1", "2"]' in source
    with pytest.raises(ValueError, match="2 class names were given for a model with 3"):
        data_parallel_script(ClassifierConfig(model="tinyvgg", num_classes=3), ["a", "b"])
