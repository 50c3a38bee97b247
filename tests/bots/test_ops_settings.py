"""METRICS_TOKEN, METRICS_PORT and LOG_FORMAT; /metrics on its own port; the 'client cannot be
reached' notice in every language."""

from __future__ import annotations

import io
import json
import logging

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from bots.bootstrap import App
from bots.logs import configure
from bots.ops import metrics_web_app
from bots.settings import Settings, describe_error
from conversations.views import render_notification
from core.i18n import LANGUAGES, use_language
from core.notifications import Notification
from tests.adapters.stack import free_port


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.mark.parametrize(("values", "fragment"), [
    ({"log_format": "yaml"}, "LOG_FORMAT: must be text or json"),
    ({"metrics_token": "short"}, "METRICS_TOKEN: must be at least 16 characters long"),
    ({"metrics_port": 0}, "METRICS_PORT: Input should be greater than or equal to 1"),
])
def test_wrong_ops_settings_are_one_clear_line(values: dict[str, object], fragment: str) -> None:
    with pytest.raises(Exception) as caught:
        settings(**values)
    assert fragment in describe_error(caught.value)


def test_ops_settings_defaults_and_values() -> None:
    s = settings()
    assert (s.metrics_token, s.metrics_port, s.log_format) == (None, None, "text")
    s = settings(metrics_token="", metrics_port="", log_format="JSON")
    assert (s.metrics_token, s.metrics_port, s.log_format) == (None, None, "json")


async def test_metrics_on_their_own_port_need_no_token(app: App) -> None:
    server = TestServer(metrics_web_app(app), host="127.0.0.1", port=free_port())
    await server.start_server()
    try:
        app.metrics.action("claim")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{server.port}/metrics") as response:
                assert response.status == 200
                body = await response.text()
        names = {f.name for f in text_string_to_metric_families(body)}
        assert {"helpdesk_actions", "helpdesk_outbox_depth", "helpdesk_timers_due"} <= names
    finally:
        await server.close()


def test_json_log_format_writes_one_object_a_line() -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure("json", secrets=["very-secret-value"], stream=stream)
        logging.getLogger("x").info("to %s with very-secret-value", "ion@example.com",
                                    extra={"channel": "sms"})
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    entry = json.loads(stream.getvalue())
    assert entry["msg"] == "to [email] with [secret]" and entry["channel"] == "sms"
    assert entry["level"] == "info" and entry["logger"] == "x"


def test_client_unreachable_notice_in_every_language() -> None:
    from core.actions import ActionCodec

    n = Notification(1, "client_unreachable", 7,
                     {"ref": "HD-2026-000007", "type": "Peripherals", "client": "Maria"})
    texts = set()
    for language in LANGUAGES:
        with use_language(language):
            text = render_notification(ActionCodec("k" * 20), n).text
        assert "Maria" in text and "HD-2026-000007" in text and "Peripherals" in text
        texts.add(text)
    assert len(texts) == len(LANGUAGES)
