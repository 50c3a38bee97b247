"""Channel-neutral forms and overview pages, for channels that collect a whole form at once
(Slack modals) or show a standing page (Slack's App Home).

The conversation layer describes a form (``Form``), validates a submission and answers with
a ``FormResult`` (per-field errors, or replies for the person); adapters only draw them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.messages import Button, Reply

REQUEST_FORM = "request"  # type, assistant, description → places a request
FINISH_FORM = "finish"  # time spent, resolution note → resolves a request


@dataclass(frozen=True)
class Choice:
    """One option of a select field."""

    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """An input: ``kind`` is ``select``, ``text`` (one line) or ``multiline``."""

    name: str
    label: str
    kind: str = "text"
    choices: tuple[Choice, ...] = ()
    initial: str | None = None
    hint: str | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Form:
    """A form to show. ``context`` is opaque: give it back unchanged with the submission."""

    kind: str
    title: str
    submit: str
    cancel: str
    fields: tuple[FormField, ...]
    context: str = ""


@dataclass(frozen=True)
class FormResult:
    """The outcome of a submission: ``errors`` (field name → message; nothing was done) or
    the ``replies`` to give the person (done)."""

    errors: dict[str, str] = field(default_factory=dict)
    replies: tuple[Reply, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Entry:
    """One line of an overview, with the buttons the reader may press on it now."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Section:
    """A titled list of entries; ``empty`` is shown when there are none."""

    title: str
    entries: tuple[Entry, ...]
    empty: str


@dataclass(frozen=True)
class Overview:
    """A person's standing page: a greeting, their sections (my open requests, my queue)
    and general buttons (new request...)."""

    greeting: str
    sections: tuple[Section, ...]
    buttons: tuple[Button, ...] = ()
