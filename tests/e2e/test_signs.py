"""A student opens the SIGNS page, trains the MLP for an epoch, reads the results, and uploads a
broken zip."""

from playwright.sync_api import expect

from harness import wait_for_script


def open_signs(page, app_url):
    """Open the home page and follow the SIGNS card, as a student does. The first visit draws
    the built-in set, which takes a while on a busy CPU."""
    page.set_default_timeout(60_000)
    page.goto(app_url)
    wait_for_script(page)
    page.get_by_role("link", name="Open SIGNS classifier").click()
    expect(page.get_by_role("heading", name="SIGNS classifier")).to_be_visible()
    wait_for_script(page, timeout_ms=240_000)
    expect(page.get_by_text("Images per class", exact=True)).to_be_visible(timeout=240_000)


def test_student_trains_the_mlp_and_reads_the_results(app_url, settle, shot, page):
    open_signs(page, app_url)
    training_images = page.get_by_role("slider", name="Training images")
    training_images.focus()
    training_images.press("Home")  # 120 training images
    settle()
    expect(page.get_by_text("120 train / 120 test").first).to_be_visible()
    shot("signs_data")

    page.get_by_role("tab", name="2 · Model").click()
    model_box = page.locator("[data-testid=stSelectbox]").filter(
        has=page.get_by_text("Model", exact=True)
    )
    model_box.click()
    page.get_by_role("option", name="MLP").click()
    settle()
    epochs = page.get_by_role("slider", name="Epochs")
    epochs.focus()
    epochs.press("Home")  # one epoch
    settle()
    expect(page.get_by_text("Trainable parameters")).to_be_visible()
    shot("signs_model")

    page.get_by_role("tab", name="3 · Train").click()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=60_000)
    settle()
    expect(page.get_by_text("batch 3 of 3")).to_be_visible()
    shot("signs_trained")

    page.get_by_role("tab", name="4 · Results").click()
    expect(page.get_by_text("Test accuracy")).to_be_visible()
    expect(page.get_by_text("Confusion matrix", exact=True)).to_be_visible()
    expect(page.get_by_text("Train mode versus eval mode")).to_be_visible()
    shot("signs_results")

    page.get_by_role("tab", name="5 · Save & export").click()
    expect(page.get_by_text("Why DistributedDataParallel replaced DataParallel.")).to_be_visible()
    page.get_by_role("tab", name="DistributedDataParallel (torchrun)").click()
    download = page.get_by_role("button", name="Download train_signs_ddp.py")
    expect(download).to_be_visible()
    download.scroll_into_view_if_needed()
    expect(page.get_by_text("DistributedSampler(train_set").first).to_be_visible()
    shot("signs_export_ddp")


def test_a_broken_zip_gets_a_sentence(app_url, settle, shot, page, tmp_path):
    open_signs(page, app_url)
    page.get_by_text("Upload a zip").click()
    settle()
    broken = tmp_path / "SIGNS.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    page.locator("[data-testid=stFileUploaderDropzone] input[type=file]").first.set_input_files(
        str(broken)
    )
    settle()
    expect(page.locator("[data-testid=stAlertContentError]").first).to_be_visible()
    shot("signs_broken_zip")
