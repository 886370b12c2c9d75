"""What a call-taker typed, taken apart: house number, street words, unit, trailing town, the
name in brackets, the two streets of an intersection.

Nothing here knows the map; :mod:`dispatch_desk.geo.geocoder` tries the pieces against it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_CHARS = 400  # longer input is not an address; it is refused before any work is done
MAX_TOKENS = 24

_NOT_ALLOWED = re.compile(r"[^A-Z0-9 &@/#,()'.\-]+")
_SPACES = re.compile(r"\s+")
_PARENS = re.compile(r"\(([^()]*)\)?")
# "/" separates streets, except between digits ("10 1/2").
_INTERSECTION = re.compile(r"\s*(?:&|@|\+|\bAND\b|\bAT\b|(?<![0-9])/|/(?![0-9]))\s*")
# 16 / 11A / 11-A / 10 1/2 / 10-1/2 / 343-1/2-R / 58-H1 / 1493-1495 / 70R, then the rest.
_HOUSE = re.compile(
    r"^(?P<number>\d{1,6})"
    r"(?:(?:\s*-\s*|\s+)(?P<fraction>1/2)(?=\s)|-(?P<dash>[0-9A-Z/]{1,6}(?:-[0-9A-Z]{1,3})?)"
    r"|(?P<letter>[A-Z])(?=\s))?"
    r"\s+(?P<rest>.+)$"
)
UNIT_WORDS = frozenset(
    {"APT", "APARTMENT", "UNIT", "STE", "SUITE", "FL", "FLOOR", "RM", "ROOM", "BLDG", "#"}
    | {"BUILDING", "LOT", "TRLR", "DEPT", "NO", "NUMBER", "SPACE", "OFFICE"}
)
_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR USA US MASS"
)
US_STATES = frozenset(_STATES.split(" "))
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


def clean(text: str) -> str:
    """Upper-case ASCII with accents folded and anything that cannot be part of an address
    (emoji, other scripts, control characters) turned into spaces."""
    if len(text) > MAX_CHARS:
        return ""
    folded = unicodedata.normalize("NFKD", text)
    ascii_text = folded.encode("ascii", "ignore").decode("ascii").upper()
    return _SPACES.sub(" ", _NOT_ALLOWED.sub(" ", ascii_text)).strip()


def split_brackets(text: str) -> tuple[str, list[str]]:
    """("780 N MAIN ST", ["FOOD KING SUPERMARKET"]) from "780 N MAIN ST (FOOD KING SUPERMARKET)"."""
    inside = [m.group(1).strip() for m in _PARENS.finditer(text) if m.group(1).strip()]
    outside = _SPACES.sub(" ", _PARENS.sub(" ", text)).strip()
    return outside, inside


def split_intersection(text: str) -> tuple[str, str] | None:
    """The two streets of "MAIN ST & 2ND AVE" (also AND, AT, @, /), or None."""
    sides = [s.strip() for s in _INTERSECTION.split(text)]
    if len(sides) != 2 or not all(sides):
        return None
    if any(side[0].isdigit() and not re.match(r"\d+(ST|ND|RD|TH)\b", side) for side in sides):
        return None  # "12 Main St & ..." is a house address with a remark
    return sides[0], sides[1]


def words(text: str) -> list[str]:
    """Tokens as the street matcher wants them: punctuation gone, apostrophes dropped, '#'
    kept as a word of its own."""
    text = text.replace("'", "").replace("#", " # ")
    text = re.sub(r"[^A-Z0-9/# ]+", " ", text)
    return text.split()[:MAX_TOKENS]


@dataclass(frozen=True)
class HouseAddress:
    number: int
    suffix: str  # "", "A", "1/2", "2"
    rest: list[str]  # street words, then perhaps unit and town


def parse_house(text: str) -> HouseAddress | None:
    """A leading house number and what follows it, or None when the text has none."""
    match = _HOUSE.match(text.replace(",", " ").strip())
    if not match:
        return None
    number = int(match.group("number"))
    suffix = match.group("fraction") or match.group("letter") or ""
    dash = match.group("dash")
    if dash:
        # 1493-1495 is a range of numbers (the first is the address); 11-2 is a suffix.
        suffix = "" if dash.isdigit() and int(dash) > number else dash
    rest = words(match.group("rest"))
    if not rest:
        return None
    if match.group("letter") in ("N", "S", "E", "W"):  # "5N Main St": a direction
        rest, suffix = [suffix, *rest], ""
    return HouseAddress(number, suffix, rest)


def title_case(text: str) -> str:
    """ "N MAIN ST" -> "N Main St", "2ND AVE" -> "2nd Ave", for notes and generated labels."""
    return " ".join(w.lower() if w[:1].isdigit() else w.capitalize() for w in text.split())


def house_label(number: int, suffix: str) -> str:
    if not suffix:
        return str(number)
    if "/" in suffix:
        return f"{number} {suffix}"
    return f"{number}{suffix}" if suffix.isalpha() else f"{number}-{suffix}"


@dataclass(frozen=True)
class Leftover:
    unit: str  # "APT 3"
    ignored: list[str]  # words that meant nothing here


def read_leftover(tokens: list[str], localities: frozenset[str]) -> Leftover:
    """After the street: a unit, a town, a state, a ZIP code are expected; anything else is
    reported as ignored so the match can say so (and score a little lower)."""
    unit: list[str] = []
    ignored: list[str] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in UNIT_WORDS:
            designator = "APT" if token in ("#", "APARTMENT", "NO", "NUMBER") else token
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
            unit = [designator, following] if following else [designator]
            index += 2
            continue
        if index == 0 and any(ch.isdigit() for ch in token) and len(token) <= 5:
            unit = ["APT", token]  # "16 Aberdeen Ave 3"
        elif token in localities or token in US_STATES or _ZIP.match(token):
            pass
        else:
            ignored.append(token)
        index += 1
    return Leftover(" ".join(unit), ignored)
