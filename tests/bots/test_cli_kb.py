"""``helpdesk admin load-kb DIR`` and ``helpdesk report kb``: bad files are refused naming
the file and the field (and nothing is loaded); a reload replaces by id; counters as CSV."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from bots.kb_files import BadArticles, parse_article, read_directory
from tests.bots.test_cli import helpdesk

GOOD = """---
title: The printer says paper jam
tags: [printer, paper]
language: en
---
Open tray 2 and pull the sheet out.
"""


def write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("text", "field", "fragment"), [
    ("no front matter", "front matter", "missing"),
    ("---\ntitle: [unclosed\n---\nbody", "front matter", "not valid YAML"),
    ("---\n- a\n- b\n---\nbody", "front matter", "field: value"),
    ("---\nlanguage: en\n---\nbody", "title", "missing or empty"),
    ("---\ntitle: T\n---\nbody", "language", "missing; one of en, ro, pt, pl, ru"),
    ("---\ntitle: T\nlanguage: de\n---\nbody", "language", "'de' is not one of"),
    ("---\ntitle: T\nlanguage: en\nvisibility: secret\n---\nbody", "visibility",
     "'secret' is not one of public, staff"),
    ("---\ntitle: T\nlanguage: en\ntags: {a: 1}\n---\nbody", "tags", "a list of words"),
    ("---\ntitle: T\nlanguage: en\n---\n   ", "body", "empty"),
    ("---\ntitle: T\nlanguage: en\nauthor: me\n---\nbody", "author", "unknown field"),
    ("---\ntitle: T\nlanguage: en\nid: 'a b'\n---\nbody", "id", "letters, digits"),
    ("---\ntitle: " + "x" * 300 + "\nlanguage: en\n---\nbody", "title", "at most 200"),
])
def test_a_bad_file_names_the_field(text: str, field: str, fragment: str) -> None:
    article, problems = parse_article(text, "printers/jam.md")
    assert article is None
    assert any(p.file == "printers/jam.md" and p.field == field and fragment in p.message
               for p in problems), problems


def test_a_good_file_and_its_default_id(tmp_path: Path) -> None:
    write(tmp_path, "printers/jam.md", GOOD)
    write(tmp_path, "README.md", "not an article")
    [article] = read_directory(tmp_path)
    assert (article.slug, article.title, article.tags, article.visibility) == (
        "printers/jam", "The printer says paper jam", ("printer", "paper"), "public")


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.md", GOOD.replace("language: en", "language: en\nid: jam"))
    write(tmp_path, "b.md", GOOD.replace("language: en", "language: en\nid: jam"))
    with pytest.raises(BadArticles) as refused:
        read_directory(tmp_path)
    assert str(refused.value) == "b.md: id: 'jam' is also the id of a.md"


def test_load_kb_and_report_kb(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "jam.md", GOOD)
    write(kb, "vpn.md", GOOD.replace("printer says paper jam", "VPN does not connect"))
    write(kb, "bad/one.md", "---\ntitle: T\nlanguage: xx\n---\nbody")
    write(kb, "bad/two.md", "---\ntitle: T\nlanguage: en\nvisibility: nobody\n---\nbody")
    refused = helpdesk(tmp_path, "admin", "load-kb", str(kb))
    assert refused.returncode == 2, refused.stderr
    assert "bad/one.md: language: 'xx' is not one of en, ro, pt, pl, ru" in refused.stderr
    assert "bad/two.md: visibility: 'nobody' is not one of public, staff" in refused.stderr
    assert "nothing loaded: 2 problem(s)" in refused.stderr and "Traceback" not in (
        refused.stderr)
    assert json.loads(helpdesk(tmp_path, "report", "kb", "--json").stdout) == []

    for name in ("one.md", "two.md"):
        (kb / "bad" / name).unlink()
    loaded = helpdesk(tmp_path, "admin", "load-kb", str(kb))
    assert loaded.returncode == 0, loaded.stderr
    assert "2 articles: 2 added, 0 replaced, 0 unchanged, 0 removed" in loaded.stdout
    write(kb, "jam.md", GOOD.replace("pull the sheet out", "pull the sheet out slowly"))
    (kb / "vpn.md").unlink()
    again = helpdesk(tmp_path, "admin", "load-kb", str(kb))
    assert "1 articles: 0 added, 1 replaced, 0 unchanged, 1 removed" in again.stdout
    missing = helpdesk(tmp_path, "admin", "load-kb", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no such directory" in missing.stderr

    report = helpdesk(tmp_path, "report", "kb", "--csv", str(tmp_path / "kb.csv"))
    assert report.returncode == 0, report.stderr
    assert "1 articles; 0 views, 0 deflections, 0 not helpful" in report.stdout
    rows = list(csv.DictReader((tmp_path / "kb.csv").read_text(encoding="utf-8")
                               .splitlines()))
    assert rows == [{"id": "1", "slug": "jam", "language": "en", "visibility": "public",
                     "title": "The printer says paper jam", "views": "0", "deflections": "0",
                     "not_helpful": "0"}]
    wrong = helpdesk(tmp_path, "report", "kb", "--csv", str(tmp_path / "kb.txt"))
    assert wrong.returncode == 2 and "must end in .csv" in wrong.stderr
