"""Shape checks on a signed Slack body before slack_bolt sees it (``docs/inbox.md``).

slack_bolt trusts the shapes Slack documents; a signed body that breaks them (``"event":
null``, ``"actions": []``, a view without ``type``, ``container`` as a string, a lone
surrogate in ``event_id``, a 5,000-character user id...) made it raise deep inside and the
endpoint answer 500. Such a body is refused here with 400 and nothing else happens.
"""

from __future__ import annotations

from typing import Any

from adapters.limits import has_bad_strings

MAX_ID = 200  # Slack ids (users, teams, channels, events, actions) are far shorter


class BadSlackBody(ValueError):
    """A signed body that is not what Slack sends."""


def _id(value: Any, what: str, required: bool = False) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str) or not value or len(value) > MAX_ID:
        raise BadSlackBody(f"{what} is not an id")


def _obj(value: Any, what: str, required: bool = False) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise BadSlackBody(f"{what} is not an object")
    return value


def check_body(body: dict[str, Any]) -> None:
    """Raise ``BadSlackBody`` unless ``body`` (an event, a slash command or an interaction
    payload, as bolt parsed it) has the shape Slack documents."""
    if has_bad_strings(body):
        raise BadSlackBody("a string field is too long or not valid text")
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        raise BadSlackBody("type is not a string")
    # Read by bolt whatever the body is (also when logging an unmatched request).
    if "view" in body and not isinstance(body["view"], dict):
        raise BadSlackBody("view is not an object")
    if "actions" in body and (not isinstance(body["actions"], list) or not all(
            isinstance(a, dict) for a in body["actions"])):
        raise BadSlackBody("actions is not a list of actions")
    if "command" in body:  # a slash command (form fields)
        if not isinstance(body.get("command"), str):
            raise BadSlackBody("command is not a string")
        _id(body.get("user_id"), "user_id", required=True)
        _id(body.get("channel_id"), "channel_id")
        _id(body.get("team_id"), "team_id")
        return
    if kind == "url_verification":
        return
    if kind == "event_callback" or "event" in body:
        event = _obj(body.get("event"), "event", required=True)
        if not isinstance(event.get("type"), str):
            raise BadSlackBody("event without a type")
        _id(body.get("event_id"), "event_id")
        _id(body.get("team_id"), "team_id")
        user = event.get("user")
        if isinstance(user, dict):
            _id(user.get("id"), "event user")
        else:
            _id(user, "event user")
        _id(event.get("channel") if not isinstance(event.get("channel"), dict) else
            event["channel"].get("id"), "event channel")
        return
    if kind is None:
        raise BadSlackBody("no type")
    # Interactions (block_actions, view_submission, view_closed, shortcuts...).
    user = _obj(body.get("user"), "user", required=True)
    _id(user.get("id"), "user id", required=True)
    _id(_obj(body.get("team"), "team").get("id"), "team id")
    _obj(body.get("channel"), "channel")
    _obj(body.get("container"), "container")
    _obj(body.get("message"), "message")
    if kind == "block_actions" or "actions" in body:
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions:
            raise BadSlackBody("actions is not a list of actions")
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
                raise BadSlackBody("an action without an action_id")
    if kind.startswith("view_") or "view" in body:
        view = _obj(body.get("view"), "view", required=kind.startswith("view_"))
        if view and not isinstance(view.get("type"), str):
            raise BadSlackBody("a view without a type")
        if view:
            _obj(view.get("state"), "view state")
            values = _obj(view.get("state"), "view state").get("values")
            if values is not None and not isinstance(values, dict):
                raise BadSlackBody("view values are not an object")
