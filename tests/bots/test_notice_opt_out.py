"""Turning status-change notices off applies on every channel: optional notices are skipped
(marked done, not failed); questions, resolutions and unknown kinds always arrive."""

from __future__ import annotations

from bots.bootstrap import App
from core import services
from core.clock import ManualClock
from core.kinds import Role
from core.notifications import STATUS_NOTICE_KINDS, is_optional
from tests.harness import Chat


def test_which_notices_are_optional() -> None:
    assert {"claimed", "released"} <= STATUS_NOTICE_KINDS
    for kind in ("resolved", "time_corrected", "comment", "new_request", "release_asked",
                 "disputed", "offer_taken", "sms_failed", "a_kind_added_later"):
        assert not is_optional(kind), kind


async def test_opted_out_person_gets_only_mandatory_notices(app: App, clock: ManualClock) -> None:
    chat = Chat(app)
    app.add_sender(chat.sender, clock=clock)
    type_id = await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    ana = await chat.add_person("Ana", Role.ASSISTANT)
    assert app.preferences is not None
    await app.preferences.set_notices(ion, False, "test", clock.now())
    uows = app.uow_factory

    req = await services.place(uows, clock, actor_id=ion, type_id=type_id,
                               description="Broken mouse")
    rid = req.id or 0
    await services.claim(uows, clock, actor_id=ana, request_id=rid)
    await services.release(uows, clock, actor_id=ana, request_id=rid)
    await services.claim(uows, clock, actor_id=ana, request_id=rid)
    await services.comment(uows, clock, actor_id=ana, request_id=rid, body="Wired or not?")
    await services.finish(uows, clock, actor_id=ana, request_id=rid, minutes=30, note="New one")
    await services.correct_time(uows, clock, actor_id=ana, request_id=rid, total_minutes=40)
    await chat.deliver()
    notices = chat.notices("Ion")
    assert len(notices) == 3, notices
    assert "Wired or not?" in notices[0]
    assert "was resolved by Ana" in notices[1] and "corrected the time" in notices[2]
    async with uows() as uow:
        assert await uow.outbox.pending_count() == 0

    # Back on: the next status change arrives again.
    await app.preferences.set_notices(ion, True, "test", clock.now())
    await services.dispute(uows, clock, actor_id=ion, request_id=rid, reason="Too long")
    await services.release(uows, clock, actor_id=ana, request_id=rid)
    await chat.deliver()
    assert "back in the queue" in chat.notices("Ion")[-1]
