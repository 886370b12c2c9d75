"""The wall's camera directory: every camera of the registry, searchable by name and place,
dragged onto a tile (several at once make a sequence) or sent to the current tile with Enter.

Registry-only cameras are listed (their existence is worth knowing) but cannot be dragged.

Signals:
    activated(list[CameraEntry]): Enter or double-click on the selected cameras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from dispatch_desk.cameras.registry import CameraEntry
from dispatch_desk.domain.enums import CameraSharing
from ui.theme import MUTED
from ui.wall.mime import CAMERA_MIME, camera_mime

Index = QModelIndex | QPersistentModelIndex
_SHARING = {CameraSharing.LIVE: "", CameraSharing.ALARM: " · on alarm only"}


class CameraListModel(QAbstractListModel):
    def __init__(self) -> None:
        super().__init__()
        self.entries: list[CameraEntry] = []

    def set_entries(self, entries: Sequence[CameraEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            if not e.viewable:
                return f"{e.name} · registry only"
            return f"{e.name}{_SHARING.get(e.sharing, '')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [e.name, e.near or f"{e.latitude:.5f}, {e.longitude:.5f}"]
            lines.append(f"{e.owner.value} camera, sharing: {e.sharing.value}")
            return "\n".join(lines)
        if role == Qt.ItemDataRole.ForegroundRole and not e.viewable:
            return QColor(MUTED)
        if role == Qt.ItemDataRole.UserRole:
            return e
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and self.entries[index.row()].viewable:
            return base | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        return camera_mime(self.entries[r].id for r in rows if self.entries[r].viewable)

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class _List(QListView):
    def __init__(self, on_enter: Callable[[], None]) -> None:
        super().__init__()
        self._on_enter = on_enter

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_enter()
            return
        super().keyPressEvent(event)


class CameraDirectory(QWidget):
    activated = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cameraDirectory")
        self.search_box = QLineEdit(objectName="cameraSearch")
        self.search_box.setPlaceholderText("Find camera: name or place  (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.model = CameraListModel()
        self.list = _List(self._activate_selected)
        self.list.setObjectName("cameraList")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setDragEnabled(True)
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.list.setUniformItemSizes(True)
        self.list.doubleClicked.connect(lambda _i: self._activate_selected())
        self.count = QLabel("", objectName="cameraCount")
        self.count.setStyleSheet(f"color: {MUTED};")
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.setSpacing(4)
        column.addWidget(self.search_box)
        column.addWidget(self.list, 1)
        column.addWidget(self.count)
        self.search_box.returnPressed.connect(self.list.setFocus)

    def show_entries(self, entries: Sequence[CameraEntry], total: int) -> None:
        self.model.set_entries(entries)
        viewable = sum(1 for e in entries if e.viewable)
        shown = f"{len(entries)} of {total}" if len(entries) != total else f"{total}"
        self.count.setText(f"{shown} cameras · {viewable} viewable · drag onto a tile, or Enter")
        if entries:
            self.list.setCurrentIndex(self.model.index(0, 0))

    def selected(self) -> list[CameraEntry]:
        rows = sorted(i.row() for i in self.list.selectionModel().selectedRows())
        return [self.model.entries[r] for r in rows]

    def index_of(self, name: str) -> QModelIndex:
        for row, e in enumerate(self.model.entries):
            if e.name == name:
                return self.model.index(row, 0)
        return QModelIndex()

    def _activate_selected(self) -> None:
        chosen = [e for e in self.selected() if e.viewable]
        if chosen:
            self.activated.emit(chosen)
