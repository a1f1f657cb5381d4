"""Each page's settings travel in its link: opening the link restores them; nonsense in a link
gets a sentence and the defaults."""

from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP


def open_with(page: str, params: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_sin_fit_link_restores_its_settings():
    at = open_with(
        "app_pages/sin_fit.py",
        {
            "fit_variant": "optim",
            "fit_optimizer": "adam",
            "fit_lr": "0.01",
            "fit_degree": "5",
            "fit_reduction": "mean",
        },
    )
    assert at.selectbox(key="fit_variant").value == "optim"
    assert at.selectbox(key="fit_optimizer").value == "adam"
    assert at.session_state["fit_trainer"].config.lr == 0.01
    assert at.session_state["fit_trainer"].config.degree == 5
    link = at.sidebar.code[-1].value
    assert "fit_variant=optim" in link and "fit_lr=0.01" in link


def test_sin_fit_link_with_nonsense_gets_a_sentence():
    at = open_with(
        "app_pages/sin_fit.py", {"fit_variant": "rm -rf", "fit_lr": "1e-999", "fit_degree": "many"}
    )
    warnings = " ".join(w.value for w in at.warning)
    assert "fit_variant" in warnings and "fit_lr" in warnings and "fit_degree" in warnings
    assert at.selectbox(key="fit_variant").value == "autograd"


def test_signs_link_restores_its_settings_and_regenerate_draws_new_hands():
    at = open_with(
        "app_pages/signs.py",
        {
            "signs_model": "mlp",
            "signs_batch": "64",
            "signs_n_train": "120",
            "signs_n_test": "60",
            "signs_epochs": "3",
        },
    )
    assert at.selectbox(key="signs_model").value == "mlp"
    assert at.select_slider(key="signs_batch").value == 64
    assert at.slider(key="signs_epochs").value == 3
    at.button(key="signs_regenerate").click().run()
    assert not at.exception
    assert at.number_input(key="signs_data_seed").value == 1


def test_an_old_link_with_a_sid_is_ignored_and_no_address_names_a_session():
    from core.serving.session_store import SessionStore

    at = open_with("app_pages/sin_fit.py", {"sid": SessionStore.new_sid(), "fit_lr": "0.01"})
    assert "sid" not in at.query_params and at.query_params["fit_lr"] == "0.01"
    link = at.sidebar.code[-1].value
    assert "sid=" not in link and "fit_lr=0.01" in link
    # The browser is remembered by a cookie that only this site's pages send back.
    key = at.session_state["_browser"]
    scripts = [element.proto.body for element in at.get("html")]
    assert any(
        f"torch_playground_browser={key};" in body and "SameSite=Strict" in body for body in scripts
    )
    assert key not in " ".join(str(v) for v in at.query_params.values())
