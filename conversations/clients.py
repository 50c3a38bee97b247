"""Who a request is for, when staff place it for a client who phoned or e-mailed (SPEC §3).

Staff write the client's name, a phone number in international form, an e-mail address, or a
name with one of them ("Maria Popescu +40 721 234 567"). A phone number or e-mail address
that no one has yet registers the client as an initiator with that account, so the
notifications about the request reach them there; a name alone must be someone known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.i18n import language_for_phone
from core.kinds import Role
from core.model import Person
from core.ports import UnitOfWork

EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+")
PHONE = re.compile(r"\+[\d\s().-]{7,24}\d")
PHONE_DIGITS = range(8, 16)  # E.164: a country code and at most 15 digits in all
MAX_NAME = 200


@dataclass(frozen=True)
class Contact:
    """What staff wrote: a name and at most one account (``channel``, ``address``)."""

    name: str
    channel: str | None = None
    address: str | None = None


def parse_contact(text: str) -> Contact | None:
    """The name and phone number / e-mail address in ``text``; None when there is neither."""
    text = " ".join(text.split())
    email = EMAIL.search(text)
    if email is not None:
        rest = (text[: email.start()] + text[email.end():]).strip(" ,;<>")
        return Contact(rest[:MAX_NAME], "email", email.group(0).lower())
    phone = PHONE.search(text)
    if phone is not None:
        digits = re.sub(r"\D", "", phone.group(0))
        if len(digits) in PHONE_DIGITS:
            rest = (text[: phone.start()] + text[phone.end():]).strip(" ,;")
            return Contact(rest[:MAX_NAME], "sms", "+" + digits)
    name = text.strip(" ,;")[:MAX_NAME]
    return Contact(name) if name else None


async def find_or_register(uow: UnitOfWork, contact: Contact) -> Person | None:
    """The person ``contact`` names: by account, registered as an initiator when the account
    is new; by name when there is no account (None when nobody has that name).
    The caller commits."""
    if contact.channel is None or contact.address is None:
        return await uow.people.by_name(contact.name)
    known = await uow.people.by_account(contact.channel, contact.address)
    if known is not None:
        return known
    language = language_for_phone(contact.address) if contact.channel == "sms" else None
    person = await uow.people.add(contact.name or contact.address, Role.INITIATOR, language)
    await uow.people.add_account(person.id, contact.channel, contact.address)
    return person
