"""The words of status texts and surveys, in English and Spanish.

Each text names the request by its number, says one thing, and ends with one line offering the
other language (a reply of ES or EN switches; see :mod:`dispatch_desk.services.surveys`). The
wording keeps to the GSM-7 alphabet (Spanish without a, i, o, u accents where a plain word
exists), so a text stays one or two 160-character segments instead of 70-character UCS-2 ones.
An agency may replace any template in its profile (``[text_templates.en]`` / ``.es``), with the
same ``{fields}``.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from dispatch_desk.domain.enums import Discipline

LANGUAGES = ("en", "es")

# The rules' names; a delay notice's rule is "delay_<minutes>" and uses the "delay" template.
CONFIRM = "confirm"
DISPATCHED = "dispatched"
EN_ROUTE = "en_route"
ON_SCENE = "on_scene"
DELAY = "delay"
OUTCOME = "outcome"
SURVEY_REPLY = "survey_reply"
SURVEY_LINK = "survey_link"
SURVEY_BOTH = "survey_both"
SURVEY_THANKS = "survey_thanks"
LANGUAGE_SET = "language_set"

TEMPLATES: dict[str, dict[str, str]] = {
    "en": {
        CONFIRM: "{agency}: we received {what}, number {number}. We will text you updates "
        "here. {other}",
        DISPATCHED: "{agency}: {unit} has been assigned to {what} {number}. {other}",
        EN_ROUTE: "{agency}: {unit} is on the way for {what} {number}. {other}",
        ON_SCENE: "{agency}: {unit} has arrived for {what} {number}. {other}",
        DELAY: "{agency}: we have not forgotten {what} {number}. All units are still busy; "
        "help is coming. If things get worse, call 911. {other}",
        OUTCOME: "{agency}: {what} {number} is closed: {outcome}. Your case number is "
        "{number}. {other}",
        SURVEY_REPLY: "{agency}: how did we do on {what} {number}? Reply with a number from "
        "1 (poor) to 5 (excellent), and a comment if you like. {other}",
        SURVEY_LINK: "{agency}: how did we do on {what} {number}? Tell us here: {link} {other}",
        SURVEY_BOTH: "{agency}: how did we do on {what} {number}? Reply 1 (poor) to "
        "5 (excellent), or tell us here: {link} {other}",
        SURVEY_THANKS: "{agency}: thank you for your feedback on {what} {number}.",
        LANGUAGE_SET: "{agency}: from now on we will text you in English.",
    },
    "es": {
        CONFIRM: "{agency}: recibimos {what}, numero {number}. Le enviaremos novedades por "
        "este medio. {other}",
        DISPATCHED: "{agency}: {unit} fue asignada a {what} {number}. {other}",
        EN_ROUTE: "{agency}: {unit} va en camino por {what} {number}. {other}",
        ON_SCENE: "{agency}: {unit} se encuentra en el lugar por {what} {number}. {other}",
        DELAY: "{agency}: no hemos olvidado {what} {number}. Todas las unidades siguen "
        "ocupadas; la ayuda va en camino. Si algo empeora, llame al 911. {other}",
        OUTCOME: "{agency}: {what} {number} fue cerrada: {outcome}. Referencia del caso: "
        "{number}. {other}",
        SURVEY_REPLY: "{agency}: califique nuestro servicio por {what} {number}. Responda con "
        "una cifra del 1 (malo) al 5 (excelente) y, si quiere, un comentario. {other}",
        SURVEY_LINK: "{agency}: califique nuestro servicio por {what} {number} en este "
        "enlace: {link} {other}",
        SURVEY_BOTH: "{agency}: califique nuestro servicio por {what} {number}: responda del "
        "1 (malo) al 5 (excelente), o en este enlace: {link} {other}",
        SURVEY_THANKS: "{agency}: gracias por calificar nuestro servicio ({what} {number}).",
        LANGUAGE_SET: "{agency}: de ahora en adelante le escribiremos en español.",
    },
}

# The one line every text ends with: how to get the texts in the other language.
OTHER_LANGUAGE = {"en": "Para español, responda ES.", "es": "For English, reply EN."}

# Who is coming, by discipline (Spanish nouns all feminine, matching "asignada").
UNIT_WORDS: dict[str, dict[Discipline, str]] = {
    "en": {
        Discipline.POLICE: "an officer",
        Discipline.FIRE: "a fire crew",
        Discipline.EMS: "an ambulance",
        Discipline.OTHER: "a unit",
    },
    "es": {
        Discipline.POLICE: "una patrulla",
        Discipline.FIRE: "una unidad de bomberos",
        Discipline.EMS: "una ambulancia",
        Discipline.OTHER: "una unidad",
    },
}

# What the request is called, per incident type (the demo agency's codes; others fall back to
# "your request"). Spanish phrases take feminine agreement ("cerrada").
WHAT_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "BURG": "your burglary report",
        "THEFT": "your theft report",
        "VEHSTL": "your stolen vehicle report",
        "HITRUN": "your hit and run report",
        "MVA": "your crash report",
        "NOISE": "your noise complaint",
        "ANIMAL": "your animal complaint",
        "TRAFHZ": "your road hazard report",
        "SUSPP": "your report",
        "SUSPV": "your report",
        "WELF": "your welfare check request",
        "FIREALM": "your fire alarm call",
        "GASLEAK": "your gas leak call",
    },
    "es": {
        "BURG": "su denuncia de robo",
        "THEFT": "su denuncia de hurto",
        "VEHSTL": "su denuncia de robo de vehiculo",
        "HITRUN": "su denuncia de choque con fuga",
        "MVA": "su denuncia de choque",
        "NOISE": "su queja por ruido",
        "ANIMAL": "su queja por animales",
        "TRAFHZ": "su aviso de peligro en la via",
        "SUSPP": "su denuncia",
        "SUSPV": "su denuncia",
        "WELF": "su solicitud de control de bienestar",
        "FIREALM": "su llamada por alarma de incendio",
        "GASLEAK": "su llamada por fuga de gas",
    },
}
WHAT_DEFAULT = {"en": "your request", "es": "su solicitud"}

# The agency's dispositions as a caller reads them in Spanish; one not listed is shown as is.
OUTCOME_WORDS_ES: dict[str, str] = {
    "Report taken": "se tomo la denuncia",
    "Arrest made": "hubo un arresto",
    "Citation issued": "se emitio una multa",
    "Warning given": "se dio una advertencia",
    "Advised / assisted": "se dio asistencia",
    "Transported": "traslado al hospital",
    "Treated, not transported": "atendido sin traslado",
    "Patient refused care": "el paciente rechazo la atencion",
    "Fire extinguished": "fuego extinguido",
    "False alarm": "falsa alarma",
    "Gone on arrival": "no habia nadie al llegar",
    "Unfounded": "sin fundamento",
    "Referred to other agency": "derivada a otra agencia",
    "Duplicate call": "llamada duplicada",
    "Cancelled by caller": "cancelada por quien llamo",
    "No action required": "no se requirio accion",
}


def language_of(code: str, default: str) -> str:
    """``code`` if it is a language we have texts in, else the agency's default (else en)."""
    code = code.strip().lower()[:2]
    if code in LANGUAGES:
        return code
    return default if default in LANGUAGES else "en"


