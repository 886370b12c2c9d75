"""The wall's work for an incident and its saved views: docking the incident's nearest cameras,
stills attached to it (and queued for its units), saving and loading named views.

A mixin of :class:`ui.wall.window.WallWindow` (it uses the window's tiles, store and status
line); kept apart so that each file holds one idea.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QImage

from dispatch_desk.cameras import stills, views
from dispatch_desk.domain.enums import IncidentStatus
from dispatch_desk.services.context import NotFound, PermissionDenied, RuleViolation
from dispatch_desk.services.nearby import nearest_cameras
from ui.theme import restyle

if TYPE_CHECKING:
    from ui.wall.tile import WallTile

    _Base = Any
else:
    _Base = object


class IncidentWork(_Base):
    # -- the incident in hand

    def set_incident(self, incident_id: uuid.UUID | None, number: str = "") -> None:
        self.incident_id, self.incident_number = incident_id, number
        self._show_context()

    def leave_incident(self, why: str = "") -> None:
        """Stop working for the incident: what the tiles show is reopened under no incident
        (a purpose, alarm-only refusals), so nothing is watched in its name any more."""
        if self.incident_id is None:
            return
        number = self.incident_number
        self.set_incident(None)
        self.reopen_all()
        self.say(why or f"Left {number}: cameras are now viewed for a stated purpose.")

    async def check_incident_open(self) -> None:
        """The incident in hand changed: leave it if it was closed."""
        incident_id = self.incident_id
        if incident_id is None:
            return
        try:
            summary = await self.core.store.read(self.core.incidents.summary, incident_id)
        except NotFound:
            summary = None
        if self.incident_id != incident_id:
            return
        if summary is None or summary.status == IncidentStatus.CLOSED:
            self.leave_incident(f"{self.incident_number} was closed: the wall has left it.")

    def _show_context(self) -> None:
        self.leave_button.setVisible(self.incident_id is not None)
        if self.incident_id is not None:
            self.context.setText(f"Incident {self.incident_number}")
            kind = "incident"
            self.purpose.hide()
        else:
            self.context.setText("No incident")
            kind = ""
            self.purpose.show()
            required = self.settings.require_purpose
            self.purpose.setPlaceholderText(
                "Purpose of viewing (required)" if required else "Purpose of viewing (optional)"
            )
        restyle(self.context, "kind", kind)
        self.still_button.setEnabled(self.incident_id is not None)
        self.send_button.setEnabled(self.last_still is not None)
        title = f"Camera wall {self.number}"
        self.setWindowTitle(f"{title} · {self.incident_number}" if self.incident_id else title)

    async def dock_incident(self, incident_id: uuid.UUID) -> int:
        """Bring the nearest cameras of an incident into this wall; how many were found."""
        await self.loaded
        summary = await self.core.store.read(self.core.incidents.summary, incident_id)
        self.set_incident(incident_id, summary.number)
        if summary.latitude is None or summary.longitude is None:
            self.say(f"{summary.number} is not placed on the map: no nearby cameras.", error=True)
            return 0
        near = await self.core.store.read(
            nearest_cameras,
            summary.latitude,
            summary.longitude,
            self.settings.nearest_count,
            self.settings.nearest_radius_m,
        )
        cameras = [self.by_id[c.id] for c in near if c.id in self.by_id]
        radius = f"{self.settings.nearest_radius_m:g} m"
        if not cameras:
            self.say(f"No viewable camera within {radius} of {summary.number}.", error=True)
            return 0
        side = next(s for s in (1, 2, 3, 4, views.MAX_SIDE) if s * s >= len(cameras))
        self.set_grid(side, side)
        for tile in self.tiles:
            tile.clear()
        for tile, camera in zip(self.tiles, cameras, strict=False):
            self.put(tile, [camera])
        self.say(
            f"{len(cameras)} camera(s) within {radius} of {summary.number} · {summary.address}, "
            "nearest first"
        )
        return len(cameras)

    # -- stills

    def request_still(self) -> None:
        self.spawn(self.grab_still(), "still")

    async def grab_still(self, tile: WallTile | None = None) -> stills.StillInfo | None:
        tile = tile or self.enlarged or self.current
        if self.incident_id is None:
            self.say("Open the wall from an incident to attach stills to it.", error=True)
            return None
        if tile is None or tile.camera is None:
            self.say("Choose a tile that shows a camera.", error=True)
            return None
        image = tile.view.snapshot()
        if image is None or image.isNull():
            self.say("No picture from this camera yet.", error=True)
            return None
        camera, incident_id = tile.camera, self.incident_id
        now = self.core.clock()
        try:
            # Encoding a 1080p still takes tens of ms: not on the GUI thread (a QImage, unlike
            # a QPixmap, may be used on another thread; this one is a copy nobody else holds).
            jpeg = await asyncio.to_thread(_jpeg, image.copy())
            file = await asyncio.to_thread(
                stills.write_still_file, self.core.paths.media_dir, camera.id, jpeg, now
            )
            info = await self.core.store.write(
                stills.attach_still,
                self.actor,
                self.core.incidents,
                camera.id,
                incident_id,
                file,
                image.width(),
                image.height(),
                now,
            )
        except OSError as exc:
            self.say(f"The still could not be saved: {exc.strerror or exc}", error=True)
            return None
        except ValueError as exc:  # the picture could not be made a JPEG
            self.say(f"The still could not be saved: {exc}", error=True)
            return None
        except (RuleViolation, PermissionDenied, NotFound) as exc:
            self.say(str(exc), error=True)
            return None
        self.last_still = info
        self._show_context()
        self.say(f"Still of {camera.name} attached to {self.incident_number} ({info.sha256[:12]}…)")
        return info

    def request_send(self) -> None:
        self.spawn(self.send_still(), "send")

    async def send_still(self) -> list[str]:
        if self.last_still is None:
            self.say("Take a still first (Ctrl+G).", error=True)
            return []
        try:
            signs = await self.core.store.write(
                stills.send_to_assigned_units,
                self.actor,
                self.core.incidents,
                self.last_still.id,
                self.core.clock(),
            )
        except (RuleViolation, PermissionDenied, NotFound) as exc:
            self.say(str(exc), error=True)
            return []
        self.say(
            f"Still queued for {', '.join(signs)} and noted in the narrative "
            "(no unit messaging link yet: tell them by radio)."
        )
        return signs

    # -- saved views

    def request_save_view(self) -> None:
        self.spawn(self.save_view(self.view_box.currentText()), "save-view")

    async def save_view(self, name: str) -> bool:
        try:
            saved = await self.core.store.write(
                views.save_view, self.actor, name, self.spec(), self.core.clock()
            )
        except RuleViolation as exc:
            self.say(str(exc), error=True)
            self.view_box.setFocus()
            return False
        await self._reload_views()
        self.view_box.setEditText(saved.name)
        self.say(f"View “{saved.name}” saved ({saved.spec.rows}x{saved.spec.cols}).")
        return True

    def request_load_view(self) -> None:
        self.spawn(self.load_view(self.view_box.currentText()), "load-view")

    async def load_view(self, name: str) -> bool:
        try:
            saved = await self.core.store.read(views.load_view, name)
        except (NotFound, RuleViolation) as exc:
            self.say(str(exc), error=True)
            return False
        await self.loaded
        self.apply_spec(saved.spec)
        missing = sum(1 for t in saved.spec.tiles for c in t.cameras if c not in self.by_id)
        note = f"; {missing} camera(s) no longer in the registry" if missing else ""
        self.say(f"View “{saved.name}” loaded{note}.", error=bool(missing))
        return True


def _jpeg(image: QImage) -> bytes:
    """(any thread) The picture as a JPEG; ValueError if it cannot be encoded."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "JPG", 90):
        raise ValueError(f"a {image.width()}x{image.height()} picture cannot be made a JPEG")
    return bytes(buffer.data().data())
