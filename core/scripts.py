"""Guided troubleshooting scripts: the model and its validation (issue 18).

A script belongs to a request type. It is a graph of nodes; each node asks a question,
may explain something to the client and may carry a note for the assistant, and offers
answers. An answer leads to another node, to ``solved`` (no request; counted as deflected)
or to ``place`` (the normal intake goes on, the path of answers attached).

Texts are ``Texts``: a mapping language → text; the key ``"*"`` stands for every language
(a plain string in the YAML file). Parsing the files lives in ``bots.script_files``; this
module only checks the graph and the translations, naming the file, the line and the node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SOLVED = "solved"
PLACE = "place"
OUTCOMES = (SOLVED, PLACE)
EVERY = "*"  # a text for every language

NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
MAX_NODES = 300
MAX_OPTIONS = 8
MAX_QUESTION = 1000
MAX_ANSWER = 60  # a button label
MAX_EXPLANATION = 2000

Texts = dict[str, str]


def pick(texts: Texts | None, language: str, languages: tuple[str, ...] = ()) -> str:
    """The text in ``language``, else for every language, else in the script's first
    language, else any ("" for no text)."""
    if not texts:
        return ""
    for key in (language, EVERY, *languages):
        if texts.get(key):
            return texts[key]
    return next(iter(texts.values()), "")


@dataclass(frozen=True)
class Option:
    """One answer: its label and where it leads (a node id, ``solved`` or ``place``)."""

    answer: Texts
    next: str
    line: int = 0


@dataclass(frozen=True)
class Node:
    """One step: a question, an explanation for the client, a note for the assistant."""

    id: str
    question: Texts
    options: tuple[Option, ...]
    explanation: Texts | None = None
    note: Texts | None = None
    line: int = 0


@dataclass
class Script:
    """A request type's script, as loaded from ``file``."""

    name: str
    type_name: str
    languages: tuple[str, ...]
    start: str
    nodes: dict[str, Node]
    file: str = ""
    type_line: int = 0
    text_lines: list[tuple[str, int, Texts]] = field(default_factory=list)  # node, line, text

    def to_data(self) -> dict[str, Any]:
        """A JSON-serialisable form (what the database stores)."""
        return {"name": self.name, "type": self.type_name, "languages": list(self.languages),
                "start": self.start, "nodes": {
                    n.id: {"question": n.question, "explanation": n.explanation,
                           "note": n.note, "options": [[o.answer, o.next] for o in n.options]}
                    for n in self.nodes.values()}}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Script:
        nodes = {
            node_id: Node(node_id, dict(raw["question"]), tuple(
                Option(dict(answer), str(nxt)) for answer, nxt in raw["options"]),
                raw.get("explanation"), raw.get("note"))
            for node_id, raw in data["nodes"].items()}
        return cls(str(data["name"]), str(data["type"]), tuple(data["languages"]),
                   str(data["start"]), nodes)


@dataclass(frozen=True)
class Problem:
    """One reason a script file is refused."""

    file: str
    line: int
    node: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        return f"{where}: node {self.node!r}: {self.message}" if self.node \
            else f"{where}: {self.message}"


def validate(script: Script) -> list[Problem]:
    """Every problem of the graph and of the translations (empty: the script is valid)."""
    problems: list[Problem] = []
    f = script.file

    def add(line: int, node: str | None, message: str) -> None:
        problems.append(Problem(f, line, node, message))

    if not script.nodes:
        add(1, None, "the script has no nodes")
        return problems
    if len(script.nodes) > MAX_NODES:
        add(1, None, f"at most {MAX_NODES} nodes per script")
    if script.start not in script.nodes:
        add(1, None, f"start {script.start!r} is not a node of the script")
        return problems
    for node in script.nodes.values():
        for option in node.options:
            if option.next not in OUTCOMES and option.next not in script.nodes:
                add(option.line or node.line, node.id,
                    f"unknown node {option.next!r}: an answer leads to a node that does not "
                    f"exist (use a node id, {SOLVED} or {PLACE})")
    reachable = _reachable(script, script.start)
    for node in script.nodes.values():
        if node.id not in reachable:
            add(node.line, node.id, "unreachable node: no answer leads to it from the start "
                f"node {script.start!r}")
    exits = _can_exit(script)
    for group in _trapped_cycles(script, reachable, exits):
        first = script.nodes[group[0]]
        add(first.line, first.id, "a cycle with no exit: from " + ", ".join(group)
            + f" neither {SOLVED} nor {PLACE} can be reached")
    declared = set(script.languages)
    for node_id, line, texts in script.text_lines:
        if EVERY in texts:
            continue
        missing = sorted(declared - set(texts), key=script.languages.index)
        if missing:
            add(line, node_id, "missing translation: no text in " + ", ".join(missing))
    return sorted(problems, key=lambda p: (p.line, p.message))


def _targets(node: Node, script: Script) -> list[str]:
    return [o.next for o in node.options if o.next in script.nodes]


def _reachable(script: Script, start: str) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for nxt in _targets(script.nodes[todo.pop()], script):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _can_exit(script: Script) -> set[str]:
    """Nodes from which ``solved`` or ``place`` can be reached."""
    done = {n.id for n in script.nodes.values()
            if any(o.next in OUTCOMES for o in n.options)}
    changed = True
    while changed:
        changed = False
        for node in script.nodes.values():
            if node.id not in done and any(t in done for t in _targets(node, script)):
                done.add(node.id)
                changed = True
    return done


def _trapped_cycles(script: Script, reachable: set[str], exits: set[str]) -> list[list[str]]:
    """The strongly connected sets of reachable nodes (with a cycle) that cannot exit,
    each in file order; an unknown target counts as no way out."""
    trapped = [n for n in script.nodes if n in reachable and n not in exits]
    reach = {n: _reachable(script, n) for n in trapped}
    groups: list[list[str]] = []
    placed: set[str] = set()
    for node_id in trapped:
        if node_id in placed:
            continue
        group = [m for m in trapped if m in reach[node_id] and node_id in reach[m]]
        cyclic = len(group) > 1 or node_id in _targets(script.nodes[node_id], script)
        placed.update(group)
        if cyclic:
            groups.append(group)
    return groups
