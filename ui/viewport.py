"""The browser's viewport size, which Streamlit never tells the server: a tiny
`st.components.v2` component (inline JS, no iframe, nothing drawn, nothing focusable) reports
window.innerWidth × innerHeight to the session, so that lecturer mode can size its charts to the
projector (see ui.classroom).

It reports once when it mounts, then only after a resize has settled (debounced) and only when
the size moved past a threshold from what the server already knows (shrunk by SHRINK_PX or
grown by GROW_PX in either direction), so a resize by a few pixels costs no rerun. A report
reruns the app (the component lives in app.py, outside every fragment); the live training
fragments never touch it, so a running chart's ticks cause no report and no extra rerun.
"""

from __future__ import annotations

import streamlit as st

KEY = "app_viewport"  # the component's widget key (its container is hidden by LECTURER_CSS)
SIZE_KEY = "app_viewport_size"  # (width, height) in CSS pixels, or missing while unknown
SHRINK_PX = 16  # a viewport this much smaller is reported (a chart must still fit it)
GROW_PX = 48  # a viewport this much larger is reported (charts may grow)
DEBOUNCE_MS = 300  # a resize is reported once it has been still this long
LIMITS = (200, 16_000)  # a size outside these is not a browser's: ignored

# One resize listener per page, however often Streamlit calls the default export (it does so
# again whenever `data` changes, without calling the previous cleanup): module state holds the
# latest setStateValue and what the server knows; the cleanup (at unmount) removes the listener.
_JS = f"""
const SHRINK = {SHRINK_PX}, GROW = {GROW_PX}, DEBOUNCE = {DEBOUNCE_MS};
let live = null;

function moved(size, base) {{
  if (!base) return true;
  const dw = size.width - base.width, dh = size.height - base.height;
  return dw <= -SHRINK || dh <= -SHRINK || dw >= GROW || dh >= GROW;
}}

function report() {{
  if (!live) return;
  const size = {{width: Math.round(window.innerWidth), height: Math.round(window.innerHeight)}};
  if (!moved(size, live.sent || live.known)) return;
  live.sent = size;
  live.setStateValue("size", size);
}}

function onResize() {{
  if (!live) return;
  clearTimeout(live.timer);
  live.timer = setTimeout(report, DEBOUNCE);
}}

export default function (component) {{
  const {{ data, setStateValue }} = component;
  if (live === null) {{
    live = {{timer: 0, sent: null}};
    window.addEventListener("resize", onResize);
  }}
  live.setStateValue = setStateValue;
  live.known = data && data.width && data.height ? data : null;
  if (!live.known) live.sent = null;  // a new session knows nothing yet: tell it
  // what the server knows, for tests that wait for the charts drawn at this size
  if (live.known) document.documentElement.dataset.viewportKnown = `${{data.width}}x${{data.height}}`;
  report();
  return () => {{
    window.removeEventListener("resize", onResize);
    if (live) clearTimeout(live.timer);
    live = null;
  }};
}}
"""

_component = st.components.v2.component("torch_playground_viewport", js=_JS)


def viewport_size() -> tuple[int, int] | None:
    """(width, height) of this session's browser viewport in CSS pixels, or None while unknown
    (before the component's first report, under AppTest, outside lecturer mode)."""
    size = st.session_state.get(SIZE_KEY)
    return size if isinstance(size, tuple) and len(size) == 2 else None


def parse_size(value) -> tuple[int, int] | None:
    """A reported {"width", "height"} as (width, height), or None for anything else (the value
    comes from the browser: a client can send anything)."""
    if not isinstance(value, dict):
        return None
    width, height = value.get("width"), value.get("height")
    low, high = LIMITS
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (width, height)):
        return None
    if not (low <= width <= high and low <= height <= high):
        return None
    return int(width), int(height)


def _store() -> None:
    """The component's report arrived (runs before the script): keep it where charts read it."""
    state = st.session_state.get(KEY)
    size = parse_size(state.get("size") if isinstance(state, dict) else None)
    if size is not None:
        st.session_state[SIZE_KEY] = size


def track_viewport() -> None:
    """Mount the reporter (call it once per run, outside any fragment). It tells the browser
    what the server knows, so a page that reruns for any other reason does not report again."""
    known = viewport_size()
    _component(
        key=KEY,
        data={"width": known[0], "height": known[1]} if known else None,
        on_size_change=_store,
    )
