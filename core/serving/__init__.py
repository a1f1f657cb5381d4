"""Serving a lecture hall: the fair training queue and the store of closed tabs' work."""

from core.serving.scheduling import TrainingSlots, default_capacity, machine_cores, thread_shares
from core.serving.session_store import SessionStore

__all__ = ["SessionStore", "TrainingSlots", "default_capacity", "machine_cores", "thread_shares"]
