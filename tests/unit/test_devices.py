"""core.devices against torch itself."""

import pytest
import torch

from core.devices import DeviceError, available_devices, describe_device, resolve_device


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
