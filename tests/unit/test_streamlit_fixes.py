"""The fragment-rerun race fix (ui/streamlit_fixes.py) on a stand-in AppSession, driven by a real
asyncio event loop, and its installation on Streamlit's own AppSession."""

import asyncio
import enum
import threading
from dataclasses import dataclass

import pytest

from ui import streamlit_fixes


class State(enum.Enum):
    APP_NOT_RUNNING = 1
    SHUTDOWN_REQUESTED = 2


@dataclass
class Rerun:
    fragment_id: str | None = None


class Runner:
    def __init__(self, accepts: bool) -> None:
        self.accepts, self.requests = accepts, []

    def request_rerun(self, data) -> bool:
        self.requests.append(data)
        return self.accepts


def make_session_class():
    class Session:
        def __init__(self, runner, fragments=("frag",)) -> None:
            self._scriptrunner, self._state, self.fragments = runner, State.APP_NOT_RUNNING, set(fragments)
            self._event_loop = asyncio.get_running_loop()
            self.started = []

        def has_fragment(self, fragment_id) -> bool:
            return fragment_id in self.fragments

        def _create_scriptrunner(self, data) -> None:  # Streamlit's: start a new runner at once
            self.started.append(data)
            self._scriptrunner = Runner(accepts=True)

    assert streamlit_fixes._patch(Session)
    return Session


def drive(scenario):
    """Run `scenario` on a fresh event loop in its own thread (pytest-playwright keeps a loop
    running in the main thread once the e2e tests have run)."""

    async def main():
        return await scenario(make_session_class())

    outcome = {}

    def target():
        try:
            outcome["value"] = asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_full_reruns_and_idle_sessions_start_at_once():
    async def scenario(Session):
        stopping = Session(Runner(accepts=False))
        stopping._create_scriptrunner(Rerun(fragment_id=None))  # a full rerun: Streamlit's way
        idle = Session(None)
        idle._create_scriptrunner(Rerun(fragment_id="frag"))  # no runner at all: start now
        return stopping.started, idle.started

    full, fragment = drive(scenario)
    assert full == [Rerun(None)] and fragment == [Rerun("frag")]


def test_a_fragment_rerun_waits_until_the_stopping_runner_has_delivered():
    async def scenario(Session):
        session = Session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        waiting = list(session.started)
        session._scriptrunner = None  # the old runner's SHUTDOWN reached the event loop
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return waiting, session.started

    waiting, started = drive(scenario)
    assert waiting == [], "the fragment run started while the old runner's messages were in flight"
    assert started == [Rerun("frag")]


def test_a_newer_live_runner_takes_the_waiting_fragment_rerun():
    async def scenario(Session):
        session = Session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        newer = Runner(accepts=True)
        session._scriptrunner = newer  # a full rerun replaced the stopping runner meanwhile
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return session.started, newer.requests

    started, handed = drive(scenario)
    assert started == [] and handed == [Rerun("frag")]


@pytest.mark.parametrize("change", ["tab closed", "fragment gone"])
def test_a_waiting_fragment_rerun_is_dropped_when_its_session_or_fragment_went_away(change):
    async def scenario(Session):
        session = Session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        if change == "tab closed":
            session._state = State.SHUTDOWN_REQUESTED
        else:
            session.fragments.clear()
        session._scriptrunner = None
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return session.started

    assert drive(scenario) == []


def test_the_fix_installs_on_streamlits_own_app_session_once():
    from streamlit.runtime.app_session import AppSession

    assert streamlit_fixes.apply(), "Streamlit's AppSession changed: revisit ui/streamlit_fixes.py"
    patched = AppSession._create_scriptrunner
    assert streamlit_fixes.apply() and AppSession._create_scriptrunner is patched
    assert getattr(patched, "_playground_fix", False)
