"""Scripts, script paths and the deflection log in SQL (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.script_files import parse
from core import services
from core.clock import ManualClock
from core.kinds import Role
from core.selfservice_ports import PathStep, ScriptPath
from persistence.db import make_engine, make_sessionmaker
from persistence.migrate import upgrade
from persistence.selfservice import SqlDeflectionLog, SqlScriptStore
from persistence.uow import uow_factory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scripts" / "peripherals.yaml"


async def test_scripts_paths_and_deflections(db_url: str) -> None:
    engine = make_engine(db_url)
    await upgrade(engine)
    clock = ManualClock()
    try:
        uows = uow_factory(make_sessionmaker(engine))
        async with uows() as uow:
            ion = await uow.people.add("Ion", Role.INITIATOR)
            peripherals = await uow.types.add("Peripherals")
            network = await uow.types.add("Network")
            await uow.commit()
        store = SqlScriptStore(make_sessionmaker(engine))
        assert await store.for_type(peripherals.id) is None
        script = parse(EXAMPLE.read_text(encoding="utf-8"), str(EXAMPLE))
        await store.replace(peripherals.id, script, clock.now())
        await store.replace(network.id, script, clock.now())
        smaller = parse("type: Network\nname: net\nnodes:\n  a:\n    question: Cable in?\n"
                        "    options:\n      - {answer: 'No', next: place}\n", "net.yaml")
        await store.replace(network.id, smaller, clock.now())  # reloading replaces
        assert await store.list() == [(peripherals.id, "peripherals", 5), (network.id, "net", 1)]
        loaded = await store.for_type(peripherals.id)
        assert loaded is not None and loaded.to_data() == script.to_data()
        assert await store.remove(network.id) and not await store.remove(network.id)
        assert await store.for_type(network.id) is None

        placed_path = ScriptPath("peripherals", ("en", "ro"), (
            PathStep("which", {"en": "Which device is it?", "ro": "Ce dispozitiv?"},
                     {"en": "Printer", "ro": "Imprimantă"}, {"*": "Ask for the label"}),))
        req = await services.place(uows, clock, actor_id=ion.id, type_id=peripherals.id,
                                   description="Printer is dead")
        await store.attach(req.id or 0, placed_path)
        assert await store.path(req.id or 0) == placed_path
        assert await store.path((req.id or 0) + 1) is None

        log = SqlDeflectionLog(make_sessionmaker(engine))
        now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
        await log.record("script", "peripherals", peripherals.id, ion.id, True, now)
        await log.record("script", "peripherals", peripherals.id, ion.id, True, now)
        await log.record("script", "peripherals", peripherals.id, None, False, now)
        await log.record("kb", "article-7", None, ion.id, True, now - timedelta(days=40))
        counts = await log.counts()
        assert [(c.source, c.ref, c.request_type, c.deflected, c.not_helpful) for c in counts] \
            == [("script", "peripherals", "Peripherals", 2, 1), ("kb", "article-7", "—", 1, 0)]
        assert round(counts[0].rate, 2) == 0.67
        recent = await log.counts(now - timedelta(days=1), now + timedelta(days=1))
        assert [(c.ref, c.deflected) for c in recent] == [("peripherals", 2)]
    finally:
        await engine.dispose()
