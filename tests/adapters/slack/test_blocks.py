"""Block Kit drawing: escaping, Slack's limits, commands, modals, submitted values."""

from __future__ import annotations

from adapters.slack import blocks
from adapters.slack.bot import dedupe_token
from adapters.slack.sender import make_ref, split_ref
from core.forms import Choice, Entry, Form, FormField, Overview, Section
from core.messages import Button, Reply


def test_text_is_escaped_and_commands_are_subcommands() -> None:
    drawn = blocks.message(Reply("Send /new or /my <!channel> & co; 1:30 and a/b stay",
                                 (Button("Claim", "claim:1:0::sig"),)))
    section = drawn["blocks"][0]["text"]["text"]
    assert section == ("Send /helpdesk new or /helpdesk my &lt;!channel&gt; &amp; co; 1:30 "
                       "and a/b stay")
    assert drawn["text"] == section
    actions = drawn["blocks"][1]
    assert actions["type"] == "actions"
    assert actions["elements"][0] == {
        "type": "button", "action_id": "hd.0",
        "text": {"type": "plain_text", "text": "Claim", "emoji": True},
        "value": "claim:1:0::sig"}


def test_long_texts_and_many_buttons_respect_slack_limits() -> None:
    reply = Reply("x" * 7000, tuple(Button("L" * 100, f"p{i}") for i in range(30)))
    drawn = blocks.message(reply)
    sections = [b for b in drawn["blocks"] if b["type"] == "section"]
    assert [len(s["text"]["text"]) for s in sections] == [3000, 3000, 1000]
    actions = [b for b in drawn["blocks"] if b["type"] == "actions"]
    assert [len(a["elements"]) for a in actions] == [25, 5]
    assert len({a["block_id"] for a in actions}) == 2
    ids = [e["action_id"] for a in actions for e in a["elements"]]
    assert len(set(ids)) == 30 and all(blocks.ACTION_ID.match(i) for i in ids)
    assert all(len(e["text"]["text"]) <= 75 for a in actions for e in a["elements"])
    assert not [b for b in blocks.message(reply, buttons=False)["blocks"]
                if b["type"] == "actions"]


def test_modal_and_submitted_values() -> None:
    form = Form("request", "A very long title for a modal", "Place", "Cancel", (
        FormField("type", "What is it about?", "select",
                  (Choice("1", "Peripherals"), Choice("2", "Network"))),
        FormField("assistant", "Who?", "select", (Choice("0", "Anyone"),), initial="0"),
        FormField("description", "Describe", "multiline", max_length=4000, hint="Be brief"),
    ), context="ctx")
    view = blocks.modal(form)
    assert view["callback_id"] == "hd.request" and view["private_metadata"] == "ctx"
    assert len(view["title"]["text"]) <= 24
    assert [b["block_id"] for b in view["blocks"]] == ["type", "assistant", "description"]
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "0"
    assert view["blocks"][2]["element"]["multiline"] is True
    assert view["blocks"][2]["hint"]["text"] == "Be brief"
    assert blocks.form_kind(view) == "request"
    assert blocks.form_kind({"callback_id": "someone_else"}) is None
    state = {"values": {
        "type": {"type": {"type": "static_select", "selected_option": {"value": "2"}}},
        "assistant": {"assistant": {"type": "static_select", "selected_option": None}},
        "description": {"description": {"type": "plain_text_input", "value": "Broken"}},
        "junk": "not a dict",
    }}
    assert blocks.submitted_values({"state": state}) == {"type": "2", "description": "Broken"}
    assert blocks.submitted_values({"state": {"values": []}}) == {}
    assert blocks.submitted_values({}) == {}


def test_home_view() -> None:
    overview = Overview("Hello Ion!", (
        Section("Your requests:", (Entry("• HD-1 — open\nPrinter", (Button("Cancel", "c"),)),),
                "None yet."),
        Section("Your queue:", (), "Your queue is empty."),
    ), (Button("New request", "n"),))
    view = blocks.home(overview)
    assert view["type"] == "home"
    kinds = [b["type"] for b in view["blocks"]]
    assert kinds == ["section", "actions", "divider", "header", "section", "actions",
                     "divider", "header", "section"]
    block_ids = [b["block_id"] for b in view["blocks"] if b["type"] == "actions"]
    assert len(set(block_ids)) == len(block_ids)


def test_refs_and_dedupe_tokens() -> None:
    assert split_ref(make_ref("D1", "1700000000.000100")) == ("D1", "1700000000.000100")
    assert dedupe_token({"event_id": "Ev1", "trigger_id": "t"}, "") == "event:Ev1"
    assert dedupe_token({"type": "block_actions", "trigger_id": "t",
                         "actions": [{"action_ts": "1.2"}]}, "") == "action:t:1.2"
    assert dedupe_token({"type": "view_submission", "trigger_id": "t"}, "") == "trigger:t"
    assert dedupe_token({"type": "url_verification"}, "x") is None
    assert dedupe_token({"command": "/helpdesk"}, "a=b").startswith("body:")


def test_the_manifest_matches_the_adapter() -> None:
    from pathlib import Path

    from adapters.slack import EVENTS_PATH

    manifest = (Path(__file__).resolve().parents[3] / "slack-manifest.yml").read_text()
    assert f"- command: {blocks.COMMAND}\n" in manifest
    assert manifest.count(f"https://helpdesk.example.com{EVENTS_PATH}\n") == 3
    for needed in ("- app_home_opened", "- message.im", "- commands", "- chat:write",
                   "- im:write", "- im:history", "- users:read", "home_tab_enabled: true",
                   "is_enabled: true"):
        assert needed in manifest, needed
