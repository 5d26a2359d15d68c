"""Reconnect backoff: 0.5 s doubling to 30 s, scaled by a jitter factor in [0.5, 1.0]."""

from __future__ import annotations

import random

from copier.bridge.protocol import BACKOFF_BASE_S, BACKOFF_CAP_S
from copier.testbed.refea.client import backoff_delay


def test_backoff_doubles_from_half_a_second_and_stays_within_its_jitter_band() -> None:
    rng = random.Random(7)

    delays = [backoff_delay(n, BACKOFF_BASE_S, BACKOFF_CAP_S, rng) for n in range(10)]

    ceilings = [0.5, 1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert all(c * 0.5 <= d <= c for d, c in zip(delays, ceilings, strict=True))


def test_backoff_jitter_spreads_reconnects_of_many_eas() -> None:
    rng = random.Random(1)

    first_waits = {round(backoff_delay(0, 0.5, 30, rng), 6) for _ in range(50)}

    assert len(first_waits) > 40


def test_the_same_seed_gives_the_same_waits() -> None:
    one = [backoff_delay(n, 0.5, 30, random.Random(3)) for n in range(5)]
    two = [backoff_delay(n, 0.5, 30, random.Random(3)) for n in range(5)]

    assert one == two
