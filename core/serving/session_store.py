"""The store of closed tabs' work: a student's runs kept for a grace period after the tab closes.

Reopening the page (the same link, with its private `sid`) finds them again; after the grace
period they are forgotten.

Pure Python: the app keeps one instance per process and tells it which sessions are alive.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def default_grace_s() -> float:
    """Seconds a closed tab's runs are kept: $PLAYGROUND_GRACE_S, else 15 minutes."""
    configured = os.environ.get("PLAYGROUND_GRACE_S", "")
    return float(configured) if configured.replace(".", "", 1).isdigit() else 900.0


@dataclass
class _Entry:
    owner: str  # the live session that holds this sid now
    last_seen: float
    values: dict


@dataclass
class SessionStore:
    """sid -> the durable values of one student's session."""

    grace_s: float = field(default_factory=default_grace_s)
    max_entries: int = 1000  # a hard cap, oldest dropped first
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _entries: dict[str, _Entry] = field(default_factory=dict)

    @staticmethod
    def new_sid() -> str:
        """An unguessable id for a new student session."""
        return secrets.token_urlsafe(16)

    def claim(self, sid: str, session: str, is_active: Callable[[str], bool]) -> dict | None:
        """The values kept under `sid` if its last owner is gone (tab closed), now owned by
        `session`; None if there is nothing to restore or the owner is still connected (a
        copied link must not take over another student's live session)."""
        with self._lock:
            self._expire(is_active)
            entry = self._entries.get(sid)
            if entry is None or (entry.owner != session and is_active(entry.owner)):
                return None
            entry.owner, entry.last_seen = session, self.clock()
            return dict(entry.values)

    def remember(
        self, sid: str, session: str, values: dict, is_active: Callable[[str], bool]
    ) -> bool:
        """Keep `values` under `sid` for `session`. False (nothing stored) when another live
        session owns that sid."""
        with self._lock:
            entry = self._entries.get(sid)
            if entry is not None and entry.owner != session and is_active(entry.owner):
                return False
            self._entries.pop(sid, None)
            self._entries[sid] = _Entry(session, self.clock(), dict(values))
            while len(self._entries) > self.max_entries:
                del self._entries[next(iter(self._entries))]
            return True

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
