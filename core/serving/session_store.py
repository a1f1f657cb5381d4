"""The store of closed tabs' work: a student's runs kept for a grace period after the tab closes.

Reopening the page in the same browser finds them again; after the grace period they are
forgotten. The browser is told apart by a random key it keeps (the app puts it in a
SameSite=Strict cookie, never in the URL), so an address copied into a chat hands nothing over.
Each entry belongs to one tab's session (`sid`, private to the server); a browser with several
tabs gets back the most recently seen one whose tab is gone.

Pure Python: the app keeps one instance per process and tells it which sessions are alive.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

_KEY = re.compile(r"[A-Za-z0-9_-]{20,64}")


def default_grace_s() -> float:
    """Seconds a closed tab's runs are kept: $PLAYGROUND_GRACE_S, else 15 minutes."""
    configured = os.environ.get("PLAYGROUND_GRACE_S", "")
    return float(configured) if configured.replace(".", "", 1).isdigit() else 900.0


def release_memory() -> None:
    """Give forgotten sessions' memory back. A closed session's state sits in reference cycles
    (Streamlit's session objects and ours) that only a full collection frees, and the app runs
    with runner.postScriptGC off (a collection after every run held the GIL for ~0.6 s under a
    class); then glibc is asked to return the freed pages to the system."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def keep_freed_memory() -> bool:
    """Tune glibc's allocator for training, once per server process; False where it is not glibc.

    A training batch allocates and frees the same activations (8 MB for the course CNN's first
    layer, per piece) again and again. By default glibc maps such blocks fresh or hands the top
    of a heap back to the system as soon as it is free, and the next batch pays a page fault per
    4 KB to get it back: measured here, the SIGNS trainer (two cores, batch norm over the whole
    batch) ran at 269 images/s (median of five) without these settings and at 347 with them. Blocks up to 32 MB now come from the heaps,
    heaps grow 64 MB at a time and are not trimmed below 1 GB by themselves; release_memory still
    gives everything free back when sessions are forgotten (malloc_trim ignores the threshold).
    PyTorch's CPU tuning guide recommends jemalloc or tcmalloc for the same reason; this needs
    no library outside the standard one."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(_M_MMAP_THRESHOLD, 32 * 1024 * 1024)
            and libc.mallopt(_M_TRIM_THRESHOLD, 1024 * 1024 * 1024)
            and libc.mallopt(_M_TOP_PAD, 64 * 1024 * 1024)
        )
    except (OSError, AttributeError):
        return False


@dataclass
class _Entry:
    browser: str  # the key of the browser the tab was open in
    owner: str  # the live session that holds this sid now
    last_seen: float
    values: dict


@dataclass
class SessionStore:
    """sid -> the durable values of one student's session, and the browser it belongs to."""

    grace_s: float = field(default_factory=default_grace_s)
    max_entries: int = 1000  # a hard cap, oldest dropped first
    clock: Callable[[], float] = time.monotonic
    # Called (outside the lock) after entries were forgotten, at most every `release_every_s`:
    # the app passes release_memory.
    on_forget: Callable[[], None] | None = None
    release_every_s: float = 10.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _forgotten: int = 0  # entries forgotten since on_forget last ran
    _last_release: float = float("-inf")

    @staticmethod
    def new_sid() -> str:
        """An unguessable id for a new student session, or a new browser's key."""
        return secrets.token_urlsafe(16)

    @staticmethod
    def is_key(text: str) -> bool:
        """True for text shaped like `new_sid()` (anything else read from a cookie is ignored)."""
        return isinstance(text, str) and _KEY.fullmatch(text) is not None

    def claim(
        self, browser: str, session: str, is_active: Callable[[str], bool]
    ) -> tuple[str, dict] | None:
        """(sid, values) of the most recently seen entry of `browser` whose tab is gone, now
        owned by `session`; None if there is none (a tab still open keeps its own work)."""
        if not self.is_key(browser):
            return None
        try:
            return self._claim(browser, session, is_active)
        finally:
            self._release_if_due()

    def _claim(
        self, browser: str, session: str, is_active: Callable[[str], bool]
    ) -> tuple[str, dict] | None:
        with self._lock:
            self._expire(is_active)
            mine = [
                (entry.last_seen, sid)
                for sid, entry in self._entries.items()
                if entry.browser == browser
                and (entry.owner == session or not is_active(entry.owner))
            ]
            if not mine:
                return None
            sid = max(mine)[1]
            entry = self._entries[sid]
            entry.owner, entry.last_seen = session, self.clock()
            return sid, dict(entry.values)

    def remember(
        self, sid: str, browser: str, session: str, values: dict, is_active: Callable[[str], bool]
    ) -> bool:
        """Keep `values` under `sid` for `session` of `browser`. False (nothing stored) when
        another live session owns that sid."""
        try:
            return self._remember(sid, browser, session, values, is_active)
        finally:
            self._release_if_due()

    def _remember(
        self, sid: str, browser: str, session: str, values: dict, is_active: Callable[[str], bool]
    ) -> bool:
        with self._lock:
            self._expire(is_active)
            entry = self._entries.get(sid)
            if entry is not None and entry.owner != session and is_active(entry.owner):
                return False
            self._entries.pop(sid, None)
            self._entries[sid] = _Entry(browser, session, self.clock(), dict(values))
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]
                self._forgotten += 1
            return True

    def forget(self, sid: str) -> None:
        """Drop the entry under `sid` (its session ended for good)."""
        with self._lock:
            self._entries.pop(sid, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _expire(self, is_active: Callable[[str], bool]) -> None:
        now = self.clock()
        for sid in [
            s
            for s, e in self._entries.items()
            if now - e.last_seen > self.grace_s and not is_active(e.owner)
        ]:
            del self._entries[sid]
            self._forgotten += 1

    def _release_if_due(self) -> None:
        with self._lock:
            now = self.clock()
            due = (
                self.on_forget is not None
                and self._forgotten > 0
                and now - self._last_release >= self.release_every_s
            )
            if due:
                self._forgotten, self._last_release = 0, now
        if due:
            self.on_forget()
