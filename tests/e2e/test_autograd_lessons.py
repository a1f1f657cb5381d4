"""The autograd page's lessons in a real browser, and two fixes only a browser shows: the "draw
the graph of" picker follows the program, and the picture options survive a program that
fails (the browser forgot the widgets a failing run did not draw: the node cap came back as 10)."""

from playwright.sync_api import expect

from tests.e2e.test_autograd import expect_graph_with


def _picker(page):
    return page.get_by_role("combobox", name="Draw the graph of")


def test_the_root_picker_follows_the_program(visit, settle):
    page = visit("autograd")
    expect_graph_with(page, "MeanBackward0")
    page.get_by_role("button", name="y = x + 2").click()
    settle()
    expect_graph_with(page, "AddBackward0")
    # before the fix the previous program's `d` stayed in the picker
    expect(_picker(page)).to_match_aria_snapshot('- combobox "Draw the graph of": z')
    page.get_by_role("button", name="Gradients accumulate").click()
    settle()
    expect(_picker(page)).to_match_aria_snapshot('- combobox "Draw the graph of": out2')


def test_options_from_the_link_survive_a_failing_program(visit, settle):
    page = visit("autograd?ag_cap=50&ag_values=false")
    cap = page.get_by_label("Node cap")
    expect(cap).to_have_value("50")
    editor = page.get_by_role("textbox", name="Program")
    editor.fill("x = (")
    page.get_by_role("button", name="Run", exact=True).click()
    settle()
    expect(page.get_by_text("This is not valid Python syntax").first).to_be_visible()
    editor.fill("x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n")
    page.get_by_role("button", name="Run", exact=True).click()
    settle()
    expect_graph_with(page, "SumBackward0")
    expect(page.get_by_label("Node cap")).to_have_value("50")
    expect(page.get_by_role("switch", name="Show values")).not_to_be_checked()
    assert "ag_cap=50" in page.url and "ag_values=False" in page.url
    # the program survives a look at the nn.Module graphs (it came back as the default before)
    page.get_by_text("An nn.Module").click()
    settle()
    expect_graph_with(page, "AddmmBackward0")
    page.get_by_text("Your own lines", exact=True).click()
    settle()
    expect(page.get_by_role("textbox", name="Program")).to_have_value(
        "x = torch.ones(3, requires_grad=True)\ny = (x * 2).sum()\ny.backward()\n"
    )
    expect(page.get_by_label("Node cap")).to_have_value("50")


def test_lessons_open_with_their_idea_on_screen(page, app_url, settle, shot, axe):
    """Each autograd lesson's link in a real browser, at desktop size; two also in lecturer
    mode (the projector's larger type). The Output block passes axe."""
    from urllib.parse import urlencode

    from ui.lessons.autograd import LESSONS

    page.set_default_timeout(30_000)
    # first, in this test's fresh browser: later visits find the earlier tab's work and say
    # "Welcome back" in a toast that lies over the help text (axe then measures the toast)
    page.goto(f"{app_url}/{LESSONS[2].url}")
    settle()
    expect(page.get_by_text(LESSONS[2].proof).first).to_be_visible()
    axe("autograd_lesson_grad_fn")
    for lesson in LESSONS:
        page.goto(f"{app_url}/{lesson.url}")
        settle()
        proof = page.get_by_text(lesson.proof).first
        expect(proof).to_be_visible()
        proof.scroll_into_view_if_needed()
        shot(f"autograd_lesson_{lesson.key}")
    for lesson in (LESSONS[2], LESSONS[3]):
        page.goto(f"{app_url}/autograd?{urlencode({**lesson.query, 'lecture': '1'})}")
        settle()
        proof = page.get_by_text(lesson.proof).first
        expect(proof).to_be_visible()
        proof.scroll_into_view_if_needed()
        shot(f"autograd_lesson_{lesson.key}_lecture")
