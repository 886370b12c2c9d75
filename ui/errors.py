"""The errors a dispatcher can act on, and how each is put to them.

Anything else is a bug: it is logged with its trace, never shown as if it were the user's doing.
"""

from __future__ import annotations

from dispatch_desk.services.context import NotFound, PermissionDenied, RuleViolation
from dispatch_desk.storage.database import StoreUnavailable

EXPECTED = (StoreUnavailable, PermissionDenied, RuleViolation, NotFound)


def user_message(exc: BaseException) -> str:
    return exc.user_message if isinstance(exc, StoreUnavailable) else str(exc)
