"""The shared token bucket (issue 14) on fakeredis[lua] and on a real Redis."""

from __future__ import annotations

import pytest

from persistence.rate_limit import RedisRateGate


async def test_a_burst_passes_then_callers_are_spaced(redis_client) -> None:
    # One token per 100 s (so the time the test takes does not matter), a burst of 3.
    gate = RedisRateGate(redis_client, {"telegram": (0.01, 3.0)})
    delays = [await gate.delay("telegram") for _ in range(6)]
    assert delays[:3] == [0.0] * 3
    # Reserved one after the other: each caller over the burst waits one interval more.
    assert delays[3:] == [pytest.approx(100 * n, abs=1) for n in (1, 2, 3)]


async def test_two_processes_share_one_bucket(redis_client) -> None:
    one = RedisRateGate(redis_client, {"sms": (0.01, 1.0)})
    two = RedisRateGate(redis_client, {"sms": (0.01, 1.0)})
    assert await one.delay("sms:+40700000001") == 0.0
    assert await two.delay("sms:+40700000001") == pytest.approx(100, abs=1)
    assert await two.delay("sms:+40700000002") == 0.0  # another number, another bucket


async def test_keys_without_a_limit_pass(redis_client) -> None:
    gate = RedisRateGate(redis_client, {})
    assert await gate.delay("slack:C1") == 0.0
