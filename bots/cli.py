"""The ``helpdesk`` command (also ``python run_bot.py``): start, console, serve, migrate, admin."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer

from adapters.console import ConsoleChannel, ConsoleSender
from adapters.console.channel import address_of
from bots.bootstrap import App, bootstrap
from bots.channels import ChannelStartError
from bots.seed import seed_demo
from bots.settings import Settings, describe_error
from core.errors import DomainError
from core.i18n import (
    LANGUAGES,
    language_for_phone,
    normalise_language,
    translate,
    valid_timezone,
)
from core.kinds import Role
from core.model import Person, RequestType

T = TypeVar("T")
app = typer.Typer(
    help="A helpdesk that lives in chat apps. With no command: start every configured "
    "channel, or the console demo when none is configured.",
    no_args_is_help=False,
    add_completion=False,
)
admin = typer.Typer(help="Manage people and request types.", no_args_is_help=True)
app.add_typer(admin, name="admin")


def fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"helpdesk: {message}", err=True)  # one plain line, never wrapped
    return typer.Exit(code)


def load_settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError and .env parse errors
        raise fail(describe_error(exc)) from None


def run(main: Callable[[App], Awaitable[T]], *, settings: Settings | None = None) -> T:
    """Bootstrap, run ``main`` and close; known failures become one clear line."""
    settings = settings or load_settings()

    async def _go() -> T:
        application = await bootstrap(settings)
        try:
            return await main(application)
        finally:
            await application.close()

    try:
        return asyncio.run(_go())
    except typer.Exit:
        raise
    except DomainError as exc:
        raise fail(translate(exc.text)) from None
    except ChannelStartError as exc:
        raise fail(f"configuration error: {exc}") from None
    except (OSError, ConnectionError) as exc:
        raise fail(f"cannot connect: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlalchemy", "asyncpg", "redis", "alembic")):
            raise fail(f"database or Redis problem: {exc.__class__.__name__}: {exc}") from None
        raise


# -- start / console / serve / migrate ------------------------------------------------------


def configured_channels(settings: Settings) -> list[str]:
    """Channels whose credentials are set."""
    from bots.channels import configured_plugins

    return [p.name for p in configured_plugins(settings)]


@app.callback(invoke_without_command=True)
def start(ctx: typer.Context) -> None:
    """Start every configured channel, or the console demo when none is configured."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if configured_channels(settings):
        serve()
    else:
        console()


INTRO = """\
Helpdesk console demo — you chat with the bot as one of these people:
{people}
Commands: /as NAME  become someone else   /new  place a request   /my  your requests
          /help  what the bot understands   /quit  leave
Buttons show as [1] Claim  [2] Release — type the number to press one.
Messages the bot sends to other people show as  → Ana: …"""


@app.command()
def console() -> None:
    """Chat with the bot in this terminal as several people (the demo)."""
    logging.basicConfig(level=logging.WARNING)

    async def main(application: App) -> None:
        await seed_demo(application.uow_factory)
        application.add_sender(ConsoleSender())
        async with application.uow_factory() as uow:
            people = await uow.people.list()
        listing = "\n".join(f"  {p.name:<12} {p.role.value}" for p in people)
        first = next((p.name for p in people if p.role is Role.INITIATOR), "Ion")
        assert application.worker is not None
        worker, timers = application.worker, application.timer_worker

        async def after_each() -> None:
            if timers is not None:
                await timers.drain()
            await worker.drain()

        channel = ConsoleChannel(
            application.conversations.handle, after_each,
            intro=INTRO.format(people=listing), start_as=first,
        )
        await channel.run()

    run(main)


@app.command()
def serve(
    web_only: bool = typer.Option(
        False, "--web-only", help="Only the web server: leave delivery and timers to "
        "'helpdesk worker' processes."),
) -> None:
    """Run the web server (webhooks, link pages) and the delivery and timer workers."""
    from bots.logs import configure, configured_secrets
    from bots.server import serve_forever

    settings = load_settings()
    configure(settings.log_format, secrets=configured_secrets(settings))
    run(lambda application: serve_forever(application, workers=not web_only), settings=settings)


