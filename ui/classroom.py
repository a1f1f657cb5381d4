"""What a lecture hall needs: a fair training queue, settings in the URL, and lecturer mode."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from core.serving.scheduling import TrainingSlots, default_capacity
from core.serving.session_store import SessionStore, keep_freed_memory, release_memory
from ui.viewport import track_viewport, viewport_size

# Session-state keys that hold a student's work (trainers, histories, run tables, programs).
# They are kept for a grace period after the tab closes; widget settings travel in the URL.
DURABLE_KEYS = (
    "tns_pipeline",
    "ag_source",
    "ag_result",
    "ag_check_result",
    "fit_trainer",
    "fit_optimum",
    "fit_runs",
    "fit_run_id",
    "fit_runs_made",
    "fit_training",
    "fit_rate",
    "fit_phase_report",
    "signs_trainer",
    "signs_trainer_data",
    "signs_running",
    "signs_runs",
    "signs_error",
    "signs_loaded",
    "signs_upload_cache",
    "signs_own",  # the student's own hand signs: kept through the grace period, never on disk
    "signs_own_uid",
)

T = TypeVar("T")

# Lecturer mode enlarges Streamlit's root font size, which every rem-sized text, widget and
# gap follows, scaled to the projector's width: LECTURE_TEXT_PX = (least, px per px of width,
# plus, most), i.e. clamp(20px, 0.9vw + 8px, 34px): 20 px at 1280, 25 px at 1920. Charts follow
# the same size once the browser has told the server its viewport (ui.viewport): their text is
# the page's text, their height grows with it but fits the viewport's height. Until then (the
# first run, AppTest) they grow by LECTURE_CHART_SCALE. (A CSS zoom scaled plotly twice and cut
# charts off.) The reporter's own container is hidden: it draws nothing.
LECTURE_TEXT_PX = (20, 0.009, 8, 34)
_LEAST, _PER_PX, _PLUS, _MOST = LECTURE_TEXT_PX
LECTURER_CSS = f"""
<style>
html {{ font-size: clamp({_LEAST}px, calc({_PER_PX * 100:g}vw + {_PLUS}px), {_MOST}px) !important; }}
[data-testid="stMainBlockContainer"] {{ padding: 4rem 2.5rem 4rem; max-width: 100%; }}
.st-key-app_viewport {{ display: none !important; }}
</style>
"""
LECTURE_CHART_SCALE = 1.4  # chart heights and chart text in lecturer mode, viewport unknown
PLOTLY_TEXT_PX = 12  # a chart's base text (ticks, legend) outside lecturer mode (0.75 rem)
AXIS_TITLE_PX = 14  # an axis title outside lecturer mode (Streamlit's theme: 0.875 rem)
GRAPH_TEXT_PT = 11  # the autograd graph's font size (points) outside lecturer mode
MIN_CHART_PX = 240  # no chart is squeezed below this, however short the viewport


# --- the training queue ------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def training_slots() -> TrainingSlots:
    """One queue per server process. Each job's share of the cores is set per chunk
    (`job_cores`), so a student alone gets them all. Made once per process, it also sets what
    training on a server needs: work outside a training turn (evaluating, predicting) gets one
    core, the cores being the queue's to share (core.parallel), and glibc keeps the memory a
    batch frees for the next (keep_freed_memory)."""
    from core.parallel import set_default_cores  # imports torch: not before a page trains

    set_default_cores(1)
    keep_freed_memory()
    return TrainingSlots(capacity=default_capacity())


def session_id() -> str:
    """This browser session's id (stable across reruns of the session)."""
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else "no-session"


QUEUED_TICK_SECONDS = 1.5  # how often a waiting student's page asks for its turn


def live_tick(training: bool, tick: float) -> float | None:
    """`run_every` for a live training fragment: `tick` while this student trains, a slower
    QUEUED_TICK_SECONDS while they wait in the queue (thirty waiting pages asking twice a second
    would cost the server more than the training), None when nothing trains."""
    if not training:
        return None
    # Asked where the fragment is declared (a full run), so its body finds the same answer and
    # need not rerun the page to change the tick (only a later tick does, when the turn changes).
    st.session_state["_queued"] = training_slots().request(session_id()) > 0
    return QUEUED_TICK_SECONDS if st.session_state["_queued"] else tick


