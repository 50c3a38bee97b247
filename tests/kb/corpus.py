"""Writes the knowledge-base test corpus (``tests/kb/corpus_data.py``) as Markdown files:
``python -m tests.kb.corpus DIR`` -> ``DIR/<language>/<topic>.md``, 200 articles.

The tests call ``write_corpus`` into a temporary directory and load it with
``helpdesk admin load-kb``'s reader, so the loader is exercised on every file too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.kb.corpus_data import TOPICS

FOOTER = {
    "en": "If these steps did not help, send /new and describe what you see on the screen.",
    "ro": "Dacă pașii nu au ajutat, trimiteți /new și descrieți ce vedeți pe ecran.",
    "pt": "Se estes passos não ajudaram, envie /new e descreva o que vê no ecrã.",
    "pl": "Jeśli te kroki nie pomogły, wyślij /new i opisz, co widzisz na ekranie.",
    "ru": "Если эти шаги не помогли, отправьте /new и опишите, что вы видите на экране.",
}


def article_text(topic: str, language: str) -> str:
    title, tags, body = TOPICS[topic][language]
    tag_list = ", ".join(t.strip() for t in tags.split(","))
    first, _sep, rest = body.partition(". ")
    paragraphs = [first + ("." if rest else ""), rest] if rest else [body]
    return (f"---\nid: {language}/{topic}\ntitle: \"{title}\"\ntags: [{tag_list}]\n"
            f"language: {language}\nvisibility: public\n---\n"
            + "\n\n".join(p for p in paragraphs if p) + f"\n\n{FOOTER[language]}\n")


def write_corpus(directory: Path) -> int:
    """Write every article; returns how many."""
    written = 0
    for topic, languages in TOPICS.items():
        for language in languages:
            path = directory / language / f"{topic}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(article_text(topic, language), encoding="utf-8")
            written += 1
    return written


if __name__ == "__main__":
    print(write_corpus(Path(sys.argv[1])), "articles written")