@app.command()
def worker() -> None:
    """Run only the delivery and timer workers (next to 'serve --web-only' processes)."""
    from bots.logs import configure, configured_secrets
    from bots.server import work_forever

    settings = load_settings()
    configure(settings.log_format, secrets=configured_secrets(settings))
    run(work_forever, settings=settings)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema (also done automatically on start)."""

    async def main(application: App) -> None:
        from persistence.migrate import current_revision

        revision = await current_revision(application.engine)
        typer.echo(f"database is at revision {revision}")

    run(main)


# -- admin ----------------------------------------------------------------------------------

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_phone(phone: str) -> str:
    from adapters.sms.phones import InvalidPhone, to_e164

    try:
        return to_e164(phone)
    except InvalidPhone as exc:
        raise fail(str(exc)) from None


@admin.command("add-person")
def add_person(
    name: str,
    role: str = typer.Option(..., help="initiator, assistant or supervisor"),
    telegram: str | None = typer.Option(None, help="Telegram user id (digits)"),
    slack: str | None = typer.Option(None, help="Slack user id (U…)"),
    phone: str | None = typer.Option(None, help="Phone number in E.164, e.g. +40721234567"),
    email: str | None = typer.Option(None, help="E-mail address"),
    language: str | None = typer.Option(
        None, help="en, ro, pt, pl or ru; default: from the phone's country, else the "
        "person's platform, else DEFAULT_LANGUAGE"),
    timezone: str | None = typer.Option(
        None, help="IANA time zone, e.g. Europe/Bucharest; default DEFAULT_TIMEZONE"),
    prefer: str | None = typer.Option(
        None, help="where notifications go: telegram, slack, sms or email (one of the "
        "accounts given); default: the channel the person used last"),
) -> None:
    """Add a person with their channel accounts."""
    name = " ".join(name.split())
    if not name:
        raise fail("the name is empty")
    try:
        role_value = Role(role.lower())
    except ValueError:
        raise fail(f"unknown role {role!r}: use initiator, assistant or supervisor") from None
    accounts: list[tuple[str, str]] = [("console", address_of(name))]
    if telegram is not None:
        if not telegram.strip().lstrip("-").isdigit():
            raise fail(f"invalid Telegram id {telegram!r}: it is a number like 123456789")
        accounts.append(("telegram", telegram.strip()))
    if slack is not None:
        if not re.fullmatch(r"[UW][A-Z0-9]{2,}", slack.strip()):
            raise fail(f"invalid Slack user id {slack!r}: it looks like U012AB3CD")
        accounts.append(("slack", slack.strip()))
    if phone is not None:
        accounts.append(("sms", normalise_phone(phone)))
    if email is not None:
        if not EMAIL.match(email.strip()):
            raise fail(f"invalid e-mail address {email!r}")
        accounts.append(("email", email.strip().lower()))
    if language is not None and normalise_language(language) != language.lower():
        raise fail(f"unknown language {language!r}: use one of {', '.join(LANGUAGES)}")
    if timezone is not None and not valid_timezone(timezone):
        raise fail(f"unknown time zone {timezone!r}: use a name like Europe/Bucharest")
    if prefer is not None:
        prefer = prefer.strip().lower()
        if prefer not in {channel for channel, _ in accounts[1:]}:
            raise fail(f"cannot prefer {prefer!r}: give that account too "
                       "(--telegram, --slack, --phone or --email)")
    spoken = language.lower() if language else None
    if spoken is None and phone is not None:
        spoken = language_for_phone(dict(accounts)["sms"])

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            if await uow.people.by_name(name):
                raise fail(f"there is already someone called {name!r}")
            person = await uow.people.add(name, role_value, spoken, timezone)
            for channel, address in accounts:
                await uow.people.add_account(person.id, channel, address)
            if prefer is not None:
                await uow.people.set_preferred_channel(person.id, prefer)
            await uow.commit()
        typer.echo(f"added {name} ({role_value.value}), id {person.id}")

    run(main)


PREFERABLE = {"telegram", "slack", "sms", "email"}


@admin.command("prefer")
def prefer_channel(
    name: str,
    channel: str = typer.Argument(..., help="telegram, slack, sms, email, or auto (the "
                                  "channel the person used last)"),
) -> None:
    """Choose where a person's notifications go (e.g. e-mail rather than chat)."""
    wanted = channel.strip().lower()
    if wanted not in PREFERABLE | {"auto"}:
        raise fail(f"unknown channel {channel!r}: use telegram, slack, sms, email or auto")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            person = await uow.people.by_name(name)
            if person is None:
                raise fail(f"nobody is called {name!r}")
            if wanted != "auto" and wanted not in {
                    a.channel for a in await uow.people.accounts(person.id)}:
                raise fail(f"{person.name} has no {wanted} account; add it first")
            await uow.people.set_preferred_channel(person.id, None if wanted == "auto" else wanted)
            await uow.commit()
        typer.echo(f"{person.name}: notifications go to "
                   f"{'the channel used last' if wanted == 'auto' else wanted}")

    run(main)


SLA_SPEC = re.compile(r"^(\w+)=(\d+)/(\d+)$")


