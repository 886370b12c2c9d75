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


# Street names on their own, for the geocoder (map issue). The same tables as the key above,
# applied to the street's words alone (a type word is abbreviated anywhere after the first
# word), plus forms GIS files use. Kept apart so the history key above never changes.
STREET_TYPES_EXTRA = {
    "PK": "PARK",
    "TPK": "TPKE",
    "LANDING": "LNDG",
    "CENTER": "CTR",
    "CENTRE": "CTR",
    "STREETS": "ST",
    "AVENUES": "AVE",
    "ROADS": "RD",
}
STREET_NAME_PREFIXES = {"MOUNT": "MT", "SAINT": "ST", "FORT": "FT"}
ORDINAL_WORDS_EXTRA = {
    "ELEVENTH": "11TH",
    "TWELFTH": "12TH",
    "THIRTEENTH": "13TH",
    "FOURTEENTH": "14TH",
    "FIFTEENTH": "15TH",
    "SIXTEENTH": "16TH",
    "SEVENTEENTH": "17TH",
    "EIGHTEENTH": "18TH",
    "NINETEENTH": "19TH",
    "TWENTIETH": "20TH",
}
# Every abbreviated street type: the word a street key may end with.
STREET_TYPES = frozenset(SUFFIXES.values()) | frozenset(STREET_TYPES_EXTRA.values())
STREET_DIRECTIONS = frozenset(DIRECTIONS.values())

_STREET_PUNCT = re.compile(r"[^A-Z0-9/ ]+")


def street_words(text: str) -> list[str]:
    """The street's words, upper-case; apostrophes vanish ("Gerry's" is GERRYS), other
    punctuation separates."""
    cleaned = text.upper().replace("'", "").replace("\u2019", "")
    return [t for t in _STREET_PUNCT.sub(" ", cleaned).split() if t]


def normalize_street_words(tokens: list[str]) -> list[str]:
    out: list[str] = []
    last = len(tokens) - 1
    for index, token in enumerate(tokens):
        if token in DIRECTIONS and last > 0 and index in (0, last):
            out.append(DIRECTIONS[token])
        elif index > 0 and token in SUFFIXES:
            out.append(SUFFIXES[token])
        elif index > 0 and token in STREET_TYPES_EXTRA:
            out.append(STREET_TYPES_EXTRA[token])
        elif index == 0 and last > 0 and token in STREET_NAME_PREFIXES:
            out.append(STREET_NAME_PREFIXES[token])
        elif token in ORDINAL_WORDS_EXTRA:
            out.append(ORDINAL_WORDS_EXTRA[token])
        else:
            out.append(_ordinal(token))
    return out


def normalize_street(text: str) -> str:
    """A street name as a key: "Mount Auburn Street" and "Mt. Auburn St" are both
    "MT AUBURN ST"; "Sixth St" is "6TH ST"; "Gray Gardens East" is "GRAY GDNS E"."""
    return " ".join(normalize_street_words(street_words(text)))
