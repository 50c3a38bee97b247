"""``helpdesk admin person|type|organization|list|import``: a person's life from the command line.

Registered on ``bots.cli.admin`` (imported at the end of ``bots.cli``). Every list command
takes ``--json`` so scripts can read it. Errors are one line that names the other party
("That phone number belongs to Maria Pop.").
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bots.bootstrap import App
from bots.cli import (
    ASSISTANT_HELP,
    CLAIM_HELP,
    FEEDBACK_HELP,
    FIELD_HELP,
    ON_SITE_HELP,
    RESOLVE_HELP,
    SLA_HELP,
    admin,
    describe_type,
    fail,
    find_assistants,
    run,
    type_settings,
)
from core import services
from core.i18n import LANGUAGES, language_for_phone, normalise_language, valid_timezone
from core.kinds import Role
from core.model import Person
from core.ports import Contract, UnitOfWork

person_app = typer.Typer(help="Change, deactivate or reactivate a person; their accounts.",
                         no_args_is_help=True)
type_app = typer.Typer(help="Change or deactivate a request type.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (client companies) and their contracts.",
                      no_args_is_help=True)
admin.add_typer(person_app, name="person")
admin.add_typer(type_app, name="type")
admin.add_typer(org_app, name="organization")

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHANNEL_WORDS = {"telegram": "Telegram account", "slack": "Slack account",
                 "sms": "phone number", "email": "e-mail address"}


class BadValue(ValueError):
    """A value a person typed is not acceptable; the message says why."""


def account(channel: str, value: str) -> tuple[str, str]:
    """Validate one account: (channel, normalised address); ``BadValue`` otherwise."""
    value = value.strip()
    if channel == "telegram":
        if not value.lstrip("-").isdigit():
            raise BadValue(f"invalid Telegram id {value!r}: it is a number like 123456789")
        return channel, value
    if channel == "slack":
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", value):
            raise BadValue(f"invalid Slack user id {value!r}: it looks like U012AB3CD")
        return channel, value
    if channel == "sms":
        from adapters.sms.phones import InvalidPhone, to_e164

        try:
            return channel, to_e164(value)
        except InvalidPhone as exc:
            raise BadValue(str(exc)) from None
    if channel == "email":
        if not EMAIL.match(value):
            raise BadValue(f"invalid e-mail address {value!r}")
        return channel, value.lower()
    raise BadValue(f"unknown channel {channel!r}")


def accounts_given(telegram: str | None, slack: str | None, phone: str | None,
                   email: str | None) -> list[tuple[str, str]]:
    given = [("telegram", telegram), ("slack", slack), ("sms", phone), ("email", email)]
    try:
        return [account(channel, value) for channel, value in given if value is not None]
    except BadValue as exc:
        raise fail(str(exc)) from None


def check_language(language: str | None) -> str | None:
    if language is None:
        return None
    if normalise_language(language) != language.lower():
        raise BadValue(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    return language.lower()


def check_timezone(timezone: str | None) -> str | None:
    if timezone is not None and not valid_timezone(timezone):
        raise BadValue(f"unknown time zone {timezone!r}: use a name like Europe/Bucharest")
    return timezone


def check_role(role: str) -> Role:
    try:
        return Role(role.strip().lower())
    except ValueError:
        raise BadValue(f"unknown role {role!r}: use initiator, assistant or supervisor") from None


async def owner_clash(uow: UnitOfWork, person_id: int | None, channel: str,
                      address: str) -> str | None:
    """"That phone number belongs to Maria Pop." when someone else holds the account."""
    owner = await uow.people.account_owner(channel, address)
    if owner is not None and owner.id != person_id:
        return f"that {CHANNEL_WORDS.get(channel, channel)} belongs to {owner.name}"
    return None


async def find_person(uow: UnitOfWork, name: str) -> Person:
    person = await uow.people.by_name(" ".join(name.split()))
    if person is None:
        raise fail(f"nobody is called {name!r}")
    return person


# -- person ----------------------------------------------------------------------------------


@person_app.command("edit")
def person_edit(
    name: str,
    rename: str | None = typer.Option(None, "--name", help="The new name"),
    role: str | None = typer.Option(None, help="initiator, assistant or supervisor"),
    language: str | None = typer.Option(None, help="en, ro, pt, pl or ru"),
    timezone: str | None = typer.Option(None, help="IANA time zone, e.g. Europe/Bucharest"),
    organization: str | None = typer.Option(None, help="The organization they belong to"),
    no_organization: bool = typer.Option(False, "--no-organization",
                                         help="They belong to no organization"),
) -> None:
    """Rename a person, or change their role, language, time zone or organization."""
    try:
        new_role = check_role(role) if role is not None else None
        spoken = check_language(language)
        zone = check_timezone(timezone)
    except BadValue as exc:
        raise fail(str(exc)) from None
    new_name = " ".join(rename.split()) if rename is not None else None
    if new_name == "":
        raise fail("the name is empty")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            person = await find_person(uow, name)
            if new_name and new_name.casefold() != person.name.casefold():
                other = await uow.people.by_name(new_name)
                if other is not None:
                    raise fail(f"there is already someone called {other.name!r}")
            if new_name:
                person.name = new_name
            if new_role is not None:
                person.role = new_role
            if spoken is not None:
                person.language = spoken
            if zone is not None:
                person.timezone = zone
            if organization is not None:
                org = await uow.organizations.by_name(organization)
                if org is None:
                    raise fail(f"there is no organization {organization!r} (add it with "
                               "admin organization add)")
                person.organization_id = org.id
            if no_organization:
                person.organization_id = None
            await uow.people.update(person)
            await uow.commit()
        typer.echo(f"changed {person.name}: {person.role.value}, language "
                   f"{person.language or 'default'}, time zone {person.timezone or 'default'}")

    run(main)


@person_app.command("deactivate")
def person_deactivate(name: str) -> None:
    """Turn a person off: they get nothing and can do nothing; the requests they hold go back
    to the queue (assistants are offered them again, the initiators told)."""

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            person = await find_person(uow, name)
        if not person.active:
            raise fail(f"{person.name} is already deactivated")
        released = await services.deactivate_person(application.uow_factory, application.clock,
                                                    person_id=person.id)
        back = f"; back in the queue: {', '.join(released)}" if released else ""
        typer.echo(f"deactivated {person.name}{back}")

    run(main)


@person_app.command("activate")
def person_activate(name: str) -> None:
    """Let a deactivated person use the helpdesk again."""

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            person = await find_person(uow, name)
            if person.active:
                raise fail(f"{person.name} is active already")
            await uow.people.set_active(person.id, True)
            await uow.commit()
        typer.echo(f"activated {person.name}")

    run(main)


TELEGRAM_HELP = "Telegram user id (digits)"
SLACK_HELP = "Slack user id (U…)"
PHONE_HELP = "Phone number in E.164, e.g. +40721234567"
EMAIL_HELP = "E-mail address"


Telegram = Annotated[str | None, typer.Option(help=TELEGRAM_HELP)]
Slack = Annotated[str | None, typer.Option(help=SLACK_HELP)]
Phone = Annotated[str | None, typer.Option(help=PHONE_HELP)]
Email = Annotated[str | None, typer.Option(help=EMAIL_HELP)]


def change_accounts(name: str, accounts: list[tuple[str, str]], *, remove: bool) -> None:
    """Add (or remove) channel accounts of a person, all or none: an account of someone else
    or, to remove, one the person does not have stops with one line."""
    if not accounts:
        raise fail("give --telegram, --slack, --phone or --email")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            person = await find_person(uow, name)
            for channel, address in accounts:
                clash = await owner_clash(uow, person.id, channel, address)
                if clash:
                    raise fail(clash)
                if not remove:
                    await uow.people.add_account(person.id, channel, address)
                elif not await uow.people.remove_account(person.id, channel, address):
                    raise fail(f"{person.name} has no {CHANNEL_WORDS[channel]} {address}")
            await uow.commit()
        shown = ", ".join(f"{c}:{a}" for c, a in accounts)
        typer.echo(f"{person.name}: {'removed' if remove else 'added'} {shown}")

    run(main)


@person_app.command("add-account")
def person_add_account(name: str, telegram: Telegram = None, slack: Slack = None,
                       phone: Phone = None, email: Email = None) -> None:
    """Give a person another channel account."""
    change_accounts(name, accounts_given(telegram, slack, phone, email), remove=False)


@person_app.command("remove-account")
def person_remove_account(name: str, telegram: Telegram = None, slack: Slack = None,
                          phone: Phone = None, email: Email = None) -> None:
    """Take a channel account away from a person."""
    change_accounts(name, accounts_given(telegram, slack, phone, email), remove=True)


# -- type ------------------------------------------------------------------------------------


@type_app.command("edit")
def type_edit(
    name: str,
    rename: str | None = typer.Option(None, "--name", help="The new name"),
    internal: bool | None = typer.Option(None, "--internal/--public",
                                         help="Only staff may choose it / everyone may"),
    field_: list[str] = typer.Option(None, "--field", help=FIELD_HELP),
    no_fields: bool = typer.Option(False, "--no-fields", help="Ask no extra fields"),
    claim_minutes: int | None = typer.Option(None, "--claim-minutes", help=CLAIM_HELP),
    resolve_minutes: int | None = typer.Option(None, "--resolve-minutes", help=RESOLVE_HELP),
    sla: list[str] = typer.Option(None, "--sla", help=SLA_HELP),
    feedback_hours: float | None = typer.Option(None, "--feedback-hours", help=FEEDBACK_HELP),
    assistant: list[str] = typer.Option(None, "--assistant", help=ASSISTANT_HELP),
    all_assistants: bool = typer.Option(False, "--all-assistants",
                                        help="Every assistant receives it again"),
    on_site: bool | None = typer.Option(None, "--on-site/--not-on-site", help=ON_SITE_HELP),
) -> None:
    """Rename a request type or change its settings; options not given are kept."""
    new_name = " ".join(rename.split()) if rename is not None else None
    if new_name == "":
        raise fail("the name is empty")

    async def main(application: App) -> None:
        people = await find_assistants(application, assistant or None)
        if all_assistants:
            people = []
        async with application.uow_factory() as uow:
            rtype = await uow.types.by_name(name)
            if rtype is None:
                raise fail(f"there is no type {name!r}")
            if new_name and new_name.casefold() != rtype.name.casefold():
                if await uow.types.by_name(new_name):
                    raise fail(f"the type {new_name!r} exists already")
            if internal is not None:
                rtype.internal = internal
            if on_site is not None:
                rtype.on_site = on_site
            rtype = type_settings(rtype, fields=[] if no_fields else (field_ or None),
                                  claim_minutes=claim_minutes, resolve_minutes=resolve_minutes,
                                  sla_specs=sla or None, feedback_hours=feedback_hours,
                                  assistants=people)
            if new_name:
                rtype.name = new_name
            await uow.types.save(rtype)
            await uow.commit()
        typer.echo(f"changed type {rtype.name}: {describe_type(rtype)}")

    run(main)


def _type_active(name: str, active: bool) -> None:
    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            rtype = await uow.types.by_name(name)
            if rtype is None:
                raise fail(f"there is no type {name!r}")
            if rtype.active is active:
                raise fail(f"the type {rtype.name} is {'active' if active else 'deactivated'} "
                           "already")
            rtype.active = active
            await uow.types.save(rtype)
            await uow.commit()
        word = "activated" if active else "deactivated (no new requests; open ones stay)"
        typer.echo(f"type {rtype.name} {word}")

    run(main)


@type_app.command("deactivate")
def type_deactivate(name: str) -> None:
    """Stop offering a type; requests already placed keep it."""
    _type_active(name, False)


@type_app.command("activate")
def type_activate(name: str) -> None:
    """Offer a deactivated type again."""
    _type_active(name, True)


# -- organization ----------------------------------------------------------------------------


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise fail(f"invalid {option} {value!r}: write a date like 2026-11-01") from None


def contract_from(organization_id: int, hours: float | None, start: str | None,
                  end: str | None) -> Contract | None:
    if hours is None:
        if start or end:
            raise fail("give --hours with the contract's dates")
        return None
    if not 0 < hours <= 10000:
        raise fail("--hours is the monthly allowance: more than 0 and at most 10000")
    first = parse_day(start, "--from") or date.today().replace(day=1)
    last = parse_day(end, "--to")
    if last is not None and last < first:
        raise fail("the contract ends before it starts")
    return Contract(organization_id, round(hours * 60), first, last)


@org_app.command("add")
def org_add(
    name: str,
    hours: float | None = typer.Option(None, help="Contract: monthly hours allowance"),
    start: str | None = typer.Option(None, "--from", help="Contract valid from (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="Contract valid to (YYYY-MM-DD)"),
) -> None:
    """Add an organization, optionally with its contract."""
    name = " ".join(name.split())
    if not name:
        raise fail("the name is empty")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            if await uow.organizations.by_name(name):
                raise fail(f"the organization {name!r} exists already")
            org = await uow.organizations.add(name)
            contract = contract_from(org.id, hours, start, end)
            if contract is not None:
                await uow.organizations.set_contract(contract, org.id)
            await uow.commit()
        typer.echo(f"added organization {name}, id {org.id}"
                   + (f": {describe_contract(contract)}" if contract else ""))

    run(main)


@org_app.command("contract")
def org_contract(
    name: str,
    hours: float | None = typer.Option(None, help="Monthly hours allowance"),
    start: str | None = typer.Option(None, "--from", help="Valid from (YYYY-MM-DD)"),
    end: str | None = typer.Option(None, "--to", help="Valid to (YYYY-MM-DD)"),
    none: bool = typer.Option(False, "--none", help="The organization has no contract"),
) -> None:
    """Set or remove an organization's contract."""
    if not none and hours is None:
        raise fail("give --hours (and --from/--to), or --none")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            org = await uow.organizations.by_name(name)
            if org is None:
                raise fail(f"there is no organization {name!r}")
            contract = None if none else contract_from(org.id, hours, start, end)
            await uow.organizations.set_contract(contract, org.id)
            await uow.commit()
        typer.echo(f"{org.name}: {describe_contract(contract) if contract else 'no contract'}")

    run(main)


