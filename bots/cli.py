"""The ``helpdesk`` command (also ``python run_bot.py``): start, console, serve, migrate, admin."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from adapters.console import ConsoleChannel, ConsoleSender
from adapters.console.channel import address_of
from bots.bootstrap import App, bootstrap
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
        channel = ConsoleChannel(
            application.conversations.handle, application.worker.drain,
            intro=INTRO.format(people=listing), start_as=first,
        )
        await channel.run()

    run(main)


@app.command()
def serve() -> None:
    """Run the web server (webhooks, link pages) and the delivery worker."""
    from bots.server import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run(serve_forever)


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
            await uow.commit()
        typer.echo(f"added {name} ({role_value.value}), id {person.id}")

    run(main)


@admin.command("add-type")
def add_type(
    name: str,
    internal: bool = typer.Option(False, "--internal", help="Only staff may choose it"),
) -> None:
    """Add a request type."""
    name = " ".join(name.split())
    if not name:
        raise fail("the name is empty")

    async def main(application: App) -> None:
        async with application.uow_factory() as uow:
            if await uow.types.by_name(name):
                raise fail(f"the type {name!r} exists already")
            rtype = await uow.types.add(name, internal)
            await uow.commit()
        kind = "internal" if internal else "public"
        typer.echo(f"added type {name} ({kind}), id {rtype.id}")

    run(main)


@admin.command("list")
def list_all() -> None:
    """Show people, their accounts, and request types."""

    async def main(application: App) -> None:
        out = Console()
        async with application.uow_factory() as uow:
            people = await uow.people.list()
            rows: list[tuple[Any, ...]] = []
            for p in people:
                accounts = await uow.people.accounts(p.id)
                shown = ", ".join(f"{a.channel}:{a.address}" for a in accounts)
                rows.append((str(p.id), p.name, p.role.value, p.language or "", shown))
            types = await uow.types.list()
        table = Table(title="People")
        for column in ("id", "name", "role", "language", "accounts"):
            table.add_column(column)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        ttable = Table(title="Request types")
        for column in ("id", "name", "kind"):
            ttable.add_column(column)
        for t in types:
            ttable.add_row(str(t.id), t.name, "internal" if t.internal else "public")
        out.print(ttable)

    run(main)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
