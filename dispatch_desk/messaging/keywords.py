"""STOP / START / HELP and the synonyms carriers honour, in English and Spanish.

A keyword is the whole message, whatever its case, spacing or closing punctuation
("Stop", " stop all ", "PARAR."); a sentence that merely contains one ("please stop texting me")
is not a keyword: it reaches a person instead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class Keyword(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"


# CTIA's and Twilio's standard words, and the Spanish ones US carriers recognise.
WORDS: dict[str, tuple[Keyword, str]] = {
    **{
        w: (Keyword.STOP, "en")
        for w in ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE")
    },
    **{w: (Keyword.STOP, "es") for w in ("PARAR", "ALTO", "CANCELAR", "DETENER", "BAJA")},
    **{w: (Keyword.START, "en") for w in ("START", "YES", "UNSTOP", "OPTIN")},
    **{w: (Keyword.START, "es") for w in ("INICIAR", "REANUDAR")},
    **{w: (Keyword.HELP, "en") for w in ("HELP", "INFO")},
    **{w: (Keyword.HELP, "es") for w in ("AYUDA",)},
}

_NOISE = re.compile(r"[\s\-_.!¡?¿,;:'\"]+")


@dataclass(frozen=True)
class Match:
    keyword: Keyword
    word: str  # as normalised, e.g. "STOPALL"
    language: str  # "en" | "es": the answer's language


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOISE.sub("", plain).upper()


def classify(body: str) -> Match | None:
    """The keyword ``body`` is, or None."""
    if len(body) > 40:  # no keyword is that long, even padded
        return None
    word = _fold(body)
    found = WORDS.get(word)
    return None if found is None else Match(found[0], word, found[1])
