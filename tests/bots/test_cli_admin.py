"""The admin CLI of issue 17: a person's life, lists with --json, all-or-nothing import."""

from __future__ import annotations

import json
from pathlib import Path

from tests.bots.test_cli import helpdesk

HEADER = "name,role,organization,phone,email,telegram,slack,language,timezone\n"


def people_csv(path: Path, bad: bool) -> Path:
    lines = [HEADER]
    for i in range(1000):
        phone = f"+4072{i:07d}"
        email = f"person{i}@example.com"
        role = "assistant" if i % 100 == 0 else "initiator"
        org = "Acme" if i % 2 else "Beta SRL"
        language, zone = ("ro", "Europe/Bucharest") if i % 3 else ("", "")
        if bad and i == 10:
            phone = "12345"  # not a phone number
        if bad and i == 500:
            role = "boss"
        if bad and i == 998:
            email = "person3@example.com"  # row 3's address
        lines.append(f"Person {i},{role},{org},{phone},{email},{1000 + i},,{language},{zone}\n")
    path.write_text("".join(lines))
    return path


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    bad = helpdesk(tmp_path, "admin", "import", str(people_csv(tmp_path / "bad.csv", True)))
    assert bad.returncode == 1, bad.stderr
    errors = [line for line in bad.stderr.splitlines() if line.startswith("line ")]
    assert errors == [
        "line 12: invalid phone number '12345': use the international form, e.g. +40721234567",
        "line 502: unknown role 'boss': use initiator, assistant or supervisor",
        "line 1000: that e-mail address is also Person 3's on line 5",
    ], bad.stderr
    assert "3 bad rows" in bad.stderr and "nothing was imported" in bad.stderr
    assert "Traceback" not in bad.stderr
    listed = json.loads(helpdesk(tmp_path, "admin", "list", "people", "--json").stdout)
    assert listed == []

    good = helpdesk(tmp_path, "admin", "import", str(people_csv(tmp_path / "good.csv", False)))
    assert good.returncode == 0, good.stderr
    assert "imported 1000 people" in good.stdout
    # Not a terminal: no progress bar escapes in the output.
    assert "\x1b[" not in good.stdout + good.stderr
    people = json.loads(helpdesk(tmp_path, "admin", "list", "people", "--json").stdout)
    assert len(people) == 1000
    assert people[12]["organization"] == "Beta SRL" and "sms:+40720000012" in people[12][
        "accounts"]
    orgs = json.loads(helpdesk(tmp_path, "admin", "list", "organizations", "--json").stdout)
    assert {o["name"]: o["members"] for o in orgs} == {"Beta SRL": 500, "Acme": 500}
    assistants = json.loads(helpdesk(tmp_path, "admin", "list", "people", "--role",
                                     "assistant", "--json").stdout)
    assert len(assistants) == 10
    # Importing the same file again names the clashes (name and accounts) and adds nobody.
    again = helpdesk(tmp_path, "admin", "import", str(tmp_path / "good.csv"))
    assert again.returncode == 1
    assert "line 2: there is already someone called 'Person 0'; that phone number belongs " \
           "to Person 0" in again.stderr


def test_a_persons_life(tmp_path: Path) -> None:
    def ok(*args: str) -> str:
        result = helpdesk(tmp_path, *args)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def refused(*args: str) -> str:
        result = helpdesk(tmp_path, *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        return result.stderr

    ok("admin", "organization", "add", "Acme", "--hours", "20", "--from", "2026-01-01")
    ok("admin", "add-person", "Maria Pop", "--role", "initiator", "--phone", "+40721234567")
    ok("admin", "add-person", "Ana", "--role", "assistant", "--telegram", "101")
    assert "that phone number belongs to Maria Pop" in refused(
        "admin", "person", "add-account", "Ana", "--phone", "+40 721 234 567")
    assert "that Telegram account belongs to Ana" in refused(
        "admin", "person", "remove-account", "Maria Pop", "--telegram", "101")
    ok("admin", "person", "add-account", "Ana", "--slack", "U0ANA", "--email", "ana@example.com")
    ok("admin", "person", "remove-account", "Ana", "--telegram", "101")
    ok("admin", "person", "edit", "Maria Pop", "--organization", "Acme", "--timezone",
       "Europe/Bucharest", "--language", "pt")
    assert "unknown role" in refused("admin", "person", "edit", "Ana", "--role", "boss")
    assert "there is no organization 'Nope'" in refused("admin", "person", "edit", "Ana",
                                                         "--organization", "Nope")
    ok("admin", "person", "edit", "Ana", "--name", "Ana Ionescu", "--role", "supervisor")
    ok("admin", "person", "deactivate", "Ana Ionescu")
    assert "already deactivated" in refused("admin", "person", "deactivate", "Ana Ionescu")
    people = {p["name"]: p for p in json.loads(ok("admin", "list", "people", "--all",
                                                  "--json"))}
    assert people["Maria Pop"]["organization"] == "Acme"
    assert people["Maria Pop"]["language"] == "pt"
    assert people["Ana Ionescu"]["role"] == "supervisor"
    assert people["Ana Ionescu"]["active"] is False
    assert sorted(people["Ana Ionescu"]["accounts"]) == ["email:ana@example.com", "slack:U0ANA"]
    assert [p["name"] for p in json.loads(ok("admin", "list", "people", "--json"))] == [
        "Maria Pop"]
    assert [p["name"] for p in json.loads(ok("admin", "list", "people", "--inactive",
                                             "--json"))] == ["Ana Ionescu"]
    ok("admin", "person", "activate", "Ana Ionescu")

    ok("admin", "add-type", "Audit")
    ok("admin", "type", "edit", "Audit", "--name", "Security audit", "--internal",
       "--claim-minutes", "15")
    ok("admin", "type", "deactivate", "Security audit")
    types = json.loads(ok("admin", "list", "types", "--all", "--json"))
    assert [(t["name"], t["kind"], t["active"]) for t in types] == [
        ("Security audit", "internal", False)]
    assert "claim 15 min" in types[0]["settings"]
    orgs = json.loads(ok("admin", "list", "organizations", "--json"))
    assert orgs == [{"id": 1, "name": "Acme", "active": True, "members": 1,
                     "contract": "20 h a month, 2026-01-01 to open-ended"}]
    assert "cannot list 'things'" in refused("admin", "list", "things")
