"""Reading knowledge-base articles from a directory of Markdown files with YAML front matter.

A file::

    ---
    title: The printer says "paper jam"
    tags: [printer, paper]
    language: en
    visibility: public        # or staff; default public
    id: printer-paper-jam     # optional; default: the path without .md
    ---
    Markdown body…

Every ``*.md`` file under the directory is read (sub-directories too; ``README.md`` is
skipped). Any bad file refuses the whole load, each problem naming its file and field, so
the stored articles never end up half replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from core.i18n import LANGUAGES
from core.kb_ports import MAX_BODY, MAX_TAGS, MAX_TITLE, VISIBILITIES, Article

FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
KNOWN = {"title", "tags", "language", "visibility", "id"}
MAX_FILE = 1024 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.message}"


class BadArticles(ValueError):
    """Some files cannot be loaded; ``problems`` says which and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def parse_article(text: str, name: str) -> tuple[Article | None, list[Problem]]:
    """The article in ``text`` (the file ``name``, relative to the directory) or problems."""
    default_slug = name[:-3] if name.lower().endswith(".md") else name
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem(name, field, message))

    match = FRONT.match(text.lstrip("\ufeff"))
    if match is None:
        bad("front matter", "missing: the file must start with a '---' line, the fields, "
            "and a closing '---' line")
        return None, problems
    try:
        meta: Any = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 2})" if mark is not None else ""
        bad("front matter", f"not valid YAML{where}")
        return None, problems
    if not isinstance(meta, dict):
        bad("front matter", "must be 'field: value' lines")
        return None, problems
    for key in meta:
        if str(key) not in KNOWN:
            bad(str(key), f"unknown field; the fields are {', '.join(sorted(KNOWN))}")
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        bad("title", "missing or empty")
    elif len(title.strip()) > MAX_TITLE or "\n" in title.strip():
        bad("title", f"one line of at most {MAX_TITLE} characters")
    language = meta.get("language")
    if language not in LANGUAGES:
        bad("language", f"{language!r} is not one of {', '.join(LANGUAGES)}"
            if language is not None else f"missing; one of {', '.join(LANGUAGES)}")
    visibility = meta.get("visibility", "public")
    if visibility not in VISIBILITIES:
        bad("visibility", f"{visibility!r} is not one of {', '.join(VISIBILITIES)}")
    tags_value = meta.get("tags", [])
    if isinstance(tags_value, str):
        tags_value = [t for t in re.split(r"[,\s]+", tags_value) if t]
    tags: tuple[str, ...] = ()
    if not isinstance(tags_value, list) or not all(
            isinstance(t, str | int) and str(t).strip() for t in tags_value):
        bad("tags", "a list of words, e.g. [printer, paper]")
    elif len(tags_value) > MAX_TAGS or any(len(str(t)) > 50 for t in tags_value):
        bad("tags", f"at most {MAX_TAGS} tags of at most 50 characters")
    else:
        tags = tuple(str(t).strip() for t in tags_value)
    slug = meta.get("id", default_slug)
    if not isinstance(slug, str | int) or not SLUG.match(str(slug)):
        bad("id", "letters, digits, '.', '_', '-' and '/' only, at most 200 characters")
    body = match.group(2).strip()
    if not body:
        bad("body", "empty: write the article below the front matter")
    elif len(body) > MAX_BODY:
        bad("body", f"{len(body)} characters; at most {MAX_BODY}")
    if "\x00" in body:
        bad("body", "contains a NUL character")
    if problems:
        return None, problems
    assert isinstance(title, str) and isinstance(language, str)
    return Article(str(slug), " ".join(title.split()), body, language, str(visibility),
                   tags), []


def read_directory(directory: Path) -> list[Article]:
    """Every article under ``directory``; raises ``BadArticles`` naming each bad file and
    field (and slugs used twice), or ``FileNotFoundError`` / ``NotADirectoryError``."""
    if not directory.exists():
        raise FileNotFoundError(f"{directory}: no such directory")
    if not directory.is_dir():
        raise NotADirectoryError(f"{directory}: not a directory")
    articles: list[Article] = []
    problems: list[Problem] = []
    first_file: dict[str, str] = {}
    for path in sorted(directory.rglob("*.md")):
        name = path.relative_to(directory).as_posix()
        if path.name.lower() == "readme.md" or not path.is_file():
            continue
        if path.stat().st_size > MAX_FILE:
            problems.append(Problem(name, "file", f"larger than {MAX_FILE} bytes"))
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(name, "file", "not UTF-8 text"))
            continue
        article, found = parse_article(text, name)
        problems.extend(found)
        if article is None:
            continue
        if article.slug in first_file:
            problems.append(Problem(name, "id", f"{article.slug!r} is also the id of "
                                    f"{first_file[article.slug]}"))
            continue
        first_file[article.slug] = name
        articles.append(article)
    if problems:
        raise BadArticles(problems)
    return articles
