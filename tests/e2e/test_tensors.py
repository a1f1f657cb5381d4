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


def test_a_wrong_file_type_on_the_image_uploader_gets_a_sentence(visit, settle, shot, tmp_path):
    page = visit("tensors?tns_tab=image")
    page.get_by_text("upload my own").click()
    settle()
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3 not a picture")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(notes))
    settle()
    expect(page.get_by_text("could not be decoded as a picture").first).to_be_visible()
    shot("tensors_wrong_file_type")


def test_a_new_constructor_then_a_click_keeps_the_page_working(visit, settle, shot):
    page = visit("tensors")
    page.get_by_role("button", name="Add step").click()  # view(3, -1)
    settle()
    picker = page.get_by_test_id("stSelectbox").filter(has_text="inspect the tensor after")
    picker.click()
    page.get_by_role("option", name="0: x = torch.arange").click()
    settle()
    page.get_by_test_id("stSelectbox").filter(has_text="constructor").click()
    page.get_by_role("option", name="zeros", exact=True).click()
    settle()
    page.get_by_test_id("stCheckbox").filter(has_text="requires_grad").click()  # any click
    settle()
    expect(
        page.get_by_text("x = torch.zeros(2, 3, dtype=torch.float32, requires_grad=True)").first
    ).to_be_visible()
    shot("tensors_new_constructor")


def test_the_view_preset_shows_the_error_then_the_fix(visit, settle, shot):
    page = visit(
        "tensors?tns_tab=build&tns_preset=view+needs+contiguous+memory&lesson=tensor-views"
    )
    expect(page.get_by_text("view size is not compatible").first).to_be_visible()
    expect(page.get_by_text("this step failed").first).to_be_visible()
    shot("tensors_view_error")
    page.get_by_role("button", name="Fix: insert x.contiguous() before step 3").click()
    settle()
    expect(page.get_by_text("view size is not compatible")).to_have_count(0)
    expect(page.get_by_text("x = x.contiguous()").first).to_be_visible()
    shot("tensors_view_fixed")


def test_every_tensor_lesson_link_opens_with_its_idea_on_screen(visit, settle, shot):
    from ui.lessons.tensors import LESSONS

    for lesson in LESSONS:
        page = visit(lesson.url)
        proof = page.get_by_text(lesson.proof).first
        expect(proof).to_be_visible()
        proof.scroll_into_view_if_needed()
        settle()
        shot(f"tensors_lesson_{lesson.key}")
    for lesson in LESSONS[:1] + LESSONS[-1:]:
        page = visit(lesson.url + "&lecture=1")
        proof = page.get_by_text(lesson.proof).first
        expect(proof).to_be_visible()
        proof.scroll_into_view_if_needed()
        settle()
        shot(f"tensors_lesson_lecture_{lesson.key}")


def test_the_gpu_error_is_not_cut_off_and_the_fix_ran(visit, settle, shot, axe):
    page = visit("tensors?tns_tab=numpy")
    box = page.locator("[data-testid=stCode]").filter(has_text="TypeError: can't convert cuda:0")
    expect(box.first).to_be_visible()
    widths = box.first.locator("pre").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths  # wrapped: nothing hidden to the right
    fix = page.get_by_text("array([11.0, 22.0, 33.0], dtype=float32)").first
    expect(fix).to_be_visible()
    fix.scroll_into_view_if_needed()
    shot("tensors_numpy_gpu")
    axe("tensors_numpy_tab")


def test_regression_and_table_tabs(visit, settle, shot, axe, tmp_path):
    page = visit("tensors?tns_tab=regression")
    expect(page.get_by_text("agree at every one of the 10 steps").first).to_be_visible()
    page.get_by_role("button", name="Step both").click()
    settle()
    expect(page.get_by_text("agree at every one of the 11 steps").first).to_be_visible()
    shot("tensors_regression")
    expect(page.get_by_text("Loss per step, NumPy by hand and autograd").first).to_be_visible()
    page.get_by_text("Loss per step as a table").first.scroll_into_view_if_needed()
    settle()
    shot("tensors_regression_chart")
    axe("tensors_regression")
    page.get_by_role("tab", name="Table as tensor").click()
    settle()
    steps = page.get_by_text("t = torch.from_numpy(a)").first
    expect(steps).to_be_visible()
    steps.scroll_into_view_if_needed()
    shot("tensors_table")
    axe("tensors_table")
    page.get_by_text("upload a CSV").click()
    settle()
    ragged = tmp_path / "ragged.csv"
    ragged.write_bytes(b"a,b,c\n1,2,3\n4,5\n")
    page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(ragged))
    settle()
    expect(page.get_by_text("Row 3 of the file has 2 values").first).to_be_visible()
    shot("tensors_table_ragged")
