"""Button payloads: compact (≤ 64 bytes), round-trip, and tamper-evident."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.actions import MAX_PAYLOAD, Action, ActionCodec, BadPayload

codec = ActionCodec("k" * 32)


def test_round_trip() -> None:
    action = Action("confirm", 123456, 7, "90")
    packed = codec.pack(action)
    assert codec.unpack(packed) == action


def test_largest_payload_fits_telegram_limit() -> None:
    packed = codec.pack(Action("correct", 2**40, 2**20, "9" * 12))
    assert len(packed.encode()) <= MAX_PAYLOAD


def test_too_long_payload_is_refused_when_packing() -> None:
    with pytest.raises(ValueError):
        codec.pack(Action("claim", 1, 0, "x" * 60))


@pytest.mark.parametrize("index", range(8))
def test_any_changed_character_is_detected(index: int) -> None:
    packed = codec.pack(Action("claim", 42, 0, ""))
    chars = list(packed)
    chars[index] = "z" if chars[index] != "z" else "y"
    with pytest.raises(BadPayload):
        codec.unpack("".join(chars))


def test_payload_from_another_key_is_refused() -> None:
    with pytest.raises(BadPayload):
        codec.unpack(ActionCodec("another-secret-key").pack(Action("claim", 42)))


@given(st.text(max_size=80))
def test_garbage_never_unpacks(payload: str) -> None:
    with pytest.raises(BadPayload):
        codec.unpack(payload)
