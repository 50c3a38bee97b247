"""Files on Slack: files people share in their DM with the bot (downloaded from
``url_private`` with the bot token, within the size limit) and files the bot forwards
(``files.getUploadURLExternal`` → upload → ``files.completeUploadExternal``, i.e.
``files_upload_v2``)."""

from __future__ import annotations

import mimetypes
from typing import Any

import aiohttp

from core.attachment_ports import FileTooLarge, read_limited
from core.messages import Attachment, Fetch

TIMEOUT = aiohttp.ClientTimeout(total=120)


class NotAFile(Exception):
    """Slack answered with a web page (e.g. its login page) instead of the file."""


def fetcher(url: str, token: str) -> Fetch:
    """Download ``url`` with the bot token, stopping as soon as it passes the limit."""

    async def fetch(limit: int) -> bytes:
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
                session.get(url, headers=headers) as response:
            response.raise_for_status()
            if response.content_type == "text/html":
                raise NotAFile(url)  # not authorised: Slack shows its login page
            length = response.content_length
            if length is not None and length > limit:
                raise FileTooLarge(length)
            return await read_limited(response.content.iter_chunked(64 * 1024), limit)

    return fetch


def incoming(event: dict[str, Any], token: str) -> tuple[Attachment, ...]:
    """The files shared with a ``message`` event, not downloaded yet."""
    found = []
    for f in event.get("files") or []:
        if not isinstance(f, dict):
            continue
        url = f.get("url_private_download") or f.get("url_private")
        if not url or f.get("mode") in ("tombstone", "hidden_by_limit"):
            continue
        name = str(f.get("name") or f.get("title") or "file")
        mime = str(f.get("mimetype") or mimetypes.guess_type(name)[0]
                   or "application/octet-stream")
        size = f.get("size")
        found.append(Attachment(name, mime, int(size) if isinstance(size, int) else None,
                                fetcher(str(url), token)))
    return tuple(found)
