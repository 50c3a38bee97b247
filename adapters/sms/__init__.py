"""SMS channel (Twilio): inbound webhook, delivery statuses, rate-limited sender."""

from adapters.sms.client import OptedOut, SmsError, TwilioMessages, make_client
from adapters.sms.sender import SmsSender
from adapters.sms.webhook import TwilioWebhooks

__all__ = ["OptedOut", "SmsError", "SmsSender", "TwilioMessages", "TwilioWebhooks", "make_client"]
