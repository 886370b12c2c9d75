"""Small dialogs, opened without exec(): the caller awaits a future resolved on 'finished'."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QVBoxLayout,
    QWidget,
)


def await_dialog(dialog: QDialog) -> asyncio.Future[int]:
    """Open ``dialog`` window-modal and return a future of its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(on_finished)
    dialog.open()
    return future


class DispositionDialog(QDialog):
    """Pick how an incident ended; type to filter, Enter to close the incident."""

    def __init__(
        self,
        number: str,
        dispositions: tuple[str, ...],
        units: tuple[str, ...],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dispositionDialog")
        self.setWindowTitle(f"Close {number}")
        self.filter = QLineEdit(placeholderText="type to filter")
        self.list = QListWidget(objectName="dispositionList")
        self.list.addItems(list(dispositions))
        self.list.setCurrentRow(0)
        self.filter.textChanged.connect(self._on_filter)
        self.filter.returnPressed.connect(self.accept)
        note = QLabel(f"Disposition for {number}.", objectName="dispositionNote")
        if units:
            note.setText(
                f"Disposition for {number}. Still assigned, will be cleared: {' '.join(units)}."
            )
        note.setWordWrap(True)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Close incident")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(lambda _item: self.accept())
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(360, 380)
        self.filter.setFocus()

    def chosen(self) -> str | None:
        item = self.list.currentItem()
        return item.text() if item is not None and not item.isHidden() else None

    def _on_filter(self, text: str) -> None:
        first = None
        for row in range(self.list.count()):
            item = self.list.item(row)
            hidden = text.strip().lower() not in item.text().lower()
            item.setHidden(hidden)
            if not hidden and first is None:
                first = row
        if first is not None:
            self.list.setCurrentRow(first)
