"""Cut quoted replies and signatures from the text of an incoming e-mail.

Rules, in the order lines are read (the first match ends the new text):

- a reply header as Gmail, Outlook, Apple Mail and Thunderbird write it in English,
  Romanian, Portuguese, Polish and Russian ("On … wrote:", "În … a scris:", "Em … escreveu:",
  "W dniu … pisze:", "… написал(а):"), also when the mail program wrapped it over two lines;
- Outlook's "-----Original Message-----" (and its translations), or a "From:" header block
  ("From:/De:/Od:/От:" followed by "Sent:/Date:/Trimis:/Enviado:/Wysłano:/Отправлено:…"),
  optionally after a line of underscores;
- a quoted line ("> …") — what is left under it is the quote;
- the signature separator "-- " (RFC 3676) and the mobile signatures ("Sent from my iPhone",
  "Trimis de pe iPhone", "Enviado do meu iPhone", "Wysłane z iPhone'a", "Отправлено с iPhone"…).

Sign-offs ("Thanks, Ion") are kept: they are part of what the person wrote. Text written
*under* a quote (inline or bottom posting) is not kept: helpdesk replies are top-posted in
practice, and keeping the top part never loses the new question.
"""

from __future__ import annotations

import re

_ENDINGS = (
    r"wrote|a scris|escreveu|escribió|napisał|napisała|napisał\(a\)|pisze|"
    r"написал|написала|написал\(а\)|пишет"
)
# One header line (or two joined) that introduces the quoted message.
_HEADER = re.compile(
    rf"^.{{0,300}}(?:{_ENDINGS})\s*:\s*$",
    re.IGNORECASE,
)
# Gmail in Russian and Polish: "пн, 23 нояб. 2026 г. в 10:15, Helpdesk <help@x.com>:".
_ADDRESS_HEADER = re.compile(r"^.{0,300}<[^<>@\s]+@[^<>\s]+>\s*:\s*$")
_ORIGINAL = re.compile(
    r"^\s*-{2,}\s*(?:Original Message|Mesaj original|Mensagem original|Mensagem Original|"
    r"Wiadomość oryginalna|Oryginalna wiadomość|Исходное сообщение|Пересланное сообщение|"
    r"Forwarded message|Mesaj redirecționat|Mensagem encaminhada)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\s*\*?(?:From|De la|De|Od|От|Von|Expeditor)\s*:\*?\s", re.IGNORECASE)
_NEXT_HEADER = re.compile(
    r"^\s*\*?(?:Sent|Date|Data|Trimis|Enviado|Enviada|Wysłano|Wysłane|Отправлено|Дата|To|Către|"
    r"Para|Do|Кому|Subject|Subiect|Assunto|Temat|Тема)\s*:",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_MOBILE = re.compile(
    r"^\s*(?:Sent from my |Sent from (?:Outlook|Mail|Yahoo)|Get Outlook for |"
    r"Sent with |Trimis de pe |Trimis din |Trimis cu |Enviado do meu |Enviado de meu |"
    r"Enviado a partir do |Obter o Outlook |Wysłane z |Wysłano z |Pobierz Outlook |"
    r"Отправлено с |Отправлено из |Получить Outlook )",
    re.IGNORECASE,
)


def _starts_quote(lines: list[str], i: int) -> bool:
    line = lines[i].rstrip()
    stripped = line.strip()
    if not stripped:
        return False
    if stripped.startswith(">"):
        return True
    if _ORIGINAL.match(stripped) or _MOBILE.match(stripped):
        return True
    if line == "-- " or stripped == "--":
        return True
    if stripped.startswith("Wiadomość napisana przez") and stripped.endswith(":"):
        return True
    if (_HEADER.match(stripped) or _ADDRESS_HEADER.match(stripped)) and _looks_dated(stripped):
        return True
    # A header wrapped over two (or three) lines: "On Mon, … Helpdesk <" / "help@x> wrote:".
    following = [ln.strip() for ln in lines[i + 1:i + 3]]
    for n in (1, 2):
        joined = " ".join([stripped, *following[:n]])
        if following[:n] and all(following[:n]) and _HEADER.match(joined) and _looks_dated(
                joined):
            return True
    if _UNDERSCORES.match(stripped) and any(_FROM.match(ln) for ln in lines[i + 1:i + 3]):
        return True
    if _FROM.match(stripped):
        return any(_NEXT_HEADER.match(ln) for ln in lines[i + 1:i + 4])
    return False


def _looks_dated(text: str) -> bool:
    """A wrapped header line carries a date or time (so a sentence ending in "wrote:" is
    not taken for one)."""
    return bool(re.search(r"\d{1,2}[:./]\d{2}|\d{4}|@", text))


def cut_reply(text: str) -> str:
    """The new text of a reply: quoted message, reply header and signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for i in range(len(lines)):
        if _starts_quote(lines, i):
            break
        kept.append(lines[i].rstrip())
    return "\n".join(kept).strip()
