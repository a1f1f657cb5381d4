"""The SIGNS page's model side in Chromium: the tabs follow the link, and switching tabs while a
run trains does not stop it."""

import re

from playwright.sync_api import expect

from harness import wait_for_script


def test_tabs_follow_the_link_and_a_tab_switch_keeps_training(app_url, settle, shot, page):
    page.set_default_timeout(60_000)
    page.goto(
        f"{app_url}/signs?signs_tab=3+·+Train&signs_model=mlp&signs_n_train=480&signs_epochs=3"
    )
    wait_for_script(page, timeout_ms=240_000)
    train_tab = page.get_by_role("tab", name="3 · Train")
    expect(train_tab).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Train", exact=True).click()
    expect(page.get_by_text("epoch 1 of 3").first).to_be_visible()
    page.get_by_role("tab", name="1 · Data").click()  # away while it trains
    expect(page).to_have_url(re.compile(r"^(?!.*signs_tab).*$"))  # the first tab: no parameter
    expect(page.get_by_text("Images per class", exact=True)).to_be_visible()
    page.get_by_role("tab", name="3 · Train").click()
    expect(page).to_have_url(re.compile(r"signs_tab=3"))
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("epoch 3 of 3").first).to_be_visible()
    settle()
    shot("signs_tab_switch_kept_training")
