"""Port for a person's notification preferences: whether they want status-change notices.

Which notices are optional is decided in ``core.notifications`` (``is_optional``); this port
only remembers each person's choice. The implementation lives in
``persistence.preference_store``; the delivery worker and the unsubscribe page receive it.
"""

from __future__ import annotations

import abc
from datetime import datetime


class NoticePreferences(abc.ABC):
    """Per person: are optional status-change notices turned off?"""

    @abc.abstractmethod
    async def notices_off(self, person_id: int) -> bool:
        """True when the person turned status-change notices off (default: on)."""

    @abc.abstractmethod
    async def set_notices(self, person_id: int, enabled: bool, via: str, at: datetime) -> None:
        """Turn status-change notices on or off; ``via`` says where (``email``, ``telegram``…)."""
