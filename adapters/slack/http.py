"""HTTP mode: Slack's events, interactivity and slash commands all arrive at
``POST /slack/events`` on the project's aiohttp server.

The signature is checked first, exactly as Slack defines it (``v0=`` HMAC-SHA256 of
``v0:timestamp:body`` with the signing secret; a timestamp more than 5 minutes away is
refused): anything else is answered 401 and goes no further. A signed body that cannot be
read (malformed payload JSON) is answered 400. Everything else is handed to the bolt app.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.limits import BadBody, read_body, too_deep
from adapters.slack.guard import BadSlackBody, check_body

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


class SlackEvents:
    """The aiohttp endpoint in front of a bolt ``AsyncApp``."""

    def __init__(self, app: AsyncApp, signing_secret: str) -> None:
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)

    def mount(self, web_app: web.Application, path: str = EVENTS_PATH) -> None:
        """Route ``POST path`` to this endpoint."""
        web_app.router.add_post(path, self.receive)

    async def receive(self, request: web.Request) -> web.Response:
        """Verify, translate into a bolt request, dispatch, translate the answer back."""
        try:
            raw = await read_body(request)  # over 1 MB: refused before reading it all
        except BadBody:
            return web.json_response({"error": "malformed payload"}, status=400)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not (timestamp.isdigit() and signature
                and self.verifier.is_valid(raw, timestamp, signature)):
            log.warning("refused a Slack request with a bad or old signature from %s",
                        request.remote)
            return web.json_response({"error": "invalid signature"}, status=401)
        try:
            if too_deep(raw) or (b"%5B" in raw and too_deep(_unquoted(raw))):
                raise ValueError("nested too deeply")
            bolt_request = AsyncBoltRequest(body=raw.decode("utf-8"),
                                            query=request.query_string,
                                            headers=dict(request.headers))
            if not isinstance(bolt_request.body, dict):
                raise ValueError("the payload is not a JSON object")
            check_body(bolt_request.body)
        except (BadSlackBody, RecursionError) as exc:
            log.warning("refused a malformed Slack payload: %s", exc)
            return web.json_response({"error": "malformed payload"}, status=400)
        except Exception as exc:  # noqa: BLE001 - any unreadable body is the sender's fault
            log.warning("refused a malformed Slack payload: %s", exc)
            return web.json_response({"error": "malformed payload"}, status=400)
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)


def _unquoted(raw: bytes) -> bytes:
    """A form-encoded body as the JSON text inside it (for the nesting check)."""
    from urllib.parse import unquote_to_bytes

    return unquote_to_bytes(raw.replace(b"+", b" "))
