"""Who may see and do QA work, and reads whose refusal is still put on record.

A refusal raised in a read (``store.read``) rolls nothing back that matters, but the store only
writes ``record_after_rollback`` for writes; these helpers write it for reads too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from dispatch_desk.domain.enums import Role
from dispatch_desk.services.context import PermissionDenied
from dispatch_desk.storage.store import Store

T = TypeVar("T")

QA_ROLES = (Role.SUPERVISOR, Role.ADMIN)
MANAGE_FORMS = (Role.ADMIN, Role.SUPERVISOR)


def read_sync(store: Store, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return store.read_sync(fn, *args, **kwargs)
    except PermissionDenied as exc:
        if exc.record_after_rollback is not None:
            store.write_sync(exc.record_after_rollback)
        raise


async def read(store: Store, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    try:
        return await store.read(fn, *args, **kwargs)
    except PermissionDenied as exc:
        if exc.record_after_rollback is not None:
            await store.write(exc.record_after_rollback)
        raise
