"""The Slack channel (slack-bolt): slash command, modals, buttons, triage channel, App Home.

Translation only: Slack requests become ``Inbound`` / form submissions, replies become Web
API calls with Block Kit. Wiring (which callables, which settings) is ``bots/channel_slack``.
"""

from adapters.slack.bot import SlackBot
from adapters.slack.http import EVENTS_PATH, SlackEvents
from adapters.slack.sender import CHANNEL, SlackSender
from adapters.slack.socket import SlackSocket

__all__ = ["CHANNEL", "EVENTS_PATH", "SlackBot", "SlackEvents", "SlackSender", "SlackSocket"]