def describe_contract(contract: Contract | None) -> str:
    if contract is None:
        return ""
    end = contract.valid_to.isoformat() if contract.valid_to else "open-ended"
    return (f"{contract.monthly_minutes / 60:g} h a month, {contract.valid_from.isoformat()} "
            f"to {end}")


# -- list ------------------------------------------------------------------------------------

LISTABLE = ("people", "types", "organizations")


def show(title: str, columns: list[str], rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    out = Table(title=title)
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*(_cell(row.get(c)) for c in columns))
    wide_console().print(out)


def wide_console() -> Console:
    """A terminal's own width; piped into a file or a script, wide enough that no cell is
    cut short."""
    console = Console()
    return console if console.is_terminal else Console(width=max(console.width, 250))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


async def people_rows(application: App, role: str | None, organization: str | None,
                      inactive: bool, everyone: bool, name: str | None) -> list[dict[str, Any]]:
    wanted = check_role(role) if role else None
    async with application.uow_factory() as uow:
        orgs = {o.id: o.name for o in await uow.organizations.list()}
        org_id = None
        if organization is not None:
            found = await uow.organizations.by_name(organization)
            if found is None:
                raise fail(f"there is no organization {organization!r}")
            org_id = found.id
        rows = []
        for p in await uow.people.list(wanted):
            if org_id is not None and p.organization_id != org_id:
                continue
            if not everyone and p.active is inactive:
                continue
            if name and name.casefold() not in p.name.casefold():
                continue
            accounts = [f"{a.channel}:{a.address}" for a in await uow.people.accounts(p.id)
                        if a.channel != "console"]
            rows.append({"id": p.id, "name": p.name, "role": p.role.value,
                         "active": p.active, "language": p.language, "timezone": p.timezone,
                         "organization": orgs.get(p.organization_id or 0),
                         "accounts": accounts})
    return rows


