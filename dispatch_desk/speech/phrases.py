"""The phrase book: an alert's spoken form put into words the same way every time.

"P1 medical at 400 N Main St" is always spoken "P one medical, four hundred North Main Street":
street suffixes and directions written out, house numbers read in pairs, unit call signs as the
radio says them ("M7" is "Medic seven"). English and Spanish; street names stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.domain.address import DIRECTIONS, SUFFIXES, UNIT_WORDS
from dispatch_desk.speech.numbers import cardinal, digits_each, house_number, ordinal

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        "incident.new": "P {priority} {discipline}, {address}",
        "call.unanswered": "Call not answered, ringing {seconds} seconds",
        "text.inbound": "New text to nine one one, {caller}",
        "video.live": "Caller video is live, {address}",
        "camera.lost": "Camera {camera} offline",
        "unit.no_response": "{unit}, no response to status check",
        "text": "{text}",
    },
    "es": {
        "incident.new": "Prioridad {priority}, {discipline}, {address}",
        "call.unanswered": "Llamada sin contestar, {seconds} segundos",
        "text.inbound": "Nuevo mensaje de texto al nueve uno uno, {caller}",
        "video.live": "Video del llamante en vivo, {address}",
        "camera.lost": "Cámara {camera} fuera de línea",
        "unit.no_response": "{unit}, sin respuesta al control de estado",
        "text": "{text}",
    },
}

DISCIPLINES = {
    "en": {"ems": "medical", "fire": "fire", "police": "police", "other": "incident"},
    "es": {"ems": "médico", "fire": "incendio", "police": "policía", "other": "incidente"},
}

# Call-sign prefixes as spoken on the radio, longest first when matching.
UNIT_NAMES = {
    "BC": ("Battalion", "Batallón"),
    "K9": ("K nine", "K nueve"),
    "A": ("Ambulance", "Ambulancia"),
    "E": ("Engine", "Bomba"),
    "L": ("Ladder", "Escalera"),
    "M": ("Medic", "Médico"),
    "P": ("Patrol", "Patrulla"),
    "R": ("Rescue", "Rescate"),
    "S": ("Squad", "Escuadra"),
    "T": ("Truck", "Camión"),
}

# Abbreviation -> spoken word, taken from the address rules so both stay in step.
_SPOKEN_SUFFIX: dict[str, str] = {}
for _full, _abbr in SUFFIXES.items():
    if len(_full) > len(_abbr):
        _SPOKEN_SUFFIX.setdefault(_abbr, _full.title())
_SPOKEN_DIRECTION = {abbr: full.title() for full, abbr in DIRECTIONS.items()}
_SPOKEN_UNIT_WORD = {
    "APT": "Apartment",
    "STE": "Suite",
    "FL": "Floor",
    "RM": "Room",
    "UNIT": "Unit",
}
_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$", re.IGNORECASE)
_HOUSE = re.compile(r"^(\d+)([A-Z]?)$", re.IGNORECASE)
_CALL_SIGN = re.compile(r"^([A-Z]+?)(\d+)$")


def _suffix_key(word: str) -> str | None:
    upper = word.upper()
    abbr = SUFFIXES.get(upper, upper)
    return abbr if abbr in _SPOKEN_SUFFIX else None


def _words(word: str) -> str:
    return word.title() if word.isupper() and len(word) > 1 else word


def spoken_address(address: str, language: str = "en") -> str:
    """ "400 N Main St Apt 3" -> "four hundred North Main Street, Apartment three"."""
    english = language == "en"
    text = re.sub(r"\s*\(([^)]*)\)", r", \1", address.strip())
    text = re.sub(r"\s*(?:&|@|/)\s*", " and " if english else " y ", text)
    out: list[str] = []
    raw = text.replace(",", " , ").split()
    for i, token in enumerate(raw):
        word = token.rstrip(".")
        upper = word.upper()
        before = raw[i - 1].upper() if i else ""
        after = raw[i + 1].rstrip(".").upper() if i + 1 < len(raw) else ""
        if word == ",":
            if out and out[-1] != ",":
                out.append(",")
            continue
        house = _HOUSE.match(word)
        if house and (i == 0 or before in _SPOKEN_UNIT_WORD or UNIT_WORDS.get(before)):
            number, letter = house.groups()
            spoken = house_number(number) if english else number
            out.append(f"{spoken} {letter.upper()}".strip())
            continue
        ordinal_match = _ORDINAL.match(word)
        if ordinal_match and english:
            out.append(ordinal(int(ordinal_match.group(1))).title())
            continue
        if upper in UNIT_WORDS and after:
            if out and out[-1] != ",":
                out.append(",")
            out.append(_SPOKEN_UNIT_WORD[UNIT_WORDS[upper]])
            continue
        if upper == "ST" and after and after not in (",", "AND", "Y") and i > 0:
            out.append("Saint")  # "St Paul Ave": a suffix is never followed by a street name
            continue
        suffix = _suffix_key(word)
        if suffix and i > 0:
            out.append(_SPOKEN_SUFFIX[suffix])
            continue
        if upper in _SPOKEN_DIRECTION and (i <= 1 or not after or after == ","):
            out.append(_SPOKEN_DIRECTION[upper])
            continue
        if word.isdigit() and english and int(word) < 1_000_000:
            out.append(cardinal(int(word)))
            continue
        out.append(_words(word))
    return re.sub(r"\s+,", ",", " ".join(out)).strip(" ,")


def spoken_unit(call_sign: str, language: str = "en") -> str:
    """ "M7" -> "Medic seven"; an unknown prefix is spelled: "X12" -> "X twelve"."""
    sign = call_sign.strip().upper()
    english = language == "en"
    for prefix in sorted(UNIT_NAMES, key=len, reverse=True):
        if sign.startswith(prefix) and sign[len(prefix) :].isdigit():
            number = sign[len(prefix) :]
            name = UNIT_NAMES[prefix][0 if english else 1]
            return f"{name} {cardinal(int(number)) if english else number}"
    match = _CALL_SIGN.match(sign)
    if match:
        letters, number = match.groups()
        return f"{' '.join(letters)} {cardinal(int(number)) if english else number}"
    return call_sign


class PhraseBook:
    """Renders phrases in one language."""

    def __init__(self, language: str = "en") -> None:
        if language not in TEMPLATES:
            raise ValueError(f"no phrase book for language {language!r}")
        self.language = language

    def render(self, phrase: Phrase) -> str:
        template = TEMPLATES[self.language].get(phrase.template)
        if template is None:
            raise KeyError(f"no phrase {phrase.template!r} in {self.language}")
        return _tidy(template.format_map(_Fields(phrase.fields, self.language)))


class _Fields(dict[str, str]):
    """Each field spoken by its name's rule; a missing field is simply left out."""

    def __init__(self, fields: Mapping[str, str | int], language: str) -> None:
        super().__init__()
        self._fields = fields
        self._language = language

    def __missing__(self, name: str) -> str:
        value = self._fields.get(name, "")
        english = self._language == "en"
        if value == "":
            return ""
        if name == "address":
            return spoken_address(str(value), self._language)
        if name == "unit":
            return spoken_unit(str(value), self._language)
        if name == "discipline":
            return DISCIPLINES[self._language].get(str(value), str(value))
        if name == "phone":
            return digits_each(str(value)) if english else str(value)
        if isinstance(value, int) and english and 0 <= value < 1_000_000:
            return cardinal(value)
        return str(value)


def _tidy(text: str) -> str:
    # Empty fields leave ", ," or a trailing comma behind.
    text = re.sub(r"(\s*,\s*)+(?=,|$)", "", text)
    text = re.sub(r"\s*,\s*", ", ", text)
    return re.sub(r"\s+", " ", text).strip(" ,")