def other_language(language: str) -> str:
    return "es" if language == "en" else "en"


@dataclass(frozen=True)
class TextContext:
    agency: str
    number: str
    type_code: str
    discipline: Discipline
    outcome: str = ""
    link: str = ""


class Templates:
    """The default wording with the agency's overrides on top; renders one text."""

    def __init__(self, overrides: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._table = {lang: dict(TEMPLATES[lang]) for lang in LANGUAGES}
        for lang, rules in (overrides or {}).items():
            if lang in self._table:
                self._table[lang].update(rules)

    def template(self, language: str, name: str) -> str:
        return self._table[language][name]

    def render(self, language: str, name: str, context: TextContext) -> str:
        lang = language if language in LANGUAGES else "en"
        outcome = context.outcome
        if lang == "es":
            outcome = OUTCOME_WORDS_ES.get(outcome, outcome)
        fields = {
            "agency": context.agency,
            "number": context.number,
            "what": WHAT_WORDS[lang].get(context.type_code, WHAT_DEFAULT[lang]),
            "unit": UNIT_WORDS[lang][context.discipline],
            "outcome": outcome,
            "link": context.link,
            "other": OTHER_LANGUAGE[lang],
        }
        text = string.Formatter().vformat(self.template(lang, name), (), fields)
        return " ".join(text.split())
