"""Names and places of Riverton, the demo town, shared by the demo data and simulated calls."""

from __future__ import annotations

STREETS = (
    "MAIN ST",
    "N MAIN ST",
    "S MAIN ST",
    "RIVER RD",
    "ELM ST",
    "OAK AVE",
    "MAPLE AVE",
    "2ND AVE",
    "3RD AVE",
    "5TH AVE",
    "CHURCH ST",
    "MILL RD",
    "LAKE SHORE DR",
    "PARK PL",
    "WASHINGTON BLVD",
    "HIGHLAND AVE",
    "CEDAR LN",
    "BRIDGE ST",
    "DEPOT ST",
    "COLLEGE AVE",
)
PLACES = (
    ("RIVERTON HIGH SCHOOL", "400 COLLEGE AVE"),
    ("ST. LUKE'S HOSPITAL", "1200 WASHINGTON BLVD"),
    ("RIVERTON TRANSIT CENTER", "15 DEPOT ST"),
    ("FOOD KING SUPERMARKET", "780 N MAIN ST"),
    ("RIVERSIDE PARK", "1 RIVER RD"),
)
FIRST_NAMES = (
    "Maria",
    "James",
    "Linda",
    "Robert",
    "Aisha",
    "Wei",
    "Carlos",
    "Fatima",
    "John",
    "Priya",
    "Michael",
    "Olga",
    "David",
    "Keisha",
    "Luis",
    "Emily",
    "Tran",
    "Grace",
)
LAST_NAMES = (
    "Garcia",
    "Johnson",
    "Nguyen",
    "Smith",
    "Okoye",
    "Chen",
    "Rodriguez",
    "Ali",
    "Brown",
    "Patel",
    "Williams",
    "Ivanova",
    "Miller",
    "Jackson",
    "Lopez",
    "Davis",
)
# 555-01xx numbers are reserved for fiction in the North American plan.
AREA_CODES = ("617", "857", "781")


def phone_number(index: int) -> str:
    area = AREA_CODES[index % len(AREA_CODES)]
    return f"({area}) 555-{100 + index % 100:04d}"
