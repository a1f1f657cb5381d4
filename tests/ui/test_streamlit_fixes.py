"""The fragment-rerun race fix (ui/streamlit_fixes.py) on Streamlit's real AppSession, driven by a
real asyncio event loop; only the ScriptRunner it starts is a recording stand-in (no script runs)."""

import asyncio
import threading

import pytest
from streamlit.runtime import app_session as app_session_module
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.script_data import ScriptData
from streamlit.runtime.scriptrunner import RerunData
from streamlit.runtime.scriptrunner.script_cache import ScriptCache

from ui import streamlit_fixes


def Rerun(fragment_id=None):  # noqa: N802 - reads like the RerunData it builds
    return RerunData(fragment_id=fragment_id)


class Runner:
    """A runner that is stopping (refuses reruns) or live (takes them); never runs a script."""

    def __init__(self, accepts: bool) -> None:
        self.accepts, self.requests = accepts, []

    def request_rerun(self, data) -> bool:
        self.requests.append(data)
        return self.accepts

    def request_stop(self) -> None:  # AppSession.shutdown asks the current runner to stop
        pass


class StartedRunner(Runner):
    """What AppSession's own `_create_scriptrunner` builds in these tests, instead of a thread."""

    def __init__(self, **kwargs) -> None:
        super().__init__(accepts=True)
        self.rerun_data = kwargs["initial_rerun_data"]
        self.on_event = type("Signal", (), {"connect": lambda *_: None})()

    def start(self) -> None:
        pass


def real_session(runner, fragments=("frag",)) -> AppSession:
    """Streamlit's AppSession (on the running loop) whose current runner is `runner`."""
    session = AppSession(
        ScriptData(__file__),
        MemoryUploadedFileManager("/_stcore/upload_file"),
        ScriptCache(),
        message_enqueued_callback=None,
        user_info={},
    )
    for fragment_id in fragments:
        session._fragment_storage.register(fragment_id, lambda: None)
    session._scriptrunner = runner
    return session


def runs_started(session: AppSession) -> list:
    """The reruns AppSession's own code started a runner for (at most one: the current one)."""
    runner = session._scriptrunner
    return [runner.rerun_data] if isinstance(runner, StartedRunner) else []


@pytest.fixture(autouse=True)
def patched_app_session(monkeypatch):
    """The fix installed on AppSession, which starts recording runners instead of threads."""
    assert streamlit_fixes.apply(), "Streamlit's AppSession changed: revisit ui/streamlit_fixes.py"
    monkeypatch.setattr(app_session_module, "ScriptRunner", StartedRunner)


def drive(scenario):
    """Run `scenario` on a fresh event loop in its own thread (pytest-playwright keeps a loop
    running in the main thread once the e2e tests have run)."""

    async def main():
        return await scenario()

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
    async def scenario():
        stopping = real_session(Runner(accepts=False))
        stopping._create_scriptrunner(Rerun(fragment_id=None))  # a full rerun: Streamlit's way
        idle = real_session(None)
        idle._create_scriptrunner(Rerun(fragment_id="frag"))  # no runner at all: start now
        return runs_started(stopping), runs_started(idle)

    full, fragment = drive(scenario)
    assert full == [Rerun(None)] and fragment == [Rerun("frag")]


def test_a_fragment_rerun_waits_until_the_stopping_runner_has_delivered():
    async def scenario():
        session = real_session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        waiting = runs_started(session)
        session._scriptrunner = None  # the old runner's SHUTDOWN reached the event loop
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return waiting, runs_started(session)

    waiting, started = drive(scenario)
    assert waiting == [], "the fragment run started while the old runner's messages were in flight"
    assert started == [Rerun("frag")]


def test_a_newer_live_runner_takes_the_waiting_fragment_rerun():
    async def scenario():
        session = real_session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        newer = Runner(accepts=True)
        session._scriptrunner = newer  # a full rerun replaced the stopping runner meanwhile
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return runs_started(session), newer.requests

    started, handed = drive(scenario)
    assert started == [] and handed == [Rerun("frag")]


@pytest.mark.parametrize("change", ["tab closed", "fragment gone"])
def test_a_waiting_fragment_rerun_is_dropped_when_its_session_or_fragment_went_away(change):
    async def scenario():
        session = real_session(Runner(accepts=False))
        session._create_scriptrunner(Rerun("frag"))
        if change == "tab closed":
            session._state = AppSessionState.SHUTDOWN_REQUESTED
        else:
            session._fragment_storage.clear()
        session._scriptrunner = None
        await asyncio.sleep(5 * streamlit_fixes.RETRY_S)
        return runs_started(session)

    assert drive(scenario) == []


def test_the_fix_installs_on_streamlits_own_app_session_once():
    assert streamlit_fixes.apply(), "Streamlit's AppSession changed: revisit ui/streamlit_fixes.py"
    patched = AppSession._create_scriptrunner
    assert streamlit_fixes.apply() and AppSession._create_scriptrunner is patched
    assert getattr(patched, "_playground_fix", False)
