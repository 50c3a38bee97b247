"""The shared token bucket (issue 14) on fakeredis[lua] and on a real Redis."""

from __future__ import annotations

import pytest

from persistence.rate_limit import RedisRateGate


async def test_a_burst_passes_then_callers_are_spaced(redis_client) -> None:
    gate = RedisRateGate(redis_client, {"telegram": (30.0, 30.0)})
    delays = [await gate.delay("telegram") for _ in range(45)]
    assert delays[:29] == [0.0] * 29
    late = delays[30:]
    # Reserved one after the other: the 15 over the burst wait about 1/30 s more each.
    assert all(b > a for a, b in zip(late, late[1:], strict=False))
    assert late[-1] == pytest.approx(15 / 30, abs=0.1)


async def test_two_processes_share_one_bucket(redis_client) -> None:
    one = RedisRateGate(redis_client, {"sms": (1.0, 1.0)})
    two = RedisRateGate(redis_client, {"sms": (1.0, 1.0)})
    assert await one.delay("sms:+40700000001") == 0.0
    assert await two.delay("sms:+40700000001") == pytest.approx(1.0, abs=0.1)
    assert await two.delay("sms:+40700000002") == 0.0  # another number, another bucket


async def test_keys_without_a_limit_pass(redis_client) -> None:
    gate = RedisRateGate(redis_client, {})
    assert await gate.delay("slack:C1") == 0.0