def training_turn() -> bool:
    """Call once per training tick. True: train a chunk now. False: a sentence says where this
    student is in the queue; try again on the next tick. When the student's turn starts or ends,
    the page reruns once so its live fragment takes the other tick (see `live_tick`)."""
    place = training_slots().request(session_id())
    if st.session_state.get("_queued", False) != (place > 0):
        st.session_state["_queued"] = place > 0
        st.rerun()
    if place == 0:
        return True
    running, waiting = training_slots().status()
    st.info(
        f"The server is busy: {running} training job(s) are running and you are number {place} in "
        f"the queue of {waiting}. Your run starts by itself when a slot frees — keep this tab open."
    )
    return False


def exclusive_chunk(step: Callable[[], T], wants: int = 1) -> T | None:
    """Run one chunk of this session's training on its share of the cores (`job_cores`; the
    job can use at most `wants` of them), unless another thread of the same session is already
    stepping it (a rerun can overlap a fragment tick); then skip it and return None."""
    from core.parallel import using_cores

    lock = st.session_state.setdefault("_training_lock", threading.Lock())
    if not lock.acquire(blocking=False):
        return None
    try:
        with using_cores(job_cores(wants)):
            return step()
    finally:
        lock.release()


def job_cores(wants: int | None = 1) -> int:
    """This session's share of the server's cores for the chunk it is about to train, for a
    job that can use `wants` of them: all it can use when it trains alone, a fair share beside
    others (`TrainingSlots.cores_for`). What runs on the script thread itself (the sin fit,
    fine-tuning, an optimizer step) keeps one torch thread, and the SIGNS trainer spreads its
    fixed pieces of each batch over the share (core.parallel): a run's numbers never depend on
    the share. Kept in st.session_state["_cores"] as (cores, runs training now, runs that may
    train at once, cores the job can use) for `cores_sentence`."""
    from core.devices import CPU_THREADS, use_threads

    use_threads(1)
    slots = training_slots()
    cores = slots.cores_for(session_id(), CPU_THREADS, wants)
    st.session_state["_cores"] = (cores, max(1, slots.status()[0]), slots.capacity, wants)
    return cores


def cores_sentence() -> str:
    """How many cores this session's run has, and why (after its first chunk)."""
    from core.devices import CPU_THREADS

    if "_cores" not in st.session_state:
        return ""
    cores, running, capacity, wants = st.session_state["_cores"]
    share = "all of the" if cores >= CPU_THREADS else f"{cores} of the"
    others = "it is the only run training now" if running == 1 else f"{running} runs train now"
    if running == 1 and cores < CPU_THREADS and wants is not None:
        pieces = f"{wants} piece{'s' * (wants != 1)}"
        others += f"; a batch of this size is {pieces}, so it keeps {cores} busy"
    return (
        f"This run trains on {share} server's {CPU_THREADS} CPU core{'s' * (CPU_THREADS != 1)} "
        f"({others}; up to {capacity} may train at once, sharing the cores). Each batch is cut "
        "into the same pieces however many cores a run gets, each piece computed on one core "
        "and the pieces' gradients added up in order, so the same seed gives the same run, bit "
        "for bit, alone or beside others."
    )


ONE_OFF_WAIT_SECONDS = 60.0  # how long a one-off job (fine-tuning) waits for a training slot


