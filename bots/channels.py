"""Channel plugins: how each channel is wired into the running app.

Each channel lives in its own ``bots/channel_<name>.py`` with one ``Plugin`` class, so
channels can be added without touching the server or the CLI. ``serve_forever`` asks every
plugin whether its settings are present, lets it mount routes and register its sender,
then starts its background tasks (long polling, Socket Mode, ...).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

if TYPE_CHECKING:
    from bots.bootstrap import App
    from bots.settings import Settings

log = logging.getLogger(__name__)

# Modules providing a ``Plugin``; a module that does not exist yet is skipped.
PLUGIN_MODULES = (
    "bots.channel_telegram",
    "bots.channel_slack",
    "bots.channel_sms",
    "bots.channel_web",
    "bots.channel_email",
    "bots.channel_email_inbound",
    "bots.channel_portal",
)


class ChannelStartError(Exception):
    """A channel cannot start because of its configuration (e.g. the platform refuses the
    token). The message is one line; the command line prints it and exits with code 2."""


class ChannelPlugin(Protocol):
    name: str

    def configured(self, settings: Settings) -> bool:
        """True when the settings this channel needs are present."""

    async def setup(self, app: App, web_app: web.Application) -> None:
        """Mount routes on the shared aiohttp app and register the channel's sender."""

    async def start(self, app: App, stop: asyncio.Event) -> list[asyncio.Task[None]]:
        """Start background tasks (polling, sockets); they end when ``stop`` is set.
        Raises ``ChannelStartError`` when the platform refuses the configuration."""

    async def close(self) -> None:
        """Release clients and sessions."""


def available_plugins() -> list[ChannelPlugin]:
    plugins: list[ChannelPlugin] = []
    for module_name in PLUGIN_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        plugins.append(module.Plugin())
    return plugins


def configured_plugins(settings: Settings) -> list[ChannelPlugin]:
    return [p for p in available_plugins() if p.configured(settings)]
