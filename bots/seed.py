"""Seed 000's demo data for the console: three types, two assistants and an initiator."""

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
