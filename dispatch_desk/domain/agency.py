"""The agency profile: incident types mapped onto the APCO list, units, dispositions, users.

A profile is a TOML file the centre maintains; the demo agency ships in resources/agency.
Every mistake in a profile is reported with the file and the entry it is in.
"""

from __future__ import annotations

import csv
import string
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch_desk.domain.enums import PRIORITIES, Discipline, Role

# The fields an agency's own status-text templates may use (messaging.templates).
TEXT_TEMPLATE_FIELDS = ("agency", "number", "what", "unit", "outcome", "link", "other")
TEXT_TEMPLATE_NAMES = (
    "confirm",
    "dispatched",
    "en_route",
    "on_scene",
    "delay",
    "outcome",
    "survey_reply",
    "survey_link",
    "survey_both",
    "survey_thanks",
    "language_set",
)


class ProfileError(ValueError):
    """The agency profile cannot be used as it is; the message names the file and entry."""


@dataclass(frozen=True)
class ApcoType:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class IncidentType:
    """One incident type as the agency uses it, tied to its APCO common type."""

    code: str
    label: str
    apco_code: str
    priority: int
    discipline: Discipline
    # Calls where contacting the caller could endanger them (domestic violence, suicide...).
    sensitive: bool = False
    # Calls of this type are usually still happening (a crime in progress): no status texts
    # unless the call-taker says otherwise.
    in_progress: bool = False

    def display(self) -> str:
        return f"{self.code} · {self.label}"


@dataclass(frozen=True)
class UnitSpec:
    call_sign: str
    discipline: Discipline
    station: str = ""


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: Role
    password: str


@dataclass(frozen=True)
class AgencyProfile:
    name: str
    code: str
    timezone: str
    incident_types: tuple[IncidentType, ...]
    units: tuple[UnitSpec, ...]
    dispositions: tuple[str, ...]
    users: tuple[DemoUser, ...] = ()
    apco: dict[str, ApcoType] = field(default_factory=dict)
    # The agency's own wording of status texts: {"en": {"confirm": "..."}, "es": {...}}.
    text_templates: dict[str, dict[str, str]] = field(default_factory=dict)


def load_apco_types(path: Path) -> dict[str, ApcoType]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {r["code"]: ApcoType(r["code"], r["name"], r["description"]) for r in rows}


