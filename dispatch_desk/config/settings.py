"""Typed settings, layered: defaults < machine file < user file < --config file < environment
< --set.

Each section is a frozen dataclass. Values from files, the environment
(``DISPATCH_DESK_SECTION__KEY``) and the command line (``--set section.key=value``) are checked
against the field's type and bounds; a bad value raises :class:`SettingsError` naming where it
came from, so an installer's typo is reported plainly instead of surfacing as a crash later.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import tomllib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch_desk.config.paths import Paths

ENV_PREFIX = "DISPATCH_DESK_"


class SettingsError(ValueError):
    """A setting is missing, unknown or has a value of the wrong kind."""


def _bounded(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: Sequence[str] | None = None,
    doc: str = "",
) -> Any:
    return field(
        default=default, metadata={"low": low, "high": high, "choices": choices, "doc": doc}
    )


@dataclass(frozen=True)
class WorkstationSettings:
    id: str = field(
        default_factory=lambda: socket.gethostname() or "workstation",
        metadata={"doc": "Name of this workstation in audit records."},
    )
    position: str = _bounded("", doc="Console position, e.g. 'Call-taker 3'.")

    def __post_init__(self) -> None:
        # The audit chains central writes itself (dispatch_desk.sync.central, audit.prune).
        if self.id.strip().lower() in RESERVED_WORKSTATION_IDS:
            raise SettingsError(
                f"workstation.id: {self.id.strip()!r} is reserved for the central database's "
                "own audit chains; give this workstation another name "
                "(--set workstation.id=NAME)"
            )


RESERVED_WORKSTATION_IDS = ("central", "central-retention")


@dataclass(frozen=True)
class StoreSettings:
    path: str = _bounded("", doc="Local cache file; empty means the per-user data folder.")
    busy_timeout_ms: int = _bounded(
        3000, low=0, high=60000, doc="How long a write waits for a locked database."
    )
    synchronous: str = _bounded(
        "FULL", choices=("NORMAL", "FULL"), doc="SQLite durability: FULL survives power loss."
    )


@dataclass(frozen=True)
class CentralSettings:
    url: str = _bounded(
        "",
        doc="The centre's PostgreSQL, e.g. postgresql://desk@db.example/dispatch; "
        "empty runs this workstation standalone.",
    )
    poll_s: float = _bounded(
        5.0, low=0.2, high=600.0, doc="Safety-net poll when no notification arrives."
    )
    connect_timeout_s: float = _bounded(3.0, low=0.5, high=120.0)
    op_timeout_s: float = _bounded(
        10.0, low=0.5, high=600.0, doc="A central call taking longer is treated as a cut link."
    )
    retry_max_s: float = _bounded(5.0, low=0.5, high=300.0, doc="Longest wait between retries.")
    push_batch: int = _bounded(500, low=1, high=10000)
    pull_batch: int = _bounded(500, low=1, high=10000)
    lease_block: int = _bounded(200, low=10, high=100000, doc="Incident numbers leased at once.")
    lease_reserve: int = _bounded(
        100, low=1, high=100000, doc="Lease more when fewer numbers than this are left."
    )


@dataclass(frozen=True)
class SessionSettings:
    lock_after_idle_s: int = _bounded(
        900, low=0, high=86400, doc="Lock the screen after this many idle seconds; 0 never."
    )
    max_failed_logins: int = _bounded(5, low=1, high=100)


@dataclass(frozen=True)
class IntakeSettings:
    duplicate_window_min: int = _bounded(
        30,
        low=0,
        high=1440,
        doc="Open incidents of the same type at the same address "
        "within this many minutes are flagged as duplicates.",
    )
    history_limit: int = _bounded(25, low=1, high=500)
    narrative_max_chars: int = _bounded(
        20000, low=100, high=1_000_000, doc="Longest single narrative entry."
    )


@dataclass(frozen=True)
class AgencySettings:
    profile: str = _bounded("demo", doc="'demo' or the path of the agency's TOML profile.")


@dataclass(frozen=True)
class DemoSettings:
    call_interval_s: float = _bounded(
        25.0, low=1.0, high=3600.0, doc="Seconds between simulated calls with --demo-calls."
    )


@dataclass(frozen=True)
class UiSettings:
    font_pt: float = _bounded(10.0, low=7.0, high=24.0)


@dataclass(frozen=True)
class SpeechSettings:
    """Alerts and spoken announcements; voice, rate, volume and language are each user's
    defaults (a user's own choice, kept in voices.json, wins)."""

    engine: str = _bounded(
        "auto",
        choices=("auto", "pyttsx3", "silent"),
        doc="'auto': pyttsx3 where a sound device is found, else silent.",
    )
    player: str = _bounded(
        "auto",
        doc="Command playing a WAV (its path is appended); 'auto' finds paplay, pw-play or "
        "aplay; 'pyttsx3' lets pyttsx3 play it itself.",
    )
    language: str = _bounded("en", choices=("en", "es"), doc="en English, es Spanish.")
    voice: str = _bounded("", doc="espeak-ng voice id (gmw/en-us); empty: the language's own.")
    rate: int = _bounded(170, low=80, high=400, doc="Words per minute.")
    volume: float = _bounded(1.0, low=0.0, high=1.0)
    stale_after_s: float = _bounded(
        30.0, low=1.0, high=600.0, doc="An announcement waiting longer than this is dropped."
    )
    timeout_s: float = _bounded(
        10.0,
        low=1.0,
        high=120.0,
        doc="An announcement taking longer (plus 0.1 s a character) means the engine is stuck; "
        "it is replaced.",
    )
    repeat_window_s: float = _bounded(
        60.0, low=0.0, high=3600.0, doc="The same alert again within this time is suppressed."
    )
    unanswered_call_s: float = _bounded(
        20.0, low=5.0, high=600.0, doc="Alert when a call rings this long unanswered."
    )
    max_priority: int = _bounded(2, low=1, high=5, doc="Speak alerts of this priority or higher.")
    speak_call_taker: str = _bounded(
        "call.unanswered, text.inbound, video.live", doc="Alert kinds spoken to call-takers."
    )
    speak_dispatcher: str = _bounded(
        "incident.new, call.unanswered, text.inbound, video.live, camera.lost, unit.no_response",
        doc="Alert kinds spoken to dispatchers ('*' every kind, '' none).",
    )
    speak_supervisor: str = _bounded("*", doc="Alert kinds spoken to supervisors.")
    speak_admin: str = _bounded("*", doc="Alert kinds spoken to administrators.")


@dataclass(frozen=True)
class GatewaySettings:
    """The citizen gateway: where phones open their link, and how this desk reaches it."""

    url: str = _bounded(
        "",
        doc="The centre's gateway for the desk link, e.g. wss://gw.example/desk; "
        "empty runs one inside this workstation on 127.0.0.1.",
    )
    bind_host: str = _bounded("127.0.0.1", doc="Address the gateway listens on.")
    bind_port: int = _bounded(
        0, low=0, high=65535, doc="Port the gateway listens on; 0 picks a free one (embedded)."
    )
    public_url: str = _bounded(
        "",
        doc="Base of the links sent to callers, e.g. https://help.example.org; "
        "empty: the address the gateway listens on.",
    )
    cert_file: str = _bounded("", doc="TLS certificate (PEM); empty serves plain HTTP.")
    key_file: str = _bounded("", doc="TLS private key (PEM) for cert_file.")
    ice_servers: str = _bounded(
        "", doc="STUN/TURN servers, space-separated, e.g. 'stun:stun.example:3478'."
    )
    ice_username: str = _bounded("", doc="TURN user name.")
    ice_credential: str = _bounded("", doc="TURN password.")
    invite_expiry_min: int = _bounded(
        30, low=1, high=1440, doc="A link not agreed to within this many minutes expires."
    )
    upload_max_mb: float = _bounded(
        25.0, low=0.1, high=2048.0, doc="Largest photo or video a caller may send."
    )
    chat_max_chars: int = _bounded(1000, low=10, high=20000)
    link_checks_per_min: int = _bounded(
        30, low=1, high=10000, doc="Link openings (right or wrong) allowed per address a minute."
    )
    uploads_per_min: int = _bounded(
        10, low=1, high=1000, doc="Uploads allowed per session a minute."
    )
    invites_per_min: int = _bounded(
        30, low=1, high=10000, doc="Invites one workstation may make a minute."
    )
    desk_secret: str = _bounded(
        "",
        doc="Shared secret of the desk link (the gateway and every desk); "
        "empty: a random one for the embedded gateway.",
    )


@dataclass(frozen=True)
class TextingSettings:
    """Texts to and from callers: the provider, the centre's numbers, and how the outbox retries.

    The Twilio auth token is never written here: it is read from the environment variable named
    by ``auth_token_env`` or from the file ``auth_token_file``."""

    provider: str = _bounded(
        "loopback",
        choices=("loopback", "twilio"),
        doc="loopback keeps texts on this machine (phone simulator on the gateway); twilio sends.",
    )
    account_sid: str = _bounded("", doc="Twilio account SID (AC...).")
    auth_token_env: str = _bounded(
        "TWILIO_AUTH_TOKEN", doc="Environment variable holding the Twilio auth token."
    )
    auth_token_file: str = _bounded(
        "", doc="File holding the Twilio auth token (used when the variable is unset)."
    )
    api_base_url: str = _bounded(
        "", doc="Twilio REST base URL; empty: Twilio's own (https://api.twilio.com)."
    )
    status_number: str = _bounded(
        "+15005550006", doc="The agency's number status texts and surveys come from (E.164)."
    )
    text911_number: str = _bounded(
        "+15005550911", doc="The agency's number callers text 911 on (E.164)."
    )
    messaging_service_sid: str = _bounded(
        "", doc="Twilio Messaging Service (MG...) used for status texts when set."
    )
    public_webhook_url: str = _bounded(
        "",
        doc="Base URL Twilio calls for webhooks, exactly as configured at Twilio, e.g. "
        "https://gw.example.org; empty: the gateway's public_url.",
    )
    max_attempts: int = _bounded(
        6, low=1, high=50, doc="Tries before a text that keeps failing is given up."
    )
    retry_base_s: float = _bounded(
        5.0, low=0.1, high=3600.0, doc="First retry delay; doubles on every try."
    )
    retry_max_s: float = _bounded(600.0, low=1.0, high=86400.0, doc="Longest retry delay.")
    poll_s: float = _bounded(
        1.0, low=0.05, high=60.0, doc="How often the outbox looks for texts that are due."
    )
    send_timeout_s: float = _bounded(
        20.0, low=1.0, high=300.0, doc="How long one send to the provider may take."
    )
    # -- the rules: status texts, surveys, text-to-911 conversations
    status_texts: bool = _bounded(
        True, doc="Send automatic status texts (confirmation, units, delays, outcome, survey)."
    )
    sender_name: str = _bounded(
        "", doc="How status texts sign ('Riverton 911'); empty: the agency's name."
    )
    default_language: str = _bounded(
        "en", choices=("en", "es"), doc="Language of texts when the caller's is not known."
    )
    delay_minutes: str = _bounded(
        "15, 30",
        doc="Minutes after the request with no unit on scene at which a delay notice goes "
        "(comma-separated; empty: none).",
    )
    stale_after_min: int = _bounded(
        60,
        low=1,
        high=10080,
        doc="A status text whose moment passed longer ago than this (the desk was off) is "
        "skipped, not sent late.",
    )
    survey_delay_hours: float = _bounded(
        24.0, low=0.0, high=720.0, doc="Hours after closing that the survey is sent."
    )
    survey_mode: str = _bounded(
        "reply",
        choices=("reply", "link", "both", "off"),
        doc="reply: answer with a number 1-5; link: a web form (survey_url); both; off.",
    )
    survey_url: str = _bounded(
        "", doc="The survey form's address for link mode; {number} is the request number."
    )
    survey_window_days: int = _bounded(
        7, low=1, high=90, doc="How long a survey may go late, and be answered, in days."
    )
    conversation_limit: int = _bounded(
        3, low=1, high=20, doc="Text-to-911 conversations one call-taker may hold at once."
    )


@dataclass(frozen=True)
class GisSettings:
    max_file_mb: int = _bounded(
        256,
        low=1,
        high=4096,
        doc="Largest GeoJSON file 'gis import' reads (it is parsed in memory); "
        "split bigger layers or raise this.",
    )


@dataclass(frozen=True)
class MapSettings:
    tiles: str = _bounded(
        "",
        doc="Raster base map under the agency's streets: an .mbtiles file, or an XYZ URL "
        "template (https://tiles.example/{z}/{x}/{y}.png, cached on disk); empty: none.",
    )
    nearest_radius_m: float = _bounded(
        400.0, low=10.0, high=20000.0, doc="How far to look for cameras near an incident."
    )
    nearest_cameras: int = _bounded(4, low=1, high=16, doc="Cameras docked for an incident.")
    trail_fixes: int = _bounded(
        2000, low=10, high=100000, doc="GPS fixes kept in a caller's breadcrumb trail."
    )


@dataclass(frozen=True)
class CamerasSettings:
    """The camera wall: which cameras an incident brings up, and why a viewing is recorded."""

    nearest_count: int = _bounded(
        4, low=1, high=16, doc="Cameras docked in a wall view for an incident."
    )
    nearest_radius_m: float = _bounded(
        400.0, low=10.0, high=20000.0, doc="How far from an incident to look for cameras."
    )
    require_purpose: bool = _bounded(
        False,
        doc="Ask for a stated purpose before showing a camera when no incident is in context.",
    )
    main_stream_min_px: int = _bounded(
        560,
        low=0,
        high=10000,
        doc="A tile at least this wide plays the camera's main stream; narrower: the sub-stream.",
    )


@dataclass(frozen=True)
class RetentionSettings:
    """How long each kind of record is kept after it was made, in days. A run removes only what
    belongs to closed incidents that are not on legal hold (see dispatch_desk.evidence)."""

    recordings_days: int = _bounded(90, low=1, high=36500, doc="Live-session recordings.")
    media_days: int = _bounded(
        365, low=1, high=36500, doc="Photos, videos and stills (callers' and cameras')."
    )
    chat_days: int = _bounded(365, low=1, high=36500, doc="Live-session chat and texts.")
    locations_days: int = _bounded(365, low=1, high=36500, doc="Callers' location fixes.")
    camera_viewings_days: int = _bounded(
        365, low=1, high=36500, doc="Records of who watched which camera."
    )
    audit_days: int = _bounded(
        400, low=1, high=36500, doc="The audit trail; never less than 365 (a year)."
    )
    run_at: str = _bounded("03:30", doc="Local time (HH:MM) the desk prunes its cache daily.")
    enabled: bool = _bounded(True, doc="Run retention on this desk's local cache every day.")

    def __post_init__(self) -> None:
        if self.audit_days < 365:
            raise SettingsError(
                f"retention.audit_days: the audit trail is kept at least 365 days (a year); "
                f"{self.audit_days} is too short"
            )
        hours, sep, minutes = self.run_at.strip().partition(":")
        if not (
            sep
            and hours.isdigit()
            and minutes.isdigit()
            and 0 <= int(hours) <= 23
            and 0 <= int(minutes) <= 59
        ):
            raise SettingsError(
                f"retention.run_at: expected a time of day as HH:MM (e.g. 03:30); "
                f"got {self.run_at!r}"
            )


@dataclass(frozen=True)
class EvidenceSettings:
    public_key: str = _bounded(
        "",
        doc="The agency's Ed25519 public key (base64, as 'evidence keygen' prints it); "
        "packages are verified against it.",
    )
    private_key_file: str = _bounded(
        "", doc="The agency's signing key (PEM); empty: evidence-signing.pem in the data folder."
    )
    agency_name: str = _bounded("", doc="Agency named in manifests; empty: the profile's name.")


@dataclass(frozen=True)
class QaSettings:
    """Quality assurance: which incidents the review queue holds, and the form it uses."""

    sample_percent: float = _bounded(
        2.0,
        low=0.0,
        high=100.0,
        doc="Share of closed incidents sampled for review (APCO/NENA 1.107: at least 2).",
    )
    high_acuity_types: str = _bounded(
        "MEDCARD MEDBRTH MEDUNC MEDSTRK MEDOD FIRESTR SHOTS SUICTH DOMV",
        doc="Incident type codes always reviewed, space- or comma-separated.",
    )
    default_form: str = _bounded(
        "Call taking", doc="The evaluation form offered first (its latest version)."
    )


@dataclass(frozen=True)
class Settings:
    workstation: WorkstationSettings = field(default_factory=WorkstationSettings)
    store: StoreSettings = field(default_factory=StoreSettings)
    central: CentralSettings = field(default_factory=CentralSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    intake: IntakeSettings = field(default_factory=IntakeSettings)
    agency: AgencySettings = field(default_factory=AgencySettings)
    demo: DemoSettings = field(default_factory=DemoSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    gis: GisSettings = field(default_factory=GisSettings)
    map: MapSettings = field(default_factory=MapSettings)
    gateway: GatewaySettings = field(default_factory=GatewaySettings)
    texting: TextingSettings = field(default_factory=TextingSettings)
    cameras: CamerasSettings = field(default_factory=CamerasSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    evidence: EvidenceSettings = field(default_factory=EvidenceSettings)
    qa: QaSettings = field(default_factory=QaSettings)

    @property
    def demo_mode(self) -> bool:
        return self.agency.profile == "demo"

    def store_file(self, paths: Paths) -> Path:
        return Path(self.store.path).expanduser() if self.store.path else paths.default_store_file


def _sections() -> dict[str, type[Any]]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in dataclasses.fields(Settings)}


def _coerce(raw: Any, kind: type[Any], meta: Mapping[str, Any], where: str) -> Any:
    try:
        if kind is bool:
            if isinstance(raw, bool):
                value: Any = raw
            elif str(raw).strip().lower() in ("1", "true", "yes", "on"):
                value = True
            elif str(raw).strip().lower() in ("0", "false", "no", "off"):
                value = False
            else:
                raise ValueError
        elif kind is int:
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                raise ValueError
            value = int(str(raw).strip()) if not isinstance(raw, int | float) else int(raw)
        elif kind is float:
            if isinstance(raw, bool):
                raise ValueError
            value = float(raw)
            if not math.isfinite(value):
                raise ValueError
        else:
            if not isinstance(raw, str | int | float) or isinstance(raw, bool):
                raise ValueError
            value = str(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{where}: expected {kind.__name__}, got {raw!r}") from None
    choices = meta.get("choices")
    if choices and value not in choices:
        raise SettingsError(f"{where}: must be one of {', '.join(choices)}; got {value!r}")
    low, high = meta.get("low"), meta.get("high")
    if low is not None and value < low:
        raise SettingsError(f"{where}: must be at least {low}; got {value!r}")
    if high is not None and value > high:
        raise SettingsError(f"{where}: must be at most {high}; got {value!r}")
    return value


def _apply(values: dict[str, dict[str, Any]], section: str, key: str, raw: Any, where: str) -> None:
    sections = _sections()
    if section not in sections:
        raise SettingsError(
            f"{where}: unknown section [{section}] (known: {', '.join(sorted(sections))})"
        )
    cls = sections[section]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    if key not in fields:
        raise SettingsError(
            f"{where}: unknown setting {section}.{key} (known: {', '.join(sorted(fields))})"
        )
    values.setdefault(section, {})[key] = _coerce(raw, hints[key], fields[key].metadata, where)


def check_setting(section: str, key: str, raw: Any) -> Any:
    """The value ``raw`` would have as ``section.key``, checked as when the desk reads it."""
    values: dict[str, dict[str, Any]] = {}
    _apply(values, section, key, raw, f"{section}.{key}")
    return values[section][key]


def _read_file(path: Path, values: dict[str, dict[str, Any]]) -> None:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise SettingsError(f"{path}: cannot be read: {exc.strerror}") from None
    for section, table in data.items():
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: '{section}' must be a [section] table")
        for key, raw in table.items():
            _apply(values, section, key, raw, f"{path}: {section}.{key}")


def load_settings(
    paths: Paths,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
) -> Settings:
    """Build the effective settings from every layer, most specific last."""
    values: dict[str, dict[str, Any]] = {}
    for candidate in (paths.machine_config_file, paths.user_config_file):
        if candidate.is_file():
            _read_file(candidate, values)
    if config_file is not None:
        if not config_file.is_file():
            raise SettingsError(f"{config_file}: no such settings file")
        _read_file(config_file, values)
    env = os.environ if environ is None else environ
    for name, raw in sorted(env.items()):
        if name.startswith(ENV_PREFIX) and "__" in name:
            section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
            _apply(values, section, key, raw, f"environment {name}")
    for item in overrides:
        dotted, sep, raw = item.partition("=")
        section, dot, key = dotted.strip().partition(".")
        if not sep or not dot:
            raise SettingsError(f"--set {item!r}: expected section.key=value")
        _apply(values, section, key, raw, f"--set {dotted.strip()}")
    sections = _sections()
    return Settings(**{name: sections[name](**values.get(name, {})) for name in sections})


def describe_settings() -> list[tuple[str, str, str]]:
    """(dotted name, default, help) for every setting, for --help-settings and the docs."""
    rows = []
    for section, cls in _sections().items():
        for f in dataclasses.fields(cls):
            default = f.default if f.default is not dataclasses.MISSING else "(computed)"
            rows.append((f"{section}.{f.name}", str(default), str(f.metadata.get("doc", ""))))
    return rows
