"""The link pages in a real browser (Playwright driving Debian's chromium), JavaScript off.

One chromium per module; each test gets a fresh app and server. A screenshot of every page
is saved under tests/artifacts/web/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from bots.channel_web import Plugin as WebPlugin
from core.clock import ManualClock
from core.kinds import Role, Status
from tests.adapters.stack import Stack, start_stack

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "web"
PHONE = {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def _require_chromium() -> None:
    if shutil.which(CHROMIUM) is None:
        message = "chromium is not installed (apt-get install chromium)"
        if os.environ.get("HELPDESK_REQUIRE_SERVICES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[object]:
    _require_chromium()
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        await chromium.close()


@pytest_asyncio.fixture(loop_scope="module")
async def stack(sqlite_url: str) -> AsyncIterator[Stack]:
    stack = await start_stack(sqlite_url, ManualClock(), [WebPlugin()])
    await stack.add_person("Ion", Role.INITIATOR)
    await stack.add_person("Ana", Role.ASSISTANT)
    await stack.add_person("Bogdan", Role.ASSISTANT)
    yield stack
    await stack.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: object) -> AsyncIterator[object]:
    context = await browser.new_context(java_script_enabled=False, **PHONE)  # type: ignore[attr-defined]
    page = await context.new_page()
    yield page
    await context.close()


async def shot(page: object, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


async def body(page: object) -> str:
    return await page.inner_text("body")  # type: ignore[attr-defined]


async def test_claim_page_first_wins_and_the_other_is_told_who(stack: Stack, page: object,
                                                               browser: object) -> None:
    rid = await stack.place("Ion", "The printer on the second floor jams")
    response = await page.goto(stack.link("Ana", rid, "claim"))  # type: ignore[attr-defined]
    assert response.status == 200
    text = await body(page)
    assert "HD-2026-" in text and "The printer on the second floor jams" in text
    await shot(page, "claim-page")
    # Bogdan has his own link open on his own phone at the same time.
    other = await browser.new_context(java_script_enabled=False, **PHONE)  # type: ignore[attr-defined]
    bogdan = await other.new_page()
    await bogdan.goto(stack.link("Bogdan", rid, "claim"))
    await page.click("button:has-text('Claim')")  # type: ignore[attr-defined]
    assert "You claimed HD-2026-" in await body(page)
    await shot(page, "claim-done")
    await bogdan.click("button:has-text('Claim')")
    assert "Already claimed by Ana." in await body(bogdan)
    await shot(bogdan, "claim-taken")
    await bogdan.goto(stack.link("Bogdan", rid, "claim"))
    # STAFF_SEE_ALL (default): the link still shows the request, read-only, Ana holding it.
    assert "Ana: claimed it" in await body(bogdan)
    assert await bogdan.query_selector("button:has-text('Claim')") is None
    await other.close()
    req = await stack.status(rid)
    assert req.status is Status.IN_PROGRESS and req.assignee_name == "Ana"


async def test_confirm_page_then_the_link_is_used(stack: Stack, page: object) -> None:
    rid = await stack.place("Ion")
    await stack.resolve(rid, "Bogdan", 90, "Replaced the fuser unit")
    link = stack.link("Ion", rid, "confirm")
    await page.goto(link)  # type: ignore[attr-defined]
    text = await body(page)
    assert "Time logged: 1 hour, 30 minutes" in text and "Replaced the fuser unit" in text
    assert await page.locator("button").all_inner_texts() == ["Confirm", "Dispute"]  # type: ignore[attr-defined]
    await shot(page, "confirm-page")
    await page.click("button:has-text('Confirm')")  # type: ignore[attr-defined]
    assert "confirmed with 1 hour, 30 minutes and closed" in await body(page)
    await shot(page, "confirm-done")
    assert (await stack.status(rid)).status is Status.CLOSED
    # Opened again: it says so, and offers nothing to press.
    await page.goto(link)  # type: ignore[attr-defined]
    assert "This link was already used." in await body(page)
    assert await page.locator("button").count() == 0  # type: ignore[attr-defined]
    await shot(page, "reused-link")


async def test_pressing_again_in_an_older_tab_changes_nothing(stack: Stack, page: object,
                                                               browser: object) -> None:
    rid = await stack.place("Ion")
    link = stack.link("Ana", rid, "claim")
    other = await browser.new_context(java_script_enabled=False, **PHONE)  # type: ignore[attr-defined]
    old_tab = await other.new_page()
    await old_tab.goto(link)
    await page.goto(link)  # type: ignore[attr-defined]
    await page.click("button:has-text('Claim')")  # type: ignore[attr-defined]
    version = (await stack.status(rid)).version
    await old_tab.click("button:has-text('Claim')")
    assert "This link was already used." in await body(old_tab)
    await shot(old_tab, "reused-link-old-tab")
    await other.close()
    assert (await stack.status(rid)).version == version


async def test_dispute_asks_for_the_reason_on_the_page(stack: Stack, page: object) -> None:
    rid = await stack.place("Ion")
    await stack.resolve(rid, "Bogdan", 90, "Replaced the fuser unit")
    await page.goto(stack.link("Ion", rid, "confirm"))  # type: ignore[attr-defined]
    await page.click("button:has-text('Dispute')")  # type: ignore[attr-defined]
    assert "Your message goes to Bogdan" in await body(page)
    await shot(page, "dispute-question")
    await page.fill("textarea", "It took half an hour, not an hour and a half.")  # type: ignore[attr-defined]
    await page.click("button:has-text('Send')")  # type: ignore[attr-defined]
    assert "Sent to Bogdan" in await body(page)
    req = await stack.status(rid)
    assert req.status is Status.IN_PROGRESS


async def test_expired_link(stack: Stack, page: object) -> None:
    rid = await stack.place("Ion")
    link = stack.link("Ana", rid, "claim")
    stack.clock.advance(hours=24, minutes=1)
    response = await page.goto(link)  # type: ignore[attr-defined]
    assert response.status == 410
    assert "This link has expired." in await body(page)
    await shot(page, "expired-link")
    assert (await stack.status(rid)).status is Status.OPEN


async def test_tampered_link(stack: Stack, page: object) -> None:
    rid = await stack.place("Ion")
    link = stack.link("Ana", rid, "claim")
    # Point Ana's link at another request id, keeping the signature.
    prefix, rest = link.rsplit("/l/", 1)
    value, stamp, sig = rest.split(".")
    forged = f"{prefix}/l/{value[:-1]}{'3' if value[-1] != '3' else '4'}.{stamp}.{sig}"
    response = await page.goto(forged)  # type: ignore[attr-defined]
    assert response.status == 400
    assert "This link is not valid." in await body(page)
    assert "Traceback" not in await body(page)
    await shot(page, "tampered-link")


async def test_phone_sized_page_has_no_sideways_scrolling(stack: Stack, page: object) -> None:
    rid = await stack.place("Ion", "A long description " * 40 + "x" * 300)
    await page.goto(stack.link("Ana", rid, "claim"))  # type: ignore[attr-defined]
    widths = await page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == 360
    box = await page.locator("button:has-text('Claim')").bounding_box()  # type: ignore[attr-defined]
    assert box["width"] >= 280 and box["height"] >= 44  # easy to tap
    await shot(page, "phone-viewport")
