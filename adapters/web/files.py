"""Signed file links (``/f/<token>``): how SMS recipients get an attachment.

A token binds a person and an attachment and expires after 7 days; it is signed with
SECRET_KEY under its own salt, so it can never be used as a link-page token (or the other
way round). Whether the person may still see the request is asked at every download
(``FileFor``), so a link stops working when their access ends.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from urllib.parse import quote

from aiohttp import web

from adapters.web.pages import accepted_language
from adapters.web.tokens import DatedTokens, LinkExpired, LinkInvalid
from core.clock import Clock
from core.i18n import _, use_language

FILE_TTL = timedelta(days=7)
PATH = "/f/{token}"
INLINE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})  # shown, not saved
_VALUE = re.compile(r"^([0-9a-f]{1,8})-([0-9a-f]{1,8})$")
# (person id, attachment id) -> (file name, mime type, content), or None when the person may
# not have it (any more) or it is gone.
FileFor = Callable[[int, int], Awaitable[tuple[str, str, bytes] | None]]


class FileLinks:
    """Makes file-link tokens and serves ``GET /f/<token>``."""

    def __init__(self, secret: str, clock: Clock, file_for: FileFor | None = None,
                 default_language: str = "en") -> None:
        # No forms on a file link; its own salts keep its tokens from opening other pages.
        self._tokens = DatedTokens(secret, clock, "helpdesk.file", "helpdesk.file.form")
        self.file_for = file_for
        self.default_language = default_language

    def make(self, person_id: int, attachment_id: int) -> str:
        return self._tokens.sign_value(f"{person_id:x}-{attachment_id:x}")

    def read(self, token: str) -> tuple[int, int]:
        """``(person_id, attachment_id)``; raises ``LinkInvalid`` or ``LinkExpired``."""
        raw, _issued = self._tokens.read_value(token, max_age=FILE_TTL)
        match = _VALUE.match(raw)
        if not match:
            raise LinkInvalid("not a file link")
        return int(match.group(1), 16), int(match.group(2), 16)

    def mount(self, web_app: web.Application) -> None:
        web_app.router.add_get(PATH, self.serve)

    async def serve(self, request: web.Request) -> web.Response:
        language = accepted_language(request) or self.default_language
        with use_language(language):
            try:
                person_id, attachment_id = self.read(request.match_info["token"])
            except LinkExpired:
                return _text(410, _("This link has expired."))
            except LinkInvalid:
                return _text(400, _("This link is not valid. Please open it exactly as you "
                                    "received it."))
            found = await self.file_for(person_id, attachment_id) if self.file_for else None
            if found is None:
                return _text(404, _("This file is not available."))
        name, mime, data = found
        disposition = "inline" if mime in INLINE else "attachment"
        return web.Response(body=data, content_type=mime, headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        })


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=message + "\n", content_type="text/plain",
                        charset="utf-8")
