"""E-mail channel: notifications as e-mails over SMTP (aiosmtplib), buttons as signed links."""

from adapters.email.compose import Envelope, compose, subject_of
from adapters.email.sender import CHANNEL, EmailSender
from adapters.email.smtp import SmtpClient, SmtpConfig, parse_smtp_url

__all__ = ["CHANNEL", "EmailSender", "Envelope", "SmtpClient", "SmtpConfig", "compose",
           "parse_smtp_url", "subject_of"]
