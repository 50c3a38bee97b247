"""``/helpdesk kb words`` on Slack (signed slash command, fake Web API): the articles found,
answered to the person only; a staff article only for staff."""

from __future__ import annotations

from core.clock import ManualClock
from core.kb_ports import Article
from core.kinds import Role
from tests.adapters.slack.slackstack import USERS, slack_helpdesk


async def test_helpdesk_kb_searches_the_knowledge_base(sqlite_url: str,
                                                       clock: ManualClock) -> None:
    async with slack_helpdesk(sqlite_url, clock) as hd:
        await hd.stack.add_person("Ana", Role.ASSISTANT, slack=USERS["Ana"])
        assert hd.stack.app.knowledge is not None
        await hd.stack.app.knowledge.load([
            Article("en/jam", "The printer reports a paper jam", "Open tray 2.", "en"),
            Article("en/fw", "Printer firmware update", "Flash it.", "en", "staff")])
        await hd.command("Ion", "kb printer")
        await hd.command("Ana", "kb printer")
        await hd.settle()
        [ion] = hd.ephemerals_to("Ion")
        assert "Articles for “printer”:" in ion and "paper jam" in ion
        assert "firmware" not in ion
        [ana] = hd.ephemerals_to("Ana")
        assert "Printer firmware update (staff only)" in ana
