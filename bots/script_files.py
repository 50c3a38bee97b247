"""Reading troubleshooting scripts from YAML files (``helpdesk admin load-scripts DIR``).

The files are composed (not constructed) with PyYAML, so every problem names its line, and
scalars stay the strings the supervisor wrote (``Yes`` and ``No`` are not booleans here).
The graph and translation rules are checked by ``core.scripts.validate``; see docs/scripts.md.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core import scripts
from core.i18n import LANGUAGES
from core.scripts import Option, Problem, Script, Texts

TOP_KEYS = {"type", "name", "languages", "start", "nodes"}
NODE_KEYS = {"question", "explanation", "note", "options"}
OPTION_KEYS = {"answer", "next"}
LIMITS = {"question": scripts.MAX_QUESTION, "explanation": scripts.MAX_EXPLANATION,
          "note": scripts.MAX_EXPLANATION, "answer": scripts.MAX_ANSWER}


class _Refused(Exception):
    def __init__(self, line: int, node: str | None, message: str) -> None:
        super().__init__(message)
        self.line, self.node, self.message = line, node, message


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _pairs(node: Node, where: str | None, what: str) -> list[tuple[str, Node, Node]]:
    """A mapping's (key, key node, value node), refusing duplicate and non-text keys."""
    if not isinstance(node, MappingNode):
        raise _Refused(_line(node), where, f"{what} must be a mapping (key: value)")
    seen: dict[str, int] = {}
    pairs = []
    for key, value in node.value:
        if not isinstance(key, ScalarNode):
            raise _Refused(_line(key), where, f"a key of {what} must be a plain word")
        if key.value in seen:
            raise _Refused(_line(key), where if what != "nodes" else key.value,
                           f"{key.value!r} is given twice (first on line {seen[key.value]})")
        seen[key.value] = _line(key)
        pairs.append((str(key.value), key, value))
    return pairs


def _text(node: Node, where: str | None, what: str) -> Texts:
    """A plain string (every language) or a mapping language → string."""
    limit = LIMITS.get(what, scripts.MAX_EXPLANATION)
    if isinstance(node, ScalarNode):
        texts = {scripts.EVERY: str(node.value).strip()}
    else:
        texts = {}
        for lang, key, value in _pairs(node, where, what):
            if lang not in LANGUAGES:
                raise _Refused(_line(key), where, f"unknown language {lang!r} in {what} "
                               f"(use {', '.join(LANGUAGES)})")
            if not isinstance(value, ScalarNode):
                raise _Refused(_line(value), where, f"the {lang} text of {what} must be text")
            texts[lang] = str(value.value).strip()
    for lang, text in texts.items():
        if not text:
            raise _Refused(_line(node), where, f"{what} is empty"
                           + ("" if lang == scripts.EVERY else f" in {lang}"))
        if len(text) > limit:
            raise _Refused(_line(node), where, f"{what} is longer than {limit} characters")
    return texts


