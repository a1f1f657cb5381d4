"""Support shared by the e2e tests and the benchmarks: a real server, Debian's Chromium."""

from harness.browser import CHROMIUM, CHROMIUM_ARGS, chromium_available, wait_for_script
from harness.server import ROOT, free_port, free_ports, streamlit_server, wait_for_health

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "ROOT",
    "chromium_available",
    "free_port",
    "free_ports",
    "streamlit_server",
    "wait_for_health",
    "wait_for_script",
]
