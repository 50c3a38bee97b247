"""Plain-word commands for channels without a command menu (SMS): ``NEW``, ``NOU``, ``НОВАЯ``…

They work in every language whatever the person's own language is; digits always work too.
"""

from __future__ import annotations

import unicodedata

KEYWORDS: dict[str, tuple[str, ...]] = {
    "/new": ("NEW", "NOU", "NOUA", "CERERE", "NOVO", "NOVA", "NOWE", "NOWY", "НОВАЯ", "НОВЫЙ",
             "НОВАЯ ЗАЯВКА", "ЗАЯВКА"),
    "/my": ("MY", "MELE", "CERERILE MELE", "MEUS", "MEU", "MOJE", "МОИ", "МОИ ЗАЯВКИ"),
    # INFO is a HELP keyword for carriers and Twilio (Advanced Opt-Out), in every language.
    "/help": ("HELP", "INFO", "AJUTOR", "AJUDA", "POMOC", "ПОМОЩЬ", "СПРАВКА", "ИНФО"),
    "/history": ("HISTORY", "ISTORIC", "ISTORIE", "HISTORICO", "HISTORIA", "ИСТОРИЯ"),
    "/language": ("LANGUAGE", "LIMBA", "IDIOMA", "LINGUA", "JEZYK", "ЯЗЫК"),
    "/notices": ("NOTICES", "NOTIFICARI", "AVISOS", "POWIADOMIENIA", "УВЕДОМЛЕНИЯ"),
}


def _fold(text: str) -> str:
    """Upper case without diacritics (NOUĂ → NOUA, JĘZYK → JEZYK, НОВЫЙ → НОВЫИ)."""
    decomposed = unicodedata.normalize("NFKD", text.strip().upper())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


_LOOKUP = {_fold(word): command for command, words in KEYWORDS.items() for word in words}


def keyword_command(text: str) -> str | None:
    """The command a keyword stands for (``"nou"`` → ``"/new"``), or None."""
    if len(text) > 30:
        return None
    return _LOOKUP.get(_fold(text))
