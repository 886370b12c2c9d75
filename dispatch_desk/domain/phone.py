"""Phone numbers as call-takers type them and as carriers deliver them.

Numbers are stored in E.164 form (+16175550123) so that the history of a caller is found
whatever way the number was typed: "(617) 555-0123", "617.555.0123", "1 617 555 0123".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ALLOWED = re.compile(r"^[\d\s().+\-/]*$")


@dataclass(frozen=True)
class PhoneError:
    message: str


def normalize_phone(text: str, default_country: str = "1") -> str | PhoneError:
    """Return the E.164 form of ``text``, or a :class:`PhoneError` saying what is wrong."""
    raw = text.strip()
    if not raw:
        return PhoneError("Enter a callback number.")
    if not _ALLOWED.match(raw):
        return PhoneError(
            "A phone number holds digits only (spaces, dots, dashes and brackets are fine)."
        )
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("+"):
        if not 8 <= len(digits) <= 15:
            return PhoneError("An international number has 8 to 15 digits after '+'.")
        return "+" + digits
    if raw.startswith("011"):
        rest = digits[3:]
        if not 8 <= len(rest) <= 15:
            return PhoneError("An international number has 8 to 15 digits after 011.")
        return "+" + rest
    if len(digits) == 11 and digits.startswith(default_country):
        digits = digits[1:]
    if len(digits) != 10:
        return PhoneError(f"A North American number has 10 digits; this has {len(digits)}.")
    if digits[0] in "01" or digits[3] in "01":
        return PhoneError("Area code and exchange cannot start with 0 or 1.")
    return "+" + default_country + digits


def format_phone(e164: str) -> str:
    """Show a stored number the way people read it."""
    if e164.startswith("+1") and len(e164) == 12:
        d = e164[2:]
        return f"({d[:3]}) {d[3:6]}-{d[6:]}"
    return e164
