"""When the supervisor restarts a replica: pure bookkeeping over a clock, tested without processes.

A replica that exits is started again after a delay that doubles with each exit in a row (1, 2,
4 ... 30 s), so a replica that crashes at once does not spin; one that ran `stable_s` before it
died starts over at the first delay. A replica whose /_stcore/health has not answered for
`hung_after` polls in a row (after `start_grace_s` to import torch and start) is treated as dead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RestartPolicy:
    first_delay_s: float = 1.0
    factor: float = 2.0
    max_delay_s: float = 30.0
    stable_s: float = 60.0  # a run this long resets the backoff
    start_grace_s: float = 90.0  # health may fail this long after a start (torch imports)
    hung_after: int = 3  # failed health polls in a row that mean "hung"

    def delay(self, failures: int) -> float:
        """Seconds to wait before the restart after `failures` exits in a row (1, 2, ...)."""
        if failures < 1:
            return 0.0
        return min(self.max_delay_s, self.first_delay_s * self.factor ** (failures - 1))


@dataclass
class ReplicaLife:
    """What the supervisor knows about one replica between polls."""

    started_at: float = 0.0
    failures: int = 0  # exits in a row, each after a run shorter than stable_s
    restarts: int = 0  # restarts since the supervisor started
    restart_at: float | None = None  # set while it is down and waiting for its restart
    failed_polls: int = 0
    healthy_once: bool = False  # answered health since its last start

    def started(self, now: float) -> None:
        self.started_at, self.restart_at = now, None
        self.failed_polls, self.healthy_once = 0, False

    def exited(self, now: float, policy: RestartPolicy) -> float:
        """It exited (or was killed as hung) at `now`: when to start it again."""
        if now - self.started_at >= policy.stable_s:
            self.failures = 0
        self.failures += 1
        self.restart_at = now + policy.delay(self.failures)
        return self.restart_at

    def due(self, now: float) -> bool:
        return self.restart_at is not None and now >= self.restart_at

    def health(self, ok: bool, now: float, policy: RestartPolicy) -> bool:
        """Record a health poll; True when the replica counts as hung and must be restarted."""
        if ok:
            self.failed_polls, self.healthy_once = 0, True
            return False
        self.failed_polls += 1
        if not self.healthy_once and now - self.started_at < policy.start_grace_s:
            return False
        return self.failed_polls >= policy.hung_after
