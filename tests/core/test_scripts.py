"""Script validation (issue 18): every refusal names the file, the line and the node."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.script_files import ScriptFileError, load_dir, parse
from core.scripts import Script, pick, validate

ROOT = Path(__file__).resolve().parents[2]

CYCLE_AND_UNREACHABLE = """\
type: Printers
languages: [en, ro]
nodes:
  start:
    question: {en: Is it on, ro: Este pornită}
    options:
      - answer: {en: "Yes", ro: Da}
        next: loop_a
      - answer: {en: "No", ro: Nu}
        next: solved
  loop_a:
    question: {en: Try A, ro: Încercați A}
    options:
      - answer: {en: Next, ro: Înainte}
        next: loop_b
  loop_b:
    question: {en: Try B, ro: Încercați B}
    options:
      - answer: {en: Again, ro: Din nou}
        next: loop_a
  orphan:
    question: {en: Nobody asks this, ro: Nimeni nu întreabă asta}
    options:
      - answer: {en: Place, ro: Plasare}
        next: place
"""


def problems_of(text: str) -> list[str]:
    return [str(p) for p in validate(parse(text, "printers.yaml"))]


def test_a_cycle_and_an_unreachable_node_are_both_named() -> None:
    assert problems_of(CYCLE_AND_UNREACHABLE) == [
        "printers.yaml:11: node 'loop_a': a cycle with no exit: from loop_a, loop_b neither "
        "solved nor place can be reached",
        "printers.yaml:21: node 'orphan': unreachable node: no answer leads to it from the "
        "start node 'start'",
    ]


def test_a_cycle_with_an_exit_is_allowed() -> None:
    text = CYCLE_AND_UNREACHABLE.replace("        next: loop_a\n  orphan", "        next: loop_a\n"
                                         "      - answer: {en: Stop, ro: Stop}\n"
                                         "        next: place\n  orphan")
    assert problems_of(text) == [
        "printers.yaml:23: node 'orphan': unreachable node: no answer leads to it from the "
        "start node 'start'"]


def test_a_self_loop_without_exit_is_a_cycle() -> None:
    text = "type: T\nnodes:\n  a:\n    question: Q\n    options:\n" \
           "      - {answer: Again, next: a}\n"
    assert problems_of(text) == [
        "printers.yaml:3: node 'a': a cycle with no exit: from a neither solved nor place "
        "can be reached"]


def test_unknown_node_and_missing_translation() -> None:
    text = """\
type: Printers
languages: [en, pl]
nodes:
  a:
    question: {en: Is it on}
    explanation: Same text for everybody
    options:
      - answer: {en: "Yes", pl: Tak}
        next: nowhere
      - answer: {en: "No"}
        next: place
"""
    assert problems_of(text) == [
        "printers.yaml:5: node 'a': missing translation: no text in pl",
        "printers.yaml:9: node 'a': unknown node 'nowhere': an answer leads to a node that "
        "does not exist (use a node id, solved or place)",
        "printers.yaml:10: node 'a': missing translation: no text in pl",
    ]


@pytest.mark.parametrize(("text", "expected"), [
    ("type: T\nnodes:\n  a:\n    question: Q\n    options:\n      - {answer: x, next: place}\n"
     "  a:\n    question: Q\n    options: []\n",
     "printers.yaml:7: node 'a': 'a' is given twice (first on line 3)"),
    ("type: T\nnodes:\n  a:\n    question: Q\n    option:\n      - {answer: x, next: place}\n",
     "printers.yaml:5: node 'a': unknown key 'option' (use explanation, note, options, "
     "question)"),
    ("type: T\nnodes:\n  a:\n    question: {en: Q, xx: Q}\n    options:\n"
     "      - {answer: x, next: place}\n",
     "printers.yaml:4: node 'a': unknown language 'xx' in question (use en, ro, pt, pl, ru)"),
    ("type: T\nnodes:\n  solved:\n    question: Q\n    options:\n"
     "      - {answer: x, next: place}\n",
     "printers.yaml:3: node 'solved': a node id is 1 to 40 letters, digits, - or _ and not "
     "solved or place"),
    ("type: T\nnodes:\n  a:\n    question: Q\n    options:\n      - {answer: '', next: place}\n",
     "printers.yaml:6: node 'a': answer is empty"),
    ("type: T\nnodes: [\n", "printers.yaml:3: not valid YAML: expected the node content, "
     "but found '<stream end>'"),
    ("nodes:\n  a:\n    question: Q\n    options:\n      - {answer: x, next: place}\n",
     "printers.yaml:1: the key 'type' is missing"),
    ("", "printers.yaml:1: the file is empty"),
])
def test_unreadable_files_name_the_line(text: str, expected: str) -> None:
    with pytest.raises(ScriptFileError) as info:
        parse(text, "printers.yaml")
    assert [str(p) for p in info.value.problems] == [expected]


def test_yes_and_no_stay_text_and_the_example_is_valid() -> None:
    scripts, problems = load_dir(ROOT / "examples" / "scripts")
    assert problems == [] and len(scripts) == 1
    script = scripts[0]
    assert script.languages == ("en", "ro") and script.start == "which"
    assert pick(script.nodes["printer_power"].options[0].answer, "ro", script.languages) == "Da"
    assert pick(script.nodes["printer_power"].options[0].answer, "ru", script.languages) == "Yes"
    again = Script.from_data(script.to_data())
    assert again.nodes.keys() == script.nodes.keys() and again.start == script.start
    assert validate(again) == []


def test_two_files_for_one_type_are_refused(tmp_path: Path) -> None:
    body = "type: Printers\nnodes:\n  a:\n    question: Q\n    options:\n" \
           "      - {answer: x, next: place}\n"
    (tmp_path / "a.yaml").write_text(body)
    (tmp_path / "b.yml").write_text(body)
    (tmp_path / "notes.txt").write_text("not a script")
    scripts, problems = load_dir(tmp_path)
    assert len(scripts) == 2
    assert [str(p) for p in problems] == [
        f"{tmp_path / 'b.yml'}:1: the type 'Printers' already has a script in "
        f"{tmp_path / 'a.yaml'}"]
