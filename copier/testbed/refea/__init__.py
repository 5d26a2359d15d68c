"""The reference EA: a Python protocol-v1 client that behaves as the MQL Monitor and Executor."""

from copier.testbed.refea.client import EaSettings, EventOutbox, ReferenceEa, backoff_delay
from copier.testbed.refea.detect import Change, Look, diff
from copier.testbed.refea.run import main, run_reference_ea

__all__ = [
    "Change",
    "EaSettings",
    "EventOutbox",
    "Look",
    "ReferenceEa",
    "backoff_delay",
    "diff",
    "main",
    "run_reference_ea",
]
