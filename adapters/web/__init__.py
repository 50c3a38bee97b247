"""Signed link pages (``/l/<token>``): act on a request from a link received by SMS."""

from adapters.web.files import FileLinks
from adapters.web.pages import LinkPages
from adapters.web.tokens import KIND_FOR_ACTION, Link, LinkSigner

__all__ = ["FileLinks", "KIND_FOR_ACTION", "Link", "LinkPages", "LinkSigner"]
