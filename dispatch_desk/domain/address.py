"""Address text normalised for matching: the same place however the call-taker typed it.

This is the matching key for call history and duplicate detection. The geocoder (map issue)
builds on the same rules to verify addresses against the agency's GIS.
"""

from __future__ import annotations

import re

SUFFIXES = {
    "STREET": "ST",
    "STR": "ST",
    "AVENUE": "AVE",
    "AV": "AVE",
    "AVN": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "DRV": "DR",
    "BOULEVARD": "BLVD",
    "BOUL": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "TERRACE": "TER",
    "TERR": "TER",
    "PARKWAY": "PKWY",
    "PKY": "PKWY",
    "HIGHWAY": "HWY",
    "CIRCLE": "CIR",
    "SQUARE": "SQ",
    "HIGHLANDS": "HLS",
    "EXTENSION": "EXT",
    "TRAIL": "TRL",
    "WAY": "WAY",
    "ALLEY": "ALY",
    "BRIDGE": "BRG",
    "EXPRESSWAY": "EXPY",
    "CRESCENT": "CRES",
    "GARDENS": "GDNS",
    "HEIGHTS": "HTS",
    "PARK": "PARK",
    "PIKE": "PIKE",
    "PLAZA": "PLZ",
    "POINT": "PT",
    "TURNPIKE": "TPKE",
    "WHARF": "WHF",
    "ROW": "ROW",
}
DIRECTIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
}
UNIT_WORDS = {
    "APARTMENT": "APT",
    "APT": "APT",
    "UNIT": "UNIT",
    "SUITE": "STE",
    "STE": "STE",
    "#": "APT",
    "FLOOR": "FL",
    "FL": "FL",
    "ROOM": "RM",
    "RM": "RM",
}
ORDINAL_WORDS = {
    "FIRST": "1ST",
    "SECOND": "2ND",
    "THIRD": "3RD",
    "FOURTH": "4TH",
    "FIFTH": "5TH",
    "SIXTH": "6TH",
    "SEVENTH": "7TH",
    "EIGHTH": "8TH",
    "NINTH": "9TH",
    "TENTH": "10TH",
}

_PUNCT = re.compile(r"[.,;:'\"`]+")
_SPACE = re.compile(r"\s+")


def _ordinal(token: str) -> str:
    match = re.fullmatch(r"(\d+)(ST|ND|RD|TH)?", token)
    if not match:
        return ORDINAL_WORDS.get(token, token)
    return token


def normalize_address(text: str) -> str:
    """Upper-case, standard abbreviations, single spaces; '' for blank input."""
    cleaned = _PUNCT.sub(" ", text.upper().replace("#", " # "))
    tokens = [t for t in _SPACE.split(cleaned) if t]
    out: list[str] = []
    for index, token in enumerate(tokens):
        if token in UNIT_WORDS and index > 0:
            out.append(UNIT_WORDS[token])
            continue
        is_last_word = index == len(tokens) - 1 or tokens[index + 1] in UNIT_WORDS
        if token in DIRECTIONS and (index <= 1 or is_last_word):
            out.append(DIRECTIONS[token])
        elif token in SUFFIXES and index > 1:
            out.append(SUFFIXES[token])
        else:
            out.append(_ordinal(token))
    return " ".join(out)
