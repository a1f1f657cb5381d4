"""core.tensors.numpy_bridge and core.images against torch, numpy and torchvision themselves."""

import io

import numpy as np
import pytest
import torch
from PIL import Image

from core.images import ImageError, builtin_picture, read_upload, to_tensor
from core.tensors import numpy_bridge


def test_sharing_demo_shows_shared_memory_and_clone_breaks_it():
    demo = numpy_bridge.sharing_demo([1.0, 2.0, 3.0], 1, 50.0, 60.0)
    assert demo.tensor_after_write == [1.0, 50.0, 3.0] == demo.array_after_write
    assert demo.tensor_after_second_write == [1.0, 60.0, 3.0]
    assert demo.clone_after_second_write == [1.0, 50.0, 3.0]
    assert demo.same_memory
    with pytest.raises(ValueError, match="out of range"):
        numpy_bridge.sharing_demo([1.0], 3, 0, 0)


def test_from_numpy_shares():
    assert numpy_bridge.from_numpy_shares([1.0, 2.0])


def test_dtype_table_matches_numpy():
    table = numpy_bridge.dtype_table().set_index("torch")
    assert table.loc["torch.float32", "numpy"] == str(np.dtype(np.float32))
    assert table.loc["torch.int64", "numpy"] == "int64"
    assert "BFloat16" in table.loc["torch.bfloat16", "note"]


def test_item_and_numpy_reports_run_the_real_calls():
    assert numpy_bridge.item_report(torch.tensor([3.5])) == ("3.5", "")
    value, error = numpy_bridge.item_report(torch.ones(3))
    assert not value and "3 elements" in error and "x[0].item()" in error
    _, error = numpy_bridge.numpy_report(torch.ones(2, requires_grad=True))
    assert "detach" in error
    array, error = numpy_bridge.numpy_report(torch.ones(2))
    assert error == "" and isinstance(array, np.ndarray)


def test_gpu_error_is_real_when_a_gpu_exists():
    message, real = numpy_bridge.gpu_numpy_error()
    assert real is torch.cuda.is_available()
    assert "can't convert cuda:0 device type tensor to numpy" in message


def test_float16_rounding_matches_torch():
    report = numpy_bridge.float16_rounding(2049)
    assert report["float16"] == torch.tensor(2049, dtype=torch.float16).item() == 2048
    assert report["float16 spacing here"] == 2.0
    assert numpy_bridge.float16_rounding(70000)["overflow"]


def test_to_tensor_matches_torchvision():
    from torchvision.transforms import ToTensor

    picture = builtin_picture()
    assert torch.equal(to_tensor(picture), ToTensor()(picture))


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_read_upload_decodes_and_shrinks():
    picture = read_upload(_png(Image.new("RGB", (1000, 500), (10, 20, 30))))
    assert max(picture.size) <= 256 and picture.mode == "RGB"


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50])
def test_read_upload_refuses_broken_files(data):
    with pytest.raises(ImageError, match="PNG or JPEG"):
        read_upload(data)


def test_read_upload_refuses_decompression_bombs():
    bomb = _png(Image.new("1", (20_000, 20_000)))
    with pytest.raises(ImageError):
        read_upload(bomb)


def test_gpu_bridge_runs_the_cpu_fix_for_real():
    report = numpy_bridge.gpu_bridge()
    z = torch.tensor([1.0, 2.0, 3.0]) + torch.tensor([10.0, 20.0, 30.0])
    assert list(report.fixed) == z.cpu().numpy().tolist()
    assert report.fixed_dtype == str(z.numpy().dtype) and report.fixed_shape == tuple(z.shape)
    assert report.raised is torch.cuda.is_available()
    assert "can't convert cuda:0 device type tensor to numpy" in report.error
    cpu = numpy_bridge.gpu_bridge("cpu")  # on the CPU .numpy() works and .cpu() copies nothing
    assert cpu.direct == cpu.fixed and not cpu.copied and not cpu.raised


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU; this server has none")
def test_gpu_bridge_raises_for_real_on_a_gpu():
    report = numpy_bridge.gpu_bridge("cuda:0")
    assert report.raised and report.direct is None and report.copied
    assert report.error.startswith("TypeError: can't convert cuda:0 device type tensor to numpy")
    assert report.fixed == (11.0, 22.0, 33.0)


@pytest.mark.parametrize(
    "tensor",
    [torch.ones(2, requires_grad=True), torch.tensor([1.5, 2.5], dtype=torch.bfloat16)],
)
def test_fixed_numpy_works_where_numpy_refuses(tensor):
    _, error = numpy_bridge.numpy_report(tensor)
    assert error
    assert numpy_bridge.fixed_numpy(tensor).tolist() == tensor.detach().float().tolist()
