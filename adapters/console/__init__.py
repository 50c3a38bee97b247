"""The terminal channel: try the whole helpdesk as several people from one keyboard."""

from adapters.console.channel import ConsoleChannel, ConsoleSender

__all__ = ["ConsoleChannel", "ConsoleSender"]
