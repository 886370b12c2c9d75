"""Who is acting, from where, and what time it is: passed in, never looked up globally."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dispatch_desk.domain.enums import Role

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class PermissionDenied(Exception):
    """The acting user's role does not allow this; the refusal is audited."""

    record_after_rollback: Callable[[Any], object] | None = None


class NotFound(LookupError):
    pass


class RuleViolation(ValueError):
    """A request breaks a dispatch rule (a unit already committed elsewhere, say)."""


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    username: str
    display_name: str
    role: Role
    workstation: str

    @classmethod
    def system(cls, workstation: str) -> Actor:
        return cls(None, "system", "System", Role.ADMIN, workstation)

    def may(self, *roles: Role) -> bool:
        return self.role in roles
