"""The command line: settings errors are one clear line; the admin commands work."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app

ROOT = Path(__file__).resolve().parents[2]
# Settings the tests' own environment must not hand to the command.
CLEARED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT", "HOST")


def helpdesk_process(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``python run_bot.py ARGS`` in its own process: the console entry as users start it."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(CLEARED)}
    return subprocess.run([sys.executable, str(ROOT / "run_bot.py"), *args], cwd=cwd,
                          env={**base, **env}, capture_output=True, text=True, timeout=120,
                          input="")


def helpdesk(cwd: Path, *args: str, stdin: str = "", clear: tuple[str, ...] = (),
             **env: str) -> subprocess.CompletedProcess[str]:
    """``helpdesk ARGS`` run in this process (typer's CliRunner, no interpreter start-up): in
    ``cwd``, with the environment the process would get (less the variables starting with
    ``clear``), ``stdin`` as its input. Its own thread, so it also works from async tests
    (the command runs its own event loop). An exception the command lets out shows on stderr
    as a traceback, as it would from the process."""
    cleared: dict[str, str | None] = {
        k: None for k in os.environ if k.startswith((*CLEARED, *clear))}

    def invoke() -> subprocess.CompletedProcess[str]:
        with contextlib.chdir(cwd):
            result = CliRunner().invoke(app, list(args), env={**cleared, **env}, input=stdin)
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))
        return subprocess.CompletedProcess(["helpdesk", *args], result.exit_code,
                                           result.stdout, stderr)

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(invoke).result(timeout=120)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"PORT": "abc"}, "PORT: Input should be a valid integer"),
        ({"PORT": "70000"}, "PORT: Input should be less than or equal to 65535"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL: not a usable database URL"),
        ({"REDIS_URL": "http://localhost"}, "REDIS_URL: must start with redis://"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY: must be at least 16 characters long"),
        ({"PUBLIC_BASE_URL": "example.com"}, "PUBLIC_BASE_URL: must start with https://"),
        ({"DEFAULT_LANGUAGE": "xx"}, "DEFAULT_LANGUAGE: must be one of en, ro, pt, pl, ru"),
        ({"TELEGRAM_BOT_TOKEN": "nope"}, "TELEGRAM_BOT_TOKEN: is not a bot token"),
        ({"TELEGRAM_WEBHOOK_SECRET": "not allowed!"}, "TELEGRAM_WEBHOOK_SECRET: must be 1 to 256"),
        ({"DEFAULT_TIMEZONE": "Nowhere/City"}, "DEFAULT_TIMEZONE: is not a time zone name"),
    ],
)
def test_wrong_setting_stops_with_one_line(tmp_path: Path, env: dict[str, str],
                                           fragment: str) -> None:
    result = helpdesk(tmp_path, **env)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("helpdesk: configuration error:") and fragment in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_console_entry_stops_on_a_wrong_setting_with_one_line(tmp_path: Path) -> None:
    """The same through ``python run_bot.py`` in its own process: the real entry point, its
    exit code and everything it writes to stderr."""
    result = helpdesk_process(tmp_path, PORT="abc")
    assert result.returncode == 2
    assert result.stderr.strip() == "helpdesk: configuration error: PORT: Input should be a " \
        "valid integer, unable to parse string as an integer", result.stderr
    assert result.stdout == ""


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    result = helpdesk(tmp_path, "migrate",
                      DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("helpdesk: ")


def test_admin_commands(tmp_path: Path) -> None:
    assert "database is at revision 00" in helpdesk(tmp_path, "migrate").stdout  # the head
    ok = helpdesk(tmp_path, "admin", "add-person", "Ana Pop", "--role", "assistant",
                  "--telegram", "123456", "--phone", "+40 721 234 567", "--slack", "U01ABCDEF")
    assert ok.returncode == 0, ok.stderr
    assert "added Ana Pop (assistant)" in ok.stdout
    assert helpdesk(tmp_path, "admin", "add-type", "Audit", "--internal").returncode == 0
    listing = helpdesk(tmp_path, "admin", "list").stdout
    assert "Ana Pop" in listing and "sms:+40721234567" in listing
    assert "ro" in listing.split("Ana Pop")[1].splitlines()[0]  # language from +40
    assert "telegram:123456" in listing and "Audit" in listing and "internal" in listing


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["add-person", "Dan", "--role", "boss"], "unknown role 'boss'"),
        (["add-person", "Dan", "--role", "assistant", "--phone", "12345"],
         "invalid phone number '12345'"),
        (["add-person", "Dan", "--role", "assistant", "--telegram", "abc"], "invalid Telegram id"),
        (["add-person", "Dan", "--role", "assistant", "--email", "nope"], "invalid e-mail"),
        (["add-person", "  ", "--role", "assistant"], "the name is empty"),
        (["add-person", "Dan", "--role", "assistant", "--language", "de"], "unknown language"),
        (["add-person", "Dan", "--role", "assistant", "--timezone", "Mars/Olympus"],
         "unknown time zone"),
    ],
)
def test_admin_refuses_bad_input(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = helpdesk(tmp_path, "admin", *args)
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_duplicate_account_is_refused(tmp_path: Path) -> None:
    helpdesk(tmp_path, "admin", "add-person", "Ana", "--role", "assistant", "--telegram", "7")
    result = helpdesk(tmp_path, "admin", "add-person", "Dan", "--role", "assistant",
                      "--telegram", "7")
    assert result.returncode == 2
    assert "belongs to someone else" in result.stderr
    listing = helpdesk(tmp_path, "admin", "list").stdout
    assert "Dan" not in listing  # nothing half-added


def test_duplicate_type_is_refused(tmp_path: Path) -> None:
    helpdesk(tmp_path, "admin", "add-type", "Peripherals")
    result = helpdesk(tmp_path, "admin", "add-type", "peripherals")
    assert result.returncode == 2 and "exists already" in result.stderr


def test_seed_types_adds_a_ready_made_set_once(tmp_path: Path) -> None:
    result = helpdesk(tmp_path, "admin", "seed-types", "okdesk")
    assert result.returncode == 0, result.stderr
    assert "added 5 types (Consultation, Service request, Incident, Task, Problem)" \
        in result.stdout
    again = helpdesk(tmp_path, "admin", "seed-types", "OKDESK")
    assert "added 0 types (none); 5 already there" in again.stdout
    avir = helpdesk(tmp_path, "admin", "seed-types", "avir")
    assert "Integrat.STS, Intervention on site, Peripherals" in avir.stdout
    listed = helpdesk(tmp_path, "admin", "list").stdout
    assert "Problem" in listed and "Peripherals" in listed
    bad = helpdesk(tmp_path, "admin", "seed-types", "jira")
    assert bad.returncode == 2
    assert bad.stderr.strip() == \
        "helpdesk: unknown type set 'jira'; choose one of okdesk, avir"
