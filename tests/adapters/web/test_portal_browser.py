"""The portal in a real browser (Playwright driving Debian's chromium), JavaScript off: sign in
by magic link, place a request, see it claimed by an assistant on Telegram (fake Bot API),
confirm and rate. Screenshots at 360 px and 1280 px go to tests/artifacts/portal/; every page
is checked with html-validate (npm, see package.json): 0 errors, lang set, controls labelled.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio

from adapters.telegram import FloodLimiter
from bots.channel_email import Plugin as EmailPlugin
from bots.channel_portal import Plugin as PortalPlugin
from bots.channel_telegram import Plugin as TelegramPlugin
from bots.channel_web import Plugin as WebPlugin
from core import services
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.stack import start_stack
from tests.adapters.telegram.tgstack import SECRET, TOKEN, WINDOW, TelegramStack
from tests.adapters.web.test_link_pages_browser import ARGS, CHROMIUM, _require_chromium
from tests.fakes.smtp_server import FakeSmtpServer
from tests.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "tests" / "artifacts" / "portal"
HTML_VALIDATE = ROOT / "node_modules" / ".bin" / "html-validate"
SIZES = {"phone": {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2,
                   "is_mobile": True, "has_touch": True},
         "desk": {"viewport": {"width": 1280, "height": 800}}}
ION = "ion@example.com"
MAGIC = re.compile(r"(https?://\S+/p/m/[A-Za-z0-9._-]+)")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[object]:
    _require_chromium()
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


class Pages:
    """Screenshots and the HTML of every page seen, for html-validate."""

    def __init__(self, size: str) -> None:
        self.size = size
        self.saved: list[Path] = []

    async def keep(self, page: object, name: str) -> str:
        html: str = await page.content()  # type: ignore[attr-defined]
        path = ARTIFACTS / f"{self.size}-{len(self.saved):02d}-{name}.html"
        path.write_text(html, encoding="utf-8")
        self.saved.append(path)
        await page.screenshot(path=str(path.with_suffix(".png")), full_page=True)  # type: ignore[attr-defined]
        assert re.search(r'<html lang="(en|ro|pt|pl|ru)"', html), name
        return await page.inner_text("body")  # type: ignore[attr-defined]


def html_validate(paths: list[Path]) -> list[str]:
    """html-validate's errors for ``paths`` (its exit status alone is not trusted)."""
    if not HTML_VALIDATE.exists():
        message = "html-validate is not installed: run `npm ci` (package.json)"
        if os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    errors = []
    for path in paths:  # one file at a time: node may cut a long piped output short
        done = subprocess.run([str(HTML_VALIDATE), "--formatter", "json", str(path)],
                              capture_output=True, text=True, cwd=ROOT, check=False)
        results = json.loads(done.stdout or "[]")
        errors += [f"{path.name}:{m['line']}: {m['ruleId']}: {m['message']}"
                   for r in results for m in r["messages"] if m["severity"] >= 2]
        if done.returncode != 0 and not errors:
            errors.append(f"{path.name}: html-validate failed: {done.stderr[:300]}")
    return errors


@pytest.mark.parametrize("size", ["phone", "desk"])
async def test_sign_in_place_claimed_on_telegram_confirm_rate(browser: object, size: str,
                                                             tmp_path: Path) -> None:
    clock = ManualClock()
    fake = await FakeTelegramAPI(token=TOKEN, window=WINDOW).start()
    async with FakeSmtpServer() as smtp:
        telegram = TelegramPlugin(limiter=FloodLimiter(window=WINDOW, margin=3.0),
                                  poll_seconds=1)
        stack = await start_stack(
            f"sqlite+aiosqlite:///{tmp_path}/helpdesk.db", clock,
            [telegram, EmailPlugin(), WebPlugin(), PortalPlugin()],
            telegram_bot_token=TOKEN, telegram_api_url=fake.base_url,
            telegram_webhook_secret=SECRET, smtp_url=smtp.url,
            email_from="Helpdesk <help@hd.example.com>")
        tg = TelegramStack(stack, fake, telegram, {"Ana": 101}, aiohttp.ClientSession())
        context = await browser.new_context(java_script_enabled=False,  # type: ignore[attr-defined]
                                            **SIZES[size])
        page = await context.new_page()
        pages = Pages(size)
        try:
            await stack.add_type("Peripherals")
            await stack.add_person("Ion", Role.INITIATOR, email=ION)
            await stack.add_person("Ana", Role.ASSISTANT, telegram="101")

            # Sign in: ask for a link, open the e-mailed link, press Sign in.
            await page.goto(f"{stack.base_url}/p")
            await pages.keep(page, "sign-in")
            await page.get_by_label("Your e-mail address or phone number").fill(ION)
            await page.get_by_role("button", name="Send me a sign-in link").click()
            assert "a sign-in link is on its way" in await pages.keep(page, "link-sent")
            link = MAGIC.search(smtp.to(ION)[-1].text)
            assert link
            await page.goto(link.group(1))
            await pages.keep(page, "magic-link")
            await page.get_by_role("button", name="Sign in").click()
            assert "You have no requests yet." in await pages.keep(page, "my-requests-empty")

            # Place a request with the form.
            await page.get_by_role("link", name="New request").click()
            await pages.keep(page, "new-request")
            await page.get_by_label("Describe the problem in a few words.").fill(
                "The printer on floor 2 jams")
            await page.get_by_role("button", name="Place").click()
            text = await pages.keep(page, "placed")
            assert "is placed" in text and "The printer on floor 2 jams" in text
            async with stack.app.uow_factory() as uow:
                ion = await uow.people.by_account("email", ION)
                assert ion is not None
                [req] = await uow.requests.list_for_initiator(ion.id)

            # Ana claims it on Telegram; the page shows it.
            await tg.deliver()
            await tg.press("Ana", "Claim")
            await page.get_by_role("link", name="My requests").click()
            text = await pages.keep(page, "my-requests")
            assert req.reference in text and "Ana" in text
            await page.get_by_role("link", name=req.reference).click()
            text = await pages.keep(page, "claimed")
            assert "Ana: claimed it" in text and "Status: in progress" in text

            # She resolves it; Ion confirms and rates on the portal.
            await services.finish(stack.app.uow_factory, clock, actor_id=stack.people["Ana"],
                                  request_id=req.id or 0, minutes=45, note="New toner")
            await page.reload()
            await pages.keep(page, "resolved")
            await page.get_by_role("button", name="Confirm").click()
            await pages.keep(page, "confirmed")
            assert (await stack.status(req.id or 0)).status is Status.CLOSED
            await page.get_by_role("button", name="5", exact=True).first.click()
            await pages.keep(page, "rated")
            rated = await stack.status(req.id or 0)
            assert rated.rating is not None and rated.rating.stars == 5

            # Another person's request is 404; a form without its token is refused.
            response = await page.goto(f"{stack.base_url}/p/r/999999")
            assert response is not None and response.status == 404
            await pages.keep(page, "not-found")
            errors = html_validate(pages.saved)
            assert errors == []
        finally:
            await context.close()
            assert tg.http is not None
            await tg.http.close()
            await stack.close()
            await fake.close()
