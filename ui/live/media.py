"""Files of a live session, hidden until the dispatcher chooses to look (a call-taker is never
shown a traumatic picture unasked). Opening one is audited.

Signals: open_requested(MediaView): the dispatcher chose "Show" for this file.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dispatch_desk.domain.citizen import MediaKind
from dispatch_desk.services.citizen import MediaView

_NAMES = {
    MediaKind.PHOTO: "Photo from caller",
    MediaKind.VIDEO: "Video from caller",
    MediaKind.STILL: "Still",
    MediaKind.RECORDING: "Recording",
    MediaKind.EVENTS: "Session log",
}


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 1_000_000 else f"{max(1, round(n / 1000))} KB"


class MediaPanel(QWidget):
    open_requested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget(objectName="liveMedia")
        self.list.itemActivated.connect(self._on_activated)
        self.show_button = QPushButton("Show", objectName="liveMediaShow")
        self.show_button.setToolTip("Look at the selected file (recorded in the audit trail)")
        self.show_button.clicked.connect(self._on_show)
        self.note = QLabel("Photos and videos stay hidden until you choose Show.")
        self.note.setObjectName("liveMediaNote")
        self.note.setWordWrap(True)
        self._views: dict[uuid.UUID, MediaView] = {}
        row = QHBoxLayout()
        row.addWidget(self.note, 1)
        row.addWidget(self.show_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        column.addWidget(self.list, 1)
        column.addLayout(row)

    def add(self, media: MediaView) -> None:
        if media.id in self._views:
            return
        self._views[media.id] = media
        detail = [_NAMES[media.kind], media.mime.split("/")[-1], _size(media.size_bytes)]
        if media.duration_s:
            detail.append(f"{media.duration_s:.0f} s")
        hidden = media.kind in (MediaKind.PHOTO, MediaKind.VIDEO) and media.opened_at is None
        item = QListWidgetItem(" · ".join(detail) + ("  (hidden)" if hidden else ""))
        item.setData(Qt.ItemDataRole.UserRole, media.id)
        self.list.addItem(item)
        if hidden:
            self.list.setCurrentItem(item)

    def media(self) -> list[MediaView]:
        return list(self._views.values())

    def mark_opened(self, media_id: uuid.UUID) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == media_id:
                item.setText(item.text().replace("  (hidden)", ""))

    def _on_activated(self, item: QListWidgetItem) -> None:
        media = self._views.get(item.data(Qt.ItemDataRole.UserRole))
        if media is not None:
            self.open_requested.emit(media)

    def _on_show(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._on_activated(item)


class MediaViewer(QDialog):
    """One file, opened by choice: a picture scaled to fit, or where a video file is kept."""

    def __init__(self, media: MediaView, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("liveMediaViewer")
        self.setWindowTitle(f"{_NAMES[media.kind]} — {media.at.astimezone():%H:%M:%S}")
        self.picture = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.picture.setTextFormat(Qt.TextFormat.PlainText)
        self.picture.setMinimumSize(320, 240)
        image = QImage(str(path)) if media.mime.startswith("image/") else QImage()
        if not image.isNull():
            self.picture.setPixmap(
                QPixmap.fromImage(image).scaled(
                    900,
                    700,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.picture.setText(f"{media.mime}, {_size(media.size_bytes)}\nKept as {path}")
        info = QLabel(f"SHA-256 {media.sha256}")
        info.setTextFormat(Qt.TextFormat.PlainText)
        info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        QShortcut(QKeySequence("Esc"), self, self.accept)
        column = QVBoxLayout(self)
        column.addWidget(self.picture, 1)
        column.addWidget(info)
        column.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
