"""The unit status board: every unit, its status, its incident and how long it has been so.

Keyboard: with a unit selected, D dispatched, E en route, O on scene, T transporting,
C cleared, A available, S out of service.
"""

from __future__ import annotations

import functools
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeyEvent
from PySide6.QtWidgets import QTableView, QWidget

from dispatch_desk.domain.enums import UnitStatus
from dispatch_desk.services.units import UnitView
from ui.models import KeyedTableModel, elapsed, setup_list_table
from ui.theme import MUTED, UNIT_STATUS_COLOURS

STATUS_KEYS = {
    Qt.Key.Key_D: UnitStatus.DISPATCHED,
    Qt.Key.Key_E: UnitStatus.EN_ROUTE,
    Qt.Key.Key_O: UnitStatus.ON_SCENE,
    Qt.Key.Key_T: UnitStatus.TRANSPORTING,
    Qt.Key.Key_C: UnitStatus.CLEARED,
    Qt.Key.Key_A: UnitStatus.AVAILABLE,
    Qt.Key.Key_S: UnitStatus.OUT_OF_SERVICE,
}


@functools.cache
def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


class UnitModel(KeyedTableModel[UnitView]):
    columns = ("Unit", "Type", "Status", "Incident", "Time")
    clock_columns = (4,)

    def cell(self, row: UnitView, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.call_sign,
                row.discipline.value.upper(),
                row.status.label,
                row.incident_number or "—",
                elapsed(row.status_changed_at, self._now()),
            )[column]
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 2:
                return QBrush(QColor(UNIT_STATUS_COLOURS.get(row.status.value, MUTED)))
            if column in (1, 3) and not (column == 3 and row.incident_number):
                return QBrush(QColor(MUTED))
        if role == Qt.ItemDataRole.FontRole and column in (0, 2):
            return _bold()
        return None


class UnitBoardView(QTableView):
    """Signals: status_requested(UnitView, UnitStatus) from a status key on the selected unit."""

    status_requested = Signal(object, object)

    def __init__(self, model: UnitModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitBoard")
        self.setModel(model)
        setup_list_table(self, (50, 58, 92, 80, 70), stretch=3, row_height=22)
        self.setToolTip(
            "D dispatched · E en route · O on scene · T transporting · "
            "C cleared · A available · S out of service"
        )

    def selected_unit(self) -> UnitView | None:
        index = self.currentIndex()
        model = self.model()
        assert isinstance(model, UnitModel)
        return model.row(index.row()) if index.isValid() else None

    def select_call_sign(self, call_sign: str) -> bool:
        model = self.model()
        assert isinstance(model, UnitModel)
        for i, unit in enumerate(model.rows()):
            if unit.call_sign == call_sign:
                self.selectRow(i)
                self.setCurrentIndex(model.index(i, 0))
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:
        status = STATUS_KEYS.get(Qt.Key(event.key()))
        unit = self.selected_unit()
        if (
            status is not None
            and unit is not None
            and not event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier)
        ):
            self.status_requested.emit(unit, status)
            return
        super().keyPressEvent(event)