def _need(entry: dict[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in entry:
        raise ProfileError(f"{where}: '{key}' is missing")
    value = entry[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise ProfileError(f"{where}: '{key}' must be a {kind.__name__}, got {value!r}")
    return value


def _enum(enum: type[Any], value: str, where: str) -> Any:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ProfileError(f"{where}: {value!r} is not one of {allowed}") from None


def _text_templates(data: dict[str, Any], path: Path) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    tables = data.get("text_templates", {})
    if not isinstance(tables, dict):
        raise ProfileError(f"{path}: 'text_templates' must be a table ([text_templates.en])")
    for lang, table in tables.items():
        where = f"{path}: text_templates.{lang}"
        if lang not in ("en", "es"):
            raise ProfileError(f"{where}: the languages are en and es")
        if not isinstance(table, dict):
            raise ProfileError(f'{where}: must be a table of template = "text"')
        for name, text in table.items():
            if name not in TEXT_TEMPLATE_NAMES:
                known = ", ".join(TEXT_TEMPLATE_NAMES)
                raise ProfileError(f"{where}.{name}: unknown template (known: {known})")
            if not isinstance(text, str) or not text.strip():
                raise ProfileError(f"{where}.{name}: must be a non-empty string")
            try:
                names = {n for _, n, _, _ in string.Formatter().parse(text) if n is not None}
            except ValueError as exc:
                raise ProfileError(f"{where}.{name}: not a valid template ({exc})") from None
            unknown = names - set(TEXT_TEMPLATE_FIELDS)
            if unknown:
                raise ProfileError(
                    f"{where}.{name}: unknown field(s) {', '.join(sorted(unknown))} "
                    f"(known: {', '.join(TEXT_TEMPLATE_FIELDS)})"
                )
            found.setdefault(lang, {})[name] = text
    return found


def load_profile(
    path: Path, apco: dict[str, ApcoType], *, with_users: bool = False
) -> AgencyProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot be read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None
    agency = data.get("agency", {})
    types: list[IncidentType] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("incident_types", []), start=1):
        where = f"{path}: incident_types #{i}"
        code = _need(entry, "code", where).strip().upper()
        where = f"{path}: incident type {code}"
        apco_code = _need(entry, "apco", where).strip().upper()
        if apco_code not in apco:
            raise ProfileError(f"{where}: APCO code {apco_code!r} is not in the APCO 2.103 list")
        if code in seen:
            raise ProfileError(f"{where}: code used twice")
        priority = _need(entry, "priority", where, int)
        if priority not in PRIORITIES:
            raise ProfileError(f"{where}: priority must be 1 to 5, got {priority}")
        seen.add(code)
        types.append(
            IncidentType(
                code=code,
                label=_need(entry, "label", where),
                apco_code=apco_code,
                priority=priority,
                discipline=_enum(Discipline, _need(entry, "discipline", where), where),
                sensitive=bool(entry.get("sensitive", False)),
                in_progress=bool(entry.get("in_progress", False)),
            )
        )
    units = []
    for i, entry in enumerate(data.get("units", []), start=1):
        where = f"{path}: units #{i}"
        units.append(
            UnitSpec(
                call_sign=_need(entry, "call_sign", where).strip().upper(),
                discipline=_enum(Discipline, _need(entry, "discipline", where), where),
                station=str(entry.get("station", "")),
            )
        )
    users = []
    if with_users:
        for i, entry in enumerate(data.get("users", []), start=1):
            where = f"{path}: users #{i}"
            users.append(
                DemoUser(
                    username=_need(entry, "username", where),
                    display_name=_need(entry, "name", where),
                    role=_enum(Role, _need(entry, "role", where), where),
                    password=_need(entry, "password", where),
                )
            )
    dispositions = tuple(str(d) for d in data.get("dispositions", []))
    if not dispositions:
        raise ProfileError(f"{path}: 'dispositions' must list at least one disposition")
    return AgencyProfile(
        name=str(agency.get("name", path.stem)),
        code=str(agency.get("code", "AGENCY")),
        timezone=str(agency.get("timezone", "UTC")),
        incident_types=tuple(types),
        units=tuple(units),
        dispositions=dispositions,
        users=tuple(users),
        apco=apco,
        text_templates=_text_templates(data, path),
    )


class IncidentTypeCatalog:
    """Finds an incident type from what a call-taker typed: agency code, APCO code or name.

    Every APCO common type is usable even where the agency has not mapped it, so an unusual
    call never blocks the form; it takes priority 3 until the agency maps it.
    """

    def __init__(self, profile: AgencyProfile) -> None:
        self._types: dict[str, IncidentType] = {t.code: t for t in profile.incident_types}
        mapped = {t.apco_code for t in profile.incident_types}
        for apco in profile.apco.values():
            if apco.code not in mapped and apco.code not in self._types:
                self._types[apco.code] = IncidentType(
                    code=apco.code,
                    label=apco.name.title(),
                    apco_code=apco.code,
                    priority=3,
                    discipline=Discipline.OTHER,
                )
        self._by_label = {t.label.upper(): t for t in self._types.values()}
        # A mapped APCO code finds the agency's type for it (first mapping wins).
        self._by_apco: dict[str, IncidentType] = {}
        for t in profile.incident_types:
            self._by_apco.setdefault(t.apco_code, t)

    def all(self) -> list[IncidentType]:
        return sorted(self._types.values(), key=lambda t: t.code)

    def get(self, code: str) -> IncidentType | None:
        return self._types.get(code.strip().upper())

    def resolve(self, text: str) -> IncidentType | None:
        """The type the text names, by code, by '<code> · label' or by exact label."""
        key = text.strip().upper()
        if not key:
            return None
        if "·" in key:
            key = key.split("·", 1)[0].strip()
        return self._types.get(key) or self._by_apco.get(key) or self._by_label.get(key)
