"""Signed link pages (``/l/<token>``): act on a request from a link received by SMS."""

from adapters.web.articles import ArticlePages
from adapters.web.files import FileLinks
from adapters.web.pages import LinkPages
from adapters.web.tokens import KIND_FOR_ACTION, Link, LinkSigner
from adapters.web.unsubscribe import UNSUBSCRIBE_PATH, UnsubscribePages, UnsubscribeSigner

__all__ = ["ArticlePages", "FileLinks", "KIND_FOR_ACTION", "UNSUBSCRIBE_PATH", "Link", "LinkPages",
           "LinkSigner", "UnsubscribePages", "UnsubscribeSigner"]