@admin.command("list")
def list_all(
    what: str | None = typer.Argument(None, help="people, types or organizations (default: "
                                      "people and types)"),
    role: str | None = typer.Option(None, help="people: only this role"),
    organization: str | None = typer.Option(None, help="people: only this organization's"),
    name: str | None = typer.Option(None, help="people: names containing this"),
    inactive: bool = typer.Option(False, "--inactive", help="only deactivated ones"),
    everyone: bool = typer.Option(False, "--all", help="active and deactivated ones"),
    internal: bool | None = typer.Option(None, "--internal/--public",
                                         help="types: only internal / only public ones"),
    as_json: bool = typer.Option(False, "--json", help="print JSON (for scripts)"),
) -> None:
    """List people (with their accounts), request types or organizations."""
    if what is not None and what not in LISTABLE:
        raise fail(f"cannot list {what!r}: use people, types or organizations")
    try:
        if role:
            check_role(role)
    except BadValue as exc:
        raise fail(str(exc)) from None

    async def main(application: App) -> None:
        result: dict[str, list[dict[str, Any]]] = {}
        if what in (None, "people"):
            result["people"] = await people_rows(application, role, organization, inactive,
                                                 everyone, name)
        async with application.uow_factory() as uow:
            if what in (None, "types"):
                result["types"] = [
                    {"id": t.id, "name": t.name, "kind": "internal" if t.internal else "public",
                     "active": t.active, "settings": describe_type(t)}
                    for t in await uow.types.list_all()
                    if (everyone or t.active is not inactive)
                    and (internal is None or t.internal is internal)]
            if what == "organizations":
                rows = []
                members: dict[int, int] = {}
                for p in await uow.people.list():
                    if p.organization_id and p.active:
                        members[p.organization_id] = members.get(p.organization_id, 0) + 1
                for o in await uow.organizations.list():
                    if not everyone and o.active is inactive:
                        continue
                    contract = await uow.organizations.contract(o.id)
                    rows.append({"id": o.id, "name": o.name, "active": o.active,
                                 "members": members.get(o.id, 0),
                                 "contract": describe_contract(contract) or None})
                result["organizations"] = rows
        if as_json:
            typer.echo(json.dumps(result if what is None else result[what], ensure_ascii=False,
                                  indent=2))
            return
        columns = {"people": ["id", "name", "role", "active", "language", "timezone",
                              "organization", "accounts"],
                   "types": ["id", "name", "kind", "active", "settings"],
                   "organizations": ["id", "name", "active", "members", "contract"]}
        titles = {"people": "People", "types": "Request types", "organizations": "Organizations"}
        for key, rows_ in result.items():
            show(titles[key], columns[key], rows_, False)

    run(main)


