"""The cast most conversation tests share: one type, an initiator, two assistants."""

from __future__ import annotations

import pytest

from bots.bootstrap import App
from core.kinds import Role
from tests.harness import Chat


@pytest.fixture
async def chat(app: App) -> Chat:
    """"Peripherals"; Ion (initiator), Ana and Bogdan (assistants)."""
    chat = Chat(app)
    await chat.add_type("Peripherals")
    await chat.add_person("Ion", Role.INITIATOR)
    await chat.add_person("Ana", Role.ASSISTANT)
    await chat.add_person("Bogdan", Role.ASSISTANT)
    return chat
