"""Block Kit payloads Slack accepts, checked with slack_sdk's own model classes (they raise
``SlackObjectFormationError`` on Slack's limits) plus the limits slack_sdk does not model:
https://docs.slack.dev/reference/block-kit/blocks (50 blocks a message, 100 in a modal or
the App Home) and plain_text_input's ``max_length`` (at most 3,000)."""

from __future__ import annotations

import html
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block, PlainTextInputElement
from slack_sdk.models.views import View

from adapters.slack import blocks
from core.forms import Entry, Form, FormField, Overview, Section
from core.messages import Button, Reply

SLACK_MESSAGE_BLOCKS = 50
SLACK_VIEW_BLOCKS = 100
SLACK_INPUT_MAX_LENGTH = 3000
ENTITY = re.compile(r"&(amp|lt|gt);")


def slack_accepts_message(payload: dict[str, Any]) -> None:
    assert 1 <= len(payload["blocks"]) <= SLACK_MESSAGE_BLOCKS, len(payload["blocks"])
    for raw in payload["blocks"]:
        block = Block.parse(raw)
        assert block is not None
        block.to_dict()  # validates, raising SlackObjectFormationError on a broken limit
    assert 0 < len(payload["text"]) <= blocks.MESSAGE_TEXT
    assert_whole_entities(payload["text"])


def slack_accepts_view(view: dict[str, Any]) -> None:
    View(**view).to_dict()  # 1..100 blocks, title/submit/close lengths, every block valid
    for raw in view["blocks"]:
        element = raw.get("element") or {}
        if element.get("type") == "plain_text_input" and "max_length" in element:
            parsed = PlainTextInputElement(**element)
            assert parsed.max_length is not None
            assert 1 <= parsed.max_length <= SLACK_INPUT_MAX_LENGTH


def assert_whole_entities(text: str) -> None:
    """Every ``&`` starts a whole entity: escaping was not cut in the middle."""
    assert len(re.findall("&", text)) == len(ENTITY.findall(text)), text[-20:]


def test_plain_text_input_max_length_is_at_most_3000() -> None:
    form = Form("request", "New request", "Place", "Cancel", (
        FormField("description", "Describe", "multiline", max_length=4000,
                  initial="x" * 5000),
        FormField("time", "Time", "text", max_length=20),
    ), context="ctx")
    view = blocks.modal(form)
    slack_accepts_view(view)
    assert view["blocks"][1]["element"]["max_length"] == 20


def test_a_long_reply_never_exceeds_50_blocks() -> None:
    reply = Reply("word " * 60_000, tuple(Button(f"B{i}", f"p{i}") for i in range(60)))
    drawn = blocks.message(reply)
    slack_accepts_message(drawn)
    assert drawn["blocks"][-1]["type"] == "actions"  # the buttons are kept
    assert drawn["blocks"][-4]["text"]["text"].endswith("…")
    slack_accepts_message(blocks.message(Reply("&" * 200_000)))


def test_modals_and_app_home_never_exceed_100_blocks() -> None:
    form = Form("request", "New request", "Place", "Cancel", tuple(
        FormField(f"f{i}", "Field", "text") for i in range(150)), context="ctx")
    slack_accepts_view(blocks.modal(form))
    entries = tuple(Entry(f"HD-{i} <b>", (Button("Open", f"o{i}"),)) for i in range(80))
    home = blocks.home(Overview("Hello", (Section("Yours", entries, "none"),),
                                (Button("New", "n"),)))
    slack_accepts_view(home)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from("&<>ab \n"), min_size=1, max_size=7000),
       size=st.integers(min_value=8, max_value=60))
def test_escaping_never_splits_an_entity_across_blocks(text: str, size: int) -> None:
    original = blocks.SECTION_TEXT
    blocks.SECTION_TEXT = size  # small sections: many cuts near entities
    try:
        drawn = blocks.message(Reply(text))
    finally:
        blocks.SECTION_TEXT = original
    sections = [b["text"]["text"] for b in drawn["blocks"]]
    for section in sections:
        assert len(section) <= size
        assert_whole_entities(section)
    if len(sections) < SLACK_MESSAGE_BLOCKS:  # not cut short: every character is there
        assert "".join(html.unescape(s) for s in sections).replace(" ", "").replace(
            "\n", "") == text.replace(" ", "").replace("\n", "")


def test_section_text_at_slacks_real_limit_is_valid() -> None:
    text = "a" * 2998 + "&" + "b" * 10
    drawn = blocks.message(Reply(text))
    slack_accepts_message(drawn)
    first = drawn["blocks"][0]["text"]["text"]
    assert first == "a" * 2998 and drawn["blocks"][1]["text"]["text"].startswith("&amp;")
