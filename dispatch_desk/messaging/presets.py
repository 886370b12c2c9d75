"""Preset texts for text-to-911 conversations, in English and Spanish.

Plain words, no abbreviations, one question per text, as text-to-911 guidance asks. Ids are
stable (an agency's profile and the audit trail refer to them). An agency may reword a preset or
add its own in its profile:

    [[text_presets]]
    id = "greeting"                  # an id below rewords that preset; a new id adds one
    en = "911. What is the address of your emergency?"
    es = "911. ¿Cuál es la dirección de su emergencia?"
    label = "Greeting"               # optional for a known id
    group = "general"                # optional: general, police, fire, ems
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

LANGUAGES = ("en", "es")
GROUPS = ("general", "police", "fire", "ems")


@dataclass(frozen=True)
class Preset:
    id: str
    group: str
    label: str
    en: str
    es: str
    hotkey: int | None = None  # Ctrl+1..9 in the composer

    def text(self, language: str) -> str:
        return self.es if language == "es" else self.en


DEFAULT_PRESETS: tuple[Preset, ...] = (
    Preset(
        "greeting",
        "general",
        "Greeting: address?",
        "911. What is the address or location of your emergency?",
        "911. ¿Cuál es la dirección o el lugar de su emergencia?",
        1,
    ),
    Preset(
        "location",
        "general",
        "Where are you now?",
        "Where are you right now? Give an address, cross streets, a business name or a landmark.",
        "¿Dónde está ahora mismo? Dé una dirección, las calles que se cruzan, el nombre de un "
        "negocio o un punto de referencia.",
        2,
    ),
    Preset(
        "safe_to_talk",
        "general",
        "Are you safe to talk?",
        "Are you safe to talk on the phone? Reply YES or NO.",
        "¿Puede hablar por teléfono sin peligro? Responda SÍ o NO.",
        3,
    ),
    Preset(
        "what_happened",
        "general",
        "What is happening?",
        "Tell me exactly what is happening.",
        "Dígame exactamente qué está pasando.",
        4,
    ),
    Preset(
        "stay_quiet",
        "general",
        "Keep texting, silence phone",
        "If you cannot talk, keep texting me. Turn your ringer off if that keeps you safe.",
        "Si no puede hablar, siga enviándome mensajes. Silencie su teléfono si eso le protege.",
        None,
    ),
    Preset(
        "police_weapons",
        "police",
        "Police: weapons?",
        "Are there any weapons? What kind?",
        "¿Hay armas? ¿De qué tipo?",
        5,
    ),
    Preset(
        "police_still_there",
        "police",
        "Police: still there?",
        "Is the person who did this still there?",
        "¿La persona que hizo esto sigue ahí?",
        None,
    ),
    Preset(
        "police_person",
        "police",
        "Police: describe person",
        "Describe the person: sex, age, height, clothing, and which way they went.",
        "Describa a la persona: sexo, edad, estatura, ropa y hacia dónde se fue.",
        None,
    ),
    Preset(
        "police_vehicle",
        "police",
        "Police: describe vehicle",
        "Describe the vehicle: colour, make, model, licence plate and direction of travel.",
        "Describa el vehículo: color, marca, modelo, placa y hacia dónde se dirige.",
        None,
    ),
    Preset(
        "ems_breathing",
        "ems",
        "EMS: awake, breathing?",
        "Is the person awake and breathing normally?",
        "¿La persona está despierta y respira con normalidad?",
        6,
    ),
    Preset(
        "ems_age",
        "ems",
        "EMS: age, what happened",
        "How old is the patient, and what happened to them?",
        "¿Qué edad tiene el paciente y qué le pasó?",
        None,
    ),
    Preset(
        "ems_bleeding",
        "ems",
        "EMS: bleeding",
        "Is there serious bleeding? If so, press firmly on the wound with a clean cloth.",
        "¿Hay sangrado grave? Si es así, presione firmemente la herida con un paño limpio.",
        None,
    ),
    Preset(
        "fire_get_out",
        "fire",
        "Fire: get out",
        "Get out now and stay out. Do not go back inside. Text me when you are outside.",
        "Salga ahora y quédese afuera. No vuelva a entrar. Escríbame cuando esté afuera.",
        7,
    ),
    Preset(
        "fire_what",
        "fire",
        "Fire: what, anyone inside?",
        "What is on fire? Is anyone still inside?",
        "¿Qué se está quemando? ¿Queda alguien adentro?",
        None,
    ),
    Preset(
        "fire_smoke",
        "fire",
        "Fire: flames or smoke?",
        "Do you see flames or only smoke? On which floor?",
        "¿Ve llamas o solo humo? ¿En qué piso?",
        None,
    ),
    Preset(
        "help_coming",
        "general",
        "Help is on the way",
        "Help is on the way. Stay where you are if it is safe, and keep this phone with you.",
        "La ayuda va en camino. Quédese donde está si es seguro y tenga este teléfono consigo.",
        8,
    ),
    Preset(
        "closing",
        "general",
        "Closing",
        "We are ending this text conversation. If anything changes, text or call 911 again.",
        "Vamos a terminar esta conversación. Si algo cambia, escriba o llame al 911 otra vez.",
        9,
    ),
)


def merge_presets(
    base: Iterable[Preset], overrides: Iterable[Mapping[str, Any]]
) -> tuple[tuple[Preset, ...], list[str]]:
    """``base`` with the agency's entries applied; bad entries are skipped, each with a reason
    (an agency's typo never takes the presets away)."""
    presets = {p.id: p for p in base}
    problems: list[str] = []
    for n, entry in enumerate(overrides, start=1):
        where = f"text_presets #{n}"
        if not isinstance(entry, Mapping):
            problems.append(f"{where}: not a table")
            continue
        pid = str(entry.get("id", "")).strip()
        texts = {lang: entry.get(lang) for lang in LANGUAGES}
        if not pid:
            problems.append(f"{where}: no id")
            continue
        if any(v is not None and (not isinstance(v, str) or not v.strip()) for v in texts.values()):
            problems.append(f"{where} ({pid}): en and es must be non-empty text")
            continue
        group = str(entry.get("group", presets[pid].group if pid in presets else "general"))
        if group not in GROUPS:
            problems.append(f"{where} ({pid}): group must be one of {', '.join(GROUPS)}")
            continue
        if pid in presets:
            old = presets[pid]
            presets[pid] = replace(
                old,
                en=(texts["en"] or old.en).strip(),
                es=(texts["es"] or old.es).strip(),
                label=str(entry.get("label", old.label)),
                group=group,
            )
            continue
        if not (texts["en"] and texts["es"]):
            problems.append(f"{where} ({pid}): a new preset needs both en and es")
            continue
        presets[pid] = Preset(
            pid, group, str(entry.get("label", pid)), texts["en"].strip(), texts["es"].strip()
        )
    return tuple(presets.values()), problems


def load_presets(profile_file: Path | None) -> tuple[Preset, ...]:
    """The defaults with the agency profile's ``[[text_presets]]`` applied (if any)."""
    if profile_file is None:
        return DEFAULT_PRESETS
    try:
        data = tomllib.loads(profile_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        logger.warning("text presets: agency profile unreadable (%s); using the defaults", exc)
        return DEFAULT_PRESETS
    entries = data.get("text_presets", [])
    if not isinstance(entries, list):
        logger.warning("text presets: [[text_presets]] must be a list of tables; ignored")
        return DEFAULT_PRESETS
    presets, problems = merge_presets(DEFAULT_PRESETS, entries)
    for problem in problems:
        logger.warning("text presets: %s (skipped)", problem)
    return presets


def find(presets: Iterable[Preset], query: str, language: str) -> list[Preset]:
    """Presets whose label, id, group or text holds every word of ``query`` (any case)."""
    words = query.casefold().split()
    found = []
    for preset in presets:
        hay = f"{preset.label} {preset.id} {preset.group} {preset.text(language)}".casefold()
        if all(w in hay for w in words):
            found.append(preset)
    return found
