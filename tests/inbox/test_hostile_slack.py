"""Signed but malformed Slack bodies are answered 400 before slack_bolt sees them, and
nothing changes; a Hypothesis fuzz of signed payloads never gets a 5xx."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.clock import ManualClock
from core.kinds import Role
from tests.adapters.slack.slackstack import USERS, SlackHelpdesk, slack_helpdesk

# ~300 examples in the default suite; HELPDESK_FUZZ_EXAMPLES=10000 for the full run.
EXAMPLES = int(os.environ.get("HELPDESK_FUZZ_EXAMPLES", "300"))


async def state(hd: SlackHelpdesk) -> tuple[int, int, int]:
    counts = []
    async with hd.stack.app.engine.connect() as conn:
        for table in ("requests", "persons", "comments"):
            result = await conn.execute(text(f"SELECT count(*) FROM {table}"))
            counts.append(int(result.scalar_one()))
    return counts[0], counts[1], counts[2]


def button(**override: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions", "team": {"id": "T0FAKETEAM"},
        "user": {"id": USERS["Ana"], "username": "ana", "team_id": "T0FAKETEAM"},
        "api_app_id": "A0FAKEAPP", "token": "unused", "trigger_id": "1.2.3",
        "container": {"type": "message", "message_ts": "1.1", "channel_id": "D0ANA"},
        "channel": {"id": "D0ANA"}, "message": {"ts": "1.1", "text": "x"},
        "actions": [{"type": "button", "action_id": "hd:x", "block_id": "hd", "value": "v",
                     "action_ts": "1.0"}],
    }
    payload.update(override)
    return payload


async def test_malformed_signed_bodies_get_400(sqlite_url: str, clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await hd.stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
        before = await state(hd)
        event = json.loads(hd.event_body({"type": "message", "channel_type": "im",
                                          "channel": "D0ANA", "user": USERS["Ana"],
                                          "text": "hi", "ts": "1.1"}))
        bad_events = [
            {**event, "event": None},
            {**event, "event": {"type": None}},
            {**event, "event": {**event["event"], "user": "U" * 201}},
            {**event, "event": "a string"},
        ]
        for body in bad_events:
            status, _ = await hd.post(json.dumps(body), content_type="application/json")
            assert status == 400, body
        lone = hd.event_body(event["event"], event_id="Ev1").replace('"Ev1"', '"\\ud800"')
        assert (await hd.post(lone, content_type="application/json"))[0] == 400
        bad_interactions = [
            button(actions=[]), button(actions=None), button(actions=[None]),
            button(container="a string"), button(user={"id": "U" * 201}), button(user=None),
            {"type": "view_submission", "user": {"id": USERS["Ana"]}, "view": {"id": "V1"}},
            {"type": "view_submission", "user": {"id": USERS["Ana"]}, "view": None},
        ]
        for payload in bad_interactions:
            assert (await hd.interact(payload))[0] == 400, payload
        command = hd.command_body("Ana").replace(USERS["Ana"], "U" * 300)
        assert (await hd.post(command))[0] == 400
        deep = urlencode({"payload": '{"type":"block_actions","x":' + "[" * 5000 + "]" * 5000
                          + "}"})
        assert (await hd.post(deep))[0] == 400
        big = json.dumps({**event, "pad": "x" * 1_100_000})
        assert (await hd.post(big, content_type="application/json"))[0] == 400
        await hd.settle()
        assert await state(hd) == before
        assert hd.fake.calls == []


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["type", "event", "user", "id", "actions", "view",
                                       "container", "action_id", "value", "text", "channel",
                                       "event_id", "team", "state", "values"]),
                      children, max_size=5),
    max_leaves=15)


async def test_fuzzed_signed_payloads_never_get_a_5xx(sqlite_url: str,
                                                      clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await hd.stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
        statuses: list[int] = []
        bodies: list[tuple[str, str]] = []

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(kind=st.sampled_from(["event", "interaction"]),
               body=st.dictionaries(st.sampled_from(["type", "event", "user", "actions",
                                                     "view", "container", "event_id",
                                                     "team", "channel", "message"]),
                                    JSON, max_size=6))
        def collect(kind: str, body: dict[str, Any]) -> None:
            if kind == "event":
                bodies.append((json.dumps(body), "application/json"))
            else:
                bodies.append((urlencode({"payload": json.dumps(body)}),
                               "application/x-www-form-urlencoded"))

        collect()
        for raw, content_type in bodies:
            status, _ = await hd.post(raw, content_type=content_type)
            statuses.append(status)
        assert statuses and max(statuses) < 500, sorted(set(statuses))


async def test_bodies_bolt_would_choke_on_when_logging_get_400(sqlite_url: str,
                                                               clock: ManualClock) -> None:
    """Found by the 10,000-payload fuzz: an event envelope with a top-level ``view`` or
    ``actions`` that is not what Slack sends made bolt's "unhandled request" log raise."""
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await hd.stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
        before = await state(hd)
        event = json.loads(hd.event_body({"type": "reaction_added", "user": USERS["Ana"]}))
        for extra in ({"view": []}, {"view": None}, {"actions": {"a": 1}}, {"actions": [1]},
                      {"type": "block_actions", "actions": 5}):
            body = json.dumps({**event, **extra})
            status, _ = await hd.post(body, content_type="application/json")
            assert status == 400, extra
        command = hd.command_body("Ana") + "&view=x"
        assert (await hd.post(command))[0] == 400
        await hd.settle()
        assert await state(hd) == before
