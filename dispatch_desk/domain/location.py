"""A position on the earth as a dispatcher meets it: a carrier's estimate, a phone's GPS fix or a
verified address, with how far off it may be."""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_UNCERTAINTY_M = 100_000.0  # a carrier sector can be kilometres wide; more is not a location


class PositionError(ValueError):
    """A position from outside (a carrier, a phone, a file) that cannot be a place on earth."""


@dataclass(frozen=True)
class Position:
    lat: float
    lon: float
    uncertainty_m: float | None = None  # radius, metres (about 90% confidence for GPS)

    @classmethod
    def checked(cls, lat: object, lon: object, uncertainty_m: object = None) -> Position:
        """Build from untrusted values, with a message that says what is wrong."""
        try:
            flat, flon = float(lat), float(lon)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise PositionError(f"not a coordinate: {lat!r}, {lon!r}") from None
        if not (math.isfinite(flat) and math.isfinite(flon)):
            raise PositionError("coordinates must be finite numbers")
        if not -90.0 <= flat <= 90.0:
            raise PositionError(f"latitude {flat} is outside -90..90")
        if not -180.0 <= flon <= 180.0:
            raise PositionError(f"longitude {flon} is outside -180..180")
        radius: float | None = None
        if uncertainty_m is not None:
            try:
                radius = float(uncertainty_m)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise PositionError(f"not an uncertainty in metres: {uncertainty_m!r}") from None
            if not math.isfinite(radius) or radius < 0 or radius > MAX_UNCERTAINTY_M:
                raise PositionError(f"uncertainty {radius} m is outside 0..{MAX_UNCERTAINTY_M:.0f}")
        return cls(flat, flon, radius)

    def text(self) -> str:
        """'42.373570, -71.118960 ±8 m' — what a dispatcher reads out or pastes."""
        core = f"{self.lat:.6f}, {self.lon:.6f}"
        if self.uncertainty_m is None:
            return core
        return f"{core} ±{self.uncertainty_m:,.0f} m"
