"""A lone student on a real server, for the benchmarks that measure a page as it is used: one
`streamlit run app.py` (harness.streamlit_server) driven by the protocol client of
bench/_st_client.py, which clicks as a browser does and follows the page's live fragment."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bench._st_client import StreamlitClient, StreamlitClientError
from harness import streamlit_server


@dataclass
class Watch:
    """What the student saw after a click: (seconds since the click, value) each time
    `read()` gave a new value, and when `finished()` first held."""

    seen: list[tuple[float, object]] = field(default_factory=list)
    finished_s: float | None = None


class LoneStudent:
    """`with LoneStudent("signs") as student:` a server with this one student on `page`; each
    call of `student.do(coroutine_function)` runs it on the student's client. The client's event
    loop runs in its own thread throughout, as a browser's does, so the websocket keeps
    answering the server's pings while this process measures a baseline in between."""

    def __init__(self, page: str) -> None:
        self.page = page
        self._server = streamlit_server()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.client: StreamlitClient | None = None

    def __enter__(self) -> LoneStudent:
        url, self.process, _started = self._server.__enter__()
        self._thread.start()
        self.client = StreamlitClient(url, name="lone student")
        self.do(lambda client: client.open(self.page))
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.do(lambda client: client.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._loop.close()
            self._server.__exit__(*exc)

    def do(self, action: Callable):
        result = asyncio.run_coroutine_threadsafe(action(self.client), self._loop).result()
        if self.client.exceptions:
            raise StreamlitClientError(f"exception on the page: {self.client.exceptions[0][:300]}")
        return result

    def click_and_watch(
        self, key: str, read: Callable[[], object], finished: Callable[[], bool], timeout: float
    ) -> Watch:
        """Click `key`, then note each new value of `read()` until `finished()`; the clock
        starts when the click is sent, as a student's starts when they press the button."""
        watch = Watch()

        def observe() -> bool:
            now = time.perf_counter() - sent
            value = read()
            if value is not None and (not watch.seen or watch.seen[-1][1] != value):
                watch.seen.append((now, value))
            if finished():
                watch.finished_s = now
                return True
            return False

        async def act(client: StreamlitClient) -> None:
            nonlocal sent
            sent = time.perf_counter()
            await client.set(key, True, timeout=timeout)
            await client.wait_for(observe, timeout)

        sent = time.perf_counter()
        self.do(act)
        return watch
