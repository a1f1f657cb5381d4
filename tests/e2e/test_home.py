"""A student opens the playground, reads the home page and follows a card."""

import re

from playwright.sync_api import expect


def test_home_lists_every_page_and_links_work(visit, settle, shot):
    page = visit()
    expect(page.get_by_role("heading", name="Torch Playground")).to_be_visible()
    for title in ["Tensor inspector", "Autograd graph", "sin(x) fit", "SIGNS classifier"]:
        expect(page.get_by_text(title).first).to_be_visible()
    expect(page.get_by_text("Devices:").first).to_be_visible()
    shot("home")
    page.get_by_role("link", name="Open Tensor inspector").click()
    settle()
    expect(page).to_have_url(re.compile(r"/tensors(\?|$)"))
    expect(page.get_by_role("heading", name="Tensor inspector")).to_be_visible()
