"""A table model over rows with ids, updated in place so views keep selection and scroll.

A refresh never resets the model: removed rows are removed, moved rows moved, new rows inserted
and changed rows repainted, so a list that changes under the dispatcher does not flicker.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

R = TypeVar("R")

Index = QModelIndex | QPersistentModelIndex


class KeyedTableModel(QAbstractTableModel, Generic[R]):
    columns: Sequence[str] = ()
    # Columns whose text depends on the clock; repainted by tick() every second.
    clock_columns: Sequence[int] = ()

    def __init__(
        self, key: Callable[[R], uuid.UUID], now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        super().__init__()
        self._rows: list[R] = []
        self._key = key
        self._now = now

    # -- Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)

    def cell(self, row: R, column: int, role: int) -> Any:
        raise NotImplementedError

    # -- rows

    def row(self, index: int) -> R:
        return self._rows[index]

    def rows(self) -> list[R]:
        return list(self._rows)

    def index_of(self, key: uuid.UUID) -> int | None:
        for i, row in enumerate(self._rows):
            if self._key(row) == key:
                return i
        return None

    def set_rows(self, target: Sequence[R]) -> None:
        """Bring the model to ``target`` with the fewest structural changes."""
        wanted = {self._key(r) for r in target}
        for i in range(len(self._rows) - 1, -1, -1):
            if self._key(self._rows[i]) not in wanted:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
        last = len(self.columns) - 1
        for i, new in enumerate(target):
            key = self._key(new)
            if i < len(self._rows) and self._key(self._rows[i]) == key:
                if self._rows[i] != new:
                    self._rows[i] = new
                    self.dataChanged.emit(self.index(i, 0), self.index(i, last))
                continue
            found = next(
                (j for j in range(i + 1, len(self._rows)) if self._key(self._rows[j]) == key), None
            )
            if found is None:
                self.beginInsertRows(QModelIndex(), i, i)
                self._rows.insert(i, new)
                self.endInsertRows()
            else:
                self.beginMoveRows(QModelIndex(), found, found, QModelIndex(), i)
                self._rows.insert(i, self._rows.pop(found))
                self.endMoveRows()
                if self._rows[i] != new:
                    self._rows[i] = new
                    self.dataChanged.emit(self.index(i, 0), self.index(i, last))

    def tick(self) -> None:
        """Repaint only the clock columns (timers), never the whole table."""
        if not self._rows:
            return
        for column in self.clock_columns:
            self.dataChanged.emit(
                self.index(0, column),
                self.index(len(self._rows) - 1, column),
                [Qt.ItemDataRole.DisplayRole],
            )


def elapsed(since: datetime, now: datetime) -> str:
    seconds = max(0, int((now - since).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def setup_list_table(
    view: QTableView, widths: Sequence[int], stretch: int, row_height: int
) -> None:
    """The one look of every list on the desk: whole rows, read-only, dense, no grid."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(row_height)
    for column, width in enumerate(widths):
        view.setColumnWidth(column, width)
    view.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


class ListTable(QTableView):
    """A desk list (see :func:`setup_list_table`) whose row is opened by Enter or a double-click:
    ``row_chosen`` carries the model's row."""

    row_chosen = Signal(object)

    def __init__(
        self,
        model: KeyedTableModel[Any],
        widths: Sequence[int],
        stretch: int,
        row_height: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModel(model)
        setup_list_table(self, widths, stretch, row_height)
        self.doubleClicked.connect(self._on_activated)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self._on_activated(self.currentIndex())
            return
        super().keyPressEvent(event)

    def _on_activated(self, index: QModelIndex) -> None:
        model = self.model()
        assert isinstance(model, KeyedTableModel)
        self.row_chosen.emit(model.row(index.row()))
