"""The status bar's word on the central database: online, offline or catching up, and how many
changes are waiting. It informs; it never asks the dispatcher to do anything."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from dispatch_desk.sync.engine import (
    CATCHING_UP,
    CONNECTING,
    INCOMPATIBLE,
    OFFLINE,
    ONLINE,
    STANDALONE,
    SyncStatus,
)
from ui.theme import restyle


def describe(status: SyncStatus) -> tuple[str, str]:
    """(short text for the status bar, longer text for its tooltip)."""
    waiting = f" · {status.pending:,} to send" if status.pending else ""
    contact = (
        f"Last reached central at {status.last_contact.astimezone():%H:%M:%S}."
        if status.last_contact
        else "Central not reached since start."
    )
    if status.state == STANDALONE:
        return "Standalone", "No central database is configured; this workstation works alone."
    if status.state == CONNECTING:
        return f"Central: connecting…{waiting}", "Reaching the central database."
    if status.state == ONLINE:
        return f"● Central online{waiting}", f"Changes reach other workstations. {contact}"
    if status.state == CATCHING_UP:
        return (
            f"⟳ Catching up · {status.behind:,} to fetch{waiting}",
            f"Fetching what other workstations did. {contact}",
        )
    if status.state == INCOMPATIBLE:
        return f"⚠ Central needs attention{waiting}", f"{status.message}\n{contact}"
    assert status.state == OFFLINE, status.state
    return f"○ Offline{waiting}", f"{status.message}\n{contact}"


class SyncStatusLabel(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.show_status(SyncStatus())

    def show_status(self, status: SyncStatus) -> None:
        text, tip = describe(status)
        self.setText(text)
        self.setToolTip(tip)
        restyle(self, "state", status.state)
