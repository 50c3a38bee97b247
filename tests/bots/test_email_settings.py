"""E-mail settings: SMTP_URL and EMAIL_FROM are checked at start with one clear line."""

from __future__ import annotations

import pytest

from bots.channel_email import Plugin
from bots.channel_web import Plugin as WebPlugin
from bots.settings import Settings, describe_error


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(("values", "error"), [
    ({"smtp_url": "mail.example.com"}, "SMTP_URL: must start with smtp://"),
    ({"smtp_url": "smtp://mail.example.com"}, "EMAIL_FROM is required when SMTP_URL is set"),
    ({"smtp_url": "smtp://mail.example.com", "email_from": "helpdesk"},
     "EMAIL_FROM: is not an e-mail address"),
])
def test_bad_email_settings(values: dict[str, str], error: str) -> None:
    with pytest.raises(Exception) as caught:
        settings(**values)
    assert error in describe_error(caught.value)


def test_email_channel_is_configured_by_smtp_url() -> None:
    assert not Plugin().configured(settings())
    configured = settings(smtp_url="smtps://u:p@mail.example.com",
                          email_from="Helpdesk <help@example.com>",
                          public_base_url="https://hd.example.com")
    assert Plugin().configured(configured)
    assert WebPlugin().configured(configured)  # the link pages the e-mails point to
