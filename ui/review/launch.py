"""The call-taker window's way into review: its "View → Review…" entry, for supervisors and
admins only. The review window (and libvlc behind it) is imported when first opened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMainWindow

from dispatch_desk.review.timeline import REVIEW_ROLES

REVIEW_KEYS = "Ctrl+Shift+R"


Entry = tuple[Any, str, str, Callable[[], None]]


def review_entries(menu: Any, window: QMainWindow) -> list[Entry]:
    """The menu entry for ``window``'s user: none unless they may review."""
    actor = window.actor  # type: ignore[attr-defined]
    if actor.role not in REVIEW_ROLES:
        return []

    def open_it() -> None:
        from ui.review.window import open_review

        open_review(window, window.core, actor)  # type: ignore[attr-defined]

    return [(menu, "Review…", REVIEW_KEYS, open_it)]
