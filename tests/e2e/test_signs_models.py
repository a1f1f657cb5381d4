"""The SIGNS page's model side in Chromium: the tabs follow the link, and switching tabs while a
run trains does not stop it."""

import re

from playwright.sync_api import expect

from harness import wait_for_script


def test_tabs_follow_the_link_and_a_tab_switch_keeps_training(app_url, settle, shot, page):
    page.set_default_timeout(60_000)
    page.goto(
        f"{app_url}/signs?signs_tab=3+·+Train&signs_model=signs_cnn&signs_n_train=480&signs_epochs=12"
    )
    wait_for_script(page, timeout_ms=240_000)
    train_tab = page.get_by_role("tab", name="3 · Train")
    expect(train_tab).to_have_attribute("aria-selected", "true")
    page.get_by_role("button", name="Train", exact=True).click()
    # the course CNN takes seconds for 12 epochs of 384 pictures on two cores (the MLP finishes
    # before a tab switch): wait for any early epoch
    expect(page.get_by_text(re.compile(r"epoch ([1-9]|10) of 12")).first).to_be_visible()
    page.get_by_role("tab", name="1 · Data").click()  # away while it trains
    expect(page).to_have_url(re.compile(r"^(?!.*signs_tab).*$"))  # the first tab: no parameter
    expect(page.get_by_text("Images per class", exact=True)).to_be_visible()
    page.get_by_role("tab", name="3 · Train").click()
    expect(page).to_have_url(re.compile(r"signs_tab=3"))
    expect(page.get_by_text("Training speed measured")).to_be_visible(timeout=180_000)
    expect(page.get_by_text("epoch 12 of 12").first).to_be_visible()
    settle()
    shot("signs_tab_switch_kept_training")


def open_lesson(page, app_url, key: str, lecture: bool = False):
    from ui.lessons import BY_KEY

    lesson = BY_KEY[key]
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/{lesson.url}" + ("&lecture=1" if lecture else ""))
    wait_for_script(page, timeout_ms=240_000)
    proof = page.get_by_text(lesson.proof).first
    expect(proof).to_be_visible(timeout=120_000)
    proof.scroll_into_view_if_needed()  # the screenshot shows the idea, not the page's top
    return lesson


def test_the_four_model_lessons_open_set_up(app_url, settle, shot, page):
    open_lesson(page, app_url, "eval-vs-train")
    expect(page.get_by_role("tab", name="4 · Results")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("Test accuracy")).to_be_visible()
    settle()
    shot("lesson_eval_vs_train")

    open_lesson(page, app_url, "several-gpus")
    expect(page.get_by_role("tab", name="2 · Model")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_text("nn.DataParallel(model, device_ids=").first).to_be_visible()
    settle()
    shot("lesson_several_gpus")

    open_lesson(page, app_url, "save-load-pt")
    expect(page.get_by_text("torch.save(model.state_dict()").first).to_be_visible()
    settle()
    shot("lesson_save_load_pt")

    open_lesson(page, app_url, "pretrained-finetune")
    page.get_by_role("button", name="Freeze and train a new head").click()
    expect(page.get_by_text("Which parameters changed")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("exactly the trainable ones")).to_be_visible()
    settle()
    shot("lesson_pretrained_finetune")


def test_a_model_lesson_in_lecturer_mode(app_url, settle, shot, page):
    open_lesson(page, app_url, "save-load-pt", lecture=True)
    settle()
    shot("lesson_save_load_pt_lecture")