def _scalar(node: Node, where: str | None, what: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise _Refused(_line(node), where, f"{what} must be a word")
    return str(node.value).strip()


def parse(text: str, file: str) -> Script:
    """The script of one file; raises ``ValueError`` with ``Problem`` s when it cannot be
    read at all (the graph is checked later by ``core.scripts.validate``)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        raise ScriptFileError([Problem(file, line, None, f"not valid YAML: {exc.problem}")]) \
            from None
    except yaml.YAMLError as exc:
        raise ScriptFileError([Problem(file, 1, None, f"not valid YAML: {exc}")]) from None
    if root is None:
        raise ScriptFileError([Problem(file, 1, None, "the file is empty")])
    try:
        return _script(root, file)
    except _Refused as exc:
        raise ScriptFileError([Problem(file, exc.line, exc.node, exc.message)]) from None


def _script(root: Node, file: str) -> Script:
    top = {key: (k, v) for key, k, v in _pairs(root, None, "the script")}
    for key, (k, _v) in top.items():
        if key not in TOP_KEYS:
            raise _Refused(_line(k), None,
                           f"unknown key {key!r} (use {', '.join(sorted(TOP_KEYS))})")
    for key in ("type", "nodes"):
        if key not in top:
            raise _Refused(1, None, f"the key {key!r} is missing")
    type_name = _scalar(top["type"][1], None, "type")
    name = _scalar(top["name"][1], None, "name") if "name" in top else Path(file).stem
    nodes_map = _pairs(top["nodes"][1], None, "nodes")
    if not nodes_map:
        raise _Refused(_line(top["nodes"][1]), None, "the script has no nodes")
    script = Script(name[:60], type_name, (), "", {}, file, _line(top["type"][1]))
    for node_id, key, value in nodes_map:
        if not scripts.NODE_ID.match(node_id) or node_id in scripts.OUTCOMES:
            raise _Refused(_line(key), node_id, "a node id is 1 to 40 letters, digits, - or _ "
                           f"and not {scripts.SOLVED} or {scripts.PLACE}")
        script.nodes[node_id] = _node(node_id, _line(key), value, script)
    script.start = (_scalar(top["start"][1], None, "start") if "start" in top
                    else nodes_map[0][0])
    used = {lang for _n, _l, texts in script.text_lines for lang in texts} - {scripts.EVERY}
    if "languages" in top:
        node = top["languages"][1]
        if not isinstance(node, SequenceNode) or not node.value:
            raise _Refused(_line(node), None, "languages must be a list, e.g. [en, ro]")
        declared = [_scalar(item, None, "a language") for item in node.value]
        for item, lang in zip(node.value, declared, strict=True):
            if lang not in LANGUAGES:
                raise _Refused(_line(item), None, f"unknown language {lang!r} "
                               f"(use {', '.join(LANGUAGES)})")
        script.languages = tuple(dict.fromkeys(declared))
    else:
        script.languages = tuple(lang for lang in LANGUAGES if lang in used) or ("en",)
    return script


def _node(node_id: str, line: int, value: Node, script: Script) -> scripts.Node:
    fields = {key: (k, v) for key, k, v in _pairs(value, node_id, "a node")}
    for key, (k, _v) in fields.items():
        if key not in NODE_KEYS:
            raise _Refused(_line(k), node_id, f"unknown key {key!r} "
                           f"(use {', '.join(sorted(NODE_KEYS))})")
    for key in ("question", "options"):
        if key not in fields:
            raise _Refused(line, node_id, f"the node has no {key}")

    def text(key: str) -> Texts | None:
        if key not in fields:
            return None
        texts = _text(fields[key][1], node_id, key)
        script.text_lines.append((node_id, _line(fields[key][1]), texts))
        return texts

    question, explanation, note = text("question"), text("explanation"), text("note")
    items = fields["options"][1]
    if not isinstance(items, SequenceNode) or not items.value:
        raise _Refused(_line(items), node_id, "options must be a list of answers")
    if len(items.value) > scripts.MAX_OPTIONS:
        raise _Refused(_line(items), node_id, f"at most {scripts.MAX_OPTIONS} answers")
    options = []
    for item in items.value:
        parts = {key: (k, v) for key, k, v in _pairs(item, node_id, "an answer")}
        for key, (k, _v) in parts.items():
            if key not in OPTION_KEYS:
                raise _Refused(_line(k), node_id, f"unknown key {key!r} in an answer "
                               "(use answer, next)")
        if "answer" not in parts or "next" not in parts:
            raise _Refused(_line(item), node_id, "an answer needs answer: and next:")
        answer = _text(parts["answer"][1], node_id, "answer")
        script.text_lines.append((node_id, _line(parts["answer"][1]), answer))
        target = parts["next"][1]
        options.append(Option(answer, _scalar(target, node_id, "next"), _line(target)))
    assert question is not None
    return scripts.Node(node_id, question, tuple(options), explanation, note, line)


class ScriptFileError(ValueError):
    """A file that cannot be loaded, with its problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def load_dir(directory: Path) -> tuple[list[Script], list[Problem]]:
    """Every ``*.yaml`` / ``*.yml`` script of ``directory`` and every problem found (a
    type given by two files is a problem too). Nothing is stored here."""
    loaded: list[Script] = []
    problems: list[Problem] = []
    files = sorted(p for p in directory.iterdir()
                   if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    for path in files:
        try:
            script = parse(path.read_text(encoding="utf-8"), str(path))
        except ScriptFileError as exc:
            problems += exc.problems
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), 1, None, f"cannot be read: {exc}"))
            continue
        found = scripts.validate(script)
        problems += found
        if not found:
            loaded.append(script)
    by_type: dict[str, Script] = {}
    for script in loaded:
        other = by_type.get(script.type_name.casefold())
        if other is not None:
            problems.append(Problem(script.file, script.type_line, None,
                                    f"the type {script.type_name!r} already has a script "
                                    f"in {other.file}"))
        by_type[script.type_name.casefold()] = script
    return loaded, problems