# -- import ----------------------------------------------------------------------------------

IMPORT_COLUMNS = ("name", "role", "organization", "phone", "email", "telegram", "slack",
                  "language", "timezone")
ACCOUNT_COLUMNS = {"phone": "sms", "email": "email", "telegram": "telegram", "slack": "slack"}


@dataclass
class ImportRow:
    line: int
    name: str
    role: Role
    organization: str | None
    language: str | None
    timezone: str | None
    accounts: list[tuple[str, str]] = field(default_factory=list)


def read_rows(path: Path) -> tuple[list[ImportRow], list[str]]:
    """Parse and check every row on its own; (good rows, "line N: reason" errors)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header or "role" not in header:
        raise fail(f"{path}: the first line must name the columns: {', '.join(IMPORT_COLUMNS)}")
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise fail(f"{path}: unknown columns {', '.join(unknown)} (use "
                   f"{', '.join(IMPORT_COLUMNS)})")
    reader.fieldnames = header
    rows: list[ImportRow] = []
    errors: list[str] = []
    for number, raw in enumerate(reader, start=2):
        values = {k: (v or "").strip() for k, v in raw.items() if k}
        try:
            name = " ".join(values.get("name", "").split())
            if not name:
                raise BadValue("the name is empty")
            row = ImportRow(number, name, check_role(values.get("role", "")),
                            values.get("organization") or None,
                            check_language(values.get("language") or None),
                            check_timezone(values.get("timezone") or None))
            for column, channel in ACCOUNT_COLUMNS.items():
                if values.get(column):
                    row.accounts.append(account(channel, values[column]))
            if row.language is None and any(c == "sms" for c, _ in row.accounts):
                row.language = language_for_phone(dict(row.accounts)["sms"])
            rows.append(row)
        except BadValue as exc:
            errors.append(f"line {number}: {exc}")
    return rows, errors


async def check_against(uow: UnitOfWork, rows: list[ImportRow], errors: list[str],
                        progress: Progress) -> None:
    """Clashes with the database and inside the file (names, accounts)."""
    names: dict[str, int] = {}
    held: dict[tuple[str, str], tuple[int, str]] = {}
    task = progress.add_task("checking", total=len(rows))
    for row in rows:
        problems = []
        key = row.name.casefold()
        if key in names:
            problems.append(f"{row.name!r} is also on line {names[key]}")
        elif await uow.people.by_name(row.name):
            problems.append(f"there is already someone called {row.name!r}")
        names.setdefault(key, row.line)
        for channel, address in row.accounts:
            word = CHANNEL_WORDS[channel]
            if (channel, address) in held:
                line, other = held[(channel, address)]
                problems.append(f"that {word} is also {other}'s on line {line}")
            else:
                clash = await owner_clash(uow, None, channel, address)
                if clash:
                    problems.append(clash)
                held[(channel, address)] = (row.line, row.name)
        if problems:
            errors.append(f"line {row.line}: " + "; ".join(problems))
        progress.advance(task)


@admin.command("import")
def import_people(
    path: Path = typer.Argument(..., help="CSV with columns " + ", ".join(IMPORT_COLUMNS)),
) -> None:
    """Add many people from a CSV file: all or nothing — a file with a bad row imports nothing
    and every bad row is named with its reason. Missing organizations are created."""
    rows, errors = read_rows(path)
    console = Console(stderr=True)

    async def main(application: App) -> int:
        with Progress(console=console, disable=not console.is_terminal,
                      transient=True) as progress:
            async with application.uow_factory() as uow:
                await check_against(uow, rows, errors, progress)
                if errors:
                    return 0
                orgs = {o.name.casefold(): o.id for o in await uow.organizations.list()}
                task = progress.add_task("importing", total=len(rows))
                for row in rows:
                    org_id = None
                    if row.organization:
                        org_id = orgs.get(row.organization.casefold())
                        if org_id is None:
                            org = await uow.organizations.add(row.organization)
                            org_id = orgs[org.name.casefold()] = org.id
                    person = await uow.people.add(row.name, row.role, row.language,
                                                  row.timezone)
                    if org_id is not None:
                        person.organization_id = org_id
                        await uow.people.update(person)
                    for channel, address in row.accounts:
                        await uow.people.add_account(person.id, channel, address)
                    progress.advance(task)
                await uow.commit()
        return len(rows)

    imported = run(main)
    if errors:
        for error in sorted(errors, key=lambda e: int(e.split(":")[0].split()[1])):
            typer.echo(error, err=True)
        raise fail(f"{len(errors)} bad rows in {path}; nothing was imported", code=1)
    typer.echo(f"imported {imported} people from {path}")
