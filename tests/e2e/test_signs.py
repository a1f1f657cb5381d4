"""A student opens the SIGNS page, trains the MLP for an epoch, reads the results, and uploads a
broken zip."""

import io
import zipfile
from pathlib import Path

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


def test_the_dataloader_lesson_shows_a_batch_and_the_set_downloads_for_the_script(
    app_url, settle, shot, page
):
    """The lesson link opens the Data tab with the loader's batch on screen (desktop and
    lecturer mode); the built-in hands download as the zip the exported script reads."""
    from ui.lessons import BY_KEY

    lesson = BY_KEY["signs-dataloader"]
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/{lesson.url}")
    wait_for_script(page, timeout_ms=240_000)
    proof = page.get_by_text(lesson.proof).first
    expect(proof).to_be_visible(timeout=240_000)
    settle()
    proof.scroll_into_view_if_needed()
    shot("signs_lesson_dataloader")

    button = page.get_by_role("button", name="Download these hands as a SIGNS zip")
    with page.expect_download(timeout=120_000) as caught:
        button.click()
    blob = Path(caught.value.path()).read_bytes()
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert "64x64_SIGNS/classes.txt" in names
    assert sum(n.startswith("64x64_SIGNS/train_signs/") for n in names) == 240
    assert sum(n.startswith("64x64_SIGNS/test_signs/") for n in names) == 60
    assert caught.value.suggested_filename == "signs_built_in_240_60_seed0.zip"

    transforms = BY_KEY["signs-transforms"]
    page.goto(f"{app_url}/{transforms.url}&lecture=1")
    wait_for_script(page, timeout_ms=240_000)
    proof = page.get_by_text(transforms.proof).first
    expect(proof).to_be_visible(timeout=240_000)
    settle()
    expect(page.get_by_text("images.shape == torch.Size([16, 3, 64, 64])").first).to_be_visible()
    after = "the same pictures as the DataLoader gives them (after the transforms)"
    page.get_by_text(after).first.scroll_into_view_if_needed()
    shot("signs_lesson_transforms_lecture")


def test_an_upload_survives_home_and_a_wrong_file_gets_a_sentence(
    app_url, settle, shot, page, tmp_path
):
    from core.signs import synthetic_signs
    from core.signs.download import dataset_zip

    open_signs(page, app_url)
    page.get_by_text("Upload a zip").click()
    settle()
    uploader = page.locator("[data-testid=stFileUploaderDropzone] input[type=file]").first
    picture = tmp_path / "hand.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n not a zip at all")
    uploader.set_input_files(str(picture))
    settle()
    expect(page.get_by_text("'hand.png' is not a .zip file")).to_be_visible()
    shot("signs_wrong_file_type")

    hands = tmp_path / "my_hands.zip"
    hands.write_bytes(dataset_zip(synthetic_signs(n_train=36, n_test=12, seed=5)))
    uploader.set_input_files(str(hands))
    settle()
    expect(page.get_by_text("my_hands.zip", exact=False).first).to_be_visible(timeout=60_000)
    page.get_by_role("link", name="Home").first.click()
    settle()
    page.get_by_role("link", name="Open SIGNS classifier").click()
    wait_for_script(page, timeout_ms=120_000)
    settle()
    expect(page.get_by_text("uploaded earlier in this session")).to_be_visible()
    expect(page.get_by_text("12 test images", exact=False).first).to_be_visible()
    shot("signs_upload_kept")
