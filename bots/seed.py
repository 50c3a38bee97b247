"""Seed 000's demo data for the console: three types, two assistants and an initiator;
and ready-made sets of request types (``helpdesk admin seed-types okdesk|avir``)."""

from __future__ import annotations

from adapters.console.channel import address_of
from core.kinds import Role
from core.ports import UnitOfWorkFactory

DEMO_TYPES = ("Integrat.STS", "Intervention on site", "Peripherals")
DEMO_PEOPLE = (("Ion", Role.INITIATOR), ("Ana", Role.ASSISTANT), ("Bogdan", Role.ASSISTANT))


async def seed_demo(uow_factory: UnitOfWorkFactory) -> bool:
    """Add the demo data on first run only (when there are no people and no types)."""
    async with uow_factory() as uow:
        if await uow.people.list() or await uow.types.list():
            return False
        for name in DEMO_TYPES:
            await uow.types.add(name)
        for name, role in DEMO_PEOPLE:
            person = await uow.people.add(name, role)
            await uow.people.add_account(person.id, "console", address_of(name))
        await uow.commit()
        return True


# Ready-made type sets (issue 16): name → [(type name, internal)].
TYPE_SETS: dict[str, tuple[tuple[str, bool], ...]] = {
    # Seed 004 (Okdesk): public consultation, service request, incident; internal task, problem.
    "okdesk": (("Consultation", False), ("Service request", False), ("Incident", False),
               ("Task", True), ("Problem", True)),
    # Seed 000 (AVIR): the console demo's three types.
    "avir": tuple((name, False) for name in DEMO_TYPES),
}


async def seed_types(uow_factory: UnitOfWorkFactory, name: str) -> tuple[list[str], list[str]]:
    """Add the set's types that do not exist yet: (added, already there). Existing types are
    never changed. ``KeyError`` for an unknown set."""
    wanted = TYPE_SETS[name]
    added: list[str] = []
    kept: list[str] = []
    async with uow_factory() as uow:
        for type_name, internal in wanted:
            if await uow.types.by_name(type_name):
                kept.append(type_name)
                continue
            await uow.types.add(type_name, internal)
            added.append(type_name)
        await uow.commit()
    return added, kept
