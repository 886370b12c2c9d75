"""The call-taker's maps: the compact map dock that follows the incident in hand, the map
window (F9), the address checked against the agency's map as it is typed, and Ctrl+D to accept
the caller's device location. The window owns one of these; windows do not call each other.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from dispatch_desk.domain.enums import LocationSource
from dispatch_desk.services.locations import Fix
from ui.errors import EXPECTED, user_message
from ui.map.canvas import MapCanvas
from ui.map.feed import MapFeed
from ui.map.window import MapWindow

if TYPE_CHECKING:
    from ui.calltaker.window import CallTakerWindow

logger = logging.getLogger(__name__)


class CallTakerMaps:
    def __init__(self, window: CallTakerWindow, open_incident: Callable[[uuid.UUID], None]) -> None:
        self.window = window
        self.core = window.core
        self._open_incident = open_incident  # the window's own "open and focus"
        self.feed = MapFeed(window.core, window.tasks)
        self.mini = MapCanvas(compact=True)
        self.feed.attach(self.mini)
        self.map_window: MapWindow | None = None
        self.mini.incident_activated.connect(self.open_from_map)
        self.feed.layers_ready.connect(self._recheck_address)

    async def start(self) -> None:
        """After the window is ready for a call: the map is not worth a dispatcher's wait."""
        await self.window.initial_load
        # No timeout here: a loop timer could outlive the window (the app always sets this).
        await self.window.ready.wait()
        await self.feed.start()
        # The agency's map and everything built at start-up live as long as the desk: out of the
        # collector's sight, a full collection never walks them again. Each one took ~60 ms on
        # the demo town (more for a city) and stalled the GUI thread at a random moment.
        gc.freeze()

    async def focus(self, incident_id: uuid.UUID | None) -> None:
        """The incident in hand changed: every map shows it and its caller."""
        if incident_id is not None:
            await self.feed.show_caller(incident_id)
        self.mini.select(incident_id)
        if self.map_window is not None:
            self.map_window.show_incident(incident_id)

    def show_window(self) -> MapWindow:
        if self.map_window is None:
            form = self.window.form
            self.map_window = MapWindow(self.core, self.window.actor, self.feed, self.window.tasks)
            self.map_window.incident_chosen.connect(self.open_from_map)
            self.map_window.show_incident(form.incident_id)
        self.map_window.show()
        self.map_window.raise_()
        self.map_window.activateWindow()
        return self.map_window

    def open_from_map(self, incident_id: uuid.UUID) -> None:
        """Open an incident chosen on a map, unless that would replace a call being typed."""
        form = self.window.form
        if form.has_unsaved_call():
            form.show_banner(
                "error",
                "A new call is being typed: save it (Ctrl+S) first; "
                "the incident on the map was not opened.",
            )
            return
        self._open_incident(incident_id)

    # -- the address, checked as it is typed

    def check_address(self, address: str) -> None:
        """Verify the address against the agency's map (a few ms; on the GUI thread, so the
        answer is never for older text than the field holds)."""
        form = self.window.form
        geo = self.feed.geo
        if not address.strip():
            return
        if geo is None:
            form.show_address_pending(address)
            return
        try:
            matches = geo.geocode(address, limit=3)
        except Exception:  # a geocoder bug must not cost the call-taker the form
            logger.exception("geocoding an address of %d characters failed", len(address))
            return
        form.show_address_check(address, matches)

    def _recheck_address(self, _geo: object) -> None:
        self.check_address(self.window.form.address.text())  # typed before the map loaded

    # -- accepting the caller's device location (Ctrl+D)

    def accept_device_location(self) -> None:
        form = self.window.form
        if form.incident_id is None:
            form.show_banner("error", "Save the incident first, then accept a location.")
            return
        self.window.spawn(self._accept_device(form.incident_id), "accept-device")

    async def _accept_device(self, incident_id: uuid.UUID) -> None:
        form = self.window.form
        fix = self.core.locations.latest(incident_id)
        track = self.mini.callers.get(incident_id)
        if fix is None and track is not None and track.device is not None:
            last = track.device  # recorded earlier (or on another workstation)
            fix = Fix(incident_id, last.lat, last.lon, last.accuracy_m, last.at)
        if fix is None:
            form.show_banner("error", "No location from the caller's device yet.")
            return
        try:
            summary = await self.core.store.write(
                self.core.incidents.place,
                self.window.actor,
                incident_id,
                fix.position,
                LocationSource.DEVICE,
                self.core.clock(),
            )
        except EXPECTED as exc:
            form.show_banner("error", f"Location not changed. {user_message(exc)}")
            return
        form.show_banner(
            "ok", f"{summary.number}: caller's device location accepted ({fix.position.text()})."
        )
        if self.map_window is not None:
            self.map_window.show_incident(incident_id)

    def close(self) -> None:
        self.feed.close()
        if self.map_window is not None:
            self.map_window.close()