def type_settings(
    rtype: RequestType, *, fields: list[str] | None, claim_minutes: int | None,
    resolve_minutes: int | None, sla_specs: list[str] | None, feedback_hours: float | None,
    assistants: list[Person] | None,
) -> RequestType:
    """``rtype`` with the given settings changed (None: keep); exits with one line on bad input."""
    from core.sla import DEFAULT_PRIORITY, PRIORITIES, SlaPolicy

    policies = dict(rtype.sla)
    if claim_minutes is not None or resolve_minutes is not None:
        base = rtype.policy(DEFAULT_PRIORITY)
        policies[DEFAULT_PRIORITY] = SlaPolicy(
            claim_minutes if claim_minutes is not None else base.claim_minutes,
            resolve_minutes if resolve_minutes is not None else base.resolve_minutes)
    for spec in sla_specs or []:
        match = SLA_SPEC.match(spec.strip().lower())
        if not match or match.group(1) not in PRIORITIES:
            raise fail(f"invalid --sla {spec!r}: write PRIORITY=CLAIM/RESOLVE minutes, e.g. "
                       f"high=15/240 (priorities: {', '.join(PRIORITIES)})")
        policies[match.group(1)] = SlaPolicy(int(match.group(2)), int(match.group(3)))
    for policy in policies.values():
        if not (1 <= policy.claim_minutes <= 525600 and 1 <= policy.resolve_minutes <= 525600):
            raise fail("SLA times must be between 1 minute and 365 days")
    feedback = rtype.feedback_minutes
    if feedback_hours is not None:
        if not 0 < feedback_hours <= 24 * 365:
            raise fail("--feedback-hours must be more than 0 and at most a year")
        feedback = round(feedback_hours * 60)
    names = rtype.fields
    if fields is not None:
        names = tuple(dict.fromkeys(" ".join(f.split()) for f in fields if f.strip()))
        if any(len(n) > 100 for n in names):
            raise fail("a field name is at most 100 characters")
    routing = rtype.assistant_ids
    if assistants is not None:
        routing = tuple(p.id for p in assistants)
    return RequestType(rtype.id, rtype.name, rtype.internal, rtype.active, sla=policies,
                       feedback_minutes=feedback, fields=names, assistant_ids=routing,
                       on_site=rtype.on_site)


async def find_assistants(application: App, names: list[str] | None) -> list[Person] | None:
    if names is None:
        return None
    found: list[Person] = []
    async with application.uow_factory() as uow:
        for name in names:
            person = await uow.people.by_name(" ".join(name.split()))
            if person is None or not person.role.is_staff:
                raise fail(f"{name!r} is not an assistant (add them with add-person first)")
            found.append(person)
    return found


def describe_type(rtype: RequestType) -> str:
    from core.sla import DEFAULT_PRIORITY

    policy = rtype.policy(DEFAULT_PRIORITY)
    parts = [f"claim {policy.claim_minutes} min", f"resolve {policy.resolve_minutes} min",
             f"feedback {rtype.feedback_minutes // 60} h"]
    parts += [f"{p}: {v.claim_minutes}/{v.resolve_minutes} min" for p, v in rtype.sla.items()
              if p != DEFAULT_PRIORITY]
    if rtype.fields:
        parts.append("fields: " + ", ".join(rtype.fields))
    parts.append(f"{len(rtype.assistant_ids)} assistants" if rtype.assistant_ids
                 else "all assistants")
    if rtype.on_site:
        parts.append("visits on site")
    return "; ".join(parts)


FIELD_HELP = "An extra field the intake asks for (repeat for several)"
CLAIM_HELP = "Minutes to claim (SLA; default 30)"
RESOLVE_HELP = "Minutes to resolve (SLA; default 480)"
SLA_HELP = "Per priority: PRIORITY=CLAIM/RESOLVE minutes, e.g. high=15/240 (repeatable)"
FEEDBACK_HELP = "Hours to confirm or reopen after resolution (default 72)"
ASSISTANT_HELP = "Only this assistant receives the type's requests (repeatable; default all)"
ON_SITE_HELP = "Visits on site are planned on its requests (issue 18: agenda, invitations)"


@admin.command("add-type")
def add_type(
    name: str,
    internal: bool = typer.Option(False, "--internal", help="Only staff may choose it"),
    field: list[str] = typer.Option(None, "--field", help=FIELD_HELP),
    claim_minutes: int | None = typer.Option(None, "--claim-minutes", help=CLAIM_HELP),
    resolve_minutes: int | None = typer.Option(None, "--resolve-minutes", help=RESOLVE_HELP),
    sla: list[str] = typer.Option(None, "--sla", help=SLA_HELP),
    feedback_hours: float | None = typer.Option(None, "--feedback-hours", help=FEEDBACK_HELP),
    assistant: list[str] = typer.Option(None, "--assistant", help=ASSISTANT_HELP),
    on_site: bool = typer.Option(False, "--on-site", help=ON_SITE_HELP),
) -> None:
    """Add a request type."""
    name = " ".join(name.split())
    if not name:
        raise fail("the name is empty")

    async def main(application: App) -> None:
        people = await find_assistants(application, assistant or None)
        async with application.uow_factory() as uow:
            if await uow.types.by_name(name):
                raise fail(f"the type {name!r} exists already (change it with set-type)")
            rtype = await uow.types.add(name, internal)
            rtype.on_site = on_site
            rtype = type_settings(rtype, fields=field or None, claim_minutes=claim_minutes,
                                  resolve_minutes=resolve_minutes, sla_specs=sla or None,
                                  feedback_hours=feedback_hours, assistants=people)
            await uow.types.save(rtype)
            await uow.commit()
        kind = "internal" if internal else "public"
        typer.echo(f"added type {name} ({kind}), id {rtype.id}: {describe_type(rtype)}")

    run(main)


