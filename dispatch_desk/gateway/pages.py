"""The pages the gateway writes itself: a plain refusal, in the caller's language.

Nothing from the request is ever put into a page, so there is nothing to escape but our own
words (escaped anyway)."""

from __future__ import annotations

import html

from dispatch_desk.gateway.registry import Refusal

_TEXT: dict[str, dict[Refusal, tuple[str, str]]] = {
    "en": {
        Refusal.UNKNOWN: (
            "This link does not work",
            "Check that you opened the whole link from the text message. "
            "If you need help, call 911.",
        ),
        Refusal.EXPIRED: (
            "This link has expired",
            "Links from 911 dispatch work for a short time only. If you need help, call 911.",
        ),
        Refusal.REVOKED: (
            "This link was cancelled",
            "The dispatcher cancelled this link. If you need help, call 911.",
        ),
        Refusal.ENDED: (
            "This session has ended",
            "The dispatcher ended this session. If you need help, call 911.",
        ),
        Refusal.DECLINED: (
            "You declined this request",
            "Nothing was shared. If you need help, call 911.",
        ),
        Refusal.OTHER_DEVICE: (
            "This link is open on another phone",
            "A link from 911 dispatch works on one phone only. If you need help, call 911.",
        ),
        Refusal.BUSY: ("Please wait a moment", "Too many attempts. Try again in a minute."),
        Refusal.STARTING: ("Please wait a moment", "The service is starting. Try again shortly."),
    },
    "es": {
        Refusal.UNKNOWN: (
            "Este enlace no funciona",
            "Compruebe que abrió el enlace completo del mensaje. Si necesita ayuda, llame al 911.",
        ),
        Refusal.EXPIRED: (
            "Este enlace ha caducado",
            "Los enlaces del 911 sirven poco tiempo. Si necesita ayuda, llame al 911.",
        ),
        Refusal.REVOKED: (
            "Este enlace fue cancelado",
            "El operador canceló este enlace. Si necesita ayuda, llame al 911.",
        ),
        Refusal.ENDED: (
            "Esta sesión ha terminado",
            "El operador terminó esta sesión. Si necesita ayuda, llame al 911.",
        ),
        Refusal.DECLINED: (
            "Usted rechazó esta solicitud",
            "No se compartió nada. Si necesita ayuda, llame al 911.",
        ),
        Refusal.OTHER_DEVICE: (
            "Este enlace está abierto en otro teléfono",
            "Un enlace del 911 funciona en un solo teléfono. Si necesita ayuda, llame al 911.",
        ),
        Refusal.BUSY: ("Espere un momento", "Demasiados intentos. Inténtelo en un minuto."),
        Refusal.STARTING: ("Espere un momento", "El servicio está iniciando. Inténtelo pronto."),
    },
}


def language_of(accept_language: str) -> str:
    """'es' when the phone prefers Spanish over English, else 'en'."""
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("es"):
            return "es"
        if tag.startswith("en"):
            return "en"
    return "en"


def refusal_page(reason: Refusal, language: str) -> str:
    title, body = _TEXT.get(language, _TEXT["en"])[reason]
    return (
        "<!doctype html>\n"
        f'<html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        '<link rel="stylesheet" href="/c/style.css"></head>'
        f'<body class="refusal" data-reason="{html.escape(reason.value)}"><main>'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(body)}</p>"
        "</main></body></html>\n"
    )
