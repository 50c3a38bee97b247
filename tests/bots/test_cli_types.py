"""``admin add-type`` / ``set-type`` settings: SLA per priority, feedback window, fields,
routing — and one clear line for bad input."""

from __future__ import annotations

import pytest
import typer

from bots.cli import describe_type, type_settings
from core.kinds import Role
from core.model import Person, RequestType
from core.sla import SlaPolicy

ANA = Person(2, "Ana", Role.ASSISTANT)


def test_settings_are_applied_and_kept() -> None:
    rtype = type_settings(RequestType(1, "Peripherals"), fields=["Room", " Room ", "Asset"],
                          claim_minutes=15, resolve_minutes=None, sla_specs=["high=5/60"],
                          feedback_hours=48, assistants=[ANA])
    assert rtype.policy("normal") == SlaPolicy(15, 480)
    assert rtype.policy("high") == SlaPolicy(5, 60)
    assert rtype.policy("low") == SlaPolicy(15, 480)
    assert rtype.feedback_minutes == 48 * 60
    assert rtype.fields == ("Room", "Asset") and rtype.assistant_ids == (2,)
    same = type_settings(rtype, fields=None, claim_minutes=None, resolve_minutes=120,
                         sla_specs=None, feedback_hours=None, assistants=None)
    assert same.policy("normal") == SlaPolicy(15, 120) and same.fields == ("Room", "Asset")
    assert same.assistant_ids == (2,) and same.feedback_minutes == 48 * 60
    assert "claim 15 min; resolve 120 min; feedback 48 h" in describe_type(same)


@pytest.mark.parametrize("kwargs", [
    {"sla_specs": ["high=5"]}, {"sla_specs": ["vip=5/60"]}, {"claim_minutes": 0},
    {"feedback_hours": 0},
])
def test_bad_settings_stop_with_one_line(kwargs: dict[str, object]) -> None:
    base: dict[str, object] = {"fields": None, "claim_minutes": None, "resolve_minutes": None,
                               "sla_specs": None, "feedback_hours": None, "assistants": None}
    with pytest.raises(typer.Exit):
        type_settings(RequestType(1, "X"), **{**base, **kwargs})  # type: ignore[arg-type]