def one_off_in_turn(step: Callable[[], T]) -> tuple[bool, T | None]:
    """A one-off training job (a button, not a live run: fine-tuning) through the same queue as
    every run: wait for a slot while a box says the place in line, train on the slot's share of
    the cores (`exclusive_chunk`), then hand the slot back — unless this session already held
    it or waited in line for a run of its own. Returns (had a turn, the step's result or None
    when another thread of the session was stepping)."""
    import time

    slots, who = training_slots(), session_id()
    its_own_run = slots.knows(who)  # holding a slot or waiting for one already
    deadline = time.monotonic() + ONE_OFF_WAIT_SECONDS
    box = st.empty()
    try:
        place = slots.request(who)
        while place > 0:
            if time.monotonic() > deadline:
                return False, None
            box.info(
                f"The server is busy: you are number {place} in the queue for training. This "
                "starts by itself when a slot frees."
            )
            time.sleep(QUEUED_TICK_SECONDS)
            place = slots.request(who)
        box.empty()
        return True, exclusive_chunk(step)
    finally:  # also when a rerun interrupts the wait
        box.empty()
        if not its_own_run:
            slots.release(who)


def end_training_turn() -> None:
    """Call when a run stops or finishes, so the next student in line starts at once."""
    training_slots().release(session_id())
    st.session_state["_queued"] = False


# --- coming back after closing the tab ------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def session_store() -> SessionStore:
    """One store per server process; when it forgets closed tabs, their memory is released."""
    return SessionStore(on_forget=release_memory)


def _is_active(session: str) -> bool:
    from streamlit.runtime import Runtime

    return Runtime.exists() and Runtime.instance().is_active_session(session)


BROWSER_COOKIE = "torch_playground_browser"  # a random key per browser; never in a URL
COOKIE_MAX_AGE_S = 7 * 24 * 3600  # renewed on every visit; the work itself expires after the grace

# Sets the browser's key as a first-party cookie that is sent back only by pages of this site
# (SameSite=Strict): the server reads it from the websocket's request (st.context.cookies) when
# a tab opens. Our own constant code; the key is made by SessionStore.new_sid() (URL-safe).
_COOKIE_SCRIPT = """<script>
document.cookie = "{name}={key}; Max-Age={age}; Path=/; SameSite=Strict"
  + (location.protocol === "https:" ? "; Secure" : "");
</script>"""


def restore_session() -> None:
    """On a session's first run: if this browser's cookie names a closed tab's work, bring it
    back; otherwise start fresh. Nothing in the URL identifies a session: a `sid` left in an
    old link is ignored and removed from the address bar."""
    if "sid" in st.query_params:
        del st.query_params["sid"]
    if "_sid" not in st.session_state:
        browser = st.context.cookies.get(BROWSER_COOKIE, "")
        if not SessionStore.is_key(browser):
            browser = SessionStore.new_sid()
        claimed = session_store().claim(browser, session_id(), _is_active)
        if claimed:
            st.session_state["_sid"], restored = claimed
            st.session_state.update(restored)
            st.toast("Welcome back: your runs are where you left them.")
        else:
            st.session_state["_sid"] = SessionStore.new_sid()
        st.session_state["_browser"] = browser


def remember_session() -> None:
    """After each run: keep references to this session's work under its `sid`, for this
    browser, and (re)set the browser's cookie."""
    values = {key: st.session_state[key] for key in DURABLE_KEYS if key in st.session_state}
    browser = st.session_state["_browser"]
    if not session_store().remember(
        st.session_state["_sid"], browser, session_id(), values, _is_active
    ):
        st.session_state["_sid"] = SessionStore.new_sid()  # a live tab owns it: use a fresh one
    script = _COOKIE_SCRIPT.format(name=BROWSER_COOKIE, key=browser, age=COOKIE_MAX_AGE_S)
    st.sidebar.html(script, unsafe_allow_javascript=True)  # the same body each run: runs once


# --- settings in the URL -----------------------------------------------------------------------


