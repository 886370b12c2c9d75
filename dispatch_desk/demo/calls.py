"""Simulated calls for --demo-calls: plausible callers, places and reports at a steady pace."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime

from dispatch_desk.demo.town import FIRST_NAMES, LAST_NAMES, PLACES, STREETS, phone_number
from dispatch_desk.domain.calls import IncomingCall
from dispatch_desk.domain.location import Position
from dispatch_desk.geo.geometry import LatLon, offset

# (agency type code, what the caller says)
SCENARIOS = (
    (
        "MEDCARD",
        "Husband, 67, chest pain spreading to left arm, sweating. Conscious and breathing.",
    ),
    ("MEDFALL", "Elderly mother fell in the kitchen, cannot get up, possible hip injury."),
    ("MEDBRTH", "Child with asthma, inhaler not helping, struggling to breathe."),
    ("MEDUNC", "Man collapsed on the sidewalk, not responding, bystander checking breathing."),
    ("FIRESTR", "Smoke and flames from second-floor window, unsure if anyone is inside."),
    ("FIREALM", "Commercial fire alarm sounding, no smoke seen by caller."),
    ("GASLEAK", "Strong smell of gas in the basement, caller has left the house."),
    ("MVA", "Two cars collided at the intersection, drivers out and arguing, no injuries."),
    ("MVAI", "Car hit a pole, driver bleeding from the head, airbag deployed."),
    ("BURG", "Returned home to find back door forced open, unknown if anyone still inside."),
    ("SUSPP", "Man looking into parked cars with a flashlight, dark hoodie, heading north."),
    ("DISTRB", "Loud argument and something breaking in the apartment upstairs."),
    ("THEFT", "Bicycle stolen from the rack outside, happened within the last hour."),
    ("WELF", "Neighbour not seen for three days, mail piling up, car in the driveway."),
    ("NOISE", "Party with loud music past midnight, several cars blocking the street."),
    ("TRAFHZ", "Large mattress in the middle of the road, cars swerving around it."),
    ("HANGUP", "Line disconnected after a few seconds; callback rang out."),
)


class DemoCallFeed:
    """Makes one plausible incoming call at a time; deterministic for a given seed."""

    def __init__(
        self,
        clock: Callable[[], datetime],
        seed: int | None = None,
        locate: Callable[[str], Position | None] | None = None,
    ) -> None:
        # With ``locate`` (an address to its place), wireless calls carry a Phase II carrier
        # point: near the caller, never on them, with the radius a carrier would give.
        self._locate = locate
        self._clock = clock
        self._rng = random.Random(seed)
        self._count = 0

    def next_call(self) -> IncomingCall:
        rng = self._rng
        self._count += 1
        type_code, text = rng.choice(SCENARIOS)
        if rng.random() < 0.2:
            place, address = rng.choice(PLACES)
            address = f"{address} ({place})"
        else:
            address = (
                f"{rng.randrange(1, 60) * 10 + rng.choice((0, 2, 4, 5, 7))} {rng.choice(STREETS)}"
            )
        # A repeat caller now and then, so the history panel has something to show.
        index = rng.randrange(0, 12) if rng.random() < 0.3 else rng.randrange(12, 100)
        ani = phone_number(index)
        sector = rng.choice(("SECTOR 2 NE", "SECTOR 1 N", "SECTOR 3 SW"))
        ali = f"WIRELESS {sector} · TOWER RVT-{rng.randrange(10, 40)} · UNC 800M"
        if rng.random() < 0.35:
            ali = f"{address} · LANDLINE"
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        ali_position = None
        where = self._locate(address.split(" (")[0]) if self._locate else None
        if where is not None:
            landline = ali.endswith("LANDLINE")
            radius = 15.0 if landline else float(rng.choice((50, 120, 300, 800)))
            bearing = math.radians(rng.uniform(0, 360))
            off = 0.0 if landline else radius * rng.uniform(0.2, 0.9)
            point = offset(
                LatLon(where.lat, where.lon), off * math.sin(bearing), off * math.cos(bearing)
            )
            ali_position = Position(point.lat, point.lon, radius)
        # The class of service the phone system would deliver (no draw from the generator, so
        # a seed gives the same calls as before): wireless mostly Phase II, some VoIP.
        if ali.endswith("LANDLINE"):
            class_of_service = "BUSN" if "(" in address else "RESD"
        else:
            class_of_service = ("WPH2", "WPH2", "WPH1", "VOIP")[self._count % 4]
        return IncomingCall(
            ani=ani,
            ali=ali,
            received_at=self._clock(),
            caller_name=name,
            scenario_type=type_code,
            scenario_text=text,
            scenario_address=address,
            ali_position=ali_position,
            class_of_service=class_of_service,
            # Now and then a caller who wants texts in Spanish.
            language="es" if self._count % 6 == 5 else "",
        )
