"""A student records their own hand signs with a (fake) webcam: two classes, trains, predicts.

Chromium gets a fake camera playing a .y4m video the test draws from the built-in hands
(`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE`, and
`--use-fake-ui-for-media-stream` to grant access without a prompt), in a browser of its own so
that the other e2e tests keep the plain one. A second context without camera permission shows
what a student whose camera is denied sees.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from core.signs import draw_hands
from harness import CHROMIUM, CHROMIUM_ARGS, chromium_available, wait_for_script
from tests.e2e.conftest import SCREENSHOTS

WIDTH, HEIGHT, FPS = 320, 240, 10
LIVE_VIDEO = (  # a camera showing its live picture (before that, a photo would be black)
    "() => [...document.querySelectorAll('video')].some(v => v.readyState >= 2"
    " && v.currentTime > 0.5 && v.offsetWidth > 0)"
)


def write_y4m(path: Path, labels: list[int], frames_per_hand: int = 10) -> Path:
    """A YUV4MPEG2 (4:2:0) video showing each built-in hand of `labels` for a second."""
    hands = draw_hands(labels, seed=5).permute(0, 2, 3, 1).numpy()
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for pixels in hands:
            picture = Image.fromarray(pixels).resize((HEIGHT, HEIGHT), Image.BILINEAR)
            frame = Image.new("RGB", (WIDTH, HEIGHT), (40, 40, 40))
            frame.paste(picture, ((WIDTH - HEIGHT) // 2, 0))
            y, cb, cr = (np.asarray(band) for band in frame.convert("YCbCr").split())
            planes = y.tobytes() + cb[::2, ::2].tobytes() + cr[::2, ::2].tobytes()
            for _ in range(frames_per_hand):
                video.write(b"FRAME\n" + planes)
    return path


@pytest.fixture
def camera_page(playwright, app_url, tmp_path):
    """A page in a Chromium whose webcam plays hands 0 and 5 in turn."""
    video = write_y4m(tmp_path / "hands.y4m", [0, 5, 0, 5])
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS
        + [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()
    browser.close()


def settle(page) -> None:
    page.wait_for_timeout(300)
    wait_for_script(page)
    expect(page.locator("[data-testid=stException]")).to_have_count(0)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def take_photos(page, name: str, count: int) -> None:
    """Press the camera's Take Photo `count` times for class `name`; after each picture the
    class's count goes up (the photo is uploaded first) and a fresh camera appears."""
    for taken in range(1, count + 1):
        button = page.get_by_role("button", name="Take Photo").first
        expect(button).to_be_enabled(timeout=30_000)  # the webcam stream has started
        page.wait_for_function(LIVE_VIDEO)
        button.click()
        expect(page.get_by_role("radio", name=f"{name} ({taken})")).to_be_visible()
        settle(page)


def test_student_records_two_classes_with_the_camera_trains_and_predicts(camera_page, app_url):
    if not chromium_available():
        pytest.skip("Debian's chromium is not installed")
    page = camera_page
    page.goto(f"{app_url}/signs")
    wait_for_script(page, timeout_ms=240_000)
    page.get_by_text("My own hand signs").click()
    settle(page)
    count = page.get_by_label("Number of classes", exact=True)
    count.fill("2")
    count.press("Enter")
    settle(page)
    expect(page.get_by_text("'0', '1' have no pictures")).to_be_visible()

    take_photos(page, "0", 4)
    expect(page.get_by_text("4 of 100 pictures in this class")).to_be_visible()
    page.get_by_text("1 (0)").click()  # the second class
    settle(page)
    take_photos(page, "1", 4)
    expect(page.get_by_text("your own hand signs, 2 classes, 8 pictures")).to_be_visible()
    expect(page.get_by_role("button", name="Download my pictures (.zip)")).to_be_visible()
    shot(page, "own_signs_captured")
    page.get_by_text("4 of 100 pictures in this class").scroll_into_view_if_needed()
    shot(page, "own_signs_grid")

    page.get_by_role("tab", name="3 · Train").click()
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=120_000)
    settle(page)

    page.get_by_role("tab", name="4 · Results").click()
    expect(page.get_by_text("Test accuracy")).to_be_visible()
    results = page.get_by_role("tabpanel", name="4 · Results")
    results.get_by_text("Camera on").click()  # the camera starts in the tab on screen
    settle(page)
    take_photos_in = results.get_by_role("button", name="Take Photo")
    expect(take_photos_in).to_be_enabled(timeout=30_000)
    page.wait_for_function(LIVE_VIDEO)
    take_photos_in.click()
    settle(page)
    expect(results.get_by_text("what the model sees (64×64)")).to_be_visible()
    results.get_by_text("what the model sees (64×64)").scroll_into_view_if_needed()
    expect(results.get_by_text("Train mode versus eval mode")).to_be_visible()
    shot(page, "own_signs_predicted")


def test_a_denied_camera_says_so_and_offers_uploads(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # no camera allowed
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(f"{app_url}/signs")
        wait_for_script(page, timeout_ms=240_000)
        page.get_by_text("My own hand signs").click()
        settle(page)
        expect(page.get_by_text("This app would like to use your camera.")).to_be_visible()
        expect(
            page.get_by_text("turn the camera off and add picture files instead")
        ).to_be_visible()
        expect(page.get_by_text("Add picture files to '0'")).to_be_visible()
        shot(page, "own_signs_no_camera")
    finally:
        context.close()