def _coerce(text: str, default):
    if isinstance(default, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError
    if isinstance(default, int):
        return int(text)
    if isinstance(default, float):
        return float(text)
    return text


def link_is_new(scope: str) -> bool:
    """True the first time `scope` (a page's settings, a preset, a tab) sees this session's
    URL, and again whenever the URL names a different lesson than the one `scope` last applied:
    a lesson link must set its page up even when the student has been on that page before.
    Typing into a widget never makes a link new (the lesson in the URL stays the same)."""
    flag = "_url_applied_" + scope
    lesson = st.query_params.get("lesson", "")
    if flag in st.session_state and st.session_state[flag] == lesson:
        return False
    st.session_state[flag] = lesson
    return True


def load_settings_from_url(
    settings: dict[str, object], options: dict[str, list] | None = None
) -> None:
    """On the first run of a page in this session (or when a lesson link names a new lesson),
    copy its settings from the URL's query parameters into st.session_state. `settings` maps widget keys to their defaults (the type
    to parse to); `options` lists the allowed values of choice widgets. Values that do not
    parse, or are not allowed, are skipped with a sentence."""
    if not link_is_new("settings:" + next(iter(settings), "")):
        return
    rejected = []
    for key, default in settings.items():
        if key not in st.query_params:
            continue
        text = st.query_params[key]
        try:
            value = _coerce(text, default)
            if options and key in options and value not in options[key]:
                raise ValueError
        except ValueError:
            rejected.append(f"{key}={text[:40]}")
            continue
        st.session_state[key] = value
    if rejected:
        st.warning(
            "These settings in the link were not understood and keep their defaults: "
            + ", ".join(rejected)
        )


def publish_settings(keys: list[str], extra: dict[str, str] | None = None) -> str:
    """Write the current values of `keys` (and `extra` parameters) into the URL and return a
    shareable link to them."""
    params = {key: str(st.session_state[key]) for key in keys if key in st.session_state}
    params.update(extra or {})
    for key, value in params.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    base = st.context.url or ""
    return f"{base}?{urlencode(params)}" if params else base


def share_box(keys: list[str], extra: dict[str, str] | None = None) -> None:
    """The "copy link" affordance: the link that reopens this exact experiment."""
    link = publish_settings(keys, extra)
    with st.sidebar.expander("🔗 Share this experiment"):
        st.caption(
            "This link opens the page with the same settings. Copy it with the icon on the right."
        )
        st.code(link, language="text", wrap_lines=True)


# --- lecturer mode -----------------------------------------------------------------------------


def lecturing() -> bool:
    """True while this session is in lecturer mode (charts and graphs take more room)."""
    return bool(st.session_state.get("app_lecturer", False))


def lecture_text_px(width: float) -> float:
    """The page's text size in lecturer mode at a viewport `width` (LECTURER_CSS's clamp)."""
    least, per_px, plus, most = LECTURE_TEXT_PX
    return min(max(least, per_px * width + plus), most)


def chart_text_scale(size: tuple[int, int] | None) -> float:
    """How much larger lecturer mode draws chart text at a viewport `size` (None: unknown):
    a chart's 12 px ticks and legend become the page's own text size."""
    if size is None:
        return LECTURE_CHART_SCALE
    return lecture_text_px(size[0]) / PLOTLY_TEXT_PX


def chart_height(height: float, size: tuple[int, int] | None) -> int:
    """A chart `height` px tall as lecturer mode draws it at a viewport `size`: grown with its
    text, but no taller than the viewport below Streamlit's header (which is about 4 rem), so a
    chart scrolled into view shows whole, axes and legend included."""
    if size is None:
        return round(height * LECTURE_CHART_SCALE)
    text = lecture_text_px(size[0])
    room = size[1] - 4 * text - 16
    return round(max(min(height * text / PLOTLY_TEXT_PX, room), min(height, MIN_CHART_PX)))


def graph_font_points(size: tuple[int, int] | None) -> int:
    """The autograd graph's font size (points) in lecturer mode: the page's text size (a point is
    4/3 px); 1.4 × 11 while the viewport is unknown."""
    if size is None:
        return round(GRAPH_TEXT_PT * LECTURE_CHART_SCALE)
    return round(lecture_text_px(size[0]) * 0.75)


def graph_font_size() -> int:
    """The autograd graph's font size for this session (larger in lecturer mode)."""
    return graph_font_points(viewport_size()) if lecturing() else GRAPH_TEXT_PT


def _with_font(block: object, scale: float) -> object:
    """A layout part (a title, legend or annotation) with its own font size scaled, if it has
    one; otherwise it is left to follow the layout's base font."""
    if not isinstance(block, dict) or not isinstance(block.get("font"), dict):
        return block
    font = block["font"]
    if not isinstance(font.get("size"), int | float):
        return block
    return {**block, "font": {**font, "size": round(font["size"] * scale)}}


def _axis_fonts(axis: dict, scale: float) -> dict:
    """An axis with its tick labels and its title scaled from their own size or Streamlit's."""
    tickfont = axis.get("tickfont") if isinstance(axis.get("tickfont"), dict) else {}
    title = axis.get("title", {})
    title = {"text": title} if isinstance(title, str) else title if isinstance(title, dict) else {}
    title_font = title.get("font") if isinstance(title.get("font"), dict) else {}
    return {
        **axis,
        "tickfont": {**tickfont, "size": round(tickfont.get("size", PLOTLY_TEXT_PX) * scale)},
        "title": {
            **title,
            "font": {**title_font, "size": round(title_font.get("size", AXIS_TITLE_PX) * scale)},
        },
    }


def lecture_layout(layout: dict) -> dict:
    """A plotly layout as lecturer mode draws it (unchanged otherwise): taller, with its text as
    large as the page's (the base font, every axis's ticks and title, and any title, legend or
    annotation that sets its own size) and its margins grown alike, and no taller than the
    viewport. While the viewport is unknown, 1.4× both."""
    if not lecturing():
        return layout
    size = viewport_size()
    scale = chart_text_scale(size)
    font = layout.get("font", {})
    out = {
        **layout,
        "height": chart_height(layout.get("height", 450), size),
        "font": {**font, "size": round(font.get("size", PLOTLY_TEXT_PX) * scale)},
    }
    if "title" in layout:
        out["title"] = _with_font(layout["title"], scale)
    legend = layout.get("legend") if isinstance(layout.get("legend"), dict) else {}
    legend_font = legend.get("font") if isinstance(legend.get("font"), dict) else {}
    size = legend_font.get("size", PLOTLY_TEXT_PX)  # Streamlit's theme sizes it in rem otherwise
    out["legend"] = {**legend, "font": {**legend_font, "size": round(size * scale)}}
    if isinstance(layout.get("margin"), dict):  # room for the larger title above the plot
        margin = dict(layout["margin"])
        for side in ("l", "r", "t", "b"):
            if isinstance(margin.get(side), int | float):
                margin[side] = round(margin[side] * scale)
        out["margin"] = margin
    axes = {"xaxis", "yaxis", *(name for name in layout if name.startswith(("xaxis", "yaxis")))}
    for name in axes:  # Streamlit's theme sizes ticks and axis titles itself (in rem): override
        axis = layout.get(name) or {}
        if isinstance(axis, dict):
            out[name] = _axis_fonts(axis, scale)
    if isinstance(layout.get("annotations"), list | tuple):
        out["annotations"] = [_with_font(note, scale) for note in layout["annotations"]]
    return out


def lecturer_mode() -> bool:
    """A switch for a projector: larger type and charts scaled to the screen, the sidebar
    collapsed (its arrow still opens it: every setting stays reachable). `?lecture=1` starts in
    it."""
    if "app_lecturer" not in st.session_state:
        st.session_state["app_lecturer"] = st.query_params.get("lecture") in ("1", "true")
    if st.session_state["app_lecturer"]:
        st.set_page_config(initial_sidebar_state="collapsed")
        st.html(LECTURER_CSS)  # our own constant CSS, never user text; takes no room
        track_viewport()  # the browser's size, for the charts (draws nothing)
        st.button(
            "Leave lecturer mode", key="app_leave_lecturer", on_click=_set_lecturer, args=(False,)
        )
        return True
    st.sidebar.button(
        "📽️ Lecturer mode",
        key="app_enter_lecturer",
        on_click=_set_lecturer,
        args=(True,),
        help="Larger type and charts for a projector; the sidebar folds away (its arrow at the "
        "top left opens it again).",
    )
    return False


def _set_lecturer(on: bool) -> None:
    st.session_state["app_lecturer"] = on
    if on:
        st.query_params["lecture"] = "1"
    else:
        st.query_params.pop("lecture", None)
