"""A Streamlit browser stand-in for benchmarks (a helper, hence the underscore: not a benchmark).
One asyncio client per session, speaking the
app's own websocket protocol (BackMsg / ForwardMsg protobufs on /_stcore/stream).

It does what the Streamlit frontend does, as far as a benchmark needs (read from the frontend
bundle and streamlit/runtime in the venv):
- connects with the "streamlit" subprotocol and asks for a script run with the page's url path
  (`page_name`), as a browser opening /sin-fit does;
- keeps the elements of the current run by delta path, and every keyed widget's id, proto and
  fragment (a widget's id ends with "-<key>");
- sends widget changes as `rerun_script` with the changed widget's state (the server keeps the
  others), inside the widget's fragment when it has one;
- honours `auto_rerun` (an `st.fragment(run_every=...)`): sends `rerun_script` with the fragment
  id and `is_auto_rerun` every interval until a full run or `stop_auto_rerun` clears it;
- switches pages by `page_script_hash` from the navigation message;
- with `proxied=True` (a deployment of `python -m serve`), loads the page over HTTP first as a
  browser does, keeps the cookies nginx sets (tp_replica pins the session to a replica) and sends
  them with the websocket and every later request (`get`), recording which replica answered each
  (nginx's X-Replica header) in `replicas_seen`.

Latency of an interaction: from sending it until the server's `script_finished` for the run it
caused (the first full run started after the send, or for a fragment widget the first run
finished after it).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

WIDGETS = {
    # element type -> WidgetState field the frontend fills for it (streamlit/elements/widgets)
    "button": "trigger_value",
    "checkbox": "bool_value",
    "number_input": "double_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "text_input": "string_value",
    "text_area": "string_value",
    "slider": "double_array_value",
    "multiselect": "string_array_value",
    "button_group": "string_array_value",
    "download_button": "trigger_value",
    "file_uploader": "file_uploader_state_value",
}
FINISHED_OK = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class StreamlitClientError(RuntimeError):
    """The app did something a browser would show as broken (or the protocol went wrong)."""


@dataclass
class Widget:
    key: str
    id: str
    kind: str  # element type: "button", "slider", ...
    proto: object
    fragment_id: str


@dataclass
class Run:
    """One script run as the client saw it."""

    run_id: str
    fragment_ids: tuple[str, ...]
    started: float
    finished: float | None = None
    status: int | None = None


@dataclass
class StreamlitClient:
    url: str  # http://127.0.0.1:PORT
    name: str = "client"
    elements: dict = field(default_factory=dict)  # delta path -> (element type, element proto)
    widgets: dict = field(default_factory=dict)  # user key -> Widget
    pages: dict = field(default_factory=dict)  # url path -> page_script_hash
    exceptions: list = field(default_factory=list)  # texts of exception elements seen
    texts_seen: list = field(default_factory=list)  # every code/markdown/alert text, in order
    runs: list = field(default_factory=list)
    page_script_hash: str = ""
    session_id: str = ""  # the server's id of this session (from its first new_session)
    query_string: str = ""  # the URL's query string, as the app last set it (st.query_params)
    log: list = field(default_factory=list)  # (seconds, what) of sends and run starts/finishes
    messages: int = 0
    bytes_received: int = 0
    proxied: bool = False  # behind nginx (python -m serve): cookies, replica of each request
    cookies: dict = field(default_factory=dict)  # name -> value, as a browser keeps them
    replicas_seen: list = field(default_factory=list)  # (what, X-Replica) of each request

    def __post_init__(self) -> None:
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._auto: dict[str, tuple[float, asyncio.Task]] = {}
        self._changed = asyncio.Condition()
        self._closed = False
        self._reader_error: BaseException | None = None
        self._file_urls: dict = {}  # request id -> FileURLsResponse

    # ----------------------------------------------------------------------------- connection

    async def open(self, page: str = "") -> float:
        """Connect and load the page at url path `page`; return seconds until its run finished."""
        ws_url = self.url.replace("http://", "ws://") + "/_stcore/stream"
        headers = {}
        if self.proxied:  # a browser loads the page first: nginx's cookie picks the replica
            status, _body = await self.get(f"/{page}")
            if status != 200:
                raise StreamlitClientError(f"{self.name}: the page /{page} answered {status}")
            headers["Cookie"] = self.cookie_header()
        # A browser's WebSocket sends no protocol pings of its own, so neither do we: a server
        # too busy to answer a ping within 20 s would otherwise be hung up on by the client.
        self._ws = await connect(
            ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=120,
            ping_interval=None,
            additional_headers=headers or None,
        )
        if self.proxied:
            self.replicas_seen.append(("websocket", self._ws.response.headers.get("X-Replica")))
        self._reader = asyncio.create_task(self._read(), name=f"{self.name}-reader")
        self.query_string = ""
        return await self._rerun(page_name=page)

    async def close(self) -> None:
        self._closed = True
        for _interval, task in self._auto.values():
            task.cancel()
        self._auto.clear()
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader

    async def _send(self, msg: BackMsg) -> None:
        await self._ws.send(msg.SerializeToString())

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    async def get(self, path: str, timeout: float = 60.0) -> tuple[int, bytes]:
        """GET `path` over HTTP with this client's cookies, as the browser fetches a page or a
        picture; keep the cookies it sets; return (status, body)."""

        def fetch() -> tuple[int, bytes, object]:
            request = urllib.request.Request(self.url + path)
            if self.cookies:
                request.add_header("Cookie", self.cookie_header())
            try:
                with urllib.request.urlopen(request, timeout=timeout) as reply:
                    return reply.status, reply.read(), reply.headers
            except urllib.error.HTTPError as error:
                return error.code, error.read(), error.headers

        status, body, headers = await asyncio.to_thread(fetch)
        for line in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        if self.proxied:
            self.replicas_seen.append((path, headers.get("X-Replica")))
        return status, body

    def media_urls(self) -> list[str]:
        """Paths of the pictures on screen (/media/...: kept in the memory of the server that
        drew them)."""
        return [
            img.url
            for kind, proto in self.elements.values()
            if kind == "imgs"
            for img in proto.imgs
            if img.url.startswith("/media/")
        ]

    # ------------------------------------------------------------------------------ receiving

    async def _read(self) -> None:
        try:
            async for payload in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(payload)
                self.messages += 1
                self.bytes_received += len(payload)
                self._handle(msg)
                async with self._changed:
                    self._changed.notify_all()
        except Exception as exc:  # noqa: BLE001 - handed to whoever waits
            if not self._closed:
                self._reader_error = exc
        finally:
            async with self._changed:
                self._changed.notify_all()

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            run = msg.metadata.run
            fragments = tuple(run.fragment_ids)
            self.runs.append(Run(run.script_run_id, fragments, time.perf_counter()))
            self.log.append(
                (time.perf_counter(), f"run {run.script_run_id[:8]} started {fragments}")
            )
            self.page_script_hash = msg.new_session.page_script_hash
            if msg.new_session.initialize.session_id:
                self.session_id = msg.new_session.initialize.session_id
            if not fragments:  # a full run: the frontend drops its auto-reruns and old elements
                self._stop_auto(list(self._auto))
                self.elements = {}
        elif kind == "script_finished":
            run_id = msg.metadata.run.script_run_id
            self.log.append(
                (time.perf_counter(), f"run {run_id[:8]} finished {msg.script_finished}")
            )
            for run in reversed(self.runs):
                if run.run_id == run_id or not run_id:
                    run.finished, run.status = time.perf_counter(), msg.script_finished
                    break
        elif kind == "delta":
            self._delta(msg)
        elif kind == "navigation":
            for page in msg.navigation.app_pages:
                self.pages[page.url_pathname] = page.page_script_hash
            if msg.navigation.page_script_hash:
                self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._start_auto(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            self._stop_auto(list(msg.stop_auto_rerun.fragment_ids))
        elif kind == "session_event":
            event = msg.session_event
            if event.WhichOneof("type") == "script_compilation_exception":
                self.exceptions.append(event.script_compilation_exception.message)
        elif kind == "file_urls_response":
            self._file_urls[msg.file_urls_response.response_id] = msg.file_urls_response
        elif kind == "page_not_found":
            self.exceptions.append(f"page not found: {msg.page_not_found.page_name}")

    def _delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        proto = getattr(element, kind)
        self.elements[tuple(msg.metadata.delta_path)] = (kind, proto)
        if kind == "exception":
            self.exceptions.append(f"{proto.type}: {proto.message}")
        elif kind == "code":
            self.texts_seen.append(proto.code_text)
        elif kind in ("markdown", "alert"):
            self.texts_seen.append(proto.body)
        elif kind == "progress":
            self.texts_seen.append(proto.text)
        widget_id = getattr(proto, "id", "")
        if kind in WIDGETS and widget_id.startswith("$$ID-"):
            key = widget_id.split("-", 2)[2]
            if key:
                self.widgets[key] = Widget(key, widget_id, kind, proto, delta.fragment_id)

    # -------------------------------------------------------------------------------- helpers

    def texts(self, *kinds: str) -> list[str]:
        """Texts of the current elements of these kinds (code, markdown, alert, progress, ...)."""
        out = []
        for kind, proto in self.elements.values():
            if kinds and kind not in kinds:
                continue
            for attribute in ("code_text", "body", "text", "value"):
                value = getattr(proto, attribute, None)
                if isinstance(value, str) and value:
                    out.append(value)
                    break
        return out

    def summary(self) -> str:
        """Runs seen so far, for a timeout message: full and fragment runs by how they ended."""
        counts: dict[str, int] = {}
        for run in self.runs:
            kind = "fragment" if run.fragment_ids else "full"
            status = (
                "running"
                if run.status is None
                else ForwardMsg.ScriptFinishedStatus.Name(run.status)
            )
            counts[f"{kind} {status}"] = counts.get(f"{kind} {status}", 0) + 1
        last = time.perf_counter() - self.log[-1][0] if self.log else 0.0
        progress = self.texts("progress")
        return (
            f"runs: {counts}; {self.messages} messages; last event {last:.1f} s ago: "
            f"{self.log[-1][1] if self.log else '-'}; auto-rerun fragments {len(self._auto)}; "
            f"progress {progress[:2]}"
        )

    def widget(self, key: str) -> Widget:
        try:
            return self.widgets[key]
        except KeyError:
            raise StreamlitClientError(
                f"{self.name}: no widget with key {key!r} on the page"
            ) from None

    async def wait_for(self, predicate, timeout: float) -> None:
        """Wait until predicate() is true (checked after every message)."""
        deadline = time.perf_counter() + timeout
        async with self._changed:
            while not predicate():
                if self._reader_error is not None:
                    raise StreamlitClientError(
                        f"{self.name}: connection lost: {self._reader_error}"
                    )
                if self._reader is not None and self._reader.done():
                    raise StreamlitClientError(f"{self.name}: the server closed the connection")
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise TimeoutError(
                        f"{self.name}: timed out after {timeout:.0f} s ({self.summary()})"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), left)

    # ---------------------------------------------------------------------------------- acting

    async def _rerun(
        self,
        *,
        widget_state=None,
        fragment_id: str = "",
        page_name: str = "",
        page_script_hash: str = "",
        is_auto_rerun: bool = False,
        timeout: float = 180.0,
    ) -> float:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string
        state.page_name = page_name
        state.page_script_hash = page_script_hash or ("" if page_name else self.page_script_hash)
        state.is_auto_rerun = is_auto_rerun
        if fragment_id:
            state.fragment_id = fragment_id
        if widget_state is not None:
            state.widget_states.widgets.append(widget_state)
        if is_auto_rerun:
            await self._send(msg)
            return 0.0
        runs_before = len(self.runs)
        sent = time.perf_counter()
        self.log.append(
            (
                sent,
                f"sent {widget_state.id[-30:] if widget_state else page_name or page_script_hash}",
            )
        )
        await self._send(msg)

        def done() -> bool:
            for run in self.runs[runs_before:]:
                if run.status in FINISHED_OK and (fragment_id or not run.fragment_ids):
                    return True
            return False

        await self.wait_for(done, timeout)
        finished = next(
            r.finished
            for r in self.runs[runs_before:]
            if r.status in FINISHED_OK and (fragment_id or not r.fragment_ids)
        )
        return finished - sent

    def _start_auto(self, fragment_id: str, interval: float) -> None:
        if not fragment_id:
            return
        current = self._auto.get(fragment_id)
        if current is not None and current[0] == interval:
            return
        self._stop_auto([fragment_id])

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                await self._rerun(fragment_id=fragment_id, is_auto_rerun=True)

        self._auto[fragment_id] = (interval, asyncio.create_task(tick(), name=f"{self.name}-auto"))

    def _stop_auto(self, fragment_ids) -> None:
        for fragment_id in fragment_ids:
            entry = self._auto.pop(fragment_id, None)
            if entry is not None:
                entry[1].cancel()

    @property
    def auto_rerunning(self) -> bool:
        return bool(self._auto)

    async def set(self, key: str, value, timeout: float = 180.0) -> float:
        """Change widget `key` to `value` (a click for buttons); return the latency in seconds."""
        widget = self.widget(key)
        if getattr(widget.proto, "disabled", False):
            raise StreamlitClientError(f"{self.name}: widget {key!r} is disabled")
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        state = WidgetState(id=widget.id)
        field_name = WIDGETS[widget.kind]
        if field_name == "trigger_value":
            state.trigger_value = True
        elif field_name == "bool_value":
            state.bool_value = bool(value)
        elif field_name == "double_value":
            state.double_value = float(value)
        elif field_name == "string_value":
            options = list(getattr(widget.proto, "options", []))
            if widget.kind in ("selectbox", "radio") and value not in options:
                raise StreamlitClientError(
                    f"{self.name}: {value!r} is not an option of {key!r}: {options}"
                )
            state.string_value = str(value)
        elif widget.kind == "slider" and widget.proto.options:  # a select_slider: option labels
            labels = [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
            unknown = [label for label in labels if label not in widget.proto.options]
            if unknown:
                raise StreamlitClientError(
                    f"{self.name}: {unknown} not among the options of {key!r}"
                )
            state.string_array_value.data.extend(labels)
        elif field_name == "double_array_value":
            state.double_array_value.data.extend(
                value if isinstance(value, (list, tuple)) else [value]
            )
        elif field_name == "string_array_value":
            state.string_array_value.data.extend(
                value if isinstance(value, (list, tuple)) else [value]
            )
        return await self._rerun(
            widget_state=state, fragment_id=widget.fragment_id, timeout=timeout
        )

    async def upload(self, key: str, name: str, data: bytes, timeout: float = 180.0) -> float:
        """Put a file into the file_uploader `key` as the frontend does: ask the server for an
        upload URL, PUT the bytes there (multipart, field "file"), then send the widget's state
        naming the file. The server must run with server.enableXsrfProtection=false (a browser
        sends the XSRF cookie; this client does not). Returns the latency of the rerun."""
        import secrets
        import urllib.request

        from streamlit.proto.WidgetStates_pb2 import WidgetState

        widget = self.widget(key)
        request_id = secrets.token_hex(8)
        msg = BackMsg()
        msg.file_urls_request.request_id = request_id
        msg.file_urls_request.file_names.append(name)
        msg.file_urls_request.session_id = self.session_id
        await self._send(msg)
        await self.wait_for(lambda: request_id in self._file_urls, timeout)
        response = self._file_urls.pop(request_id)
        if response.error_msg:
            raise StreamlitClientError(f"{self.name}: upload refused: {response.error_msg}")
        urls = response.file_urls[0]
        boundary = secrets.token_hex(16)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        target = urls.upload_url
        if target.startswith("/"):
            target = self.url + target
        request = urllib.request.Request(
            target,
            data=body,
            method="PUT",
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

        def put() -> None:
            with urllib.request.urlopen(request, timeout=timeout) as reply:
                reply.read()

        await asyncio.to_thread(put)
        state = WidgetState(id=widget.id)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.name, info.size, info.file_id = name, len(data), urls.file_id
        info.file_urls.CopyFrom(urls)
        return await self._rerun(
            widget_state=state, fragment_id=widget.fragment_id, timeout=timeout
        )

    async def click(self, key: str, timeout: float = 180.0) -> float:
        return await self.set(key, True, timeout=timeout)

    async def switch_page(self, url_path: str, timeout: float = 180.0) -> float:
        """Go to another page of the st.navigation app, as a click in the sidebar does."""
        if url_path not in self.pages:
            raise StreamlitClientError(f"{self.name}: no page {url_path!r} in {sorted(self.pages)}")
        self._stop_auto(list(self._auto))
        self.widgets = {}
        self.query_string = ""  # a new url path: the frontend starts the next page without query
        return await self._rerun(page_script_hash=self.pages[url_path], timeout=timeout)
