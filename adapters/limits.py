"""What every webhook checks before parsing a body: its size and its nesting depth.

A body over ``MAX_BODY`` is refused from its Content-Length (or as soon as more arrived),
before anything is parsed; JSON nested deeper than ``MAX_DEPTH`` is refused before
``json.loads`` (so it can never hit Python's recursion limit). Both are a 400 for the caller.
"""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

MAX_BODY = 1024 * 1024  # 1 MB: no platform sends a webhook anywhere near it
MAX_DEPTH = 32
MAX_STRING = 10_000  # any single string field we keep (ids, names, texts) is cut/refused
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


class BadBody(ValueError):
    """The body is too large, too deep, or not what the endpoint accepts (answer 400)."""


async def read_body(request: web.Request, limit: int = MAX_BODY) -> bytes:
    """The body, or ``BadBody`` if it is larger than ``limit`` (checked before reading)."""
    if request.content_length is not None and request.content_length > limit:
        raise BadBody("body too large")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.read(64 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise BadBody("body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def too_deep(raw: bytes, max_depth: int = MAX_DEPTH) -> bool:
    """True when the JSON text nests arrays/objects deeper than ``max_depth``."""
    if raw.count(b"[") + raw.count(b"{") <= max_depth:
        return False
    depth = 0
    for byte in _STRINGS.sub(b'""', raw):
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > max_depth:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def parse_json(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parsed JSON, or ``BadBody`` (not JSON, not UTF-8, too deep)."""
    if too_deep(raw, max_depth):
        raise BadBody("nested too deeply")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadBody("malformed JSON") from exc


def clean_text(value: object, limit: int = MAX_STRING) -> str | None:
    """A string field fit for storage: a str without lone surrogates, at most ``limit``
    characters; None when it is not one."""
    if not isinstance(value, str) or len(value) > limit:
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") cannot be stored
        return None
    return value


def has_bad_strings(value: Any, limit: int = MAX_STRING) -> bool:
    """True when any string in the parsed JSON is too long or has a lone surrogate."""
    if isinstance(value, str):
        return clean_text(value, limit) is None
    if isinstance(value, dict):
        return any(has_bad_strings(k, limit) or has_bad_strings(v, limit)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(has_bad_strings(v, limit) for v in value)
    return False