@admin.command("set-type")
def set_type(
    name: str,
    internal: bool | None = typer.Option(None, "--internal/--public",
                                         help="Only staff may choose it / everyone may"),
    field: list[str] = typer.Option(None, "--field", help=FIELD_HELP),
    no_fields: bool = typer.Option(False, "--no-fields", help="Ask no extra fields"),
    claim_minutes: int | None = typer.Option(None, "--claim-minutes", help=CLAIM_HELP),
    resolve_minutes: int | None = typer.Option(None, "--resolve-minutes", help=RESOLVE_HELP),
    sla: list[str] = typer.Option(None, "--sla", help=SLA_HELP),
    feedback_hours: float | None = typer.Option(None, "--feedback-hours", help=FEEDBACK_HELP),
    assistant: list[str] = typer.Option(None, "--assistant", help=ASSISTANT_HELP),
    all_assistants: bool = typer.Option(False, "--all-assistants",
                                        help="Every assistant receives it again"),
) -> None:
    """Change a request type's settings; options not given are kept."""
    name = " ".join(name.split())

    async def main(application: App) -> None:
        people = await find_assistants(application, assistant or None)
        if all_assistants:
            people = []
        async with application.uow_factory() as uow:
            rtype = await uow.types.by_name(name)
            if rtype is None:
                raise fail(f"there is no type {name!r}")
            if internal is not None:
                rtype.internal = internal
            rtype = type_settings(rtype, fields=[] if no_fields else (field or None),
                                  claim_minutes=claim_minutes, resolve_minutes=resolve_minutes,
                                  sla_specs=sla or None, feedback_hours=feedback_hours,
                                  assistants=people)
            await uow.types.save(rtype)
            await uow.commit()
        typer.echo(f"changed type {name}: {describe_type(rtype)}")

    run(main)


@admin.command("seed-types")
def seed_types_command(
    name: str = typer.Argument(..., help="okdesk (seed 004) or avir (seed 000)"),
) -> None:
    """Add a ready-made set of request types (existing types are kept as they are)."""
    from bots.seed import TYPE_SETS, seed_types

    key = name.strip().lower()
    if key not in TYPE_SETS:
        raise fail(f"unknown type set {name[:30]!r}; choose one of {', '.join(TYPE_SETS)}")

    async def main(application: App) -> None:
        added, kept = await seed_types(application.uow_factory, key)
        typer.echo(f"added {len(added)} types ({', '.join(added) or 'none'}); "
                   f"{len(kept)} already there")

    run(main)


@admin.command("purge-files")
def purge_files(
    days: int | None = typer.Option(
        None, min=1, help="delete the files of requests closed or cancelled this many days ago "
        "(default: ATTACHMENT_RETENTION_DAYS)"),
) -> None:
    """Delete stored files of requests closed or cancelled long ago (the requests stay)."""
    from bots.retention import RetentionWorker

    async def main(application: App) -> None:
        keep = days or application.settings.attachment_retention_days
        if not keep:
            raise fail("give --days N (or set ATTACHMENT_RETENTION_DAYS)")
        assert application.attachments is not None
        worker = RetentionWorker(application.attachments, application.clock, keep)
        deleted = await worker.run_once()
        typer.echo(f"deleted {deleted} stored files of requests closed or cancelled before "
                   f"{worker.cutoff():%Y-%m-%d %H:%M} UTC")

    run(main)


# The admin life of a person, types, organizations, lists and import (bots/cli_admin.py) and
# the reports (bots/cli_reports.py) register themselves on ``admin`` and ``app``.
import bots.cli_inbox  # noqa: E402,F401  (registers ``admin inbox``)
import bots.cli_kb  # noqa: E402,F401  (registers ``admin load-kb``, ``report kb``)
import bots.cli_outbox  # noqa: E402,F401  (registers ``admin outbox``)
import bots.cli_scripts  # noqa: E402,F401  (issue 18: load-scripts, report deflections)
from bots import cli_admin, cli_reports  # noqa: E402,F401


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
