"""The welcome's warning for a replaced key says how long it has left in the right unit (issue
#15: a grace of ~2 s read "1 h")."""

from __future__ import annotations

import pytest

from copier.bridge.audit import AuditTrail
from copier.bridge.auth import KeyGrant, MemoryKeyVerifier
from copier.bridge.keywatch import HOUR_MS, KeyWatch, duration_text

NOW = 1_800_000_000_000


@pytest.mark.parametrize(
    ("left_ms", "text"),
    [
        (1_500, "2 s"),
        (59_000, "59 s"),
        (90_000, "2 min"),
        (HOUR_MS, "1 h"),
        (24 * HOUR_MS, "24 h"),
        (72 * HOUR_MS, "3 days"),
        (0, "1 s"),
    ],
)
def test_durations_read_in_their_unit_rounded_up(left_ms: int, text: str) -> None:
    assert duration_text(left_ms) == text


def test_a_replaced_key_with_two_seconds_of_grace_says_two_seconds() -> None:
    watch = KeyWatch(MemoryKeyVerifier(), 7, lambda: NOW, AuditTrail(None))
    grant = KeyGrant("mt5:1@X", "k1", expires_ms=NOW + 2_000, replaced=True)

    days, warn = watch.welcome_fields(grant)

    assert days == 0
    assert warn == "API key replaced: it stops working in 2 s — put the newest key in inputs"
