"""Work → Legal hold… (Ctrl+Shift+H) and Export evidence… (Ctrl+Shift+E) on the call-taker
window of supervisors and administrators, for the incident in hand or the one selected in the
queue. The export runs on a worker thread: the window keeps working, the progress window (not
modal; Esc hides it, Export evidence shows it again) shows bytes and the file being copied, and
Cancel asks, then stops it and removes what was written."""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu

from dispatch_desk.domain.enums import Role
from dispatch_desk.evidence import holds
from dispatch_desk.evidence.package import (
    ExportCancelled,
    ExportResult,
    export_package,
    lower_priority,
)
from dispatch_desk.evidence.signing import SigningKeyError
from dispatch_desk.evidence.writes import store_writer
from ui.calltaker.dialogs import await_dialog
from ui.errors import EXPECTED, user_message
from ui.evidence.dialogs import ExportProgress, HoldDialog

if TYPE_CHECKING:
    from ui.calltaker.window import CallTakerWindow

ROLES = (Role.SUPERVISOR, Role.ADMIN)


def _work_menu(window: CallTakerWindow) -> QMenu:
    for action in window.menuBar().actions():
        menu = action.menu()
        if isinstance(menu, QMenu) and action.text() == "&Work":
            return menu
    return window.menuBar().addMenu("&Work")


class EvidenceActions:
    def __init__(self, window: CallTakerWindow) -> None:
        self.window = window
        self.hold_dialog: HoldDialog | None = None
        self.folder_dialog: QFileDialog | None = None
        self.progress: ExportProgress | None = None
        self.last_result: ExportResult | None = None
        self.exporting = False
        self._cancel: threading.Event | None = None  # the running export's
        if not window.actor.may(*ROLES):
            return
        menu = _work_menu(window)
        menu.addSeparator()
        for text, keys, slot in (
            ("Legal hold…", "Ctrl+Shift+H", self.legal_hold),
            ("Export evidence…", "Ctrl+Shift+E", self.export_evidence),
        ):
            action = QAction(text, window)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            window.addAction(action)

    def close(self) -> None:
        """The window is closing (sign-out, app shutdown): stop a running export; what it
        wrote is removed and the cancel audited (while the store still takes writes)."""
        if self._cancel is not None:
            self._cancel.set()

    # -- which incident

    def target(self) -> uuid.UUID | None:
        window = self.window
        if window.form.incident_id is not None:
            return window.form.incident_id
        index = window.queue_view.currentIndex()
        if index.isValid():
            return window.queue_model.row(index.row()).id
        window.form.show_banner("error", "Open or select an incident first.")
        return None

    def _banner(self, kind: str, text: str) -> None:
        self.window.form.show_banner(kind, text)

    # -- legal hold

    def legal_hold(self) -> None:
        incident_id = self.target()
        if incident_id is not None:
            self.window.spawn(self._legal_hold(incident_id), "legal-hold")

    async def _legal_hold(self, incident_id: uuid.UUID) -> None:
        core, actor = self.window.core, self.window.actor
        summary = await core.store.read(core.incidents.summary, incident_id)
        in_force = await core.store.read(holds.active_holds, incident_id)
        current = in_force[0] if in_force else None
        dialog = HoldDialog(summary.number, current, self.window, others=len(in_force) - 1)
        self.hold_dialog = dialog
        result = await await_dialog(dialog)
        reason, case_number = dialog.values()
        self.hold_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted:
            return
        try:
            if current is None:
                await core.store.write(
                    holds.place_hold,
                    actor,
                    incident_id,
                    reason,
                    core.clock(),
                    case_number=case_number,
                )
                self._banner("ok", f"{summary.number} is on legal hold.")
            else:
                released = await core.store.write(
                    holds.release_hold, actor, incident_id, reason, core.clock()
                )
                if len(released) == 1:
                    self._banner("ok", f"Legal hold on {summary.number} released.")
                else:
                    self._banner(
                        "ok", f"All {len(released)} legal holds on {summary.number} released."
                    )
        except EXPECTED as exc:
            self._banner("error", f"Hold not changed. {user_message(exc)}")

    # -- export

    def export_evidence(self) -> None:
        if self.exporting:  # one at a time: bring its progress back
            if self.progress is not None:
                self.progress.bring_back()
            else:
                self._banner("error", "An export is already running.")
            return
        incident_id = self.target()
        if incident_id is not None:
            self.window.spawn(self._export(incident_id), "export-evidence")

    async def _choose_folder(self) -> Path | None:
        dialog = QFileDialog(self.window, "Export evidence to folder")
        dialog.setObjectName("evidenceFolderDialog")
        dialog.setFileMode(QFileDialog.FileMode.Directory)
        dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.folder_dialog = dialog
        result = await await_dialog(dialog)
        chosen = dialog.selectedFiles()
        self.folder_dialog = None
        dialog.deleteLater()
        if result != QDialog.DialogCode.Accepted or not chosen:
            return None
        return Path(chosen[0])

    async def _export(self, incident_id: uuid.UUID) -> None:
        core = self.window.core
        summary = await core.store.read(core.incidents.summary, incident_id)
        dest = await self._choose_folder()
        if dest is None:
            return
        await self.export_to(incident_id, summary.number, dest)

    async def export_to(self, incident_id: uuid.UUID, number: str, dest: Path) -> None:
        core, actor = self.window.core, self.window.actor
        loop = asyncio.get_running_loop()
        cancel = threading.Event()
        dialog = ExportProgress(number, str(dest), self.window)
        self.progress = dialog

        dialog.stop_requested.connect(cancel.set)  # asked first, in the dialog
        dialog.show()  # not modal: the desk stays usable while it runs

        def show(done: int, total: int, name: str) -> None:
            if self.progress is dialog:  # not once the export is over and its dialog gone
                dialog.show_progress(done, total, name)

        def progress(done: int, total: int, name: str) -> None:  # on the worker thread
            loop.call_soon_threadsafe(show, done, total, name)

        write = store_writer(core.store)
        self.exporting = True
        self._cancel = cancel
        # A thread of its own, at a lower priority than the GUI thread, gone once done.
        worker = ThreadPoolExecutor(1, "evidence-export", initializer=lower_priority)
        try:
            result = await loop.run_in_executor(
                worker,
                lambda: export_package(
                    core, actor, incident_id, dest, progress, cancel=cancel, write=write
                ),
            )
        except asyncio.CancelledError:  # the window's tasks are cancelled: stop the worker too
            cancel.set()
            raise
        except ExportCancelled:
            self._banner("", f"Export of {number} cancelled; nothing of it was kept.")
            return
        except SigningKeyError as exc:
            self._banner("error", f"Not exported. {exc}")
            return
        except EXPECTED as exc:
            self._banner("error", f"Not exported. {user_message(exc)}")
            return
        except OSError as exc:
            self._banner("error", f"Not exported: {exc.filename or dest}: {exc.strerror}")
            return
        finally:
            worker.shutdown(wait=False)
            self.exporting = False
            self._cancel = None
            core.bus.publish(write.changes)  # type: ignore[attr-defined]
            self.progress = None
            if shiboken6.isValid(dialog):  # not when its window went first (signing out)
                dialog.done(QDialog.DialogCode.Accepted)
                dialog.deleteLater()
        self.last_result = result
        elsewhere = (
            f"; {result.not_included} held elsewhere (listed)" if result.not_included else ""
        )
        self._banner(
            "ok",
            f"Evidence of {number} written to {result.folder} "
            f"({result.files} files, {result.bytes / 1_000_000:,.1f} MB of media{elsewhere}).",
        )
