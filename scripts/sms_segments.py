"""How many SMS segments each notification takes, per language — the table in README.md.

    python scripts/sms_segments.py                      # print the Markdown table
    python scripts/sms_segments.py --update README.md   # rewrite the table in that file

Each notification is rendered exactly as the delivery worker renders it (the conversation
views in the reader's language), then composed as the SMS sender composes it: request
actions (Claim, Confirm / Dispute) become a signed link, other buttons numbered choices,
and a text carrying a link is cut to fit. User content is at its longest where the
notification cuts it (the description: 120 characters) and a typical sentence elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.sms.compose import compose  # noqa: E402
from adapters.sms.segments import count  # noqa: E402
from adapters.web.tokens import KIND_FOR_ACTION, LinkSigner  # noqa: E402
from conversations.views import render_notification  # noqa: E402
from core.actions import ActionCodec  # noqa: E402
from core.clock import ManualClock  # noqa: E402
from core.i18n import LANGUAGES, use_language  # noqa: E402
from core.notifications import Notification  # noqa: E402

START, END = "<!-- sms-segments:start -->", "<!-- sms-segments:end -->"
SECRET = "example-secret-key-0123456789"
BASE = "https://helpdesk.example.com"
DESCRIPTION = ("The printer on the second floor prints every page twice and then jams; "
               "we tried another cable and restarting i…")  # 120: the notification's cut
COMMON = {"ref": "HD-2026-000042", "type": "Peripherals", "description": DESCRIPTION}

# (kind, who receives it, extra data)
NOTIFICATIONS: list[tuple[str, str, dict[str, object]]] = [
    ("new_request", "assistant", {"initiator": "Ion Popescu"}),
    ("offer_taken", "assistant", {"assignee": "Bogdan"}),
    ("offer_cancelled", "assistant", {"actor": "Ion Popescu"}),
    ("release_asked", "assistant", {"initiator": "Ion Popescu"}),
    ("disputed", "assistant", {"initiator": "Ion Popescu", "minutes": 90,
                               "reason": "It took half an hour, not an hour and a half."}),
    ("confirmed", "assistant", {"initiator": "Ion Popescu", "minutes": 90}),
    ("comment", "assistant", {"author": "Ion Popescu", "body": "It jams again on page 3."}),
    ("priority_changed", "assistant", {"by": "Sofia", "priority": "urgent"}),
    ("placed_for_you", "initiator", {"by": "Bogdan"}),
    ("claimed", "initiator", {"assignee": "Bogdan"}),
    ("released", "initiator", {"actor": "Bogdan"}),
    ("resolved", "initiator", {"assignee": "Bogdan", "minutes": 90,
                               "note": "Replaced the fuser unit."}),
    ("time_corrected", "initiator", {"assignee": "Bogdan", "minutes": 60, "before": 90,
                                     "note": "Replaced the fuser unit."}),
]


def sms_for(kind: str, data: dict[str, object], language: str) -> str:
    """The SMS body of one notification for a reader of ``language``."""
    codec = ActionCodec(SECRET)
    signer = LinkSigner(SECRET, ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC)))
    with use_language(language):
        reply = render_notification(codec, Notification(7, kind, 42, {**COMMON, **data}))
    links: list[str | None] = []
    for button in reply.buttons:
        link_kind = KIND_FOR_ACTION.get(codec.unpack(button.payload).name)
        links.append(f"{BASE}/l/{signer.make(7, 42, link_kind)}" if link_kind else None)
    return compose(reply, links, language)


def table() -> str:
    head = "| notification | to | " + " | ".join(LANGUAGES) + " |"
    rule = "|---|---|" + "---|" * len(LANGUAGES)
    rows = [head, rule]
    for kind, audience, data in NOTIFICATIONS:
        cells = []
        for language in LANGUAGES:
            counted = count(sms_for(kind, data, language))
            cells.append(f"{counted.segments} ({counted.encoding}, {counted.units})")
        rows.append(f"| `{kind}` | {audience} | " + " | ".join(cells) + " |")
    note = (f"\nSegments (encoding, length in septets or UTF-16 units) with links on `{BASE}`; "
            "produced by `python scripts/sms_segments.py`.")
    return "\n".join(rows) + "\n" + note


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--update", type=Path, help="rewrite the table between the markers")
    parser.add_argument("--show", metavar="KIND", help="print the SMS of one notification")
    args = parser.parse_args()
    if args.show:
        data = next((d for k, _a, d in NOTIFICATIONS if k == args.show), None)
        if data is None:
            parser.error(f"unknown notification {args.show!r}")
        for language in LANGUAGES:
            print(f"--- {language}\n{sms_for(args.show, data, language)}")
        return 0
    text = table()
    if args.update is None:
        print(text)
        return 0
    doc = args.update.read_text(encoding="utf-8")
    if START not in doc or END not in doc:
        parser.error(f"{args.update} has no {START} ... {END} markers")
    before, rest = doc.split(START, 1)
    after = rest.split(END, 1)[1]
    args.update.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    print(f"updated {args.update}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
