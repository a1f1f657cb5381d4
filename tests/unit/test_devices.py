"""core.devices against torch itself."""

from types import SimpleNamespace

import pytest
import torch

from core.devices import (
    EXAMPLE_GPUS,
    DeviceError,
    available_devices,
    describe_device,
    list_gpus,
    resolve_device,
    several_gpus_code,
)


def test_cpu_first_and_gpus_match_torch():
    names = available_devices()
    assert names[0] == "cpu"
    cuda = [n for n in names if n.startswith("cuda")]
    assert len(cuda) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)


def test_resolve_every_listed_device():
    for name in available_devices():
        assert resolve_device(name) == torch.device(name)
        assert name.split(":")[0] in describe_device(name)


@pytest.mark.parametrize("name", ["banana", "", "cuda:x", "cpu:0:1"])
def test_nonsense_names_get_a_sentence(name):
    with pytest.raises(DeviceError, match="Pick one of"):
        resolve_device(name)


def test_missing_gpu_gets_a_sentence():
    index = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(DeviceError, match="not available on this server"):
        resolve_device(f"cuda:{index}")


def test_device_error_is_a_value_error():
    assert issubclass(DeviceError, ValueError)


# ---------------------------------------------- GPUs as torch.cuda reports them (faked here)

FAKE = [
    ("NVIDIA H100 80GB HBM3", 80 * 2**30),
    ("NVIDIA H100 80GB HBM3", 80 * 2**30),
    ("Tesla T4", 15 * 2**30),
]


def fake_cuda(monkeypatch, gpus):
    """torch.cuda as a server with these GPUs reports it (name, total memory)."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: bool(gpus))
    monkeypatch.setattr(torch.cuda, "device_count", lambda: len(gpus))

    def properties(device):
        index = device if isinstance(device, int) else torch.device(device).index
        name, memory = gpus[index]
        return SimpleNamespace(name=name, total_memory=memory)

    monkeypatch.setattr(torch.cuda, "get_device_properties", properties)


def test_every_gpu_is_listed_with_its_name_and_memory(monkeypatch):
    fake_cuda(monkeypatch, FAKE)
    gpus = list_gpus()
    assert [g.device for g in gpus] == ["cuda:0", "cuda:1", "cuda:2"]
    assert gpus[2].label == "cuda:2 — Tesla T4 (15 GB)"
    assert available_devices()[:4] == ["cpu", "cuda:0", "cuda:1", "cuda:2"]
    assert describe_device("cuda:0") == "cuda:0 — NVIDIA H100 80GB HBM3 (80 GB)"


def test_the_picker_offers_each_gpu_and_all_of_them_with_data_parallel(monkeypatch):
    from ui.device_picker import device_choices

    fake_cuda(monkeypatch, FAKE)
    choices = device_choices("all GPUs")
    assert list(choices)[:4] == ["cpu", "cuda:0", "cuda:1", "cuda:2"]
    assert choices["cuda:2"] == "cuda:2 — Tesla T4 (15 GB)"
    assert choices["all GPUs"] == "all 3 GPUs (nn.DataParallel)"
    fake_cuda(monkeypatch, FAKE[:1])
    assert "all GPUs" not in device_choices("all GPUs")  # one GPU: nothing to split over


def test_without_gpus_the_picker_shows_what_two_would_offer(monkeypatch):
    from ui.device_picker import device_choices

    fake_cuda(monkeypatch, [])
    assert list_gpus() == [] and list(device_choices("all GPUs")) == ["cpu"]
    example = device_choices("all GPUs", list(EXAMPLE_GPUS))
    assert list(example)[:3] == ["cpu", "cuda:0", "cuda:1"]
    assert example["all GPUs"] == "all 2 GPUs (nn.DataParallel)"


def test_the_three_ways_name_these_gpus(monkeypatch):
    fake_cuda(monkeypatch, FAKE)
    code = several_gpus_code(list_gpus())
    one, parallel, visible = code.values()
    assert 'torch.device("cuda:2")' in one
    assert "nn.DataParallel(model, device_ids=[0, 1, 2])" in parallel
    assert "CUDA_VISIBLE_DEVICES=2,0 python" in visible
    single = several_gpus_code([list_gpus()[0]])
    assert (
        "CUDA_VISIBLE_DEVICES=0 python" in single["CUDA_VISIBLE_DEVICES picks what a process sees"]
    )
    assert (
        "device_ids=[0, 1]" in several_gpus_code([])["All GPUs with nn.DataParallel"]
    )  # the example


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
def test_real_gpus_are_listed_as_torch_reports_them():
    gpus = list_gpus()
    assert len(gpus) == torch.cuda.device_count()
    for gpu in gpus:
        props = torch.cuda.get_device_properties(gpu.index)
        assert gpu.name == props.name and gpu.memory_bytes == props.total_memory
        assert describe_device(gpu.device) == gpu.label
