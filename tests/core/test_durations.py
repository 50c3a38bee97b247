"""Reading time spent as people type it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.durations import format_compact, format_duration, parse_duration
from core.errors import Invalid


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("1h30", 90), ("90m", 90), ("1:30", 90), ("45", 45), ("2h", 120), ("1h 30m", 90),
     ("1.5h", 90), ("1,5h", 90), (" 15 min ", 15), ("24h", 1440)],
)
def test_accepted(text: str, minutes: int) -> None:
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["abc", "-5m", "0", "999h", "", "1:75", "1h30x", "0m", "24h1"])
def test_refused_with_a_clear_message(text: str) -> None:
    with pytest.raises(Invalid) as info:
        parse_duration(text)
    assert info.value.text.msgid


@pytest.mark.parametrize(("minutes", "text"), [(90, "1h30"), (45, "45m"), (120, "2h"),
                                               (-30, "-30m")])
def test_compact_format(minutes: int, text: str) -> None:
    assert format_compact(minutes) == text


@pytest.mark.parametrize(
    ("language", "minutes", "text"),
    [("en", 90, "1 hour, 30 minutes"), ("en", 60, "1 hour"), ("en", 45, "45 minutes"),
     ("pl", 60, "1 godzina"), ("pl", 120, "2 godziny"), ("pl", 300, "5 godzin"),
     ("ru", 60, "1 час"), ("ru", 120, "2 часа"), ("ru", 300, "5 часов"),
     ("ro", 90, "1 oră și 30 de minute"), ("pt", 150, "2 horas e 30 minutos")],
)
def test_localised_format_has_plural_forms(language: str, minutes: int, text: str) -> None:
    assert format_duration(minutes, language) == text


@given(st.text(max_size=40))
def test_any_text_gives_minutes_or_invalid(text: str) -> None:
    try:
        minutes = parse_duration(text)
    except Invalid:
        return
    assert 0 < minutes <= 24 * 60


@given(st.integers(min_value=1, max_value=24 * 60))
def test_compact_format_then_parse_round_trips(minutes: int) -> None:
    assert parse_duration(format_compact(minutes)) == minutes
