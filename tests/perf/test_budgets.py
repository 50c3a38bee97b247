"""What an update costs (issue 14): SQL statements and Redis commands per update, counted
with a SQLAlchemy ``before_cursor_execute`` listener and by wrapping the Redis client."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bots.bootstrap import App
from core.kinds import Role
from core.messages import Inbound
from tests.harness import CHANNEL, Chat
from tests.perf.budget import Counts, counting


async def cast(app: App, assistants: int = 2) -> Chat:
    chat = Chat(app)
    await chat.add_type("Peripherals")
    await chat.add_person("Ion", Role.INITIATOR)
    for n in range(assistants):
        await chat.add_person(f"A{n}", Role.ASSISTANT)
    return chat


async def place(chat: Chat, text: str) -> None:
    await chat.send("Ion", "/new")
    await chat.press("Ion", "Peripherals")
    await chat.press("Ion", "Anyone")
    await chat.send("Ion", text)
    await chat.press("Ion", "Place")


async def measured(chat: Chat, inbound: Inbound) -> Counts:
    await chat.app.conversations.handle(inbound)  # warm: the person's last channel is known
    with counting(chat.app) as counts:
        await chat.app.conversations.handle(inbound)
    return counts


@pytest.mark.parametrize("requests", [1, 3, 12])
async def test_my_requests_costs_two_statements_whatever_the_number(app: App,
                                                                    requests: int) -> None:
    chat = await cast(app)
    for n in range(requests):
        await place(chat, f"Printer {n} is jammed")
    counts = await measured(chat, Inbound(CHANNEL, "ion", payload=app.conversations.pack("my")))
    assert counts.sql <= 2, counts
    assert len(counts.redis) <= 3, counts


async def test_plain_text_costs_at_most_three_statements(app: App) -> None:
    chat = await cast(app)
    for n in range(3):
        await place(chat, f"Printer {n} is jammed")
    counts = await measured(chat, Inbound(CHANNEL, "ion", text="hello"))
    assert counts.sql <= 3, counts
    assert len(counts.redis) <= 3, counts


async def test_an_intake_step_costs_at_most_two_statements(app: App) -> None:
    await cast(app)
    handle = app.conversations.handle

    def payload(replies: list, label: str) -> str:  # type: ignore[type-arg]
        return next(b.payload for r in replies for b in r.buttons if b.label == label)

    # A warm process: the types and their scripts were loaded by an earlier intake.
    replies = await handle(Inbound(CHANNEL, "ion", text="/new"))
    await handle(Inbound(CHANNEL, "ion", payload=payload(replies, "Peripherals")))
    await handle(Inbound(CHANNEL, "ion", text="/cancel"))
    replies = await handle(Inbound(CHANNEL, "ion", text="/new"))  # the types: loaded once
    with counting(app) as type_step:
        replies = await handle(Inbound(CHANNEL, "ion", payload=payload(replies, "Peripherals")))
    with counting(app) as assignee_step:
        replies = await handle(Inbound(CHANNEL, "ion", payload=payload(replies, "Anyone")))
    with counting(app) as description_step:
        replies = await handle(Inbound(CHANNEL, "ion", text="Printer is jammed"))
    assert "Please check your request" in replies[0].text, replies
    # identify + the assistants (the type comes from the per-process cache)
    assert type_step.sql <= 2, str(type_step)
    assert assignee_step.sql <= 2, assignee_step
    assert description_step.sql <= 2, description_step
    for step in (type_step, assignee_step, description_step):
        assert len(step.redis) <= 3, step


async def test_a_changed_type_is_seen_by_the_next_update(app: App) -> None:
    await cast(app)
    await app.conversations.handle(Inbound(CHANNEL, "ion", text="/new"))
    async with app.uow_factory() as uow:  # e.g. helpdesk admin, in another process
        rtype = await uow.types.by_name("Peripherals")
        assert rtype is not None
        rtype.name = "Printers and scanners"
        await uow.types.save(rtype)
        await uow.commit()
    replies = await app.conversations.handle(Inbound(CHANNEL, "ion", text="/new"))
    assert [b.label for b in replies[0].buttons] == ["Printers and scanners"], replies


async def test_claim_writes_offer_taken_only_where_an_offer_exists_in_one_insert(
        app: App) -> None:
    chat = await cast(app, assistants=5)
    await place(chat, "Printer is jammed")
    offer = [b for b in chat.notified_buttons("A0") if b.label == "Claim"][0]
    async with app.engine.begin() as conn:  # A4's offer message is gone (never delivered)
        await conn.execute(text(
            "DELETE FROM sent_messages WHERE person_id = (SELECT id FROM persons "
            "WHERE name = 'A4')"))
    with counting(app) as counts:
        await app.conversations.handle(Inbound(CHANNEL, "a0", payload=offer.payload))
    inserts = [s for s in counts.statements if s.startswith("INSERT INTO outbox")]
    assert len(inserts) == 1, counts
    async with app.uow_factory() as uow:
        items = await uow.outbox.claim_due(app.clock.now(), 100, 60)
    kinds = sorted((i.notification.kind, i.notification.recipient_id) for i in items)
    taken = [k for k in kinds if k[0] == "offer_taken"]
    assert len(taken) == 3  # A1..A3: not the claimer, not A4 whose offer does not exist
    assert len(counts.redis) <= 3, counts


async def test_delivering_a_notification_costs_two_statements_besides_the_lease(
        app: App) -> None:
    chat = await cast(app, assistants=3)
    await place(chat, "Printer is jammed")  # delivered: the offers to A0..A2
    offer = [b for b in chat.notified_buttons("A0") if b.label == "Claim"][0]
    await app.conversations.handle(Inbound(CHANNEL, "a0", payload=offer.payload))
    assert app.worker is not None
    with counting(app) as counts:
        sent = await app.worker.run_once()  # "claimed" to Ion, "offer taken" edits A1, A2
    assert sent == 3
    per_item = [s for s in counts.statements if not s.startswith("UPDATE outbox SET locked_until")]
    # Each: one read (person, accounts, earlier message) and the "sent" mark; the edits of
    # the offers need no new sent-message record.
    assert len(per_item) <= 2 * sent, counts


async def offers_delivered(app: App) -> tuple[int, Counts]:
    """A request placed (not delivered yet), then one delivery round counted: the offers
    to three assistants, each recorded in ``sent_messages`` for the later "taken" edit."""
    from core import services

    chat = Chat(app)
    type_id = await chat.add_type("Peripherals")
    ion = await chat.add_person("Ion", Role.INITIATOR)
    for n in range(3):
        await chat.add_person(f"A{n}", Role.ASSISTANT)
    assert app.worker is not None
    await app.worker.run_once()  # warm: the hourly purge and the held-items check are done
    await services.place(app.uow_factory, app.clock, actor_id=ion, type_id=type_id,
                         description="Printer is jammed")
    with counting(app) as counts:
        sent = await app.worker.run_once()
    async with app.engine.connect() as conn:
        recorded = (await conn.execute(text(
            "SELECT count(*) FROM sent_messages WHERE edit_key LIKE 'offer:%'"))).scalar()
    assert recorded == 3
    per_item = [s for s in counts.statements
                if not s.startswith(("UPDATE outbox SET locked_until", "WITH RECURSIVE heads"))]
    return sent, Counts(per_item, counts.redis)


@pytest.fixture
async def pg_app(pg_url: str):
    from bots.bootstrap import bootstrap
    from core.clock import ManualClock
    from persistence.redis_store import embedded_redis
    from tests.conftest import settings_for

    application = await bootstrap(settings_for(pg_url), clock=ManualClock(),
                                  redis=embedded_redis())
    yield application
    await application.close()


async def claim_counted(app: App, assistants: int) -> Counts:
    """A request offered to ``assistants``; A0 (who has written from this channel before)
    claims it: the claim's statements and Redis commands."""
    chat = await cast(app, assistants=assistants)
    await place(chat, "Printer is jammed")
    offer = [b for b in chat.notified_buttons("A0") if b.label == "Claim"][0]
    await app.conversations.handle(Inbound(CHANNEL, "a0", payload=app.conversations.pack("my")))
    with counting(app) as counts:
        await app.conversations.handle(Inbound(CHANNEL, "a0", payload=offer.payload))
    return counts


