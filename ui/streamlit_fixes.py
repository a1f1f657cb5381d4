"""A fix for a race in Streamlit's server that loses a student's click under load.

When a script run finishes, its runner thread hands its last messages (the page it drew, and
"finished") to the server's event loop and stops. If a fragment rerun arrives before the event
loop has delivered those messages — an `st.fragment(run_every=...)` tick of a live chart, on a
server busy with a lecture hall — Streamlit's `AppSession.request_rerun` finds the runner
stopped and starts a new one at once, and every message the old runner had not yet delivered is
dropped as coming from a "non-current ScriptRunner". The student's click then never shows:
the page keeps its old content and the browser waits for a run that already happened.
(Streamlit's own comment in `request_rerun` describes this window; it closes it only for
fragments that no longer exist.)

The fix: a fragment rerun that finds the old runner still finishing waits, a few milliseconds
at a time on the event loop, until that runner's messages are delivered (its SHUTDOWN event
clears `_scriptrunner`), and then starts. Full reruns are left as Streamlit does them.
To see the race: `python -m bench lecture --server-option logger.level=debug` and look for
"Ignoring event from non-current ScriptRunner: ...SCRIPT_STOPPED_WITH_SUCCESS" in the server log.
"""

from __future__ import annotations

import logging

_LOGGER = logging.getLogger(__name__)
RETRY_S = 0.02  # how often a waiting fragment rerun looks again
GIVE_UP_S = 30.0  # a runner that never delivers its SHUTDOWN: start the fragment run anyway


def _patch(app_session_class) -> bool:
    original = getattr(app_session_class, "_create_scriptrunner", None)
    if getattr(original, "_playground_fix", False):
        return True
    if original is None or not hasattr(app_session_class, "has_fragment"):
        _LOGGER.warning("Streamlit's AppSession changed: the fragment-rerun fix is not applied.")
        return False

    def _create_scriptrunner(self, initial_rerun_data, _waited: float = 0.0):
        stopping = getattr(self, "_scriptrunner", None)
        fragment_id = getattr(initial_rerun_data, "fragment_id", None)
        if (
            stopping is None
            or not fragment_id
            or _waited >= GIVE_UP_S
            or not hasattr(self, "_event_loop")
        ):
            return original(self, initial_rerun_data)
        # The current runner refused this fragment rerun because it is stopping, and its last
        # messages are still on their way through the event loop: wait for them.
        self._event_loop.call_later(
            RETRY_S, _retry, self, stopping, initial_rerun_data, _waited + RETRY_S
        )
        return None

    def _retry(self, stopping, rerun_data, waited: float) -> None:
        if getattr(self._state, "name", "") == "SHUTDOWN_REQUESTED":
            return  # the tab closed meanwhile
        if not self.has_fragment(rerun_data.fragment_id):
            return  # a full run since removed the fragment: Streamlit drops such reruns too
        current = self._scriptrunner
        if current is stopping:
            _create_scriptrunner(self, rerun_data, waited)  # still finishing: look again later
        elif current is None:
            original(self, rerun_data)  # delivered: start the fragment run now
        elif not current.request_rerun(rerun_data):
            _create_scriptrunner(self, rerun_data, waited)  # a newer runner, itself stopping

    _create_scriptrunner._playground_fix = True
    app_session_class._create_scriptrunner = _create_scriptrunner
    return True


def apply() -> bool:
    """Install the fix once per process (idempotent); False when Streamlit's internals differ."""
    from streamlit.runtime.app_session import AppSession

    return _patch(AppSession)
