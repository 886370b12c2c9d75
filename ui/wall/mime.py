"""How a camera travels by drag and drop: from the wall's directory, or from the map.

Any widget that can point at cameras (the map's camera marks, a search result) offers them with
:func:`camera_mime`; a wall tile accepts whatever :func:`camera_ids_from` can read.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable

from PySide6.QtCore import QMimeData

CAMERA_MIME = "application/x-dispatch-desk-cameras"


def camera_mime(ids: Iterable[uuid.UUID]) -> QMimeData:
    data = QMimeData()
    listed = [str(i) for i in ids]
    data.setData(CAMERA_MIME, json.dumps(listed).encode("utf-8"))
    data.setText("\n".join(listed))
    return data


def camera_ids_from(data: QMimeData | None) -> list[uuid.UUID]:
    """The camera ids carried, or [] for anything else (never raises on foreign data)."""
    if data is None or not data.hasFormat(CAMERA_MIME):
        return []
    try:
        listed = json.loads(bytes(data.data(CAMERA_MIME).data()).decode("utf-8"))
        return [uuid.UUID(str(i)) for i in listed][:64]
    except (ValueError, TypeError):
        return []