@pytest.mark.parametrize("assistants", [2, 20])
async def test_claim_costs_at_most_six_statements_whatever_the_assistants(
        pg_app: App, assistants: int) -> None:
    counts = await claim_counted(pg_app, assistants)
    # identify, the request, the notices (one INSERT … SELECT), the compare-and-set UPDATE
    # with its events (a CTE), the timers (the delete is a CTE of the insert)
    assert counts.sql <= 5, counts
    assert len(counts.redis) <= 3, counts


@pytest.mark.parametrize("assistants", [2, 20])
async def test_claim_costs_at_most_six_statements_on_sqlite_too(
        app: App, assistants: int) -> None:
    counts = await claim_counted(app, assistants)
    # As on PostgreSQL, but the events are their own INSERT (no data-modifying CTE); the
    # timers are one INSERT into the timer_syncs view (its trigger deletes and inserts).
    assert counts.sql <= 6, counts
    assert [s.split(" (")[0] for s in counts.statements if "timer" in s.split(" (")[0]] \
        == ["INSERT INTO timer_syncs"], counts.statements
    assert len(counts.redis) <= 3, counts


# -- the whole webhook path: the inbox's insert and mark ride in the engine's transaction ----

@pytest.fixture
async def tg(db_url: str):  # type: ignore[no-untyped-def]
    from core.clock import ManualClock
    from tests.adapters.telegram.tgstack import start_telegram

    stack = await start_telegram(db_url, ManualClock())
    # The shared (Redis) flood limit, as in production: one token per message sent.
    stack.plugin.limiter.shared = stack.app.rate_gate  # type: ignore[union-attr]
    yield stack
    await stack.close()


