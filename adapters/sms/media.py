"""MMS media: the ``MediaUrl0..N`` of an incoming message become attachments, downloaded
(with the account's credentials, as Twilio's media URLs may require) only when the
conversation accepts them, and never past the size limit."""

from __future__ import annotations

import base64
import mimetypes

import aiohttp

from core.attachment_ports import FileTooLarge, read_limited
from core.messages import Attachment, Fetch

MAX_MEDIA = 10  # Twilio delivers at most 10 media per message
TIMEOUT = aiohttp.ClientTimeout(total=120)


def basic_authorization(login: str, password: str) -> str:
    """The ``Authorization`` header value for HTTP Basic auth (RFC 7617). aiohttp drops the
    header itself when a redirect leaves the origin (Twilio redirects media to a CDN)."""
    token = base64.b64encode(f"{login}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def fetcher(url: str, account_sid: str, auth_token: str) -> Fetch:
    async def fetch(limit: int) -> bytes:
        headers = {"Authorization": basic_authorization(account_sid, auth_token)}
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session, \
                session.get(url, headers=headers) as response:
            response.raise_for_status()
            length = response.content_length
            if length is not None and length > limit:
                raise FileTooLarge(length)
            return await read_limited(response.content.iter_chunked(64 * 1024), limit)

    return fetch


def media_of(params: dict[str, str], account_sid: str, auth_token: str
             ) -> tuple[Attachment, ...]:
    """The media of an incoming-message webhook, not downloaded yet."""
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    sid = (params.get("MessageSid") or "mms")[-8:]
    found = []
    for index in range(count):
        url = params.get(f"MediaUrl{index}")
        if not url or not url.startswith(("https://", "http://")):
            continue
        mime = (params.get(f"MediaContentType{index}") or "application/octet-stream").lower()
        extension = mimetypes.guess_extension(mime) or ""
        found.append(Attachment(f"mms_{sid}_{index + 1}{extension}", mime, None,
                                fetcher(url, account_sid, auth_token)))
    return tuple(found)
