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


async def test_a_caller_stalled_past_its_slot_takes_a_new_one(redis_client) -> None:
    # 5 tokens/s, burst 1: the second caller's slot is 0.2 s away. The event loop is then
    # blocked for 0.5 s (a stalled process): sending at once would bunch with the next
    # slots, so it takes a new slot (and waits for it) instead.
    import asyncio
    import time

    gate = RedisRateGate(redis_client, {"telegram": (5.0, 1.0)})
    await gate.wait("telegram")  # the burst token: no wait, no retake
    waiting = asyncio.create_task(gate.wait("telegram"))
    await asyncio.sleep(0.05)  # it has its slot and sleeps
    time.sleep(0.5)  # noqa: ASYNC251 - the stall under test
    await waiting
    assert gate.retakes >= 1


async def test_callers_on_time_keep_their_slots(redis_client) -> None:
    gate = RedisRateGate(redis_client, {"telegram": (4.0, 1.0)})  # late: over 0.19 s
    for _ in range(3):
        await gate.wait("telegram")
    assert gate.retakes == 0


def test_a_slot_is_placed_on_the_local_clock_by_the_fastest_answer(redis_client) -> None:
    """Redis's time of a slot is mapped to the local clock with the smallest answer latency
    seen: a slow answer (a busy Redis, a busy process) neither moves a slot earlier (as
    counting from the request would) nor later (as counting from the answer would)."""
    gate = RedisRateGate(redis_client, {"telegram": (29.0, 1.0)})
    assert gate._local(1_000.0, answered=5.001) == pytest.approx(5.001)  # 1 ms latency
    # Answered 50 ms after Redis's time: still placed with the 1 ms (+ 0.1 ms drift) offset.
    assert gate._local(1_001.0, answered=6.050) == pytest.approx(6.0011)
    # A faster answer than ever improves the estimate at once.
    assert gate._local(1_002.0, answered=7.0005) == pytest.approx(7.0005)
