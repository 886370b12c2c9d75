"""The map data a workstation works with, chosen once at start-up: the agency's imported layers
if there are any, else the demo town in demo mode, else nothing (the map says so).

Opening reads a file and builds indexes (tens to a few hundred ms for a city): call it from a
worker thread, not the GUI thread.
"""

from __future__ import annotations

import logging

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.geo.geocoder import GeocodeMatch, Geocoder
from dispatch_desk.geo.layers import GisError, GisLayers
from dispatch_desk.geo.store import load_layers

logger = logging.getLogger(__name__)


class GeoService:
    def __init__(self, layers: GisLayers, problem: str = "") -> None:
        self.layers = layers
        self.geocoder = Geocoder(layers)
        # Why the imported layers could not be used, for the dispatcher to see; "" if fine.
        self.problem = problem

    @classmethod
    def open(cls, settings: Settings, paths: Paths) -> GeoService:
        problem = ""
        try:
            layers = load_layers(paths.gis_dir)
        except GisError as exc:
            # An environment problem (a damaged file), not a bug: shown, not raised, so the
            # desk still starts and takes calls.
            logger.warning("map layers not loaded: %s", exc)
            problem = f"The imported map layers cannot be used: {exc}"
            layers = None
        if layers is None:
            if settings.demo_mode:
                from dispatch_desk.geo.demo_town import demo_town

                layers = demo_town()
            else:
                layers = GisLayers.empty("no map data imported (dispatch-desk gis import)")
        return cls(layers, problem)

    def geocode(self, text: str, limit: int = 5) -> list[GeocodeMatch]:
        return self.geocoder.geocode(text, limit)

    def locate(self, text: str) -> GeocodeMatch | None:
        """The one trusted match for an address, or None when a person should look."""
        matches = self.geocoder.geocode(text, 1)
        return matches[0] if matches and matches[0].trusted else None

    def reverse(self, lat: float, lon: float, max_m: float = 200) -> GeocodeMatch | None:
        return self.geocoder.reverse(lat, lon, max_m)
