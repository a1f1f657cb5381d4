"""A student builds a tensor, reshapes it, breaks a view, and looks at the NumPy and image tabs."""

from playwright.sync_api import expect


def test_student_builds_and_reshapes(visit, settle, shot):
    page = visit("tensors")
    expect(page.get_by_role("heading", name="Tensor inspector")).to_be_visible()
    expect(
        page.get_by_text("x = torch.arange(0.0, 12.0, 1.0, dtype=torch.float32)").first
    ).to_be_visible()
    shot("tensors_start")

    # view(3, 4): add the step with the default operation.
    page.get_by_label("new shape, e.g. 3, -1").fill("3, 4")
    page.get_by_label("new shape, e.g. 3, -1").press("Enter")
    settle()
    page.get_by_role("button", name="Add step").click()
    settle()
    expect(page.get_by_text("x = x.view(3, 4)").first).to_be_visible()
    expect(page.get_by_text("(3, 4)").first).to_be_visible()
    shot("tensors_view")

    # An impossible view gets a sentence, and the pipeline stays as it was.
    page.get_by_label("new shape, e.g. 3, -1").fill("5, 5")
    page.get_by_label("new shape, e.g. 3, -1").press("Enter")
    settle()
    page.get_by_role("button", name="Add step").click()
    settle()
    expect(page.get_by_text("That step was not added").first).to_be_visible()
    expect(page.get_by_text("x = x.view(3, 4)").first).to_be_visible()
    shot("tensors_bad_view")


def test_student_loads_broadcast_preset(visit, settle, shot):
    page = visit("tensors")
    page.get_by_test_id("stSelectbox").filter(has_text="preset").click()
    page.get_by_role("option", name="broadcast a column with a row").click()
    settle()
    page.get_by_role("button", name="Load preset").click()
    settle()
    expect(page.get_by_text("Broadcast:").first).to_be_visible()
    expect(page.get_by_text("(3, 4)").first).to_be_visible()
    shot("tensors_broadcast")


def test_numpy_bridge_and_image_tabs(visit, settle, shot):
    page = visit("tensors")
    page.get_by_role("tab", name="NumPy bridge").click()
    settle()
    expect(page.get_by_text("share memory").first).to_be_visible()
    expect(
        page.get_by_text("can't convert cuda:0 device type tensor to numpy").first
    ).to_be_visible()
    expect(page.get_by_text("2048").first).to_be_visible()
    shot("tensors_numpy")
    page.get_by_role("tab", name="Image as tensor").click()
    settle()
    expect(page.get_by_text("x[0] — red").first).to_be_visible()
    shot("tensors_image")


def test_broken_image_upload_gets_a_sentence(visit, settle, shot, tmp_path):
    page = visit("tensors")
    page.get_by_role("tab", name="Image as tensor").click()
    settle()
    page.get_by_text("upload my own").click()
    settle()
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\nthis is not really a picture")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(broken))
    settle()
    expect(page.get_by_text("could not be decoded as a picture").first).to_be_visible()
    expect(page.get_by_text("x[0] — red").first).to_be_visible()
    shot("tensors_broken_upload")
