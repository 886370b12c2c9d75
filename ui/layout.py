"""Where each window sits, on which monitor, with which panels: saved per workstation.

Qt's own saveGeometry/saveState blobs are kept in a JSON file, keyed by workstation and window
name. Qt places a window whose monitor has gone back onto a screen that exists.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QMainWindow, QWidget

logger = logging.getLogger(__name__)


class LayoutStore:
    def __init__(self, path: Path, workstation: str) -> None:
        self._path = path
        self._workstation = workstation

    def _load(self) -> dict[str, dict[str, dict[str, str]]]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            logger.warning("window layout file unreadable; starting with the default layout")
            return {}

    def save(self, name: str, window: QWidget) -> None:
        data = self._load()
        entry = {"geometry": bytes(window.saveGeometry().toBase64().data()).decode()}
        if isinstance(window, QMainWindow):
            entry["state"] = bytes(window.saveState().toBase64().data()).decode()
        data.setdefault(self._workstation, {})[name] = entry
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            tmp.replace(self._path)
        except OSError:
            logger.warning("could not save the window layout", exc_info=True)

    def restore(self, name: str, window: QWidget) -> bool:
        entry = self._load().get(self._workstation, {}).get(name)
        if not entry:
            return False
        ok = window.restoreGeometry(QByteArray.fromBase64(entry["geometry"].encode()))
        if isinstance(window, QMainWindow) and "state" in entry:
            ok = window.restoreState(QByteArray.fromBase64(entry["state"].encode())) and ok
        return ok