async def test_a_webhook_update_costs_the_engine_statements_plus_insert_and_mark(
        tg) -> None:  # type: ignore[no-untyped-def]
    tg.app.inbox.mark_delay = 3600.0  # "replied" marks only when flushed below
    await tg.say("Ion", "/start")  # registered; the welcome has "My requests"
    await tg.press("Ion", "My requests")
    update = tg.press_update("Ion", "My requests")
    with counting(tg.app) as counts:
        await tg.app.inbox.flush_replied()
    assert counts.sql == 1, counts  # both rows marked "replied" in one statement
    with counting(tg.app) as counts:
        assert await tg.post(update) == 200
    inbox = [s for s in counts.statements if " inbox " in f"{s} "]
    engine = [s for s in counts.statements if s not in inbox]
    # The insert (which also reads the previous dialog step) and the "processed" mark; the
    # "replied" mark is batched over many updates (``InboxProcessor.mark_delay``).
    assert [s.split()[0] for s in inbox] == ["INSERT", "UPDATE"], counts
    # The sender is identified by the insert itself (RETURNING … person): only the list.
    assert len(engine) == 1 and "FROM persons" not in engine[0].split("WHERE")[0], counts
    assert not [s for s in counts.statements if "SAVEPOINT" in s], counts
    # The conversation lock (with the dialog state), its release, the flood-limit token.
    assert len(counts.redis) <= 3, counts
    text = message_update_for(tg, "Ion", "hello")
    with counting(tg.app) as counts:
        assert await tg.post(text) == 200
    assert sum(1 for s in counts.statements if " inbox " not in f"{s} ") <= 2, counts
    assert len(counts.redis) <= 3, counts


def message_update_for(tg, who: str, text: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from tests.adapters.telegram.tgstack import message_update

    return message_update(tg.users[who], text, who)


@pytest.fixture(params=["app", "pg_app"], ids=["sqlite", "postgresql"])
def either_app(request: pytest.FixtureRequest) -> App:
    """The app on SQLite, then on PostgreSQL."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


async def test_delivering_an_offer_that_is_recorded_costs_two_statements(
        either_app: App) -> None:
    app = either_app
    sent, counts = await offers_delivered(app)
    assert sent == 3
    # One read; the "sent" mark and the sent-message upsert are one statement: on
    # PostgreSQL the mark is a data-modifying CTE of the upsert, on SQLite both are the
    # trigger of the outbox_deliveries view it inserts into.
    assert counts.sql <= 2 * sent, counts
    assert not [s for s in counts.statements if s.startswith("INSERT INTO sent_messages")]
    async with app.engine.connect() as conn:
        marked = (await conn.execute(text(
            "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND attempts = 1 "
            "AND locked_until IS NULL AND edit_key LIKE 'offer:%'"))).scalar()
    assert marked == 3
