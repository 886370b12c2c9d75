"""How evidence work writes: in a transaction on the store's one writer, from whichever thread.

Retention and export run long, so the desk runs them on a worker thread; their writes then go
through ``store.submit_write`` and the changes are handed back for the loop to publish. A
command-line tool, with no loop and no other writer, writes directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Write = Callable[..., Any]


def store_writer(store: Any) -> Write:
    """A ``write`` for retention and export on a thread that is not the store's writer; the
    changes are kept in ``writer.changes`` for the caller to publish on its own loop."""
    changes: list[Any] = []

    def write(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            result, made = store.submit_write(fn, *args).result()
        except Exception as exc:  # a refusal's own audit record is a change too
            changes.extend(getattr(exc, "recorded_changes", []))
            raise
        changes.extend(made)
        return result

    write.changes = changes  # type: ignore[attr-defined]
    return write


def direct_writer(store: Any) -> Write:
    """A ``write`` for a command-line tool (no event loop, no other writer)."""

    def write(fn: Callable[..., Any], *args: Any) -> Any:
        return store.write_sync(fn, *args)[0]

    return write
